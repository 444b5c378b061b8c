// SPDX-License-Identifier: GPL-2.0
/*
 * A vCPU with an in-kernel APIC waits in the kernel, as in KVM: after HLT
 * until an interrupt it can take arrives, and as an AP until INIT and
 * SIPI start it.  Whoever gives it something to look at (an IPI, its
 * timer, KVM_SET_LAPIC) kicks it: a request bit, a wake-up if it waits,
 * and a reschedule IPI if it runs the guest on another CPU, which makes
 * it exit.  The bit is set before guest_cpu is read, and enter_guest()
 * sets guest_cpu before it reads the bit (both with a full barrier), so
 * either the kick sees the vCPU in the guest or the vCPU sees the bit
 * and does not enter.
 */
#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/kvm.h>
#include <linux/rcuwait.h>
#include <linux/sched/signal.h>
#include <linux/smp.h>
#include <asm/processor-flags.h>
/* 6.4 on: smp_send_reschedule() traces the IPI. */
#include <trace/events/ipi.h>

#include "events.h"
#include "halt.h"
#include "vcpu.h"
#include "vmcs.h"
#include "../lapic/vlapic.h"

void vmx_vcpu_kick(struct kvmini_vcpu *vcpu)
{
	int cpu, me;

	set_bit(VCPU_REQ_EVENT, &vcpu->requests);
	/* The bit before guest_cpu is read; enter_guest() orders the other way. */
	smp_mb__after_atomic();
	rcuwait_wake_up(&vcpu->wait);
	me = get_cpu();
	cpu = READ_ONCE(vcpu->guest_cpu);
	if (cpu >= 0 && cpu != me)
		smp_send_reschedule(cpu);
	put_cpu();
}

/*
 * A halted vCPU wakes for an interrupt it can take (IF set, above PPR)
 * and for an NMI it can take.  As KVM 6.1, not for an event
 * KVM_SET_VCPU_EVENTS put in delivery.
 */
static bool halt_ends(struct kvmini_vcpu *vcpu)
{
	return ((vmcs_readl(GUEST_RFLAGS) & X86_EFLAGS_IF) && vlapic_pending(vcpu) >= 0) ||
	       vmx_nmi_can_wake(vcpu);
}

/**
 * vmx_vcpu_wait_runnable - before an entry, wait until the vCPU may run
 * @vcpu: the vCPU, with an APIC, loaded, in KVM_RUN
 *
 * Takes INIT and SIPI, ends HLT when an interrupt came, and otherwise
 * sleeps until a kick.  The request bit is cleared before anything is
 * looked at, so a kick that comes later is not lost: it makes the
 * entry, or this wait, go round again.
 *
 * Return: 0 when the vCPU is RUNNABLE, -EINTR for a signal (the state
 * stays, and the next KVM_RUN waits again, as in KVM).
 */
int vmx_vcpu_wait_runnable(struct kvmini_vcpu *vcpu)
{
	for (;;) {
		clear_bit(VCPU_REQ_EVENT, &vcpu->requests);
		/* Cleared before the APIC is looked at: a later kick sets it again. */
		smp_mb__after_atomic();
		if (vlapic_events_pending(vcpu))
			vlapic_accept_events(vcpu);
		if (vcpu->mp_state == KVM_MP_STATE_HALTED && halt_ends(vcpu))
			vcpu->mp_state = KVM_MP_STATE_RUNNABLE;
		if (vcpu->mp_state == KVM_MP_STATE_RUNNABLE)
			return 0;
		if (signal_pending(current))
			return -EINTR;
		rcuwait_wait_event(&vcpu->wait,
				   test_bit(VCPU_REQ_EVENT, &vcpu->requests) ||
				   signal_pending(current),
				   TASK_INTERRUPTIBLE);
	}
}
