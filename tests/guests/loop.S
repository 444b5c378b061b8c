/* loop (real mode, flat): never finishes; the VMM's --timeout must stop it. */
	.code16
	.text
	.globl _start
_start:
	sti
1:	inc %ax
	jmp 1b
