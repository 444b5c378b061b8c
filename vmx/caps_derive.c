// SPDX-License-Identifier: GPL-2.0
/*
 * From raw VMX capability MSRs to the control values of every VMCS.
 * Pure code: built into the module and into the host-side unit tests.
 */
#include "caps.h"

/*
 * What kvmini cannot run a guest without.  External interrupts and NMIs
 * must exit so the host keeps its CPU; HLT, I/O and MSR accesses are
 * what the guest uses to talk to the VMM; EPT gives guests their memory
 * and unrestricted guest lets them start in real mode like a PC does.
 * MWAIT/MONITOR exit so a guest cannot park a host CPU; MOV DR exits so
 * the guest's debug registers never reach the hardware (vmx/cr.c).
 * Without a TPR shadow a guest's MOV to CR8 would write the host's APIC
 * TPR, so CR8 accesses exit; RDPMC would read the host's counters and
 * WBINVD would stall every CPU's caches for the guest, so both exit too.
 * TSC offsetting is how a guest's writes to IA32_TSC and IA32_TSC_ADJUST
 * move its own TSC, as on KVM (vmx/msr.c).
 */
#define PIN_MIN		(PIN_EXTERNAL_INTERRUPT_EXITING | PIN_NMI_EXITING)
#define PIN_OPT		(PIN_VIRTUAL_NMIS)
#define PROC_MIN	(PROC_HLT_EXITING | PROC_UNCONDITIONAL_IO_EXITING | \
			 PROC_USE_MSR_BITMAPS | PROC_MWAIT_EXITING | \
			 PROC_MONITOR_EXITING | PROC_MOV_DR_EXITING | \
			 PROC_CR8_LOAD_EXITING | PROC_CR8_STORE_EXITING | \
			 PROC_RDPMC_EXITING | PROC_ACTIVATE_SECONDARY | \
			 PROC_USE_TSC_OFFSETTING)
#define PROC2_MIN	(PROC2_ENABLE_EPT | PROC2_UNRESTRICTED_GUEST | PROC2_WBINVD_EXITING)
/*
 * VPID waits for its flushes on migration.  RDTSCP (and RDPID with it)
 * with TSC_AUX switched (vcpu.c).  PAUSE-loop exiting, as KVM
 * has it on: a vCPU spinning on a lock (with interrupts off too) exits
 * now and then, and the run loop looks at signals and rescheduling.
 */
#define PROC2_OPT	(PROC2_ENABLE_INVPCID | PROC2_ENABLE_RDTSCP | PROC2_PAUSE_LOOP_EXITING)
/*
 * EFER, PAT, DR7 and DEBUGCTL switch with every entry and exit, so the
 * host never sees the guest's and the guest never runs under the host's.
 */
#define EXIT_MIN	(EXIT_HOST_ADDR_SPACE_SIZE | EXIT_SAVE_IA32_EFER | \
			 EXIT_LOAD_IA32_EFER | EXIT_SAVE_IA32_PAT | \
			 EXIT_LOAD_IA32_PAT | EXIT_SAVE_DEBUG_CONTROLS)
#define ENTRY_MIN	(ENTRY_LOAD_IA32_EFER | ENTRY_LOAD_IA32_PAT | ENTRY_LOAD_DEBUG_CONTROLS)

u32 vmx_adjust_ctl(u32 min, u32 opt, u64 cap, u32 *out)
{
	u32 must_be_one = (u32)cap;
	u32 may_be_one = (u32)(cap >> 32);
	u32 ctl = ((min | opt) & may_be_one) | must_be_one;

	*out = ctl;
	return min & ~ctl;
}

static bool allowed1(u64 cap, u32 bit)
{
	return (cap >> 32) & bit;
}

static int check_basic(u64 basic, const char **why)
{
	u64 size = (basic >> BASIC_SIZE_SHIFT) & BASIC_SIZE_MASK;
	u64 memtype = (basic >> BASIC_MEMTYPE_SHIFT) & BASIC_MEMTYPE_MASK;

	if (!basic) {
		*why = "IA32_VMX_BASIC reads 0";
		return -EOPNOTSUPP;
	}
	/* SDM Vol. 3D A.1: the VMCS region is at most 4 KiB. */
	if (!size || size > 4096) {
		*why = "VMCS region size is not within 1..4096 bytes";
		return -EOPNOTSUPP;
	}
	if (basic & BASIC_32BIT_ADDRESSES) {
		*why = "VMX structures limited to 32-bit physical addresses";
		return -EOPNOTSUPP;
	}
	if (memtype != MEMTYPE_WB) {
		*why = "VMCS memory type is not write-back";
		return -EOPNOTSUPP;
	}
	/* String I/O needs the address size and segment of INS/OUTS (vmx/io.c). */
	if (!(basic & BASIC_INOUT_INFO)) {
		*why = "no VM-exit instruction information for INS and OUTS (IA32_VMX_BASIC[54])";
		return -EOPNOTSUPP;
	}
	return 0;
}

static int check_ept(u64 ept_vpid, const char **why)
{
	if (!(ept_vpid & EPTCAP_WALK_4)) {
		*why = "EPT has no 4-level page walk";
		return -EOPNOTSUPP;
	}
	if (!(ept_vpid & EPTCAP_MEMTYPE_WB)) {
		*why = "EPT has no write-back memory type";
		return -EOPNOTSUPP;
	}
	/*
	 * As KVM: all-context INVEPT drops what another hypervisor (or an
	 * earlier VMX session of ours) left in a CPU's TLB at each VMXON.
	 */
	if (!(ept_vpid & EPTCAP_INVEPT) || !(ept_vpid & EPTCAP_INVEPT_ALL_CONTEXT)) {
		*why = "all-context INVEPT is missing";
		return -EOPNOTSUPP;
	}
	return 0;
}

/*
 * CPU signatures (CPUID.1:EAX, stepping included, reserved bits 15:14
 * and 31:28 clear) whose VMX-preemption timer errata say it counts at
 * the wrong rate: Nehalem/Westmere parts (specification updates AAJ124,
 * AAK139, AAM126, AAN92, AAO95, AAP86, AAU65, AAX65, AAT59, BA86) and
 * one Ivy Bridge Xeon E3.  KVM 6.1 leaves the timer off on the same nine.
 */
static const u32 preemption_timer_errata[] = {
	0x000206e6, 0x00020652, 0x00020655, 0x000106e5, 0x000106a0,
	0x000106a1, 0x000106a4, 0x000106a5, 0x000306a8,
};

static bool preemption_timer_broken(u32 cpuid_1_eax)
{
	u32 sig = cpuid_1_eax & ~(0x3U << 14 | 0xfU << 28);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(preemption_timer_errata); i++)
		if (sig == preemption_timer_errata[i])
			return true;
	return false;
}

int vmx_caps_derive(const struct vmx_msrs *msrs, struct vmx_caps *caps,
		    const char **why)
{
	u32 missing;
	int err;

	*caps = (struct vmx_caps){ 0 };
	err = check_basic(msrs->basic, why);
	if (err)
		return err;

	caps->revision_id = msrs->basic & BASIC_REVISION_MASK;
	caps->vmcs_size = (msrs->basic >> BASIC_SIZE_SHIFT) & BASIC_SIZE_MASK;
	caps->true_ctls = msrs->basic & BASIC_TRUE_CTLS;

	if (vmx_adjust_ctl(PIN_MIN, PIN_OPT, msrs->pin_ctls, &caps->pin_ctls)) {
		*why = "pin-based controls lack external-interrupt or NMI exiting";
		return -EOPNOTSUPP;
	}
	missing = vmx_adjust_ctl(PROC_MIN, 0, msrs->proc_ctls, &caps->proc_ctls);
	if (missing & PROC_USE_TSC_OFFSETTING) {
		*why = "processor-based controls lack TSC offsetting";
		return -EOPNOTSUPP;
	}
	if (missing) {
		*why = "processor-based controls lack HLT, I/O, MSR-bitmap, MWAIT/MONITOR, MOV-DR, CR8, RDPMC exiting or secondary controls";
		return -EOPNOTSUPP;
	}
	if (vmx_adjust_ctl(PROC2_MIN, PROC2_OPT, msrs->proc2_ctls,
			   &caps->proc2_ctls)) {
		*why = "secondary controls lack EPT, unrestricted guest or WBINVD exiting";
		return -EOPNOTSUPP;
	}
	if (vmx_adjust_ctl(EXIT_MIN, 0, msrs->exit_ctls, &caps->exit_ctls)) {
		*why = "VM-exit controls cannot switch to a 64-bit host with its own EFER, PAT and debug controls";
		return -EOPNOTSUPP;
	}
	if (vmx_adjust_ctl(ENTRY_MIN, 0, msrs->entry_ctls, &caps->entry_ctls)) {
		*why = "VM-entry controls cannot load the guest's EFER, PAT and debug controls";
		return -EOPNOTSUPP;
	}
	if (!allowed1(msrs->entry_ctls, ENTRY_IA32E_MODE_GUEST)) {
		*why = "VM entry cannot enter a 64-bit (IA-32e mode) guest";
		return -EOPNOTSUPP;
	}

	err = check_ept(msrs->ept_vpid, why);
	if (err)
		return err;
	caps->ept_vpid = msrs->ept_vpid;

	/* VPID without a way to flush its TLB entries is no use. */
	if (!(msrs->ept_vpid & EPTCAP_INVVPID) ||
	    !(msrs->ept_vpid & (EPTCAP_INVVPID_SINGLE_CONTEXT | EPTCAP_INVVPID_ALL_CONTEXT)))
		caps->proc2_ctls &= ~PROC2_ENABLE_VPID;

	caps->can_intr_window = allowed1(msrs->proc_ctls, PROC_INTERRUPT_WINDOW_EXITING);
	caps->can_nmi_window = (caps->pin_ctls & PIN_VIRTUAL_NMIS) &&
			       allowed1(msrs->proc_ctls, PROC_NMI_WINDOW_EXITING);
	/*
	 * The preemption timer is not in the base controls: a vCPU turns it
	 * on when the module parameter asks (vmx/run.c).  Not on the CPUs
	 * whose timer errata say it may not count down (as KVM).
	 */
	caps->can_preemption_timer = allowed1(msrs->pin_ctls, PIN_PREEMPTION_TIMER) &&
				     !preemption_timer_broken(msrs->cpuid_1_eax);
	caps->preemption_timer_rate = msrs->misc & MISC_PREEMPTION_TIMER_RATE;
	caps->misc = msrs->misc;
	caps->can_cr3_load_exiting = allowed1(msrs->proc_ctls, PROC_CR3_LOAD_EXITING) &&
				     !(caps->proc_ctls & PROC_CR3_LOAD_EXITING);
	caps->cr3_targets = MISC_CR3_TARGETS(msrs->misc) < 4 ? MISC_CR3_TARGETS(msrs->misc) : 4;
	caps->cr0_fixed0 = msrs->cr0_fixed0;
	caps->cr0_fixed1 = msrs->cr0_fixed1;
	caps->cr4_fixed0 = msrs->cr4_fixed0;
	caps->cr4_fixed1 = msrs->cr4_fixed1;
	return 0;
}
