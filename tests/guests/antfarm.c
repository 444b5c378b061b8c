// SPDX-License-Identifier: GPL-2.0
/*
 * antfarm (long mode, --trace-cr3; issue 14): processes as Antfarm sees
 * them, without an operating system.  The guest makes N "processes", each
 * a KPTI-like pair of top-level tables (8 KiB aligned: the kernel's at
 * the even page, the user's at the odd one) copied from the tool's, so
 * both map this code.  It switches between them for ROUNDS rounds, each
 * visit entering and leaving "user mode" by loading the user table and
 * back (with PCIDs, and with the no-flush bit on the way back), then
 * tears K of them down: it leaves one, clears its user half (entries
 * 0-255), and goes on switching among the others so the tool looks
 * again.  The last line says what the tool must have seen:
 *   antfarm: expect created N exited K switches S loads L exits E
 * L counts every MOV to CR3; E those that switch process: the rest (KPTI's
 * pair and the no-flush forms of the current process) are CR3-target
 * values, which the CPU lets through.
 */
#include "guest.h"

#define N	6
#define K	2
#define ROUNDS	4
#define PAGE	4096ULL
#define CR4_PCIDE	(1ULL << 17)
#define NOFLUSH		(1ULL << 63)
#define USER_BIT	(1ULL << 12)
#define USER_PCID	(1ULL << 11)

/* 8 KiB aligned pairs, in .bss: the image is below 2 MiB, mapped 1:1. */
static uint64_t tables[N][2][512] __attribute__((aligned(8192)));
static uint64_t loads, exits, switches, last_key;

static uint64_t read_cr3(void)
{
	uint64_t v;

	asm volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static void load(uint64_t cr3, bool exits_expected)
{
	asm volatile("mov %0, %%cr3" : : "r"(cr3) : "memory");
	loads++;
	exits += exits_expected;
}

/* A visit: switch to @i, then to its user table and back into the kernel. */
static void visit(unsigned int i)
{
	uint64_t key = (uint64_t)tables[i][0], pcid = i + 1;

	/* Back to the process just left: its own target, no exit, no switch. */
	load(key | pcid, key != last_key);
	if (key != last_key)
		switches++;
	last_key = key;
	load(key | USER_BIT | USER_PCID | pcid, false);
	load(key | pcid | NOFLUSH, false);
	load(key | USER_BIT | USER_PCID | pcid | NOFLUSH, false);
	load(key | pcid | NOFLUSH, false);
}

void guest_main(void)
{
	uint64_t *root = (uint64_t *)(read_cr3() & ~0xfffULL);
	bool gone[N] = { false };
	unsigned int i, j, r, cpuid_ecx;
	uint64_t cr4;

	asm volatile("cpuid" : "=c"(cpuid_ecx) : "a"(1), "c"(0) : "ebx", "edx");
	if (!(cpuid_ecx & (1U << 17))) {
		puts("antfarm: no PCID\n");
		asm volatile("cli; hlt");
	}
	for (i = 0; i < N; i++)
		for (j = 0; j < 512; j++)
			tables[i][0][j] = tables[i][1][j] = root[j];
	asm volatile("mov %%cr4, %0" : "=r"(cr4));
	asm volatile("mov %0, %%cr4" : : "r"(cr4 | CR4_PCIDE));

	for (r = 0; r < ROUNDS; r++)
		for (i = 0; i < N; i++)
			visit(i);
	/* Tear down the first K: away from each, then empty its user half. */
	for (i = 0; i < K; i++) {
		visit(N - 1 - i % 2);
		for (j = 0; j < 256; j++)
			tables[i][0][j] = tables[i][1][j] = 0;
		gone[i] = true;
		/* Enough loads for the tool's periodic look (every 16). */
		for (r = 0; r < 4; r++)
			for (j = K; j < N; j++)
				visit(j);
	}
	for (i = 0; i < N; i++)
		if (!gone[i])
			visit(i);
	puts("antfarm: expect created ");
	putdec(N);
	puts(" exited ");
	putdec(K);
	puts(" switches ");
	putdec(switches);
	puts(" loads ");
	putdec(loads);
	puts(" exits ");
	putdec(exits);
	putc('\n');
}
