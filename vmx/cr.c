// SPDX-License-Identifier: GPL-2.0
/*
 * Exits for control and debug registers and XSETBV.
 *
 * CR0.NE/CD/NW and CR4.VMXE/SMXE/MCE belong to the host (vcpu.c), so a
 * guest write that changes them exits and is checked and applied here,
 * with the rules of the SDM (#GP for invalid combinations).  Debug
 * registers always exit: the guest's DR0-3 and DR6 live in struct
 * kvmini_vcpu and never reach the hardware, so the host's breakpoints are
 * never disturbed; DR7 is in the VMCS.
 */
#include <linux/types.h>
#include <asm/fpu/xcr.h>
#include <asm/processor-flags.h>

#include "cpuid.h"
#include "exits.h"
#include "guest_mem.h"
#include "vcpu.h"
#include "vmcs.h"
#include "vmx.h"

unsigned long vcpu_read_gpr(struct kvmini_vcpu *vcpu, int reg)
{
	return reg == GPR_RSP ? vmcs_readl(GUEST_RSP) : vcpu->regs[reg];
}

void vcpu_write_gpr(struct kvmini_vcpu *vcpu, int reg, unsigned long val)
{
	if (reg == GPR_RSP)
		vmcs_writel(GUEST_RSP, val);
	else
		vcpu->regs[reg] = val;
}

unsigned long vcpu_cr0(void)
{
	unsigned long mask = vmcs_readl(CR0_GUEST_HOST_MASK);

	return (vmcs_readl(GUEST_CR0) & ~mask) | (vmcs_readl(CR0_READ_SHADOW) & mask);
}

unsigned long vcpu_cr4(void)
{
	unsigned long mask = vmcs_readl(CR4_GUEST_HOST_MASK);

	return (vmcs_readl(GUEST_CR4) & ~mask) | (vmcs_readl(CR4_READ_SHADOW) & mask);
}

/* CR4 bits a guest may set: what VMX allows, less what kvmini hides in CPUID. */
unsigned long vcpu_cr4_allowed(void)
{
	unsigned long hidden = X86_CR4_VMXE | X86_CR4_SMXE | X86_CR4_PKE | X86_CR4_LA57;

	if (!vmx_host_has_xsave())
		hidden |= X86_CR4_OSXSAVE;
	return kvmini_caps.cr4_fixed1 & ~hidden;
}

/*
 * The rules of MOV to CR0 and CR4 (SDM Vol. 3A 2.5 and 4.1.1), with EFER
 * for the long mode ones; true when the combination is legal.
 */
bool vcpu_cr_valid(unsigned long cr0, unsigned long cr4, u64 efer)
{
	if (cr0 >> 32 || ((cr0 & X86_CR0_NW) && !(cr0 & X86_CR0_CD)))
		return false;
	if ((cr0 & X86_CR0_PG) && !(cr0 & X86_CR0_PE))
		return false;
	if (cr4 & ~vcpu_cr4_allowed())
		return false;
	if ((cr0 & X86_CR0_PG) && (efer & EFER_LME) && !(cr4 & X86_CR4_PAE))
		return false;
	return true;
}

static void set_cr0(struct kvmini_vcpu *vcpu, unsigned long cr0)
{
	unsigned long old = vcpu_cr0();
	u64 efer = vmcs_read64(GUEST_IA32_EFER);

	/* Paging on or off with EFER.LME is the switch into or out of long mode. */
	if ((cr0 ^ old) & X86_CR0_PG) {
		if ((cr0 & X86_CR0_PG) && (efer & EFER_LME))
			vmx_set_guest_efer(efer | EFER_LMA);
		else if (!(cr0 & X86_CR0_PG))
			vmx_set_guest_efer(efer & ~EFER_LMA);
	}
	vmx_set_guest_cr0(cr0);
	if ((cr0 & X86_CR0_PG) && (vcpu_cr4() & X86_CR4_PAE) &&
	    !(vmcs_read64(GUEST_IA32_EFER) & EFER_LMA))
		guest_load_pdptes(vcpu, vmcs_readl(GUEST_CR3));
}

static int mov_to_cr(struct kvmini_vcpu *vcpu, int cr, unsigned long val)
{
	u64 efer = vmcs_read64(GUEST_IA32_EFER);

	switch (cr) {
	case 0:
		if (!vcpu_cr_valid(val, vcpu_cr4(), efer))
			return -EINVAL;
		set_cr0(vcpu, val);
		return 0;
	case 3:
		vmcs_writel(GUEST_CR3, val);
		if ((vcpu_cr0() & X86_CR0_PG) && (vcpu_cr4() & X86_CR4_PAE) && !(efer & EFER_LMA))
			guest_load_pdptes(vcpu, val);
		return 0;
	case 4:
		if (!vcpu_cr_valid(vcpu_cr0(), val, efer))
			return -EINVAL;
		if ((efer & EFER_LMA) && !(val & X86_CR4_PAE))
			return -EINVAL;
		vmx_set_guest_cr4(val);
		return 0;
	default:
		return -EINVAL;
	}
}

/* Exit qualification for control-register accesses, SDM Vol. 3C table 28-3. */
int handle_cr_access(struct kvmini_vcpu *vcpu)
{
	int cr = vcpu->exit_qual & 15;
	int type = (vcpu->exit_qual >> 4) & 3;
	int reg = (vcpu->exit_qual >> 8) & 15;

	switch (type) {
	case 0:
		if (mov_to_cr(vcpu, cr, vcpu_read_gpr(vcpu, reg))) {
			vmx_inject_gp(vcpu);
			return 1;
		}
		break;
	case 1:
		if (cr != 3)
			return vmx_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION,
						  "MOV from a control register kvmini does not intercept");
		vcpu_write_gpr(vcpu, reg, vmcs_readl(GUEST_CR3));
		break;
	default:
		return vmx_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION,
					  "CLTS or LMSW exit, which kvmini does not cause");
	}
	vmx_skip_instruction(vcpu);
	return 1;
}

/* Exit qualification for MOV DR, SDM Vol. 3C table 28-4. */
int handle_dr_access(struct kvmini_vcpu *vcpu)
{
	int dr = vcpu->exit_qual & 7;
	bool from_dr = vcpu->exit_qual & BIT(4);
	int reg = (vcpu->exit_qual >> 8) & 15;
	unsigned long val;

	/* DR4 and DR5 are DR6 and DR7 unless CR4.DE makes them #UD. */
	if (dr == 4 || dr == 5) {
		if (vcpu_cr4() & X86_CR4_DE) {
			vmx_inject_ud(vcpu);
			return 1;
		}
		dr += 2;
	}
	if (from_dr) {
		if (dr < 4)
			val = vcpu->dr[dr];
		else if (dr == 6)
			val = vcpu->dr6;
		else
			val = vmcs_readl(GUEST_DR7);
		vcpu_write_gpr(vcpu, reg, val);
	} else {
		val = vcpu_read_gpr(vcpu, reg);
		if (dr >= 6 && val >> 32) {
			vmx_inject_gp(vcpu);
			return 1;
		}
		if (dr < 4)
			vcpu->dr[dr] = val;
		else if (dr == 6)
			vcpu->dr6 = val;
		else
			vmcs_writel(GUEST_DR7, val);
	}
	vmx_skip_instruction(vcpu);
	return 1;
}

/* XSETBV's rules, SDM Vol. 2D: x87 always on, AVX needs SSE, AVX-512 as a whole. */
static bool xcr0_valid(u64 xcr0)
{
	u64 avx512 = XFEATURE_MASK_OPMASK | XFEATURE_MASK_ZMM_Hi256 | XFEATURE_MASK_Hi16_ZMM;

	if (!(xcr0 & XFEATURE_MASK_FP) || (xcr0 & ~vmx_guest_xcr0_allowed()))
		return false;
	if ((xcr0 & XFEATURE_MASK_YMM) && !(xcr0 & XFEATURE_MASK_SSE))
		return false;
	if ((xcr0 & avx512) && ((xcr0 & avx512) != avx512 || !(xcr0 & XFEATURE_MASK_YMM)))
		return false;
	return true;
}

int handle_xsetbv(struct kvmini_vcpu *vcpu)
{
	u64 xcr0 = (u32)vcpu->regs[GPR_RAX] | ((u64)(u32)vcpu->regs[GPR_RDX] << 32);

	if ((u32)vcpu->regs[GPR_RCX] != 0 || vmx_guest_cpl() || !xcr0_valid(xcr0)) {
		vmx_inject_gp(vcpu);
		return 1;
	}
	vcpu->xcr0 = xcr0;
	vmx_skip_instruction(vcpu);
	return 1;
}
