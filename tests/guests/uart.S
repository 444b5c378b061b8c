/*
 * uart (real mode, flat): programs the 16550 at 0x3f8 like a polling
 * driver, checks its configuration registers read back, and prints
 * "uart: ok" (or "uart: FAIL <register>") through it, waiting for
 * LSR.THRE (bit 5) before every byte.
 */
#define COM1	0x3f8

	.code16
	.text
	.globl _start
_start:
	/* 115200 8N1: divisor 1 through the DLAB window, then the format. */
	mov $COM1 + 3, %dx
	mov $0x80, %al
	out %al, %dx
	mov $COM1, %dx
	mov $1, %al
	out %al, %dx
	mov $COM1 + 1, %dx
	xor %al, %al
	out %al, %dx
	mov $COM1 + 3, %dx
	mov $0x03, %al
	out %al, %dx

	mov $COM1 + 1, %dx	/* IER: a value it must keep */
	mov $0x05, %al
	call write_check
	mov $fail_ier, %si
	jne fail
	mov $COM1 + 4, %dx	/* MCR */
	mov $0x0b, %al
	call write_check
	mov $fail_mcr, %si
	jne fail
	mov $COM1 + 7, %dx	/* scratch */
	mov $0x5a, %al
	call write_check
	mov $fail_scr, %si
	jne fail
	mov $COM1 + 3, %dx	/* LCR still 8N1 */
	in %dx, %al
	cmp $0x03, %al
	mov $fail_lcr, %si
	jne fail
	mov $ok, %si
fail:
	call print
	cli
	hlt

/* Write AL to port DX, read it back: ZF set when it stuck. */
write_check:
	mov %al, %ah
	out %al, %dx
	in %dx, %al
	cmp %ah, %al
	ret

/* The NUL-terminated string at SI through the UART. */
print:
	lodsb
	test %al, %al
	jz 2f
	mov %al, %ah
	mov $COM1 + 5, %dx
1:	in %dx, %al		/* LSR: wait for an empty holding register */
	test $0x20, %al
	jz 1b
	mov $COM1, %dx
	mov %ah, %al
	out %al, %dx
	jmp print
2:	ret

ok:		.asciz "uart: ok\n"
fail_ier:	.asciz "uart: FAIL IER\n"
fail_mcr:	.asciz "uart: FAIL MCR\n"
fail_scr:	.asciz "uart: FAIL scratch\n"
fail_lcr:	.asciz "uart: FAIL LCR\n"
