/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The benchmark's guest: 32-bit protected mode, flat segments, no paging,
 * copied by the host to GUEST_CODE and entered at one of the op_* labels
 * with ESI = iterations (and EBX = an address where the op needs one).
 * Each op reads the TSC, does its operation ESI times, reads the TSC
 * again and halts with the difference in EDX:EAX, so the only exit
 * besides the ones being measured is the final HLT.  Inside Bochs with
 * clock sync=none the TSC counts instructions: the delta is the work the
 * hypervisor and the guest did, not wall time.
 *
 * Only relative jumps: the code runs at a different address than it was
 * linked at.  Constants are shared with the host through bench.h.
 */
#include "bench.h"

	.section .rodata
	.code32
	.globl guest_start, guest_end
	.globl op_cpuid, op_vmcall, op_pio, op_mmio, op_touch, op_loop, op_hlt
	.globl guest_vectors

/* lfence: RDTSC is not ordered with what comes before it. */
.macro TSC_BEGIN
	lfence
	rdtsc
	mov %eax, %edi
	mov %edx, %ebp
.endm

.macro TSC_END
	lfence
	rdtsc
	sub %edi, %eax
	sbb %ebp, %edx
	hlt
.endm

guest_start:

/* A CPUID exit, leaf 0, handled in the kernel. */
op_cpuid:
	TSC_BEGIN
1:	xor %eax, %eax
	xor %ecx, %ecx
	cpuid
	dec %esi
	jnz 1b
	TSC_END

/*
 * A hypercall with a number no hypervisor knows: answered in the kernel
 * with -KVM_ENOSYS in EAX, which the host finds in EBX after the HLT.
 */
op_vmcall:
	TSC_BEGIN
1:	mov $BENCH_HC_UNKNOWN, %eax
	vmcall
	dec %esi
	jnz 1b
	mov %eax, %ebx
	TSC_END

/* A port write that exits to userspace: one KVM_RUN round trip each. */
op_pio:
	TSC_BEGIN
	mov $BENCH_PORT, %dx
1:	out %al, %dx
	dec %esi
	jnz 1b
	TSC_END

/* A write to a guest-physical address with no memory slot: KVM_EXIT_MMIO. */
op_mmio:
	TSC_BEGIN
1:	movl %esi, BENCH_MMIO_GPA
	dec %esi
	jnz 1b
	TSC_END

/* One write into each 4 KiB page from EBX on: every one is a first touch. */
op_touch:
	TSC_BEGIN
1:	movl %esi, (%ebx)
	add $4096, %ebx
	dec %esi
	jnz 1b
	TSC_END

/* Guest speed: a loop with no exits. */
op_loop:
	TSC_BEGIN
1:	dec %esi
	jnz 1b
	TSC_END

op_hlt:
	hlt

/*
 * The IDT points every exception vector here (8 bytes each): report the
 * vector on BENCH_FAULT_PORT, so the host can tell a #UD on VMCALL from
 * a broken guest, and stop.
 */
	.balign 8
guest_vectors:
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.balign 8
	mov $\v, %al
	out %al, $BENCH_FAULT_PORT
	hlt
	.endr

guest_end:
	.code64
	.section .note.GNU-stack, "", @progbits
