// SPDX-License-Identifier: GPL-2.0
/*
 * balloon (long mode, --mem 48M; optionally --share DIR, DIR the memory
 * cgroup v2 directory the tool runs in): the balloon hypercall
 * (docs/hypercalls.md) from the guest's side.  It touches 32 MiB from
 * 8 MiB, has bad ranges refused without losing a byte, gives the top
 * 24 MiB back, and then finds zeroes there and its data in the 8 MiB it
 * kept; a page given back can be used again.  With the share it reads
 * the cgroup's memory.current before touching, after, and after giving
 * back, so that the memory's return is measured in the same run
 * (tests/vm/t_balloon.sh judges the figures).  A line per part, "ok" or
 * "FAIL ...", then "balloon: ok 6144 pages" when all passed.
 */
#include "hcall.h"

#define MIB		(1ULL << 20)
#define PAGE		4096ULL
#define TOUCH		(8 * MIB)
#define KEEP_END	(16 * MIB)
#define TOUCH_END	(40 * MIB)
#define GIVEN		(TOUCH_END - KEEP_END)
#define LAST_WORD	(PAGE / 8 - 1)

static bool failed;

static uint64_t pattern(uint64_t addr)
{
	return addr ^ 0xb0b0b0b000000000ULL;
}

static volatile uint64_t *page_at(uint64_t addr)
{
	return (volatile uint64_t *)addr;
}

static void fail_at(const char *what, uint64_t addr, uint64_t got)
{
	puts("balloon: FAIL ");
	puts(what);
	puts(" at ");
	puthex(addr);
	puts(": ");
	puthex(got);
	putc('\n');
	failed = true;
}

/* The first page of [from, to) whose first or last word is not its own, or 0. */
static uint64_t lost(uint64_t from, uint64_t to)
{
	uint64_t a;

	for (a = from; a < to; a += PAGE)
		if (page_at(a)[0] != pattern(a) || page_at(a)[LAST_WORD] != ~pattern(a))
			return a;
	return 0;
}

/* memory.current of the shared cgroup in bytes; -HC_ENODEV without --share. */
static int64_t memory_current(void)
{
	char buf[32];
	int64_t fd, n, i, v = 0;

	fd = hc_open("memory.current", HC_O_READ);
	if (fd < 0)
		return fd;
	n = hc_read(fd, buf, sizeof(buf) - 1);
	hc_close(fd);
	if (n <= 0 || buf[0] < '0' || buf[0] > '9')
		return -HC_EINVAL;
	for (i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; i++)
		v = v * 10 + buf[i] - '0';
	return v;
}

static void expect(const char *what, int64_t got, int64_t want)
{
	if (got == want)
		return;
	puts("balloon: FAIL args: ");
	puts(what);
	puts(" returned ");
	puthex((uint64_t)got);
	puts(" want ");
	puthex((uint64_t)want);
	putc('\n');
	failed = true;
}

static void bad_ranges(uint64_t ram)
{
	uint64_t a;

	expect("unaligned address", hc_balloon(KEEP_END + 8, PAGE), -HC_EINVAL);
	expect("part of a page", hc_balloon(KEEP_END, PAGE + 1), -HC_EINVAL);
	expect("longer than RAM", hc_balloon(0, ram + PAGE), -HC_EINVAL);
	/* Its first pages are RAM: they must survive the refusal. */
	expect("running past RAM", hc_balloon(KEEP_END, ram - PAGE), -HC_EFAULT);
	expect("MMIO", hc_balloon(0xd0000000UL, PAGE), -HC_EFAULT);
	expect("not canonical", hc_balloon(0x8000000000000000UL, PAGE), -HC_EFAULT);
	expect("wrapping", hc_balloon(-PAGE, 2 * PAGE), -HC_EFAULT);
	expect("empty", hc_balloon(KEEP_END, 0), 0);
	a = lost(TOUCH, TOUCH_END);
	if (a)
		fail_at("args: a refused call lost data", a, page_at(a)[0]);
	else
		puts("balloon: args ok\n");
}

void guest_main(void)
{
	uint64_t ram = tool_area() + TOOL_AREA_SIZE, a;
	int64_t before, touched = 0, after = 0, r;
	bool zeros = true;

	if (!hc_present() || ram < TOUCH_END + TOOL_AREA_SIZE) {
		puts("balloon: FAIL needs the kvmini tool's hypercalls and --mem 48M\n");
		return;
	}
	before = memory_current();
	if (before < 0 && before != -HC_ENODEV) {
		puts("balloon: FAIL cannot read memory.current in the share\n");
		return;
	}
	for (a = TOUCH; a < TOUCH_END; a += PAGE) {
		page_at(a)[0] = pattern(a);
		page_at(a)[LAST_WORD] = ~pattern(a);
	}
	if (before >= 0)
		touched = memory_current();
	bad_ranges(ram);

	r = hc_balloon(KEEP_END, GIVEN);
	if (r) {
		puts("balloon: FAIL giving back 24 MiB returned ");
		puthex((uint64_t)r);
		putc('\n');
		return;
	}
	if (before >= 0)
		after = memory_current();

	/* A device that kept its old mapping shows the old data here. */
	for (a = KEEP_END; a < TOUCH_END && zeros; a += PAGE) {
		if (page_at(a)[0] || page_at(a)[LAST_WORD]) {
			fail_at(page_at(a)[0] == pattern(a) ? "zeros: old data still mapped" :
				"zeros: not zero", a, page_at(a)[0]);
			zeros = false;
		}
	}
	for (a = KEEP_END; a < KEEP_END + PAGE && zeros; a += 8) {
		if (*page_at(a)) {
			fail_at("zeros: not zero", a, *page_at(a));
			zeros = false;
		}
	}
	if (zeros)
		puts("balloon: zeros ok\n");

	a = lost(TOUCH, KEEP_END);
	if (a)
		fail_at("kept: data lost", a, page_at(a)[0]);
	else
		puts("balloon: kept ok\n");

	page_at(TOUCH_END - PAGE)[0] = pattern(TOUCH_END - PAGE);
	page_at(TOUCH_END - PAGE)[LAST_WORD] = ~pattern(TOUCH_END - PAGE);
	if (lost(TOUCH_END - PAGE, TOUCH_END))
		fail_at("reuse: a page given back does not keep what is written",
			TOUCH_END - PAGE, page_at(TOUCH_END - PAGE)[0]);
	else
		puts("balloon: reuse ok\n");

	if (before >= 0) {
		if (touched < 0 || after < 0) {
			puts("balloon: FAIL memory.current could not be read again\n");
			return;
		}
		puts("balloon: memory.current KiB before ");
		putdec(before / 1024);
		puts(" touched ");
		putdec(touched / 1024);
		puts(" after ");
		putdec(after / 1024);
		putc('\n');
	}
	if (failed)
		return;
	puts("balloon: ok ");
	putdec(GIVEN / PAGE);
	puts(" pages\n");
}
