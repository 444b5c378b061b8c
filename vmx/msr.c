// SPDX-License-Identifier: GPL-2.0
/*
 * Guest MSRs.  One MSR bitmap for every vCPU (SDM Vol. 3C 25.6.9) lets
 * the guest use directly the MSRs whose guest values VMX or the run loop
 * switch (FS/GS bases, SYSENTER, PAT, the SYSCALL MSRs, TSC reads); a
 * small set is emulated here; every other MSR raises #GP, as on KVM with
 * ignore_msrs=0.
 */
#include <linux/bitops.h>
#include <asm/apicdef.h>
#include <asm/io.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>

#include "exits.h"
#include "vcpu.h"
#include "vmcs.h"
#include "vmx.h"
#include "../vm/mem.h"

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

int vmx_msr_init(void)
{
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

void vmx_msr_exit(void)
{
	kvmini_free_page(msr_bitmap);
}

u64 vmx_msr_bitmap_phys(void)
{
	return virt_to_phys(msr_bitmap);
}

#define EFER_ALLOWED	(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX)

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
	return 0;
}

/*
 * There is no local APIC to move or disable, so IA32_APIC_BASE reads as
 * after RESET: the default base, enabled, BSP on vCPU 0 only.  What
 * RDMSR, KVM_GET_SREGS and kvm_run.apic_base all say.
 */
u64 vmx_apic_base(struct kvmini_vcpu *vcpu)
{
	return APIC_DEFAULT_PHYS_BASE | MSR_IA32_APICBASE_ENABLE |
	       (vcpu->id == 0 ? MSR_IA32_APICBASE_BSP : 0);
}

static int get_msr(struct kvmini_vcpu *vcpu, u32 msr, u64 *val)
{
	switch (msr) {
	case MSR_IA32_APICBASE:
		*val = vmx_apic_base(vcpu);
		return 0;
	case MSR_IA32_FEAT_CTL:
		*val = FEAT_CTL_LOCKED;
		return 0;
	case MSR_IA32_MISC_ENABLE:
		*val = vcpu->misc_enable;
		return 0;
	case MSR_MTRRcap:
		*val = 0;
		return 0;
	case MSR_MTRRdefType:
		*val = vcpu->mtrr_def_type;
		return 0;
	case MSR_IA32_PLATFORM_ID:
	case MSR_IA32_UCODE_REV:
		*val = 0;
		return 0;
	case MSR_IA32_DEBUGCTLMSR:
		*val = vmcs_read64(GUEST_IA32_DEBUGCTL);
		return 0;
	default:
		return -ENOENT;
	}
}

static int set_msr(struct kvmini_vcpu *vcpu, u32 msr, u64 val)
{
	switch (msr) {
	case MSR_EFER:
		return set_efer(val);
	case MSR_IA32_TSC:
	case MSR_IA32_UCODE_REV:
		/* Accepted and dropped: the guest's TSC is the host's. */
		return 0;
	case MSR_IA32_MISC_ENABLE:
		vcpu->misc_enable = val;
		return 0;
	case MSR_MTRRdefType:
		vcpu->mtrr_def_type = val;
		return 0;
	case MSR_IA32_DEBUGCTLMSR:
		/* Branch tracing is not virtualized: only 0 is accepted. */
		return val ? -EINVAL : 0;
	default:
		return -ENOENT;
	}
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
