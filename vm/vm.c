// SPDX-License-Identifier: GPL-2.0
/*
 * Finding the slot behind a guest-physical address.  Kept apart from
 * ioctl/memslot.c, which changes the slots, because the EPT fault and the
 * vCPU's guest-memory access look slots up too and must not reach up into
 * the API to do it.
 */
#include "vm.h"

struct kvmini_slot *kvmini_find_slot(struct kvmini_vm *vm, u64 gpa)
{
	int i;

	for (i = 0; i < KVMINI_MAX_SLOTS; i++) {
		struct kvmini_slot *s = &vm->slots[i];

		if (s->size && gpa >= s->gpa && gpa - s->gpa < s->size)
			return s;
	}
	return NULL;
}
