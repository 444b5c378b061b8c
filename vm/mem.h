/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The module's memory counters: every page kvmini allocates goes through
 * kvmini_alloc_page(), every guest page its EPT maps is counted, so tests
 * can check that both return to where they started (debugfs "memory").
 */
#ifndef KVMINI_VM_MEM_H
#define KVMINI_VM_MEM_H

void *kvmini_alloc_page(void);
void kvmini_free_page(void *addr);
void kvmini_mem_mapped(long pages);
long kvmini_mem_pages(void);
long kvmini_mem_mapped_pages(void);

#endif /* KVMINI_VM_MEM_H */
