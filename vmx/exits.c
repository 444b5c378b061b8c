// SPDX-License-Identifier: GPL-2.0
/*
 * The exit dispatcher: one table indexed by the basic exit reason, the
 * tracing of exits (module parameter "trace" and the kvmini_exit
 * tracepoint), and the small helpers every handler uses.
 */
#include <linux/kvm.h>
#include <linux/moduleparam.h>
#include <linux/ratelimit.h>
#include <asm/cpu.h>
#include <asm/cpufeature.h>
#include <asm/debugreg.h>
#include <asm/processor-flags.h>
#include <asm/trapnr.h>

#include "cpuid.h"
#include "events.h"
#include "exits.h"
#include "syscall.h"
#include "trace.h"
#include "vmcs.h"
#include "vmx.h"
#include "../vm/vm.h"

/*
 * 0: no trace; 1: one dmesg line per exit to userspace and per unusual
 * exit; 2: one line per exit.  Lines are rate limited; the kernel says
 * how many it dropped ("callbacks suppressed").
 */
static int trace;
module_param(trace, int, 0644);
MODULE_PARM_DESC(trace, "exit trace in dmesg: 0 off, 1 exits to userspace and unusual exits, 2 every exit");

static DEFINE_RATELIMIT_STATE(trace_rs, HZ, 100);

#define EXIT_NAME(r) \
	[EXIT_REASON_##r] = #r
static const char * const exit_names[VMX_NR_EXIT_REASONS] = {
	EXIT_NAME(EXCEPTION_NMI), EXIT_NAME(EXTERNAL_INTERRUPT),
	EXIT_NAME(TRIPLE_FAULT), EXIT_NAME(INIT_SIGNAL), EXIT_NAME(SIPI),
	EXIT_NAME(INTERRUPT_WINDOW), EXIT_NAME(NMI_WINDOW),
	EXIT_NAME(TASK_SWITCH), EXIT_NAME(CPUID), EXIT_NAME(GETSEC),
	EXIT_NAME(HLT), EXIT_NAME(INVD), EXIT_NAME(INVLPG), EXIT_NAME(RDPMC),
	EXIT_NAME(RDTSC), EXIT_NAME(RSM), EXIT_NAME(VMCALL),
	EXIT_NAME(VMCLEAR), EXIT_NAME(VMLAUNCH), EXIT_NAME(VMPTRLD),
	EXIT_NAME(VMPTRST), EXIT_NAME(VMREAD), EXIT_NAME(VMRESUME),
	EXIT_NAME(VMWRITE), EXIT_NAME(VMXOFF), EXIT_NAME(VMXON),
	EXIT_NAME(CR_ACCESS), EXIT_NAME(DR_ACCESS),
	EXIT_NAME(IO_INSTRUCTION), EXIT_NAME(RDMSR), EXIT_NAME(WRMSR),
	EXIT_NAME(INVALID_GUEST_STATE), EXIT_NAME(MSR_LOADING),
	EXIT_NAME(MWAIT), EXIT_NAME(MONITOR_TRAP_FLAG), EXIT_NAME(MONITOR),
	EXIT_NAME(PAUSE), EXIT_NAME(MACHINE_CHECK),
	EXIT_NAME(TPR_BELOW_THRESHOLD), EXIT_NAME(APIC_ACCESS),
	EXIT_NAME(VIRTUALIZED_EOI), EXIT_NAME(GDTR_IDTR), EXIT_NAME(LDTR_TR),
	EXIT_NAME(EPT_VIOLATION), EXIT_NAME(EPT_MISCONFIG),
	EXIT_NAME(INVEPT), EXIT_NAME(RDTSCP), EXIT_NAME(PREEMPTION_TIMER),
	EXIT_NAME(INVVPID), EXIT_NAME(WBINVD), EXIT_NAME(XSETBV),
	EXIT_NAME(APIC_WRITE), EXIT_NAME(RDRAND), EXIT_NAME(INVPCID),
	EXIT_NAME(VMFUNC), EXIT_NAME(ENCLS), EXIT_NAME(RDSEED),
	EXIT_NAME(PML_FULL), EXIT_NAME(XSAVES), EXIT_NAME(XRSTORS),
};

const char *vmx_exit_name(u32 reason)
{
	u32 basic = VMX_EXIT_REASON_BASIC(reason);

	if (basic < VMX_NR_EXIT_REASONS && exit_names[basic])
		return exit_names[basic];
	return "UNKNOWN";
}

/* VM-entry interruption information, SDM Vol. 3C 25.8.3 */
#define INTR_INFO_VALID			BIT(31)
#define INTR_INFO_DELIVER_CODE		BIT(11)
#define INTR_TYPE_HARD_EXCEPTION	(3U << 8)
#define UD_VECTOR_NR			6
#define GP_VECTOR_NR			13

static void inject_exception(unsigned int vector, bool has_code, u32 code)
{
	u32 info = INTR_INFO_VALID | INTR_TYPE_HARD_EXCEPTION | vector;

	/*
	 * Real mode delivers no error code (SDM Vol. 3C 27.2.1.3), and VM
	 * entry checks that against the CR0 in the VMCS: the guest owns PE,
	 * so the read shadow may be stale.  Found by fuzz_test.
	 */
	if (has_code && (vmcs_readl(GUEST_CR0) & X86_CR0_PE)) {
		info |= INTR_INFO_DELIVER_CODE;
		vmcs_write32(VM_ENTRY_EXCEPTION_ERROR_CODE, code);
	}
	/*
	 * A fault the CPU delivers pushes RFLAGS with RF set, so that IRET
	 * back to the instruction does not take its instruction breakpoint
	 * again; an injected one pushes what the VMCS holds, so RF goes
	 * there first, as KVM's inject_pending_event() does.  #DB is a trap
	 * here (single step, data breakpoints): no RF.  Found by
	 * kvm-unit-tests' idt_test.
	 */
	if (vector != X86_TRAP_DB)
		vmcs_writel(GUEST_RFLAGS, vmcs_readl(GUEST_RFLAGS) | X86_EFLAGS_RF);
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, info);
}

void vmx_inject_ud(struct kvmini_vcpu *vcpu)
{
	inject_exception(UD_VECTOR_NR, false, 0);
}

void vmx_inject_gp(struct kvmini_vcpu *vcpu)
{
	inject_exception(GP_VECTOR_NR, true, 0);
}

void vmx_inject_exception(struct kvmini_vcpu *vcpu, u8 vector, bool has_code, u32 code)
{
	inject_exception(vector, has_code, code);
}

/* A #PF: CR2 goes in at the next entry, with the guest's other registers. */
void vmx_inject_page_fault(struct kvmini_vcpu *vcpu, unsigned long addr, u32 code)
{
	vcpu->cr2 = addr;
	inject_exception(X86_TRAP_PF, true, code);
}

bool vmx_guest_long_mode(void)
{
	return vmcs_read64(GUEST_IA32_EFER) & EFER_LMA;
}

/* 64-bit code: long mode and CS.L; compatibility mode is 32-bit. */
bool vmx_guest_64bit_code(void)
{
	return vmx_guest_long_mode() && (vmcs_read32(GUEST_CS_AR_BYTES) & BIT(13));
}

/* As KVM's kvm_get_linear_rip(): RIP in 64-bit mode, else CS.base + EIP. */
unsigned long vmx_guest_linear_rip(void)
{
	if (vmx_guest_64bit_code())
		return vmcs_readl(GUEST_RIP);
	return (u32)(vmcs_readl(GUEST_CS_BASE) + vmcs_readl(GUEST_RIP));
}

unsigned int vmx_guest_cpl(void)
{
	return (vmcs_read32(GUEST_SS_AR_BYTES) >> 5) & 3;
}

/* Past the instruction that exited, as the CPU would have gone. */
static void skip_instruction(struct kvmini_vcpu *vcpu)
{
	unsigned long rip = vmcs_readl(GUEST_RIP) + vcpu->exit_instr_len;
	u32 intr;

	if (!vmx_guest_64bit_code())
		rip = (u32)rip;
	vmcs_writel(GUEST_RIP, rip);
	/* STI and MOV SS block interrupts for one instruction only. */
	intr = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);
	if (intr & 3)
		vmcs_write32(GUEST_INTERRUPTIBILITY_INFO, intr & ~3);
}

/* DR6 bits that read as 1 when clear of any event (SDM Vol. 3B 18.2.3). */
#define DR6_ACTIVE_LOW_BITS	0xffff0ff0UL
#define DR7_GD			BIT(13)

/* A #DB as the CPU delivers it: DR6 says why, DR7.GD is cleared. */
static void queue_db(struct kvmini_vcpu *vcpu, unsigned long payload)
{
	vcpu->dr6 = ((vcpu->dr6 & ~DR_TRAP_BITS) | DR6_ACTIVE_LOW_BITS | payload) ^
		    (payload & DR6_ACTIVE_LOW_BITS);
	vcpu->dr7 &= ~DR7_GD;
	inject_exception(X86_TRAP_DB, false, 0);
}

/**
 * vmx_skip_instruction - finish an instruction kvmini ran for the guest
 * @vcpu: the vCPU, loaded
 *
 * With RFLAGS.TF set the CPU would have trapped after the instruction:
 * the single-step #DB is queued here, as KVM's
 * kvm_skip_emulated_instruction() does.  TF as it was before the
 * instruction decides; none of the instructions kvmini runs sets it.
 * Found by kvm-unit-tests' debug ("Single-step #DB on emulated
 * instructions", "w/ STI;HLT").
 */
void vmx_skip_instruction(struct kvmini_vcpu *vcpu)
{
	skip_instruction(vcpu);
	if (vmcs_readl(GUEST_RFLAGS) & X86_EFLAGS_TF)
		queue_db(vcpu, DR_STEP);
}

/*
 * After an emulated MOV SS: interrupts, and the single step, wait one
 * more instruction (SDM Vol. 3A 6.8.3); with TF, VM entry wants that
 * step pending in BS, as handle_db() leaves it.  Found by review: a
 * #DB queued with MOV-SS blocking set failed the entry.
 */
void vmx_skip_instruction_mov_ss(struct kvmini_vcpu *vcpu)
{
	skip_instruction(vcpu);
	vmcs_write32(GUEST_INTERRUPTIBILITY_INFO,
		     vmcs_read32(GUEST_INTERRUPTIBILITY_INFO) | BIT(1));
	if (vmcs_readl(GUEST_RFLAGS) & X86_EFLAGS_TF)
		vmcs_writel(GUEST_PENDING_DBG_EXCEPTIONS,
			    vmcs_readl(GUEST_PENDING_DBG_EXCEPTIONS) | DR_STEP);
}

/* The single-step trap after an instruction kvmini carried out itself. */
void vmx_queue_single_step(struct kvmini_vcpu *vcpu)
{
	queue_db(vcpu, DR_STEP);
}

/* Whether an exception waits in the VM-entry fields for the next entry. */
static bool exception_queued(void)
{
	return vmcs_read32(VM_ENTRY_INTR_INFO_FIELD) & INTR_INFO_VALID;
}

/**
 * vmx_internal_error - stop the vCPU with KVM_EXIT_INTERNAL_ERROR
 * @vcpu: the vCPU
 * @suberror: KVM_INTERNAL_ERROR_*
 * @why: one phrase for dmesg
 *
 * Return: 0, so handlers can return it.
 */
int vmx_internal_error(struct kvmini_vcpu *vcpu, u32 suberror, const char *why)
{
	struct kvm_run *run = vcpu->run;

	pr_info_ratelimited("kvmini: VM %u vCPU %u: %s (exit %s, qualification %#lx, RIP %#lx)\n",
			    vcpu->vm->id, vcpu->id, why, vmx_exit_name(vcpu->exit_reason),
			    vcpu->exit_qual, vmcs_readl(GUEST_RIP));
	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->internal.suberror = suberror;
	run->internal.ndata = 3;
	run->internal.data[0] = vcpu->exit_reason;
	run->internal.data[1] = vcpu->exit_qual;
	run->internal.data[2] = vmcs_readl(GUEST_RIP);
	return 0;
}

#define GUEST_INTR_STI_MOV_SS	(BIT(0) | BIT(1))
#define INTR_TYPE_PRIV_SW_EXC	5

/* A #DB exit: the guest gets the #DB, with its DR6 kept by kvmini. */
static int handle_db(struct kvmini_vcpu *vcpu)
{
	unsigned long payload = vcpu->exit_qual;

	/* ICEBP exits before it runs, though its #DB is a trap: step over it. */
	if (((vcpu->exit_intr_info >> 8) & 7) == INTR_TYPE_PRIV_SW_EXC) {
		/* Its own #DB is the trap: no single step on top (as KVM). */
		skip_instruction(vcpu);
	} else if ((vmcs_readl(GUEST_RFLAGS) & X86_EFLAGS_TF) &&
		   (vmcs_read32(GUEST_INTERRUPTIBILITY_INFO) & GUEST_INTR_STI_MOV_SS)) {
		/*
		 * The CPU leaves the pending single step out when the #DB
		 * exits; VM entry insists on it with TF under an STI or MOV
		 * SS shadow (SDM Vol. 3C 27.3.1.5).
		 */
		vmcs_writel(GUEST_PENDING_DBG_EXCEPTIONS,
			    vmcs_readl(GUEST_PENDING_DBG_EXCEPTIONS) | DR_STEP);
	}
	queue_db(vcpu, payload);
	return 1;
}

static int handle_ac(struct kvmini_vcpu *vcpu)
{
	/* The alignment check the guest asked for: CPL 3, CR0.AM, RFLAGS.AC. */
	bool legacy = vmx_guest_cpl() == 3 && (vcpu_cr0() & X86_CR0_AM) &&
		      (vmcs_readl(GUEST_RFLAGS) & X86_EFLAGS_AC);

	if (legacy || !boot_cpu_has(X86_FEATURE_SPLIT_LOCK_DETECT)) {
		inject_exception(X86_TRAP_AC, true, 0);
		return 1;
	}
	/* The host's split-lock detection: the host's policy decides. */
	if (handle_guest_split_lock(vmcs_readl(GUEST_RIP)))
		return 1;
	return vmx_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION,
				  "split lock in the guest, refused by the host's split_lock_detect");
}

static int handle_nmi_or_exception(struct kvmini_vcpu *vcpu)
{
	unsigned int vector = vcpu->exit_intr_info & 0xff;

	/* NMIs and machine checks went to the host's handlers already (run.c). */
	if (((vcpu->exit_intr_info >> 8) & 7) == 2 || vector == X86_TRAP_MC)
		return 1;
	/*
	 * As KVM: an exception raised by the delivery of another event is not
	 * emulated.  The CVE-2015-5307 and CVE-2015-8104 loops (#AC or #DB
	 * raised by its own delivery) end here, out of the CPU's microcode.
	 */
	if (vmx_event_in_delivery(vcpu))
		return vmx_internal_error(vcpu, KVM_INTERNAL_ERROR_SIMUL_EX,
					  "exception while delivering another event");
	/* Bit 12: the faulting IRET had unblocked NMIs (SDM Vol. 3C 28.2.2). */
	vmx_nmi_iret_exit(vcpu, vcpu->exit_intr_info & BIT(12));
	if (vector == X86_TRAP_DB)
		return handle_db(vcpu);
	if (vector == X86_TRAP_AC)
		return handle_ac(vcpu);
	if (vector == X86_TRAP_UD)
		return vmx_handle_ud(vcpu);
	return vmx_internal_error(vcpu, KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON,
				  "exception exit without an intercepted exception");
}

/* No PMU is offered in CPUID: the host's counters are not the guest's to read. */
static int handle_rdpmc(struct kvmini_vcpu *vcpu)
{
	vmx_inject_gp(vcpu);
	return 1;
}

/* A machine check during VM entry was the host's already (run.c). */
static int handle_mce_during_entry(struct kvmini_vcpu *vcpu)
{
	return 1;
}

static int handle_external_interrupt(struct kvmini_vcpu *vcpu)
{
	/* The interrupt was taken when the run loop enabled interrupts. */
	vcpu->stats.irq_exits++;
	return 1;
}

static int handle_triple_fault(struct kvmini_vcpu *vcpu)
{
	vcpu->run->exit_reason = KVM_EXIT_SHUTDOWN;
	return 0;
}

/*
 * Without an in-kernel interrupt controller HLT is userspace's business,
 * as in KVM; with one, the vCPU halts in the kernel until its APIC has
 * an interrupt for it (halt.c).
 */
static int handle_hlt(struct kvmini_vcpu *vcpu)
{
	vcpu->stats.halt_exits++;
	vmx_skip_instruction(vcpu);
	/* A single step trapped after HLT ends the halt at once, as in KVM. */
	if (vcpu->apic) {
		if (!exception_queued())
			vcpu->mp_state = KVM_MP_STATE_HALTED;
		return 1;
	}
	vcpu->run->exit_reason = KVM_EXIT_HLT;
	return 0;
}

/*
 * INVD and WBINVD: guest RAM is write-back host memory with no device
 * doing DMA behind the caches, so there is nothing to write back or drop
 * (KVM does the same without non-coherent DMA).
 */
static int handle_invd(struct kvmini_vcpu *vcpu)
{
	vmx_skip_instruction(vcpu);
	return 1;
}

/*
 * MONITOR and MWAIT are not in kvmini's supported CPUID; as KVM (its
 * MWAIT_NEVER_UD_FAULTS quirk, on by default) they run as NOPs rather
 * than #UD, so a guest that tries them anyway goes on.  With the quirk
 * off they #UD unless the guest's CPUID has MWAIT (a VMM's table, or
 * IA32_MISC_ENABLE without the MISC_ENABLE_NO_MWAIT quirk).  Before the
 * exit the CPU raised only the CPL fault (#UD at CPL > 0) itself; the
 * other faults come after the exit in priority (SDM Vol. 3C 26.1.1), and
 * a NOP raises none of them.
 */
static int handle_monitor_mwait(struct kvmini_vcpu *vcpu)
{
	if (!vm_has_quirk(vcpu->vm, KVM_X86_QUIRK_MWAIT_NEVER_UD_FAULTS) &&
	    !vmx_guest_has_mwait(vcpu)) {
		vmx_inject_ud(vcpu);
		return 1;
	}
	vmx_skip_instruction(vcpu);
	return 1;
}

/*
 * PAUSE-loop exiting: the guest spins on a lock.  Back to the run loop,
 * which looks at signals and lets the scheduler run another task (the
 * lock holder, perhaps) before entering again.  KVM also grows the PLE
 * window and yields to a preempted vCPU of the VM; kvmini does neither.
 */
static int handle_pause(struct kvmini_vcpu *vcpu)
{
	vmx_skip_instruction(vcpu);
	return 1;
}

/*
 * The VMX-preemption timer (module parameter preemption_timer_us) ran
 * out: the guest ran a whole period without an exit.  The run loop
 * looks at signals; the next entry starts a new period.
 */
static int handle_preemption_timer(struct kvmini_vcpu *vcpu)
{
	return 1;
}

/* The guest does not see VMX in CPUID: VMX instructions raise #UD. */
static int handle_vmx_instruction(struct kvmini_vcpu *vcpu)
{
	vmx_inject_ud(vcpu);
	return 1;
}

static int handle_entry_failure(struct kvmini_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	vcpu->stats.entry_failures++;
	vmx_explain_invalid_state(vcpu);
	run->exit_reason = KVM_EXIT_FAIL_ENTRY;
	run->fail_entry.hardware_entry_failure_reason = vcpu->exit_reason;
	run->fail_entry.cpu = vcpu->cpu;
	return 0;
}

static const exit_handler_t exit_handlers[VMX_NR_EXIT_REASONS] = {
	[EXIT_REASON_EXCEPTION_NMI]		= handle_nmi_or_exception,
	[EXIT_REASON_EXTERNAL_INTERRUPT]	= handle_external_interrupt,
	[EXIT_REASON_TRIPLE_FAULT]		= handle_triple_fault,
	[EXIT_REASON_INTERRUPT_WINDOW]		= handle_interrupt_window,
	[EXIT_REASON_NMI_WINDOW]		= handle_nmi_window,
	[EXIT_REASON_CPUID]			= handle_cpuid,
	[EXIT_REASON_HLT]			= handle_hlt,
	[EXIT_REASON_INVD]			= handle_invd,
	[EXIT_REASON_WBINVD]			= handle_invd,
	[EXIT_REASON_RDPMC]			= handle_rdpmc,
	[EXIT_REASON_VMCALL]			= handle_vmcall,
	[EXIT_REASON_VMCLEAR]			= handle_vmx_instruction,
	[EXIT_REASON_VMLAUNCH]			= handle_vmx_instruction,
	[EXIT_REASON_VMPTRLD]			= handle_vmx_instruction,
	[EXIT_REASON_VMPTRST]			= handle_vmx_instruction,
	[EXIT_REASON_VMREAD]			= handle_vmx_instruction,
	[EXIT_REASON_VMRESUME]			= handle_vmx_instruction,
	[EXIT_REASON_VMWRITE]			= handle_vmx_instruction,
	[EXIT_REASON_VMXOFF]			= handle_vmx_instruction,
	[EXIT_REASON_VMXON]			= handle_vmx_instruction,
	[EXIT_REASON_INVEPT]			= handle_vmx_instruction,
	[EXIT_REASON_INVVPID]			= handle_vmx_instruction,
	[EXIT_REASON_VMFUNC]			= handle_vmx_instruction,
	[EXIT_REASON_GETSEC]			= handle_vmx_instruction,
	[EXIT_REASON_MWAIT]			= handle_monitor_mwait,
	[EXIT_REASON_MONITOR]			= handle_monitor_mwait,
	[EXIT_REASON_PAUSE]			= handle_pause,
	[EXIT_REASON_PREEMPTION_TIMER]		= handle_preemption_timer,
	[EXIT_REASON_CR_ACCESS]			= handle_cr_access,
	[EXIT_REASON_DR_ACCESS]			= handle_dr_access,
	[EXIT_REASON_IO_INSTRUCTION]		= handle_io,
	[EXIT_REASON_RDMSR]			= handle_rdmsr,
	[EXIT_REASON_WRMSR]			= handle_wrmsr,
	[EXIT_REASON_INVALID_GUEST_STATE]	= handle_entry_failure,
	[EXIT_REASON_MSR_LOADING]		= handle_entry_failure,
	[EXIT_REASON_MACHINE_CHECK]		= handle_mce_during_entry,
	[EXIT_REASON_EPT_VIOLATION]		= handle_ept_violation,
	[EXIT_REASON_EPT_MISCONFIG]		= handle_ept_misconfig,
	[EXIT_REASON_XSETBV]			= handle_xsetbv,
};

/* Exits a course reads about; the others are the everyday ones. */
static bool exit_is_unusual(u32 basic)
{
	switch (basic) {
	case EXIT_REASON_EXTERNAL_INTERRUPT:
	case EXIT_REASON_CPUID:
	case EXIT_REASON_IO_INSTRUCTION:
	case EXIT_REASON_EPT_VIOLATION:
	case EXIT_REASON_RDMSR:
	case EXIT_REASON_WRMSR:
	case EXIT_REASON_HLT:
	case EXIT_REASON_CR_ACCESS:
	case EXIT_REASON_XSETBV:
	case EXIT_REASON_PAUSE:
	case EXIT_REASON_PREEMPTION_TIMER:
	case EXIT_REASON_MWAIT:
	case EXIT_REASON_MONITOR:
		return false;
	default:
		return true;
	}
}

static void trace_exit_line(struct kvmini_vcpu *vcpu, unsigned long rip, int r)
{
	u32 basic = VMX_EXIT_REASON_BASIC(vcpu->exit_reason);
	int level = READ_ONCE(trace);

	if (!level || (level == 1 && r != 0 && !exit_is_unusual(basic)))
		return;
	if (!__ratelimit(&trace_rs))
		return;
	switch (basic) {
	case EXIT_REASON_IO_INSTRUCTION:
		pr_info("kvmini: vm%u vcpu%u %s rip %#lx port %#lx size %lu %s%s\n",
			vcpu->vm->id, vcpu->id, vmx_exit_name(basic), rip,
			vcpu->exit_qual >> 16, (vcpu->exit_qual & 7) + 1,
			vcpu->exit_qual & 8 ? "in" : "out", r ? "" : " -> user");
		break;
	case EXIT_REASON_EPT_VIOLATION:
	case EXIT_REASON_EPT_MISCONFIG:
		pr_info("kvmini: vm%u vcpu%u %s rip %#lx gpa %#llx qual %#lx%s\n",
			vcpu->vm->id, vcpu->id, vmx_exit_name(basic), rip,
			vmcs_read64(GUEST_PHYSICAL_ADDRESS), vcpu->exit_qual,
			r ? "" : " -> user");
		break;
	default:
		pr_info("kvmini: vm%u vcpu%u %s rip %#lx qual %#lx%s\n",
			vcpu->vm->id, vcpu->id, vmx_exit_name(vcpu->exit_reason), rip,
			vcpu->exit_qual, r ? "" : " -> user");
	}
}

int vmx_handle_exit(struct kvmini_vcpu *vcpu)
{
	u32 basic = VMX_EXIT_REASON_BASIC(vcpu->exit_reason);
	unsigned long rip = vmcs_readl(GUEST_RIP);
	exit_handler_t handler = NULL;
	int r;
	u64 start = rdtsc();

	trace_kvmini_exit(vcpu->vm->id, vcpu->id, vcpu->exit_reason, rip, vcpu->exit_qual);
	vcpu->stats.exits++;
	if (basic < VMX_NR_EXIT_REASONS) {
		vcpu->stats.exit_reasons[basic]++;
		handler = exit_handlers[basic];
	}
	if ((vcpu->exit_reason & VMX_EXIT_REASON_ENTRY_FAILED) &&
	    basic != EXIT_REASON_MACHINE_CHECK)
		handler = handle_entry_failure;
	if (handler)
		r = handler(vcpu);
	else
		r = vmx_internal_error(vcpu, KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON,
				       "exit kvmini does not handle");
	vcpu->stats.handler_cycles += rdtsc() - start;
	trace_exit_line(vcpu, rip, r);
	return r;
}

/* KVM_RUN again after an exit to userspace: finish what it asked for. */
int vmx_complete_userspace_exit(struct kvmini_vcpu *vcpu)
{
	enum vcpu_pending pending = vcpu->pending;

	vcpu->pending = PENDING_NONE;
	switch (pending) {
	case PENDING_PIO_IN:
	case PENDING_PIO_OUT:
		return vmx_complete_io(vcpu);
	case PENDING_MMIO:
		return vmx_complete_mmio(vcpu);
	case PENDING_MMIO_WRITE:
		return vmx_complete_mmio_write(vcpu);
	default:
		return 1;
	}
}
