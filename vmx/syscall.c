// SPDX-License-Identifier: GPL-2.0
/*
 * SYSCALL outside 64-bit mode, for a guest whose CPUID says AMD.
 *
 * AMD CPUs run SYSCALL in legacy protected mode and in compatibility
 * mode; Intel CPUs raise #UD there.  A guest told it runs on AMD (a
 * VMM's CPU model, QEMU's -cpu vendor=AuthenticAMD) may use it from
 * 32-bit code, so, as KVM's emulator does, kvmini intercepts #UD for
 * such a guest and carries out the AMD instruction: nothing else is
 * emulated here, every other #UD goes back to the guest as it came.
 * The instruction bytes and the MSRs are read once, from guest memory
 * and from the CPU, and only the VMCS and the vCPU's registers change.
 */
#include <linux/kvm.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>
#include <asm/traps.h>

#include "exits.h"
#include "guest_mem.h"
#include "msr.h"
#include "syscall.h"
#include "vcpu.h"
#include "vmcs.h"

/* Access rights of the flat segments SYSCALL loads (SDM Vol. 3C 24.4.1). */
#define SEG_AR_CODE_RX_ACCESSED	0x0b
#define SEG_AR_DATA_RW_ACCESSED	0x03
#define SEG_AR_S			BIT(4)
#define SEG_AR_P			BIT(7)
#define SEG_AR_L			BIT(13)
#define SEG_AR_DB			BIT(14)
#define SEG_AR_G			BIT(15)
#define SEG_AR_FLAT			(SEG_AR_S | SEG_AR_P | SEG_AR_G)	/* DPL 0 */

static const u8 syscall_opcode[2] = { 0x0f, 0x05 };

/* Legacy or compatibility mode: protected, not virtual-8086, not 64-bit code. */
static bool outside_64bit_protected(void)
{
	return (vmcs_readl(GUEST_CR0) & X86_CR0_PE) &&
	       !(vmcs_readl(GUEST_RFLAGS) & X86_EFLAGS_VM) && !vmx_guest_64bit_code();
}

static void load_flat(u32 sel_field, u32 base_field, u32 limit_field, u32 ar_field,
		      u16 sel, u32 ar)
{
	vmcs_write16(sel_field, sel);
	vmcs_writel(base_field, 0);
	vmcs_write32(limit_field, 0xffffffff);
	vmcs_write32(ar_field, ar);
}

/* SDM Vol. 2B SYSCALL, as AMD's APM Vol. 3 describes it outside 64-bit mode. */
static void do_syscall(struct kvmini_vcpu *vcpu, u64 star, u64 target, u64 fmask, bool lma)
{
	unsigned long rflags = vmcs_readl(GUEST_RFLAGS);
	u16 cs = (star >> 32) & 0xfffc;
	u32 next = vmcs_readl(GUEST_RIP) + sizeof(syscall_opcode);
	u32 intr;

	load_flat(GUEST_CS_SELECTOR, GUEST_CS_BASE, GUEST_CS_LIMIT, GUEST_CS_AR_BYTES, cs,
		  SEG_AR_CODE_RX_ACCESSED | SEG_AR_FLAT | (lma ? SEG_AR_L : SEG_AR_DB));
	load_flat(GUEST_SS_SELECTOR, GUEST_SS_BASE, GUEST_SS_LIMIT, GUEST_SS_AR_BYTES,
		  (u16)((star >> 32) + 8), SEG_AR_DATA_RW_ACCESSED | SEG_AR_FLAT | SEG_AR_DB);
	vcpu->regs[GPR_RCX] = next;
	if (lma) {
		vcpu->regs[GPR_R11] = rflags & ~X86_EFLAGS_RF;
		rflags &= ~fmask;
	} else {
		rflags &= ~(X86_EFLAGS_VM | X86_EFLAGS_IF);
	}
	vmcs_writel(GUEST_RFLAGS, (rflags & ~X86_EFLAGS_RF) | X86_EFLAGS_FIXED);
	vmcs_writel(GUEST_RIP, target);
	intr = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);
	if (intr & 3)
		vmcs_write32(GUEST_INTERRUPTIBILITY_INFO, intr & ~3);
	/* A TF the mask left set traps after the instruction (KVM's ctxt->tf). */
	if (rflags & X86_EFLAGS_TF)
		vmx_queue_single_step(vcpu);
}

/**
 * vmx_handle_ud - a #UD the guest raised, intercepted only for AMD guests
 * @vcpu: the vCPU, loaded, with the guest's SYSCALL MSRs in the CPU
 *
 * Return: 1, the guest goes on: after its SYSCALL, or at its #UD handler.
 */
int vmx_handle_ud(struct kvmini_vcpu *vcpu)
{
	u64 efer = vmcs_read64(GUEST_IA32_EFER), star, target, fmask = 0;
	/* Segmented, as in any 32-bit code: compatibility mode wraps at 4 GiB too. */
	u32 rip = vmcs_readl(GUEST_CS_BASE) + vmcs_readl(GUEST_RIP);
	bool lma = efer & EFER_LMA;
	u8 insn[sizeof(syscall_opcode)];

	if (!(vcpu->cpuid_caps & VCPU_CPUID_SYSCALL_LEGACY) || !(efer & EFER_SCE) ||
	    !outside_64bit_protected())
		goto reflect;
	if (guest_linear_read(vcpu, rip, insn, sizeof(insn), EMU_PF_FETCH | guest_cpl_access(),
			      NULL) ||
	    memcmp(insn, syscall_opcode, sizeof(insn)))
		goto reflect;
	if (vmx_get_msr(vcpu, MSR_STAR, &star, true))
		goto reflect;
	if (lma) {
		if (vmx_get_msr(vcpu, MSR_CSTAR, &target, true) ||
		    vmx_get_msr(vcpu, MSR_SYSCALL_MASK, &fmask, true))
			goto reflect;
	} else {
		target = (u32)star;
	}
	do_syscall(vcpu, star, target, fmask, lma);
	return 1;

reflect:
	vmx_inject_ud(vcpu);
	return 1;
}
