/*
 * triple (long mode): says so, loads an empty IDT and executes ud2.  The
 * #UD finds no gate, nor does the #GP that follows, nor the #DF: the CPU
 * shuts down, and the VMM must report a triple fault (KVM_EXIT_SHUTDOWN).
 * (Real mode would not do: KVM's real-mode emulation ignores the IVT
 * limit, where the CPU itself checks it.)
 */
	.text
	.globl _start
_start:
	lea msg(%rip), %rsi
	call print
	lidt empty_idt(%rip)
	ud2
	/* Not reached: a VMM that resumes here has lost the fault. */
	lea after(%rip), %rsi
	call print
	cli
	hlt

print:
	lodsb
	test %al, %al
	jz 1f
	out %al, $0xe9
	jmp print
1:	ret

	.section .rodata
	.balign 16
empty_idt:
	.word 0			/* limit */
	.quad 0			/* base */
msg:	.asciz "triple: faulting now\n"
after:	.asciz "triple: FAIL still running\n"
