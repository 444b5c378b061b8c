// SPDX-License-Identifier: GPL-2.0
/*
 * The MSR lists of the system fd, as KVM 6.1 builds them for a host
 * like kvmini's: KVM_GET_MSR_INDEX_LIST, the MSRs a VMM saves and
 * restores with KVM_GET/SET_MSRS, and KVM_GET_MSR_FEATURE_INDEX_LIST,
 * the feature MSRs KVM_GET_MSRS answers on the system fd (what a VMM
 * checks a guest's CPU model against).  Also IA32_ARCH_CAPABILITIES as
 * every new vCPU reads it, which is also its feature value.
 */
#include <linux/errno.h>
#include <linux/kernel.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>
#include <asm/msr-index.h>
#include <asm/processor.h>

#include "msr.h"
#include "vmx.h"

/* IA32_ARCH_CAPABILITIES of a new vCPU, computed once at load. */
static u64 guest_arch_caps __ro_after_init;

/*
 * The ARCH_CAPABILITIES bits that only say "not affected" or describe
 * what an instruction the guest has does, passed from the host as KVM
 * passes them.  Left out: IBRS_ALL (it would make Linux write SPEC_CTRL,
 * which kvmini does not give guests), TSX_CTRL_MSR (not emulated) and
 * SKIP_VMENTRY_L1DFLUSH (for nested VMX, which guests do not have).
 */
#define ARCH_CAPS_PASSED (ARCH_CAP_RDCL_NO | ARCH_CAP_RSBA | ARCH_CAP_SSB_NO | \
			  ARCH_CAP_MDS_NO | ARCH_CAP_PSCHANGE_MC_NO | ARCH_CAP_TAA_NO | \
			  ARCH_CAP_SBDR_SSDP_NO | ARCH_CAP_FBSDP_NO | ARCH_CAP_PSDP_NO | \
			  ARCH_CAP_FB_CLEAR | ARCH_CAP_RRSBA | ARCH_CAP_PBRSB_NO | \
			  ARCH_CAP_GDS_NO | ARCH_CAP_RFDS_NO | ARCH_CAP_RFDS_CLEAR | \
			  ARCH_CAP_BHI_NO | ARCH_CAP_ITS_NO)

/* As KVM's kvm_get_arch_capabilities(), less what kvmini does not virtualize. */
static u64 arch_caps_for_guests(void)
{
	u64 data = 0;

	if (boot_cpu_has(X86_FEATURE_ARCH_CAPABILITIES))
		rdmsrl(MSR_IA32_ARCH_CAPABILITIES, data);
	data &= ARCH_CAPS_PASSED;
	/* The guest has no VMX: its own page-size changes need no care. */
	data |= ARCH_CAP_PSCHANGE_MC_NO;
	if (!boot_cpu_has_bug(X86_BUG_CPU_MELTDOWN))
		data |= ARCH_CAP_RDCL_NO;
	if (!boot_cpu_has_bug(X86_BUG_SPEC_STORE_BYPASS))
		data |= ARCH_CAP_SSB_NO;
	if (!boot_cpu_has_bug(X86_BUG_MDS))
		data |= ARCH_CAP_MDS_NO;
	if (!boot_cpu_has_bug(X86_BUG_RFDS))
		data |= ARCH_CAP_RFDS_NO;
	if (!boot_cpu_has_bug(X86_BUG_ITS))
		data |= ARCH_CAP_ITS_NO;
	/*
	 * As KVM: without RTM on the host there is no TAA to report; with
	 * it, the guest can run XBEGIN whatever its CPUID says, so it is
	 * told whether the host is affected.
	 */
	if (!boot_cpu_has(X86_FEATURE_RTM))
		data &= ~ARCH_CAP_TAA_NO;
	else if (!boot_cpu_has_bug(X86_BUG_TAA))
		data |= ARCH_CAP_TAA_NO;
	if (!boot_cpu_has_bug(X86_BUG_GDS) || gds_ucode_mitigated())
		data |= ARCH_CAP_GDS_NO;
	return data;
}

void vmx_msr_features_init(void)
{
	guest_arch_caps = arch_caps_for_guests();
}

u64 vmx_msr_arch_caps(void)
{
	return guest_arch_caps;
}

/*
 * KVM's msrs_to_save and emulated_msrs, in its order, less what kvmini
 * does not emulate.  Left out though emulated: TSC_DEADLINE (the local
 * APIC's), and what KVM does not list either (FS/GS base, EFER and
 * APIC_BASE travel in KVM_SET_SREGS; the MTRRs, machine-check banks and
 * MCG_CAP the VMM knows from elsewhere; DEBUGCTL; the constant ones).
 * The order is the one a restore writes them in: PLATFORM_INFO before
 * MISC_FEATURES_ENABLES, which needs its CPUID-faulting bit.
 */
static const u32 msrs_to_save[] = {
	MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
	MSR_STAR, MSR_CSTAR, MSR_KERNEL_GS_BASE, MSR_SYSCALL_MASK, MSR_LSTAR,
	MSR_IA32_TSC, MSR_IA32_CR_PAT, MSR_IA32_FEAT_CTL,
	MSR_IA32_TSC_ADJUST, MSR_IA32_ARCH_CAPABILITIES, MSR_IA32_PERF_CAPABILITIES,
	MSR_IA32_MISC_ENABLE, MSR_IA32_MCG_STATUS, MSR_SMI_COUNT, MSR_PLATFORM_INFO,
	MSR_MISC_FEATURES_ENABLES, MSR_IA32_POWER_CTL, MSR_IA32_UCODE_REV,
	MSR_TSC_AUX,	/* last: only with RDTSCP (vmx_msr_save_list()) */
};

/*
 * KVM's msr_based_features that a host without nested VMX keeps: the
 * VMX capability MSRs are left out with nested VMX off, AMD's DE_CFG
 * on Intel.
 */
static const u32 msr_features[] = {
	MSR_IA32_UCODE_REV, MSR_IA32_ARCH_CAPABILITIES, MSR_IA32_PERF_CAPABILITIES,
};

const u32 *vmx_msr_save_list(unsigned int *n)
{
	*n = ARRAY_SIZE(msrs_to_save) - !vmx_has_rdtscp(&kvmini_caps);
	return msrs_to_save;
}

const u32 *vmx_msr_feature_list(unsigned int *n)
{
	*n = ARRAY_SIZE(msr_features);
	return msr_features;
}

/**
 * vmx_get_msr_feature - one feature MSR, as KVM_GET_MSRS on the system fd
 * @msr: the index
 * @val: the value
 *
 * As KVM 6.1's kvm_get_msr_feature(): the host's microcode revision (a
 * VMM copies it into its vCPUs), the vCPUs' ARCH_CAPABILITIES, and
 * PERF_CAPABILITIES 0, as KVM says it without a PMU for guests.
 *
 * Return: 0, or -ENOENT for any other MSR.
 */
int vmx_get_msr_feature(u32 msr, u64 *val)
{
	switch (msr) {
	case MSR_IA32_UCODE_REV:
		/* A failed read leaves 0, as KVM's rdmsrl_safe() does. */
		*val = 0;
		rdmsrl_safe(MSR_IA32_UCODE_REV, val);
		return 0;
	case MSR_IA32_ARCH_CAPABILITIES:
		*val = guest_arch_caps;
		return 0;
	case MSR_IA32_PERF_CAPABILITIES:
		*val = 0;
		return 0;
	}
	return -ENOENT;
}
