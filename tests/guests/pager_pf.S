/*
 * pager (long mode): the page-fault entry.  Calls page_fault(cr2, error
 * code) with the caller-saved registers kept; iretq then runs the
 * faulting instruction again, which now finds its page mapped.
 */
	.text
	.globl pf_entry
/* Stack: the error code, then the CPU's rip, cs, rflags, rsp, ss (aligned to 16 by the CPU). */
pf_entry:
	push %rax
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %r8
	push %r9
	push %r10
	push %r11
	mov %cr2, %rdi
	mov 72(%rsp), %rsi	/* the error code */
	sub $8, %rsp		/* 40 + 8 + 72 + 8: a 16-byte aligned call */
	call page_fault
	add $8, %rsp
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rax
	add $8, %rsp		/* the error code */
	iretq
