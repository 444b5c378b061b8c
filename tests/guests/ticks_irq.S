/*
 * ticks (long mode): the interrupt side.  A stub per vector 32-255, 16
 * bytes apart from irq_stubs, pushes its vector and calls
 * tick(vector, interrupted rip) with the caller-saved registers kept.
 * And the three places the guest lets an interrupt in, each with a label
 * the interrupted RIP is compared with:
 *   wait_hlt     sti; hlt: only at hlt_resume, once woken from HLT
 *   open_window  sti; nop, then interrupts on until a TSC deadline: one
 *                pending while interrupts were off comes at window_resume
 *                when the VMM asked for the window (an exit there), or
 *                later in the window when it only injects at its next look
 *   spin_until   interrupts on while polling a counter: anywhere in it
 * All three return with interrupts off.
 */
	.text

	.globl irq_stubs
	.balign 16
irq_stubs:
	.set vec, 32
	.rept 224
	.balign 16
	pushq $vec
	jmp irq_common
	.set vec, vec + 1
	.endr

/* Stack: vector, then the CPU's rip, cs, rflags, rsp, ss (aligned to 16 by the CPU). */
irq_common:
	push %rax
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %r8
	push %r9
	push %r10
	push %r11
	sub $8, %rsp		/* 48 + 72 + 8: a 16-byte aligned call */
	mov 80(%rsp), %rdi	/* vector */
	mov 88(%rsp), %rsi	/* rip */
	call tick
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
	add $8, %rsp
	iretq

	.globl wait_hlt, hlt_resume
wait_hlt:
	sti
	hlt
hlt_resume:
	cli
	ret

/* open_window(uint64_t tsc_deadline) */
	.globl open_window, window_resume, window_end
open_window:
	sti
	nop
window_resume:
	nop			/* the loop below must not come back to window_resume */
1:	rdtsc
	shl $32, %rdx
	or %rdx, %rax
	cmp %rdi, %rax
	jb 1b
window_end:
	cli
	ret

/* spin_until(const volatile uint32_t *counter, uint32_t target) */
	.globl spin_until, spin_start, spin_end
spin_until:
	sti
spin_start:
	pause
	cmp %esi, (%rdi)
	jb spin_start
spin_end:
	cli
	ret
