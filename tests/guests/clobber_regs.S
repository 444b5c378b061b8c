/*
 * The register-level half of clobber: exits taken with every general
 * register and RFLAGS holding a known value, which are stored right
 * after; and loading/saving the x87, SSE and AVX state, which C built
 * with -mgeneral-regs-only never touches in between.
 */
#define NGPR 15		/* rax rbx rcx rdx rsi rdi rbp r8-r15; rsp apart */
#define FLAGS 0x8d7	/* OF SF ZF AF PF CF and the fixed bit 1; IF stays off */

	.data
	.balign 16
	.globl gpr_ref, gpr_got, rsp_ref, rsp_got, rflags_got
gpr_ref:	.skip NGPR * 8
gpr_got:	.skip NGPR * 8
rsp_ref:	.quad 0
rsp_got:	.quad 0
rflags_got:	.quad 0

	.text
	.macro gprs op
	.irp pair, "0,rax", "1,rbx", "2,rcx", "3,rdx", "4,rsi", "5,rdi", "6,rbp", "7,r8", "8,r9", "9,r10", "10,r11", "11,r12", "12,r13", "13,r14", "14,r15"
	\op \pair
	.endr
	.endm
	.macro load i, r
	mov gpr_ref + \i * 8(%rip), %\r
	.endm
	.macro store i, r
	mov %\r, gpr_got + \i * 8(%rip)
	.endm

	.macro enter
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, rsp_ref(%rip)
	.endm
	.macro leave
	pushfq
	popq rflags_got(%rip)
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbp
	pop %rbx
	cld
	ret
	.endm

/* void exit_out(void): an exit to the VMM (port 0x80, which it ignores). */
	.globl exit_out
exit_out:
	enter
	pushq $FLAGS
	popfq
	gprs load
	out %al, $0x80
	gprs store
	mov %rsp, rsp_got(%rip)
	leave

/* void exit_cpuid(void): an exit the hypervisor handles itself (leaf 0). */
	.globl exit_cpuid
exit_cpuid:
	enter
	gprs load
	xor %eax, %eax
	xor %ecx, %ecx
	pushq $FLAGS
	popfq
	cpuid
	gprs store
	mov %rsp, rsp_got(%rip)
	leave

/*
 * void vec_load(const void *fxsave_image, const void *ymm_hi, int avx)
 * The x87, MXCSR and XMM state all at once from a prepared FXSAVE image
 * (no x87 loads: some hypervisors emulate those, and badly), then the
 * upper YMM halves (16 x 16 bytes) when avx.
 */
	.globl vec_load
vec_load:
	fxrstor64 (%rdi)
	test %edx, %edx
	jz 1f
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	vinsertf128 $1, \n * 16(%rsi), %ymm\n, %ymm\n
	.endr
1:	ret

/* void vec_save(void *fxsave_area (512, 16-aligned), void *ymm_hi, int avx) */
	.globl vec_save
vec_save:
	fxsave64 (%rdi)
	test %edx, %edx
	jz 1f
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	vextractf128 $1, %ymm\n, \n * 16(%rsi)
	.endr
1:	ret
