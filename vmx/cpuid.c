// SPDX-License-Identifier: GPL-2.0
/*
 * CPUID: what kvmini offers (KVM_GET_SUPPORTED_CPUID), what a vCPU was
 * given (KVM_SET_CPUID2), and the CPUID exit that answers from it.
 *
 * The offer is the host's CPUID, filtered: the hypervisor bit set; VMX,
 * SMX, MONITOR, the PMU, x2APIC and the TSC deadline timer (no in-kernel
 * APIC), PKU, RDTSCP (TSC_AUX is not switched), XSAVES and the speculation
 * control MSRs hidden, because kvmini does not virtualize them.
 */
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/cpufeature.h>
#include <linux/types.h>
#include <asm/fpu/xcr.h>
#include <asm/processor.h>

#include "cpuid.h"
#include "exits.h"
#include "vcpu.h"
#include "vmcs.h"
#include "vmx.h"

#define F(bit)	BIT(bit)

/* CPUID.1 */
#define C1_ECX_HIDDEN	(F(3) | F(4) | F(5) | F(6) | F(7) | F(8) | F(15) | F(18) | \
			 F(21) | F(24) | F(27))
#define C1_ECX_HYPERVISOR F(31)
#define C1_ECX_OSXSAVE	F(27)
/* XSAVE, AVX, F16C, FMA: nothing without XSAVE in the host. */
#define C1_ECX_XSAVE_AVX (F(12) | F(26) | F(28) | F(29))
#define C1_EDX_HIDDEN	(F(12) | F(21) | F(22) | F(29) | F(31))
/* CPUID.7.0 */
#define C7_EBX_HIDDEN	(F(2) | F(4) | F(11) | F(12) | F(14) | F(15) | F(25))
/* AVX2 and the AVX-512 family. */
#define C7_EBX_XSAVE_USERS (F(5) | F(16) | F(17) | F(21) | F(26) | F(27) | F(28) | \
			    F(30) | F(31))
#define C7_ECX_HIDDEN	(F(3) | F(4) | F(5) | F(16) | F(30))
#define C7_EDX_KEPT	(F(2) | F(3) | F(4))
/* CPUID.0xD.1: XSAVES/XRSTORS */
#define CD1_EAX_XSAVES	F(3)
/* CPUID.0x80000001 EDX: RDTSCP */
#define CE1_EDX_RDTSCP	F(27)

/* XSAVE components a guest may enable: x87, SSE, AVX, AVX-512. */
#define GUEST_XCR0_MASK	(XFEATURE_MASK_FP | XFEATURE_MASK_SSE | XFEATURE_MASK_YMM | \
			 XFEATURE_MASK_OPMASK | XFEATURE_MASK_ZMM_Hi256 | \
			 XFEATURE_MASK_Hi16_ZMM)

u64 vmx_guest_xcr0_allowed(void)
{
	if (!vmx_host_has_xsave())
		return XFEATURE_MASK_FP | XFEATURE_MASK_SSE;
	return xgetbv(XCR_XFEATURE_ENABLED_MASK) & GUEST_XCR0_MASK;
}

static bool add_entry(struct kvm_cpuid_entry2 *e, int *n, int max, u32 fn, u32 idx,
		      bool indexed)
{
	struct kvm_cpuid_entry2 *ent;

	if (*n >= max)
		return false;
	ent = &e[(*n)++];
	memset(ent, 0, sizeof(*ent));
	ent->function = fn;
	ent->index = idx;
	ent->flags = indexed ? KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0;
	cpuid_count(fn, idx, &ent->eax, &ent->ebx, &ent->ecx, &ent->edx);
	return true;
}

static void filter_entry(struct kvm_cpuid_entry2 *e, u64 xcr0)
{
	switch (e->function) {
	case 1:
		e->ecx = (e->ecx & ~C1_ECX_HIDDEN) | C1_ECX_HYPERVISOR;
		if (!vmx_host_has_xsave())
			e->ecx &= ~C1_ECX_XSAVE_AVX;
		e->edx &= ~C1_EDX_HIDDEN;
		break;
	case 6:
	case 0xa:
	case 0xb:
		e->eax = e->ebx = e->ecx = e->edx = 0;
		break;
	case 7:
		if (e->index == 0) {
			e->ebx &= ~C7_EBX_HIDDEN;
			if (!vmx_host_has_xsave())
				e->ebx &= ~C7_EBX_XSAVE_USERS;
			if (!(kvmini_caps.proc2_ctls & PROC2_ENABLE_INVPCID))
				e->ebx &= ~F(10);
			e->ecx &= ~C7_ECX_HIDDEN;
			e->edx &= C7_EDX_KEPT;
		} else {
			e->eax = e->ebx = e->ecx = e->edx = 0;
		}
		break;
	case 0xd:
		if (!vmx_host_has_xsave()) {
			e->eax = e->ebx = e->ecx = e->edx = 0;
		} else if (e->index == 0) {
			e->eax = (u32)xcr0;
			e->edx = (u32)(xcr0 >> 32);
		} else if (e->index == 1) {
			e->eax &= ~CD1_EAX_XSAVES;
			e->ecx = e->edx = 0;
		} else if (!(xcr0 & BIT_ULL(e->index))) {
			e->eax = e->ebx = e->ecx = e->edx = 0;
		}
		break;
	case 0x80000001:
		e->edx &= ~CE1_EDX_RDTSCP;
		break;
	case 0x80000007:
		e->eax = e->ebx = e->ecx = e->edx = 0;
		break;
	}
}

/**
 * vmx_supported_cpuid - fill @e with what kvmini offers a guest
 * @e: the entries
 * @max: room in @e
 *
 * Return: the number of entries, or -E2BIG when @max is too small.
 */
int vmx_supported_cpuid(struct kvm_cpuid_entry2 *e, int max)
{
	u64 xcr0 = vmx_guest_xcr0_allowed();
	u32 basic_max = min_t(u32, cpuid_eax(0), 0xd);
	u32 ext_max = min_t(u32, cpuid_eax(0x80000000), 0x80000008);
	int n = 0, i;
	u32 fn, idx;

	for (fn = 0; fn <= basic_max; fn++) {
		switch (fn) {
		case 4:
			for (idx = 0; idx < 8; idx++) {
				if (!add_entry(e, &n, max, fn, idx, true))
					return -E2BIG;
				if (!(e[n - 1].eax & 0x1f))
					break;
			}
			break;
		case 7:
		case 0xb:
			if (!add_entry(e, &n, max, fn, 0, true))
				return -E2BIG;
			break;
		case 0xd:
			for (idx = 0; idx < 8; idx++)
				if (!add_entry(e, &n, max, fn, idx, true))
					return -E2BIG;
			break;
		default:
			if (!add_entry(e, &n, max, fn, 0, false))
				return -E2BIG;
		}
	}
	e[0].eax = basic_max;
	for (fn = 0x80000000; fn <= ext_max; fn++)
		if (!add_entry(e, &n, max, fn, 0, false))
			return -E2BIG;
	for (i = 0; i < n; i++) {
		if (e[i].function == 0x80000000)
			e[i].eax = ext_max;
		filter_entry(&e[i], xcr0);
	}
	return n;
}

static const struct kvm_cpuid_entry2 *find_entry(const struct kvm_cpuid_entry2 *e, int n,
						 u32 fn, u32 idx)
{
	int i;

	for (i = 0; i < n; i++)
		if (e[i].function == fn &&
		    (!(e[i].flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) || e[i].index == idx))
			return &e[i];
	return NULL;
}

/* The XSAVE area size for the components in @xcr0 (CPUID.0xD.0:EBX). */
static u32 xsave_size(u64 xcr0)
{
	u32 size = 512 + 64, eax, ebx, ecx, edx;
	int i;

	for (i = 2; i < 64; i++) {
		if (!(xcr0 & BIT_ULL(i)))
			continue;
		cpuid_count(0xd, i, &eax, &ebx, &ecx, &edx);
		size = max(size, eax + ebx);
	}
	return size;
}

/*
 * CPUID exit: the vCPU's table (KVM_SET_CPUID2), or kvmini's offer when
 * userspace set none; then the bits that follow the guest's own state.
 */
int handle_cpuid(struct kvmini_vcpu *vcpu)
{
	u32 fn = vcpu->regs[GPR_RAX], idx = vcpu->regs[GPR_RCX];
	const struct kvm_cpuid_entry2 *e;
	u32 eax = 0, ebx = 0, ecx = 0, edx = 0;

	e = find_entry(vcpu->cpuid, vcpu->cpuid_nent, fn, idx);
	if (e) {
		eax = e->eax;
		ebx = e->ebx;
		ecx = e->ecx;
		edx = e->edx;
	}
	if (fn == 1) {
		ecx &= ~C1_ECX_OSXSAVE;
		if (vmcs_readl(CR4_READ_SHADOW) & X86_CR4_OSXSAVE)
			ecx |= C1_ECX_OSXSAVE;
	} else if (fn == 0xd && idx == 0 && e) {
		ebx = xsave_size(vcpu->xcr0);
	}
	vcpu->regs[GPR_RAX] = eax;
	vcpu->regs[GPR_RBX] = ebx;
	vcpu->regs[GPR_RCX] = ecx;
	vcpu->regs[GPR_RDX] = edx;
	vmx_skip_instruction(vcpu);
	return 1;
}

/**
 * vmx_set_cpuid - KVM_SET_CPUID2: the vCPU's CPUID from now on
 * @vcpu: the vCPU, its lock held
 * @entries: @nent entries, copied
 * @nent: at most KVMINI_MAX_CPUID_ENTRIES
 *
 * Return: 0, -E2BIG, -ENOMEM.
 */
int vmx_set_cpuid(struct kvmini_vcpu *vcpu, const struct kvm_cpuid_entry2 *entries,
		  int nent)
{
	struct kvm_cpuid_entry2 *copy = NULL;

	if (nent > KVMINI_MAX_CPUID_ENTRIES)
		return -E2BIG;
	if (nent) {
		copy = kmemdup(entries, nent * sizeof(*entries), GFP_KERNEL_ACCOUNT);
		if (!copy)
			return -ENOMEM;
	}
	kfree(vcpu->cpuid);
	vcpu->cpuid = copy;
	vcpu->cpuid_nent = nent;
	return 0;
}

/* A new vCPU answers CPUID with kvmini's offer until userspace says otherwise. */
int vmx_default_cpuid(struct kvmini_vcpu *vcpu)
{
	struct kvm_cpuid_entry2 *e;
	int n;

	e = kcalloc(KVMINI_MAX_CPUID_ENTRIES, sizeof(*e), GFP_KERNEL_ACCOUNT);
	if (!e)
		return -ENOMEM;
	n = vmx_supported_cpuid(e, KVMINI_MAX_CPUID_ENTRIES);
	if (n > 0)
		n = vmx_set_cpuid(vcpu, e, n);
	kfree(e);
	return n < 0 ? n : 0;
}
