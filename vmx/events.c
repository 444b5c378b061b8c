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

#include "caps.h"
#include "controls.h"
#include "events.h"
#include "halt.h"
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
#define INTR_TYPE_NMI		(2U << 8)
#define INTR_TYPE_HARD_EXC	(3U << 8)
#define INTR_TYPE_SOFT_INTR	(4U << 8)
#define INTR_TYPE_PRIV_SW_EXC	(5U << 8)
#define INTR_TYPE_SOFT_EXC	(6U << 8)

/* Guest interruptibility state, SDM Vol. 3C table 25-3 */
#define GUEST_INTR_STI		BIT(0)
#define GUEST_INTR_MOV_SS	BIT(1)
#define GUEST_INTR_NMI		BIT(3)

static bool vnmi(void)
{
	return kvmini_caps.pin_ctls & PIN_VIRTUAL_NMIS;
}

/* Turns one run-time control of the primary processor controls on or off. */
static void set_proc_ctl(struct kvmini_vcpu *vcpu, u32 ctl, bool on)
{
	u32 ctls = on ? vcpu->proc_ctls | ctl : vcpu->proc_ctls & ~ctl;

	if (ctls != vcpu->proc_ctls) {
		vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, ctls);
		vcpu->proc_ctls = ctls;
	}
}

/**
 * vmx_queue_nmi - an NMI for @vcpu: an IPI's (lapic/ipi.c) or KVM_NMI's
 * @vcpu: the target, from any thread
 *
 * It waits until the guest may take it: no NMI in service (virtual-NMI
 * blocking, lifted by the handler's IRET) and no STI or MOV SS shadow,
 * then goes in with the next entry; NMI-window exiting says when.  How
 * many wait is counted at entry (collect_nmis()).  Without virtual NMIs
 * the guest's blocking cannot be known: nothing is queued (docs/api.md).
 */
void vmx_queue_nmi(struct kvmini_vcpu *vcpu)
{
	if (!vnmi())
		return;
	atomic_inc(&vcpu->nmi_queued);
	vmx_vcpu_kick(vcpu);
}

bool vmx_nmi_waiting(struct kvmini_vcpu *vcpu)
{
	return vcpu->nmi_pending || atomic_read(&vcpu->nmi_queued);
}

/*
 * NMIs sent since the last look join those waiting, as the CPU latches
 * them (KVM's process_nmi()): with none in service or in delivery, two
 * (one goes in now, the other waits for its IRET); otherwise one, behind
 * the one in service.  Two NMIs that reach a vCPU before its next entry
 * are both delivered: kvm-unit-tests' apic "multiple nmi" found them
 * merged into one.
 */
static void collect_nmis(struct kvmini_vcpu *vcpu)
{
	u32 entry = vmcs_read32(VM_ENTRY_INTR_INFO_FIELD);
	unsigned int limit = 2, n;

	if ((vmcs_read32(GUEST_INTERRUPTIBILITY_INFO) & GUEST_INTR_NMI) ||
	    (vcpu->reinject.info && (vcpu->reinject.info & INTR_INFO_TYPE_MASK) == INTR_TYPE_NMI) ||
	    ((entry & INTR_INFO_VALID) && (entry & INTR_INFO_TYPE_MASK) == INTR_TYPE_NMI))
		limit = 1;
	n = vcpu->nmi_pending + atomic_xchg(&vcpu->nmi_queued, 0);
	vcpu->nmi_pending = min(n, limit);
}

/*
 * An NMI wakes a halted vCPU only if NMIs are not blocked: inside its NMI
 * handler the vCPU would run its HLT again at once, and again, a busy
 * loop instead of a sleep (KVM's kvm_vcpu_has_events() asks nmi_allowed()).
 * Found by review.
 */
bool vmx_nmi_can_wake(struct kvmini_vcpu *vcpu)
{
	return vmx_nmi_waiting(vcpu) &&
	       !(vmcs_read32(GUEST_INTERRUPTIBILITY_INFO) & GUEST_INTR_NMI);
}

static bool nmi_injectable(void)
{
	return !(vmcs_read32(GUEST_INTERRUPTIBILITY_INFO) &
		 (GUEST_INTR_NMI | GUEST_INTR_STI | GUEST_INTR_MOV_SS));
}

static void set_nmi_window_exiting(struct kvmini_vcpu *vcpu, bool on)
{
	if (kvmini_caps.can_nmi_window)
		set_proc_ctl(vcpu, PROC_NMI_WINDOW_EXITING, on);
}

/*
 * An exit in the middle of an IRET that had unblocked NMIs (exit
 * qualification bit 12, SDM Vol. 3C 28.2.1): the IRET runs again, so the
 * blocking must be back, or an NMI would nest (as KVM's EPT handler).
 */
void vmx_nmi_iret_exit(struct kvmini_vcpu *vcpu, bool unblocked)
{
	if (unblocked && vnmi() && !vcpu->reinject.info)
		vmcs_write32(GUEST_INTERRUPTIBILITY_INFO,
			     vmcs_read32(GUEST_INTERRUPTIBILITY_INFO) | GUEST_INTR_NMI);
}

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
	/*
	 * An NMI cut short left virtual-NMI blocking set: it is not blocked
	 * until delivered again, as KVM's __vmx_complete_interrupts() says.
	 */
	if (type == INTR_TYPE_NMI && vnmi())
		vmcs_write32(GUEST_INTERRUPTIBILITY_INFO,
			     vmcs_read32(GUEST_INTERRUPTIBILITY_INFO) & ~GUEST_INTR_NMI);
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
	if (kvmini_caps.can_intr_window)
		set_proc_ctl(vcpu, PROC_INTERRUPT_WINDOW_EXITING, on);
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
		/*
		 * An NMI cut short left virtual-NMI blocking (and maybe MOV SS)
		 * set, which VM entry refuses with an NMI to inject (SDM Vol.
		 * 3C 27.3.1.5); delivering it blocks NMIs again, as KVM's
		 * __vmx_complete_interrupts() lets it.
		 */
		if ((ev->info & INTR_INFO_TYPE_MASK) == INTR_TYPE_NMI)
			vmcs_write32(GUEST_INTERRUPTIBILITY_INFO,
				     vmcs_read32(GUEST_INTERRUPTIBILITY_INFO) &
				     ~(GUEST_INTR_NMI | GUEST_INTR_MOV_SS | GUEST_INTR_STI));
		ev->info = with_error_code_for_mode(ev->info);
		/*
		 * VM entry takes no error code above 16 bits (VMfail); KVM_SET_VCPU_EVENTS
		 * may give 32, which KVM keeps and cuts here too.
		 */
		if (ev->info & INTR_INFO_DELIVER_CODE)
			vmcs_write32(VM_ENTRY_EXCEPTION_ERROR_CODE, (u16)ev->error_code);
		vmcs_write32(VM_ENTRY_INSTRUCTION_LEN, ev->instr_len);
		vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, ev->info);
		ev->info = 0;
	} else if (vcpu->nmi_pending && nmi_injectable()) {
		/* Before interrupts, as the CPU ranks them; delivery blocks NMIs. */
		vcpu->nmi_pending--;
		vmcs_write32(VM_ENTRY_INTR_INFO_FIELD,
			     INTR_INFO_VALID | INTR_TYPE_NMI | X86_TRAP_NMI);
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
	bool waiting, nmi, sti;

	collect_nmis(vcpu);
	if (!(vmcs_read32(VM_ENTRY_INTR_INFO_FIELD) & INTR_INFO_VALID))
		write_entry_event(vcpu);
	waiting = vcpu->irq_queued || (vcpu->apic && vlapic_pending(vcpu) >= 0);
	nmi = vmx_nmi_waiting(vcpu);
	/*
	 * The NMI window ignores STI blocking (SDM Vol. 3C 26.7.6): armed in
	 * an STI shadow it would exit before every instruction, for good.
	 * The interrupt window opens when the shadow ends, as KVM's
	 * vmx_enable_nmi_window() uses it.  Found by review.
	 */
	sti = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO) & GUEST_INTR_STI;
	set_intr_window_exiting(vcpu, waiting || window_requested || (nmi && sti));
	set_nmi_window_exiting(vcpu, nmi && !sti);
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

/* The guest can take an NMI: the next entry injects the one waiting. */
int handle_nmi_window(struct kvmini_vcpu *vcpu)
{
	set_nmi_window_exiting(vcpu, false);
	return 1;
}

/*
 * KVM_GET_VCPU_EVENTS, between two KVM_RUNs: what is being delivered is
 * in @vcpu->reinject (vmx_cancel_injection put it there), an interrupt
 * userspace gave in the queue.  As KVM, a software exception or
 * interrupt is not reported: its instruction runs again.
 */
void vmx_get_vcpu_events(struct kvmini_vcpu *vcpu, struct kvm_vcpu_events *ev)
{
	u32 info = vcpu->reinject.info, type = info & INTR_INFO_TYPE_MASK;
	u32 intr = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);

	memset(ev, 0, sizeof(*ev));
	switch (info ? type : ~0U) {
	case INTR_TYPE_HARD_EXC:
		ev->exception.injected = 1;
		ev->exception.has_error_code = !!(info & INTR_INFO_DELIVER_CODE);
		ev->exception.error_code = vcpu->reinject.error_code;
		fallthrough;
	case INTR_TYPE_SOFT_EXC:
	case INTR_TYPE_PRIV_SW_EXC:
		ev->exception.nr = info & INTR_INFO_VECTOR_MASK;
		break;
	case INTR_TYPE_EXT_INTR:
		ev->interrupt.injected = 1;
		fallthrough;
	case INTR_TYPE_SOFT_INTR:
		ev->interrupt.nr = info & INTR_INFO_VECTOR_MASK;
		break;
	case INTR_TYPE_NMI:
		ev->nmi.injected = 1;
		break;
	}
	if (vcpu->irq_queued && !ev->interrupt.injected) {
		/* KVM_INTERRUPT marks its vector injected at once, as KVM does. */
		ev->interrupt.injected = 1;
		ev->interrupt.nr = vcpu->irq_vector;
	}
	ev->interrupt.shadow = (intr & GUEST_INTR_STI ? KVM_X86_SHADOW_INT_STI : 0) |
			       (intr & GUEST_INTR_MOV_SS ? KVM_X86_SHADOW_INT_MOV_SS : 0);
	/* Without virtual NMIs, bit 3 is the CPU's own blocking: never the guest's. */
	ev->nmi.masked = vnmi() && (intr & GUEST_INTR_NMI);
	collect_nmis(vcpu);
	ev->nmi.pending = vcpu->nmi_pending != 0;
	ev->smi.latched_init = vcpu->apic && vlapic_init_latched(vcpu);
	ev->flags = KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SHADOW |
		    KVM_VCPUEVENT_VALID_SMM;
}

#define VCPU_EVENTS_FLAGS	(KVM_VCPUEVENT_VALID_NMI_PENDING | \
				 KVM_VCPUEVENT_VALID_SIPI_VECTOR | \
				 KVM_VCPUEVENT_VALID_SHADOW | KVM_VCPUEVENT_VALID_SMM)

/* What kvmini cannot hold: it has no SMM, and without virtual NMIs no NMI waits. */
static bool vcpu_events_valid(const struct kvm_vcpu_events *ev)
{
	/* PAYLOAD and TRIPLE_FAULT need caps kvmini does not offer: EINVAL, as KVM without them. */
	if (ev->flags & ~VCPU_EVENTS_FLAGS)
		return false;
	if (ev->exception.injected && (ev->exception.nr > 31 || ev->exception.nr == X86_TRAP_NMI))
		return false;
	if ((ev->flags & KVM_VCPUEVENT_VALID_NMI_PENDING) && ev->nmi.pending && !vnmi())
		return false;
	if ((ev->flags & KVM_VCPUEVENT_VALID_SMM) && (ev->smi.smm || ev->smi.pending))
		return false;
	/* Without virtual NMIs an NMI in delivery would block the host's (below). */
	if (ev->nmi.injected && !vnmi())
		return false;
	/* One event is in delivery at a time here: KVM would queue the NMI behind. */
	return !(ev->exception.injected && ev->nmi.injected);
}

/**
 * vmx_set_vcpu_events - KVM_SET_VCPU_EVENTS
 * @vcpu: the vCPU, its VMCS current
 * @ev: a kernel copy of userspace's
 *
 * Replaces what is in delivery and queued.  A software interrupt is
 * dropped (RIP is still on its INT n), as KVM's ABI carries no
 * instruction length.
 *
 * Return: 0, or -EINVAL for what KVM refuses and what kvmini cannot hold
 * (a pending NMI, SMM, an exception with an NMI in delivery).
 */
int vmx_set_vcpu_events(struct kvmini_vcpu *vcpu, const struct kvm_vcpu_events *ev)
{
	u32 intr = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);
	struct vmx_event *re = &vcpu->reinject;

	if (!vcpu_events_valid(ev))
		return -EINVAL;
	memset(re, 0, sizeof(*re));
	vcpu->irq_queued = false;
	if (ev->exception.injected) {
		/* #BP and #OF are INT3 and INTO's: a software exception, with a length. */
		bool soft = ev->exception.nr == X86_TRAP_BP || ev->exception.nr == X86_TRAP_OF;

		re->info = INTR_INFO_VALID | ev->exception.nr |
			   (soft ? INTR_TYPE_SOFT_EXC : INTR_TYPE_HARD_EXC) |
			   (ev->exception.has_error_code ? INTR_INFO_DELIVER_CODE : 0);
		re->error_code = ev->exception.error_code;
		re->instr_len = soft ? 1 : 0;
	} else if (ev->nmi.injected) {
		re->info = INTR_INFO_VALID | INTR_TYPE_NMI | X86_TRAP_NMI;
	}
	if (ev->interrupt.injected && !ev->interrupt.soft) {
		vcpu->irq_queued = true;
		vcpu->irq_vector = ev->interrupt.nr;
	}
	if (ev->flags & KVM_VCPUEVENT_VALID_SHADOW) {
		intr &= ~(GUEST_INTR_STI | GUEST_INTR_MOV_SS);
		/* Both asked for: MOV SS wins, as in KVM. */
		if (ev->interrupt.shadow & KVM_X86_SHADOW_INT_MOV_SS)
			intr |= GUEST_INTR_MOV_SS;
		else if (ev->interrupt.shadow & KVM_X86_SHADOW_INT_STI)
			intr |= GUEST_INTR_STI;
	}
	/*
	 * Without virtual NMIs the bit is real NMI blocking, which would hold
	 * the host's NMIs off while the guest runs: KVM leaves it alone too.
	 */
	if (vnmi())
		intr = ev->nmi.masked ? intr | GUEST_INTR_NMI : intr & ~GUEST_INTR_NMI;
	/*
	 * VM entry refuses an NMI injected under NMI or MOV SS blocking
	 * (SDM Vol. 3C 27.3.1.5); delivering it blocks NMIs anyway.
	 */
	if ((re->info & INTR_INFO_TYPE_MASK) == INTR_TYPE_NMI && re->info)
		intr &= ~(GUEST_INTR_NMI | GUEST_INTR_MOV_SS | GUEST_INTR_STI);
	vmcs_write32(GUEST_INTERRUPTIBILITY_INFO, intr);
	/*
	 * Counted again at the next entry, as KVM since 6.4 (6.1 set its
	 * pending count directly; the guest sees no difference).
	 */
	if (ev->flags & KVM_VCPUEVENT_VALID_NMI_PENDING) {
		vcpu->nmi_pending = 0;
		atomic_set(&vcpu->nmi_queued, ev->nmi.pending);
	}
	if (vcpu->apic && (ev->flags & KVM_VCPUEVENT_VALID_SIPI_VECTOR))
		WRITE_ONCE(vcpu->apic->sipi_vector, ev->sipi_vector);
	if (vcpu->apic && (ev->flags & KVM_VCPUEVENT_VALID_SMM))
		vlapic_latch_init(vcpu, ev->smi.latched_init);
	return 0;
}
