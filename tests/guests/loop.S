/* loop (real mode, flat): never finishes; the VMM's --timeout must stop it. */
	.code16
	.text
	.globl _start
_start:
	/*
	 * Not a bare "jmp .": Bochs takes a jump to itself with interrupts
	 * off for a dead CPU and stops delivering VM exits to it, under KVM
	 * and kvmini alike.  Real CPUs do not care; the increment keeps the
	 * loop a loop on both.
	 */
	inc %ax
	jmp _start
