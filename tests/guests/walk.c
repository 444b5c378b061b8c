// SPDX-License-Identifier: GPL-2.0
/*
 * walk (long mode, --mem 80M): touches every 4 KiB page of 64 MiB from
 * 8 MiB up, first and last word, with a value made from the address,
 * then reads them all back: each page must be its own, and still there.
 * The VMM can check one from outside: the word at 0x800000 is
 * 0xa5a5a5a500800000.
 */
#include "guest.h"

#define START	(8ULL << 20)
#define PAGES	16384ULL
#define PAGE	4096ULL

static uint64_t pattern(uint64_t addr)
{
	return addr ^ 0xa5a5a5a500000000ULL;
}

void guest_main(void)
{
	uint64_t p;

	for (p = 0; p < PAGES; p++) {
		volatile uint64_t *page = (volatile uint64_t *)(START + p * PAGE);

		page[0] = pattern((uint64_t)page);
		page[PAGE / 8 - 1] = ~pattern((uint64_t)page);
	}
	for (p = 0; p < PAGES; p++) {
		volatile uint64_t *page = (volatile uint64_t *)(START + p * PAGE);
		uint64_t want = pattern((uint64_t)page), got = page[0];

		if (got == want) {
			want = ~want;
			got = page[PAGE / 8 - 1];
			page += PAGE / 8 - 1;
			if (got == want)
				continue;
		}
		puts("walk: FAIL at ");
		puthex((uint64_t)page);
		puts(" got ");
		puthex(got);
		puts(" want ");
		puthex(want);
		putc('\n');
		return;
	}
	puts("walk: ok ");
	putdec(PAGES);
	puts(" pages\n");
}
