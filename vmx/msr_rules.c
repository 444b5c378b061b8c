// SPDX-License-Identifier: GPL-2.0
/*
 * The value rules of the emulated MSRs, for the guest's WRMSR and the
 * VMM's KVM_SET_MSRS alike: KVM 6.1's, where the two differ said so at
 * each rule.  A value refused here never reaches the VMCS, so neither a
 * guest nor the VMM can make the next VM entry fail.  Pure code: see
 * msr_rules.h.
 */
#include "msr_rules.h"

/* The guest has no LA57 (kvmini refuses CR4.LA57): addresses are 48 bits. */
#define VIRT_ADDR_BITS	48

#define DEBUGCTL_LBR	0x1ULL
#define DEBUGCTL_BTF	0x2ULL

/* Bits 63:47 all equal, as a guest's MOV or VM entry require of a base. */
bool msr_canonical(__u64 addr)
{
	return msr_canonicalize(addr) == addr;
}

/*
 * What KVM writes for SYSENTER_ESP and SYSENTER_EIP, which AMD CPUs let
 * a guest set to anything: bit 47 copied up, so that VM entry, which
 * wants a canonical address, cannot fail on it.
 */
__u64 msr_canonicalize(__u64 addr)
{
	return (__u64)((__s64)(addr << (64 - VIRT_ADDR_BITS)) >> (64 - VIRT_ADDR_BITS));
}

/* Memory types 0 (UC), 1 (WC), 4 (WT), 5 (WP), 6 (WB): the MTRRs' set. */
bool msr_mtrr_type_valid(__u64 type)
{
	return type < 8 && ((1U << type) & 0x73);
}

/* IA32_PAT: eight entries, each one of the MTRR types or 7 (UC-), upper bits 0. */
bool msr_pat_valid(__u64 pat)
{
	int i;

	for (i = 0; i < 64; i += 8) {
		__u64 type = (pat >> i) & 0xff;

		if (type != 7 && !msr_mtrr_type_valid(type))
			return false;
	}
	return true;
}

/* MTRRdefType: the default type, FE (bit 10) and E (bit 11), nothing else. */
bool msr_mtrr_def_type_valid(__u64 val)
{
	return !(val & ~0xcffULL) && msr_mtrr_type_valid(val & 0xff);
}

/* A fixed-range MTRR: eight types, one a byte. */
bool msr_mtrr_fixed_valid(__u64 val)
{
	int i;

	for (i = 0; i < 64; i += 8)
		if (!msr_mtrr_type_valid((val >> i) & 0xff))
			return false;
	return true;
}

/*
 * A variable-range MTRR: PHYSBASE (@base) holds a type in bits 7:0 and
 * bits 11:8 are reserved, PHYSMASK has bits 10:0 reserved (11 is V);
 * both, the address bits beyond the vCPU's MAXPHYADDR (@reserved_gpa).
 */
bool msr_mtrr_var_valid(bool base, __u64 val, __u64 reserved_gpa)
{
	if (base)
		return msr_mtrr_type_valid(val & 0xff) && !(val & (reserved_gpa | 0xf00));
	return !(val & (reserved_gpa | 0x7ff));
}

/*
 * MCi_CTL: 0 or all ones, but bits 10 and 0 may be clear (old Linux
 * clears bit 10 of bank 4 on K8, UnixWare bit 0 of bank 1), as KVM.
 */
bool msr_mci_ctl_valid(__u64 val)
{
	return !val || (val | (1ULL << 10) | 1) == ~0ULL;
}

/*
 * MCi_STATUS: an Intel guest may only clear it; the VMM may restore any
 * value (KVM lets it, to migrate a pending machine check).
 */
bool msr_mci_status_valid(__u64 val, bool host)
{
	return host || !val;
}

/*
 * IA32_FEATURE_CONTROL: only the lock bit is valid (no VMX, SGX or LMCE
 * for the guest); once locked the guest cannot write it, the VMM can
 * (to restore or reset a vCPU).
 */
bool msr_feat_ctl_valid(__u64 old, __u64 val, bool host)
{
	if (val & ~MSR_RULE_FEAT_CTL_LOCKED)
		return false;
	return host || !(old & MSR_RULE_FEAT_CTL_LOCKED);
}

/*
 * IA32_MISC_ENABLE: for the guest, BTS and PEBS unavailable are
 * read-only (a change is refused) and EMON is kept whatever it writes;
 * the VMM sets any value.  Return: whether to take it, as *@val.
 */
bool msr_misc_enable_write(__u64 old, __u64 *val, bool host)
{
	const __u64 ro = MSR_RULE_MISC_ENABLE_BTS_UNAVAIL | MSR_RULE_MISC_ENABLE_PEBS_UNAVAIL;

	if (host)
		return true;
	if ((old ^ *val) & ro)
		return false;
	*val = (*val & ~MSR_RULE_MISC_ENABLE_EMON) | (old & MSR_RULE_MISC_ENABLE_EMON);
	return true;
}

/*
 * PLATFORM_INFO is read-only to the guest.  The VMM sets any value, but
 * may not take CPUID faulting away while the guest has it on.
 */
bool msr_platform_info_valid(__u64 val, __u64 misc_features, bool host)
{
	if (!host)
		return false;
	return (val & MSR_RULE_PLATFORM_INFO_CPUID_FAULT) ||
	       !(misc_features & MSR_RULE_MISC_FEATURES_CPUID_FAULT);
}

/* MISC_FEATURES_ENABLES: CPUID faulting only, and only where PLATFORM_INFO offers it. */
bool msr_misc_features_valid(__u64 val, __u64 platform_info)
{
	if (val & ~MSR_RULE_MISC_FEATURES_CPUID_FAULT)
		return false;
	return !val || (platform_info & MSR_RULE_PLATFORM_INFO_CPUID_FAULT);
}

/*
 * IA32_DEBUGCTL: branch tracing is not virtualized.  As KVM without
 * LBRs, BTF and LBR are dropped, any other bit is refused, from the
 * guest and the VMM alike (KVM lets the VMM set bus-lock detection and
 * RTM debugging on hosts that have them; kvmini never gives them to a
 * guest).  Return: whether to take it, as *@val.
 */
bool msr_debugctl_write(__u64 *val)
{
	*val &= ~(DEBUGCTL_BTF | DEBUGCTL_LBR);
	return !*val;
}
