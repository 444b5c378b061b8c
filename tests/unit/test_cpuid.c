// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of vmx/cpuid_filter.c, the CPUID allow-list: given the
 * leaves of a host (a Skylake server with everything a kernel might
 * report, then hosts lacking XSAVE or the TSC leaves), check that what
 * Linux would misuse without kvmini virtualizing it is hidden (MCE banks
 * are fine, TSC_ADJUST and ARCH_CAPABILITIES are emulated, RDPID and
 * RDTSCP only where VMX lets the guest run them with its TSC_AUX), that the APIC and x2APIC are offered as KVM offers
 * them (issue 12: the in-kernel APIC), and that the TSC frequency leaves
 * are there so a guest need not calibrate against the PIT.
 *
 * Expected values are literal bit numbers from the SDM, not the filter's
 * own macros, so a wrong list shows up here.  The Makefile links
 * vmx/cpuid_filter.c into this program.
 */
#include <string.h>

#include "../../vmx/cpuid_filter.h"
#include "unit.h"

#define B(n)	(1U << (n))

static const struct cpuid_host skx = {
	.basic_max = 0x16,
	.ext_max = 0x80000008,
	.xsave = true,
	.invpcid = true,
	.xcr0 = 0xe7,
	.xsave_size = 2696,
	.tsc_khz = 2100000,
	/* A host kernel that turned everything on. */
	.caps_1_ecx = ~0U, .caps_1_edx = ~0U,
	.caps_7_ebx = ~0U, .caps_7_ecx = ~0U, .caps_7_edx = ~0U, .caps_7_1_eax = ~0U,
	.caps_d_1_eax = ~0U,
	.caps_e1_ecx = ~0U, .caps_e1_edx = ~0U, .caps_e7_edx = ~0U, .caps_e8_ebx = ~0U,
};

static struct kvm_cpuid_entry2 leaf(u32 fn, u32 idx, u32 a, u32 b, u32 c, u32 d)
{
	struct kvm_cpuid_entry2 e;

	memset(&e, 0, sizeof(e));
	e.function = fn;
	e.index = idx;
	e.eax = a;
	e.ebx = b;
	e.ecx = c;
	e.edx = d;
	return e;
}

static struct kvm_cpuid_entry2 filtered(const struct cpuid_host *h, u32 fn, u32 idx,
					u32 a, u32 b, u32 c, u32 d)
{
	struct kvm_cpuid_entry2 e = leaf(fn, idx, a, b, c, d);

	cpuid_filter_entry(&e, h);
	return e;
}

static void test_leaf1(void)
{
	/* Everything on: what a host with all of leaf 1 would give. */
	struct kvm_cpuid_entry2 e = filtered(&skx, 1, 0, 0x50654, 0x12400800, ~0U, ~0U);

	CHECK(e.eax == 0x50654, "leaf1: signature kept");
	CHECK(e.edx & B(9), "leaf1: APIC offered (KVM_CREATE_IRQCHIP's, or the VMM's)");
	CHECK(e.ecx & B(21), "leaf1: x2APIC offered");
	CHECK(!(e.ecx & B(24)), "leaf1: TSC deadline left to the VMM (KVM_CAP_TSC_DEADLINE_TIMER)");
	CHECK((e.edx & (B(7) | B(14))) == (B(7) | B(14)), "leaf1: MCE and MCA kept (banks emulated)");
	CHECK(e.edx & B(12), "leaf1: MTRR kept (emulated)");
	CHECK(!(e.ecx & (B(3) | B(5) | B(6))), "leaf1: MONITOR, VMX, SMX hidden");
	CHECK(!(e.ecx & B(15)), "leaf1: PDCM hidden (no PERF_CAPABILITIES)");
	CHECK(!(e.ecx & B(27)), "leaf1: OSXSAVE left to the CPUID exit");
	CHECK(!(e.ecx & B(31)), "leaf1: hypervisor bit left to the VMM, as KVM 6.1");
	CHECK(!(e.edx & (B(21) | B(22) | B(28) | B(29) | B(31))), "leaf1: DS, ACPI, HTT, TM, PBE hidden");
	CHECK((e.ecx & (B(26) | B(28))) == (B(26) | B(28)), "leaf1: XSAVE and AVX with host XSAVE");
	CHECK((e.ebx >> 16) == 0, "leaf1: no host APIC ID or logical count in EBX");
	CHECK((e.ebx & 0xffff) == 0x0800, "leaf1: CLFLUSH size kept");
	/*
	 * SSE3 0, PCLMULQDQ 1, SSSE3 9, FMA 12, CX16 13, PCID 17, SSE4.1 19,
	 * SSE4.2 20, x2APIC 21, MOVBE 22, POPCNT 23, AES 25, XSAVE 26, AVX 28,
	 * F16C 29, RDRAND 30.
	 */
	CHECK(e.ecx == 0x76fa3203, "leaf1: ECX is exactly the allow-list");

	struct cpuid_host noxs = skx;

	noxs.xsave = false;
	e = filtered(&noxs, 1, 0, 0, 0, ~0U, ~0U);
	CHECK(!(e.ecx & (B(12) | B(26) | B(28) | B(29))), "leaf1: no XSAVE, AVX, FMA, F16C without host XSAVE");
}

static void test_leaf7(void)
{
	struct kvm_cpuid_entry2 e = filtered(&skx, 7, 0, 2, ~0U & ~B(1), ~0U, ~0U);

	CHECK(e.eax == 1, "leaf7: subleaf 1 is the last offered");
	CHECK(e.ebx & B(1), "leaf7: TSC_ADJUST offered (emulated) even where the host hides it");
	CHECK(e.edx & B(29), "leaf7: ARCH_CAPABILITIES offered (emulated)");
	CHECK(!(e.ecx & B(22)), "leaf7: RDPID hidden without VMX's enable-RDTSCP");
	CHECK(!(e.ecx & (B(3) | B(4) | B(5) | B(16) | B(30))), "leaf7: PKU, OSPKE, WAITPKG, LA57, SGX_LC hidden");
	CHECK(!(e.ebx & (B(2) | B(4) | B(11) | B(12) | B(14) | B(15) | B(25))),
	      "leaf7: SGX, HLE, RTM, PQM, MPX, PQE, PT hidden");
	CHECK(!(e.edx & (B(26) | B(27) | B(28) | B(30) | B(31))),
	      "leaf7: SPEC_CTRL, STIBP, FLUSH_L1D, CORE_CAPS, SSBD hidden");
	CHECK(!(e.edx & (B(22) | B(24) | B(25))), "leaf7: AMX hidden");
	CHECK(e.ebx & B(10), "leaf7: INVPCID where VMX enables it");
	CHECK((e.ebx & (B(5) | B(16))) == (B(5) | B(16)), "leaf7: AVX2, AVX512F with host XSAVE");

	struct cpuid_host rd = skx;

	rd.rdtscp = true;
	e = filtered(&rd, 7, 0, 2, 0, ~0U, 0);
	CHECK(e.ecx & B(22), "leaf7: RDPID with enable-RDTSCP (TSC_AUX switched)");
	rd.caps_7_ecx = ~B(22);
	e = filtered(&rd, 7, 0, 2, 0, ~0U, 0);
	CHECK(!(e.ecx & B(22)), "leaf7: RDPID not where the host kernel hides it");

	struct cpuid_host h = skx;

	h.invpcid = false;
	h.xsave = false;
	e = filtered(&h, 7, 0, 0, ~0U, ~0U, ~0U);
	CHECK(!(e.ebx & B(10)), "leaf7: no INVPCID when VMX cannot enable it");
	CHECK(!(e.ebx & (B(5) | B(16) | B(31))), "leaf7: no AVX2/AVX-512 without host XSAVE");
	CHECK(e.eax == 0, "leaf7: no subleaf 1 where the host has none");

	e = filtered(&skx, 7, 1, ~0U, ~0U, ~0U, ~0U);
	CHECK(e.eax == (B(4) | B(5)) && !e.ebx && !e.ecx && !e.edx, "leaf7.1: AVX_VNNI, AVX512_BF16 only");
	e = filtered(&skx, 7, 2, ~0U, ~0U, ~0U, ~0U);
	CHECK(!(e.eax | e.ebx | e.ecx | e.edx), "leaf7.2: not offered");
}

/* What the host kernel turned off stays off (clearcpuid=, mitigations). */
static void test_host_caps(void)
{
	struct cpuid_host h = skx;
	struct kvm_cpuid_entry2 e;

	h.caps_1_ecx = ~B(25);		/* AES */
	h.caps_1_edx = ~B(7);		/* MCE (mce=off) */
	h.caps_7_ebx = ~(B(5) | B(18));	/* AVX2, RDSEED */
	h.caps_7_ecx = ~B(8);		/* GFNI */
	h.caps_7_edx = ~B(10);		/* MD_CLEAR */
	h.caps_7_1_eax = ~B(4);		/* AVX_VNNI */
	h.caps_d_1_eax = ~B(0);		/* XSAVEOPT */
	h.caps_e1_ecx = ~B(5);		/* LZCNT */
	h.caps_e1_edx = ~B(26);		/* 1 GiB pages */
	h.caps_e7_edx = 0;		/* no invariant TSC */
	h.caps_e8_ebx = ~B(9);		/* WBNOINVD */
	e = filtered(&h, 1, 0, 0, 0, ~0U, ~0U);
	CHECK(!(e.ecx & B(25)) && (e.ecx & B(26)), "caps: leaf1 ECX off where the host kernel has it off");
	CHECK(!(e.edx & B(7)) && (e.edx & B(14)), "caps: leaf1 EDX off where the host kernel has it off");
	e = filtered(&h, 7, 0, 1, ~0U, ~0U, ~0U);
	CHECK(!(e.ebx & (B(5) | B(18))) && (e.ebx & B(16)), "caps: leaf7 EBX off where the host kernel has it off");
	CHECK(e.ebx & B(1), "caps: TSC_ADJUST still offered (emulated)");
	CHECK(!(e.ecx & B(8)) && (e.ecx & B(2)), "caps: leaf7 ECX off where the host kernel has it off");
	CHECK(!(e.edx & B(10)) && (e.edx & B(29)), "caps: leaf7 EDX off, ARCH_CAPABILITIES still offered");
	e = filtered(&h, 7, 1, ~0U, 0, 0, 0);
	CHECK(e.eax == B(5), "caps: leaf7.1 AVX_VNNI off where the host kernel has it off");
	e = filtered(&h, 0xd, 1, 0xf, 0, 0, 0);
	CHECK(e.eax == (B(1) | B(2)), "caps: XSAVEOPT off where the host kernel has it off");
	e = filtered(&h, 0x80000001, 0, 0, 0, ~0U, ~0U);
	CHECK(!(e.ecx & B(5)) && (e.ecx & B(0)), "caps: ext1 ECX off where the host kernel has it off");
	CHECK(!(e.edx & B(26)) && (e.edx & B(29)), "caps: ext1 EDX off where the host kernel has it off");
	e = filtered(&h, 0x80000007, 0, 0, 0, 0, ~0U);
	CHECK(!e.edx, "caps: no invariant TSC where the host has none (or found its TSC unstable)");
	e = filtered(&h, 0x80000008, 0, 0x3027, ~0U, 0, 0);
	CHECK(e.ebx == (B(0) | B(2)), "caps: ext8 WBNOINVD off where the host kernel has it off");
}

/* AVX needs the SSE and YMM states in XCR0; AVX-512 also opmask, ZMM_Hi256, Hi16_ZMM. */
static void test_xcr0_gating(void)
{
	struct cpuid_host h = skx;
	struct kvm_cpuid_entry2 e;

	h.xcr0 = 0x3;	/* x87, SSE: a host booted without AVX state */
	e = filtered(&h, 1, 0, 0, 0, ~0U, ~0U);
	CHECK((e.ecx & B(26)) && !(e.ecx & (B(12) | B(28) | B(29))),
	      "xcr0: XSAVE but no FMA, AVX, F16C without the YMM state");
	e = filtered(&h, 7, 0, 1, ~0U, ~0U, ~0U);
	CHECK(!(e.ebx & (B(5) | B(16) | B(17) | B(21) | B(26) | B(27) | B(28) | B(30) | B(31))),
	      "xcr0: no AVX2, no AVX-512 without the YMM state");
	CHECK(!(e.ecx & (B(1) | B(6) | B(9) | B(10) | B(11) | B(12) | B(14))) && (e.ecx & B(8)),
	      "xcr0: no VAES, VPCLMULQDQ, AVX-512 ECX bits; GFNI (SSE form) kept");
	CHECK(!(e.edx & (B(2) | B(3) | B(8) | B(23))), "xcr0: no AVX-512 EDX bits");
	e = filtered(&h, 7, 1, ~0U, 0, 0, 0);
	CHECK(!e.eax, "xcr0: no AVX_VNNI, AVX512_BF16");
	e = filtered(&h, 0x80000001, 0, 0, 0, ~0U, 0);
	CHECK(!(e.ecx & (B(11) | B(16))), "xcr0: no XOP, FMA4 without the YMM state");

	h.xcr0 = 0x7;	/* AVX, no AVX-512 state */
	e = filtered(&h, 1, 0, 0, 0, ~0U, ~0U);
	CHECK((e.ecx & (B(12) | B(28) | B(29))) == (B(12) | B(28) | B(29)), "xcr0: AVX group with YMM");
	e = filtered(&h, 7, 0, 1, ~0U, ~0U, ~0U);
	CHECK((e.ebx & B(5)) && !(e.ebx & (B(16) | B(17) | B(30) | B(31))),
	      "xcr0: AVX2 but no AVX-512 without opmask/ZMM state");
	CHECK((e.ecx & (B(9) | B(10))) == (B(9) | B(10)) && !(e.ecx & (B(1) | B(11))),
	      "xcr0: VAES, VPCLMULQDQ with YMM; no AVX-512 VBMI, VNNI");
	CHECK(!(e.edx & (B(2) | B(3) | B(8) | B(23))), "xcr0: no AVX-512 EDX bits without its state");
	e = filtered(&h, 7, 1, ~0U, 0, 0, 0);
	CHECK(e.eax == B(4), "xcr0: AVX_VNNI with YMM, not AVX512_BF16");

	h.xcr0 = 0x67;	/* opmask and ZMM_Hi256, no Hi16_ZMM */
	e = filtered(&h, 7, 0, 1, ~0U, ~0U, ~0U);
	CHECK(!(e.ebx & B(16)), "xcr0: no AVX512F without the Hi16_ZMM state");
	h.xcr0 = 0xe7;
	e = filtered(&h, 7, 0, 1, ~0U, ~0U, ~0U);
	CHECK((e.ebx & (B(16) | B(31))) == (B(16) | B(31)) && (e.edx & B(23)),
	      "xcr0: AVX-512 with all three of its states");
}

static void test_hidden_leaves(void)
{
	static const u32 hidden[] = { 3, 5, 8, 9, 0xa, 0xb, 0xc, 0xe, 0xf, 0x10, 0x12, 0x14,
				      0x17, 0x1f, 0x40000000, 0x80000009 };
	unsigned int i;
	int bad = 0;

	for (i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++) {
		struct kvm_cpuid_entry2 e = filtered(&skx, hidden[i], 0, ~0U, ~0U, ~0U, ~0U);

		if (e.eax | e.ebx | e.ecx | e.edx) {
			printf("     leaf %#x not zeroed\n", hidden[i]);
			bad++;
		}
	}
	CHECK(!bad, "hidden: MONITOR, PMU, topology, RDT, SGX, PT leaves and unknown ones read 0");

	struct kvm_cpuid_entry2 e = filtered(&skx, 6, 0, ~0U, ~0U, ~0U, ~0U);

	CHECK(e.eax == B(2) && !e.ebx && !e.ecx && !e.edx, "leaf6: ARAT only, as KVM");
	e = filtered(&skx, 0, 0, 0x16, 0x756e6547, 0x6c65746e, 0x49656e69);
	CHECK(e.eax == 0x16 && e.ebx == 0x756e6547, "leaf0: up to 0x16, vendor kept");
	e = filtered(&skx, 0x80000000, 0, 0x80000008, 0, 0, 0);
	CHECK(e.eax == 0x80000008, "leaf 0x80000000: up to 0x80000008");
	struct cpuid_host h = skx;

	h.ext_max = 0x80000004;
	e = filtered(&h, 0x80000000, 0, 0x80000004, 0, 0, 0);
	CHECK(e.eax == 0x80000004, "leaf 0x80000000: not beyond the host's");
}

static void test_ext(void)
{
	struct kvm_cpuid_entry2 e = filtered(&skx, 0x80000001, 0, 0, 0, ~0U, ~0U);

	CHECK(!(e.edx & B(27)), "ext1: RDTSCP hidden without VMX's enable-RDTSCP");

	struct cpuid_host rd = skx;

	rd.rdtscp = true;
	e = filtered(&rd, 0x80000001, 0, 0, 0, ~0U, ~0U);
	CHECK(e.edx & B(27), "ext1: RDTSCP with enable-RDTSCP (TSC_AUX switched)");
	e = filtered(&skx, 0x80000001, 0, 0, 0, ~0U, ~0U);
	CHECK(!(e.edx & B(9)), "ext1: APIC hidden");
	CHECK((e.edx & (B(11) | B(20) | B(29))) == (B(11) | B(20) | B(29)), "ext1: SYSCALL, NX, LM kept");
	CHECK(!(e.ecx & (B(2) | B(3) | B(9) | B(10) | B(22) | B(23))),
	      "ext1: SVM, ExtApicSpace, OSVW, IBS, TOPOEXT, PERFCTR_CORE hidden");
	e = filtered(&skx, 0x80000007, 0, ~0U, ~0U, ~0U, ~0U);
	CHECK(!e.eax && !e.ebx && !e.ecx && e.edx == B(8), "ext7: invariant TSC only");
	e = filtered(&skx, 0x80000008, 0, 0x3027, ~0U, ~0U, ~0U);
	CHECK(e.eax == 0x3027, "ext8: 39 physical, 48 virtual address bits");
	CHECK(!(e.ebx & (B(12) | B(14) | B(15) | B(24) | B(25) | B(26))),
	      "ext8: AMD IBPB, IBRS, STIBP, SSBD, VIRT_SSBD, SSB_NO hidden");
	CHECK(!e.edx, "ext8: EDX 0");
	e = filtered(&skx, 0x80000008, 0, 0x2027, 0, 0, 0);
	CHECK(e.eax == 0x3027, "ext8: at least 48 virtual address bits");
	/* Issue 12: no LA57, and no guest-physical bits beyond EPT's 48. */
	e = filtered(&skx, 0x80000008, 0, 0x3934, 0, 0, 0);
	CHECK(e.eax == 0x3030, "ext8: 48 virtual bits without LA57, physical bits capped at 48");
}

static void test_xsave(void)
{
	struct kvm_cpuid_entry2 e = filtered(&skx, 0xd, 0, 0x2ff, 0xa88, 0xa88, 0);

	CHECK(e.eax == 0xe7 && e.edx == 0, "xsave0: the guest's XCR0 bits");
	CHECK(e.ecx == 2696, "xsave0: ECX the size for all of them");
	e = filtered(&skx, 0xd, 1, 0xf, 0x988, 0x100, 0);
	CHECK(e.eax == 0x7 && !e.ebx && !e.ecx && !e.edx, "xsave1: no XSAVES, no XSS states");
	e = filtered(&skx, 0xd, 9, 8, 0xa80, 0, 0);
	CHECK(!(e.eax | e.ebx | e.ecx | e.edx), "xsave9: PKRU not offered");
	e = filtered(&skx, 0xd, 2, 256, 576, 0, 0);
	CHECK(e.eax == 256 && e.ebx == 576, "xsave2: AVX size and offset kept");

	struct cpuid_host h = skx;

	h.xsave = false;
	e = filtered(&h, 0xd, 0, 0x2ff, 0xa88, 0xa88, 0);
	CHECK(!(e.eax | e.ebx | e.ecx | e.edx), "xsave: leaf 0xD empty without host XSAVE");
}

static void test_tsc_leaves(void)
{
	/* A host whose 0x15 is complete: passed (KVM 6.1 offers no 0x15 at all: docs/api.md). */
	struct kvm_cpuid_entry2 e = filtered(&skx, 0x15, 0, 2, 168, 25000000, 0);

	CHECK(e.eax == 2 && e.ebx == 168 && e.ecx == 25000000, "tsc: the host's complete leaf 0x15 kept");

	/* No crystal frequency (Skylake client), or no leaf: made from tsc_khz. */
	e = filtered(&skx, 0x15, 0, 2, 176, 0, 0);
	CHECK(e.eax && e.ebx && e.ecx, "tsc: leaf 0x15 made complete");
	CHECK((u64)(e.ecx / 1000) * e.ebx / e.eax == 2100000,
	      "tsc: Linux's native_calibrate_tsc() gets the host's tsc_khz");
	e = filtered(&skx, 0x15, 0, 0, 0, 0, 0);
	CHECK((u64)(e.ecx / 1000) * e.ebx / e.eax == 2100000, "tsc: leaf 0x15 made where the host has none");

	struct cpuid_host fast = skx;

	fast.tsc_khz = 5000001;
	e = filtered(&fast, 0x15, 0, 0, 0, 0, 0);
	CHECK((u64)(e.ecx / 1000) * e.ebx / e.eax >= 5000000,
	      "tsc: a TSC above 4.29 GHz still fits (within 1 kHz)");

	e = filtered(&skx, 0x16, 0, 0, 0, 0, 0);
	CHECK(e.eax == 2100, "tsc: leaf 0x16 base MHz made from tsc_khz");
	e = filtered(&skx, 0x16, 0, 2100, 3700, 100, 5);
	CHECK(e.eax == 2100 && e.ebx == 3700 && e.ecx == 100 && !e.edx, "tsc: the host's leaf 0x16 kept");

	struct cpuid_host unknown = skx;

	unknown.tsc_khz = 0;
	e = filtered(&unknown, 0x15, 0, 0, 0, 0, 0);
	CHECK(!(e.eax | e.ebx | e.ecx | e.edx), "tsc: nothing made up without a known frequency");
}

/* Issue 12, KVM's cpuid_test: the guest finds KVM's signature and the features leaf. */
static void test_kvm_leaves(void)
{
	struct kvm_cpuid_entry2 e;
	char sig[13] = "";

	memset(&e, 0xff, sizeof(e));
	cpuid_kvm_leaf(&e, 0x40000000);
	memcpy(sig, &e.ebx, 4);
	memcpy(sig + 4, &e.ecx, 4);
	memcpy(sig + 8, &e.edx, 4);
	CHECK(e.function == 0x40000000 && !e.index && !e.flags && e.eax == 0x40000001 &&
	      !strcmp(sig, "KVMKVMKVM"), "kvm: leaf 0x40000000 says KVMKVMKVM, up to 0x40000001");
	memset(&e, 0xff, sizeof(e));
	cpuid_kvm_leaf(&e, 0x40000001);
	CHECK(e.function == 0x40000001 && e.eax == B(11) && !e.ebx && !e.ecx && !e.edx,
	      "kvm: PV_SEND_IPI, the one paravirtual feature kvmini implements, is offered");
}

int main(void)
{
	test_leaf1();
	test_leaf7();
	test_host_caps();
	test_xcr0_gating();
	test_hidden_leaves();
	test_ext();
	test_xsave();
	test_tsc_leaves();
	test_kvm_leaves();
	return unit_done("test_cpuid");
}
