// SPDX-License-Identifier: GPL-2.0
/*
 * clobber (long mode): the guest's registers must come back from an exit
 * exactly as they were.  Loads distinctive values into the general
 * registers and RFLAGS, x87 stack and control word, XMM0-15, MXCSR, the
 * upper halves of YMM0-15 (when the CPU has AVX: XCR0 = x87|SSE|AVX),
 * CR2, DR0-3 and the MSRs a hypervisor must switch by hand; then takes
 * 1000 exits to the VMM (OUT to port 0x80) and 1000 exits the hypervisor
 * handles itself (CPUID), checking everything after each.  Prints
 * "clobber: ok" or "clobber: FAIL <register> after <exit> <n>: ...".
 * Built twice: clobber, and clobber-sse (NO_AVX) that leaves AVX and
 * XCR0 alone, for hypervisors that cannot run AVX guests.
 */
#include "guest.h"

#define ROUNDS	1000
#define NGPR	15

extern uint64_t gpr_ref[NGPR], gpr_got[NGPR], rsp_ref, rsp_got, rflags_got;
void exit_out(void);
void exit_cpuid(void);
void vec_load(const void *fxsave_image, const void *ymm_hi, int avx);
void vec_save(void *fxsave_area, void *ymm_hi, int avx);

static const char *const gpr_names[NGPR] = {
	"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "r8", "r9", "r10",
	"r11", "r12", "r13", "r14", "r15",
};

static const struct { uint32_t msr; const char *name; uint64_t value; } msrs[] = {
	{ 0x174, "IA32_SYSENTER_CS", 0x1234 },
	{ 0x175, "IA32_SYSENTER_ESP", 0x8badf00d },
	{ 0x176, "IA32_SYSENTER_EIP", 0x1badb002 },
	{ 0xc0000081, "STAR", 0x0023001000000000ULL },
	{ 0xc0000082, "LSTAR", 0xffffffff81234560ULL },
	{ 0xc0000083, "CSTAR", 0xffffffff81234570ULL },
	{ 0xc0000084, "SFMASK", 0x47700 },
	{ 0xc0000100, "FS_BASE", 0x00007f1234560000ULL },
	{ 0xc0000101, "GS_BASE", 0xffff888123456000ULL },
	{ 0xc0000102, "KERNEL_GS_BASE", 0xffff888abcdef000ULL },
};
#define NMSR (sizeof(msrs) / sizeof(msrs[0]))

#define FCW	0x0b7f		/* round up, all exceptions masked */
#define MXCSR	0x5f80		/* round up, all exceptions masked */
#define RFLAGS	0x8d7		/* what clobber_regs.S sets */

static uint8_t ymm_ref[256] __attribute__((aligned(16)));
static uint8_t fx_ref[512] __attribute__((aligned(64)));
static uint8_t fx_got[512] __attribute__((aligned(64)));
static uint8_t ymm_got[256] __attribute__((aligned(16)));
static uint64_t dr_ref[4], cr2_ref;
static bool avx;
static const char *exit_name;
static unsigned int round;

static uint64_t mix(uint64_t a, uint64_t b)
{
	uint64_t x = a * 0x9e3779b97f4a7c15ULL + b * 0xbf58476d1ce4e5b9ULL + 1;

	return x ^ (x >> 29);
}

static uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return lo | (uint64_t)hi << 32;
}

static void wrmsr(uint32_t msr, uint64_t v)
{
	asm volatile("wrmsr" : : "a"((uint32_t)v), "d"((uint32_t)(v >> 32)), "c"(msr));
}

static __attribute__((noreturn)) void changed(const char *reg, int index,
					      uint64_t got, uint64_t want)
{
	puts("clobber: FAIL ");
	puts(reg);
	if (index >= 0)
		putdec(index);
	puts(" after ");
	puts(exit_name);
	puts(" exit ");
	putdec(round);
	puts(": got ");
	puthex(got);
	puts(" want ");
	puthex(want);
	putc('\n');
	halt();
}

static uint64_t bytes(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

/* n bytes at @off of the two areas, compared 8 at a time. */
static void same(const uint8_t *got, const uint8_t *want, unsigned int n,
		 const char *reg, int index)
{
	unsigned int i, k;

	for (i = 0; i < n; i += 8) {
		k = n - i < 8 ? n - i : 8;
		if (bytes(got + i, k) != bytes(want + i, k))
			changed(reg, index, bytes(got + i, k), bytes(want + i, k));
	}
}

static void enable_avx(void)
{
	uint32_t r[4];
	uint64_t cr4;

#ifdef NO_AVX
	return;
#endif
	cpuid(1, 0, r);
	if (!(r[2] & (1u << 26)) || !(r[2] & (1u << 28)))	/* XSAVE, AVX */
		return;
	cpuid(0xd, 0, r);
	if ((r[0] & 7) != 7)
		return;
	asm volatile("mov %%cr4, %0" : "=r"(cr4));
	cr4 |= 1u << 18;	/* OSXSAVE */
	asm volatile("mov %0, %%cr4" : : "r"(cr4));
	asm volatile("xsetbv" : : "a"(7), "d"(0), "c"(0));
	avx = true;
}

static void setup(void)
{
	uint64_t cr0, cr4;
	unsigned int i, k;

	/* SSE on: CR0.EM off, MP on; CR4.OSFXSR and OSXMMEXCPT. */
	asm volatile("mov %%cr0, %0" : "=r"(cr0));
	asm volatile("mov %0, %%cr0" : : "r"((cr0 & ~4ULL) | 2));
	asm volatile("mov %%cr4, %0" : "=r"(cr4));
	asm volatile("mov %0, %%cr4" : : "r"(cr4 | 0x600));
	enable_avx();

	/* The FXSAVE layout: FCW, FSW, abridged FTW, MXCSR, ST0-7, XMM0-15. */
	fx_ref[0] = FCW & 0xff;
	fx_ref[1] = FCW >> 8;
	fx_ref[4] = 0xff;	/* all eight x87 registers in use (TOP = 0) */
	for (i = 0; i < 4; i++)
		fx_ref[24 + i] = (uint8_t)(MXCSR >> (8 * i));
	for (i = 0; i < 8; i++) {
		/* A normal 80-bit number: explicit integer bit, exponent near 1. */
		uint64_t mantissa = mix(i, 3) | 1ULL << 63;
		uint16_t exponent = 0x3fff + i;

		for (k = 0; k < 8; k++)
			fx_ref[32 + 16 * i + k] = (uint8_t)(mantissa >> (8 * k));
		fx_ref[32 + 16 * i + 8] = (uint8_t)exponent;
		fx_ref[32 + 16 * i + 9] = exponent >> 8;
	}
	for (i = 0; i < 256; i++) {
		fx_ref[160 + i] = (uint8_t)mix(i, 1);
		ymm_ref[i] = (uint8_t)mix(i, 2);
	}
	vec_load(fx_ref, ymm_ref, avx);

	cr2_ref = 0xffff8000c0ffee00ULL;
	asm volatile("mov %0, %%cr2" : : "r"(cr2_ref));
	for (i = 0; i < 4; i++)
		dr_ref[i] = 0x7fff00001000ULL * (i + 1);
	asm volatile("mov %0, %%dr0" : : "r"(dr_ref[0]));
	asm volatile("mov %0, %%dr1" : : "r"(dr_ref[1]));
	asm volatile("mov %0, %%dr2" : : "r"(dr_ref[2]));
	asm volatile("mov %0, %%dr3" : : "r"(dr_ref[3]));
	for (i = 0; i < NMSR; i++)
		wrmsr(msrs[i].msr, msrs[i].value);
}

static void check_all(bool after_cpuid)
{
	uint64_t v, dr[4];
	unsigned int i;

	/* CPUID writes rax..rdx by definition: skip those four. */
	for (i = after_cpuid ? 4 : 0; i < NGPR; i++)
		if (gpr_got[i] != gpr_ref[i])
			changed(gpr_names[i], -1, gpr_got[i], gpr_ref[i]);
	if (rsp_got != rsp_ref)
		changed("rsp", -1, rsp_got, rsp_ref);
	if ((rflags_got & 0xcd7) != RFLAGS)	/* the status flags, DF */
		changed("rflags", -1, rflags_got, RFLAGS);

	vec_save(fx_got, ymm_got, avx);
	same(fx_got + 0, fx_ref + 0, 2, "fcw", -1);
	same(fx_got + 2, fx_ref + 2, 2, "fsw", -1);
	same(fx_got + 4, fx_ref + 4, 1, "ftw", -1);
	same(fx_got + 24, fx_ref + 24, 4, "mxcsr", -1);
	for (i = 0; i < 8; i++)
		same(fx_got + 32 + 16 * i, fx_ref + 32 + 16 * i, 10, "st", i);
	for (i = 0; i < 16; i++)
		same(fx_got + 160 + 16 * i, fx_ref + 160 + 16 * i, 16, "xmm", i);
	if (avx) {
		uint32_t lo, hi;

		for (i = 0; i < 16; i++)
			same(ymm_got + 16 * i, ymm_ref + 16 * i, 16, "ymm_hi", i);
		asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
		if (lo != 7 || hi)
			changed("xcr0", -1, lo | (uint64_t)hi << 32, 7);
	}

	asm volatile("mov %%cr2, %0" : "=r"(v));
	if (v != cr2_ref)
		changed("cr2", -1, v, cr2_ref);
	asm volatile("mov %%dr0, %0" : "=r"(dr[0]));
	asm volatile("mov %%dr1, %0" : "=r"(dr[1]));
	asm volatile("mov %%dr2, %0" : "=r"(dr[2]));
	asm volatile("mov %%dr3, %0" : "=r"(dr[3]));
	for (i = 0; i < 4; i++)
		if (dr[i] != dr_ref[i])
			changed("dr", i, dr[i], dr_ref[i]);
	for (i = 0; i < NMSR; i++) {
		v = rdmsr(msrs[i].msr);
		if (v != msrs[i].value)
			changed(msrs[i].name, -1, v, msrs[i].value);
	}
}

void guest_main(void)
{
	unsigned int i;

	setup();
	puts("clobber: gprs, rflags, x87, xmm0-15, mxcsr, ");
	puts(avx ? "ymm0-15 upper, xcr0, " : "(no avx), ");
	puts("cr2, dr0-3, 10 msrs; ");
	putdec(ROUNDS);
	puts(" out + ");
	putdec(ROUNDS);
	puts(" cpuid exits\n");
	for (round = 0; round < ROUNDS; round++) {
		for (i = 0; i < NGPR; i++)
			gpr_ref[i] = mix(round, i + 100);
		exit_name = "out";
		exit_out();
		check_all(false);
		exit_name = "cpuid";
		exit_cpuid();
		check_all(true);
	}
	puts("clobber: ok\n");
}
