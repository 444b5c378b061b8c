/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Processes seen from outside the guest (issue 14, after Antfarm: Jones,
 * Arpaci-Dusseau and Arpaci-Dusseau, USENIX 2006).  The only input is
 * each value a vCPU loads into CR3, and the guest's memory.
 *
 * A process is its top-level page table: the key is CR3 without the PCID
 * (bits 11:0), KPTI's user/kernel bit (12: Linux allocates the two tables
 * of a process as one 8 KiB pair) and the no-flush bit (63).  Threads of a
 * process share it; kernel threads load none of their own.
 *
 * - A key seen for the first time is a process created, unless its table
 *   maps nothing in the user half (entries 0-255): that is the kernel's
 *   own table (init_mm), loaded by idle or exiting tasks.
 * - A vCPU loading another key than its last is a switch.
 * - A key whose table's user half is empty, or whose kernel half is no
 *   longer the kernel's, when next looked at is a process gone: Linux
 *   clears the user entries before it frees the table, and a freed page
 *   reused for other data loses the kernel's.  The tracker looks at the
 *   tables of the last few processes a vCPU left at each of that vCPU's
 *   loads, which sees an exit before the page can be reused, and at every
 *   live one now and then (sweep).  A gone key that is loaded again is a
 *   new process in a reused page.
 */
#ifndef KVMINI_CR3TRACK_H
#define KVMINI_CR3TRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CR3TRACK_MAX_VCPUS	8
#define CR3TRACK_LEFT		4

enum cr3_event { CR3_CREATE, CR3_SWITCH, CR3_EXIT };

struct cr3_proc {
	uint64_t key;
	uint64_t created_tsc;
	bool alive;
};

struct cr3_track {
	struct cr3_proc *procs;
	unsigned int nr, cap;
	uint64_t current[CR3TRACK_MAX_VCPUS];	/* each vCPU's last key, 0: none */
	/* The processes each vCPU left last, not yet seen alive or gone. */
	uint64_t left[CR3TRACK_MAX_VCPUS][CR3TRACK_LEFT];
	uint64_t ref_key;	/* the table loaded last: its kernel half is live */

	/* Counts for the summary and the statistics. */
	uint64_t loads;		/* CR3 loads reported */
	uint64_t created, exited, switches, kernel_loads;
	/*
	 * Loads of the table the vCPU had loaded already (KPTI's entries
	 * into and returns from the kernel): with every load exiting, the
	 * exits a CR3-target list would save.
	 */
	uint64_t repeats;

	/*
	 * Reads @len bytes of guest-physical memory at @gpa into @buf; false
	 * when that is not RAM.  @emit, if set, hears of each event.
	 */
	bool (*read_gpa)(void *ctx, uint64_t gpa, void *buf, size_t len);
	void (*emit)(void *ctx, uint64_t tsc, unsigned int vcpu, enum cr3_event ev,
		     uint64_t key);
	void *ctx;
};

uint64_t cr3_key(uint64_t cr3);
const char *cr3_event_name(enum cr3_event ev);
/* vCPU @vcpu loaded @cr3 at guest TSC @tsc.  Returns -1 out of memory, else 0. */
int cr3_track_load(struct cr3_track *t, unsigned int vcpu, uint64_t tsc, uint64_t cr3);
/* Looks at every live process but those a vCPU runs: which are gone. */
void cr3_track_sweep(struct cr3_track *t, uint64_t tsc);
unsigned int cr3_track_alive(const struct cr3_track *t);
void cr3_track_free(struct cr3_track *t);

#endif
