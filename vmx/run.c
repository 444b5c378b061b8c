// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_RUN: enter the guest, take its exits, and loop in the kernel until
 * an exit needs userspace, a signal is pending, or something failed.
 *
 * Around each entry, with interrupts off, the host's state that VMX does
 * not switch is switched here: CR2, XCR0, DR7 and DEBUGCTL (cleared by a
 * VM exit), DS/ES selectors, the TSS limit.  The guest's FPU state is the
 * task's FPU state for the whole KVM_RUN (fpu_swap_kvm_fpstate), so a
 * context switch saves and restores it like any task's.
 */
#include <linux/kernel.h>
#include <linux/kvm.h>
#include <linux/minmax.h>
#include <linux/moduleparam.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/types.h>
#include <asm/debugreg.h>
#include <asm/desc.h>
#include <asm/fpu/api.h>
#include <asm/fpu/xcr.h>
#include <asm/idtentry.h>
#include <asm/mce.h>
#include <asm/msr.h>
#include <asm/nospec-branch.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>
#include <asm/trapnr.h>
#include <asm/tsc.h>

#include "cpuid.h"
#include "events.h"
#include "exits.h"
#include "halt.h"
#include "spec.h"
#include "trace.h"
#include "vcpu.h"
#include "vmcs.h"
#include "vmenter.h"
#include "vmx.h"
#include "../lapic/vlapic.h"
#include "../vm/vm.h"

/*
 * Newer kernels call the field immediate_exit__unsafe in kernel code
 * (Kbuild finds out which): userspace may change it at any time, so it
 * is read once, here.
 */
static bool run_immediate_exit(struct kvm_run *run)
{
#ifdef KVMINI_IMMEDIATE_EXIT_UNSAFE
	return READ_ONCE(run->immediate_exit__unsafe);
#else
	return READ_ONCE(run->immediate_exit);
#endif
}

/*
 * The VMX-preemption timer: 0, off (the default); otherwise a vCPU exits
 * after at most this many microseconds in the guest without an exit, and
 * KVM_RUN looks at signals.  On VT-x hardware it is not needed for that:
 * external interrupts exit whatever the guest's IF, so a signal's kick
 * reaches a vCPU spinning with interrupts off.  It is a workaround for
 * Bochs, which makes no external-interrupt exit from a guest entered
 * with IF=0: there the timer (or PAUSE-loop exiting) is the only way such
 * a guest comes back.  A vCPU takes a new value at its next KVM_RUN.
 * Ignored where the CPU has no usable timer, or the TSC frequency is
 * unknown.  Bounded so that a period is neither a few ticks (the guest
 * would make almost no progress between exits) nor longer than a second.
 */
#define PREEMPTION_TIMER_MIN_US	50
#define PREEMPTION_TIMER_MAX_US	1000000

static unsigned int preemption_timer_us;

static int set_preemption_timer_us(const char *val, const struct kernel_param *kp)
{
	unsigned int us;
	int err = kstrtouint(val, 0, &us);

	if (err)
		return err;
	if (us && (us < PREEMPTION_TIMER_MIN_US || us > PREEMPTION_TIMER_MAX_US))
		return -EINVAL;
	/*
	 * A period the CPU cannot keep is refused, once the capabilities
	 * are known (at insmod they are not yet: then it is ignored).
	 */
	if (us && kvmini_caps.revision_id && !(kvmini_caps.can_preemption_timer && tsc_khz))
		return -EOPNOTSUPP;
	WRITE_ONCE(*(unsigned int *)kp->arg, us);
	return 0;
}

static const struct kernel_param_ops preemption_timer_us_ops = {
	.set = set_preemption_timer_us,
	.get = param_get_uint,
};
module_param_cb(preemption_timer_us, &preemption_timer_us_ops, &preemption_timer_us, 0644);
MODULE_PARM_DESC(preemption_timer_us, "VMX-preemption timer period in microseconds of guest time without an exit, 50 to 1000000; 0: off");

/* Timer ticks for @us: TSC ticks, divided by 2^rate (SDM Vol. 3C 26.5.1). */
static u32 preemption_timer_ticks(u32 us)
{
	u64 ticks = ((u64)us * tsc_khz / 1000) >> kvmini_caps.preemption_timer_rate;

	return clamp_t(u64, ticks, 1, U32_MAX);
}

/* Once per KVM_RUN, not per entry: the VMCS keeps the period between entries. */
static void update_preemption_timer(struct kvmini_vcpu *vcpu)
{
	u32 us = 0;

	if (kvmini_caps.can_preemption_timer && tsc_khz)
		us = READ_ONCE(preemption_timer_us);

	if (us == vcpu->ptimer_us)
		return;
	if (us) {
		vmcs_write32(VMX_PREEMPTION_TIMER_VALUE, preemption_timer_ticks(us));
		vmcs_set_bits32(PIN_BASED_VM_EXEC_CONTROL, PIN_PREEMPTION_TIMER);
	} else {
		vmcs_clear_bits32(PIN_BASED_VM_EXEC_CONTROL, PIN_PREEMPTION_TIMER);
	}
	vcpu->ptimer_us = us;
}

/* Interruption type NMI in VM_EXIT_INTR_INFO, SDM Vol. 3C 25.9.2. */
#define INTR_INFO_VALID		BIT(31)
#define INTR_INFO_TYPE_MASK	(7U << 8)
#define INTR_TYPE_NMI		(2U << 8)
#define INTR_INFO_VECTOR_MASK	0xffU

static inline struct kvmini_vcpu *pn_to_vcpu(struct preempt_notifier *pn)
{
	return container_of(pn, struct kvmini_vcpu, pn);
}

static void vcpu_sched_in(struct preempt_notifier *pn, int cpu)
{
	vmx_vcpu_load(pn_to_vcpu(pn));
}

static void vcpu_sched_out(struct preempt_notifier *pn, struct task_struct *next)
{
	vmx_vcpu_put(pn_to_vcpu(pn));
}

static struct preempt_ops vcpu_preempt_ops = {
	.sched_in = vcpu_sched_in,
	.sched_out = vcpu_sched_out,
};

static void read_exit_info(struct kvmini_vcpu *vcpu)
{
	vcpu->exit_reason = vmcs_read32(VM_EXIT_REASON);
	vcpu->exit_qual = vmcs_readl(EXIT_QUALIFICATION);
	vcpu->exit_intr_info = vmcs_read32(VM_EXIT_INTR_INFO);
	vcpu->exit_instr_len = vmcs_read32(VM_EXIT_INSTRUCTION_LEN);
	/* A failed entry delivered nothing: its IDT-vectoring field means nothing. */
	if (vcpu->exit_reason & VMX_EXIT_REASON_ENTRY_FAILED)
		vcpu->reinject.info = 0;
	else
		vmx_save_vectoring_event(vcpu);
}

/*
 * The host's NMI entry for a call on the kernel stack, which the kernel
 * keeps for hypervisors: the IDT's own entry expects the NMI stack (IST),
 * where it looks for its "NMI executing" mark, and would find whatever
 * this stack holds there; it could then drop the NMI.
 */
static unsigned long host_nmi_entry(void)
{
#ifdef KVMINI_HAVE_NMI_KVM_VMX
	return (unsigned long)asm_exc_nmi_kvm_vmx;	/* 6.3 and later */
#else
	return (unsigned long)asm_exc_nmi_noist;
#endif
}

/* As if it had hit user mode: the guest's state is no kernel context to go back to. */
static void host_machine_check(void)
{
#ifdef CONFIG_X86_MCE
	struct pt_regs regs = { .cs = 3, .flags = X86_EFLAGS_IF };

	do_machine_check(&regs);
#endif
}

/*
 * Right after the exit, interrupts still off: an NMI or a machine check
 * that made the guest exit belongs to the host, and is handed to its
 * handler now, as the CPU would have (KVM does the same).  A self-IPI
 * would be no good for the NMI: NMIs stay blocked after the exit, so it
 * would fire in the guest at the next entry and exit again, forever.
 */
static void handle_exit_irqoff(struct kvmini_vcpu *vcpu)
{
	u32 basic = VMX_EXIT_REASON_BASIC(vcpu->exit_reason);
	u32 info = vcpu->exit_intr_info;

	if (basic == EXIT_REASON_MACHINE_CHECK) {
		host_machine_check();
	} else if (basic == EXIT_REASON_EXCEPTION_NMI && (info & INTR_INFO_VALID)) {
		if ((info & INTR_INFO_TYPE_MASK) == INTR_TYPE_NMI)
			vmx_call_nmi_handler(host_nmi_entry());
		else if ((info & INTR_INFO_VECTOR_MASK) == X86_TRAP_MC)
			host_machine_check();
	}
}

/*
 * DR7: L0-3 and G0-3 arm the breakpoints.  GD stays out of the CPU's
 * copy (every MOV DR exits anyway); a delivered #DB clears it (exits.c),
 * but the #DB with DR6.BD that a MOV DR under GD raises is not emulated
 * yet (docs/api.md).
 */
#define DR7_ENABLES	0xffUL
#define DR7_GD		BIT(13)
#define DR7_INIT	0x400UL

/*
 * The guest's armed breakpoints need its DR0-3 in the CPU while it runs.
 * Its DR7 goes in with the entry (VM-entry loads GUEST_DR7) and the exit
 * sets DR7 to 0x400, so they never fire in the host; the host's own go
 * off first (DR7 0), or they would meet the guest's addresses before
 * the entry.  MOV DR still exits, so DR0-3 change only through kvmini,
 * and a #DB exits with its cause (exits.c): the CPU's DR6 is not used.
 * Interrupts off.  Return: whether DR0-3 now hold the guest's.
 */
static bool load_guest_breakpoints(struct kvmini_vcpu *vcpu, unsigned long host_dr7)
{
	unsigned long dr7 = vcpu->dr7 & ~DR7_GD;
	bool armed = dr7 & DR7_ENABLES;

	if (armed || vcpu->breakpoints_armed)
		vmcs_writel(GUEST_DR7, armed ? dr7 : DR7_INIT);
	vcpu->breakpoints_armed = armed;
	if (!armed)
		return false;
	if (host_dr7 & DR7_ENABLES)
		set_debugreg(0, 7);
	set_debugreg(vcpu->dr[0], 0);
	set_debugreg(vcpu->dr[1], 1);
	set_debugreg(vcpu->dr[2], 2);
	set_debugreg(vcpu->dr[3], 3);
	return true;
}

/*
 * One entry and exit.  Return: 0 after an exit (exit info read), 1 when
 * the loop must look at signals or rescheduling first, -EIO on VMfail,
 * -ESHUTDOWN when the machine is going down and VMX is off.
 */
static int enter_guest(struct kvmini_vcpu *vcpu)
{
	unsigned long cr3, cr4, dr7 = 0;
	u16 ds, es;
	u64 host_xcr0, tsc;
	bool guest_drs;
	int fail;

	local_irq_disable();
	if (need_resched() || signal_pending(current)) {
		local_irq_enable();
		return 1;
	}
	/*
	 * The reboot notifier turns VMX off on every CPU by IPI; with
	 * interrupts off that cannot happen between this look and VMRESUME,
	 * which would fault outside VMX operation.
	 */
	if (!vmx_root_this_cpu_on()) {
		local_irq_enable();
		return -ESHUTDOWN;
	}
	/* A kick from now on sends an IPI; one that came before is seen here (halt.c). */
	WRITE_ONCE(vcpu->guest_cpu, smp_processor_id());
	/* guest_cpu before the requests, as vmx_vcpu_kick() orders the other way. */
	smp_mb();
	if (READ_ONCE(vcpu->requests)) {
		WRITE_ONCE(vcpu->guest_cpu, -1);
		local_irq_enable();
		return 1;
	}
	/* A kernel_fpu_begin() in an interrupt may have saved the guest's registers. */
	if (test_thread_flag(TIF_NEED_FPU_LOAD))
		switch_fpu_return();

	cr3 = __read_cr3();
	if (cr3 != vcpu->host_cr3) {
		vmcs_writel(HOST_CR3, cr3);
		vcpu->host_cr3 = cr3;
	}
	cr4 = cr4_read_shadow();
	if (cr4 != vcpu->host_cr4) {
		vmcs_writel(HOST_CR4, cr4);
		vcpu->host_cr4 = cr4;
	}
	/* Without XSAVE in the host, guests have none either (cpuid.c). */
	host_xcr0 = vcpu->xcr0;
	if (vmx_host_has_xsave()) {
		host_xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);
		if (vcpu->xcr0 != host_xcr0)
			xsetbv(XCR_XFEATURE_ENABLED_MASK, vcpu->xcr0);
	}
	if (native_read_cr2() != vcpu->cr2)
		native_write_cr2(vcpu->cr2);
	get_debugreg(dr7, 7);
	guest_drs = load_guest_breakpoints(vcpu, dr7);
	savesegment(ds, ds);
	savesegment(es, es);

	if (trace_kvmini_entry_enabled())
		trace_kvmini_entry(vcpu->vm->id, vcpu->id, vmcs_readl(GUEST_RIP));
	/* L1TF: nothing of the host's left in L1D for the guest to speculate on. */
	if (static_branch_unlikely(&vmx_l1d_flush))
		wrmsrl(MSR_IA32_FLUSH_CMD, L1D_FLUSH);
	tsc = rdtsc();
	fail = __vmx_vcpu_run(vcpu->regs, vcpu->launched);
	vcpu->exit_tsc = rdtsc();
	vcpu->stats.guest_cycles += vcpu->exit_tsc - tsc;
	/* VMSCAPE: the VMM must not meet what the guest taught the predictors. */
	if (cpu_feature_enabled(X86_FEATURE_IBPB_EXIT_TO_USER))
		this_cpu_write(x86_ibpb_exit_to_user, true);

	WRITE_ONCE(vcpu->guest_cpu, -1);
	vcpu->cr2 = native_read_cr2();
	if (vcpu->xcr0 != host_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, host_xcr0);
	/*
	 * The host's breakpoints get their addresses back, as on KVM, before
	 * DR7 arms them again.
	 */
	if (guest_drs && hw_breakpoint_active())
		hw_breakpoint_restore();
	/* A VM exit sets DR7 to 0x400 and clears DEBUGCTL (SDM Vol. 3C 28.5.1). */
	if (dr7 != 0x400)
		set_debugreg(dr7, 7);
	if (vcpu->host_debugctl)
		update_debugctlmsr(vcpu->host_debugctl);
	if (ds | es) {
		loadsegment(ds, ds);
		loadsegment(es, es);
	}
	/* A VM exit sets the TR limit to 0x67, cutting off the I/O bitmap. */
	invalidate_tss_limit();

	if (fail) {
		local_irq_enable();
		return -EIO;
	}
	vcpu->stats.entries++;
	vcpu->has_run = true;
	read_exit_info(vcpu);
	/* An entry that failed on the guest state leaves the VMCS to be launched. */
	if (!(vcpu->exit_reason & VMX_EXIT_REASON_ENTRY_FAILED))
		vcpu->launched = true;
	handle_exit_irqoff(vcpu);
	/* A pending host interrupt is taken here: it made the guest exit. */
	local_irq_enable();
	return 0;
}

/* SDM Vol. 3C 31.4, VM-instruction error numbers. */
#define VMXERR_ENTRY_INVALID_CONTROL_FIELD	7

static void report_vmfail(struct kvmini_vcpu *vcpu)
{
	u32 err = vmcs_read32(VM_INSTRUCTION_ERROR);
	struct kvm_run *run = vcpu->run;

	vcpu->stats.entry_failures++;
	pr_err_ratelimited("kvmini: VM %u vCPU %u: VM%s failed, VM-instruction error %u\n",
			   vcpu->vm->id, vcpu->id, vcpu->launched ? "RESUME" : "LAUNCH", err);
	/* Error 7, invalid control fields: the ones kvmini changes as the guest runs. */
	if (err == VMXERR_ENTRY_INVALID_CONTROL_FIELD)
		pr_err_ratelimited("kvmini: entry event %#x error code %#x length %u, entry controls %#x, proc controls %#x, guest CR0 %#lx\n",
				   vmcs_read32(VM_ENTRY_INTR_INFO_FIELD),
				   vmcs_read32(VM_ENTRY_EXCEPTION_ERROR_CODE),
				   vmcs_read32(VM_ENTRY_INSTRUCTION_LEN),
				   vmcs_read32(VM_ENTRY_CONTROLS),
				   vmcs_read32(CPU_BASED_VM_EXEC_CONTROL), vmcs_readl(GUEST_CR0));
	run->exit_reason = KVM_EXIT_FAIL_ENTRY;
	/* KVM reports a VMfail as the error number with no hardware exit reason. */
	run->fail_entry.hardware_entry_failure_reason = err;
	run->fail_entry.cpu = smp_processor_id();
}

static void vcpu_enter_run(struct kvmini_vcpu *vcpu)
{
	preempt_disable();
	fpu_swap_kvm_fpstate(&vcpu->fpu, true);
	vmx_vcpu_load(vcpu);
	preempt_notifier_register(&vcpu->pn);
	preempt_enable();
}

static void vcpu_leave_run(struct kvmini_vcpu *vcpu)
{
	preempt_disable();
	preempt_notifier_unregister(&vcpu->pn);
	vmx_vcpu_put(vcpu);
	fpu_swap_kvm_fpstate(&vcpu->fpu, false);
	preempt_enable();
}

void vmx_vcpu_preempt_init(struct kvmini_vcpu *vcpu)
{
	preempt_notifier_init(&vcpu->pn, &vcpu_preempt_ops);
}

/* As KVM, the interrupt window is for a VMM that is the interrupt controller. */
static bool window_requested(struct kvmini_vcpu *vcpu)
{
	return !vcpu->apic && READ_ONCE(vcpu->run->request_interrupt_window);
}

/**
 * vmx_vcpu_run - KVM_RUN
 * @vcpu: the vCPU, its lock held
 *
 * Return: 0 with run->exit_reason saying why userspace is needed;
 * -EINTR with KVM_EXIT_INTR for a signal, -EINTR with exit_reason left as
 * it was for immediate_exit (both as KVM); -EIO once
 * the machine is going down; another negative errno when the vCPU
 * cannot run.
 */
int vmx_vcpu_run(struct kvmini_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	u64 cr8;
	int r;

	/* The VMCS cannot even be loaded once the reboot notifier ran. */
	if (vmx_root_going_down())
		return -EIO;
	vcpu_enter_run(vcpu);
	run->flags = 0;
	/* As KVM without an in-kernel APIC: userspace's APIC model owns the TPR. */
	if (!vcpu->apic) {
		cr8 = READ_ONCE(run->cr8);
		if (cr8 > 0xf) {
			r = -EINVAL;
			goto out;
		}
		vcpu->cr8 = cr8;
	}
	update_preemption_timer(vcpu);
	vmx_update_cr3_trace(vcpu);
	r = vmx_complete_userspace_exit(vcpu);
	if (r <= 0)
		goto out;
	/* As KVM: -EINTR, with exit_reason left as it was. */
	if (run_immediate_exit(run)) {
		r = -EINTR;
		goto out;
	}
	for (;;) {
		if (signal_pending(current)) {
			r = -EINTR;
			run->exit_reason = KVM_EXIT_INTR;
			vcpu->stats.signal_exits++;
			break;
		}
		cond_resched();
		if (vcpu->apic) {
			r = vmx_vcpu_wait_runnable(vcpu);
			if (r) {
				run->exit_reason = KVM_EXIT_INTR;
				vcpu->stats.signal_exits++;
				break;
			}
		} else {
			/* KVM_NMI's kick: nothing to wait for, but left set it ends every entry. */
			clear_bit(VCPU_REQ_EVENT, &vcpu->requests);
		}
		vmx_inject_events(vcpu, window_requested(vcpu));
		r = enter_guest(vcpu);
		if (r > 0)
			continue;
		if (r == -ESHUTDOWN) {
			vcpu_leave_run(vcpu);
			return -EIO;
		}
		if (r < 0) {
			report_vmfail(vcpu);
			r = 0;
			break;
		}
		r = vmx_handle_exit(vcpu);
		if (r <= 0)
			break;
		/* As KVM: the window userspace asked for is open now. */
		if (window_requested(vcpu) && vmx_ready_for_interrupt(vcpu)) {
			vcpu->stats.request_irq_exits++;
			run->exit_reason = KVM_EXIT_IRQ_WINDOW_OPEN;
			r = 0;
			break;
		}
	}
out:
	if (r == 0 || r == -EINTR)
		vcpu->stats.exits_to_user++;
	vmx_cancel_injection(vcpu);
	run->cr8 = vcpu->apic ? vlapic_cr8(vcpu) : vcpu->cr8;
	run->if_flag = !!(vmcs_readl(GUEST_RFLAGS) & X86_EFLAGS_IF);
	/* As KVM: with the interrupt controller in the kernel, userspace injects nothing. */
	run->ready_for_interrupt_injection = vcpu->apic || vmx_ready_for_interrupt(vcpu);
	run->apic_base = vmx_apic_base(vcpu);
	vcpu_leave_run(vcpu);
	return r;
}
