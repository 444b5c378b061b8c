/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The only way into the guest and back: __vmx_vcpu_run().
 *
 * int __vmx_vcpu_run(unsigned long *regs, bool launched)
 *   @regs:     the guest's general registers in x86 encoding order
 *              (RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8..R15); the RSP
 *              slot is unused, the guest's RSP lives in the VMCS
 *   @launched: VMRESUME if true, VMLAUNCH if false
 *
 * Returns 0 after a VM exit (the guest's registers are back in @regs) and
 * 1 when VMLAUNCH/VMRESUME failed (VMfail; nothing ran).  Called with
 * interrupts off; everything else about entry and exit is C.
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/cpufeatures.h>
#include <asm/ibt.h>
#include <asm/msr-index.h>
#include <asm/nospec-branch.h>
#include <asm/percpu.h>
#include <asm/segment.h>
#include <asm/unwind_hints.h>

#define REG(n)		((n) * 8)
#define HOST_RSP_FIELD	0x6c14

.section .text, "ax"

SYM_FUNC_START(__vmx_vcpu_run)
	push	%rbp
	mov	%rsp, %rbp
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	push	%rbx
	/* The exit path finds @regs at the top of the stack HOST_RSP names. */
	push	%rdi

	mov	$HOST_RSP_FIELD, %rax
	vmwrite	%rsp, %rax
	jbe	.Lvmfail

	/* MOVs and VERW leave CF alone until the jump below. */
	bt	$0, %esi
	mov	%rdi, %rax
	mov	REG(1)(%rax), %rcx
	mov	REG(2)(%rax), %rdx
	mov	REG(3)(%rax), %rbx
	mov	REG(5)(%rax), %rbp
	mov	REG(6)(%rax), %rsi
	mov	REG(7)(%rax), %rdi
	mov	REG(8)(%rax), %r8
	mov	REG(9)(%rax), %r9
	mov	REG(10)(%rax), %r10
	mov	REG(11)(%rax), %r11
	mov	REG(12)(%rax), %r12
	mov	REG(13)(%rax), %r13
	mov	REG(14)(%rax), %r14
	mov	REG(15)(%rax), %r15
	mov	REG(0)(%rax), %rax

	/* MDS and its kin: nothing of the host's left in CPU buffers (VERW, as KVM). */
	CLEAR_CPU_BUFFERS

	jc	.Lresume
	UNWIND_HINT_SAVE
	vmlaunch
	UNWIND_HINT_RESTORE
	jmp	.Lvmfail_guest_regs
.Lresume:
	UNWIND_HINT_SAVE
	vmresume
	UNWIND_HINT_RESTORE
	jmp	.Lvmfail_guest_regs

SYM_INNER_LABEL(vmx_vmexit, SYM_L_GLOBAL)
	UNWIND_HINT_RESTORE
	ENDBR
	push	%rax
	mov	8(%rsp), %rax
	mov	%rcx, REG(1)(%rax)
	mov	%rdx, REG(2)(%rax)
	mov	%rbx, REG(3)(%rax)
	mov	%rbp, REG(5)(%rax)
	mov	%rsi, REG(6)(%rax)
	mov	%rdi, REG(7)(%rax)
	mov	%r8, REG(8)(%rax)
	mov	%r9, REG(9)(%rax)
	mov	%r10, REG(10)(%rax)
	mov	%r11, REG(11)(%rax)
	mov	%r12, REG(12)(%rax)
	mov	%r13, REG(13)(%rax)
	mov	%r14, REG(14)(%rax)
	mov	%r15, REG(15)(%rax)
	pop	REG(0)(%rax)

	/*
	 * Before the first RET: the guest may have trained the return stack
	 * buffer (all of it refilled with retpolines or IBRS, one entry with
	 * eIBRS, against PBRSB), and legacy IBRS must be written again after
	 * a less privileged predictor mode ran; the guest cannot change
	 * SPEC_CTRL itself (vmx/msr.c).  Then the branch history (BHI).
	 */
	FILL_RETURN_BUFFER %rax, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT, \
			   X86_FEATURE_RSB_VMEXIT_LITE
	ALTERNATIVE "jmp .Lspec_ctrl_done", "", X86_FEATURE_KERNEL_IBRS
	mov	$MSR_IA32_SPEC_CTRL, %ecx
	mov	PER_CPU_VAR(x86_spec_ctrl_current), %eax
	mov	PER_CPU_VAR(x86_spec_ctrl_current + 4), %edx
	wrmsr
	/* Nothing after runs, even speculatively, before IBRS is back on. */
	lfence
.Lspec_ctrl_done:
	CLEAR_BRANCH_HISTORY_VMEXIT

	xor	%eax, %eax
	jmp	.Lclear

.Lvmfail_guest_regs:
	/* The callee-saved registers hold guest values: the pops fix them. */
	mov	$1, %eax
.Lclear:
	/*
	 * Leave no guest value in a register the host might speculate on,
	 * the callee-saved ones included, though their pops follow.
	 */
	xor	%ebx, %ebx
	xor	%ebp, %ebp
	xor	%r12d, %r12d
	xor	%r13d, %r13d
	xor	%r14d, %r14d
	xor	%r15d, %r15d
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%esi, %esi
	xor	%edi, %edi
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d
	jmp	.Lout
.Lvmfail:
	mov	$1, %eax
.Lout:
	pop	%rdi
	pop	%rbx
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	pop	%rbp
	RET
SYM_FUNC_END(__vmx_vcpu_run)

/*
 * void vmx_call_nmi_handler(unsigned long entry)
 *
 * An NMI that made the guest exit is gone from the CPU, and NMIs stay
 * blocked until the next IRET.  This calls the host's NMI entry point as
 * the CPU would have: on this stack, aligned, with an interrupt frame of
 * the kernel's own selectors; the handler's IRET returns here and
 * unblocks NMIs.  Interrupts are off.
 */
SYM_FUNC_START(vmx_call_nmi_handler)
	push	%rbp
	mov	%rsp, %rbp
	and	$-16, %rsp
	push	$__KERNEL_DS
	push	%rbp
	pushf
	push	$__KERNEL_CS
	CALL_NOSPEC rdi
	/* The IRET restored RSP already; this tells objtool so. */
	mov	%rbp, %rsp
	pop	%rbp
	RET
SYM_FUNC_END(vmx_call_nmi_handler)

/*
 * vmread_error_trampoline: the out-of-line half of __vmcs_read() (vmcs.h).
 * Above the return address: the field, then 1 if VMREAD faulted, 0 if it
 * failed.  Calls vmread_report(field, fault) with every caller-saved
 * register kept, since the inline asm around the call clobbers none, and
 * leaves 0 in the fault slot, which the caller pops as VMREAD's result.
 */
SYM_FUNC_START(vmread_error_trampoline)
	push	%rbp
	mov	%rsp, %rbp
	push	%rax
	push	%rcx
	push	%rdx
	push	%rsi
	push	%rdi
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	mov	2*8(%rbp), %rdi
	mov	3*8(%rbp), %rsi
	call	vmread_report
	movq	$0, 3*8(%rbp)
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rdi
	pop	%rsi
	pop	%rdx
	pop	%rcx
	pop	%rax
	pop	%rbp
	RET
SYM_FUNC_END(vmread_error_trampoline)
