// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of vmx/msr_rules.c: the values the emulated MSRs take from
 * the guest's WRMSR and from KVM_SET_MSRS (issue 12).  Guards: bases
 * are canonical at 48 bits and SYSENTER addresses made so; PAT and MTRR
 * memory types (2 and 3 never, 7 only in PAT), their reserved bits and
 * the address bits beyond MAXPHYADDR; MCi_CTL all or nothing but bits 10
 * and 0, MCi_STATUS written non-zero by the VMM only; what the VMM may
 * do that the guest may not (FEATURE_CONTROL once locked, MISC_ENABLE's
 * read-only bits, PLATFORM_INFO) and the one thing it may not either
 * (take CPUID faulting away while it is on); DEBUGCTL's dropped bits.
 *
 * The expected values are KVM 6.1's answers, worked out from the SDM,
 * not from the code under test.  The Makefile links vmx/msr_rules.c
 * into this program.
 */
#include "../../vmx/msr_rules.h"
#include "unit.h"

static void test_canonical(void)
{
	CHECK(msr_canonical(0), "0 is canonical");
	CHECK(msr_canonical(0x00007fffffffffffULL), "top of the lower half is canonical");
	CHECK(msr_canonical(0xffff800000000000ULL), "bottom of the upper half is canonical");
	CHECK(!msr_canonical(0x0000800000000000ULL), "bit 47 without 63:48 is not");
	CHECK(!msr_canonical(0x8000000000000000ULL), "bit 63 alone is not");
	CHECK(!msr_canonical(0x00ff000000001000ULL), "a 57-bit address is not: no LA57");
	CHECK(msr_canonicalize(0x0000900000000000ULL) == 0xffff900000000000ULL,
	      "SYSENTER: bit 47 copied up");
	CHECK(msr_canonicalize(0x1234000000001000ULL) == 0x1000ULL,
	      "SYSENTER: junk above bit 47 cleared when 47 is clear");
	CHECK(msr_canonicalize(0xffffffff81000000ULL) == 0xffffffff81000000ULL,
	      "SYSENTER: a canonical address stays");
}

static void test_pat(void)
{
	CHECK(msr_pat_valid(0x0007040600070406ULL), "PAT at reset");
	CHECK(msr_pat_valid(0x0007010600070106ULL), "PAT with WC");
	CHECK(msr_pat_valid(0x0505050505050505ULL), "PAT all WP");
	CHECK(!msr_pat_valid(0x0007040600070402ULL), "PAT type 2 refused");
	CHECK(!msr_pat_valid(0x0300000000000000ULL), "PAT type 3 refused in the top entry");
	CHECK(!msr_pat_valid(0x0000000000000010ULL), "PAT bits 7:3 of an entry reserved");
	CHECK(!msr_pat_valid(0x8000000000000000ULL), "PAT bit 63 reserved");
}

static void test_mtrr(void)
{
	CHECK(msr_mtrr_type_valid(0) && msr_mtrr_type_valid(1) && msr_mtrr_type_valid(4) &&
	      msr_mtrr_type_valid(5) && msr_mtrr_type_valid(6), "MTRR types 0 1 4 5 6");
	CHECK(!msr_mtrr_type_valid(2) && !msr_mtrr_type_valid(3) && !msr_mtrr_type_valid(7) &&
	      !msr_mtrr_type_valid(8) && !msr_mtrr_type_valid(0x106), "MTRR types 2 3 7 8+ refused");
	CHECK(msr_mtrr_def_type_valid(0xc06), "MTRRdefType E, FE, WB");
	CHECK(!msr_mtrr_def_type_valid(0x1006), "MTRRdefType bit 12 reserved");
	CHECK(!msr_mtrr_def_type_valid(0x302), "MTRRdefType bits 9:8 reserved, type 2");
	CHECK(!msr_mtrr_def_type_valid(0x307), "MTRRdefType type 7 refused");
	CHECK(msr_mtrr_fixed_valid(0x0606060606060606ULL), "fixed MTRR all WB");
	CHECK(msr_mtrr_fixed_valid(0), "fixed MTRR all UC");
	CHECK(!msr_mtrr_fixed_valid(0x0206060606060606ULL), "fixed MTRR type 2 in the top byte");
	CHECK(msr_mtrr_var_valid(true, 0x80000006ULL, ~0ULL << 36), "PHYSBASE WB below 36 bits");
	CHECK(!msr_mtrr_var_valid(true, 0x80000106ULL, ~0ULL << 36), "PHYSBASE bit 8 reserved");
	CHECK(!msr_mtrr_var_valid(true, 0x1000000006ULL, ~0ULL << 36),
	      "PHYSBASE beyond MAXPHYADDR 36");
	CHECK(msr_mtrr_var_valid(true, 0x1000000006ULL, ~0ULL << 40), "the same under MAXPHYADDR 40");
	CHECK(!msr_mtrr_var_valid(true, 0x80000003ULL, ~0ULL << 36), "PHYSBASE type 3 refused");
	CHECK(msr_mtrr_var_valid(false, 0xf80000800ULL, ~0ULL << 36), "PHYSMASK with V");
	CHECK(!msr_mtrr_var_valid(false, 0xf80000801ULL, ~0ULL << 36), "PHYSMASK bit 0 reserved");
	CHECK(msr_mtrr_var_valid(false, 0, ~0ULL << 36), "PHYSMASK 0");
}

static void test_mce(void)
{
	CHECK(msr_mci_ctl_valid(0), "MCi_CTL 0");
	CHECK(msr_mci_ctl_valid(~0ULL), "MCi_CTL all ones");
	CHECK(msr_mci_ctl_valid(~0ULL & ~(1ULL << 10)), "MCi_CTL without bit 10 (K8 GART quirk)");
	CHECK(msr_mci_ctl_valid(~0ULL & ~1ULL), "MCi_CTL without bit 0 (UnixWare)");
	CHECK(!msr_mci_ctl_valid(0x5), "MCi_CTL some bits refused");
	CHECK(!msr_mci_ctl_valid(~0ULL & ~2ULL), "MCi_CTL without bit 1 refused");
	CHECK(msr_mci_status_valid(0, false), "guest clears MCi_STATUS");
	CHECK(!msr_mci_status_valid(0xb200000000000005ULL, false), "guest cannot set MCi_STATUS");
	CHECK(msr_mci_status_valid(0xb200000000000005ULL, true), "VMM restores MCi_STATUS");
}

static void test_feat_ctl(void)
{
	CHECK(msr_feat_ctl_valid(0, 1, false), "guest locks FEATURE_CONTROL");
	CHECK(!msr_feat_ctl_valid(1, 1, false), "guest cannot write it locked");
	CHECK(!msr_feat_ctl_valid(0, 4, false), "VMX outside SMX: no VMX for the guest");
	CHECK(msr_feat_ctl_valid(1, 0, true), "VMM unlocks it");
	CHECK(!msr_feat_ctl_valid(0, 5, true), "VMM cannot enable VMX either");
	CHECK(!msr_feat_ctl_valid(0, 1ULL << 20, true), "LMCE refused: not offered");
}

static void test_misc_enable(void)
{
	__u64 v;

	v = 0x1801;
	CHECK(msr_misc_enable_write(0x1801, &v, false) && v == 0x1801, "guest rewrites the same");
	v = 0x0801;
	CHECK(!msr_misc_enable_write(0x1801, &v, false), "guest cannot clear PEBS unavailable");
	v = 0x1801 | 0x80;
	CHECK(msr_misc_enable_write(0x1801, &v, false) && v == 0x1801,
	      "guest EMON write dropped, not refused");
	v = 0x1800;
	CHECK(msr_misc_enable_write(0x1801, &v, false) && v == 0x1800, "guest clears fast strings");
	v = 0x81;
	CHECK(msr_misc_enable_write(0x1801, &v, true) && v == 0x81,
	      "VMM sets any value, read-only bits and EMON too");
}

static void test_cpuid_faulting(void)
{
	CHECK(!msr_platform_info_valid(0x80000000ULL, 0, false), "guest cannot write PLATFORM_INFO");
	CHECK(msr_platform_info_valid(0, 0, true), "VMM takes CPUID faulting away while off");
	CHECK(msr_platform_info_valid(0x80000000ULL | 0xff00, 1, true),
	      "VMM sets other PLATFORM_INFO bits");
	CHECK(!msr_platform_info_valid(0, 1, true), "VMM cannot take it away while on");
	CHECK(msr_misc_features_valid(1, 0x80000000ULL), "CPUID faulting on where offered");
	CHECK(!msr_misc_features_valid(1, 0), "CPUID faulting refused where not offered");
	CHECK(msr_misc_features_valid(0, 0), "off is always fine");
	CHECK(!msr_misc_features_valid(2, 0x80000000ULL), "ring-3 MWAIT bit refused");
}

static void test_debugctl(void)
{
	__u64 v;

	v = 3;
	CHECK(msr_debugctl_write(&v) && v == 0, "LBR and BTF dropped");
	v = 1ULL << 6;
	CHECK(!msr_debugctl_write(&v), "TR refused");
	v = 1ULL << 2;
	CHECK(!msr_debugctl_write(&v), "bus-lock detection refused: not offered");
}

int main(void)
{
	test_canonical();
	test_pat();
	test_mtrr();
	test_mce();
	test_feat_ctl();
	test_misc_enable();
	test_cpuid_faulting();
	test_debugctl();
	return unit_done("test_msr_rules");
}
