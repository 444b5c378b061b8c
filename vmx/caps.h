/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the CPU's VMX capability MSRs allow, and the control values kvmini
 * derives from them.  vmx_caps_derive() is pure: the kernel feeds it the
 * MSRs it read once at load, the host-side unit tests feed it made-up ones.
 */
#ifndef KVMINI_VMX_CAPS_H
#define KVMINI_VMX_CAPS_H

#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/types.h>
#else
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
typedef uint32_t u32;
typedef uint64_t u64;
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

#include "controls.h"

/*
 * The raw capability MSRs.  The *_ctls fields hold the TRUE_* MSR where
 * IA32_VMX_BASIC[55] says the CPU has them (SDM Vol. 3D, A.2), so the
 * derivation never needs to know which one was read.
 */
struct vmx_msrs {
	u64 basic;
	u64 pin_ctls;
	u64 proc_ctls;
	u64 proc2_ctls;		/* 0 when the CPU has no secondary controls */
	u64 exit_ctls;
	u64 entry_ctls;
	u64 misc;
	u64 ept_vpid;		/* 0 when the CPU has neither EPT nor VPID */
	u64 cr0_fixed0;
	u64 cr0_fixed1;
	u64 cr4_fixed0;
	u64 cr4_fixed1;
	u32 cpuid_1_eax;	/* the CPU's signature (CPUID.1:EAX), for its VMX errata */
};

/* Everything the rest of kvmini needs to know about the CPU's VMX. */
struct vmx_caps {
	u32 revision_id;
	u32 vmcs_size;
	bool true_ctls;

	/* The control values every VMCS starts from. */
	u32 pin_ctls;
	u32 proc_ctls;
	u32 proc2_ctls;
	u32 exit_ctls;
	u32 entry_ctls;

	/* Controls set and cleared at run time: each must be allowed-1. */
	bool can_intr_window;
	bool can_nmi_window;
	bool can_preemption_timer;
	/* The preemption timer ticks once every 2^rate TSC ticks. */
	u32 preemption_timer_rate;
	/* CR3-load exiting for --trace-cr3, and the CR3-target values (at most 4). */
	bool can_cr3_load_exiting;
	u32 cr3_targets;

	u64 ept_vpid;
	u64 misc;
	u64 cr0_fixed0;
	u64 cr0_fixed1;
	u64 cr4_fixed0;
	u64 cr4_fixed1;
};

/*
 * vmx_adjust_ctl - apply the allowed-0/allowed-1 rule of SDM Vol. 3D A.3
 * @min: controls kvmini cannot work without
 * @opt: controls it uses when the CPU offers them
 * @cap: the capability MSR: bits 31:0 must be 1, bits 63:32 may be 1
 * @out: the resulting control value
 *
 * Return: the bits of @min the CPU does not allow, so 0 on success.
 */
u32 vmx_adjust_ctl(u32 min, u32 opt, u64 cap, u32 *out);

/*
 * vmx_cr_fixed_ok - does @val satisfy the CR0/CR4 fixed bits of VMX operation?
 * Bits set in @fixed0 must be 1, bits clear in @fixed1 must be 0
 * (SDM Vol. 3D A.7, A.8).
 */
static inline bool vmx_cr_fixed_ok(u64 val, u64 fixed0, u64 fixed1)
{
	return (val & fixed0) == fixed0 && (val & ~fixed1) == 0;
}

/*
 * vmx_caps_derive - check that the CPU offers what kvmini needs, and fill @caps
 * @why: on failure, a sentence naming the missing capability
 *
 * Return: 0, or -EOPNOTSUPP with @why set.
 */
int vmx_caps_derive(const struct vmx_msrs *msrs, struct vmx_caps *caps,
		    const char **why);

static inline bool vmx_has_ept_2m(const struct vmx_caps *caps)
{
	return caps->ept_vpid & EPTCAP_2MB_PAGE;
}

static inline bool vmx_has_ept_ad(const struct vmx_caps *caps)
{
	return caps->ept_vpid & EPTCAP_AD_FLAGS;
}

static inline bool vmx_has_invept_single(const struct vmx_caps *caps)
{
	return caps->ept_vpid & EPTCAP_INVEPT_SINGLE_CONTEXT;
}

static inline bool vmx_has_vpid(const struct vmx_caps *caps)
{
	return caps->proc2_ctls & PROC2_ENABLE_VPID;
}

/* The guest runs RDTSCP and RDPID, and its TSC_AUX is switched with the host's. */
static inline bool vmx_has_rdtscp(const struct vmx_caps *caps)
{
	return caps->proc2_ctls & PROC2_ENABLE_RDTSCP;
}

static inline bool vmx_has_ple(const struct vmx_caps *caps)
{
	return caps->proc2_ctls & PROC2_PAUSE_LOOP_EXITING;
}

static inline bool vmx_has_unrestricted_guest(const struct vmx_caps *caps)
{
	return caps->proc2_ctls & PROC2_UNRESTRICTED_GUEST;
}

#endif /* KVMINI_VMX_CAPS_H */
