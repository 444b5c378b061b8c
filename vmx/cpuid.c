// SPDX-License-Identifier: GPL-2.0
/*
 * CPUID: what kvmini offers (KVM_GET_SUPPORTED_CPUID), what a vCPU was
 * given (KVM_SET_CPUID2), and the CPUID exit that answers from it.
 *
 * The offer is the host's CPUID through an allow-list (cpuid_filter.c):
 * a feature the guest sees is one kvmini virtualizes, or one that needs
 * nothing from a hypervisor.  Leaves 0x15 and 0x16 give the TSC frequency.
 */
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/cpufeature.h>
#include <linux/types.h>
#include <asm/fpu/xcr.h>
#include <asm/msr-index.h>
#include <asm/processor.h>
#include <asm/tsc.h>

#include "cpuid.h"
#include "cpuid_filter.h"
#include "exits.h"
#include "vcpu.h"
#include "vmcs.h"
#include "vmx.h"

/* CPUID.1 ECX: follows the guest's CR4 */
#define C1_ECX_OSXSAVE	BIT(27)

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
 * One leaf as the host has it (zeros past the host's highest leaf),
 * filtered, appended to @e unless nothing of it is offered.  False when
 * it is offered and @e is full.
 */
static bool add_entry(struct kvm_cpuid_entry2 *e, int *n, int max, u32 fn, u32 idx,
		      bool indexed, const struct cpuid_host *h)
{
	u32 host_max = fn >= 0x80000000 ? h->ext_max : h->basic_max;
	struct kvm_cpuid_entry2 ent = {
		.function = fn,
		.index = idx,
		.flags = indexed ? KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0,
	};

	if (fn <= host_max)
		cpuid_count(fn, idx, &ent.eax, &ent.ebx, &ent.ecx, &ent.edx);
	cpuid_filter_entry(&ent, h);
	/* A leaf with nothing offered reads as zeros without an entry. */
	if (!(ent.eax | ent.ebx | ent.ecx | ent.edx) && fn != 0 && fn != 0x80000000)
		return true;
	if (*n >= max)
		return false;
	e[(*n)++] = ent;
	return true;
}

/* A capability word of the host kernel's (boot_cpu_data.x86_capability). */
static u32 host_caps(enum cpuid_leafs word)
{
	return boot_cpu_data.x86_capability[word];
}

/* Subleaves offered: leaf 4 until its cache type is 0, 7.0-1, 0xD.0-7. */
static u32 nr_subleaves(u32 fn)
{
	switch (fn) {
	case 4:
	case 0xd:
		return 8;
	case 7:
		return 2;
	default:
		return 0;
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
	struct cpuid_host h = {
		.basic_max = cpuid_eax(0),
		.ext_max = cpuid_eax(0x80000000),
		.xsave = vmx_host_has_xsave(),
		.invpcid = kvmini_caps.proc2_ctls & PROC2_ENABLE_INVPCID,
		.xcr0 = vmx_guest_xcr0_allowed(),
		.tsc_khz = tsc_khz,
		.caps_1_ecx = host_caps(CPUID_1_ECX),
		.caps_1_edx = host_caps(CPUID_1_EDX),
		.caps_7_ebx = host_caps(CPUID_7_0_EBX),
		.caps_7_ecx = host_caps(CPUID_7_ECX),
		.caps_7_edx = host_caps(CPUID_7_EDX),
		.caps_7_1_eax = host_caps(CPUID_7_1_EAX),
		.caps_d_1_eax = host_caps(CPUID_D_1_EAX),
		.caps_e1_ecx = host_caps(CPUID_8000_0001_ECX),
		.caps_e1_edx = host_caps(CPUID_8000_0001_EDX),
		/*
		 * The host's own invariant-TSC bit, as KVM takes it, and not
		 * while the host has found its TSC unstable.
		 */
		.caps_e7_edx = check_tsc_unstable() ? 0 : boot_cpu_data.x86_power & BIT(8),
		.caps_e8_ebx = host_caps(CPUID_8000_0008_EBX),
	};
	u32 ext_max = min_t(u32, h.ext_max, CPUID_GUEST_EXT_MAX);
	int n = 0;
	u32 fn, idx;

	h.xsave_size = xsave_size(h.xcr0);
	for (fn = 0; fn <= CPUID_GUEST_BASIC_MAX; fn++) {
		u32 subs = nr_subleaves(fn);

		if (!subs) {
			if (!add_entry(e, &n, max, fn, 0, false, &h))
				return -E2BIG;
			continue;
		}
		for (idx = 0; idx < subs; idx++) {
			if (!add_entry(e, &n, max, fn, idx, true, &h))
				return -E2BIG;
			/* Leaf 4 ends at the first subleaf of cache type 0. */
			if (fn == 4 && (e[n - 1].function != 4 || e[n - 1].index != idx ||
					!(e[n - 1].eax & 0x1f)))
				break;
		}
	}
	for (fn = 0x80000000; fn <= ext_max; fn++)
		if (!add_entry(e, &n, max, fn, 0, false, &h))
			return -E2BIG;
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

/*
 * CPUID exit: the vCPU's table (KVM_SET_CPUID2), or kvmini's offer when
 * userspace set none; then the bits that follow the guest's own state.
 */
int handle_cpuid(struct kvmini_vcpu *vcpu)
{
	u32 fn = vcpu->regs[GPR_RAX], idx = vcpu->regs[GPR_RCX];
	const struct kvm_cpuid_entry2 *e;
	u32 eax = 0, ebx = 0, ecx = 0, edx = 0;

	/* CPUID faulting (MSR_MISC_FEATURES_ENABLES), as KVM emulates it. */
	if (unlikely(vcpu->msr.misc_features & MSR_MISC_FEATURES_ENABLES_CPUID_FAULT) &&
	    vmx_guest_cpl() > 0) {
		vmx_inject_gp(vcpu);
		return 1;
	}
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

/*
 * The guest's physical address width, as KVM's cpuid_query_maxphyaddr():
 * CPUID.0x80000008:EAX[7:0] when the table reaches that leaf, else 36.
 * Reserved-bit checks of guest physical addresses use it (msr.c).
 */
static u8 cpuid_maxphyaddr(const struct kvm_cpuid_entry2 *e, int n)
{
	const struct kvm_cpuid_entry2 *ext = find_entry(e, n, 0x80000000, 0);
	const struct kvm_cpuid_entry2 *l8 = find_entry(e, n, 0x80000008, 0);

	if (!ext || ext->eax < 0x80000008 || !l8)
		return 36;
	return l8->eax & 0xff;
}

/* What the vCPU's MSRs must know of its CPUID, as KVM's guest_cpuid_has(). */
static u32 cpuid_caps(const struct kvm_cpuid_entry2 *e, int n)
{
	const struct kvm_cpuid_entry2 *l7 = find_entry(e, n, 7, 0);
	u32 caps = 0;

	if (l7 && (l7->ebx & C7_EBX_TSC_ADJUST))
		caps |= VCPU_CPUID_TSC_ADJUST;
	if (l7 && (l7->edx & C7_EDX_ARCH_CAPS))
		caps |= VCPU_CPUID_ARCH_CAPS;
	return caps;
}

/* KVM's kvm_cpuid_check_equal(): same entries in the same order. */
static bool cpuid_equal(const struct kvmini_vcpu *vcpu, const struct kvm_cpuid_entry2 *e,
			int nent)
{
	const struct kvm_cpuid_entry2 *old = vcpu->cpuid;
	int i;

	if (nent != vcpu->cpuid_nent)
		return false;
	for (i = 0; i < nent; i++)
		if (e[i].function != old[i].function || e[i].index != old[i].index ||
		    e[i].flags != old[i].flags || e[i].eax != old[i].eax ||
		    e[i].ebx != old[i].ebx || e[i].ecx != old[i].ecx || e[i].edx != old[i].edx)
			return false;
	return true;
}

/**
 * vmx_set_cpuid - KVM_SET_CPUID2: the vCPU's CPUID from now on
 * @vcpu: the vCPU, its lock held
 * @entries: @nent entries, copied
 * @nent: at most KVMINI_MAX_CPUID_ENTRIES
 *
 * Once the vCPU has run, its CPUID is fixed, as on KVM 6.1: the same
 * table again succeeds, any other fails (what MSRs and the guest already
 * saw was derived from the old one).
 *
 * Return: 0, -E2BIG, -ENOMEM, -EINVAL (a different table after KVM_RUN).
 */
int vmx_set_cpuid(struct kvmini_vcpu *vcpu, const struct kvm_cpuid_entry2 *entries,
		  int nent)
{
	struct kvm_cpuid_entry2 *copy = NULL;

	if (nent > KVMINI_MAX_CPUID_ENTRIES)
		return -E2BIG;
	if (vcpu->has_run)
		return cpuid_equal(vcpu, entries, nent) ? 0 : -EINVAL;
	if (nent) {
		copy = kmemdup(entries, nent * sizeof(*entries), GFP_KERNEL_ACCOUNT);
		if (!copy)
			return -ENOMEM;
	}
	kfree(vcpu->cpuid);
	vcpu->cpuid = copy;
	vcpu->cpuid_nent = nent;
	vcpu->cpuid_caps = cpuid_caps(copy, nent);
	vcpu->maxphyaddr = cpuid_maxphyaddr(copy, nent);
	return 0;
}

/* A new vCPU answers CPUID with kvmini's offer until userspace says otherwise. */
int vmx_default_cpuid(struct kvmini_vcpu *vcpu)
{
	struct kvm_cpuid_entry2 *e;
	int n;

	/* What a vCPU without CPUID has (as KVM's), until the offer is set. */
	vcpu->maxphyaddr = 36;
	e = kcalloc(KVMINI_MAX_CPUID_ENTRIES, sizeof(*e), GFP_KERNEL_ACCOUNT);
	if (!e)
		return -ENOMEM;
	n = vmx_supported_cpuid(e, KVMINI_MAX_CPUID_ENTRIES);
	if (n > 0)
		n = vmx_set_cpuid(vcpu, e, n);
	kfree(e);
	return n < 0 ? n : 0;
}
