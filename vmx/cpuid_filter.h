/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a guest may see of the host's CPUID: an allow-list, as KVM builds
 * its supported CPUID.  cpuid_filter.c is pure code, built into the
 * module and into the host-side unit tests, which feed it made-up host
 * leaves.
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

/* Offered always, because emulated (vmx/msr.c): TSC_ADJUST, ARCH_CAPABILITIES. */
#define C7_EBX_TSC_ADJUST	0x00000002U	/* bit 1 */
#define C7_EDX_ARCH_CAPS	0x20000000U	/* bit 29 */
/* What the in-kernel APIC needs to know of a vCPU's CPUID.1 ECX. */
#define C1_ECX_X2APIC		0x00200000U	/* bit 21: offered always */
#define C1_ECX_TSC_DEADLINE	0x01000000U	/* bit 24: KVM_CAP_TSC_DEADLINE_TIMER */
/* Where VMX lets the guest run them, with its own TSC_AUX (vmx/vcpu.c). */
#define CE1_EDX_RDTSCP		0x08000000U	/* bit 27 */
#define C7_ECX_RDPID		0x00400000U	/* bit 22 */

/* What the filter needs to know of the host beyond the leaf itself. */
struct cpuid_host {
	u32 basic_max;		/* the host's CPUID.0:EAX */
	u32 ext_max;		/* the host's CPUID.0x80000000:EAX */
	bool xsave;		/* the host turned XSAVE on (CR4.OSXSAVE) */
	bool invpcid;		/* VMX can let the guest run INVPCID */
	bool rdtscp;		/* ... RDTSCP and RDPID, with its TSC_AUX */
	u64 xcr0;		/* the XCR0 bits a guest may set */
	u32 xsave_size;		/* the XSAVE area for all of @xcr0 */
	u32 tsc_khz;		/* the host's TSC frequency: the guest's too */
	/*
	 * The host kernel's view of each feature leaf (its capability words,
	 * boot_cpu_data.x86_capability): a feature it did not enable, or
	 * that clearcpuid= or a mitigation turned off, is not offered even
	 * where the raw CPUID has it, as on KVM.
	 */
	u32 caps_1_ecx, caps_1_edx;
	u32 caps_7_ebx, caps_7_ecx, caps_7_edx, caps_7_1_eax;
	u32 caps_d_1_eax;
	u32 caps_e1_ecx, caps_e1_edx;
	u32 caps_e7_edx;	/* bit 8 when the host's TSC is invariant */
	u32 caps_e8_ebx;
};

/**
 * cpuid_filter_entry - keep of @e only what kvmini virtualizes
 * @e: a leaf as the host's CPUID gave it (zeros for a leaf the host lacks),
 *     function and index set
 * @h: the host
 *
 * A leaf or bit not on the list, or off in the host kernel's capability
 * words, reads as 0; AVX and its successors also need their XSAVE state
 * in @h->xcr0.  OSXSAVE and the XSAVE size
 * of leaf 0xD.0 EBX follow the guest's state; the CPUID exit sets them.
 */
void cpuid_filter_entry(struct kvm_cpuid_entry2 *e, const struct cpuid_host *h);

/* KVM's leaves: "KVMKVMKVM" and the paravirtual features (none offered yet). */
#define CPUID_KVM_SIGNATURE	0x40000000U
#define CPUID_KVM_FEATURES	0x40000001U

/**
 * cpuid_kvm_leaf - KVM's hypervisor leaf @fn, as KVM_GET_SUPPORTED_CPUID gives it
 * @e: filled: function @fn, index 0
 * @fn: CPUID_KVM_SIGNATURE or CPUID_KVM_FEATURES
 *
 * Guests written for KVM look for its signature before anything
 * paravirtual; kvmini answers to it because it speaks KVM's ABI, and
 * offers no paravirtual feature it does not implement (features 0).
 */
void cpuid_kvm_leaf(struct kvm_cpuid_entry2 *e, u32 fn);

#endif /* KVMINI_VMX_CPUID_FILTER_H */
