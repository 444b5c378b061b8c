// SPDX-License-Identifier: GPL-2.0
/*
 * Antfarm's inference from CR3 loads (cr3track.h says what is inferred
 * and why).  Pure: guest memory comes through t->read_gpa, events go out
 * through t->emit, so the unit tests drive it with made-up tables.
 */
#include <stdlib.h>

#include "cr3track.h"

#define KEY_MASK	(~0xfffULL & ~(1ULL << 12) & ~(1ULL << 63))
#define USER_ENTRIES	256
/*
 * Kernel-half entries a live table may differ in from another live one:
 * KPTI's per-process LDT slot, and one spare.
 */
#define KERNEL_SLACK	2

uint64_t cr3_key(uint64_t cr3)
{
	return cr3 & KEY_MASK;
}

const char *cr3_event_name(enum cr3_event ev)
{
	static const char * const names[] = { "create", "switch", "exit" };

	return names[ev];
}

/* Whether the table at @key maps anything below the kernel's half. */
static bool maps_user(const struct cr3_track *t, uint64_t key)
{
	uint64_t e[USER_ENTRIES];
	unsigned int i;

	if (!t->read_gpa(t->ctx, key, e, sizeof(e)))
		return false;
	for (i = 0; i < USER_ENTRIES; i++)
		if (e[i] & 1)	/* present */
			return true;
	return false;
}

/*
 * Whether the table at @key still holds the kernel's half of the table
 * last loaded: Linux copies that half into every process's table, so a
 * page freed and reused for something else fails this before its user
 * half looks empty.
 */
static bool maps_kernel(const struct cr3_track *t, uint64_t key)
{
	uint64_t e[USER_ENTRIES], ref[USER_ENTRIES];
	unsigned int i, differ = 0;

	if (!t->ref_key || t->ref_key == key)
		return true;
	if (!t->read_gpa(t->ctx, key + USER_ENTRIES * 8, e, sizeof(e)) ||
	    !t->read_gpa(t->ctx, t->ref_key + USER_ENTRIES * 8, ref, sizeof(ref)))
		return false;
	for (i = 0; i < USER_ENTRIES; i++)
		differ += e[i] != ref[i];
	return differ <= KERNEL_SLACK;
}

static bool gone(const struct cr3_track *t, uint64_t key)
{
	return !maps_user(t, key) || !maps_kernel(t, key);
}

static void emit(struct cr3_track *t, uint64_t tsc, unsigned int vcpu, enum cr3_event ev,
		 uint64_t key)
{
	if (t->emit)
		t->emit(t->ctx, tsc, vcpu, ev, key);
}

static struct cr3_proc *find(struct cr3_track *t, uint64_t key)
{
	unsigned int i;

	for (i = 0; i < t->nr; i++)
		if (t->procs[i].key == key)
			return &t->procs[i];
	return NULL;
}

static struct cr3_proc *add(struct cr3_track *t, uint64_t key)
{
	if (t->nr == t->cap) {
		unsigned int cap = t->cap ? 2 * t->cap : 64;
		struct cr3_proc *p = realloc(t->procs, cap * sizeof(*p));

		if (!p)
			return NULL;
		t->procs = p;
		t->cap = cap;
	}
	t->procs[t->nr].key = key;
	return &t->procs[t->nr++];
}

static bool running(const struct cr3_track *t, uint64_t key)
{
	unsigned int i;

	for (i = 0; i < CR3TRACK_MAX_VCPUS; i++)
		if (t->current[i] == key)
			return true;
	return false;
}

/* @p stopped running on a vCPU at @tsc: gone if its table says so. */
static void check_exit(struct cr3_track *t, struct cr3_proc *p, uint64_t tsc, unsigned int vcpu)
{
	if (!p->alive || running(t, p->key) || !gone(t, p->key))
		return;
	p->alive = false;
	t->exited++;
	emit(t, tsc, vcpu, CR3_EXIT, p->key);
}

/* @key left @vcpu: remembered, the oldest forgotten if all slots are taken. */
static void remember_left(struct cr3_track *t, unsigned int vcpu, uint64_t key)
{
	uint64_t *l = t->left[vcpu];
	unsigned int i;

	for (i = 0; i < CR3TRACK_LEFT - 1 && l[i] && l[i] != key; i++)
		;
	for (; i > 0; i--)
		l[i] = l[i - 1];
	l[0] = key;
}

/*
 * Looks at the processes @vcpu left lately, except @key, just loaded:
 * each is forgotten once gone.  An exiting Linux process leaves its vCPU
 * for the kernel's table (a lazy TLB flush while it unmaps) before its
 * user half is emptied; one replaced by exec is emptied after the vCPU
 * loaded the new table.  Either way a later load sees it, before the
 * page can be reused for another process's table.
 */
static void check_left(struct cr3_track *t, unsigned int vcpu, uint64_t tsc, uint64_t key)
{
	uint64_t *l = t->left[vcpu];
	unsigned int i, n = 0;

	for (i = 0; i < CR3TRACK_LEFT && l[i]; i++) {
		struct cr3_proc *p = l[i] != key ? find(t, l[i]) : NULL;

		if (p)
			check_exit(t, p, tsc, vcpu);
		if (p && p->alive)
			l[n++] = l[i];
	}
	for (i = n; i < CR3TRACK_LEFT; i++)
		l[i] = 0;
}

int cr3_track_load(struct cr3_track *t, unsigned int vcpu, uint64_t tsc, uint64_t cr3)
{
	uint64_t key = cr3_key(cr3), prev;
	struct cr3_proc *p = find(t, key);

	t->loads++;
	if (vcpu >= CR3TRACK_MAX_VCPUS)
		return 0;
	t->ref_key = key;
	prev = t->current[vcpu];
	if (prev && prev != key)
		remember_left(t, vcpu, prev);
	if (!p || !p->alive) {
		if (!maps_user(t, key)) {
			/* The kernel's own table: no process, and no switch to one. */
			t->kernel_loads++;
			t->current[vcpu] = 0;
			goto left;
		}
		if (!p) {
			p = add(t, key);
			if (!p)
				return -1;
		}
		p->alive = true;
		p->created_tsc = tsc;
		t->created++;
		emit(t, tsc, vcpu, CR3_CREATE, key);
	}
	if (t->current[vcpu] != key) {
		t->current[vcpu] = key;
		t->switches++;
		emit(t, tsc, vcpu, CR3_SWITCH, key);
	} else {
		t->repeats++;
	}
left:
	check_left(t, vcpu, tsc, key);
	return 0;
}

void cr3_track_sweep(struct cr3_track *t, uint64_t tsc)
{
	unsigned int i;

	for (i = 0; i < t->nr; i++)
		check_exit(t, &t->procs[i], tsc, CR3TRACK_MAX_VCPUS);
}

unsigned int cr3_track_alive(const struct cr3_track *t)
{
	unsigned int i, n = 0;

	for (i = 0; i < t->nr; i++)
		n += t->procs[i].alive;
	return n;
}

void cr3_track_free(struct cr3_track *t)
{
	free(t->procs);
	t->procs = NULL;
	t->nr = t->cap = 0;
}
