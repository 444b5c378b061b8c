// SPDX-License-Identifier: GPL-2.0
/*
 * The CPUID allow-list: for each leaf, the bits a guest may see.  Each
 * bit is one kvmini virtualizes, or one that needs nothing from a
 * hypervisor (an instruction set extension the guest runs natively).
 * The lists follow KVM's kvm_set_cpu_caps() less what kvmini does not
 * give a guest: a PMU, the speculation control
 * MSRs, XSAVES, PKU, LA57, TSX,
 * MONITOR/MWAIT, SGX, PT, AMX.  Pure code: see cpuid_filter.h.
 */
#include "cpuid_filter.h"

#define F(bit)	(1U << (bit))

/* CPUID.1 ECX: SSE3, PCLMULQDQ, SSSE3, CX16, PCID, SSE4.1, SSE4.2, MOVBE, POPCNT, AES, RDRAND */
#define C1_ECX	(F(0) | F(1) | F(9) | F(13) | F(17) | F(19) | F(20) | F(22) | F(23) | \
		 F(25) | F(30))
/* ... with XSAVE: XSAVE; with the AVX state: FMA, AVX, F16C */
#define C1_ECX_XSAVE	F(26)
#define C1_ECX_AVX	(F(12) | F(28) | F(29))
/*
 * CPUID.1 EDX: FPU, VME, DE, PSE, TSC, MSR, PAE, MCE, CX8, SEP, MTRR, PGE,
 * MCA, CMOV, PAT, PSE36, CLFLUSH, MMX, FXSR, SSE, SSE2, SS; APIC (9), which
 * KVM_CREATE_IRQCHIP's APIC (lapic/) or the VMM's own provides, as on KVM.
 */
#define C1_EDX	(F(0) | F(1) | F(2) | F(3) | F(4) | F(5) | F(6) | F(7) | F(8) | F(9) | \
		 F(11) | F(12) | F(13) | F(14) | F(15) | F(16) | F(17) | F(19) | F(23) | \
		 F(24) | F(25) | F(26) | F(27))
/* CPUID.1 EBX: brand index and CLFLUSH line size; no APIC ID, no logical count. */
#define C1_EBX	0xffffU

/*
 * CPUID.7.0 EBX: FSGSBASE, TSC_ADJUST (emulated: always), BMI1, FDP_EXCPTN_ONLY,
 * SMEP, BMI2, ERMS, ZERO_FCS_FDS, RDSEED, ADX, SMAP, CLFLUSHOPT, CLWB, SHA.
 */
#define C7_EBX	(F(0) | F(3) | F(6) | F(7) | F(8) | F(9) | F(13) | F(18) | F(19) | \
		 F(20) | F(23) | F(24) | F(29))
#define C7_EBX_INVPCID		F(10)
/* ... with the AVX state: AVX2; with the AVX-512 state: AVX512F, DQ, IFMA, PF, ER, CD, BW, VL */
#define C7_EBX_AVX	F(5)
#define C7_EBX_AVX512	(F(16) | F(17) | F(21) | F(26) | F(27) | F(28) | F(30) | F(31))
/* CPUID.7.0 ECX: UMIP, GFNI, CLDEMOTE, MOVDIRI, MOVDIR64B */
#define C7_ECX	(F(2) | F(8) | F(25) | F(27) | F(28))
/* ... with the AVX state: VAES, VPCLMULQDQ; with AVX-512's: VBMI, VBMI2, VNNI, BITALG, VPOPCNTDQ */
#define C7_ECX_AVX	(F(9) | F(10))
#define C7_ECX_AVX512	(F(1) | F(6) | F(11) | F(12) | F(14))
/* CPUID.7.0 EDX: FSRM, MD_CLEAR, SERIALIZE; ARCH_CAPABILITIES (emulated: always) */
#define C7_EDX	(F(4) | F(10) | F(14))
/* ... with the AVX-512 state: AVX512_4VNNIW, 4FMAPS, VP2INTERSECT, FP16 */
#define C7_EDX_AVX512	(F(2) | F(3) | F(8) | F(23))
/* CPUID.7.1 EAX: AVX_VNNI with the AVX state, AVX512_BF16 with AVX-512's */
#define C7_1_EAX_AVX	F(4)
#define C7_1_EAX_AVX512	F(5)

/* CPUID.0xD.1 EAX: XSAVEOPT, XSAVEC, XGETBV with ECX=1.  Not XSAVES, XFD. */
#define CD1_EAX	(F(0) | F(1) | F(2))

/* CPUID.0x80000001 ECX: LAHF_LM, ABM/LZCNT, SSE4A, MISALIGNSSE, PREFETCHW, TBM */
#define CE1_ECX	(F(0) | F(5) | F(6) | F(7) | F(8) | F(21))
/* ... with the AVX state: XOP, FMA4 */
#define CE1_ECX_AVX	(F(11) | F(16))
/*
 * CPUID.0x80000001 EDX: leaf 1's bits that AMD mirrors (not APIC), SYSCALL,
 * NX, MMXEXT, FXSR_OPT, 1 GiB pages, LM, 3DNow!; RDTSCP (27) where VMX
 * lets the guest run it.
 */
#define CE1_EDX	((C1_EDX & 0x0183f1ffU) | F(11) | F(20) | F(22) | F(25) | F(26) | \
		 F(29) | F(30) | F(31))
/* CPUID.0x80000007 EDX: the invariant TSC (the guest's TSC is the host's). */
#define CE7_EDX	F(8)
/* CPUID.0x80000008 EBX: CLZERO, XSAVEERPTR, WBNOINVD (exits as WBINVD does) */
#define CE8_EBX	(F(0) | F(2) | F(9))

/* CPUID.6 EAX: ARAT, as KVM always says. */
#define C6_EAX_ARAT	F(2)

/* XCR0: the state AVX needs (SSE, YMM), and AVX-512's (opmask, ZMM_Hi256, Hi16_ZMM). */
#define XCR0_AVX	0x6ULL
#define XCR0_AVX512	0xe0ULL

/* All ones when the guest may have the AVX (or AVX-512) state, else 0. */
static u32 avx_ok(const struct cpuid_host *h)
{
	return h->xsave && (h->xcr0 & XCR0_AVX) == XCR0_AVX ? ~0U : 0;
}

static u32 avx512_ok(const struct cpuid_host *h)
{
	return avx_ok(h) && (h->xcr0 & XCR0_AVX512) == XCR0_AVX512 ? ~0U : 0;
}

static void zero(struct kvm_cpuid_entry2 *e)
{
	e->eax = 0;
	e->ebx = 0;
	e->ecx = 0;
	e->edx = 0;
}

static void keep(struct kvm_cpuid_entry2 *e, u32 eax, u32 ebx, u32 ecx, u32 edx)
{
	e->eax &= eax;
	e->ebx &= ebx;
	e->ecx &= ecx;
	e->edx &= edx;
}

/*
 * Leaf 0x15: TSC = crystal (ECX Hz) * EBX / EAX.  The host's when complete;
 * else one that gives the host's TSC frequency, so Linux need not calibrate
 * against the PIT (native_calibrate_tsc() trusts this leaf).
 */
static void tsc_leaf(struct kvm_cpuid_entry2 *e, const struct cpuid_host *h)
{
	u64 hz = (u64)h->tsc_khz * 1000;

	if (e->eax && e->ebx && e->ecx)
		return;
	zero(e);
	if (!h->tsc_khz)
		return;
	e->eax = 1;
	e->ebx = hz > 0xffffffffULL ? 2 : 1;
	e->ecx = hz / e->ebx;
}

/* Leaf 0x16: base and maximum MHz, bus MHz.  Linux takes cpu_khz from EAX. */
static void freq_leaf(struct kvm_cpuid_entry2 *e, const struct cpuid_host *h)
{
	if (e->eax) {
		e->edx = 0;
		return;
	}
	zero(e);
	e->eax = h->tsc_khz / 1000;
	e->ebx = e->eax;
	e->ecx = e->eax ? 100 : 0;
}

static void xsave_leaf(struct kvm_cpuid_entry2 *e, const struct cpuid_host *h)
{
	if (!h->xsave) {
		zero(e);
	} else if (e->index == 0) {
		e->eax = (u32)h->xcr0;
		e->edx = (u32)(h->xcr0 >> 32);
		e->ecx = h->xsave_size;
	} else if (e->index == 1) {
		keep(e, CD1_EAX & h->caps_d_1_eax, 0, 0, 0);
	} else if (e->index >= 64 || !(h->xcr0 & (1ULL << e->index))) {
		zero(e);
	} else {
		/* Size and offset of the component; no XFD (ECX bit 2), EDX reserved. */
		e->ecx &= F(1);
		e->edx = 0;
	}
}

static void leaf7(struct kvm_cpuid_entry2 *e, const struct cpuid_host *h)
{
	u32 avx = avx_ok(h), avx512 = avx512_ok(h);

	if (e->index == 0) {
		e->eax = e->eax ? 1 : 0;	/* subleaf 1 is the last offered */
		keep(e, ~0U,
		     (C7_EBX | (C7_EBX_AVX & avx) | (C7_EBX_AVX512 & avx512) |
		      (h->invpcid ? C7_EBX_INVPCID : 0)) & h->caps_7_ebx,
		     (C7_ECX | (C7_ECX_AVX & avx) | (C7_ECX_AVX512 & avx512) |
		      (h->rdtscp ? C7_ECX_RDPID : 0)) & h->caps_7_ecx,
		     (C7_EDX | (C7_EDX_AVX512 & avx512)) & h->caps_7_edx);
		e->ebx |= C7_EBX_TSC_ADJUST;
		e->edx |= C7_EDX_ARCH_CAPS;
	} else if (e->index == 1) {
		keep(e, ((C7_1_EAX_AVX & avx) | (C7_1_EAX_AVX512 & avx512)) & h->caps_7_1_eax,
		     0, 0, 0);
	} else {
		zero(e);
	}
}

void cpuid_filter_entry(struct kvm_cpuid_entry2 *e, const struct cpuid_host *h)
{
	u32 xsave = h->xsave ? ~0U : 0, avx = avx_ok(h);

	switch (e->function) {
	case 0:
		e->eax = CPUID_GUEST_BASIC_MAX;
		break;
	case 1:
		keep(e, ~0U, C1_EBX,
		     (C1_ECX | (C1_ECX_XSAVE & xsave) | (C1_ECX_AVX & avx)) & h->caps_1_ecx,
		     C1_EDX & h->caps_1_edx);
		/* x2APIC is emulated whatever the host has, as on KVM. */
		e->ecx |= C1_ECX_X2APIC;
		break;
	case 2:		/* cache and TLB descriptors */
	case 4:		/* deterministic cache parameters */
		break;
	case 6:
		zero(e);
		e->eax = C6_EAX_ARAT;
		break;
	case 7:
		leaf7(e, h);
		break;
	case 0xd:
		xsave_leaf(e, h);
		break;
	case 0x15:
		tsc_leaf(e, h);
		break;
	case 0x16:
		freq_leaf(e, h);
		break;
	case 0x80000000:
		e->eax = h->ext_max < CPUID_GUEST_EXT_MAX ? h->ext_max : CPUID_GUEST_EXT_MAX;
		break;
	case 0x80000001:
		e->ebx &= ~0x0fff0000U;		/* AMD's package type */
		keep(e, ~0U, ~0U, (CE1_ECX | (CE1_ECX_AVX & avx)) & h->caps_e1_ecx,
		     (CE1_EDX | (h->rdtscp ? CE1_EDX_RDTSCP : 0)) & h->caps_e1_edx);
		break;
	case 0x80000002:	/* the brand string */
	case 0x80000003:
	case 0x80000004:
	case 0x80000005:	/* AMD's L1 caches */
		break;
	case 0x80000006:
		e->edx &= ~0x30000U;
		break;
	case 0x80000007:
		keep(e, 0, 0, 0, CE7_EDX & h->caps_e7_edx);
		break;
	case 0x80000008:
		/*
		 * 48 virtual address bits: LA57 is not offered.  No more
		 * physical ones than a 4-level EPT walk maps, or the guest
		 * could put RAM where no EPT entry can reach it.
		 */
		e->eax = ((e->eax & 0xff) > 48 ? 48 : (e->eax & 0xff)) | (48 << 8);
		e->ecx &= ~0xffff0f00U;
		e->edx = 0;
		e->ebx &= CE8_EBX & h->caps_e8_ebx;
		break;
	default:
		/*
		 * 3 (serial number), 5 (MONITOR), 8-0xc (DCA, PMU, topology),
		 * 0xe-0x14 (RDT, SGX, PT) and anything newer: not offered.
		 */
		zero(e);
	}
}

void cpuid_kvm_leaf(struct kvm_cpuid_entry2 *e, u32 fn)
{
	*e = (struct kvm_cpuid_entry2){ .function = fn };
	/* KVM_FEATURE_PV_SEND_IPI (vmx/hypercall.c): the one kvmini has. */
	if (fn == CPUID_KVM_FEATURES)
		e->eax = 1U << 11;
	if (fn != CPUID_KVM_SIGNATURE)
		return;
	e->eax = CPUID_KVM_FEATURES;
	e->ebx = 0x4b4d564b;	/* "KVMK" */
	e->ecx = 0x564b4d56;	/* "VMKV" */
	e->edx = 0x0000004d;	/* "M\0\0\0" */
}
