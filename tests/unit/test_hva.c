// SPDX-License-Identifier: GPL-2.0
/*
 * hva_to_slot_range() (vm/hva.h): which guest-physical part of a slot the
 * MMU notifier zaps for a range of the VMM's addresses.  Guards issue 11:
 * a range that ends exactly where a slot starts must not touch it, one
 * that reaches one byte into it must, and a range that is not page
 * aligned must zap whole pages, never less than it covers.
 */
#include <limits.h>

#include "../../vm/hva.h"
#include "unit.h"

#define GPA	0x100000ULL
#define SIZE	0x40000ULL		/* 64 pages */
#define HVA	0x7f0000000000UL

static bool range(unsigned long start, unsigned long end, u64 *gpa, u64 *len)
{
	*gpa = *len = 0xdead;
	return hva_to_slot_range(GPA, SIZE, HVA, start, end, gpa, len);
}

int main(void)
{
	u64 gpa, len;

	CHECK(!range(HVA - 0x2000, HVA, &gpa, &len), "ends where the slot starts: untouched");
	CHECK(!range(HVA + SIZE, HVA + SIZE + 0x1000, &gpa, &len),
	      "starts where the slot ends: untouched");
	CHECK(!range(HVA + 0x1000, HVA + 0x1000, &gpa, &len), "empty range: untouched");
	CHECK(gpa == 0xdead && len == 0xdead, "untouched: outputs not written");

	CHECK(range(HVA - 0x1000, HVA + 1, &gpa, &len) && gpa == GPA && len == 0x1000,
	      "one byte into the slot: its first page");
	CHECK(range(HVA + SIZE - 1, HVA + SIZE + 0x5000, &gpa, &len) &&
	      gpa == GPA + SIZE - 0x1000 && len == 0x1000,
	      "from its last byte on: its last page");
	CHECK(range(HVA + 0x3000, HVA + 0x5000, &gpa, &len) && gpa == GPA + 0x3000 &&
	      len == 0x2000, "inside: the same pages, guest-physical");
	CHECK(range(HVA + 0x3004, HVA + 0x4001, &gpa, &len) && gpa == GPA + 0x3000 &&
	      len == 0x2000, "unaligned inside: widened to whole pages");
	CHECK(range(HVA - 0x100000, HVA + SIZE + 0x100000, &gpa, &len) && gpa == GPA &&
	      len == SIZE, "covering it: all of it, no more");
	CHECK(range(0, ULONG_MAX, &gpa, &len) && gpa == GPA && len == SIZE,
	      "the whole address space (release): all of it");
	/* access_ok() keeps slots below the user address space's top. */
	CHECK(hva_to_slot_range(GPA, SIZE, 0x7ffffffff000UL - SIZE, HVA, ULONG_MAX,
				&gpa, &len) && gpa == GPA && len == SIZE,
	      "a slot ending at the top of user space, range to ULONG_MAX");
	return unit_done("test_hva");
}
