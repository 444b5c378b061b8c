// SPDX-License-Identifier: GPL-2.0
/*
 * Finding the slot behind a guest-physical address.  Kept apart from
 * ioctl/memslot.c, which changes the slots, because the EPT fault and the
 * vCPU's guest-memory access look slots up too and must not reach up into
 * the API to do it.
 */
#include <linux/lockdep.h>

#include "vm.h"

static bool slot_holds(const struct kvmini_slot *s, u64 gpa)
{
	return s->size && gpa >= s->gpa && gpa - s->gpa < s->size;
}

/* The slot found last is tried first: a guest touches one slot for a while. */
struct kvmini_slot *kvmini_find_slot(struct kvmini_vm *vm, u64 gpa)
{
	int i;

	if (slot_holds(&vm->slots[vm->slot_hint], gpa))
		return &vm->slots[vm->slot_hint];
	for (i = 0; i < KVMINI_MAX_SLOTS; i++) {
		if (slot_holds(&vm->slots[i], gpa)) {
			vm->slot_hint = i;
			return &vm->slots[i];
		}
	}
	return NULL;
}

/*
 * A slot deleted or moved: its old range maps nothing any more.  No mark
 * for the statistics' refaults (the notifier's business), and mmu_seq
 * moves so that a fault that looked the slot up before sees the change.
 */
void kvmini_slot_zap(struct kvmini_vm *vm, struct kvmini_slot *s)
{
	struct ept_zap zap;

	lockdep_assert_held(&vm->mmu_lock);
	/*
	 * Not yielding: nothing keeps faults out of the range meanwhile (no
	 * running invalidation, mmu_seq not yet moved), so a fault could map
	 * behind the zap a page that then outlives the slot.
	 */
	ept_zap_init(&zap, NULL);
	ept_zap_range(&vm->ept, s->gpa, s->size, false, &zap);
	ept_zap_finish(&vm->ept, &zap);
	vm->mmu_seq++;
}
