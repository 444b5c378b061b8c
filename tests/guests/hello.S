/*
 * hello: "Hello, world!\n" on port 0xe9, 42 in the word at 0x500 and in
 * RAX, then cli; hlt.  One source for all four modes (MODE_REAL,
 * MODE_PROTECTED, MODE_PAGED, MODE_LONG); each first checks it really is
 * in its mode, so a VMM that set up the wrong one is caught.
 */
#define CR0_PE		0x1
#define CR0_PG		0x80000000
#define CR4_PSE		0x10
#define CR4_PAE		0x20

	.text
	.globl _start
#ifdef MODE_REAL
	.code16
#endif
_start:
#ifndef MODE_LONG
	mov %cr0, %eax
#endif
#if defined(MODE_REAL)
	test $CR0_PE, %eax
	jnz wrong_mode
#elif defined(MODE_PROTECTED)
	test $CR0_PE, %eax
	jz wrong_mode
	test $CR0_PG, %eax
	jnz wrong_mode
#elif defined(MODE_PAGED)
	and $(CR0_PE | CR0_PG), %eax
	cmp $(CR0_PE | CR0_PG), %eax
	jne wrong_mode
	mov %cr4, %eax
	and $(CR4_PSE | CR4_PAE), %eax
	cmp $CR4_PSE, %eax		/* 4 MiB pages, not PAE */
	jne wrong_mode
#endif
	/* (Long mode needs no check: these bytes only decode right there.) */
	mov $msg, %esi
	call print
#ifdef MODE_LONG
	movq $42, 0x500
#else
	movl $42, 0x500
#endif
	mov $42, %eax		/* in long mode, zero-extends into RAX */
	cli
	hlt

wrong_mode:
	mov $wrong, %esi
	call print
	cli
	hlt

/* The NUL-terminated string at (R/E)SI to port 0xe9. */
print:
	lodsb
	test %al, %al
	jz 1f
	out %al, $0xe9
	jmp print
1:	ret

	.section .rodata
msg:	.asciz "Hello, world!\n"
wrong:	.asciz "hello: wrong mode\n"
