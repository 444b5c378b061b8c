// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of vmx/cpuid_runtime.c: the CPUID bits that follow the
 * guest's state, which KVM_GET_CPUID2 returns and the CPUID exit answers
 * (issue 12).  Guards: MWAIT follows IA32_MISC_ENABLE only with KVM's
 * MISC_ENABLE_NO_MWAIT quirk off; OSXSAVE follows CR4 only on a host with XSAVE,
 * OSPKE only on one with PKU; APIC follows IA32_APIC_BASE.EN (kvm-unit-tests'
 * apic "CPUID.1H:EDX.APIC[bit 9] is clear" once the guest disabled it); leaf 0xD.0 EBX is the standard XSAVE size
 * for XCR0, 0xD.1 EBX the compacted one only where XSAVEC or XSAVES is
 * in the table; the leaf 1 rule finds its entry whatever its index flag
 * says (as KVM's), the others match subleaves; nothing else changes;
 * a second update with the same state changes nothing (the CPUID exit
 * and KVM_GET_CPUID2 update the table each time they look at it).
 *
 * Sizes are computed by hand from the SDM's rules for a made-up layout,
 * not with the code under test.  The Makefile links vmx/cpuid_runtime.c
 * into this program.
 */
#include <string.h>

#include "../../vmx/cpuid_runtime.h"
#include "unit.h"

#define B(n)	(1U << (n))

static struct xsave_component layout[CPUID_XSAVE_COMPONENTS];

/* AVX and AVX-512 as a Skylake server lays them out; component 5 is 64-byte aligned. */
static void skx_layout(void)
{
	memset(layout, 0, sizeof(layout));
	layout[2] = (struct xsave_component){ .size = 256, .offset = 576 };
	layout[5] = (struct xsave_component){ .size = 64, .offset = 1088, .align64 = true };
	layout[6] = (struct xsave_component){ .size = 512, .offset = 1152 };
	layout[7] = (struct xsave_component){ .size = 1024, .offset = 1664 };
}

static void test_sizes(void)
{
	skx_layout();
	CHECK(xsave_area_size(layout, 0x1, false) == 576, "x87 only: legacy area and header");
	CHECK(xsave_area_size(layout, 0x3, false) == 576, "SSE lives in the legacy area");
	CHECK(xsave_area_size(layout, 0x7, false) == 832, "AVX: 576 + 256");
	CHECK(xsave_area_size(layout, 0xe7, false) == 2688, "AVX-512: Hi16_ZMM ends at 2688");
	CHECK(xsave_area_size(layout, 0x7, true) == 832, "compacted AVX: 832");
	CHECK(xsave_area_size(layout, 0xe7, true) == 2432,
	      "compacted AVX-512: 576 + 256 + 64 + 512 + 1024");

	/* An odd-sized component before an aligned one: the aligned one moves up. */
	layout[2].size = 200;
	CHECK(xsave_area_size(layout, 0x25, true) == 896,
	      "compacted: 776 rounded up to 832 for component 5, then 64");
	CHECK(xsave_area_size(layout, 0x25, false) == 1152, "standard: offsets as given");
	skx_layout();
	CHECK(xsave_area_size(layout, 0x201, false) == 576, "a component the host lacks adds nothing");
}

static struct kvm_cpuid_entry2 ent(u32 fn, u32 idx, u32 flags, u32 a, u32 b, u32 c, u32 d)
{
	struct kvm_cpuid_entry2 e;

	memset(&e, 0, sizeof(e));
	e.function = fn;
	e.index = idx;
	e.flags = flags;
	e.eax = a;
	e.ebx = b;
	e.ecx = c;
	e.edx = d;
	return e;
}

#define SIG	KVM_CPUID_FLAG_SIGNIFCANT_INDEX

static void test_lookup(void)
{
	struct kvm_cpuid_entry2 t[] = {
		ent(7, 1, SIG, 1, 0, 0, 0),
		ent(7, 0, SIG, 2, 0, 0, 0),
		ent(1, 3, SIG, 3, 0, 0, 0),
		ent(0xd, 9, 0, 4, 0, 0, 0),
	};
	int n = sizeof(t) / sizeof(t[0]);

	CHECK(cpuid_lookup(t, n, 7, 0, false) == &t[1], "subleaf 0 of an indexed leaf");
	CHECK(cpuid_lookup(t, n, 7, 1, false) == &t[0], "subleaf 1");
	CHECK(!cpuid_lookup(t, n, 7, 2, false), "a subleaf not in the table");
	CHECK(!cpuid_lookup(t, n, 1, 0, false), "flagged entry, other index: no match");
	CHECK(cpuid_lookup(t, n, 1, 0, true) == &t[2], "any_index: the first entry of the leaf");
	CHECK(cpuid_lookup(t, n, 0xd, 5, false) == &t[3], "unflagged entry: any index matches");
	CHECK(!cpuid_lookup(t, n, 2, 0, true), "a leaf not in the table");
	CHECK(!cpuid_lookup(NULL, 0, 1, 0, true), "an empty table");
}

enum { L1, L7, L7_1, LD0, LD1, L0, NR };

static void table(struct kvm_cpuid_entry2 *t, u32 d1_eax)
{
	t[L1] = ent(1, 0, 0, 0x906ea, 0x800, 0x7ffafbbf & ~B(27), 0xbfebfbff);
	t[L7] = ent(7, 0, SIG, 1, 0x029c6fbf, B(3) | B(4), 0);
	t[L7_1] = ent(7, 1, SIG, 0, 0, 0xffffffff, 0);
	t[LD0] = ent(0xd, 0, SIG, 0xe7, 0x1234, 2688, 0);
	t[LD1] = ent(0xd, 1, SIG, d1_eax, 0x4321, 0, 0);
	t[L0] = ent(0, 0, 0, 0x16, 0x756e6547, 0x6c65746e, 0x49656e69);
}

static const struct cpuid_runtime booted = {
	.host_xsave = true, .host_pku = true, .cr4_osxsave = true, .cr4_pke = false,
	.apic_enabled = true, .xsave_size = 832, .xsave_size_compacted = 800,
};

static void test_update(void)
{
	struct kvm_cpuid_entry2 t[NR], orig[NR], once[NR];
	struct cpuid_runtime rt = booted;

	table(t, B(0) | B(1) | B(2));
	memcpy(orig, t, sizeof(t));
	cpuid_update_runtime(t, NR, &rt);
	CHECK(t[L1].ecx == (orig[L1].ecx | B(27)), "OSXSAVE follows CR4.OSXSAVE, nothing else in ECX");
	CHECK(t[L1].edx == orig[L1].edx, "leaf 1 EDX as set, APIC (set) as IA32_APIC_BASE.EN");
	CHECK(t[L1].eax == orig[L1].eax && t[L1].ebx == orig[L1].ebx, "leaf 1 EAX, EBX as set");
	CHECK(t[L7].ecx == B(3), "OSPKE follows CR4.PKE (clear), the rest of 7.0 ECX kept");
	CHECK(!memcmp(&t[L7_1], &orig[L7_1], sizeof(t[0])), "subleaf 7.1 untouched");
	CHECK(t[LD0].ebx == 832, "0xD.0 EBX: the standard size for XCR0");
	CHECK(t[LD0].eax == orig[LD0].eax && t[LD0].ecx == orig[LD0].ecx,
	      "0xD.0 EAX and ECX (the maximum) as set");
	CHECK(t[LD1].ebx == 800, "0xD.1 EBX: the compacted size, XSAVEC in the table");
	CHECK(!memcmp(&t[L0], &orig[L0], sizeof(t[0])), "leaf 0 untouched");

	memcpy(once, t, sizeof(t));
	cpuid_update_runtime(t, NR, &rt);
	CHECK(!memcmp(t, once, sizeof(t)), "a second update with the same state changes nothing");

	rt.cr4_osxsave = false;
	rt.cr4_pke = true;
	rt.apic_enabled = false;
	cpuid_update_runtime(t, NR, &rt);
	CHECK(!(t[L1].ecx & B(27)), "CR4.OSXSAVE clear: OSXSAVE clear");
	CHECK(t[L1].edx == (orig[L1].edx & ~B(9)), "APIC disabled in IA32_APIC_BASE: APIC clear, alone");
	rt.apic_enabled = true;
	cpuid_update_runtime(t, NR, &rt);
	CHECK(t[L1].edx == orig[L1].edx, "APIC enabled again: the bit is back");
	t[L1].edx &= ~B(9);
	cpuid_update_runtime(t, NR, &rt);
	CHECK(t[L1].edx == orig[L1].edx, "a table with APIC clear, APIC_BASE enabled: set, as KVM");
	CHECK(t[L7].ecx & B(4), "CR4.PKE set: OSPKE set");

	table(t, B(0) | B(2));
	rt = booted;
	rt.host_xsave = false;
	rt.host_pku = false;
	t[L1].ecx |= B(27);
	cpuid_update_runtime(t, NR, &rt);
	CHECK(t[L1].ecx & B(27), "host without XSAVE: OSXSAVE as the VMM set it");
	CHECK(t[L7].ecx == (B(3) | B(4)), "host without PKU: OSPKE as the VMM set it");
	CHECK(t[LD1].ebx == 0x4321, "no XSAVEC or XSAVES: 0xD.1 EBX as set");
	CHECK(t[LD0].ebx == 832, "0xD.0 EBX follows XCR0 whatever the host");

	table(t, B(3));
	cpuid_update_runtime(t, NR, &booted);
	CHECK(t[LD1].ebx == 800, "XSAVES alone also means the compacted size");

	/* Leaf 1 flagged with another index: KVM's update still finds it. */
	table(t, 0);
	t[L1].flags = SIG;
	t[L1].index = 5;
	cpuid_update_runtime(t, NR, &booted);
	CHECK(t[L1].ecx & B(27), "leaf 1 found whatever its index flag says");

	cpuid_update_runtime(NULL, 0, &booted);
	CHECK(1, "an empty table");
}

/* KVM's monitor_mwait_test: MWAIT follows MISC_ENABLE only with the quirk off. */
static void test_mwait(void)
{
	struct kvm_cpuid_entry2 t[NR];
	struct cpuid_runtime rt = booted;

	table(t, 0);
	t[L1].ecx |= B(3);
	cpuid_update_runtime(t, NR, &rt);
	CHECK(t[L1].ecx & B(3), "quirk on: MWAIT as the VMM set it, whatever MISC_ENABLE says");
	rt.mwait_follows_misc = true;
	cpuid_update_runtime(t, NR, &rt);
	CHECK(!(t[L1].ecx & B(3)), "quirk off, MISC_ENABLE.MWAIT clear: MWAIT clear");
	rt.misc_mwait = true;
	cpuid_update_runtime(t, NR, &rt);
	CHECK((t[L1].ecx & B(3)) && (t[L1].ecx & B(27)),
	      "quirk off, MISC_ENABLE.MWAIT set: MWAIT set, OSXSAVE still there");
}

int main(void)
{
	test_sizes();
	test_lookup();
	test_update();
	test_mwait();
	return unit_done("test_cpuid_runtime");
}
