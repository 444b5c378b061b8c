// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_SET_USER_MEMORY_REGION with KVM's rules (virt/kvm/kvm_main.c,
 * __kvm_set_memory_region): a slot is created, moved, has its flags
 * changed, or is deleted; its size and its userspace address never
 * change; slots may not overlap.  A slot with KVM_MEM_LOG_DIRTY_PAGES
 * has a dirty bitmap (dirty_log.c reads it out), kept across a move as
 * KVM keeps it.  What a slot maps is faulted into EPT on
 * first touch (ept/fault.c), unmapped when the VMM's mapping behind it
 * changes (vm/notifier.c), and here when the slot goes or moves; the
 * lookup every layer uses is vm/vm.c.
 */
#include <linux/bitmap.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "kvmini.h"
#include "../vm/settings.h"
#include "../vm/vm.h"

/* As KVM_MEM_MAX_NR_PAGES: slot sizes in pages must fit in 31 bits. */
#define KVMINI_MAX_SLOT_PAGES	((1UL << 31) - 1)

static bool overlaps(struct kvmini_vm *vm, int id, u64 gpa, u64 size)
{
	int i;

	for (i = 0; i < KVMINI_MAX_SLOTS; i++) {
		struct kvmini_slot *s = &vm->slots[i];

		if (i != id && s->size && gpa < s->gpa + s->size && s->gpa < gpa + size)
			return true;
	}
	return false;
}

static int check_region(const struct kvm_userspace_memory_region *mem)
{
	if (mem->flags & ~(KVM_MEM_READONLY | KVM_MEM_LOG_DIRTY_PAGES))
		return -EINVAL;
	if (!PAGE_ALIGNED(mem->memory_size) || !PAGE_ALIGNED(mem->guest_phys_addr) ||
	    !PAGE_ALIGNED(mem->userspace_addr))
		return -EINVAL;
	if (!access_ok((void __user *)(unsigned long)mem->userspace_addr,
		       mem->memory_size))
		return -EINVAL;
	/* Address space 1 (SMM) does not exist here. */
	if (mem->slot >= KVMINI_MAX_SLOTS)
		return -EINVAL;
	if (mem->guest_phys_addr + mem->memory_size < mem->guest_phys_addr)
		return -EINVAL;
	if (mem->memory_size >> PAGE_SHIFT > KVMINI_MAX_SLOT_PAGES)
		return -EINVAL;
	return 0;
}

/*
 * As KVM, whose MMU page count follows the slots' size when a slot is
 * created or deleted, until the VMM sets one; mmu_lock held.
 */
static void slots_changed(struct kvmini_vm *vm)
{
	u64 pages = 0;
	int i;

	if (vm->n_requested_mmu_pages)
		return;
	for (i = 0; i < KVMINI_MAX_SLOTS; i++)
		pages += vm->slots[i].size >> PAGE_SHIFT;
	vm->n_max_mmu_pages = vm_default_mmu_pages(pages);
}

static size_t bitmap_bytes(u64 size)
{
	return BITS_TO_LONGS(size >> PAGE_SHIFT) * sizeof(long);
}

/*
 * The bitmap a slot created or changed to @mem would need, allocated
 * before mmu_lock is taken (no allocation under it, vm/vm.h).  As KVM,
 * with KVM_DIRTY_LOG_INITIALLY_SET every page starts dirty.
 */
static unsigned long *bitmap_for(struct kvmini_vm *vm,
				 const struct kvm_userspace_memory_region *mem)
{
	unsigned long *b;

	if (!(mem->flags & KVM_MEM_LOG_DIRTY_PAGES) || !mem->memory_size)
		return NULL;
	b = kvzalloc(bitmap_bytes(mem->memory_size), GFP_KERNEL_ACCOUNT);
	if (b && (vm->manual_dirty_log_protect & KVM_DIRTY_LOG_INITIALLY_SET))
		bitmap_set(b, 0, mem->memory_size >> PAGE_SHIFT);
	return b;
}

/*
 * Returns the bitmap the slot no longer needs, for the caller to free
 * once mmu_lock is dropped; takes @fresh, or returns it unused.
 */
static unsigned long *set_region_locked(struct kvmini_vm *vm,
					const struct kvm_userspace_memory_region *mem,
					unsigned long *fresh, int *err)
{
	struct kvmini_slot *s = &vm->slots[mem->slot];
	unsigned long *old = s->dirty_bitmap;
	bool logging = mem->flags & KVM_MEM_LOG_DIRTY_PAGES;
	bool created = !s->size;

	*err = -EINVAL;
	if (!mem->memory_size) {
		if (created)
			return fresh;
		kvmini_slot_zap(vm, s);
		*s = (struct kvmini_slot){ 0 };
		slots_changed(vm);
		*err = 0;
		return old;
	}
	if (!created) {
		if (mem->userspace_addr != s->hva || mem->memory_size != s->size ||
		    ((mem->flags ^ s->flags) & KVM_MEM_READONLY))
			return fresh;
		*err = 0;
		if (mem->guest_phys_addr == s->gpa && mem->flags == s->flags)
			return fresh;	/* nothing to change */
	}
	*err = -EEXIST;
	if (overlaps(vm, mem->slot, mem->guest_phys_addr, mem->memory_size))
		return fresh;
	/*
	 * A move leaves the old range; logging turned on or off changes
	 * how pages are mapped (4 KiB, read-only until written): either
	 * way what is mapped goes, and mmu_seq moves for faults under way.
	 */
	if (!created)
		kvmini_slot_zap(vm, s);
	s->gpa = mem->guest_phys_addr;
	s->size = mem->memory_size;
	s->hva = mem->userspace_addr;
	s->flags = mem->flags;
	if (created)
		slots_changed(vm);
	*err = 0;
	if (logging && old)
		return fresh;		/* the log goes on */
	s->dirty_bitmap = logging ? fresh : NULL;
	return logging ? NULL : old;
}

int kvmini_set_memory_region(struct kvmini_vm *vm,
			     const struct kvm_userspace_memory_region *mem)
{
	unsigned long *fresh, *unused;
	int err = check_region(mem);

	if (err)
		return err;
	mutex_lock(&vm->slots_lock);
	fresh = NULL;
	if (!vm->slots[mem->slot].dirty_bitmap) {
		fresh = bitmap_for(vm, mem);
		if (!fresh && (mem->flags & KVM_MEM_LOG_DIRTY_PAGES) && mem->memory_size) {
			err = -ENOMEM;
			goto out_unlock;
		}
	}
	spin_lock(&vm->mmu_lock);
	unused = set_region_locked(vm, mem, fresh, &err);
	spin_unlock(&vm->mmu_lock);
	kvfree(unused);
out_unlock:
	mutex_unlock(&vm->slots_lock);
	return err;
}

/* The VM is going: what its slots still hold. */
void kvmini_slots_free(struct kvmini_vm *vm)
{
	int i;

	for (i = 0; i < KVMINI_MAX_SLOTS; i++) {
		kvfree(vm->slots[i].dirty_bitmap);
		vm->slots[i].dirty_bitmap = NULL;
	}
}
