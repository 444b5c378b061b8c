/*
 * A 64-bit IDT for the first 32 vectors.  A #GP raised while
 * gp_expected is set counts in gp_count, leaves the RFLAGS it pushed in
 * gp_rflags, and skips the 2-byte faulting instruction (RDMSR/WRMSR), so
 * a guest can probe for faults; a #PF while pf_expected is set counts in
 * pf_count, leaves its error code and CR2 in pf_error and pf_cr2, and
 * skips a 2-byte instruction (MOVSQ) the same way; anything
 * else goes to unexpected_exception(vector, error code, rip).
 */
	.text

/* Vectors that push an error code themselves. */
#define HAS_ERROR(n) ((n) == 8 || ((n) >= 10 && (n) <= 14) || (n) == 17 || (n) == 21 || (n) == 29 || (n) == 30)

	.macro stub n
	.balign 16
stub\n:
	.if !HAS_ERROR(\n)
	pushq $0
	.endif
	pushq $\n
	jmp common
	.endm

	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	stub \n
	.endr

/* Stack: vector, error code, then the CPU's rip, cs, rflags, rsp, ss. */
common:
	cmpq $14, (%rsp)
	jne 3f
	cmpb $0, pf_expected(%rip)
	je 1f
	incl pf_count(%rip)
	push %rax
	mov 16(%rsp), %rax
	mov %rax, pf_error(%rip)
	mov %cr2, %rax
	mov %rax, pf_cr2(%rip)
	pop %rax
	addq $2, 16(%rsp)
	add $16, %rsp
	iretq
3:	cmpq $13, (%rsp)
	jne 1f
	cmpb $0, gp_expected(%rip)
	je 1f
	incl gp_count(%rip)
	push %rax
	mov 40(%rsp), %rax
	mov %rax, gp_rflags(%rip)
	pop %rax
	addq $2, 16(%rsp)
	add $16, %rsp
	iretq
1:	mov (%rsp), %rdi
	mov 8(%rsp), %rsi
	mov 16(%rsp), %rdx
	and $-16, %rsp
	call unexpected_exception
2:	cli
	hlt
	jmp 2b

	.section .rodata
	.globl idt_stubs
	.balign 8
idt_stubs:
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad stub\n
	.endr

	.data
	.globl gp_expected, gp_count, gp_rflags, pf_expected, pf_count, pf_error, pf_cr2
gp_expected:	.byte 0
pf_expected:	.byte 0
	.balign 4
gp_count:	.long 0
pf_count:	.long 0
	.balign 8
gp_rflags:	.quad 0
pf_error:	.quad 0
pf_cr2:		.quad 0
