/*
 * Entry of the C guests, 32 or 64-bit: a stack of their own (not the
 * VMM's), guest_main(), then cli; hlt for good.
 */
	.section .text.start, "ax"
	.globl _start
_start:
#ifdef __x86_64__
	lea stack_top(%rip), %rsp
#else
	mov $stack_top, %esp
#endif
	call guest_main
	cli
1:	hlt
	jmp 1b

	.bss
	.balign 16
	.skip 16384
stack_top:
