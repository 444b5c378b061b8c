/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Extended page tables: guest-physical to host-physical, 4 levels,
 * write-back (SDM Vol. 3C 29.3).  A leaf maps 4 KiB, or 2 MiB where the
 * VMM maps the whole 2 MiB behind it with one huge page.  No leaf holds a
 * reference on its page: a leaf is a cached copy of the VMM's own mapping,
 * valid until the VMM's mm says otherwise (vm/notifier.c zaps it then),
 * as KVM's are.  Callers hold the VM's mmu_lock, except around
 * ept_fault_in(), which takes it.
 *
 * Where ept/ and vmx/ meet: vmx/ calls ept_fault_in() on an EPT violation
 * (vmx/ept_exit.c) and loads ept.eptp into the VMCS (vmx/vcpu.c); ept/
 * asks vmx/ only what the CPU can do (vmx/vmx.h: kvmini_caps with
 * vmx_has_ept_2m() and vmx_has_invept_single()), whether this CPU is in
 * VMX operation (vmx_root_this_cpu_on()) and for INVEPT (vmx/vmx_ops.h).
 */
#ifndef KVMINI_EPT_EPT_H
#define KVMINI_EPT_EPT_H

#include <linux/cpumask.h>
#include <linux/list.h>
#include <linux/mm_types.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>
#include <linux/types.h>

struct kvmini_ept {
	u64 *pml4;
	u64 eptp;
	/*
	 * CPUs that may cache this EPT's translations: those where a vCPU of
	 * the VM has its VMCS loaded.  A CPU a vCPU comes to flushes first
	 * (ept_cpu_enter()), so the rest can be left out of a flush.
	 */
	cpumask_var_t cpus;
	unsigned long table_pages;	/* page-table pages, the root included */
	unsigned long mapped_pages;	/* 4 KiB leaves */
	unsigned long mapped_2m;	/* 2 MiB leaves */
};

/*
 * Table pages allocated before mmu_lock is taken: the lock is also the
 * MMU notifier's, and an allocation under it could reclaim, and reclaim
 * calls the notifier.  One fault links at most three new tables (PDPT,
 * PD, PT); each vCPU has its own cache.
 */
#define EPT_CACHE_PAGES	3

struct ept_cache {
	void *pages[EPT_CACHE_PAGES];
	unsigned int nr;
};

/*
 * One zap, over one or more ranges: leaves are cleared as it goes, and
 * ept_zap_finish() flushes every CPU that may cache them, once, then
 * frees the tables the zap emptied.
 */
struct ept_zap {
	unsigned long leaves_4k;	/* for the VM's statistics */
	unsigned long leaves_2m;
	bool flush;
	struct list_head tables;
	spinlock_t *yield;	/* the caller's lock, if it may be dropped meanwhile */
};

/* What ept_probe() found for an address. */
struct ept_probe {
	bool mapped;	/* with the permission asked for */
	bool zapped;	/* the MMU notifier took its leaf away */
	bool room_2m;	/* no level-1 table in its 2 MiB */
};

/* Guest-physical addresses EPT can map with a 4-level walk. */
#define EPT_MAX_GPA	(1ULL << 48)

/* The 4 KiB pages of a 2 MiB leaf. */
#define EPT_PAGES_2M	(SZ_2M >> PAGE_SHIFT)

int ept_init(struct kvmini_ept *ept);
void ept_destroy(struct kvmini_ept *ept);

int ept_cache_topup(struct ept_cache *cache);
void ept_cache_free(struct ept_cache *cache);

int ept_map(struct kvmini_ept *ept, struct ept_cache *cache, u64 gpa, unsigned long pfn,
	    bool writable);
int ept_map_2m(struct kvmini_ept *ept, struct ept_cache *cache, u64 gpa, unsigned long pfn,
	       bool writable);
void ept_probe(struct kvmini_ept *ept, u64 gpa, bool write, struct ept_probe *p);
void ept_zap_init(struct ept_zap *zap, spinlock_t *yield);
void ept_zap_range(struct kvmini_ept *ept, u64 gpa, u64 size, bool mark, struct ept_zap *zap);
void ept_zap_finish(struct kvmini_ept *ept, struct ept_zap *zap);
void ept_wrprotect_mask(struct kvmini_ept *ept, u64 gpa, unsigned long mask, struct ept_zap *zap);
void ept_cpu_enter(struct kvmini_ept *ept);
void ept_cpu_leave(struct kvmini_ept *ept);

struct kvmini_vm;

/* On a vCPU's EPT violation (fault.c); takes the VM's mmu_lock. */
int ept_fault_in(struct kvmini_vm *vm, struct ept_cache *cache, u64 gpa, bool write);

#endif /* KVMINI_EPT_EPT_H */
