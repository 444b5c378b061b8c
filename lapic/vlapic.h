/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-kernel local APIC of a vCPU (KVM_CREATE_IRQCHIP): the register
 * model of lapic.c behind a lock, its timer (timer.c), the IPIs between
 * vCPUs with INIT and SIPI (ipi.c), and how the guest reaches it: the
 * xAPIC page, the x2APIC MSRs, CR8, IA32_APIC_BASE and IA32_TSC_DEADLINE
 * (vlapic.c).
 *
 * Locking: @lock guards the registers.  The vCPU's own thread takes it,
 * as do other vCPUs sending it an IPI and the timer's hard interrupt, so
 * it is an irqsave raw spinlock (PREEMPT_RT too) and nothing under it sleeps.  The timer's
 * settings (period, deadline) change only in the vCPU's thread, which
 * cancels the hrtimer without the lock held: the callback takes it.
 */
#ifndef KVMINI_LAPIC_VLAPIC_H
#define KVMINI_LAPIC_VLAPIC_H

#include <linux/hrtimer.h>
#include <linux/kvm.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include "lapic.h"

struct kvmini_vcpu;

/* KVM's: a periodic timer fires at most every 200 us (min_timer_period_us). */
#define VLAPIC_MIN_PERIOD_NS	200000ULL

/* INIT and SIPI wait in @events for the vCPU's thread (ipi.c). */
#define VLAPIC_EV_INIT		0
#define VLAPIC_EV_SIPI		1

struct kvmini_lapic {
	raw_spinlock_t lock;	/* the registers in @m; raw: the HARD hrtimer takes it */
	struct lapic m;
	struct kvmini_vcpu *vcpu;

	struct hrtimer timer;
	u64 period_ns;		/* periodic: the period; one-shot: the whole count */
	u64 tscdeadline;	/* IA32_TSC_DEADLINE, in guest TSC; 0: none */
	u32 armed_mode;		/* LAPIC_TIMER_*: how the hrtimer was started */

	unsigned long events;	/* VLAPIC_EV_*, atomic bits */
	u8 sipi_vector;
};

int vlapic_create(struct kvmini_vcpu *vcpu);
void vlapic_destroy(struct kvmini_vcpu *vcpu);
void vlapic_reset(struct kvmini_vcpu *vcpu, bool init);
void vlapic_cpuid_changed(struct kvmini_vcpu *vcpu, bool tscdeadline);

u64 vlapic_base(struct kvmini_vcpu *vcpu);
int vlapic_set_base(struct kvmini_vcpu *vcpu, u64 val, u64 reserved, bool host);
bool vlapic_mmio(struct kvmini_vcpu *vcpu, u64 gpa, unsigned int len, bool write, u64 *val);
int vlapic_get_msr(struct kvmini_vcpu *vcpu, u32 msr, u64 *val);
int vlapic_set_msr(struct kvmini_vcpu *vcpu, u32 msr, u64 val);
u8 vlapic_cr8(struct kvmini_vcpu *vcpu);
void vlapic_set_cr8(struct kvmini_vcpu *vcpu, u8 cr8);
void vlapic_get_state(struct kvmini_vcpu *vcpu, struct kvm_lapic_state *s);
void vlapic_set_state(struct kvmini_vcpu *vcpu, const struct kvm_lapic_state *s);

/* Interrupt delivery to the guest (vmx/events.c). */
int vlapic_pending(struct kvmini_vcpu *vcpu);
int vlapic_ack(struct kvmini_vcpu *vcpu);
void vlapic_unack(struct kvmini_vcpu *vcpu, u8 vector);
bool vlapic_accept(struct kvmini_vcpu *vcpu, u8 vector, bool level);

/* timer.c */
void vlapic_timer_init(struct kvmini_lapic *apic);
void vlapic_timer_restart(struct kvmini_lapic *apic, bool from_tmcct);
void vlapic_timer_switch_mode(struct kvmini_lapic *apic, u32 mode);
void vlapic_timer_cancel(struct kvmini_lapic *apic);
u32 vlapic_timer_tmcct(struct kvmini_lapic *apic);
void vlapic_set_tscdeadline(struct kvmini_lapic *apic, u64 deadline);

/* ipi.c */
void vlapic_send_ipi(struct kvmini_vcpu *src);
long vlapic_pv_send_ipi(struct kvmini_vcpu *src, const unsigned long *bitmap, u32 min,
			unsigned int cluster, u32 icr);
bool vlapic_accept_events(struct kvmini_vcpu *vcpu);
bool vlapic_events_pending(struct kvmini_vcpu *vcpu);
bool vlapic_init_latched(struct kvmini_vcpu *vcpu);
void vlapic_latch_init(struct kvmini_vcpu *vcpu, bool latched);
void vlapic_set_sipi(struct kvmini_vcpu *vcpu, u8 vector);

#endif /* KVMINI_LAPIC_VLAPIC_H */
