// SPDX-License-Identifier: GPL-2.0
/*
 * A vCPU's in-kernel local APIC: the lock around lapic.c's registers, and
 * the ways in: the xAPIC page (from the MMIO decoder), the x2APIC MSRs,
 * CR8, IA32_APIC_BASE, and KVM_GET/SET_LAPIC.  What a register write
 * asks for (an IPI, a timer restart, an interrupt to look at) is done
 * here, after the lock is dropped.
 */
#include <linux/kvm.h>
#include <linux/slab.h>
#include <asm/msr-index.h>

#include "vlapic.h"
#include "../vmx/halt.h"
#include "../vmx/vcpu.h"
#include "../vm/vm.h"

#define X2APIC_MSR_FIRST	0x800
#define X2APIC_MSR_LAST		0x8ff
#define XAPIC_PAGE_SIZE		0x1000

int vlapic_create(struct kvmini_vcpu *vcpu)
{
	struct kvmini_lapic *apic = kzalloc(sizeof(*apic), GFP_KERNEL_ACCOUNT);

	if (!apic)
		return -ENOMEM;
	raw_spin_lock_init(&apic->lock);
	apic->vcpu = vcpu;
	vlapic_timer_init(apic);
	vcpu->apic = apic;
	return 0;
}

/* The VM is going: no vCPU runs, none can send an IPI. */
void vlapic_destroy(struct kvmini_vcpu *vcpu)
{
	if (!vcpu->apic)
		return;
	vlapic_timer_cancel(vcpu->apic);
	kfree(vcpu->apic);
	vcpu->apic = NULL;
}

/* RESET, or INIT (@init): the base and the mode survive INIT. */
void vlapic_reset(struct kvmini_vcpu *vcpu, bool init)
{
	struct kvmini_lapic *apic = vcpu->apic;
	unsigned long flags;

	vlapic_timer_cancel(apic);
	raw_spin_lock_irqsave(&apic->lock, flags);
	lapic_reset(&apic->m, vcpu->id, vcpu->id == vcpu->vm->bsp_vcpu_id, init);
	apic->tscdeadline = 0;
	raw_spin_unlock_irqrestore(&apic->lock, flags);
}

/* KVM_SET_CPUID2: whether the guest was offered the TSC-deadline mode. */
void vlapic_cpuid_changed(struct kvmini_vcpu *vcpu, bool tscdeadline)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&vcpu->apic->lock, flags);
	vcpu->apic->m.tscdeadline = tscdeadline;
	raw_spin_unlock_irqrestore(&vcpu->apic->lock, flags);
}

u64 vlapic_base(struct kvmini_vcpu *vcpu)
{
	return READ_ONCE(vcpu->apic->m.base);
}

/* Return: 0, or -EINVAL (#GP for the guest). */
int vlapic_set_base(struct kvmini_vcpu *vcpu, u64 val, u64 reserved, bool host)
{
	struct kvmini_lapic *apic = vcpu->apic;
	unsigned long flags;
	int r;

	raw_spin_lock_irqsave(&apic->lock, flags);
	r = lapic_set_base(&apic->m, val, reserved, host);
	raw_spin_unlock_irqrestore(&apic->lock, flags);
	return r ? -EINVAL : 0;
}

/* After a register write: what the model asked for, with the lock dropped. */
static void vlapic_after_write(struct kvmini_vcpu *vcpu, int what)
{
	if (what & LAPIC_W_IPI)
		vlapic_send_ipi(vcpu);
	if (what & LAPIC_W_TIMER)
		vlapic_timer_restart(vcpu->apic, false);
	/* The vCPU's own thread: the next entry looks at the APIC anyway. */
}

static int vlapic_read_reg(struct kvmini_lapic *apic, unsigned int off, u32 *val)
{
	unsigned long flags;
	int r;

	if (off == LAPIC_TMCCT) {
		*val = vlapic_timer_tmcct(apic);
		return 0;
	}
	raw_spin_lock_irqsave(&apic->lock, flags);
	r = lapic_read(&apic->m, off, val);
	raw_spin_unlock_irqrestore(&apic->lock, flags);
	return r;
}

static int vlapic_write_reg(struct kvmini_vcpu *vcpu, unsigned int off, u32 val)
{
	struct kvmini_lapic *apic = vcpu->apic;
	unsigned long flags;
	u32 old_mode, new_mode;
	int what;

	raw_spin_lock_irqsave(&apic->lock, flags);
	old_mode = lapic_timer_mode(&apic->m);
	what = lapic_write(&apic->m, off, val);
	new_mode = lapic_timer_mode(&apic->m);
	/*
	 * As KVM's apic_update_lvtt(), LVTT restarts nothing unless the
	 * timer enters or leaves TSC-deadline mode, and SPIV never: a masked
	 * timer keeps counting, only its interrupt is lost.  Between one-shot
	 * and periodic the count goes on, and the new mode says what happens
	 * when it runs out (kvm-unit-tests' apic "TMCCT should not be reset").
	 */
	if (what > 0 && (off == LAPIC_LVTT || off == LAPIC_SPIV) &&
	    lapic_mode_is_deadline(old_mode) == lapic_mode_is_deadline(new_mode)) {
		what &= ~LAPIC_W_TIMER;
		if (new_mode != old_mode)
			vlapic_timer_switch_mode(apic, new_mode);
	}
	/* A new mode starts without a deadline, as KVM's apic_update_lvtt(). */
	if (new_mode != old_mode)
		apic->tscdeadline = 0;
	raw_spin_unlock_irqrestore(&apic->lock, flags);
	if (what < 0)
		return what;
	vlapic_after_write(vcpu, what);
	return 0;
}

/**
 * vlapic_mmio - a guest access that EPT sent to MMIO, if it is the APIC's
 * @vcpu: the vCPU, with an APIC
 * @gpa: the address
 * @len: 1, 2, 4 or 8 bytes
 * @write: a store, else a load
 * @val: what is stored, or where the load goes
 *
 * The page at the APIC's base is the APIC's, as in KVM, whatever the
 * mode: disabled or in x2APIC mode, it is a hole (KVM's LAPIC_MMIO_HOLE
 * quirk: loads read all ones, stores are dropped).  As KVM, a store
 * other than 4 bytes at a register's start is dropped, and a load may
 * take 1, 2 or 4 bytes within a register's first 4.
 *
 * Return: true when the APIC took the access.
 */
bool vlapic_mmio(struct kvmini_vcpu *vcpu, u64 gpa, unsigned int len, bool write, u64 *val)
{
	struct kvmini_lapic *apic = vcpu->apic;
	u64 base = vlapic_base(vcpu) & ~(u64)(XAPIC_PAGE_SIZE - 1);
	unsigned int off = gpa - base, align;
	u32 reg = 0;

	if (gpa < base || gpa - base >= XAPIC_PAGE_SIZE)
		return false;
	if (!lapic_hw_enabled(&apic->m) || lapic_x2apic(&apic->m)) {
		if (!write)
			*val = ~0ULL;
		return true;
	}
	align = off & 0xf;
	if (write) {
		if (len == 4 && !align)
			vlapic_write_reg(vcpu, off, (u32)*val);
		return true;
	}
	*val = 0;
	if (align + len > 4 || off >= LAPIC_STATE_SIZE ||
	    vlapic_read_reg(apic, off & ~0xfU, &reg))
		return true;
	reg >>= align * 8;
	*val = len == 4 ? reg : reg & ((1U << (len * 8)) - 1);
	return true;
}

static bool is_x2apic_msr(u32 msr)
{
	return msr >= X2APIC_MSR_FIRST && msr <= X2APIC_MSR_LAST;
}

/*
 * RDMSR or KVM_GET_MSRS of an MSR the APIC owns.  Return: 0, -EINVAL
 * (#GP: an x2APIC register outside x2APIC mode, or one the mode has
 * not), -ENOENT for an MSR that is not the APIC's.
 */
int vlapic_get_msr(struct kvmini_vcpu *vcpu, u32 msr, u64 *val)
{
	struct kvmini_lapic *apic = vcpu->apic;
	unsigned int off = (msr - X2APIC_MSR_FIRST) << 4;
	unsigned long flags;
	u32 lo;

	if (msr == MSR_IA32_APICBASE) {
		*val = vlapic_base(vcpu);
		return 0;
	}
	if (msr == MSR_IA32_TSC_DEADLINE) {
		raw_spin_lock_irqsave(&apic->lock, flags);
		*val = lapic_timer_mode(&apic->m) == LAPIC_TIMER_TSCDEADLINE ?
		       apic->tscdeadline : 0;
		raw_spin_unlock_irqrestore(&apic->lock, flags);
		return 0;
	}
	if (!is_x2apic_msr(msr))
		return -ENOENT;
	if (!lapic_x2apic(&apic->m))
		return -EINVAL;
	if (off == LAPIC_ICR) {
		raw_spin_lock_irqsave(&apic->lock, flags);
		*val = lapic_reg(&apic->m, LAPIC_ICR) | (u64)lapic_reg(&apic->m, LAPIC_ICR2) << 32;
		raw_spin_unlock_irqrestore(&apic->lock, flags);
		return 0;
	}
	if (vlapic_read_reg(apic, off, &lo))
		return -EINVAL;
	*val = lo;
	return 0;
}

/* WRMSR or KVM_SET_MSRS; the return as vlapic_get_msr()'s.  Not APIC_BASE. */
int vlapic_set_msr(struct kvmini_vcpu *vcpu, u32 msr, u64 val)
{
	struct kvmini_lapic *apic = vcpu->apic;
	unsigned int off = (msr - X2APIC_MSR_FIRST) << 4;
	unsigned long flags;
	int what;

	if (msr == MSR_IA32_TSC_DEADLINE) {
		vlapic_set_tscdeadline(apic, val);
		return 0;
	}
	if (!is_x2apic_msr(msr))
		return -ENOENT;
	if (!lapic_x2apic(&apic->m))
		return -EINVAL;
	if (off == LAPIC_ICR) {
		raw_spin_lock_irqsave(&apic->lock, flags);
		what = lapic_write_icr(&apic->m, val);
		raw_spin_unlock_irqrestore(&apic->lock, flags);
		vlapic_after_write(vcpu, what);
		return 0;
	}
	/* Every other x2APIC register is 32 bits wide. */
	if (val >> 32)
		return -EINVAL;
	return vlapic_write_reg(vcpu, off, val) ? -EINVAL : 0;
}

/* CR8 is TPR[7:4] (SDM Vol. 3A 10.8.6.1). */
u8 vlapic_cr8(struct kvmini_vcpu *vcpu)
{
	return (READ_ONCE(vcpu->apic->m.regs[LAPIC_TASKPRI / 4]) >> 4) & 0xf;
}

void vlapic_set_cr8(struct kvmini_vcpu *vcpu, u8 cr8)
{
	struct kvmini_lapic *apic = vcpu->apic;
	unsigned long flags;

	raw_spin_lock_irqsave(&apic->lock, flags);
	lapic_write(&apic->m, LAPIC_TASKPRI, (cr8 & 0xf) << 4);
	raw_spin_unlock_irqrestore(&apic->lock, flags);
}

/* KVM_GET_LAPIC: the registers, with the current count in TMCCT as KVM gives it. */
void vlapic_get_state(struct kvmini_vcpu *vcpu, struct kvm_lapic_state *s)
{
	struct kvmini_lapic *apic = vcpu->apic;
	u32 tmcct = vlapic_timer_tmcct(apic);
	unsigned long flags;

	BUILD_BUG_ON(sizeof(s->regs) != LAPIC_STATE_SIZE);
	raw_spin_lock_irqsave(&apic->lock, flags);
	lapic_get_state(&apic->m, (u8 *)s->regs);
	raw_spin_unlock_irqrestore(&apic->lock, flags);
	memcpy(&s->regs[LAPIC_TMCCT], &tmcct, sizeof(tmcct));
}

/*
 * KVM_SET_LAPIC: the registers as given, the base and mode kept; the
 * timer starts again from the count in TMCCT (TMICT when it is 0), as
 * KVM's __start_apic_timer(APIC_TMCCT).
 */
void vlapic_set_state(struct kvmini_vcpu *vcpu, const struct kvm_lapic_state *s)
{
	struct kvmini_lapic *apic = vcpu->apic;
	unsigned long flags;

	vlapic_timer_cancel(apic);
	raw_spin_lock_irqsave(&apic->lock, flags);
	lapic_set_state(&apic->m, (const u8 *)s->regs);
	apic->tscdeadline = 0;
	raw_spin_unlock_irqrestore(&apic->lock, flags);
	vlapic_timer_restart(apic, true);
	vmx_vcpu_kick(vcpu);
}

/* The vector the guest takes next, or -1 (SDM Vol. 3A 10.8.3.1). */
int vlapic_pending(struct kvmini_vcpu *vcpu)
{
	struct kvmini_lapic *apic = vcpu->apic;
	unsigned long flags;
	int v;

	raw_spin_lock_irqsave(&apic->lock, flags);
	v = lapic_hw_enabled(&apic->m) ? lapic_pending(&apic->m) : -1;
	raw_spin_unlock_irqrestore(&apic->lock, flags);
	return v;
}

/* The CPU takes the interrupt: it goes from IRR to ISR.  Return: its vector, or -1. */
int vlapic_ack(struct kvmini_vcpu *vcpu)
{
	struct kvmini_lapic *apic = vcpu->apic;
	unsigned long flags;
	int v;

	raw_spin_lock_irqsave(&apic->lock, flags);
	v = lapic_hw_enabled(&apic->m) ? lapic_ack(&apic->m) : -1;
	raw_spin_unlock_irqrestore(&apic->lock, flags);
	return v;
}

/* An interrupt written for an entry that did not happen: pending again. */
void vlapic_unack(struct kvmini_vcpu *vcpu, u8 vector)
{
	struct kvmini_lapic *apic = vcpu->apic;
	unsigned long flags;

	raw_spin_lock_irqsave(&apic->lock, flags);
	lapic_unack(&apic->m, vector);
	raw_spin_unlock_irqrestore(&apic->lock, flags);
}

/*
 * A fixed interrupt from another vCPU: IRR, then a kick.  A
 * software-disabled APIC drops it (SDM 11.4.7.2), as KVM does.
 */
bool vlapic_accept(struct kvmini_vcpu *vcpu, u8 vector, bool level)
{
	struct kvmini_lapic *apic = vcpu->apic;
	unsigned long flags;
	bool fresh = false;

	raw_spin_lock_irqsave(&apic->lock, flags);
	if (lapic_sw_enabled(&apic->m))
		fresh = lapic_accept(&apic->m, vector, level);
	raw_spin_unlock_irqrestore(&apic->lock, flags);
	vmx_vcpu_kick(vcpu);
	return fresh;
}
