// SPDX-License-Identifier: GPL-2.0
/*
 * The APIC timer, on an hrtimer: one-shot and periodic from TMICT and
 * TDCR, or TSC-deadline from IA32_TSC_DEADLINE (SDM Vol. 3A 10.5.4).
 * As KVM 6.1, the APIC's bus runs at 1 GHz, so a count is
 * divisor nanoseconds, and a periodic timer fires at most every
 * VLAPIC_MIN_PERIOD_NS.  When it runs out, the vector goes to IRR from
 * the hrtimer's hard interrupt and the vCPU is kicked.
 */
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <asm/tsc.h>

#include "vlapic.h"
#include "../vmx/halt.h"
#include "../vmx/vcpu.h"

/* A timer further away than this (about 146 years) waits this long. */
#define VLAPIC_MAX_WAIT_NS	(KTIME_MAX / 2)

static enum hrtimer_restart vlapic_timer_fn(struct hrtimer *t)
{
	struct kvmini_lapic *apic = container_of(t, struct kvmini_lapic, timer);
	enum hrtimer_restart ret = HRTIMER_NORESTART;
	unsigned long flags;

	raw_spin_lock_irqsave(&apic->lock, flags);
	lapic_timer_fire(&apic->m);
	/*
	 * The mode the timer was armed in, not LVTT's: a guest's LVTT write
	 * lands before its vCPU cancels this timer, and a one-shot count
	 * taken for a period would bypass the VLAPIC_MIN_PERIOD_NS floor.
	 */
	switch (apic->armed_mode) {
	case LAPIC_TIMER_PERIODIC:
		hrtimer_forward_now(t, ns_to_ktime(apic->period_ns));
		ret = HRTIMER_RESTART;
		break;
	case LAPIC_TIMER_TSCDEADLINE:
		/* It fired: the deadline is spent (SDM 10.5.4.1). */
		apic->tscdeadline = 0;
		break;
	}
	raw_spin_unlock_irqrestore(&apic->lock, flags);
	vmx_vcpu_kick(apic->vcpu);
	return ret;
}

void vlapic_timer_init(struct kvmini_lapic *apic)
{
	hrtimer_init(&apic->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_HARD);
	apic->timer.function = vlapic_timer_fn;
}

/* Not under the lock: the callback takes it. */
void vlapic_timer_cancel(struct kvmini_lapic *apic)
{
	hrtimer_cancel(&apic->timer);
}

static void start_at(struct kvmini_lapic *apic, u64 ns)
{
	ktime_t wait = ns_to_ktime(min_t(u64, ns, VLAPIC_MAX_WAIT_NS));

	hrtimer_start(&apic->timer, ktime_add_safe(ktime_get(), wait), HRTIMER_MODE_ABS_HARD);
}

/*
 * Guest TSC ticks to nanoseconds, saturated: mul_u64_u32_div() raises
 * #DE when the quotient does not fit 64 bits, so a far deadline (the
 * guest's WRMSR, or the VMM's) is cut to VLAPIC_MAX_WAIT_NS first.
 */
static u64 tsc_to_ns(u64 ticks)
{
	if (!tsc_khz)
		return 0;
	if (ticks / tsc_khz >= VLAPIC_MAX_WAIT_NS / NSEC_PER_MSEC)
		return VLAPIC_MAX_WAIT_NS;
	return mul_u64_u32_div(ticks, NSEC_PER_MSEC, tsc_khz);
}

/*
 * The deadline in guest TSC: already past, the interrupt goes now
 * (and the deadline is spent); else the hrtimer waits for it.
 */
static void start_deadline(struct kvmini_lapic *apic)
{
	struct kvmini_vcpu *vcpu = apic->vcpu;
	u64 now = rdtsc() + READ_ONCE(vcpu->tsc_offset);
	unsigned long flags;

	if (!apic->tscdeadline)
		return;
	/* Unsigned, as KVM: a deadline of 2^63 or more is far, not past. */
	if (apic->tscdeadline <= now) {
		raw_spin_lock_irqsave(&apic->lock, flags);
		lapic_timer_fire(&apic->m);
		apic->tscdeadline = 0;
		raw_spin_unlock_irqrestore(&apic->lock, flags);
		vmx_vcpu_kick(vcpu);
		return;
	}
	start_at(apic, tsc_to_ns(apic->tscdeadline - now));
}

/**
 * vlapic_timer_restart - the timer as the registers now say
 * @apic: the APIC; the vCPU's thread, the lock not held
 * @from_tmcct: KVM_SET_LAPIC: count down from TMCCT (when not 0), not TMICT
 *
 * After a write of TMICT, TDCR, LVTT or SPIV, or a new state: the old
 * countdown is dropped and one starts from the initial count (as KVM,
 * a TDCR write restarts it too).  A zero count stops the timer.
 */
void vlapic_timer_restart(struct kvmini_lapic *apic, bool from_tmcct)
{
	u32 mode, tmict, tmcct, div;
	unsigned long flags;
	u64 first;

	hrtimer_cancel(&apic->timer);
	raw_spin_lock_irqsave(&apic->lock, flags);
	mode = lapic_timer_mode(&apic->m);
	tmict = lapic_reg(&apic->m, LAPIC_TMICT);
	tmcct = lapic_reg(&apic->m, LAPIC_TMCCT);
	div = lapic_timer_divisor(&apic->m);
	raw_spin_unlock_irqrestore(&apic->lock, flags);

	apic->armed_mode = mode;
	if (mode == LAPIC_TIMER_TSCDEADLINE) {
		apic->period_ns = 0;
		start_deadline(apic);
		return;
	}
	apic->period_ns = (u64)tmict * div;
	if (!apic->period_ns)
		return;
	if (mode == LAPIC_TIMER_PERIODIC)
		apic->period_ns = max(apic->period_ns, VLAPIC_MIN_PERIOD_NS);
	first = apic->period_ns;
	if (from_tmcct && tmcct && tmcct <= tmict)
		first = (u64)tmcct * div;
	start_at(apic, first);
}

/**
 * vlapic_timer_switch_mode - LVTT went from one-shot to periodic or back
 * @apic: the APIC, its lock held (the hrtimer's callback takes it)
 * @mode: the new mode
 *
 * The countdown goes on; when it runs out, the callback re-arms it only
 * in periodic mode, no more often than VLAPIC_MIN_PERIOD_NS.
 */
void vlapic_timer_switch_mode(struct kvmini_lapic *apic, u32 mode)
{
	apic->armed_mode = mode;
	if (mode == LAPIC_TIMER_PERIODIC && apic->period_ns)
		apic->period_ns = max(apic->period_ns, VLAPIC_MIN_PERIOD_NS);
}

/*
 * TMCCT: what is left of the count, 0 once a one-shot count ran out
 * (SDM 10.5.4).  Read from the hrtimer, so nothing counts in between.
 */
u32 vlapic_timer_tmcct(struct kvmini_lapic *apic)
{
	u32 mode, div;
	unsigned long flags;
	s64 left;
	u64 period = apic->period_ns;

	raw_spin_lock_irqsave(&apic->lock, flags);
	mode = lapic_timer_mode(&apic->m);
	div = lapic_timer_divisor(&apic->m);
	raw_spin_unlock_irqrestore(&apic->lock, flags);
	if (mode == LAPIC_TIMER_TSCDEADLINE || !period || !hrtimer_active(&apic->timer))
		return 0;
	left = ktime_to_ns(hrtimer_get_remaining(&apic->timer));
	if (left <= 0)
		return 0;
	if (mode == LAPIC_TIMER_PERIODIC)
		left = min_t(u64, left, period);
	return min_t(u64, div_u64(left, div), U32_MAX);
}

/*
 * IA32_TSC_DEADLINE: taken only in TSC-deadline mode (else dropped, as
 * KVM); 0 disarms the timer.
 */
void vlapic_set_tscdeadline(struct kvmini_lapic *apic, u64 deadline)
{
	unsigned long flags;
	bool deadline_mode;

	raw_spin_lock_irqsave(&apic->lock, flags);
	deadline_mode = lapic_timer_mode(&apic->m) == LAPIC_TIMER_TSCDEADLINE;
	raw_spin_unlock_irqrestore(&apic->lock, flags);
	if (!deadline_mode)
		return;
	hrtimer_cancel(&apic->timer);
	apic->armed_mode = LAPIC_TIMER_TSCDEADLINE;
	apic->tscdeadline = deadline;
	start_deadline(apic);
}
