// SPDX-License-Identifier: GPL-2.0
/*
 * mmio (long mode): the MOV forms a hypervisor has to emulate when a
 * guest touches memory that is not RAM, against the kvmini tool's
 * scratch device at 0xd0000000 (reads return what was written) and an
 * address nothing backs (0xe0000000: all ones).  Each form is spelled
 * out in asm, so the encodings are known: byte/word/dword/qword
 * registers (legacy, REX and high-byte), immediates, zero and sign
 * extension, 64-bit absolute (moffs) and base+index*scale+disp operands.
 * Prints "mmio: FAIL <form> ..." per failure, or "mmio: ok".
 */
#include "guest.h"

#define SCR	0xd0000000ULL
#define NONE	0xe0000000ULL

static int failures;

static void expect(const char *what, uint64_t got, uint64_t want)
{
	if (got == want)
		return;
	failures++;
	puts("mmio: FAIL ");
	puts(what);
	puts(": got ");
	puthex(got);
	puts(" want ");
	puthex(want);
	putc('\n');
}

static void registers(void)
{
	uint64_t v;

	asm volatile("movb %%al, (%%rdi)\n\t"
		     "xor %%ecx, %%ecx\n\t"
		     "movb (%%rdi), %%cl"
		     : "=c"(v) : "a"(0x5a), "D"(SCR) : "memory");
	expect("movb %al,(mem) / movb (mem),%cl", v, 0x5a);

	asm volatile("mov %1, %%r9\n\t"
		     "movb %%r9b, 1(%%rbx)\n\t"
		     "xor %%r10d, %%r10d\n\t"
		     "movb 1(%%rbx), %%r10b\n\t"
		     "mov %%r10, %0"
		     : "=r"(v) : "r"(0xc3ULL), "b"(SCR) : "r9", "r10", "memory");
	expect("movb %r9b / %r10b (REX)", v, 0xc3);

	asm volatile("movb %%ah, 2(%%rbx)\n\t"
		     "xor %%edx, %%edx\n\t"
		     "movb 2(%%rbx), %%dh"
		     : "=d"(v) : "a"(0x7e00), "b"(SCR) : "memory");
	expect("movb %ah / %dh (high byte)", v, 0x7e00);

	asm volatile("movw %%ax, 4(%%rbx)\n\t"
		     "xor %%edx, %%edx\n\t"
		     "movw 4(%%rbx), %%dx"
		     : "=d"(v) : "a"(0xbeef), "b"(SCR) : "memory");
	expect("movw %ax / %dx", v, 0xbeef);

	asm volatile("mov %1, %%r11\n\t"
		     "movw %%r11w, 6(%%rbx)\n\t"
		     "mov $-1, %%r12\n\t"
		     "movw 6(%%rbx), %%r12w\n\t"
		     "mov %%r12, %0"
		     : "=r"(v) : "r"(0x1234ULL), "b"(SCR) : "r11", "r12", "memory");
	/* A 16-bit load leaves bits 63:16 alone. */
	expect("movw %r11w / %r12w", v, 0xffffffffffff1234ULL);

	asm volatile("movl %%eax, 8(%%rbx)\n\t"
		     "movl 8(%%rbx), %%edx"
		     : "=d"(v) : "a"(0xcafef00d), "b"(SCR) : "memory");
	expect("movl %eax / %edx", v, 0xcafef00d);

	asm volatile("mov %1, %%r12\n\t"
		     "movl %%r12d, 12(%%rbx)\n\t"
		     "mov $-1, %%r13\n\t"
		     "movl 12(%%rbx), %%r13d\n\t"
		     "mov %%r13, %0"
		     : "=r"(v) : "r"(0x87654321ULL), "b"(SCR) : "r12", "r13", "memory");
	/* A 32-bit load zero-extends. */
	expect("movl %r12d / %r13d", v, 0x87654321);

	asm volatile("movq %%rax, 16(%%rbx)\n\t"
		     "movq 16(%%rbx), %%rdx"
		     : "=d"(v) : "a"(0x0123456789abcdefULL), "b"(SCR) : "memory");
	expect("movq %rax / %rdx", v, 0x0123456789abcdefULL);

	asm volatile("mov %1, %%r14\n\t"
		     "movq %%r14, 24(%%rbx)\n\t"
		     "movq 24(%%rbx), %%r15\n\t"
		     "mov %%r15, %0"
		     : "=r"(v) : "r"(0xfedcba9876543210ULL), "b"(SCR) : "r14", "r15", "memory");
	expect("movq %r14 / %r15", v, 0xfedcba9876543210ULL);
}

static void immediates(void)
{
	uint64_t v;

	asm volatile("movq $0, 0x20(%%rbx)\n\t"
		     "movb $0xa5, 0x20(%%rbx)\n\t"
		     "movw $0xbeef, 0x22(%%rbx)\n\t"
		     "movl $0xdeadbeef, 0x24(%%rbx)\n\t"
		     "movq 0x20(%%rbx), %%rdx"
		     : "=d"(v) : "b"(SCR) : "memory");
	expect("movb/movw/movl $imm", v, 0xdeadbeefbeef00a5ULL);

	asm volatile("movq $-2, 0x28(%%rbx)\n\t"
		     "movq 0x28(%%rbx), %%rdx"
		     : "=d"(v) : "b"(SCR) : "memory");
	expect("movq $imm32 (sign-extended)", v, 0xfffffffffffffffeULL);
}

static void extensions(void)
{
	uint64_t v;

	asm volatile("movb $0x80, 0x30(%%rbx)\n\t"
		     "movw $0x8001, 0x32(%%rbx)\n\t"
		     "movl $0x80000000, 0x34(%%rbx)" : : "b"(SCR) : "memory");
	asm volatile("mov $-1, %%rdx\n\tmovzbl 0x30(%%rbx), %%edx" : "=d"(v) : "b"(SCR) : "memory");
	expect("movzbl", v, 0x80);
	asm volatile("movsbq 0x30(%%rbx), %%rdx" : "=d"(v) : "b"(SCR) : "memory");
	expect("movsbq", v, 0xffffffffffffff80ULL);
	asm volatile("mov $-1, %%rdx\n\tmovzwl 0x32(%%rbx), %%edx" : "=d"(v) : "b"(SCR) : "memory");
	expect("movzwl", v, 0x8001);
	asm volatile("movswq 0x32(%%rbx), %%rdx" : "=d"(v) : "b"(SCR) : "memory");
	expect("movswq", v, 0xffffffffffff8001ULL);
	asm volatile("xor %%edx, %%edx\n\tmovsbw 0x30(%%rbx), %%dx" : "=d"(v) : "b"(SCR) : "memory");
	expect("movsbw", v, 0xff80);
}

/*
 * MOVSXD (63 /r), what a compiler emits to widen an int read: last, so a
 * decoder that stops the guest on it has let every other check report.
 */
static void movsxd(void)
{
	uint64_t v;

	asm volatile("movslq 0x34(%%rbx), %%rdx" : "=d"(v) : "b"(SCR) : "memory");
	expect("movslq (movsxd)", v, 0xffffffff80000000ULL);
}

static void addressing(void)
{
	uint64_t v, i;

	/* moffs: the A0-A3 opcodes with a 64-bit absolute address. */
	asm volatile("movabsq %%rax, 0xd0000040\n\t"
		     "xor %%eax, %%eax\n\t"
		     "movabsq 0xd0000040, %%rax"
		     : "=a"(v) : "a"(0x1122334455667788ULL) : "memory");
	expect("movabsq %rax <-> moffs64", v, 0x1122334455667788ULL);
	asm volatile("movabsb %%al, 0xd0000048\n\t"
		     "mov $-1, %%rax\n\t"
		     "movabsb 0xd0000048, %%al"
		     : "=a"(v) : "a"(0x99ULL) : "memory");
	expect("movabsb %al <-> moffs64", v, 0xffffffffffffff99ULL);
	asm volatile("movabsl %%eax, 0xd000004c\n\t"
		     "mov $-1, %%rax\n\t"
		     "movabsl 0xd000004c, %%eax"
		     : "=a"(v) : "a"(0x44332211ULL) : "memory");
	expect("movabsl %eax <-> moffs64", v, 0x44332211);

	/* base + index * scale + disp */
	asm volatile("movl %%ecx, 0x10(%%rbx,%%rsi,4)\n\t"
		     "movl 0x10(%%rbx,%%rsi,4), %%edx"
		     : "=d"(v) : "c"(0x5eed5eed), "b"(SCR), "S"(0x10ULL) : "memory");
	expect("movl via 0x10(%rbx,%rsi,4)", v, 0x5eed5eed);
	asm volatile("movl 0x50(%%rbx), %%edx" : "=d"(v) : "b"(SCR) : "memory");
	expect("the same dword at disp 0x50", v, 0x5eed5eed);

	/* Little endian, and unaligned reads. */
	asm volatile("movq %%rax, 0x60(%%rbx)" : : "a"(0x0807060504030201ULL), "b"(SCR) : "memory");
	for (i = 0; i < 8; i++) {
		asm volatile("movzbl 0x60(%%rbx,%%rcx), %%edx" : "=d"(v) : "b"(SCR), "c"(i) : "memory");
		expect("byte i of a qword (little endian)", v, i + 1);
	}
	asm volatile("movl 0x62(%%rbx), %%edx" : "=d"(v) : "b"(SCR) : "memory");
	expect("unaligned movl", v, 0x06050403);

	/* The last word of the device. */
	asm volatile("movq %%rax, 0xff8(%%rbx)\n\t"
		     "movq 0xff8(%%rbx), %%rdx"
		     : "=d"(v) : "a"(0xa1b2c3d4e5f60718ULL), "b"(SCR) : "memory");
	expect("movq at offset 0xff8", v, 0xa1b2c3d4e5f60718ULL);

	/* Earlier values survived the later writes. */
	asm volatile("movq 16(%%rbx), %%rdx" : "=d"(v) : "b"(SCR) : "memory");
	expect("offset 16 kept its value", v, 0x0123456789abcdefULL);
}

static void unbacked(void)
{
	uint64_t v;

	asm volatile("xor %%edx, %%edx\n\tmovb (%%rbx), %%dl" : "=d"(v) : "b"(NONE) : "memory");
	expect("unbacked movb", v, 0xff);
	asm volatile("xor %%edx, %%edx\n\tmovw 2(%%rbx), %%dx" : "=d"(v) : "b"(NONE) : "memory");
	expect("unbacked movw", v, 0xffff);
	asm volatile("movl 4(%%rbx), %%edx" : "=d"(v) : "b"(NONE) : "memory");
	expect("unbacked movl", v, 0xffffffff);
	asm volatile("movq $0, 8(%%rbx)\n\t"
		     "movq 8(%%rbx), %%rdx"
		     : "=d"(v) : "b"(NONE) : "memory");
	expect("unbacked movq after a write", v, ~0ULL);
}

void guest_main(void)
{
	registers();
	immediates();
	extensions();
	addressing();
	unbacked();
	movsxd();
	if (!failures)
		puts("mmio: ok\n");
}
