/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which values the emulated MSRs take, as KVM 6.1 decides it for a guest's
 * WRMSR and for the VMM's KVM_SET_MSRS (@host).  Pure code, built into
 * the module (msr.c) and into the host-side unit tests
 * (tests/unit/test_msr_rules.c): no vCPU, only the values the rule needs,
 * as __u64, the type both sides have.
 */
#ifndef KVMINI_VMX_MSR_RULES_H
#define KVMINI_VMX_MSR_RULES_H

#include <linux/types.h>
#ifndef __KERNEL__
#include <stdbool.h>
#endif

/* IA32_MISC_ENABLE bits with rules of their own (SDM Vol. 4, table 2-2). */
#define MSR_RULE_MISC_ENABLE_EMON		0x80ULL
#define MSR_RULE_MISC_ENABLE_BTS_UNAVAIL	0x800ULL
#define MSR_RULE_MISC_ENABLE_PEBS_UNAVAIL	0x1000ULL
/* PLATFORM_INFO bit 31 and MISC_FEATURES_ENABLES bit 0: CPUID faulting. */
#define MSR_RULE_PLATFORM_INFO_CPUID_FAULT	0x80000000ULL
#define MSR_RULE_MISC_FEATURES_CPUID_FAULT	0x1ULL
#define MSR_RULE_FEAT_CTL_LOCKED		0x1ULL

bool msr_canonical(__u64 addr);
__u64 msr_canonicalize(__u64 addr);
bool msr_pat_valid(__u64 pat);
bool msr_mtrr_type_valid(__u64 type);
bool msr_mtrr_def_type_valid(__u64 val);
bool msr_mtrr_fixed_valid(__u64 val);
bool msr_mtrr_var_valid(bool base, __u64 val, __u64 reserved_gpa);
bool msr_mci_ctl_valid(__u64 val);
bool msr_mci_status_valid(__u64 val, bool host);
bool msr_feat_ctl_valid(__u64 old, __u64 val, bool host);
bool msr_misc_enable_write(__u64 old, __u64 *val, bool host);
bool msr_platform_info_valid(__u64 val, __u64 misc_features, bool host);
bool msr_misc_features_valid(__u64 val, __u64 platform_info);
bool msr_debugctl_write(__u64 *val);

#endif /* KVMINI_VMX_MSR_RULES_H */
