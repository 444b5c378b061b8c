/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KVM's rules for the VM settings a VMM makes before its vCPUs exist:
 * the highest vCPU id (KVM_ENABLE_CAP with KVM_CAP_MAX_VCPU_ID) and the
 * MMU page count (KVM_SET_NR_MMU_PAGES, and the default KVM derives from
 * the slots).  Pure, so the host-side unit tests
 * (tests/unit/test_vm_settings.c) check their edges; ioctl/ takes the
 * locks around them.
 */
#ifndef KVMINI_VM_SETTINGS_H
#define KVMINI_VM_SETTINGS_H

#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/types.h>
#else
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
typedef uint32_t u32;
typedef uint64_t u64;
#endif

/* As KVM_MIN_ALLOC_MMU_PAGES: the fewest KVM_SET_NR_MMU_PAGES takes. */
#define VM_MIN_MMU_PAGES		64UL
/* As KVM_MEMSLOT_PAGES_TO_MMU_PAGES_RATIO: one page table page per 50 guest pages. */
#define VM_SLOT_PAGES_PER_MMU_PAGE	50

/**
 * vm_default_mmu_pages - the MMU page count of a VM whose VMM never set
 * one, after a slot was created or deleted
 * @slot_pages: the pages of all the VM's slots
 *
 * Return: the count KVM_GET_NR_MMU_PAGES reports from then on.
 */
static inline unsigned long vm_default_mmu_pages(u64 slot_pages)
{
	u64 n = slot_pages / VM_SLOT_PAGES_PER_MMU_PAGE;

	return n > VM_MIN_MMU_PAGES ? n : VM_MIN_MMU_PAGES;
}

/**
 * vm_set_max_vcpu_ids - KVM_ENABLE_CAP(KVM_CAP_MAX_VCPU_ID)
 * @max_ids: the VM's bound on vCPU ids (ids are below it), 0 while unset
 * @want: the bound asked for, args[0]
 * @limit: the highest bound the VMM may ask for
 *
 * As KVM: set once; asking again for the bound in force succeeds, for
 * another fails.  Creating a vCPU sets the bound (vm_vcpu_id_allowed()),
 * so once one exists only @limit itself is still accepted.  Asking for 0
 * while unset changes nothing.
 *
 * Return: 0, or -EINVAL.
 */
static inline int vm_set_max_vcpu_ids(u32 *max_ids, u64 want, u32 limit)
{
	if (want > limit)
		return -EINVAL;
	if (*max_ids == want)
		return 0;
	if (*max_ids)
		return -EINVAL;
	*max_ids = want;
	return 0;
}

/**
 * vm_vcpu_id_allowed - whether KVM_CREATE_VCPU may use @id
 * @max_ids: the VM's bound, 0 while unset
 * @id: the vCPU id, below @limit
 * @limit: the bound when the VMM set none
 *
 * As KVM: the first creation fixes an unset bound at @limit, whether or
 * not it then succeeds.
 *
 * Return: true when @id is below the VM's bound.
 */
static inline bool vm_vcpu_id_allowed(u32 *max_ids, u32 id, u32 limit)
{
	if (!*max_ids)
		*max_ids = limit;
	return id < *max_ids;
}

#endif /* KVMINI_VM_SETTINGS_H */
