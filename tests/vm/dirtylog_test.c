// SPDX-License-Identifier: GPL-2.0
/*
 * dirtylog_test DEV LABEL: dirty logging, KVM_MEM_LOG_DIRTY_PAGES with
 * KVM_GET_DIRTY_LOG, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 and
 * KVM_CLEAR_DIRTY_LOG (issue 12: what KVM's dirty_log_test,
 * dirty_log_perf_test and kvm_page_table_test need; before it kvmini
 * refused the flag with EINVAL).
 *
 * A real-mode guest, each KVM_RUN: increments the first byte of the pages
 * listed at 0x500, reads the pages listed at 0x700, and if 0x900 holds a
 * segment, takes 4 bytes from port 0x20 with REP INSB into it (the
 * module's own write, not the guest's); then OUT 0x10.  Slot 1 is
 * logged: 100 pages at GPA 0x20000 (so its last bitmap word is partial),
 * private anonymous memory the VMM never touches, so that a read maps
 * the zero page read-only on KVM too.
 *   cap_manual             KVM_CHECK_EXTENSION(MANUAL_DIRTY_LOG_PROTECT2)
 *                          gives both options
 *   einval_*, enoent_*     the ioctls' errors, KVM's errno for each (a
 *                          slot number KVM could have is ENOENT)
 *   writes_logged          written pages, only they: reads are not writes
 *   get_clears             a second KVM_GET_DIRTY_LOG finds nothing
 *   rewrite_logged         a page written, logged, written again is logged
 *                          again: reading the log write-protects it (the
 *                          bug this guards: a page left writable after the
 *                          log was read never faults, its writes are lost)
 *   data_kept              the guest's writes are in the VMM's memory
 *   ins_logged             REP INS data, written by the module, is logged
 *   off_enoent, on_empty   logging off drops the log; back on, it is empty
 *   manual_get_keeps       with MANUAL_PROTECT a get clears nothing
 *   manual_clear_*         KVM_CLEAR_DIRTY_LOG clears what it names, and
 *                          those pages' next writes are logged again
 *   initially_set          with INITIALLY_SET a new log has every page
 */
#include <stdbool.h>
#include <stdint.h>

#include "ktest.h"
#include "rmvm.h"

#define LOG_SLOT	1
#define LOG_GPA		0x20000UL
#define LOG_PAGES	100
#define LOG_WORDS	((LOG_PAGES + 63) / 64)
#define WRITES		0x500
#define READS		0x700
#define INS_SEG		0x900
#define DONE_PORT	0x10
#define INS_PORT	0x20

/* See the top of this file; assembled from AT&T .code16. */
static const unsigned char guest[] = {
	0xbe, 0x02, 0x05, 0x8b, 0x0e, 0x00, 0x05, 0xe3, 0x0a, 0xad, 0x8e, 0xc0,
	0x26, 0xfe, 0x06, 0x00, 0x00, 0xe2, 0xf6, 0xbe, 0x02, 0x07, 0x8b, 0x0e,
	0x00, 0x07, 0xe3, 0x09, 0xad, 0x8e, 0xc0, 0x26, 0xa0, 0x00, 0x00, 0xe2,
	0xf7, 0xa1, 0x00, 0x09, 0x85, 0xc0, 0x74, 0x0d, 0x8e, 0xc0, 0x31, 0xff,
	0xb9, 0x04, 0x00, 0xba, 0x20, 0x00, 0xfc, 0xf3, 0x6c, 0xe6, 0x10, 0xeb,
	0xc3,
};

struct t {
	struct onevm v;
	unsigned char *log_mem;
	char why[160];
};

static uint16_t seg_of(int page)
{
	return (LOG_GPA >> 4) + page * 0x100;
}

static void put_list(struct t *t, unsigned int at, const int *pages, int n)
{
	uint16_t *w = (uint16_t *)(t->v.mem + at);
	int i;

	w[0] = n;
	for (i = 0; i < n; i++)
		w[1 + i] = seg_of(pages[i]);
}

/* One pass of the guest; false with @t->why set if it did not end at OUT 0x10. */
static bool pass(struct t *t, const int *w, int nw, const int *r, int nr, int ins_page)
{
	int guard;

	put_list(t, WRITES, w, nw);
	put_list(t, READS, r, nr);
	*(uint16_t *)(t->v.mem + INS_SEG) = ins_page < 0 ? 0 : seg_of(ins_page);
	for (guard = 0; guard < 16; guard++) {
		struct kvm_run *run = t->v.run;

		if (ioctl(t->v.vcpu, KVM_RUN, 0)) {
			snprintf(t->why, sizeof(t->why), "KVM_RUN: %s", strerror(errno));
			return false;
		}
		if (run->exit_reason != KVM_EXIT_IO) {
			snprintf(t->why, sizeof(t->why), "exit reason %u", run->exit_reason);
			return false;
		}
		if (run->io.port == DONE_PORT)
			return true;
		if (run->io.port == INS_PORT && run->io.direction == KVM_EXIT_IO_IN)
			memset((char *)run + run->io.data_offset, 0xa5,
			       run->io.size * run->io.count);
	}
	snprintf(t->why, sizeof(t->why), "no OUT 0x10 after 16 exits");
	return false;
}

static int get_log(struct t *t, uint64_t *bits)
{
	struct kvm_dirty_log log = { .slot = LOG_SLOT, .dirty_bitmap = bits };

	memset(bits, 0, LOG_WORDS * 8);
	return ioctl(t->v.fd, KVM_GET_DIRTY_LOG, &log);
}

/* Whether @bits holds exactly @pages; @t->why says how not. */
static bool log_is(struct t *t, const uint64_t *bits, const int *pages, int n)
{
	uint64_t want[LOG_WORDS] = { 0 };
	int i;

	for (i = 0; i < n; i++)
		want[pages[i] / 64] |= 1ULL << (pages[i] % 64);
	for (i = 0; i < LOG_WORDS; i++) {
		if (bits[i] != want[i]) {
			snprintf(t->why, sizeof(t->why), "word %d is %#llx, expected %#llx", i,
				 (unsigned long long)bits[i], (unsigned long long)want[i]);
			return false;
		}
	}
	return true;
}

static int set_log_slot(struct t *t, uint32_t flags)
{
	struct kvm_userspace_memory_region r = {
		.slot = LOG_SLOT, .flags = flags, .guest_phys_addr = LOG_GPA,
		.memory_size = LOG_PAGES * 4096UL, .userspace_addr = (unsigned long)t->log_mem,
	};

	return ioctl(t->v.fd, KVM_SET_USER_MEMORY_REGION, &r);
}

#define CHECK_LOG(name, t, bits, ...) do {					\
	static const int __p[] = { __VA_ARGS__ };				\
	if (get_log(t, bits))							\
		ktest_fail(name, "KVM_GET_DIRTY_LOG: %s", strerror(errno));	\
	else if (!log_is(t, bits, __p, (int)(sizeof(__p) / sizeof(__p[0]))))	\
		ktest_fail(name, "%s", (t)->why);				\
	else									\
		ktest_pass(name);						\
} while (0)

#define PASS_OR_FAIL(name, t, ...) do {						\
	if (!pass(t, __VA_ARGS__))						\
		ktest_fail(name, "guest: %s", (t)->why);			\
} while (0)

static void errors(struct t *t)
{
	uint64_t bits[LOG_WORDS];
	struct kvm_dirty_log log = { .dirty_bitmap = bits };
	struct kvm_clear_dirty_log clr = { .slot = LOG_SLOT, .dirty_bitmap = bits };

	log.slot = 0;
	KTEST_ERRNO("enoent_unlogged_slot", ioctl(t->v.fd, KVM_GET_DIRTY_LOG, &log), ENOENT);
	log.slot = 7;
	KTEST_ERRNO("enoent_empty_slot", ioctl(t->v.fd, KVM_GET_DIRTY_LOG, &log), ENOENT);
	/* KVM's x86 numbers: 32764 slots in each of two address spaces (SMM's). */
	log.slot = 4096;
	KTEST_ERRNO("enoent_slot_4096", ioctl(t->v.fd, KVM_GET_DIRTY_LOG, &log), ENOENT);
	log.slot = (1 << 16) | LOG_SLOT;
	KTEST_ERRNO("enoent_smm_space", ioctl(t->v.fd, KVM_GET_DIRTY_LOG, &log), ENOENT);
	log.slot = 32764;
	KTEST_ERRNO("einval_slot_number", ioctl(t->v.fd, KVM_GET_DIRTY_LOG, &log), EINVAL);
	log.slot = (2 << 16) | LOG_SLOT;
	KTEST_ERRNO("einval_address_space", ioctl(t->v.fd, KVM_GET_DIRTY_LOG, &log), EINVAL);
	clr.slot = 32764;
	KTEST_ERRNO("einval_clear_slot_number", ioctl(t->v.fd, KVM_CLEAR_DIRTY_LOG, &clr),
		    EINVAL);
	clr.slot = LOG_SLOT;
	clr.first_page = 1;
	clr.num_pages = 63;
	KTEST_ERRNO("einval_clear_unaligned", ioctl(t->v.fd, KVM_CLEAR_DIRTY_LOG, &clr),
		    EINVAL);
	clr.first_page = 0;
	clr.num_pages = LOG_PAGES + 1;
	KTEST_ERRNO("einval_clear_past_end", ioctl(t->v.fd, KVM_CLEAR_DIRTY_LOG, &clr), EINVAL);
	clr.num_pages = 36;
	KTEST_ERRNO("einval_clear_partial_word", ioctl(t->v.fd, KVM_CLEAR_DIRTY_LOG, &clr),
		    EINVAL);
	clr.slot = 0;
	clr.num_pages = 64;
	KTEST_ERRNO("enoent_clear_unlogged", ioctl(t->v.fd, KVM_CLEAR_DIRTY_LOG, &clr), ENOENT);
	log.slot = LOG_SLOT;
	log.dirty_bitmap = (void *)8;
	KTEST_ERRNO("efault_bitmap", ioctl(t->v.fd, KVM_GET_DIRTY_LOG, &log), EFAULT);
}

static void automatic(struct t *t)
{
	static const int w1[] = { 0, 3, 63, 64, 99 }, r1[] = { 5, 70 }, w2[] = { 3 };
	uint64_t bits[LOG_WORDS];

	PASS_OR_FAIL("writes_logged", t, w1, 5, r1, 2, -1);
	CHECK_LOG("writes_logged", t, bits, 0, 3, 63, 64, 99);
	CHECK_LOG("get_clears", t, bits);
	PASS_OR_FAIL("rewrite_logged", t, w2, 1, NULL, 0, -1);
	CHECK_LOG("rewrite_logged", t, bits, 3);
	KTEST_CHECK("data_kept", t->log_mem[3 * 4096] == 2 && t->log_mem[99 * 4096] == 1 &&
		    t->log_mem[5 * 4096] == 0);
	PASS_OR_FAIL("ins_logged", t, NULL, 0, NULL, 0, 80);
	CHECK_LOG("ins_logged", t, bits, 80);
	KTEST_CHECK("ins_data", t->log_mem[80 * 4096 + 3] == 0xa5);

	if (set_log_slot(t, 0)) {
		ktest_fail("off_enoent", "logging off: %s", strerror(errno));
		return;
	}
	KTEST_ERRNO("off_enoent", get_log(t, bits), ENOENT);
	PASS_OR_FAIL("on_empty", t, w2, 1, NULL, 0, -1);
	if (set_log_slot(t, KVM_MEM_LOG_DIRTY_PAGES)) {
		ktest_fail("on_empty", "logging on: %s", strerror(errno));
		return;
	}
	CHECK_LOG("on_empty", t, bits);
	PASS_OR_FAIL("on_logs", t, w2, 1, NULL, 0, -1);
	CHECK_LOG("on_logs", t, bits, 3);
}

static void manual(struct t *t)
{
	static const int w1[] = { 1, 2, 65 }, w2[] = { 1 };
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2,
		.args = { KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE },
	};
	uint64_t bits[LOG_WORDS], one[LOG_WORDS] = { 1ULL << 1 };
	struct kvm_clear_dirty_log clr = {
		.slot = LOG_SLOT, .num_pages = LOG_PAGES, .dirty_bitmap = one,
	};

	if (ioctl(t->v.fd, KVM_ENABLE_CAP, &cap)) {
		ktest_fail("manual_enable", "%s", strerror(errno));
		return;
	}
	PASS_OR_FAIL("manual_get_keeps", t, w1, 3, NULL, 0, -1);
	CHECK_LOG("manual_get_keeps", t, bits, 1, 2, 65);
	CHECK_LOG("manual_get_keeps_again", t, bits, 1, 2, 65);
	if (ioctl(t->v.fd, KVM_CLEAR_DIRTY_LOG, &clr))
		ktest_fail("manual_clear", "KVM_CLEAR_DIRTY_LOG: %s", strerror(errno));
	CHECK_LOG("manual_clear", t, bits, 2, 65);
	/* The last, partial word alone: allowed at the slot's end. */
	clr.first_page = 64;
	clr.num_pages = LOG_PAGES - 64;
	one[0] = 1ULL << 1;
	if (ioctl(t->v.fd, KVM_CLEAR_DIRTY_LOG, &clr))
		ktest_fail("manual_clear_tail", "KVM_CLEAR_DIRTY_LOG: %s", strerror(errno));
	CHECK_LOG("manual_clear_tail", t, bits, 2);
	PASS_OR_FAIL("manual_clear_rewrite", t, w2, 1, NULL, 0, -1);
	CHECK_LOG("manual_clear_rewrite", t, bits, 1, 2);

	cap.args[0] = KVM_DIRTY_LOG_INITIALLY_SET;
	KTEST_ERRNO("einval_initially_set_alone", ioctl(t->v.fd, KVM_ENABLE_CAP, &cap), EINVAL);
	cap.args[0] = KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE | KVM_DIRTY_LOG_INITIALLY_SET;
	if (ioctl(t->v.fd, KVM_ENABLE_CAP, &cap) || set_log_slot(t, 0) ||
	    set_log_slot(t, KVM_MEM_LOG_DIRTY_PAGES)) {
		ktest_fail("initially_set", "%s", strerror(errno));
		return;
	}
	memset(bits, 0, sizeof(bits));
	if (get_log(t, bits))
		ktest_fail("initially_set", "KVM_GET_DIRTY_LOG: %s", strerror(errno));
	else
		KTEST_CHECK("initially_set", bits[0] == ~0ULL && bits[1] == (1ULL << 36) - 1);
}

int main(int argc, char **argv)
{
	const char *dev = ktest_args(argc, argv);
	struct t t;
	int r;

	if (!dev)
		return 2;
	if (rmvm_create(&t.v, dev, guest, sizeof(guest), 0)) {
		ktest_fail("setup", "VM: %s", strerror(errno));
		onevm_destroy(&t.v);
		return ktest_exit();
	}
	r = ioctl(t.v.sys, KVM_CHECK_EXTENSION, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2);
	KTEST_CHECK("cap_manual", r == (KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE |
					KVM_DIRTY_LOG_INITIALLY_SET));
	t.log_mem = mmap(NULL, LOG_PAGES * 4096UL, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (t.log_mem == MAP_FAILED || set_log_slot(&t, KVM_MEM_LOG_DIRTY_PAGES)) {
		ktest_fail("setup", "logged slot: %s", strerror(errno));
		onevm_destroy(&t.v);
		return ktest_exit();
	}
	errors(&t);
	automatic(&t);
	manual(&t);
	onevm_destroy(&t.v);
	munmap(t.log_mem, LOG_PAGES * 4096UL);
	return ktest_exit();
}
