// SPDX-License-Identifier: GPL-2.0
/*
 * Guest MSRs.  One MSR bitmap for every vCPU (SDM Vol. 3C 25.6.9) lets
 * the guest use directly the MSRs whose guest values VMX or the run loop
 * switch (FS/GS bases, SYSENTER, PAT, the SYSCALL MSRs, TSC reads, which
 * add TSC_OFFSET).  The MSRs a Linux guest without an APIC touches at
 * boot are emulated here the way KVM answers a guest (not the VMM: kvmini
 * has no KVM_SET_MSRS): the same values, the same writes accepted, the
 * same #GPs.  Every other MSR raises #GP, as on KVM with ignore_msrs=0.
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

#include "exits.h"
#include "vcpu.h"
#include "vmcs.h"
#include "vmx.h"
#include "../vm/mem.h"
#include "../vm/vm.h"

static unsigned long *msr_bitmap;
/* IA32_ARCH_CAPABILITIES as every guest reads it, computed once at load. */
static u64 guest_arch_caps __ro_after_init;

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

/*
 * The ARCH_CAPABILITIES bits that only say "not affected" or describe
 * what an instruction the guest has does, passed from the host as KVM
 * passes them.  Left out: IBRS_ALL (it would make Linux write SPEC_CTRL,
 * which kvmini does not give guests), TSX_CTRL_MSR (not emulated) and
 * SKIP_VMENTRY_L1DFLUSH (for nested VMX, which guests do not have).
 */
#define ARCH_CAPS_PASSED (ARCH_CAP_RDCL_NO | ARCH_CAP_RSBA | ARCH_CAP_SSB_NO | \
			  ARCH_CAP_MDS_NO | ARCH_CAP_PSCHANGE_MC_NO | ARCH_CAP_TAA_NO | \
			  ARCH_CAP_SBDR_SSDP_NO | ARCH_CAP_FBSDP_NO | ARCH_CAP_PSDP_NO | \
			  ARCH_CAP_FB_CLEAR | ARCH_CAP_RRSBA | ARCH_CAP_PBRSB_NO | \
			  ARCH_CAP_GDS_NO | ARCH_CAP_RFDS_NO | ARCH_CAP_RFDS_CLEAR | \
			  ARCH_CAP_BHI_NO | ARCH_CAP_ITS_NO)

/* As KVM's kvm_get_arch_capabilities(), less what kvmini does not virtualize. */
static u64 arch_caps_for_guests(void)
{
	u64 data = 0;

	if (boot_cpu_has(X86_FEATURE_ARCH_CAPABILITIES))
		rdmsrl(MSR_IA32_ARCH_CAPABILITIES, data);
	data &= ARCH_CAPS_PASSED;
	/* The guest has no VMX: its own page-size changes need no care. */
	data |= ARCH_CAP_PSCHANGE_MC_NO;
	if (!boot_cpu_has_bug(X86_BUG_CPU_MELTDOWN))
		data |= ARCH_CAP_RDCL_NO;
	if (!boot_cpu_has_bug(X86_BUG_SPEC_STORE_BYPASS))
		data |= ARCH_CAP_SSB_NO;
	if (!boot_cpu_has_bug(X86_BUG_MDS))
		data |= ARCH_CAP_MDS_NO;
	if (!boot_cpu_has_bug(X86_BUG_RFDS))
		data |= ARCH_CAP_RFDS_NO;
	if (!boot_cpu_has_bug(X86_BUG_ITS))
		data |= ARCH_CAP_ITS_NO;
	/*
	 * As KVM: without RTM on the host there is no TAA to report; with
	 * it, the guest can run XBEGIN whatever its CPUID says, so it is
	 * told whether the host is affected.
	 */
	if (!boot_cpu_has(X86_FEATURE_RTM))
		data &= ~ARCH_CAP_TAA_NO;
	else if (!boot_cpu_has_bug(X86_BUG_TAA))
		data |= ARCH_CAP_TAA_NO;
	if (!boot_cpu_has_bug(X86_BUG_GDS) || gds_ucode_mitigated())
		data |= ARCH_CAP_GDS_NO;
	return data;
}

int vmx_msr_init(void)
{
	guest_arch_caps = arch_caps_for_guests();
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
	 * the VMM (QEMU sets them); kvmini has no KVM_SET_MSRS, so it sets
	 * them itself, or Linux turns ERMS off.
	 */
	m->misc_enable = MSR_IA32_MISC_ENABLE_FAST_STRING |
			 MSR_IA32_MISC_ENABLE_BTS_UNAVAIL | MSR_IA32_MISC_ENABLE_PEBS_UNAVAIL;
}

static int set_efer(u64 val)
{
	u64 old = vmcs_read64(GUEST_IA32_EFER);

	if (val & ~EFER_ALLOWED)
		return -EINVAL;
	/* LMA is the CPU's to change; LME may not change while paging is on. */
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
 * There is no local APIC: IA32_APIC_BASE is a register KVM keeps for a
 * vCPU without an in-kernel APIC, reset to the default base, enabled,
 * BSP on the VM's boot vCPU (0 unless KVM_SET_BOOT_CPU_ID).  What
 * RDMSR, KVM_GET_SREGS and kvm_run.apic_base say.
 */
u64 vmx_apic_base(struct kvmini_vcpu *vcpu)
{
	return vcpu->msr.apic_base;
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
 *
 * KVM's checks: reserved bits (x2APIC enable too: x2APIC is never
 * offered, so neither is "x2APIC without xAPIC").  Without an APIC
 * there is no mode change to refuse to the guest but not to the VMM.
 *
 * Return: 0, or -EINVAL (#GP for the guest).
 */
int vmx_set_apic_base(struct kvmini_vcpu *vcpu, u64 val)
{
	u64 reserved = reserved_gpa_bits(vcpu) | 0x2ff | X2APIC_ENABLE;

	if (val & reserved)
		return -EINVAL;
	vcpu->msr.apic_base = val;
	return 0;
}

/* The guest's TSC moves by @delta ticks; so does TSC_ADJUST where it tracks TSC writes. */
static void adjust_tsc_offset(struct kvmini_vcpu *vcpu, u64 delta)
{
	vcpu->tsc_offset += delta;
	vmcs_write64(TSC_OFFSET, vcpu->tsc_offset);
}

#define MISC_ENABLE_READ_ONLY	(MSR_IA32_MISC_ENABLE_BTS_UNAVAIL | \
				 MSR_IA32_MISC_ENABLE_PEBS_UNAVAIL)

static int set_misc_enable(struct kvmini_vcpu *vcpu, u64 val)
{
	u64 old = vcpu->msr.misc_enable;

	if ((old ^ val) & MISC_ENABLE_READ_ONLY)
		return -EINVAL;
	/* EMON is read-only too, but a write of it is dropped, not refused. */
	val = (val & ~MSR_IA32_MISC_ENABLE_EMON) | (old & MSR_IA32_MISC_ENABLE_EMON);
	vcpu->msr.misc_enable = val;
	return 0;
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

static int set_mce_bank(struct kvmini_vcpu *vcpu, u32 msr, u64 val)
{
	u32 i = array_index_nospec(msr - MSR_IA32_MC0_CTL, 4 * KVMINI_MCE_BANKS);

	/* MCi_CTL: 0 or all ones (bits 10 and 0 may be clear, for old guests' quirks). */
	if (i % 4 == 0 && val && (val | BIT_ULL(10) | 1) != ~0ULL)
		return -EINVAL;
	/* MCi_STATUS: a guest may only clear it (an Intel CPU, without AMD's McStatusWrEn). */
	if (i % 4 == 1 && val)
		return -EINVAL;
	vcpu->msr_banks.mce[i] = val;
	return 0;
}

/*
 * MTRRs, as KVM emulates them: MTRRcap says 8 variable ranges, fixed
 * ranges and write-combining; the registers only hold what the guest
 * wrote (guest memory is write-back whatever they say: EPT sets IPAT).
 */
#define MTRR_CAP_VALUE		(0x500 | KVMINI_MTRR_VAR)
#define MTRR_VAR_BASE		0x200	/* IA32_MTRR_PHYSBASE0, then PHYSMASK0, ... */
#define MTRR_VAR_END		(MTRR_VAR_BASE + 2 * KVMINI_MTRR_VAR)

/* Memory types 0 (UC), 1 (WC), 4 (WT), 5 (WP), 6 (WB). */
static bool mtrr_type_ok(u64 type)
{
	return type < 8 && (BIT(type) & 0x73);
}

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
	u64 reserved = reserved_gpa_bits(vcpu);
	int i = mtrr_fixed_index(msr);

	if (msr == MSR_MTRRdefType) {
		if ((val & ~0xcffULL) || !mtrr_type_ok(val & 0xff))
			return -EINVAL;
		vcpu->msr.mtrr_def_type = val;
		return 0;
	}
	if (i >= 0) {
		int b;

		for (b = 0; b < 64; b += 8)
			if (!mtrr_type_ok((val >> b) & 0xff))
				return -EINVAL;
		vcpu->msr_banks.mtrr_fixed[i] = val;
		return 0;
	}
	i = array_index_nospec(msr - MTRR_VAR_BASE, 2 * KVMINI_MTRR_VAR);
	if (i % 2 == 0) {
		if (!mtrr_type_ok(val & 0xff))
			return -EINVAL;
		reserved |= 0xf00;
	} else {
		reserved |= 0x7ff;
	}
	if (val & reserved)
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
	case MSR_SMI_COUNT:
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

/* As KVM's default microcode revision for a vCPU (the VMM may set another there). */
#define GUEST_UCODE_REV		0x100000000ULL

static int get_msr(struct kvmini_vcpu *vcpu, u32 msr, u64 *val)
{
	switch (msr) {
	case MSR_IA32_APICBASE:
		*val = vcpu->msr.apic_base;
		return 0;
	case MSR_IA32_FEAT_CTL:
		*val = vcpu->msr.feat_ctl;
		return 0;
	case MSR_IA32_MISC_ENABLE:
		*val = vcpu->msr.misc_enable;
		return 0;
	case MSR_IA32_UCODE_REV:
		*val = GUEST_UCODE_REV;
		return 0;
	case MSR_IA32_TSC_ADJUST:
		*val = vcpu->msr.tsc_adjust;
		return 0;
	case MSR_IA32_ARCH_CAPABILITIES:
		if (!(vcpu->cpuid_caps & VCPU_CPUID_ARCH_CAPS))
			return -EINVAL;
		*val = guest_arch_caps;
		return 0;
	case MSR_PLATFORM_INFO:
		*val = MSR_PLATFORM_INFO_CPUID_FAULT;
		return 0;
	case MSR_MISC_FEATURES_ENABLES:
		*val = vcpu->msr.misc_features;
		return 0;
	case MSR_IA32_POWER_CTL:
		*val = vcpu->msr.power_ctl;
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
	}
	if (msr >= MSR_IA32_MC0_CTL && msr < MCE_BANK_MSRS_END)
		return get_mce_bank(vcpu, msr, val);
	if (is_mtrr(msr))
		return get_mtrr(vcpu, msr, val);
	return get_constant(msr, val) ? 0 : -ENOENT;
}

static int set_msr(struct kvmini_vcpu *vcpu, u32 msr, u64 val)
{
	u64 delta;

	switch (msr) {
	case MSR_EFER:
		return set_efer(val);
	case MSR_IA32_APICBASE:
		return vmx_set_apic_base(vcpu, val);
	case MSR_IA32_TSC:
		/*
		 * As KVM: the guest's TSC becomes @val, and TSC_ADJUST moves
		 * with it.  Unsigned: the guest picks @val, and the sums wrap
		 * as the TSC and TSC_OFFSET do (two's complement).
		 */
		delta = val - (rdtsc() + vcpu->tsc_offset);
		adjust_tsc_offset(vcpu, delta);
		vcpu->msr.tsc_adjust += delta;
		return 0;
	case MSR_IA32_TSC_ADJUST:
		/* Dropped, not refused, when the vCPU's CPUID lacks it (as KVM). */
		if (vcpu->cpuid_caps & VCPU_CPUID_TSC_ADJUST) {
			adjust_tsc_offset(vcpu, val - vcpu->msr.tsc_adjust);
			vcpu->msr.tsc_adjust = val;
		}
		return 0;
	case MSR_IA32_UCODE_REV:
	case MSR_IA32_UCODE_WRITE:
	case MSR_IA32_BBL_CR_CTL3:
	case MSR_IA32_TSC_DEADLINE:
	case MSR_P6_PERFCTR0:
	case MSR_P6_PERFCTR1:
	case MSR_P6_EVNTSEL0:
	case MSR_P6_EVNTSEL1:
	case MSR_K7_EVNTSEL0 ... MSR_K7_EVNTSEL3:
	case MSR_K7_PERFCTR0 ... MSR_K7_PERFCTR3:
		/* Accepted and dropped, as KVM does for a guest. */
		return 0;
	case MSR_IA32_FEAT_CTL:
		/* Only the lock bit is valid (no VMX, SGX, LMCE); once set, it stays. */
		if ((val & ~FEAT_CTL_LOCKED) || (vcpu->msr.feat_ctl & FEAT_CTL_LOCKED))
			return -EINVAL;
		vcpu->msr.feat_ctl = val;
		return 0;
	case MSR_IA32_MISC_ENABLE:
		return set_misc_enable(vcpu, val);
	case MSR_MISC_FEATURES_ENABLES:
		if (val & ~MSR_MISC_FEATURES_ENABLES_CPUID_FAULT)
			return -EINVAL;
		vcpu->msr.misc_features = val;
		return 0;
	case MSR_IA32_POWER_CTL:
		vcpu->msr.power_ctl = val;
		return 0;
	case MSR_IA32_MCG_STATUS:
		vcpu->msr.mcg_status = val;
		return 0;
	case MSR_IA32_DEBUGCTLMSR:
		/*
		 * Branch tracing is not virtualized.  As KVM without LBRs:
		 * BTF and LBR are dropped, any other bit is refused.
		 */
		val &= ~(DEBUGCTLMSR_BTF | DEBUGCTLMSR_LBR);
		return val ? -EINVAL : 0;
	}
	if (msr >= MSR_IA32_MC0_CTL && msr < MCE_BANK_MSRS_END)
		return set_mce_bank(vcpu, msr, val);
	if (msr == MSR_MTRRdefType || is_mtrr(msr))
		return set_mtrr(vcpu, msr, val);
	return -ENOENT;
}

int handle_rdmsr(struct kvmini_vcpu *vcpu)
{
	u32 msr = vcpu->regs[GPR_RCX];
	u64 val;

	if (get_msr(vcpu, msr, &val)) {
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

	if (set_msr(vcpu, msr, val)) {
		vmx_inject_gp(vcpu);
		return 1;
	}
	vmx_skip_instruction(vcpu);
	return 1;
}
