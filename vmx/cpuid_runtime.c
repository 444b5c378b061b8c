// SPDX-License-Identifier: GPL-2.0
/*
 * CPUID bits that follow the guest's state, kept the way KVM keeps them
 * (arch/x86/kvm/cpuid.c, its runtime update), so that KVM_GET_CPUID2 and
 * the guest's CPUID instruction answer what they would on KVM.  Pure
 * code: see cpuid_runtime.h.
 */
#include "cpuid_runtime.h"

/* The legacy region (x87, SSE) and the XSAVE header come first, always. */
#define XSAVE_LEGACY_AND_HEADER	(512 + 64)

#define F(bit)	(1U << (bit))

#define CPUID_1_ECX_MWAIT	F(3)
#define CPUID_1_ECX_OSXSAVE	F(27)
#define CPUID_1_EDX_APIC	F(9)
#define CPUID_7_ECX_OSPKE	F(4)
#define CPUID_D_1_EAX_XSAVEC	F(1)
#define CPUID_D_1_EAX_XSAVES	F(3)

u32 xsave_area_size(const struct xsave_component *comp, u64 xcr0, bool compacted)
{
	u32 size = XSAVE_LEGACY_AND_HEADER;
	int i;

	for (i = 2; i < CPUID_XSAVE_COMPONENTS; i++) {
		u32 offset;

		if (!(xcr0 & (1ULL << i)))
			continue;
		/* The compacted format packs the enabled components in order. */
		if (!compacted)
			offset = comp[i].offset;
		else if (comp[i].align64)
			offset = (size + 63) & ~63U;
		else
			offset = size;
		if (offset + comp[i].size > size)
			size = offset + comp[i].size;
	}
	return size;
}

struct kvm_cpuid_entry2 *cpuid_lookup(struct kvm_cpuid_entry2 *e, int n, u32 fn, u32 idx,
				      bool any_index)
{
	int i;

	for (i = 0; i < n; i++) {
		if (e[i].function != fn)
			continue;
		if (any_index || !(e[i].flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) ||
		    e[i].index == idx)
			return &e[i];
	}
	return NULL;
}

static void set_bit_to(u32 *reg, u32 bit, bool on)
{
	if (on)
		*reg |= bit;
	else
		*reg &= ~bit;
}

void cpuid_update_runtime(struct kvm_cpuid_entry2 *e, int n, const struct cpuid_runtime *rt)
{
	struct kvm_cpuid_entry2 *ent;

	/*
	 * On a host without XSAVE the guest cannot set CR4.OSXSAVE, and KVM
	 * leaves the bit as the VMM gave it.
	 */
	ent = cpuid_lookup(e, n, 1, 0, true);
	if (ent && rt->host_xsave)
		set_bit_to(&ent->ecx, CPUID_1_ECX_OSXSAVE, rt->cr4_osxsave);
	if (ent && rt->mwait_follows_misc)
		set_bit_to(&ent->ecx, CPUID_1_ECX_MWAIT, rt->misc_mwait);
	/* A globally disabled APIC is gone from CPUID too, as on the CPU and KVM. */
	if (ent)
		set_bit_to(&ent->edx, CPUID_1_EDX_APIC, rt->apic_enabled);

	ent = cpuid_lookup(e, n, 7, 0, false);
	if (ent && rt->host_pku)
		set_bit_to(&ent->ecx, CPUID_7_ECX_OSPKE, rt->cr4_pke);

	ent = cpuid_lookup(e, n, 0xd, 0, false);
	if (ent)
		ent->ebx = rt->xsave_size;

	/* EBX means the compacted size only where a compacted format exists. */
	ent = cpuid_lookup(e, n, 0xd, 1, false);
	if (ent && (ent->eax & (CPUID_D_1_EAX_XSAVEC | CPUID_D_1_EAX_XSAVES)))
		ent->ebx = rt->xsave_size_compacted;
}
