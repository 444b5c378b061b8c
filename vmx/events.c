// SPDX-License-Identifier: GPL-2.0
/*
 * Events delivered to the guest at VM entry.
 *
 * - The external interrupt userspace queues with KVM_INTERRUPT.  There is
 *   no in-kernel interrupt controller (as in KVM without
 *   KVM_CREATE_IRQCHIP): userspace is the PIC.  KVM injects a queued
 *   interrupt at the next entry and trusts userspace to have checked
 *   ready_for_interrupt_injection; kvmini holds it until the guest can
 *   take it, since injecting into a guest with IF=0 fails the entry.
 * - KVM's interrupt-window handshake: with run->request_interrupt_window
 *   set, KVM_RUN returns KVM_EXIT_IRQ_WINDOW_OPEN as soon as the guest can
 *   take an interrupt, using interrupt-window exiting (SDM Vol. 3C 25.6.2).
 * - An event whose delivery a VM exit interrupted (an EPT violation on the
 *   guest's IDT or stack, typically) is lost unless it is injected again:
 *   the IDT-vectoring information says which (SDM Vol. 3C 28.2.4).
 */
#include <linux/kvm.h>
#include <asm/processor-flags.h>
#include <asm/trapnr.h>

#include "events.h"
#include "exits.h"
#include "vmcs.h"
#include "vmx.h"
#include "../lapic/vlapic.h"

/* Interruption-information fields, SDM Vol. 3C 25.8.3 and 25.9.3 */
#define INTR_INFO_VECTOR_MASK	0xffU
#define INTR_INFO_TYPE_MASK	(7U << 8)
#define INTR_INFO_DELIVER_CODE	BIT(11)
#define INTR_INFO_VALID		BIT(31)
#define INTR_TYPE_EXT_INTR	(0U << 8)
#define INTR_TYPE_HARD_EXC	(3U << 8)
#define INTR_TYPE_SOFT_INTR	(4U << 8)
#define INTR_TYPE_PRIV_SW_EXC	(5U << 8)
#define INTR_TYPE_SOFT_EXC	(6U << 8)

/* Guest interruptibility state, SDM Vol. 3C table 25-3 */
#define GUEST_INTR_STI		BIT(0)
#define GUEST_INTR_MOV_SS	BIT(1)

/* Right after an exit: remember an event caught in the middle of delivery. */
void vmx_save_vectoring_event(struct kvmini_vcpu *vcpu)
{
	u32 info = vmcs_read32(IDT_VECTORING_INFO_FIELD);
	u32 type = info & INTR_INFO_TYPE_MASK;

	vcpu->reinject.info = 0;
	if (!(info & INTR_INFO_VALID))
		return;
	/* Bit 12 of the vectoring field is undefined; entry wants it clear. */
	vcpu->reinject.info = info & (INTR_INFO_VALID | INTR_INFO_DELIVER_CODE |
				      INTR_INFO_TYPE_MASK | INTR_INFO_VECTOR_MASK);
	if (info & INTR_INFO_DELIVER_CODE)
		vcpu->reinject.error_code = vmcs_read32(IDT_VECTORING_ERROR_CODE);
	/* INT n, INT3, INTO and INT1 must be given their length to push RIP. */
	if (type == INTR_TYPE_SOFT_INTR || type == INTR_TYPE_PRIV_SW_EXC ||
	    type == INTR_TYPE_SOFT_EXC)
		vcpu->reinject.instr_len = vcpu->exit_instr_len;
}

/* True when an exit interrupted the delivery of an event. */
bool vmx_event_in_delivery(struct kvmini_vcpu *vcpu)
{
	return vcpu->reinject.info;
}

static bool guest_interruptible(void)
{
	return (vmcs_readl(GUEST_RFLAGS) & X86_EFLAGS_IF) &&
	       !(vmcs_read32(GUEST_INTERRUPTIBILITY_INFO) & (GUEST_INTR_STI | GUEST_INTR_MOV_SS));
}

/**
 * vmx_ready_for_interrupt - KVM's ready_for_interrupt_injection
 * @vcpu: the vCPU, its VMCS current
 *
 * Return: true when an interrupt given now with KVM_INTERRUPT would be
 * taken at the next entry: IF set, no STI or MOV SS shadow, nothing
 * queued, being delivered or written for the next entry already.
 */
bool vmx_ready_for_interrupt(struct kvmini_vcpu *vcpu)
{
	return !vcpu->irq_queued && !vcpu->reinject.info &&
	       !(vmcs_read32(VM_ENTRY_INTR_INFO_FIELD) & INTR_INFO_VALID) &&
	       guest_interruptible();
}

static void set_intr_window_exiting(struct kvmini_vcpu *vcpu, bool on)
{
	u32 ctls = vcpu->proc_ctls;

	if (!kvmini_caps.can_intr_window)
		return;
	if (on)
		ctls |= PROC_INTERRUPT_WINDOW_EXITING;
	else
		ctls &= ~PROC_INTERRUPT_WINDOW_EXITING;
	if (ctls != vcpu->proc_ctls) {
		vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, ctls);
		vcpu->proc_ctls = ctls;
	}
}

/*
 * VM entry wants an error code exactly where the CPU would push one
 * (SDM Vol. 3C 26.2.1.3): a hardware exception of the error-code kind,
 * outside real mode.  KVM_SET_SREGS may have changed the mode since the
 * event was saved; a mismatch is a VMfail (invalid control field) on
 * every later entry.  Found by fuzz_test.
 */
static u32 with_error_code_for_mode(u32 info)
{
	u32 vector = info & INTR_INFO_VECTOR_MASK;
	bool code = (info & INTR_INFO_TYPE_MASK) == INTR_TYPE_HARD_EXC &&
		    (vmcs_readl(GUEST_CR0) & X86_CR0_PE) &&
		    (vector == X86_TRAP_DF || (vector >= X86_TRAP_TS && vector <= X86_TRAP_PF) ||
		     vector == X86_TRAP_AC);

	return code ? info | INTR_INFO_DELIVER_CODE : info & ~INTR_INFO_DELIVER_CODE;
}

/*
 * An acknowledged interrupt that was not delivered: back to the APIC's
 * IRR, or to KVM_INTERRUPT's queue without one.
 */
static void requeue_interrupt(struct kvmini_vcpu *vcpu, u8 vector)
{
	if (vcpu->apic)
		vlapic_unack(vcpu, vector);
	else if (!vcpu->irq_queued)
		vmx_queue_interrupt(vcpu, vector);
}

/*
 * Nothing waits in the entry field: a cut-short event, else the queued
 * interrupt, else the APIC's.
 */
static void write_entry_event(struct kvmini_vcpu *vcpu)
{
	struct vmx_event *ev = &vcpu->reinject;

	/* An interrupt cut short, then KVM_SET_REGS cleared IF: it waits for the window. */
	if (ev->info && (ev->info & INTR_INFO_TYPE_MASK) == INTR_TYPE_EXT_INTR &&
	    !guest_interruptible()) {
		requeue_interrupt(vcpu, ev->info & INTR_INFO_VECTOR_MASK);
		ev->info = 0;
	}
	if (ev->info) {
		ev->info = with_error_code_for_mode(ev->info);
		if (ev->info & INTR_INFO_DELIVER_CODE)
			vmcs_write32(VM_ENTRY_EXCEPTION_ERROR_CODE, ev->error_code);
		vmcs_write32(VM_ENTRY_INSTRUCTION_LEN, ev->instr_len);
		vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, ev->info);
		ev->info = 0;
	} else if (vcpu->irq_queued && guest_interruptible()) {
		vmcs_write32(VM_ENTRY_INTR_INFO_FIELD,
			     INTR_INFO_VALID | INTR_TYPE_EXT_INTR | vcpu->irq_vector);
		vcpu->irq_queued = false;
	} else if (vcpu->apic && guest_interruptible()) {
		int vector = vlapic_ack(vcpu);

		if (vector >= 0)
			vmcs_write32(VM_ENTRY_INTR_INFO_FIELD,
				     INTR_INFO_VALID | INTR_TYPE_EXT_INTR | vector);
	}
}

/**
 * vmx_inject_events - what the next entry delivers
 * @vcpu: the vCPU, its VMCS current
 * @window_requested: run->request_interrupt_window
 *
 * An exception a handler just injected goes first (only instruction exits
 * inject one, and those cut no delivery short); then an event whose
 * delivery an exit cut short; then the interrupt userspace queued, if the
 * guest can take it.  When it cannot, or userspace asked for the
 * interrupt window, the guest exits as soon as it can.
 */
void vmx_inject_events(struct kvmini_vcpu *vcpu, bool window_requested)
{
	bool waiting;

	if (!(vmcs_read32(VM_ENTRY_INTR_INFO_FIELD) & INTR_INFO_VALID))
		write_entry_event(vcpu);
	waiting = vcpu->irq_queued || (vcpu->apic && vlapic_pending(vcpu) >= 0);
	set_intr_window_exiting(vcpu, waiting || window_requested);
}

/**
 * vmx_cancel_injection - take back an event written for an entry that
 * did not happen, before KVM_RUN returns to userspace
 * @vcpu: the vCPU, its VMCS current
 *
 * A signal can end KVM_RUN between a handler's injection and the entry.
 * What userspace then changes (KVM_SET_SREGS, KVM_SET_REGS) must be seen
 * when the event is written again, as in KVM: an interrupt goes back to
 * the queue, anything else to the events to deliver again.
 */
void vmx_cancel_injection(struct kvmini_vcpu *vcpu)
{
	u32 info = vmcs_read32(VM_ENTRY_INTR_INFO_FIELD);

	if (!(info & INTR_INFO_VALID))
		return;
	if ((info & INTR_INFO_TYPE_MASK) == INTR_TYPE_EXT_INTR) {
		requeue_interrupt(vcpu, info & INTR_INFO_VECTOR_MASK);
	} else if (!vcpu->reinject.info) {
		/* Only instruction exits inject, and they cut no delivery short. */
		vcpu->reinject.info = info;
		vcpu->reinject.error_code = info & INTR_INFO_DELIVER_CODE ?
					    vmcs_read32(VM_ENTRY_EXCEPTION_ERROR_CODE) : 0;
		vcpu->reinject.instr_len = vmcs_read32(VM_ENTRY_INSTRUCTION_LEN);
	}
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, 0);
}

/* KVM_INTERRUPT: as in KVM, a second call replaces a queued vector. */
int vmx_queue_interrupt(struct kvmini_vcpu *vcpu, u32 irq)
{
	if (irq >= 256)
		return -EINVAL;
	vcpu->irq_vector = irq;
	vcpu->irq_queued = true;
	return 0;
}

/*
 * The guest can take an interrupt.  One queued by userspace is injected
 * by the next entry; otherwise userspace asked for the window.
 */
int handle_interrupt_window(struct kvmini_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	vcpu->stats.irq_window_exits++;
	set_intr_window_exiting(vcpu, false);
	if (!vcpu->apic && !vcpu->irq_queued && READ_ONCE(run->request_interrupt_window)) {
		vcpu->stats.request_irq_exits++;
		run->exit_reason = KVM_EXIT_IRQ_WINDOW_OPEN;
		return 0;
	}
	return 1;
}
