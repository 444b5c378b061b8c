// SPDX-License-Identifier: GPL-2.0
/*
 * Exits for control and debug registers and XSETBV.
 *
 * CR0.NE/CD/NW and CR4.VMXE/SMXE/MCE belong to the host (vcpu.c), so a
 * guest write that changes them exits and is checked and applied here,
 * with the rules of the SDM (#GP for invalid combinations).  Debug
 * registers always exit: the guest's live in struct kvmini_vcpu, and its
 * DR0-3 and DR7 reach the CPU only for the entries where its DR7 arms a
 * breakpoint (run.c), so the host's breakpoints are never disturbed.
 */
#include <linux/kvm.h>
#include <linux/types.h>
#include <asm/fpu/xcr.h>
#include <asm/processor.h>
#include <asm/processor-flags.h>
#include <asm/msr.h>

#include "../include/uapi/kvmini_abi.h"
#include "../lapic/vlapic.h"
#include "../vm/vm.h"
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

/*
 * CR4 bits a guest may set: those kvmini knows to be safe with what it
 * switches and shows in CPUID, and the CPU allows in VMX operation.  A
 * list of what is allowed, not of what is hidden: a bit a newer CPU
 * adds (PKE, CET, PKS, LA57, ...) stays refused until someone checks it.
 */
unsigned long vcpu_cr4_allowed(void)
{
	unsigned long known = X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD | X86_CR4_DE |
			      X86_CR4_PSE | X86_CR4_PAE | X86_CR4_MCE | X86_CR4_PGE |
			      X86_CR4_PCE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT |
			      X86_CR4_UMIP | X86_CR4_FSGSBASE | X86_CR4_PCIDE |
			      X86_CR4_SMEP | X86_CR4_SMAP;

	if (vmx_host_has_xsave())
		known |= X86_CR4_OSXSAVE;
	return kvmini_caps.cr4_fixed1 & known;
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
}

static int mov_to_cr(struct kvmini_vcpu *vcpu, int cr, unsigned long val)
{
	u64 efer = vmcs_read64(GUEST_IA32_EFER);
	unsigned long old;

	switch (cr) {
	case 0:
		if (!vcpu_cr_valid(val, vcpu_cr4(), efer))
			return -EINVAL;
		/* PAE paging outside long mode: the PDPTEs first, a #GP if they are bad. */
		if ((val & X86_CR0_PG) && (vcpu_cr4() & X86_CR4_PAE) && !(efer & EFER_LME) &&
		    !guest_load_pdptes(vcpu, vmcs_readl(GUEST_CR3)))
			return -EINVAL;
		set_cr0(vcpu, val);
		return 0;
	case 3:
		/* Bit 63 asks the CPU to keep the PCID's TLB entries; it is no address bit. */
		if (vcpu_cr4() & X86_CR4_PCIDE)
			val &= ~X86_CR3_PCID_NOFLUSH;
		/* Bits from the vCPU's MAXPHYADDR up are reserved (KVM's kvm_set_cr3). */
		if ((efer & EFER_LMA) &&
		    (val >> min_t(u8, vcpu->maxphyaddr, boot_cpu_data.x86_phys_bits)))
			return -EINVAL;
		/* Nothing changes if the new PDPTEs are bad (the MOV is a #GP). */
		if ((vcpu_cr0() & X86_CR0_PG) && (vcpu_cr4() & X86_CR4_PAE) && !(efer & EFER_LMA) &&
		    !guest_load_pdptes(vcpu, val))
			return -EINVAL;
		vmcs_writel(GUEST_CR3, val);
		return 0;
	case 4:
		if (!vcpu_cr_valid(vcpu_cr0(), val, efer))
			return -EINVAL;
		if ((efer & EFER_LMA) && !(val & X86_CR4_PAE))
			return -EINVAL;
		/* SDM Vol. 3A 4.10.1: PCIDs exist only in long mode, and CR3 names PCID 0. */
		if ((val & ~vcpu_cr4() & X86_CR4_PCIDE) &&
		    (!(efer & EFER_LMA) || (vmcs_readl(GUEST_CR3) & 0xfff)))
			return -EINVAL;
		old = vcpu_cr4();
		/* With PAE paging these bits make the CPU load the PDPTEs (SDM Vol. 3A 4.4.1). */
		if ((vcpu_cr0() & X86_CR0_PG) && (val & X86_CR4_PAE) && !(efer & EFER_LMA) &&
		    ((val ^ old) & (X86_CR4_PGE | X86_CR4_PSE | X86_CR4_PAE | X86_CR4_SMEP)) &&
		    !guest_load_pdptes(vcpu, vmcs_readl(GUEST_CR3)))
			return -EINVAL;
		vmx_set_guest_cr4(val);
		return 0;
	default:
		return -EINVAL;
	}
}

/* CR8: the in-kernel APIC's TPR[7:4], or kvmini's copy for userspace's APIC. */
u8 vcpu_cr8(struct kvmini_vcpu *vcpu)
{
	return vcpu->apic ? vlapic_cr8(vcpu) : vcpu->cr8;
}

void vcpu_set_cr8(struct kvmini_vcpu *vcpu, u8 cr8)
{
	if (vcpu->apic)
		vlapic_set_cr8(vcpu, cr8);
	else
		vcpu->cr8 = cr8;
}

/*
 * MOV to CR8, in 64-bit mode only.  With an APIC in userspace, as KVM
 * without an in-kernel one, lowering it may unmask an interrupt
 * userspace holds back: KVM_EXIT_SET_TPR tells it.  With the in-kernel
 * APIC, the next entry looks for the interrupt itself.
 */
static int mov_to_cr8(struct kvmini_vcpu *vcpu, unsigned long val)
{
	u8 old = vcpu_cr8(vcpu);

	if (val & ~0xfUL) {
		vmx_inject_gp(vcpu);
		return 1;
	}
	vcpu_set_cr8(vcpu, val);
	vmx_skip_instruction(vcpu);
	if (val >= old || vcpu->apic)
		return 1;
	vcpu->run->exit_reason = KVM_EXIT_SET_TPR;
	return 0;
}

/*
 * --trace-cr3 (issue 14): CR3-load exiting as the VM asks, taken at
 * KVM_RUN.  A change of mode empties the CR3-target list: the next exit
 * fills it again if the mode wants targets.
 */
void vmx_update_cr3_trace(struct kvmini_vcpu *vcpu)
{
	u8 mode = kvmini_caps.can_cr3_load_exiting ? READ_ONCE(vcpu->vm->trace_cr3) :
		  KVMINI_TRACE_CR3_OFF;

	if (mode == vcpu->trace_cr3)
		return;
	/* Through the vCPU's copy, which interrupt-window changes rewrite from. */
	if (mode != KVMINI_TRACE_CR3_OFF)
		vcpu->proc_ctls |= PROC_CR3_LOAD_EXITING;
	else
		vcpu->proc_ctls &= ~PROC_CR3_LOAD_EXITING;
	vmcs_write32(CR3_TARGET_COUNT, 0);
	vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, vcpu->proc_ctls);
	vcpu->trace_cr3 = mode;
}

/*
 * After a switch to @cr3's page tables, the loads that only enter or
 * leave the kernel (KPTI's pair, with and without the no-flush bit, the
 * same PCID) become CR3-target values, which the CPU lets through
 * without an exit: what is left to exit is a switch of process.  Only in
 * long mode, where Linux's pairs are 8 KiB aligned: elsewhere a table
 * 4 KiB away (or a PAE directory 32 bytes away) may be another process's,
 * and every load exits.
 */
static void set_cr3_targets(struct kvmini_vcpu *vcpu, u64 cr3)
{
	static const u32 field[] = {
		CR3_TARGET_VALUE0, CR3_TARGET_VALUE1, CR3_TARGET_VALUE2, CR3_TARGET_VALUE3,
	};
	u64 key = cr3 & ~(0xfffULL | BIT_ULL(12) | X86_CR3_PCID_NOFLUSH);
	u64 t[4];
	u32 n = 0, i;

	if (!(vmcs_read64(GUEST_IA32_EFER) & EFER_LMA)) {
		vmcs_write32(CR3_TARGET_COUNT, 0);
		return;
	}
	if (vcpu_cr4() & X86_CR4_PCIDE) {
		/* Linux's user PCID is the kernel's with bit 11 set. */
		u64 pcid = cr3 & 0x7ff;

		t[n++] = key | pcid;
		t[n++] = key | BIT_ULL(12) | pcid | BIT_ULL(11);
		t[n++] = key | pcid | X86_CR3_PCID_NOFLUSH;
		t[n++] = key | BIT_ULL(12) | pcid | BIT_ULL(11) | X86_CR3_PCID_NOFLUSH;
	} else {
		t[n++] = key;
		t[n++] = key | BIT_ULL(12);
	}
	n = min(n, kvmini_caps.cr3_targets);
	for (i = 0; i < n; i++)
		vmcs_writel(field[i], t[i]);
	vmcs_write32(CR3_TARGET_COUNT, n);
}

/*
 * The MOV has completed: userspace hears of it, with the guest's TSC at
 * the VM exit.
 */
static int cr3_exit_to_user(struct kvmini_vcpu *vcpu, u64 cr3)
{
	struct kvmini_exit_cr3 ev = { .cr3 = cr3, .tsc = vcpu->exit_tsc + vcpu->tsc_offset };

	BUILD_BUG_ON(sizeof(ev) > sizeof(vcpu->run->padding));
	BUILD_BUG_ON(offsetof(struct kvm_run, padding) % 8);
	if (vcpu->trace_cr3 == KVMINI_TRACE_CR3_SWITCHES)
		set_cr3_targets(vcpu, cr3);
	vcpu->stats.cr3_exits++;
	vcpu->run->exit_reason = KVMINI_EXIT_CR3;
	memcpy(vcpu->run->padding, &ev, sizeof(ev));
	return 0;
}

/* Exit qualification for control-register accesses, SDM Vol. 3C table 28-3. */
int handle_cr_access(struct kvmini_vcpu *vcpu)
{
	int cr = vcpu->exit_qual & 15;
	int type = (vcpu->exit_qual >> 4) & 3;
	int reg = (vcpu->exit_qual >> 8) & 15;
	unsigned long val;

	switch (type) {
	case 0:
		if (cr == 8)
			return mov_to_cr8(vcpu, vcpu_read_gpr(vcpu, reg));
		/* Outside 64-bit code the operand is 32 bits (as KVM's kvm_register_read). */
		val = vcpu_read_gpr(vcpu, reg);
		if (!vmx_guest_64bit_code())
			val = (u32)val;
		if (mov_to_cr(vcpu, cr, val)) {
			vmx_inject_gp(vcpu);
			return 1;
		}
		if (cr == 3 && vcpu->trace_cr3) {
			vmx_skip_instruction(vcpu);
			return cr3_exit_to_user(vcpu, val);
		}
		/* A change of CR0.PG or CR4.PCIDE changes what the targets mean. */
		if (vcpu->trace_cr3)
			vmcs_write32(CR3_TARGET_COUNT, 0);
		break;
	case 1:
		if (cr == 8)
			vcpu_write_gpr(vcpu, reg, vcpu_cr8(vcpu));
		else if (cr == 3)
			vcpu_write_gpr(vcpu, reg, vmcs_readl(GUEST_CR3));
		else
			return vmx_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION,
						  "MOV from a control register kvmini does not intercept");
		break;
	default:
		return vmx_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION,
					  "CLTS or LMSW exit, which kvmini does not cause");
	}
	vmx_skip_instruction(vcpu);
	return 1;
}

/* DR7 bits 15:14, 12:11 read as 0 and bit 10 as 1 (SDM Vol. 3B 18.2.4). */
#define DR7_RESERVED_0	0xd800UL
#define DR7_FIXED_1	0x400UL

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
			val = vcpu->dr7;
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
			vcpu->dr7 = (val & ~DR7_RESERVED_0) | DR7_FIXED_1;
	}
	vmx_skip_instruction(vcpu);
	return 1;
}

/* XSETBV's rules, SDM Vol. 2D: x87 always on, AVX needs SSE, AVX-512 as a whole. */
bool vmx_xcr0_valid(u64 xcr0)
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

	if ((u32)vcpu->regs[GPR_RCX] != 0 || vmx_guest_cpl() || !vmx_xcr0_valid(xcr0)) {
		vmx_inject_gp(vcpu);
		return 1;
	}
	vcpu->xcr0 = xcr0;
	vmx_skip_instruction(vcpu);
	return 1;
}
