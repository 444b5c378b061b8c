/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A VM: its memory slots, its EPT, its vCPUs.  mmu_lock orders every
 * change of the slots and the EPT against the vCPUs' EPT faults and the
 * MMU notifier (notifier.c).  It is a spinlock because the notifier may be
 * called where sleeping is not allowed (the OOM reaper), and because
 * anything that could sleep under it could also reclaim, and reclaim
 * calls the notifier: so no allocation, no user-page lookup and no copy
 * from or to the VMM's memory is done under it.
 *
 * The one object every layer shares: ioctl/ creates, changes and frees
 * it, vmx/ runs its vCPUs, ept/ maps its slots.  So it lives below all
 * three, and vmx/ and ept/ never include ioctl/.
 */
#ifndef KVMINI_VM_VM_H
#define KVMINI_VM_VM_H

#include <linux/bitops.h>
#include <linux/kvm.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include "../ept/ept.h"

#define KVMINI_MAX_SLOTS	32
#define KVMINI_MAX_VCPUS	8
#define KVMINI_MAX_VCPU_ID	255

struct kvmini_vcpu;

struct kvmini_slot {
	u64 gpa;		/* page aligned; size 0 means unused */
	u64 size;
	unsigned long hva;	/* the VMM's memory behind it */
	u32 flags;		/* KVM_MEM_READONLY, KVM_MEM_LOG_DIRTY_PAGES */
	/*
	 * With KVM_MEM_LOG_DIRTY_PAGES, a bit per page, set when the page
	 * is mapped writable or written by the module (ioctl/dirty_log.c).
	 * Bits are set under mmu_lock, which also covers the pointer; the
	 * bitmap is freed only after the slot lost it under the lock.
	 */
	unsigned long *dirty_bitmap;
};

/* Cumulative, under mmu_lock (statistics: ioctl/stats.c). */
struct vm_mmu_stats {
	u64 mmu_invalidations;	/* notifier calls that reached a slot */
	u64 mmu_zapped_4k;	/* leaves they took away */
	u64 mmu_zapped_2m;
	u64 mmu_fault_retries;	/* faults that raced with one and went again */
	u64 mmu_refaults;	/* faults on a page a notifier took away */
};

struct kvmini_vm {
	struct mm_struct *mm;	/* the creator's; only it may use the VM */
	pid_t pid;		/* the creator's, for debugfs */
	unsigned int id;
	struct dentry *debugfs;	/* <pid>-<fd>/ */
	refcount_t refs;	/* the VM fd and each vCPU fd */

	struct mutex lock;	/* vCPU creation and the VM's settings */
	/*
	 * vcpus[i] is set before nr_vcpus counts it (smp_store_release):
	 * an IPI reads nr_vcpus with smp_load_acquire and no lock.
	 */
	struct kvmini_vcpu *vcpus[KVMINI_MAX_VCPUS];
	unsigned int nr_vcpus;
	bool irqchip;		/* KVM_CREATE_IRQCHIP: each vCPU has a local APIC */
	u32 bsp_vcpu_id;	/* KVM_SET_BOOT_CPU_ID: APIC_BASE.BSP at reset */
	u32 max_vcpu_ids;	/* ids are below it; 0 until set (vm/settings.h) */
	u64 tss_addr;
	u64 identity_map_addr;
	u64 tsc_offset;		/* a new vCPU's TSC_OFFSET (KVM_VCPU_TSC_OFFSET sets it) */
	u8 trace_cr3;		/* KVMINI_TRACE_CR3_*: vCPUs take it at KVM_RUN */
	bool platform_info_hidden;	/* KVM_CAP_MSR_PLATFORM_INFO off: the guest's RDMSR faults */
	u64 disabled_quirks;	/* KVM_CAP_DISABLE_QUIRKS2: KVM_X86_QUIRK_* turned off */

	/*
	 * Orders the memory-region and dirty-log ioctls: a bitmap may be
	 * read and copied out, which sleeps, without mmu_lock, only while
	 * nothing can free it.
	 */
	struct mutex slots_lock;
	u64 manual_dirty_log_protect;	/* KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 */
	spinlock_t mmu_lock;		/* see the top of this file */
	struct kvmini_slot slots[KVMINI_MAX_SLOTS];
	/*
	 * KVM_SET_NR_MMU_PAGES, stored as KVM stores it; nothing is limited
	 * by it (nor is KVM's TDP MMU).  Until the VMM sets it, slot
	 * changes set the maximum from the slots' size (vm/settings.h).
	 */
	unsigned long n_max_mmu_pages;
	unsigned long n_requested_mmu_pages;
	unsigned int slot_hint;		/* kvmini_find_slot()'s last hit */
	struct kvmini_ept ept;

	/*
	 * The fault's retry protocol, as KVM's: a fault reads mmu_seq before
	 * it looks the VMM's page up and maps it only if, under mmu_lock,
	 * no invalidation of its address is running and mmu_seq has not
	 * moved.  Invalidations and slot changes move it.
	 */
	struct mmu_notifier mmu_notifier;
	unsigned long mmu_seq;
	unsigned int mmu_inval_running;
	unsigned long mmu_inval_start, mmu_inval_end;	/* VMM addresses */
	struct vm_mmu_stats mmu_stats;
};

/*
 * The KVM quirks kvmini models, all on until KVM_CAP_DISABLE_QUIRKS2
 * turns them off: MONITOR/MWAIT never #UD, and IA32_MISC_ENABLE's MWAIT
 * bit does not touch CPUID.
 */
#define KVMINI_QUIRKS	(KVM_X86_QUIRK_MISC_ENABLE_NO_MWAIT | KVM_X86_QUIRK_MWAIT_NEVER_UD_FAULTS)

static inline bool vm_has_quirk(struct kvmini_vm *vm, u64 quirk)
{
	return !(READ_ONCE(vm->disabled_quirks) & quirk);
}

/*
 * The page holding @gpa, in @s, was or may be written; mmu_lock held.  KVM
 * reports a page dirty once the guest may write it without an exit, which
 * is when it is mapped writable.
 */
static inline void kvmini_slot_mark_dirty(struct kvmini_slot *s, u64 gpa)
{
	if (s->dirty_bitmap)
		set_bit((gpa - s->gpa) >> PAGE_SHIFT, s->dirty_bitmap);
}

/* Returns the slot holding @gpa, or NULL; mmu_lock held (vm.c). */
struct kvmini_slot *kvmini_find_slot(struct kvmini_vm *vm, u64 gpa);

/* Zaps what @s maps and moves mmu_seq; mmu_lock held (vm.c). */
void kvmini_slot_zap(struct kvmini_vm *vm, struct kvmini_slot *s);

/* The VMM's mm tells the VM what it unmaps (notifier.c). */
int kvmini_mmu_notifier_register(struct kvmini_vm *vm);
void kvmini_mmu_notifier_unregister(struct kvmini_vm *vm);

#endif /* KVMINI_VM_VM_H */
