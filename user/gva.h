/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest virtual to guest physical addresses, through the guest's own page
 * tables in guest RAM, for the hypercalls that take pointers.  Pure code
 * over a RAM buffer (unit-tested on the host with synthetic tables): it
 * reads the tables, never sets accessed or dirty bits, and answers
 * -EFAULT for anything that is not mapped guest RAM.
 */
#ifndef KVMINI_GVA_H
#define KVMINI_GVA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>

enum gva_paging {
	GVA_NONE,	/* paging off: linear = physical (32 bits) */
	GVA_32,		/* 2 levels of 4-byte entries; 4 MiB pages with CR4.PSE */
	GVA_PAE,	/* 3 levels, 4 PDPTEs read from RAM at CR3; 2 MiB pages */
	GVA_LONG4,	/* 4 levels; 2 MiB and 1 GiB pages; canonical 48 bits */
	GVA_LONG5,	/* 5 levels (CR4.LA57); canonical 57 bits */
};

struct gva_mmu {
	uint8_t *mem;		/* guest RAM, GPA 0 up */
	uint64_t mem_size;
	enum gva_paging paging;
	uint64_t cr3;
	bool pse;		/* GVA_32: PDEs with PS map 4 MiB */
	bool wp;		/* CR0.WP: read-only pages stay read-only for CPL 0 */
};

/* The guest's paging mode from its control registers. */
void gva_mmu_init(struct gva_mmu *m, const struct kvm_sregs *s,
		  uint8_t *mem, uint64_t mem_size);

/*
 * The GPA of @gva, which is in RAM; with @write, as a CPL-0 write would
 * see it (a read-only mapping fails when CR0.WP is set).  0 or -EFAULT.
 */
int gva_to_gpa(const struct gva_mmu *m, uint64_t gva, bool write, uint64_t *gpa);

/* Every page of [gva, gva + len) translates (for writing with @write). */
int gva_check(const struct gva_mmu *m, uint64_t gva, uint64_t len, bool write);

/* Copies, page by page; 0 or -EFAULT (a write may then be partial). */
int gva_read(const struct gva_mmu *m, uint64_t gva, void *buf, size_t len);
int gva_write(const struct gva_mmu *m, uint64_t gva, const void *buf, size_t len);

/*
 * The NUL-terminated string at @gva into @buf (@size bytes, NUL included):
 * its length, -EFAULT, or -E2BIG when no NUL comes within @size bytes.
 * Reads no page past the one holding the NUL.
 */
long gva_read_string(const struct gva_mmu *m, uint64_t gva, char *buf, size_t size);

#endif
