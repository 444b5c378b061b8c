// SPDX-License-Identifier: GPL-2.0
/*
 * fill (long mode, --mem (N + 3)M): fills N MiB of RAM, from 2 MiB up to
 * the last whole MiB below the tool's area, with a pattern that is never
 * zero yet compresses well (each word is its own address xored with a
 * constant), then reads it all back, checking every word and a checksum
 * of the whole.  The swap experiment (tests/vm/t_swap.sh, docs/memory.md)
 * runs it in a memory cgroup much smaller than N: the host has to page
 * the guest out and back in, and the guest must not notice.  The size
 * comes from --mem so that CI and the full experiment share one image.
 */
#include "guest.h"

#define START	(2ULL << 20)
#define MIB	(1ULL << 20)
#define PAGE	4096ULL

static uint64_t pattern(uint64_t addr)
{
	return addr ^ 0x5a5a5a5a00000000ULL;
}

/*
 * FNV-1a over words: the multiply spreads every bit, so a regular
 * pattern cannot cancel itself out, and the order counts.
 */
#define SUM_START	0xcbf29ce484222325ULL
static uint64_t mix(uint64_t sum, uint64_t w)
{
	return (sum ^ w) * 0x100000001b3ULL;
}

void guest_main(void)
{
	uint64_t end = tool_area() & ~(MIB - 1);
	uint64_t a, written = SUM_START, read = SUM_START;

	if (end <= START) {
		puts("fill: FAIL --mem too small: (N + 3)M fills N MiB\n");
		return;
	}
	puts("fill: ");
	putdec((end - START) / MIB);
	puts(" MiB from ");
	puthex(START);
	putc('\n');
	for (a = START; a < end; a += 8) {
		*(volatile uint64_t *)a = pattern(a);
		written = mix(written, pattern(a));
	}
	for (a = START; a < end; a += 8) {
		uint64_t got = *(volatile uint64_t *)a;

		if (got != pattern(a)) {
			puts("fill: FAIL at ");
			puthex(a);
			puts(" got ");
			puthex(got);
			puts(" want ");
			puthex(pattern(a));
			putc('\n');
			return;
		}
		read = mix(read, got);
	}
	puts("fill: checksum ");
	puthex(read);
	putc('\n');
	if (read != written) {
		puts("fill: FAIL checksum read back differs from the one written ");
		puthex(written);
		putc('\n');
		return;
	}
	puts("fill: ok ");
	putdec((end - START) / PAGE);
	puts(" pages\n");
}
