/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Extended page tables: guest-physical to host-physical, 4 levels,
 * write-back (SDM Vol. 3C 29.3).  A leaf maps 4 KiB, or 2 MiB where the
 * VMM's memory behind a whole 2 MiB of one slot is a huge page.  Every
 * leaf maps memory of the VM's userspace that is pinned for as long as it
 * is mapped.  Callers hold the VM's mmu_lock, except around ept_fault_in(),
 * which takes it.
 *
 * Where ept/ and vmx/ meet: vmx/ calls ept_fault_in() on an EPT violation
 * (vmx/ept_exit.c) and loads ept.eptp into the VMCS (vmx/vcpu.c); ept/
 * asks vmx/ only what the CPU can do (vmx/vmx.h: kvmini_caps with
 * vmx_has_ept_2m() and vmx_has_invept_single()), whether this CPU is in
 * VMX operation (vmx_root_this_cpu_on()) and for INVEPT (vmx/vmx_ops.h).
 */
#ifndef KVMINI_EPT_EPT_H
#define KVMINI_EPT_EPT_H

#include <linux/mm_types.h>
#include <linux/sizes.h>
#include <linux/types.h>

struct kvmini_ept {
	u64 *pml4;
	u64 eptp;
	unsigned long table_pages;	/* page-table pages, the root included */
	unsigned long mapped_pages;	/* 4 KiB guest pages mapped (and pinned) */
	unsigned long mapped_2m;	/* 2 MiB guest pages mapped (and pinned) */
};

/* Guest-physical addresses EPT can map with a 4-level walk. */
#define EPT_MAX_GPA	(1ULL << 48)

/* The 4 KiB pages of a 2 MiB leaf. */
#define EPT_PAGES_2M	(SZ_2M >> PAGE_SHIFT)

int ept_init(struct kvmini_ept *ept);
void ept_destroy(struct kvmini_ept *ept);
int ept_map(struct kvmini_ept *ept, u64 gpa, struct page *page, bool writable);
bool ept_can_map_2m(struct kvmini_ept *ept, u64 gpa);
int ept_map_2m(struct kvmini_ept *ept, u64 gpa, struct page *head, bool writable);
bool ept_mapped(struct kvmini_ept *ept, u64 gpa);
void ept_unmap_range(struct kvmini_ept *ept, u64 gpa, u64 size);
void ept_flush_all_cpus(struct kvmini_ept *ept);

struct kvmini_vm;

/* On a vCPU's EPT violation (fault.c); takes the VM's mmu_lock. */
int ept_fault_in(struct kvmini_vm *vm, u64 gpa, bool write);

#endif /* KVMINI_EPT_EPT_H */
