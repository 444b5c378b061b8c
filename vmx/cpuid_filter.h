/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a guest may see of the host's CPUID: an allow-list, as KVM builds
 * its supported CPUID.  cpuid_filter.c is pure code, compiled into the
 * module (by cpuid.c) and into the host-side unit tests, which feed it
 * made-up host leaves.
 */
#ifndef KVMINI_VMX_CPUID_FILTER_H
#define KVMINI_VMX_CPUID_FILTER_H

#ifdef __KERNEL__
#include <linux/kvm.h>
#include <linux/types.h>
#else
#include <stdbool.h>
#include <stdint.h>
#include <linux/kvm.h>
typedef uint32_t u32;
typedef uint64_t u64;
#endif

/* The highest leaves offered: the TSC frequency leaves, and the address sizes. */
#define CPUID_GUEST_BASIC_MAX	0x16
#define CPUID_GUEST_EXT_MAX	0x80000008

/* What the filter needs to know of the host beyond the leaf itself. */
struct cpuid_host {
	u32 basic_max;		/* the host's CPUID.0:EAX */
	u32 ext_max;		/* the host's CPUID.0x80000000:EAX */
	bool xsave;		/* the host turned XSAVE on (CR4.OSXSAVE) */
	bool invpcid;		/* VMX can let the guest run INVPCID */
	u64 xcr0;		/* the XCR0 bits a guest may set */
	u32 xsave_size;		/* the XSAVE area for all of @xcr0 */
	u32 tsc_khz;		/* the host's TSC frequency: the guest's too */
};

/**
 * cpuid_filter_entry - keep of @e only what kvmini virtualizes
 * @e: a leaf as the host's CPUID gave it (zeros for a leaf the host lacks),
 *     function and index set
 * @h: the host
 *
 * A leaf or bit not on the list reads as 0.  OSXSAVE and the XSAVE size
 * of leaf 0xD.0 EBX follow the guest's state; the CPUID exit sets them.
 */
void cpuid_filter_entry(struct kvm_cpuid_entry2 *e, const struct cpuid_host *h);

#endif /* KVMINI_VMX_CPUID_FILTER_H */
