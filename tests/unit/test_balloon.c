// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of user/balloon.c, the balloon hypercall's tool side, on a
 * fake guest RAM of anonymous memory (where MADV_DONTNEED really drops
 * pages): what is given back reads as zeroes and nothing else does; bad
 * alignment, ranges longer than RAM, unmapped, read-only and wrapping
 * ranges are refused and give back nothing, not even their first pages;
 * a range the page tables scatter is followed page by page.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "../../user/balloon.h"
#include "unit.h"

#define RAM	(8ULL << 20)
#define PG	4096ULL
#define P	0x1u
#define RW	0x2u
#define PS	0x80u

static uint8_t *ram;

/* Every page starts with a word naming it, never zero. */
static void mark_all(void)
{
	uint64_t gpa;

	for (gpa = 0; gpa < RAM; gpa += PG)
		memcpy(ram + gpa + 8, &(uint64_t){ gpa | 1 }, 8);
}

static bool marked(uint64_t gpa)
{
	uint64_t v;

	memcpy(&v, ram + gpa + 8, 8);
	return v == (gpa | 1);
}

static bool zero_page(uint64_t gpa)
{
	uint64_t i;

	for (i = 0; i < PG; i++)
		if (ram[gpa + i])
			return false;
	return true;
}

static void put32(uint64_t gpa, uint32_t v)
{
	memcpy(ram + gpa, &v, 4);
}

/*
 * 32-bit paging, PD at 0x1000, PT at 0x2000 (both live in pages the
 * tests never give back): linear 0x10000-0x13fff onto 0x100000,
 * 0x101000, 0x300000, 0x301000 (two runs); 0x14000 not present; 0x15000
 * read-only; 4 MiB at 4 MiB writable, 4 MiB at 8 MiB read-only onto the
 * same RAM.
 */
static struct gva_mmu tables(void)
{
	struct gva_mmu m = {
		.mem = ram, .mem_size = RAM, .paging = GVA_32, .cr3 = 0x1000,
		.pse = true, .wp = true,
	};

	put32(0x1000 + 0 * 4, 0x2000 | P | RW);
	put32(0x1000 + 1 * 4, 0x400000 | P | RW | PS);
	put32(0x1000 + 2 * 4, 0x400000 | P | PS);
	put32(0x2000 + 0x10 * 4, 0x100000 | P | RW);
	put32(0x2000 + 0x11 * 4, 0x101000 | P | RW);
	put32(0x2000 + 0x12 * 4, 0x300000 | P | RW);
	put32(0x2000 + 0x13 * 4, 0x301000 | P | RW);
	put32(0x2000 + 0x15 * 4, 0x102000 | P);
	return m;
}

int main(void)
{
	struct gva_mmu flat = { .paging = GVA_NONE, .mem_size = RAM }, m;

	ram = mmap(NULL, RAM, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ram == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	flat.mem = ram;
	mark_all();

	/* Paging off: linear is physical. */
	CHECK(balloon_give_back(&flat, 0x600000, 2 * PG) == 0, "flat: two pages given back");
	CHECK(zero_page(0x600000) && zero_page(0x601000), "flat: they read as zeroes");
	CHECK(marked(0x5ff000) && marked(0x602000), "flat: their neighbours keep their data");
	CHECK(balloon_give_back(&flat, RAM - PG, PG) == 0 && zero_page(RAM - PG),
	      "flat: the last page of RAM");
	CHECK(balloon_give_back(&flat, 0x500000, 0) == 0 && marked(0x500000),
	      "flat: an empty range is nothing to do");

	CHECK(balloon_give_back(&flat, 0x500800, PG) == -EINVAL, "flat: an unaligned address is EINVAL");
	CHECK(balloon_give_back(&flat, 0x500000, PG + 8) == -EINVAL, "flat: a length of part of a page is EINVAL");
	CHECK(balloon_give_back(&flat, 0, RAM + PG) == -EINVAL, "flat: more than RAM is EINVAL");
	CHECK(balloon_give_back(&flat, RAM - 2 * PG, 3 * PG) == -EFAULT,
	      "flat: a range running out of RAM is EFAULT");
	CHECK(marked(RAM - 2 * PG), "flat: ...and gives back none of its pages");
	CHECK(balloon_give_back(&flat, 0xfffffffffffff000ULL, 2 * PG) == -EFAULT,
	      "flat: a range wrapping the address space is EFAULT");
	CHECK(balloon_give_back(&flat, 0x100000000ULL, PG) == -EFAULT,
	      "flat: above 4 GiB without paging is EFAULT");
	CHECK(marked(0x500000), "flat: the refused calls gave nothing back");

	mark_all();
	m = tables();
	CHECK(balloon_give_back(&m, 0x10000, 4 * PG) == 0, "paged: a scattered range");
	CHECK(zero_page(0x100000) && zero_page(0x101000) && zero_page(0x300000) &&
	      zero_page(0x301000), "paged: every page behind it reads as zeroes");
	CHECK(marked(0x102000) && marked(0x2ff000) && marked(0x302000) && marked(0x10000),
	      "paged: the pages around them, and the linear ones, keep their data");

	mark_all();
	m = tables();
	CHECK(balloon_give_back(&m, 0x10000, 5 * PG) == -EFAULT,
	      "paged: a range reaching a page that is not present is EFAULT");
	CHECK(marked(0x100000) && marked(0x301000),
	      "paged: ...and its first pages were not given back");
	CHECK(balloon_give_back(&m, 0x15000, PG) == -EFAULT, "paged: a read-only page is EFAULT");
	CHECK(marked(0x102000), "paged: ...and keeps its data");
	CHECK(balloon_give_back(&m, 0x800000, PG) == -EFAULT,
	      "paged: a read-only 4 MiB mapping is EFAULT");
	CHECK(balloon_give_back(&m, 0x402000, 2 * PG) == 0 && zero_page(0x402000) &&
	      zero_page(0x403000) && marked(0x401000) && marked(0x404000),
	      "paged: two pages of a 4 MiB mapping, and only those");

	munmap(ram, RAM);
	return unit_done("test_balloon");
}
