// SPDX-License-Identifier: GPL-2.0
/*
 * Guest MSRs.  One MSR bitmap for every vCPU (SDM Vol. 3C 25.6.9) lets
 * the guest use directly the MSRs whose guest values VMX or the run loop
 * switch (FS/GS bases, SYSENTER, PAT, the SYSCALL MSRs, TSC reads, which
 * add TSC_OFFSET).  The MSRs a Linux guest without an APIC touches at
 * boot are emulated here the way KVM answers a guest: the same values,
 * the same writes accepted, the same #GPs.  Every other MSR raises #GP,
 * as on KVM with ignore_msrs=0.  KVM_GET/SET_MSRS come through the same
 * code with KVM's host_initiated rules: the VMM may restore what the
 * guest cannot write, and reads and writes the MSRs the guest uses
 * directly, checked here before they reach the VMCS.
 */
#include <linux/bitops.h>
#include <linux/nospec.h>
#include <asm/apicdef.h>
#include <asm/cpufeature.h>
#include <asm/io.h>
#include <asm/msr.h>
#include <asm/msr-index.h>
#include <asm/processor.h>
#include <asm/processor-flags.h>

#include "cpuid_runtime.h"
#include "exits.h"
#include "msr.h"
#include "msr_rules.h"
#include "vcpu.h"
#include "vmcs.h"
#include "vmx.h"
#include "../lapic/vlapic.h"
#include "../vm/mem.h"
#include "../vm/vm.h"

static unsigned long *msr_bitmap;

/* The bitmap's four 1 KiB quarters: read low, read high, write low, write high. */
static void pass_msr(u32 msr, bool read, bool write)
{
	unsigned long base = (msr & 0xc0000000) ? 1024 * 8 : 0;
	unsigned long bit = base + (msr & 0x1fff);

	if (read)
		__clear_bit(bit, msr_bitmap);
	if (write)
		__clear_bit(bit + 2048 * 8, msr_bitmap);
}

void vmx_msr_exit(void)
{
	kvmini_free_page(msr_bitmap);
}

u64 vmx_msr_bitmap_phys(void)
{
	return virt_to_phys(msr_bitmap);
}

#define EFER_ALLOWED	(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX)

/* As KVM's default microcode revision for a vCPU, until the VMM sets another. */
#define GUEST_UCODE_REV		0x100000000ULL

int vmx_msr_init(void)
{
	/* msr_rules.c names the bits it needs itself: they must be the kernel's. */
	BUILD_BUG_ON(MSR_RULE_MISC_ENABLE_EMON != MSR_IA32_MISC_ENABLE_EMON);
	BUILD_BUG_ON(MSR_RULE_MISC_ENABLE_BTS_UNAVAIL != MSR_IA32_MISC_ENABLE_BTS_UNAVAIL);
	BUILD_BUG_ON(MSR_RULE_MISC_ENABLE_PEBS_UNAVAIL != MSR_IA32_MISC_ENABLE_PEBS_UNAVAIL);
	BUILD_BUG_ON(MSR_RULE_PLATFORM_INFO_CPUID_FAULT != MSR_PLATFORM_INFO_CPUID_FAULT);
	BUILD_BUG_ON(MSR_RULE_MISC_FEATURES_CPUID_FAULT != MSR_MISC_FEATURES_ENABLES_CPUID_FAULT);
	BUILD_BUG_ON(MSR_RULE_FEAT_CTL_LOCKED != FEAT_CTL_LOCKED);
	vmx_msr_features_init();
	msr_bitmap = kvmini_alloc_page();
	if (!msr_bitmap)
		return -ENOMEM;
	memset(msr_bitmap, 0xff, PAGE_SIZE);
	pass_msr(MSR_FS_BASE, true, true);
	pass_msr(MSR_GS_BASE, true, true);
	pass_msr(MSR_KERNEL_GS_BASE, true, true);
	pass_msr(MSR_STAR, true, true);
	pass_msr(MSR_LSTAR, true, true);
	pass_msr(MSR_CSTAR, true, true);
	pass_msr(MSR_SYSCALL_MASK, true, true);
	pass_msr(MSR_IA32_SYSENTER_CS, true, true);
	pass_msr(MSR_IA32_SYSENTER_ESP, true, true);
	pass_msr(MSR_IA32_SYSENTER_EIP, true, true);
	pass_msr(MSR_IA32_CR_PAT, true, true);
	pass_msr(MSR_IA32_TSC, true, false);
	pass_msr(MSR_EFER, true, false);
	return 0;
}

/* After RESET, as KVM resets a vCPU without an in-kernel APIC. */
void vmx_msr_reset(struct kvmini_vcpu *vcpu)
{
	struct vcpu_msr_state *m = &vcpu->msr;

	memset(m, 0, sizeof(*m));
	memset(&vcpu->msr_banks, 0, sizeof(vcpu->msr_banks));
	m->apic_base = APIC_DEFAULT_PHYS_BASE | MSR_IA32_APICBASE_ENABLE |
		       (vcpu->id == vcpu->vm->bsp_vcpu_id ? MSR_IA32_APICBASE_BSP : 0);
	/*
	 * KVM starts at BTS and PEBS unavailable and leaves fast strings to
	 * the VMM (QEMU sets them with KVM_SET_MSRS); kvmini sets them for
	 * VMMs that do not, or Linux turns ERMS off.
	 */
	m->misc_enable = MSR_IA32_MISC_ENABLE_FAST_STRING |
			 MSR_IA32_MISC_ENABLE_BTS_UNAVAIL | MSR_IA32_MISC_ENABLE_PEBS_UNAVAIL;
	m->arch_caps = vmx_msr_arch_caps();
	m->ucode_rev = GUEST_UCODE_REV;
	m->platform_info = MSR_PLATFORM_INFO_CPUID_FAULT;
}

/*
 * LMA is the CPU's to change, so a write keeps the old one, and LME may
 * not change while paging is on, from the VMM either: KVM lets the VMM
 * do it, but then LME and LMA disagree with paging on, and VM entry
 * fails on that.
 */
static int set_efer(u64 val)
{
	u64 old = vmcs_read64(GUEST_IA32_EFER);

	if (val & ~EFER_ALLOWED)
		return -EINVAL;
	val = (val & ~EFER_LMA) | (old & EFER_LMA);
	if (((val ^ old) & EFER_LME) && (vmcs_readl(GUEST_CR0) & X86_CR0_PG))
		return -EINVAL;
	vmx_set_guest_efer(val);
	/*
	 * --trace-cr3's targets are for long mode's KPTI pairs, and CR0.PG
	 * may be the guest's own: leaving long mode shows here first.
	 */
	if ((val ^ old) & EFER_LME)
		vmcs_write32(CR3_TARGET_COUNT, 0);
	return 0;
}

/*
 * Without an in-kernel APIC, IA32_APIC_BASE is a register KVM keeps for
 * the vCPU, reset to the default base, enabled, BSP on the VM's boot
 * vCPU (0 unless KVM_SET_BOOT_CPU_ID); with one, the APIC's.  What RDMSR,
 * KVM_GET_SREGS and kvm_run.apic_base say.
 */
u64 vmx_apic_base(struct kvmini_vcpu *vcpu)
{
	return vcpu->apic ? vlapic_base(vcpu) : vcpu->msr.apic_base;
}

/*
 * Physical address bits beyond the guest's MAXPHYADDR (its CPUID, as
 * KVM's kvm_vcpu_reserved_gpa_bits_raw()), reserved in the MSRs that
 * hold guest physical addresses.
 */
static u64 reserved_gpa_bits(const struct kvmini_vcpu *vcpu)
{
	return vcpu->maxphyaddr < 64 ? ~0ULL << vcpu->maxphyaddr : 0;
}

/**
 * vmx_set_apic_base - a write of IA32_APIC_BASE, by the guest or by
 * KVM_SET_SREGS
 * @vcpu: the vCPU
 * @val: the new value
 * @host: the VMM asks (KVM_SET_SREGS, KVM_SET_MSRS)
 *
 * KVM's checks: reserved bits (x2APIC enable too, without x2APIC in the
 * vCPU's CPUID), x2APIC without xAPIC enabled; with an APIC, the mode
 * changes the guest may not make (lapic_set_base()).
 *
 * Return: 0, or -EINVAL (#GP for the guest).
 */
int vmx_set_apic_base(struct kvmini_vcpu *vcpu, u64 val, bool host)
{
	u64 reserved = reserved_gpa_bits(vcpu) | 0x2ff |
		       (vcpu->cpuid_caps & VCPU_CPUID_X2APIC ? 0 : X2APIC_ENABLE);

	if (vcpu->apic)
		return vlapic_set_base(vcpu, val, reserved, host);
	if ((val & reserved) || (val & (X2APIC_ENABLE | MSR_IA32_APICBASE_ENABLE)) == X2APIC_ENABLE)
		return -EINVAL;
	vcpu->msr.apic_base = val;
	return 0;
}

/* CPUID.1:ECX.SSE3 in the vCPU's table. */
static bool guest_has_sse3(struct kvmini_vcpu *vcpu)
{
	const struct kvm_cpuid_entry2 *e = cpuid_lookup(vcpu->cpuid, vcpu->cpuid_nent, 1, 0, true);

	return e && (e->ecx & BIT(0));
}

/* The MSRs an in-kernel APIC owns: its base, the TSC deadline, x2APIC's. */

static bool apic_msr(const struct kvmini_vcpu *vcpu, u32 msr)
{
	return vcpu->apic && (msr == MSR_IA32_TSC_DEADLINE || (msr >= 0x800 && msr <= 0x8ff));
}

/* The guest's TSC moves by @delta ticks; so does TSC_ADJUST where it tracks TSC writes. */
static void adjust_tsc_offset(struct kvmini_vcpu *vcpu, u64 delta)
{
	vcpu->tsc_offset += delta;
	vmcs_write64(TSC_OFFSET, vcpu->tsc_offset);
}

/*
 * A write of IA32_TSC.  The guest's moves its TSC and TSC_ADJUST with
 * it.  The VMM's (a restore) only sets the TSC, as KVM's
 * kvm_synchronize_tsc(); 0 is KVM's "a vCPU being set up", which it
 * gives the VM's TSC instead, so that vCPUs created apart still agree.
 * Unsigned: the sums wrap as the TSC and TSC_OFFSET do.
 */
static void set_tsc(struct kvmini_vcpu *vcpu, u64 val, bool host)
{
	u64 delta;

	if (host && !val) {
		adjust_tsc_offset(vcpu, READ_ONCE(vcpu->vm->tsc_offset) - vcpu->tsc_offset);
		return;
	}
	delta = val - (rdtsc() + vcpu->tsc_offset);
	adjust_tsc_offset(vcpu, delta);
	if (!host)
		vcpu->msr.tsc_adjust += delta;
}

/*
 * Machine check banks, as KVM's default vCPU has them: MCG_CAP says 32
 * banks and nothing else (no MCG_CTL, no CMCI); each bank is four MSRs
 * from 0x400.
 */
#define MCE_BANK_MSRS_END	(MSR_IA32_MC0_CTL + 4 * KVMINI_MCE_BANKS)

static int get_mce_bank(struct kvmini_vcpu *vcpu, u32 msr, u64 *val)
{
	u32 i = array_index_nospec(msr - MSR_IA32_MC0_CTL, 4 * KVMINI_MCE_BANKS);

	*val = vcpu->msr_banks.mce[i];
	return 0;
}

static int set_mce_bank(struct kvmini_vcpu *vcpu, u32 msr, u64 val, bool host)
{
	u32 i = array_index_nospec(msr - MSR_IA32_MC0_CTL, 4 * KVMINI_MCE_BANKS);

	if (i % 4 == 0 && !msr_mci_ctl_valid(val))
		return -EINVAL;
	if (i % 4 == 1 && !msr_mci_status_valid(val, host))
		return -EINVAL;
	vcpu->msr_banks.mce[i] = val;
	return 0;
}

/*
 * MTRRs, as KVM emulates them: MTRRcap says 8 variable ranges, fixed
 * ranges and write-combining; the registers only hold what was
 * written (guest memory is write-back whatever they say: EPT sets
 * IPAT).  The same rules for the guest and the VMM.
 */
#define MTRR_CAP_VALUE		(0x500 | KVMINI_MTRR_VAR)
#define MTRR_VAR_BASE		0x200	/* IA32_MTRR_PHYSBASE0, then PHYSMASK0, ... */
#define MTRR_VAR_END		(MTRR_VAR_BASE + 2 * KVMINI_MTRR_VAR)

/*
 * Index into mtrr_fixed[], or -1: 0x250, 0x258, 0x259, 0x268-0x26f.
 * Clamped under speculation like the other guest-chosen indices.
 */
static int mtrr_fixed_index(u32 msr)
{
	if (msr == MSR_MTRRfix64K_00000)
		return 0;
	if (msr == MSR_MTRRfix16K_80000 || msr == MSR_MTRRfix16K_A0000)
		return 1 + array_index_nospec(msr - MSR_MTRRfix16K_80000, 2);
	if (msr >= MSR_MTRRfix4K_C0000 && msr <= MSR_MTRRfix4K_F8000)
		return 3 + array_index_nospec(msr - MSR_MTRRfix4K_C0000,
					      KVMINI_MTRR_FIXED - 3);
	return -1;
}

static int set_mtrr(struct kvmini_vcpu *vcpu, u32 msr, u64 val)
{
	int i = mtrr_fixed_index(msr);

	if (msr == MSR_MTRRdefType) {
		if (!msr_mtrr_def_type_valid(val))
			return -EINVAL;
		vcpu->msr.mtrr_def_type = val;
		return 0;
	}
	if (i >= 0) {
		if (!msr_mtrr_fixed_valid(val))
			return -EINVAL;
		vcpu->msr_banks.mtrr_fixed[i] = val;
		return 0;
	}
	i = array_index_nospec(msr - MTRR_VAR_BASE, 2 * KVMINI_MTRR_VAR);
	if (!msr_mtrr_var_valid(i % 2 == 0, val, reserved_gpa_bits(vcpu)))
		return -EINVAL;
	vcpu->msr_banks.mtrr_var[i] = val;
	return 0;
}

static int get_mtrr(struct kvmini_vcpu *vcpu, u32 msr, u64 *val)
{
	int i = mtrr_fixed_index(msr);

	if (i >= 0) {
		*val = vcpu->msr_banks.mtrr_fixed[i];
		return 0;
	}
	i = array_index_nospec(msr - MTRR_VAR_BASE, 2 * KVMINI_MTRR_VAR);
	*val = vcpu->msr_banks.mtrr_var[i];
	return 0;
}

static bool is_mtrr(u32 msr)
{
	return (msr >= MTRR_VAR_BASE && msr < MTRR_VAR_END) ||
	       mtrr_fixed_index(msr) >= 0;
}

/*
 * Read-only MSRs KVM answers with a fixed value for any x86 guest,
 * whatever its CPUID: model-specific registers older kernels and other
 * guests read without a safe accessor.
 */
static bool get_constant(u32 msr, u64 *val)
{
	switch (msr) {
	case MSR_IA32_P5_MC_ADDR:
	case MSR_IA32_P5_MC_TYPE:
	case MSR_IA32_PLATFORM_ID:
	case MSR_IA32_EBL_CR_POWERON:
	case MSR_IA32_LASTBRANCHFROMIP:
	case MSR_IA32_LASTBRANCHTOIP:
	case MSR_IA32_LASTINTFROMIP:
	case MSR_IA32_LASTINTTOIP:
	case MSR_IA32_PERF_CTL:
	case MSR_RAPL_POWER_UNIT:
	case MSR_PP0_ENERGY_STATUS:
	case MSR_PP1_ENERGY_STATUS:
	case MSR_PKG_ENERGY_STATUS:
	case MSR_DRAM_ENERGY_STATUS:
	case MSR_IA32_TSC_DEADLINE:	/* no APIC timer: reads 0, writes dropped */
	case MSR_P6_PERFCTR0:		/* the PMU's, without a PMU: as KVM */
	case MSR_P6_PERFCTR1:
	case MSR_P6_EVNTSEL0:
	case MSR_P6_EVNTSEL1:
	case MSR_K7_EVNTSEL0 ... MSR_K7_EVNTSEL3:
	case MSR_K7_PERFCTR0 ... MSR_K7_PERFCTR3:
		*val = 0;
		return true;
	case MSR_FSB_FREQ:
		*val = 3;
		return true;
	case MSR_EBC_FREQUENCY_ID:
		*val = 1 << 24;
		return true;
	case MSR_IA32_PERF_STATUS:
		*val = 1000ULL | (4ULL << 40);
		return true;
	case MSR_IA32_BBL_CR_CTL3:
		*val = 0xbe702111;
		return true;
	}
	return false;
}

/*
 * The SYSCALL MSRs and KERNEL_GS_BASE are in the CPU while the vCPU is
 * loaded (vcpu.c), which is whenever this file runs: read and written
 * there, the CPU checks a value as it checks the guest's own WRMSR.
 */
static bool is_syscall_msr(u32 msr)
{
	return msr == MSR_STAR || msr == MSR_LSTAR || msr == MSR_CSTAR ||
	       msr == MSR_SYSCALL_MASK || msr == MSR_KERNEL_GS_BASE;
}

/*
 * TSC_AUX exists where VMX lets the guest run RDTSCP; as KVM, the guest
 * may touch it only when its CPUID has RDTSCP or RDPID, the VMM always.
 * It is in the CPU while the vCPU is loaded (vcpu.c).
 */
static bool tsc_aux_allowed(struct kvmini_vcpu *vcpu, bool host)
{
	return vmx_has_rdtscp(&kvmini_caps) && (host || (vcpu->cpuid_caps & VCPU_CPUID_TSC_AUX));
}

/* The MSRs the guest uses directly: its values live in the VMCS or the CPU. */
static int get_passed_msr(struct kvmini_vcpu *vcpu, u32 msr, u64 *val)
{
	switch (msr) {
	case MSR_FS_BASE:
		*val = vmcs_readl(GUEST_FS_BASE);
		return 0;
	case MSR_GS_BASE:
		*val = vmcs_readl(GUEST_GS_BASE);
		return 0;
	case MSR_IA32_SYSENTER_CS:
		*val = vmcs_read32(GUEST_SYSENTER_CS);
		return 0;
	case MSR_IA32_SYSENTER_ESP:
		*val = vmcs_readl(GUEST_SYSENTER_ESP);
		return 0;
	case MSR_IA32_SYSENTER_EIP:
		*val = vmcs_readl(GUEST_SYSENTER_EIP);
		return 0;
	case MSR_IA32_CR_PAT:
		*val = vmcs_read64(GUEST_IA32_PAT);
		return 0;
	case MSR_IA32_TSC:
		*val = rdtsc() + vcpu->tsc_offset;
		return 0;
	case MSR_EFER:
		*val = vmcs_read64(GUEST_IA32_EFER);
		return 0;
	}
	if (is_syscall_msr(msr) && !WARN_ON_ONCE(!vcpu->guest_msrs_loaded))
		return rdmsrl_safe(msr, val) ? -EINVAL : 0;
	return -ENOENT;
}

/*
 * Writes of the MSRs the guest uses directly come only from the VMM:
 * the guest's go to the CPU.  Checked here as KVM checks them, not left
 * to VM entry: the bases must be canonical, SYSENTER_ESP/EIP are made
 * canonical, SYSENTER_CS keeps its 32 bits; STAR and SFMASK are written
 * to the CPU, which refuses what it refuses the guest.
 */
static int set_passed_msr(struct kvmini_vcpu *vcpu, u32 msr, u64 val)
{
	switch (msr) {
	case MSR_IA32_CR_PAT:
		if (!msr_pat_valid(val))
			return -EINVAL;
		vmcs_write64(GUEST_IA32_PAT, val);
		return 0;
	case MSR_IA32_SYSENTER_CS:
		vmcs_write32(GUEST_SYSENTER_CS, val);
		return 0;
	case MSR_IA32_SYSENTER_ESP:
		vmcs_writel(GUEST_SYSENTER_ESP, msr_canonicalize(val));
		return 0;
	case MSR_IA32_SYSENTER_EIP:
		vmcs_writel(GUEST_SYSENTER_EIP, msr_canonicalize(val));
		return 0;
	}
	if (msr != MSR_FS_BASE && msr != MSR_GS_BASE && !is_syscall_msr(msr))
		return -ENOENT;
	if (msr != MSR_STAR && msr != MSR_SYSCALL_MASK && !msr_canonical(val))
		return -EINVAL;
	if (msr == MSR_FS_BASE)
		vmcs_writel(GUEST_FS_BASE, val);
	else if (msr == MSR_GS_BASE)
		vmcs_writel(GUEST_GS_BASE, val);
	else if (WARN_ON_ONCE(!vcpu->guest_msrs_loaded) || wrmsrl_safe(msr, val))
		return -EINVAL;
	return 0;
}

/**
 * vmx_get_msr - read an MSR of @vcpu, for the guest's RDMSR or the VMM's
 * KVM_GET_MSRS; the vCPU is loaded (vmx_vcpu_load())
 * @vcpu: the vCPU
 * @msr: the index
 * @val: the value
 * @host: the VMM asks (KVM's host_initiated)
 *
 * The guest and the VMM read alike, but for what only the VMM reads (a
 * restore needs it): ARCH_CAPABILITIES without it in the guest's CPUID,
 * PERF_CAPABILITIES (0: no PMU) and the MSRs the guest uses directly.
 *
 * Return: 0; -ENOENT for an MSR kvmini does not know (#GP for the
 * guest, the end of a KVM_GET_MSRS batch), -EINVAL for one the asker
 * may not read.
 */
int vmx_get_msr(struct kvmini_vcpu *vcpu, u32 msr, u64 *val, bool host)
{
	if (apic_msr(vcpu, msr))
		return vlapic_get_msr(vcpu, msr, val);
	switch (msr) {
	case MSR_IA32_APICBASE:
		*val = vmx_apic_base(vcpu);
		return 0;
	case MSR_IA32_FEAT_CTL:
		*val = vcpu->msr.feat_ctl;
		return 0;
	case MSR_IA32_MISC_ENABLE:
		*val = vcpu->msr.misc_enable;
		return 0;
	case MSR_IA32_UCODE_REV:
		*val = vcpu->msr.ucode_rev;
		return 0;
	case MSR_IA32_TSC_ADJUST:
		*val = vcpu->msr.tsc_adjust;
		return 0;
	case MSR_IA32_ARCH_CAPABILITIES:
		if (!host && !(vcpu->cpuid_caps & VCPU_CPUID_ARCH_CAPS))
			return -EINVAL;
		*val = vcpu->msr.arch_caps;
		return 0;
	case MSR_IA32_PERF_CAPABILITIES:
		if (!host)
			return -EINVAL;
		*val = 0;
		return 0;
	case MSR_PLATFORM_INFO:
		if (!host && READ_ONCE(vcpu->vm->platform_info_hidden))
			return -EINVAL;
		*val = vcpu->msr.platform_info;
		return 0;
	case MSR_MISC_FEATURES_ENABLES:
		*val = vcpu->msr.misc_features;
		return 0;
	case MSR_IA32_POWER_CTL:
		*val = vcpu->msr.power_ctl;
		return 0;
	case MSR_SMI_COUNT:
		*val = vcpu->msr.smi_count;
		return 0;
	case MSR_IA32_MCG_CAP:
		*val = KVMINI_MCE_BANKS;
		return 0;
	case MSR_IA32_MCG_STATUS:
		*val = vcpu->msr.mcg_status;
		return 0;
	case MSR_MTRRcap:
		*val = MTRR_CAP_VALUE;
		return 0;
	case MSR_MTRRdefType:
		*val = vcpu->msr.mtrr_def_type;
		return 0;
	case MSR_IA32_DEBUGCTLMSR:
		*val = vmcs_read64(GUEST_IA32_DEBUGCTL);
		return 0;
	case MSR_TSC_AUX:
		if (!tsc_aux_allowed(vcpu, host))
			return -EINVAL;
		*val = vcpu->guest_msrs_loaded ? __rdmsr(MSR_TSC_AUX) : vcpu->guest_msrs.tsc_aux;
		return 0;
	}
	if (msr >= MSR_IA32_MC0_CTL && msr < MCE_BANK_MSRS_END)
		return get_mce_bank(vcpu, msr, val);
	if (is_mtrr(msr))
		return get_mtrr(vcpu, msr, val);
	if (get_constant(msr, val))
		return 0;
	return host ? get_passed_msr(vcpu, msr, val) : -ENOENT;
}

/**
 * vmx_set_msr - write an MSR of @vcpu, for the guest's WRMSR or the
 * VMM's KVM_SET_MSRS; the vCPU is loaded (vmx_vcpu_load())
 * @vcpu: the vCPU
 * @msr: the index
 * @val: the value, checked as KVM 6.1 checks it (msr_rules.c)
 * @host: the VMM writes (KVM's host_initiated)
 *
 * Where KVM lets the VMM set what the guest may not, each case says so.
 *
 * Return: 0, with the value taken or dropped as KVM does; -ENOENT for
 * an MSR kvmini does not know, -EINVAL for a value it refuses; nothing
 * changed then.
 */
int vmx_set_msr(struct kvmini_vcpu *vcpu, u32 msr, u64 val, bool host)
{
	struct vcpu_msr_state *m = &vcpu->msr;

	if (apic_msr(vcpu, msr))
		return vlapic_set_msr(vcpu, msr, val);
	switch (msr) {
	case MSR_EFER:
		return set_efer(val);
	case MSR_IA32_APICBASE:
		return vmx_set_apic_base(vcpu, val, host);
	case MSR_IA32_TSC:
		set_tsc(vcpu, val, host);
		return 0;
	case MSR_IA32_TSC_ADJUST:
		/* Dropped, not refused, when the vCPU's CPUID lacks it (as KVM). */
		if (!(vcpu->cpuid_caps & VCPU_CPUID_TSC_ADJUST))
			return 0;
		/* The VMM's restores the register alone; the TSC was restored apart. */
		if (!host)
			adjust_tsc_offset(vcpu, val - m->tsc_adjust);
		m->tsc_adjust = val;
		return 0;
	case MSR_TSC_AUX:
		/* Bits 63:32 are reserved on Intel, for the VMM too (KVM 6.1). */
		if (!tsc_aux_allowed(vcpu, host) || val >> 32)
			return -EINVAL;
		if (vcpu->guest_msrs_loaded)
			wrmsrl(MSR_TSC_AUX, val);
		else
			vcpu->guest_msrs.tsc_aux = val;
		return 0;
	case MSR_IA32_UCODE_REV:
		/* The guest's write is dropped; the VMM sets the revision the guest reads. */
		if (host)
			m->ucode_rev = val;
		return 0;
	case MSR_IA32_ARCH_CAPABILITIES:
		/* Read-only for the guest; KVM 6.1 takes any value from the VMM. */
		if (!host)
			return -EINVAL;
		m->arch_caps = val;
		return 0;
	case MSR_IA32_PERF_CAPABILITIES:
		/* The VMM's only, and only what the feature MSR offers: nothing. */
		return host && !val ? 0 : -EINVAL;
	case MSR_SMI_COUNT:
		/* The guest cannot write it; the VMM restores it. */
		if (!host)
			return -EINVAL;
		m->smi_count = val;
		return 0;
	case MSR_IA32_UCODE_WRITE:
	case MSR_IA32_BBL_CR_CTL3:
	case MSR_IA32_TSC_DEADLINE:
	case MSR_P6_PERFCTR0:
	case MSR_P6_PERFCTR1:
	case MSR_P6_EVNTSEL0:
	case MSR_P6_EVNTSEL1:
	case MSR_K7_EVNTSEL0 ... MSR_K7_EVNTSEL3:
	case MSR_K7_PERFCTR0 ... MSR_K7_PERFCTR3:
		/* Accepted and dropped, as KVM does. */
		return 0;
	case MSR_IA32_FEAT_CTL:
		if (!msr_feat_ctl_valid(m->feat_ctl, val, host))
			return -EINVAL;
		m->feat_ctl = val;
		return 0;
	case MSR_IA32_MISC_ENABLE:
		if (!msr_misc_enable_write(m->misc_enable, &val, host))
			return -EINVAL;
		/* As KVM: MWAIT in CPUID follows the bit only on a CPU with SSE3. */
		if (!vm_has_quirk(vcpu->vm, KVM_X86_QUIRK_MISC_ENABLE_NO_MWAIT) &&
		    ((m->misc_enable ^ val) & MSR_IA32_MISC_ENABLE_MWAIT) && !guest_has_sse3(vcpu))
			return -EINVAL;
		m->misc_enable = val;
		return 0;
	case MSR_PLATFORM_INFO:
		if (!msr_platform_info_valid(val, m->misc_features, host))
			return -EINVAL;
		m->platform_info = val;
		return 0;
	case MSR_MISC_FEATURES_ENABLES:
		if (!msr_misc_features_valid(val, m->platform_info))
			return -EINVAL;
		m->misc_features = val;
		return 0;
	case MSR_IA32_POWER_CTL:
		m->power_ctl = val;
		return 0;
	case MSR_IA32_MCG_STATUS:
		m->mcg_status = val;
		return 0;
	case MSR_IA32_DEBUGCTLMSR:
		if (!msr_debugctl_write(&val))
			return -EINVAL;
		vmcs_write64(GUEST_IA32_DEBUGCTL, val);
		return 0;
	}
	if (msr >= MSR_IA32_MC0_CTL && msr < MCE_BANK_MSRS_END)
		return set_mce_bank(vcpu, msr, val, host);
	if (msr == MSR_MTRRdefType || is_mtrr(msr))
		return set_mtrr(vcpu, msr, val);
	return host ? set_passed_msr(vcpu, msr, val) : -ENOENT;
}

int handle_rdmsr(struct kvmini_vcpu *vcpu)
{
	u32 msr = vcpu->regs[GPR_RCX];
	u64 val;

	if (vmx_get_msr(vcpu, msr, &val, false)) {
		vmx_inject_gp(vcpu);
		return 1;
	}
	vcpu->regs[GPR_RAX] = (u32)val;
	vcpu->regs[GPR_RDX] = val >> 32;
	vmx_skip_instruction(vcpu);
	return 1;
}

int handle_wrmsr(struct kvmini_vcpu *vcpu)
{
	u32 msr = vcpu->regs[GPR_RCX];
	u64 val = (u32)vcpu->regs[GPR_RAX] | ((u64)(u32)vcpu->regs[GPR_RDX] << 32);

	if (vmx_set_msr(vcpu, msr, val, false)) {
		vmx_inject_gp(vcpu);
		return 1;
	}
	vmx_skip_instruction(vcpu);
	return 1;
}
