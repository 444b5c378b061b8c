// SPDX-License-Identifier: GPL-2.0
/*
 * Issue 14: the Antfarm inference of user/cr3track.c on made-up page
 * tables: what a key is, the kernel's own table, KPTI pairs and PCIDs,
 * threads on two vCPUs, a process gone only once its user half is empty
 * and no vCPU runs it, a reused page; an exit seen when its vCPU switches
 * away, and a table page reused for other data.
 */
#include <string.h>

#include "../../user/cr3track.h"
#include "unit.h"

#define PAGES	16
static uint64_t mem[PAGES][512];	/* guest-physical 0 .. 64 KiB */

static bool read_gpa(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	(void)ctx;
	if (gpa + len > sizeof(mem))
		return false;
	memcpy(buf, (char *)mem + gpa, len);
	return true;
}

static unsigned int nev[3];
static uint64_t last_key[3];

static void on_event(void *ctx, uint64_t tsc, unsigned int vcpu, enum cr3_event ev, uint64_t key)
{
	(void)ctx, (void)tsc, (void)vcpu;
	nev[ev]++;
	last_key[ev] = key;
}

#define PGD(n)	((uint64_t)(n) * 4096)

int main(void)
{
	struct cr3_track t = { .read_gpa = read_gpa, .emit = on_event };
	uint64_t a = PGD(2), b = PGD(4), kernel = PGD(8);

	CHECK(cr3_key(a | 5) == a && cr3_key(a | 0x1000 | 0x805) == a &&
	      cr3_key(a | 1ULL << 63 | 5) == a, "key: PCID, KPTI's bit 12 and bit 63 stripped");
	CHECK(cr3_key(PGD(3)) == PGD(2), "key: the two pages of a KPTI pair are one process");

	mem[2][0] = 0x5007;		/* A maps user memory */
	mem[4][255] = 0x6007;		/* B too, at the top of the user half */
	mem[8][256] = 0x7003;		/* the kernel's table maps only the kernel half */
	mem[2][256] = mem[4][256] = 0x7003;	/* which Linux copies into each table */

	cr3_track_load(&t, 0, 1, kernel);
	CHECK(t.kernel_loads == 1 && t.created == 0 && nev[CR3_CREATE] == 0,
	      "the kernel's own table (empty user half) is no process");

	cr3_track_load(&t, 0, 2, a | 1);
	CHECK(t.created == 1 && nev[CR3_CREATE] == 1 && last_key[CR3_CREATE] == a &&
	      t.switches == 1, "a new key: created, and a switch to it");
	cr3_track_load(&t, 0, 3, a | 0x1000 | 0x801);
	cr3_track_load(&t, 0, 4, a | 1ULL << 63 | 1);
	CHECK(t.created == 1 && t.switches == 1 && t.loads == 4 && t.repeats == 2,
	      "KPTI's user table and the no-flush bit: the same process, no switch, two repeats");

	cr3_track_load(&t, 1, 5, a | 2);
	CHECK(t.created == 1 && t.switches == 2, "a thread on another vCPU: a switch, no new process");
	cr3_track_load(&t, 0, 6, b);
	CHECK(t.created == 2 && t.switches == 3 && cr3_track_alive(&t) == 2,
	      "a second process on vCPU 0");

	mem[2][0] = 0;
	cr3_track_sweep(&t, 7);
	CHECK(t.exited == 0, "an empty user half is not gone while a vCPU still runs it");
	cr3_track_load(&t, 1, 8, kernel);
	CHECK(t.current[1] == 0 && t.switches == 3, "loading the kernel's table: no switch counted");
	cr3_track_sweep(&t, 9);
	CHECK(t.exited == 1 && nev[CR3_EXIT] == 1 && last_key[CR3_EXIT] == a &&
	      cr3_track_alive(&t) == 1, "gone once its user half is empty and nothing runs it");
	cr3_track_sweep(&t, 10);
	CHECK(t.exited == 1, "gone once only");

	mem[2][17] = 0x9007;
	cr3_track_load(&t, 1, 11, a);
	CHECK(t.created == 3 && cr3_track_alive(&t) == 2, "the page reused by a new process: created again");

	mem[4][255] = 0;
	cr3_track_sweep(&t, 12);
	CHECK(t.exited == 1, "vCPU 0 still runs B: not gone");
	CHECK(cr3_track_load(&t, 9, 13, b) == 0 && t.loads == 9,
	      "a vCPU beyond the tracker's range is counted, not tracked");
	cr3_track_free(&t);

	/* Guards the exit seen at the switch away (no sweep between). */
	struct cr3_track u = { .read_gpa = read_gpa, .emit = on_event };
	uint64_t p = PGD(10), q = PGD(12), r = PGD(14), s = PGD(6);
	unsigned int i;

	memset(nev, 0, sizeof(nev));
	mem[10][0] = mem[12][0] = mem[14][0] = mem[6][0] = 0x5007;
	mem[10][256] = mem[12][256] = mem[14][256] = mem[6][256] = 0x7003;
	cr3_track_load(&u, 0, 1, p);
	cr3_track_load(&u, 0, 2, q);
	mem[12][0] = 0;			/* q exits: exit_mmap empties its user half */
	cr3_track_load(&u, 0, 3, p);
	CHECK(u.exited == 1 && last_key[CR3_EXIT] == q,
	      "an exit is seen when its vCPU switches away, before any sweep");

	/*
	 * Guards the exit Linux shows: the dying process's vCPU loads the
	 * kernel's table (a lazy TLB flush while it unmaps) before its user
	 * half is emptied; the next load must still look at it.
	 */
	cr3_track_load(&u, 0, 30, q);	/* q's page, reused by a new process */
	mem[12][0] = 0x5007;
	cr3_track_load(&u, 0, 31, q);
	cr3_track_load(&u, 0, 32, PGD(8));	/* the kernel's table, q still mapped */
	mem[12][0] = 0;
	cr3_track_load(&u, 0, 33, p);
	CHECK(u.exited == 2 && last_key[CR3_EXIT] == q,
	      "an exit whose user half empties after a load of the kernel's table");

	/*
	 * Guards exec: the shell's forked copy is emptied only after the
	 * vCPU loaded the new program's table, which then exits in turn;
	 * the copy must still be looked at later, not only the last one left.
	 */
	memset(nev, 0, sizeof(nev));
	mem[4][0] = 0x5007;			/* b: the forked copy, reused page */
	mem[4][255] = 0;
	mem[4][256] = 0x7003;
	cr3_track_load(&u, 0, 40, b);
	mem[12][0] = 0x5007;
	cr3_track_load(&u, 0, 41, q);		/* exec: the new table */
	mem[4][0] = 0;				/* then the copy is emptied */
	cr3_track_load(&u, 0, 42, PGD(8));	/* q exits through the kernel's table */
	cr3_track_load(&u, 0, 43, p);
	CHECK(nev[CR3_EXIT] == 1 && last_key[CR3_EXIT] == b && u.exited == 3,
	      "exec: the old table, emptied after the new one was loaded, is seen gone");
	mem[12][0] = 0;
	cr3_track_load(&u, 0, 44, p);
	CHECK(u.exited == 4 && last_key[CR3_EXIT] == q, "and so is the new one once it exits");

	/* Guards a table page reused for data before a sweep saw it empty. */
	cr3_track_load(&u, 0, 4, r);
	cr3_track_load(&u, 0, 5, s);
	for (i = 256; i < 512; i++)
		mem[10][i] = 0x1001ULL * i;	/* p's page, now someone's data */
	mem[14][300] = 0xabc003;	/* r: one kernel slot of its own (KPTI's LDT) */
	cr3_track_sweep(&u, 6);
	CHECK(u.exited == 5 && last_key[CR3_EXIT] == p,
	      "a page whose kernel half is no longer the kernel's is a process gone");
	CHECK(cr3_track_alive(&u) == 2, "a live table differing in one kernel slot stays alive");
	cr3_track_free(&u);
	return unit_done("test_cr3track");
}
