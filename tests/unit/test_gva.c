// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of user/gva.c: guest page walks over synthetic page tables
 * in a fake guest RAM, in every paging mode: 4 KiB, 2 MiB, 1 GiB and
 * 4 MiB pages, present and R/W bits, non-canonical addresses, tables and
 * pages outside RAM, and the copies that go page by page.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../user/gva.h"
#include "unit.h"

#define RAM	(8ULL << 20)
#define P	0x1ULL
#define RW	0x2ULL
#define PS	0x80ULL
#define PAT	0x1000ULL	/* bit 12 of a large-page entry */

static uint8_t *ram;

static void put64(uint64_t gpa, uint64_t v)
{
	memcpy(ram + gpa, &v, 8);
}

static void put32(uint64_t gpa, uint32_t v)
{
	memcpy(ram + gpa, &v, 4);
}

static struct gva_mmu mmu(enum gva_paging paging, uint64_t cr3)
{
	struct gva_mmu m = {
		.mem = ram, .mem_size = RAM, .paging = paging, .cr3 = cr3,
		.pse = true, .wp = true,
	};
	return m;
}

/* Translates @gva; ~0 when it faults (with anything but -EFAULT: ~1). */
static uint64_t tr(const struct gva_mmu *m, uint64_t gva, bool write)
{
	uint64_t gpa = 0;
	int r = gva_to_gpa(m, gva, write, &gpa);

	if (r)
		return r == -EFAULT ? ~0ULL : ~1ULL;
	return gpa;
}

#define FAULT (~0ULL)

/*
 * 4-level: PML4 0x1000, PDPT 0x2000, PD 0x3000, PT 0x4000, a read-only
 * PT 0x5000 under a read-only PDE.
 */
static void long_tables(void)
{
	memset(ram, 0, RAM);
	put64(0x1000 + 0 * 8, 0x2000 | P | RW);
	put64(0x1000 + 511 * 8, 0x2000 | P | RW);	/* the top 512 GiB too */
	/* Reached only by addresses that are not canonical. */
	put64(0x1000 + 256 * 8, 0x2000 | P | RW);
	put64(0x1000 + 510 * 8, 0x2000 | P | RW);
	put64(0x1000 + 2 * 8, 0x0 | P | RW | PS);	/* PS is reserved here */
	put64(0x2000 + 0 * 8, 0x3000 | P | RW);
	put64(0x2000 + 1 * 8, 0x0 | P | RW | PS);	/* 1 GiB at 0 */
	put64(0x3000 + 0 * 8, 0x4000 | P | RW);
	put64(0x3000 + 1 * 8, 0x200000 | P | RW | PS | PAT);	/* 2 MiB */
	put64(0x3000 + 2 * 8, 0x10000000 | P | RW);	/* PT outside RAM */
	put64(0x3000 + 3 * 8, 0x5000 | P);		/* read-only PDE */
	put64(0x5000 + 0 * 8, 0x104000 | P | RW);
	put64(0x4000 + 5 * 8, 0x100000 | P | RW);
	put64(0x4000 + 7 * 8, 0x20000000 | P | RW);	/* page outside RAM */
	put64(0x4000 + 8 * 8, 0x101000 | P);		/* read-only */
	put64(0x4000 + 9 * 8, (RAM - 0x1000) | P | RW);	/* the last page of RAM */
	put64(0x4000 + 10 * 8, RAM | P | RW);		/* the page after RAM */
	put64(0x4000 + 11 * 8, 0x103000 | P | RW);	/* 11 and 12 swapped */
	put64(0x4000 + 12 * 8, 0x102000 | P | RW);
	put64(0x4000 + 13 * 8, 0x105000 | P | RW);
	put64(0x4000 + 14 * 8, 0x105000 | P | RW | PS);	/* PS in a PTE is PAT */
}

static void test_long(void)
{
	struct gva_mmu m = mmu(GVA_LONG4, 0x1000);

	long_tables();
	CHECK(tr(&m, 0x5123, false) == 0x100123, "long: 4K page");
	CHECK(tr(&m, 0x200000 + 0x1234, false) == 0x201234, "long: 2M page, PAT bit not in the address");
	CHECK(tr(&m, 0x40000000 + 0x345678, false) == 0x345678, "long: 1G page");
	CHECK(tr(&m, 0x40000000 + RAM, false) == FAULT, "long: 1G page past RAM");
	CHECK(tr(&m, 0xffffff8000005123ULL, false) == 0x100123, "long: high canonical address");
	CHECK(tr(&m, 0x6000, false) == FAULT, "long: PTE not present");
	CHECK(tr(&m, 0x8000000000ULL, false) == FAULT, "long: PML4E not present");
	CHECK(tr(&m, 0x0000800000005123ULL, false) == FAULT, "long: non-canonical (bit 47 only)");
	CHECK(tr(&m, 0xffff000000005123ULL, false) == FAULT, "long: non-canonical (high bits, 47 clear)");
	CHECK(tr(&m, 0x10000005123ULL, false) == FAULT, "long: PS in a PML4E faults");
	CHECK(tr(&m, 0x400000, false) == FAULT, "long: PDE points outside RAM");
	CHECK(tr(&m, 0x7000, false) == FAULT, "long: PTE points outside RAM");
	CHECK(tr(&m, 0x8000, false) == 0x101000, "long: read-only page reads");
	CHECK(tr(&m, 0x8000, true) == FAULT, "long: read-only page refuses writes");
	CHECK(tr(&m, 0x600000, false) == 0x104000, "long: under a read-only PDE reads");
	CHECK(tr(&m, 0x600000, true) == FAULT, "long: read-only PDE refuses writes");
	CHECK(tr(&m, 0xe000, false) == 0x105000, "long: PS (PAT) in a PTE is a 4K page");
	m.wp = false;
	CHECK(tr(&m, 0x8000, true) == 0x101000, "long: CR0.WP=0 writes read-only pages");
	m.wp = true;

	/* A table at the very end of RAM, then one byte short of it. */
	put64(0x3000 + 4 * 8, (RAM - 0x1000) | P | RW);
	put64(RAM - 8, 0x106000 | P | RW);
	CHECK(tr(&m, 0x800000 + 511 * 0x1000, false) == 0x106000, "long: PT in the last page of RAM");
	m.mem_size = RAM - 4;
	CHECK(tr(&m, 0x800000 + 511 * 0x1000, false) == FAULT, "long: PTE straddling the end of RAM");
	m.mem_size = RAM;
}

static void test_long5(void)
{
	struct gva_mmu m = mmu(GVA_LONG5, 0x6000);

	long_tables();
	put64(0x6000, 0x1000 | P | RW);	/* PML5[0] -> the PML4 */
	CHECK(tr(&m, 0x5123, false) == 0x100123, "la57: 4K page through 5 levels");
	CHECK(tr(&m, 0x0000800000005123ULL, false) == 0x100123, "la57: bit 47 set is canonical");
	CHECK(tr(&m, 0x0100000000000000ULL, false) == FAULT, "la57: non-canonical (bit 56 only)");
	CHECK(tr(&m, 0xff00000000005123ULL, false) == FAULT, "la57: high canonical, PML5E 256 absent");
}

/* 32-bit: PD 0x1000, PT 0x2000. */
static void test_32(void)
{
	struct gva_mmu m = mmu(GVA_32, 0x1000 | 0x18);	/* PCD/PWT bits ignored */

	memset(ram, 0, RAM);
	put32(0x1000 + 0 * 4, 0x2000 | P | RW);
	put32(0x1000 + 1 * 4, 0x400000 | P | RW | PS);	/* 4 MiB */
	put32(0x1000 + 2 * 4, 0x400000 | P | RW | PS | (1 << 13));	/* PSE-36: at 4G+ */
	put32(0x1000 + 3 * 4, 0x10000000 | P | RW);	/* PT outside RAM */
	put32(0x1000 + 4 * 4, 0x3000 | P);		/* read-only PDE */
	put32(0x1000 + 1023 * 4, 0x2000 | P | RW);
	put32(0x3000 + 0 * 4, 0x105000 | P | RW);
	put32(0x2000 + 1 * 4, 0x100000 | P | RW);
	put32(0x2000 + 2 * 4, 0x101000 | P);
	put32(0x2000 + 3 * 4, 0xfffff000 | P | RW);	/* page outside RAM */

	CHECK(tr(&m, 0x1abc, false) == 0x100abc, "32-bit: 4K page");
	CHECK(tr(&m, 0xffc01abc, false) == 0x100abc, "32-bit: top PDE");
	CHECK(tr(&m, 0x400000 + 0x12345, false) == 0x412345, "32-bit: 4M page");
	CHECK(tr(&m, 0x800000, false) == FAULT, "32-bit: PSE-36 page above 4 GiB is outside RAM");
	CHECK(tr(&m, 0xc00000, false) == FAULT, "32-bit: PT outside RAM");
	CHECK(tr(&m, 0x1400000, false) == FAULT, "32-bit: PDE not present");
	CHECK(tr(&m, 0x4000, false) == FAULT, "32-bit: PTE not present");
	CHECK(tr(&m, 0x3000, false) == FAULT, "32-bit: page outside RAM");
	CHECK(tr(&m, 0x2000, true) == FAULT, "32-bit: read-only PTE refuses writes");
	CHECK(tr(&m, 0x1000000, false) == 0x105000, "32-bit: under a read-only PDE reads");
	CHECK(tr(&m, 0x1000000, true) == FAULT, "32-bit: read-only PDE refuses writes");
	CHECK(tr(&m, 0x100001abcULL, false) == FAULT, "32-bit: address above 4 GiB");
	m.pse = false;
	/* PS ignored: a "table" at 0x400000, all zeros. */
	CHECK(tr(&m, 0x400000 + 0x12345, false) == FAULT, "32-bit: without CR4.PSE no 4M pages");
}

/* PAE: PDPT at 0x1020 (32-byte aligned), PD 0x2000, PT 0x3000. */
static void test_pae(void)
{
	struct gva_mmu m = mmu(GVA_PAE, 0x1020);

	memset(ram, 0, RAM);
	put64(0x1020 + 0 * 8, 0x2000 | P);
	put64(0x1020 + 2 * 8, 0x2000 | P);	/* PDPTEs have no R/W bit */
	put64(0x2000 + 0 * 8, 0x3000 | P | RW);
	put64(0x2000 + 2 * 8, 0x200000 | P | RW | PS);	/* 2 MiB */
	put64(0x3000 + 3 * 8, 0x100000 | P | RW);
	put64(0x3000 + 4 * 8, 0x101000 | P);

	CHECK(tr(&m, 0x3456, false) == 0x100456, "pae: 4K page");
	CHECK(tr(&m, 0x400000 + 0x1234, false) == 0x201234, "pae: 2M page");
	CHECK(tr(&m, 0x40000000, false) == FAULT, "pae: PDPTE not present");
	CHECK(tr(&m, 0x80003456, true) == 0x100456, "pae: writes need no R/W in the PDPTE");
	CHECK(tr(&m, 0x4000, true) == FAULT, "pae: read-only PTE refuses writes");
	CHECK(tr(&m, 0x5000, false) == FAULT, "pae: PTE not present");
	/* CR3 bits 4:0 are ignored: the PDPT is at RAM - 32, entry 3 its last. */
	m.cr3 = RAM - 16;
	put64(RAM - 8, 0x2000 | P);
	CHECK(tr(&m, 0xc0003456, false) == 0x100456, "pae: PDPT at the end of RAM");
	m.mem_size = RAM - 4;
	CHECK(tr(&m, 0xc0003456, false) == FAULT, "pae: PDPTE straddling the end of RAM");
}

static void test_none(void)
{
	struct gva_mmu m = mmu(GVA_NONE, 0);

	CHECK(tr(&m, 0x1234, true) == 0x1234, "no paging: linear is physical");
	CHECK(tr(&m, RAM - 1, false) == RAM - 1, "no paging: last byte of RAM");
	CHECK(tr(&m, RAM, false) == FAULT, "no paging: past RAM");
	CHECK(tr(&m, 1ULL << 32, false) == FAULT, "no paging: above 4 GiB");
}

static void test_init(void)
{
	struct kvm_sregs s;
	struct gva_mmu m;

	memset(&s, 0, sizeof(s));
	s.cr0 = 0x11;
	gva_mmu_init(&m, &s, ram, RAM);
	CHECK(m.paging == GVA_NONE, "init: PG clear is no paging");
	s.cr0 = 0x80010011;
	s.cr4 = 0x10;
	s.cr3 = 0x7000;
	gva_mmu_init(&m, &s, ram, RAM);
	CHECK(m.paging == GVA_32 && m.pse && m.wp && m.cr3 == 0x7000, "init: 32-bit with PSE and WP");
	s.cr4 = 0x20;
	gva_mmu_init(&m, &s, ram, RAM);
	CHECK(m.paging == GVA_PAE, "init: PAE");
	s.efer = 0x500;
	gva_mmu_init(&m, &s, ram, RAM);
	CHECK(m.paging == GVA_LONG4, "init: LMA is 4-level");
	s.cr4 |= 0x1000;
	gva_mmu_init(&m, &s, ram, RAM);
	CHECK(m.paging == GVA_LONG5, "init: LA57 is 5-level");
}

static void test_copies(void)
{
	struct gva_mmu m = mmu(GVA_LONG4, 0x1000);
	uint8_t buf[32], want[32];
	char str[64];
	unsigned int i;

	long_tables();
	for (i = 0; i < 0x2000; i++)
		ram[0x102000 + i] = (uint8_t)i;
	/* gva 0xbff8 is the end of 0x103000, then the start of 0x102000. */
	CHECK(gva_read(&m, 0xbff8, buf, 16) == 0, "copy: read across swapped pages");
	memcpy(want, ram + 0x103ff8, 8);
	memcpy(want + 8, ram + 0x102000, 8);
	CHECK(!memcmp(buf, want, 16), "copy: read takes each page's own bytes");

	memset(buf, 0xee, sizeof(buf));
	CHECK(gva_write(&m, 0xbffc, buf, 8) == 0, "copy: write across swapped pages");
	CHECK(ram[0x103ffc] == 0xee && ram[0x103fff] == 0xee && ram[0x102000] == 0xee &&
	      ram[0x102003] == 0xee && ram[0x102004] == 4 && ram[0x103ffb] == 0xfb,
	      "copy: write lands in each page, nothing around");

	CHECK(gva_check(&m, 0xb000, 0x2000, true) == 0, "check: two writable pages");
	CHECK(gva_check(&m, 0xcfff, 2, false) == 0, "check: the byte at each side of a page end");
	CHECK(gva_check(&m, 0xdff0, 0x20, false) == 0, "check: 13 then 14");
	CHECK(gva_check(&m, 0x5ff0, 0x20, false) == -EFAULT, "check: into a page not present");
	CHECK(gva_check(&m, 0x8000, 1, true) == -EFAULT, "check: read-only page for a write");
	CHECK(gva_check(&m, 0x5000, 0, false) == 0, "check: empty buffer");
	CHECK(gva_check(&m, 0xfffffffffffff000ULL, 0x2000, false) == -EFAULT,
	      "check: a buffer wrapping past 2^64");
	CHECK(gva_read(&m, 0x9ff8, buf, 8) == 0, "copy: the last bytes of RAM");
	CHECK(gva_read(&m, 0x9ff8, buf, 16) == -EFAULT, "copy: on past the end of RAM");

	/* Strings. */
	memcpy(ram + 0x105ffa, "hello", 6);
	CHECK(gva_read_string(&m, 0xeffa, str, sizeof(str)) == 5 && !strcmp(str, "hello"),
	      "string: NUL in the last byte of a page before one not present");
	memcpy(ram + 0x103ffc, "abcd", 4);
	memcpy(ram + 0x102000, "efg", 4);
	CHECK(gva_read_string(&m, 0xbffc, str, sizeof(str)) == 7 && !strcmp(str, "abcdefg"),
	      "string: across swapped pages");
	memset(ram + 0x105ff0, 'x', 16);
	CHECK(gva_read_string(&m, 0xeff0, str, sizeof(str)) == -EFAULT,
	      "string: runs into a page not present");
	CHECK(gva_read_string(&m, 0xbffc, str, 8) == 7, "string: exactly fits with its NUL");
	CHECK(gva_read_string(&m, 0xbffc, str, 7) == -E2BIG, "string: one byte too long");
	CHECK(gva_read_string(&m, 0x0000800000000000ULL, str, 8) == -EFAULT,
	      "string: non-canonical");
}

int main(void)
{
	ram = calloc(1, RAM);
	if (!ram)
		return 2;
	test_long();
	test_long5();
	test_32();
	test_pae();
	test_none();
	test_init();
	test_copies();
	free(ram);
	return unit_done("test_gva");
}
