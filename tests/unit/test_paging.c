// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of emul/paging.c, the page walk behind every guest access
 * the module carries out for the guest (MMIO emulation, string I/O,
 * descriptor tables).  Guards the isolation bug it fixes: the old walk
 * checked presence only, so a guest's user code could have kvmini write
 * its kernel's read-only or supervisor pages, or read SMAP-protected
 * ones, through an instruction that touched MMIO.  Each case builds page
 * tables in a fake RAM and checks the translation or the #PF error code
 * the SDM gives, and the accessed and dirty bits left behind.
 */
#include <string.h>

#include "../../emul/paging.h"
#include "unit.h"

#define RAM_SIZE	(4u << 20)
#define P	0x1ULL
#define RW	0x2ULL
#define US	0x4ULL
#define A	0x20ULL
#define D	0x40ULL
#define PS	0x80ULL
#define XD	(1ULL << 63)
#define ALL	(P | RW | US)

static u8 ram[RAM_SIZE];
static int races;	/* set_pte calls that find the entry cleared "by another vCPU" */
static int touches;	/* set_pte calls that find an ignored bit (9) flipped meanwhile */
static int unwritable;	/* set_pte cannot reach the entry */
static int relaxed;	/* relax() calls: one per walk run again */

static int read_pte(void *opaque __attribute__((unused)), u64 gpa, bool wide, u64 *pte)
{
	u32 narrow;

	if (gpa + (wide ? 8 : 4) > RAM_SIZE)
		return -1;
	if (wide) {
		memcpy(pte, ram + gpa, 8);
	} else {
		memcpy(&narrow, ram + gpa, 4);
		*pte = narrow;
	}
	return 0;
}

static int set_pte(void *opaque __attribute__((unused)), u64 gpa, bool wide, u64 old, u64 new)
{
	u64 cur = 0;

	if (unwritable)
		return -1;
	if (races) {
		races--;
		memset(ram + gpa, 0, wide ? 8 : 4);	/* the guest unmapped it meanwhile */
	} else if (touches) {
		touches--;
		ram[gpa + 1] ^= 0x02;			/* bit 9: the guest's own use */
	}
	memcpy(&cur, ram + gpa, wide ? 8 : 4);
	if (cur != old)
		return 1;
	memcpy(ram + gpa, &new, wide ? 8 : 4);
	return 0;
}

static void relax(void *opaque __attribute__((unused)))
{
	relaxed++;
}

static const struct emu_walk_ops ops = { .read_pte = read_pte, .set_pte = set_pte, .relax = relax };

static void put64(u64 gpa, u64 v)
{
	memcpy(ram + gpa, &v, 8);
}

static u64 get64(u64 gpa)
{
	u64 v;

	memcpy(&v, ram + gpa, 8);
	return v;
}

static void put32(u64 gpa, u32 v)
{
	memcpy(ram + gpa, &v, 4);
}

static u32 get32(u64 gpa)
{
	u32 v;

	memcpy(&v, ram + gpa, 4);
	return v;
}

/*
 * 4-level tables for linear 0x40201000 (PML4[0], PDPT[1], PD[1], PT[1])
 * at 0x1000..0x4000, the page at 0x100000; @leaf_bits go on the PTE,
 * @upper on every table entry above it.
 */
#define GLA	0x40201123ULL
static struct emu_paging long_mode(u64 upper, u64 leaf_bits)
{
	memset(ram, 0, 0x10000);
	put64(0x1000, 0x2000 | upper);
	put64(0x2000 + 8, 0x3000 | upper);
	put64(0x3000 + 8, 0x4000 | upper);
	put64(0x4000 + 8, 0x100000 | leaf_bits);
	return (struct emu_paging){ .cr3 = 0x1000, .maxphyaddr = 40, .pg = true, .pae = true,
				    .lma = true, .nxe = true, .wp = true };
}

static int walk(const struct emu_paging *m, u64 gla, u32 access, u64 *gpa, u32 *code)
{
	*gpa = ~0ULL;
	*code = ~0u;
	return emu_walk(m, &ops, NULL, gla, access, gpa, code);
}

static void test_4level_ok_sets_accessed(void)
{
	struct emu_paging m = long_mode(ALL, ALL);
	u64 gpa;
	u32 code;

	CHECK(walk(&m, GLA, 0, &gpa, &code) == EMU_WALK_OK && gpa == 0x100123,
	      "4-level: supervisor read translates 0x40201123 to 0x100123");
	CHECK((get64(0x1000) & A) && (get64(0x2008) & A) && (get64(0x3008) & A) &&
	      (get64(0x4008) & A), "4-level: a read sets A in all four entries");
	CHECK(!(get64(0x4008) & D), "4-level: a read leaves D clear");
	CHECK(walk(&m, GLA, EMU_PF_WRITE | EMU_PF_USER, &gpa, &code) == EMU_WALK_OK &&
	      (get64(0x4008) & D) && !(get64(0x3008) & D),
	      "4-level: a user write sets D in the PTE only");
}

static void test_user_rights(void)
{
	struct emu_paging m = long_mode(P | RW, ALL);	/* US clear above the PTE */
	u64 gpa;
	u32 code;

	CHECK(walk(&m, GLA, EMU_PF_USER, &gpa, &code) == EMU_WALK_FAULT &&
	      code == (EMU_PF_PRESENT | EMU_PF_USER),
	      "user read of a supervisor page (US=0 in a PDE): #PF P|U");
	CHECK(!(get64(0x1000) & A), "a refused access sets no accessed bit");
	CHECK(walk(&m, GLA, 0, &gpa, &code) == EMU_WALK_OK, "supervisor read of it: allowed");

	m = long_mode(P | US, ALL);	/* RW clear in the PML4E */
	CHECK(walk(&m, GLA, EMU_PF_USER | EMU_PF_WRITE, &gpa, &code) == EMU_WALK_FAULT &&
	      code == (EMU_PF_PRESENT | EMU_PF_WRITE | EMU_PF_USER),
	      "user write through a read-only PML4E: #PF P|W|U");
	CHECK(walk(&m, GLA, EMU_PF_WRITE, &gpa, &code) == EMU_WALK_FAULT &&
	      code == (EMU_PF_PRESENT | EMU_PF_WRITE),
	      "supervisor write to a read-only page with CR0.WP=1: #PF P|W");
	m.wp = false;
	CHECK(walk(&m, GLA, EMU_PF_WRITE, &gpa, &code) == EMU_WALK_OK,
	      "supervisor write to a read-only page with CR0.WP=0: allowed");
	CHECK(walk(&m, GLA, EMU_PF_WRITE | EMU_PF_USER, &gpa, &code) == EMU_WALK_FAULT,
	      "user write to a read-only page with CR0.WP=0: still #PF");
}

static void test_nx_smep_smap(void)
{
	struct emu_paging m = long_mode(ALL, ALL);
	u64 gpa;
	u32 code;

	put64(0x2008, get64(0x2008) | XD);
	CHECK(walk(&m, GLA, EMU_PF_FETCH, &gpa, &code) == EMU_WALK_FAULT &&
	      code == (EMU_PF_PRESENT | EMU_PF_FETCH), "fetch with XD in the PDPTE: #PF P|I");
	CHECK(walk(&m, GLA, 0, &gpa, &code) == EMU_WALK_OK, "a data read of that page: allowed");
	m.nxe = false;
	CHECK(walk(&m, GLA, 0, &gpa, &code) == EMU_WALK_FAULT &&
	      code == (EMU_PF_PRESENT | EMU_PF_RSVD), "XD set with EFER.NXE=0: #PF P|RSVD");

	m = long_mode(ALL, ALL);
	m.smep = true;
	CHECK(walk(&m, GLA, EMU_PF_FETCH, &gpa, &code) == EMU_WALK_FAULT &&
	      code == (EMU_PF_PRESENT | EMU_PF_FETCH), "SMEP: supervisor fetch from a user page");
	CHECK(walk(&m, GLA, EMU_PF_FETCH | EMU_PF_USER, &gpa, &code) == EMU_WALK_OK,
	      "SMEP: user fetch from it: allowed");

	m = long_mode(ALL, ALL);
	m.smap = true;
	CHECK(walk(&m, GLA, 0, &gpa, &code) == EMU_WALK_FAULT && code == EMU_PF_PRESENT,
	      "SMAP, AC=0: supervisor read of a user page: #PF P");
	CHECK(walk(&m, GLA, EMU_PF_WRITE, &gpa, &code) == EMU_WALK_FAULT &&
	      code == (EMU_PF_PRESENT | EMU_PF_WRITE), "SMAP, AC=0: supervisor write: #PF P|W");
	m.ac = true;
	CHECK(walk(&m, GLA, 0, &gpa, &code) == EMU_WALK_OK, "SMAP, AC=1: explicit read allowed");
	CHECK(walk(&m, GLA, EMU_ACC_IMPLICIT, &gpa, &code) == EMU_WALK_FAULT,
	      "SMAP, AC=1: implicit supervisor read (a descriptor table) still #PF");
	put64(0x4008, 0x100000 | P | RW);
	m.ac = false;
	CHECK(walk(&m, GLA, EMU_ACC_IMPLICIT, &gpa, &code) == EMU_WALK_OK,
	      "SMAP: supervisor page read implicitly: allowed");
}

static void test_not_present_and_reserved(void)
{
	struct emu_paging m = long_mode(ALL, ALL);
	u64 gpa;
	u32 code;

	put64(0x3008, 0);
	CHECK(walk(&m, GLA, EMU_PF_WRITE | EMU_PF_USER, &gpa, &code) == EMU_WALK_FAULT &&
	      code == (EMU_PF_WRITE | EMU_PF_USER), "PDE not present: #PF W|U without P");

	m = long_mode(ALL, ALL);
	put64(0x4008, (1ULL << 45) | 0x100000 | ALL);
	CHECK(walk(&m, GLA, 0, &gpa, &code) == EMU_WALK_FAULT &&
	      code == (EMU_PF_PRESENT | EMU_PF_RSVD), "address bit 45 with MAXPHYADDR 40: RSVD");
	m.maxphyaddr = 46;
	CHECK(walk(&m, GLA, 0, &gpa, &code) == EMU_WALK_OK && gpa == ((1ULL << 45) | 0x100123),
	      "the same entry with MAXPHYADDR 46: translated");

	m = long_mode(ALL, ALL);
	put64(0x1000, get64(0x1000) | PS);
	CHECK(walk(&m, GLA, 0, &gpa, &code) == EMU_WALK_FAULT &&
	      code == (EMU_PF_PRESENT | EMU_PF_RSVD), "PS in a PML4E: RSVD");

	m = long_mode(ALL, ALL);
	m.cr3 = RAM_SIZE;
	CHECK(walk(&m, GLA, 0, &gpa, &code) == EMU_WALK_NO_RAM,
	      "a PML4 outside RAM: not the guest's fault, no #PF");
}

static void test_large_pages(void)
{
	struct emu_paging m = long_mode(ALL, ALL);
	u64 gpa;
	u32 code;

	put64(0x3008, 0x200000 | ALL | PS);
	CHECK(walk(&m, GLA, EMU_PF_WRITE, &gpa, &code) == EMU_WALK_OK && gpa == 0x201123,
	      "2 MiB page: translated");
	CHECK((get64(0x3008) & (A | D)) == (A | D), "2 MiB page: A and D in the PDE");
	put64(0x3008, 0x200000 | ALL | PS | (1ULL << 13));
	CHECK(walk(&m, GLA, 0, &gpa, &code) == EMU_WALK_FAULT &&
	      code == (EMU_PF_PRESENT | EMU_PF_RSVD), "2 MiB page with bit 13 set: RSVD");
	put64(0x2008, 0x40000000 | ALL | PS | 0x1000);	/* bit 12: PAT, not address */
	CHECK(walk(&m, GLA, 0, &gpa, &code) == EMU_WALK_OK && gpa == 0x40201123,
	      "1 GiB page: translated, PAT bit not in the address");
}

static void test_32bit(void)
{
	struct emu_paging m = { .cr3 = 0x1000, .maxphyaddr = 40, .pg = true, .wp = true };
	u64 gpa;
	u32 code;

	memset(ram, 0, 0x10000);
	/* 0x00401123: PDE 1, PTE 1 */
	put32(0x1000 + 4, 0x2000 | ALL | PS);
	put32(0x2000 + 4, 0x300000 | ALL);
	CHECK(walk(&m, 0x401123, 0, &gpa, &code) == EMU_WALK_OK && gpa == 0x300123,
	      "32-bit, CR4.PSE=0: PS in a PDE is ignored, the PDE is a table");
	CHECK((get32(0x1004) & A) && (get32(0x2004) & A), "32-bit: A set in PDE and PTE");
	m.pse = true;
	put32(0x1004, 0x00c00000 | (0x3 << 13) | ALL | PS);
	CHECK(walk(&m, 0x401123, 0, &gpa, &code) == EMU_WALK_OK &&
	      gpa == (0x300000000ULL | 0xc01123), "32-bit, CR4.PSE=1: 4 MiB page with PSE-36 bits");
	put32(0x1004, 0);
	CHECK(walk(&m, 0x401123, EMU_PF_FETCH, &gpa, &code) == EMU_WALK_FAULT && code == 0,
	      "32-bit fetch from a page not present: no I/D bit without NX or SMEP");
}

static void test_pae(void)
{
	struct emu_paging m = { .maxphyaddr = 40, .pg = true, .pae = true, .nxe = true, .wp = true };
	u64 gpa;
	u32 code;

	memset(ram, 0, 0x10000);
	/* 0x40201123: PDPTE 1, PDE 1, PTE 1 */
	m.pdpte[1] = 0x2000 | P;
	put64(0x2000 + 8, 0x3000 | ALL);
	put64(0x3000 + 8, 0x100000 | ALL | XD);
	CHECK(walk(&m, 0x40201123, 0, &gpa, &code) == EMU_WALK_OK && gpa == 0x100123,
	      "PAE: translated through the loaded PDPTE");
	CHECK(walk(&m, 0x40201123, EMU_PF_FETCH | EMU_PF_USER, &gpa, &code) == EMU_WALK_FAULT &&
	      code == (EMU_PF_PRESENT | EMU_PF_USER | EMU_PF_FETCH), "PAE: XD refuses a user fetch");
	CHECK(walk(&m, 0xc0201123, 0, &gpa, &code) == EMU_WALK_FAULT && code == 0,
	      "PAE: PDPTE 3 not present: #PF");
	put64(0x3000 + 8, 0x100000 | ALL | (1ULL << 55));
	CHECK(walk(&m, 0x40201123, 0, &gpa, &code) == EMU_WALK_FAULT &&
	      code == (EMU_PF_PRESENT | EMU_PF_RSVD), "PAE: bit 55 of a PTE is reserved (62:M)");
	m = long_mode(ALL, ALL);
	put64(0x4008, get64(0x4008) | (1ULL << 55));
	CHECK(walk(&m, GLA, 0, &gpa, &code) == EMU_WALK_OK && gpa == 0x100123,
	      "4-level: bit 55 of a PTE is ignored (51:M reserved)");
}

static void test_race_and_paging_off(void)
{
	struct emu_paging m = long_mode(ALL, ALL);
	u64 gpa;
	u32 code;

	races = 1;
	CHECK(walk(&m, GLA, 0, &gpa, &code) == EMU_WALK_FAULT && code == 0,
	      "an entry the guest cleared while A was being set: the walk runs again and faults");
	races = 0;

	m = long_mode(ALL, ALL);
	touches = 20;
	relaxed = 0;
	CHECK(walk(&m, GLA, EMU_PF_WRITE, &gpa, &code) == EMU_WALK_OK && !touches &&
	      (get64(0x4008) & (A | D)) == (A | D),
	      "20 lost races on an ignored bit: walked again until A and D are in, never OK without D");
	CHECK(relaxed == 20, "relax() before each walk run again");

	m = long_mode(ALL, ALL);
	unwritable = 1;
	CHECK(walk(&m, GLA, 0, &gpa, &code) == EMU_WALK_NO_RAM,
	      "an entry whose A bit cannot be written: the walk ends, not the guest's #PF");
	unwritable = 0;

	m.pg = false;
	CHECK(walk(&m, 0x1234567890ULL, EMU_PF_USER | EMU_PF_WRITE, &gpa, &code) ==
	      EMU_WALK_OK && gpa == 0x34567890, "paging off: the address, 32 bits of it");
}

int main(void)
{
	test_4level_ok_sets_accessed();
	test_user_rights();
	test_nx_smep_smap();
	test_not_present_and_reserved();
	test_large_pages();
	test_32bit();
	test_pae();
	test_race_and_paging_off();
	return unit_done("test_paging");
}
