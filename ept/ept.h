/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Extended page tables: guest-physical to host-physical, 4 levels, 4 KiB
 * leaves, write-back (SDM Vol. 3C 29.3).  Every leaf maps a page of the
 * VM's userspace memory that is pinned for as long as it is mapped.
 * Callers hold the VM's mmu_lock.
 */
#ifndef KVMINI_EPT_EPT_H
#define KVMINI_EPT_EPT_H

#include <linux/mm_types.h>
#include <linux/types.h>

struct kvmini_ept {
	u64 *pml4;
	u64 eptp;
	unsigned long table_pages;	/* page-table pages, the root included */
	unsigned long mapped_pages;	/* 4 KiB guest pages mapped (and pinned) */
	unsigned long mapped_2m;	/* 2 MiB guest pages mapped */
};

/* Guest-physical addresses EPT can map with a 4-level walk. */
#define EPT_MAX_GPA	(1ULL << 48)

int ept_init(struct kvmini_ept *ept);
void ept_destroy(struct kvmini_ept *ept);
int ept_map(struct kvmini_ept *ept, u64 gpa, struct page *page, bool writable);
bool ept_mapped(struct kvmini_ept *ept, u64 gpa);
void ept_unmap_range(struct kvmini_ept *ept, u64 gpa, u64 size);
void ept_flush_all_cpus(struct kvmini_ept *ept);

#endif /* KVMINI_EPT_EPT_H */
