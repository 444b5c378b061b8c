/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The bits of a vCPU's CPUID table that follow the guest's own state, as
 * KVM keeps them up to date in the table it stores (and returns from
 * KVM_GET_CPUID2): OSXSAVE and OSPKE follow CR4, the XSAVE area sizes of
 * leaf 0xD follow XCR0, and MWAIT may follow IA32_MISC_ENABLE.  Pure
 * code, built into the module and into the host-side unit tests
 * (tests/unit/test_cpuid_runtime.c); cpuid.c reads the guest's state and
 * the host's XSAVE layout for it.
 */
#ifndef KVMINI_VMX_CPUID_RUNTIME_H
#define KVMINI_VMX_CPUID_RUNTIME_H

#ifdef __KERNEL__
#include <linux/kvm.h>
#include <linux/types.h>
#else
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>
typedef uint32_t u32;
typedef uint64_t u64;
#endif

/* XSAVE components, as XCR0 numbers them. */
#define CPUID_XSAVE_COMPONENTS	64

/*
 * One XSAVE component as the host's CPUID.0xD.i describes it: its size
 * (EAX), its offset in the standard format (EBX), and whether the
 * compacted format aligns it to 64 bytes (ECX bit 1).
 */
struct xsave_component {
	u32 size;
	u32 offset;
	bool align64;
};

/*
 * What the runtime bits depend on: the host (KVM changes OSXSAVE only
 * on a host with XSAVE, OSPKE only on one with PKU), the guest's CR4,
 * and the XSAVE area sizes for the guest's XCR0.
 */
struct cpuid_runtime {
	bool host_xsave;
	bool host_pku;
	bool cr4_osxsave;
	bool cr4_pke;
	bool apic_enabled;		/* IA32_APIC_BASE.EN: CPUID.1:EDX.APIC follows it */
	/*
	 * KVM_X86_QUIRK_MISC_ENABLE_NO_MWAIT disabled: CPUID.1:ECX.MWAIT
	 * follows IA32_MISC_ENABLE's ENABLE_MONITOR_FSM bit (@misc_mwait).
	 */
	bool mwait_follows_misc;
	bool misc_mwait;
	u32 xsave_size;			/* standard format (XSAVE) */
	u32 xsave_size_compacted;	/* compacted format (XSAVEC, XSAVES) */
};

/**
 * xsave_area_size - the XSAVE area for the state components in @xcr0
 * @comp: the host's components, CPUID_XSAVE_COMPONENTS of them
 * @xcr0: the components; x87 and SSE live in the legacy area
 * @compacted: the compacted format's size rather than the standard one's
 *
 * Return: the size in bytes, at least the legacy area and the header.
 */
u32 xsave_area_size(const struct xsave_component *comp, u64 xcr0, bool compacted);

/**
 * cpuid_lookup - an entry of a CPUID table
 * @e: the table
 * @n: its entries
 * @fn: the leaf
 * @idx: the subleaf; matters only for entries flagged
 *       KVM_CPUID_FLAG_SIGNIFCANT_INDEX
 * @any_index: a leaf without subleaves: the first entry of @fn, whatever
 *             its flags say
 *
 * Return: the first matching entry, or NULL.
 */
struct kvm_cpuid_entry2 *cpuid_lookup(struct kvm_cpuid_entry2 *e, int n, u32 fn, u32 idx,
				      bool any_index);

/**
 * cpuid_update_runtime - bring the bits of @e that follow the guest's
 * state up to date, as KVM's runtime CPUID update does
 * @e: the table
 * @n: its entries
 * @rt: the guest's state
 *
 * Every bit it writes is a function of @rt alone, so calling it again
 * with the same state changes nothing.
 */
void cpuid_update_runtime(struct kvm_cpuid_entry2 *e, int n, const struct cpuid_runtime *rt);

#endif /* KVMINI_VMX_CPUID_RUNTIME_H */
