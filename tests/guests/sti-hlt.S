/*
 * sti-hlt (real mode, flat): halts with interrupts enabled.  Nothing here
 * ever raises an interrupt, so the VMM must call it a hang (status 2),
 * not a finish: only "cli; hlt" ends a run cleanly.
 */
	.code16
	.text
	.globl _start
_start:
	sti
	hlt
	/* Not reached unless something injected an interrupt. */
	cli
	hlt
