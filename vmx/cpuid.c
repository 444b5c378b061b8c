// SPDX-License-Identifier: GPL-2.0
/*
 * CPUID: what kvmini offers (KVM_GET_SUPPORTED_CPUID), what a vCPU was
 * given (KVM_SET_CPUID2), and the CPUID exit that answers from it.
 *
 * The offer is the host's CPUID through an allow-list (cpuid_filter.c):
 * a feature the guest sees is one kvmini virtualizes, or one that needs
 * nothing from a hypervisor.  Leaves 0x15 and 0x16 give the TSC frequency.
 * The bits that follow the guest's state (cpuid_runtime.c) are brought up
 * to date whenever the table is looked at: by the CPUID exit,
 * KVM_GET_CPUID2 and KVM_SET_CPUID2 after KVM_RUN.
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
#include "cpuid_runtime.h"
#include "exits.h"
#include "vcpu.h"
#include "vmcs.h"
#include "vmx.h"
#include "../lapic/vlapic.h"
#include "../vm/vm.h"

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

/*
 * The host's XSAVE components, read once: the CPUID exit needs their
 * sizes, and CPUID on the host may itself be an exit when kvmini runs
 * nested.
 */
static struct xsave_component xsave_layout[CPUID_XSAVE_COMPONENTS] __ro_after_init;

/* Module load: only the components a guest may enable are ever needed. */
void __init vmx_cpuid_init(void)
{
	u64 guest = vmx_guest_xcr0_allowed();
	u32 eax, ebx, ecx, edx;
	int i;

	if (!vmx_host_has_xsave())
		return;
	for (i = 2; i < CPUID_XSAVE_COMPONENTS; i++) {
		if (!(guest & BIT_ULL(i)))
			continue;
		cpuid_count(0xd, i, &eax, &ebx, &ecx, &edx);
		xsave_layout[i].size = eax;
		xsave_layout[i].offset = ebx;
		xsave_layout[i].align64 = ecx & BIT(1);
	}
}

/* The XSAVE area size for the components in @xcr0 (CPUID.0xD.0:EBX). */
static u32 xsave_size(u64 xcr0)
{
	return xsave_area_size(xsave_layout, xcr0, false);
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
		.rdtscp = vmx_has_rdtscp(&kvmini_caps),
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
	/* KVM's leaves sit between the basic and the extended ones, as in KVM's list. */
	for (fn = CPUID_KVM_SIGNATURE; fn <= CPUID_KVM_FEATURES; fn++) {
		if (n >= max)
			return -E2BIG;
		cpuid_kvm_leaf(&e[n++], fn);
	}
	for (fn = 0x80000000; fn <= ext_max; fn++)
		if (!add_entry(e, &n, max, fn, 0, false, &h))
			return -E2BIG;
	return n;
}

static struct kvm_cpuid_entry2 *find_entry(struct kvm_cpuid_entry2 *e, int n, u32 fn, u32 idx)
{
	return cpuid_lookup(e, n, fn, idx, false);
}

/* What the runtime bits follow: the guest's CR4 (VMCS current) and XCR0. */
static void runtime_state(struct kvmini_vcpu *vcpu, struct cpuid_runtime *rt)
{
	unsigned long cr4 = vcpu_cr4();

	rt->host_xsave = vmx_host_has_xsave();
	rt->host_pku = boot_cpu_has(X86_FEATURE_PKU);
	rt->cr4_osxsave = cr4 & X86_CR4_OSXSAVE;
	rt->cr4_pke = cr4 & X86_CR4_PKE;
	rt->apic_enabled = vmx_apic_base(vcpu) & MSR_IA32_APICBASE_ENABLE;
	rt->xsave_size = xsave_size(vcpu->xcr0);
	rt->xsave_size_compacted = xsave_area_size(xsave_layout, vcpu->xcr0, true);
	rt->mwait_follows_misc = !vm_has_quirk(vcpu->vm, KVM_X86_QUIRK_MISC_ENABLE_NO_MWAIT);
	rt->misc_mwait = vcpu->msr.misc_enable & MSR_IA32_MISC_ENABLE_MWAIT;
}

/* CPUID.1:ECX.MWAIT as the guest sees it now (MONITOR and MWAIT's #UD). */
bool vmx_guest_has_mwait(struct kvmini_vcpu *vcpu)
{
	const struct kvm_cpuid_entry2 *e;

	vmx_cpuid_refresh(vcpu);
	e = cpuid_lookup(vcpu->cpuid, vcpu->cpuid_nent, 1, 0, true);
	return e && (e->ecx & BIT(3));
}

/**
 * vmx_cpuid_refresh - bring the vCPU's table up to date with its state
 * @vcpu: the vCPU, its lock held and its VMCS current
 *
 * KVM rewrites the bits that follow CR4 and XCR0 in its stored table
 * whenever those change; kvmini rewrites them whenever the table is
 * looked at, which nobody can tell apart.
 *
 * Return: the number of entries in the table.
 */
int vmx_cpuid_refresh(struct kvmini_vcpu *vcpu)
{
	struct cpuid_runtime rt;

	runtime_state(vcpu, &rt);
	cpuid_update_runtime(vcpu->cpuid, vcpu->cpuid_nent, &rt);
	return vcpu->cpuid_nent;
}

/* The leaves cpuid_update_runtime() writes to. */
static bool leaf_has_runtime_bits(u32 fn)
{
	return fn == 1 || fn == 7 || fn == 0xd;
}

/* CPUID exit: the vCPU's table (KVM_SET_CPUID2), or kvmini's offer when userspace set none. */
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
	/* Only for these leaves: the other exits stay a plain lookup. */
	if (leaf_has_runtime_bits(fn))
		vmx_cpuid_refresh(vcpu);
	e = find_entry(vcpu->cpuid, vcpu->cpuid_nent, fn, idx);
	if (e) {
		eax = e->eax;
		ebx = e->ebx;
		ecx = e->ecx;
		edx = e->edx;
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
static u8 cpuid_maxphyaddr(struct kvm_cpuid_entry2 *e, int n)
{
	const struct kvm_cpuid_entry2 *ext = find_entry(e, n, 0x80000000, 0);
	const struct kvm_cpuid_entry2 *l8 = find_entry(e, n, 0x80000008, 0);

	if (!ext || ext->eax < 0x80000008 || !l8)
		return 36;
	return l8->eax & 0xff;
}

/*
 * As KVM 6.1's kvm_check_cpuid(): canonical-address checks assume 48 or
 * 57 virtual address bits, so a leaf 0x80000008 with another width (0:
 * not given) is refused.  Any subleaf counts, as KVM's lookup ignores it.
 */
static bool cpuid_va_width_ok(struct kvm_cpuid_entry2 *e, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		u32 va = (e[i].eax >> 8) & 0xff;

		if (e[i].function == 0x80000008)
			return va == 0 || va == 48 || va == 57;
	}
	return true;
}

/* What the vCPU's MSRs must know of its CPUID, as KVM's guest_cpuid_has(). */
/* KVM's is_guest_vendor_amd() and _hygon(): the vendors with AMD's SYSCALL. */
static bool vendor_amd(const struct kvm_cpuid_entry2 *l0)
{
	static const u32 amd[][3] = {
		{ 0x68747541, 0x444d4163, 0x69746e65 },	/* AuthenticAMD */
		{ 0x69444d41, 0x21726574, 0x74656273 },	/* AMDisbetter! */
		{ 0x6f677948, 0x656e6975, 0x6e65476e },	/* HygonGenuine */
	};
	int i;

	for (i = 0; l0 && i < ARRAY_SIZE(amd); i++)
		if (l0->ebx == amd[i][0] && l0->ecx == amd[i][1] && l0->edx == amd[i][2])
			return true;
	return false;
}

static u32 cpuid_caps(struct kvm_cpuid_entry2 *e, int n)
{
	const struct kvm_cpuid_entry2 *l1 = find_entry(e, n, 1, 0);
	const struct kvm_cpuid_entry2 *l7 = find_entry(e, n, 7, 0);
	const struct kvm_cpuid_entry2 *le1 = find_entry(e, n, 0x80000001, 0);
	u32 caps = 0;

	if (l7 && (l7->ebx & C7_EBX_TSC_ADJUST))
		caps |= VCPU_CPUID_TSC_ADJUST;
	if (l7 && (l7->edx & C7_EDX_ARCH_CAPS))
		caps |= VCPU_CPUID_ARCH_CAPS;
	if (l1 && (l1->ecx & C1_ECX_X2APIC))
		caps |= VCPU_CPUID_X2APIC;
	if (l1 && (l1->ecx & C1_ECX_TSC_DEADLINE))
		caps |= VCPU_CPUID_TSC_DEADLINE;
	if ((le1 && (le1->edx & CE1_EDX_RDTSCP)) || (l7 && (l7->ecx & C7_ECX_RDPID)))
		caps |= VCPU_CPUID_TSC_AUX;
	if (vendor_amd(find_entry(e, n, 0, 0)))
		caps |= VCPU_CPUID_SYSCALL_LEGACY;
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

/*
 * KVM's paravirtual features the table offers: EAX of the leaf after the
 * one that signs "KVMKVMKVM", looked for where hypervisors put theirs
 * (0x40000000 up, in steps of 0x100), as KVM's kvm_update_pv_runtime().
 */
static u32 cpuid_pv_features(struct kvm_cpuid_entry2 *e, int n)
{
	u32 base;

	for (base = CPUID_KVM_SIGNATURE; base < 0x40010000; base += 0x100) {
		const struct kvm_cpuid_entry2 *sig = find_entry(e, n, base, 0);
		const struct kvm_cpuid_entry2 *f;

		if (!sig || sig->ebx != 0x4b4d564b || sig->ecx != 0x564b4d56 || sig->edx != 0x4d)
			continue;
		f = find_entry(e, n, base + 1, 0);
		return f ? f->eax : 0;
	}
	return 0;
}

/* The vCPU's table from now on; it owns @e. */
static void install(struct kvmini_vcpu *vcpu, struct kvm_cpuid_entry2 *e, int nent)
{
	kfree(vcpu->cpuid);
	vcpu->cpuid = e;
	vcpu->cpuid_nent = nent;
	vcpu->cpuid_caps = cpuid_caps(e, nent);
	vcpu->pv_features = cpuid_pv_features(e, nent);
	vcpu->maxphyaddr = cpuid_maxphyaddr(e, nent);
	if (vcpu->apic)
		vlapic_cpuid_changed(vcpu, vcpu->cpuid_caps & VCPU_CPUID_TSC_DEADLINE);
}

/**
 * vmx_set_cpuid - KVM_SET_CPUID2: the vCPU's CPUID from now on
 * @vcpu: the vCPU, its lock held and its VMCS current
 * @entries: @nent entries, allocated by the caller, or NULL for none
 * @nent: at most KVMINI_MAX_CPUID_ENTRIES
 *
 * The runtime bits of @entries are set from the vCPU's state first, as
 * KVM does, so that a table read back with KVM_GET_CPUID2 is the same
 * table.  Once the vCPU has run its CPUID is fixed, as on KVM 6.1: the
 * same table again succeeds, any other fails (what MSRs and the guest
 * already saw was derived from the old one).  Nothing here sleeps.
 *
 * Return: 0, and @entries belongs to the vCPU (which may have freed it);
 * -E2BIG, or -EINVAL for a different table after KVM_RUN, and @entries
 * is still the caller's.
 */
int vmx_set_cpuid(struct kvmini_vcpu *vcpu, struct kvm_cpuid_entry2 *entries, int nent)
{
	struct cpuid_runtime rt;

	if (nent > KVMINI_MAX_CPUID_ENTRIES)
		return -E2BIG;
	if (!cpuid_va_width_ok(entries, nent))
		return -EINVAL;
	runtime_state(vcpu, &rt);
	cpuid_update_runtime(entries, nent, &rt);
	if (vcpu->has_run) {
		cpuid_update_runtime(vcpu->cpuid, vcpu->cpuid_nent, &rt);
		if (!cpuid_equal(vcpu, entries, nent))
			return -EINVAL;
		kfree(entries);
		return 0;
	}
	install(vcpu, entries, nent);
	vmx_update_exception_bitmap(vcpu);
	return 0;
}

/*
 * A new vCPU answers CPUID with kvmini's offer until userspace says
 * otherwise.  Before the VMCS exists: the runtime bits are set when the
 * table is first looked at.
 */
int vmx_default_cpuid(struct kvmini_vcpu *vcpu)
{
	struct kvm_cpuid_entry2 *all, *e;
	int n, err = -ENOMEM;

	/* What a vCPU without CPUID has (as KVM's), until the offer is set. */
	vcpu->maxphyaddr = 36;
	all = kcalloc(KVMINI_MAX_CPUID_ENTRIES, sizeof(*all), GFP_KERNEL);
	if (!all)
		return -ENOMEM;
	n = vmx_supported_cpuid(all, KVMINI_MAX_CPUID_ENTRIES);
	if (n < 0) {
		err = n;
		goto out_free_all;
	}
	/* The offer always has leaves 0 and 0x80000000: n is not 0. */
	e = kmemdup(all, n * sizeof(*all), GFP_KERNEL_ACCOUNT);
	if (!e)
		goto out_free_all;
	install(vcpu, e, n);
	err = 0;
out_free_all:
	kfree(all);
	return err;
}
