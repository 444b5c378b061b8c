// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_SET_USER_MEMORY_REGION with KVM's rules (virt/kvm/kvm_main.c,
 * __kvm_set_memory_region): a slot is created, moved, has its flags
 * changed, or is deleted; its size and its userspace address never
 * change; slots may not overlap.  What a slot maps is faulted into EPT on
 * first touch (ept/fault.c), unmapped when the VMM's mapping behind it
 * changes (vm/notifier.c), and here when the slot goes or moves; the
 * lookup every layer uses is vm/vm.c.
 */
#include <linux/mm.h>
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
	if (mem->flags & ~KVM_MEM_READONLY)
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

int kvmini_set_memory_region(struct kvmini_vm *vm,
			     const struct kvm_userspace_memory_region *mem)
{
	struct kvmini_slot *s;
	bool created;
	int err = check_region(mem);

	if (err)
		return err;
	spin_lock(&vm->mmu_lock);
	s = &vm->slots[mem->slot];
	if (!mem->memory_size) {
		err = -EINVAL;
		if (!s->size)
			goto out_unlock;
		kvmini_slot_zap(vm, s);
		*s = (struct kvmini_slot){ 0 };
		slots_changed(vm);
		err = 0;
		goto out_unlock;
	}
	if (s->size) {
		err = -EINVAL;
		if (mem->userspace_addr != s->hva || mem->memory_size != s->size ||
		    ((mem->flags ^ s->flags) & KVM_MEM_READONLY))
			goto out_unlock;
		err = 0;
		if (mem->guest_phys_addr == s->gpa)
			goto out_unlock;	/* nothing to change */
	}
	err = -EEXIST;
	if (overlaps(vm, mem->slot, mem->guest_phys_addr, mem->memory_size))
		goto out_unlock;
	created = !s->size;
	if (!created)		/* a move: the old range is no longer this slot's */
		kvmini_slot_zap(vm, s);
	s->gpa = mem->guest_phys_addr;
	s->size = mem->memory_size;
	s->hva = mem->userspace_addr;
	s->flags = mem->flags;
	if (created)
		slots_changed(vm);
	err = 0;
out_unlock:
	spin_unlock(&vm->mmu_lock);
	return err;
}
