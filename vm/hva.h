/* SPDX-License-Identifier: GPL-2.0 */
/*
 * From a range of the VMM's addresses to the guest-physical range of one
 * slot it touches: what the MMU notifier (notifier.c) zaps.  Pure, so
 * the host-side unit tests (tests/unit/test_hva.c) check its edges.
 */
#ifndef KVMINI_VM_HVA_H
#define KVMINI_VM_HVA_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdbool.h>
#include <stdint.h>
typedef uint64_t u64;
#endif

#define HVA_PAGE_SIZE	4096UL

/**
 * hva_to_slot_range - the guest-physical part of a slot that VMM addresses
 * [@start, @end) cover
 * @slot_gpa: the slot's guest-physical start
 * @slot_size: its size in bytes (page multiple, not 0)
 * @slot_hva: the VMM address behind @slot_gpa (page aligned)
 * @start: first VMM address of the range
 * @end: one past its last (ULONG_MAX: to the end of the address space)
 * @gpa: where the covered part starts
 * @len: its length in bytes
 *
 * The covered part is widened to whole pages: zapping more than asked is
 * safe, less is not.  Return: whether the range touches the slot.
 */
static inline bool hva_to_slot_range(u64 slot_gpa, u64 slot_size, unsigned long slot_hva,
				     unsigned long start, unsigned long end, u64 *gpa, u64 *len)
{
	unsigned long slot_end = slot_hva + slot_size;
	unsigned long lo, hi;

	if (start >= end || end <= slot_hva || start >= slot_end)
		return false;
	lo = start > slot_hva ? start & ~(HVA_PAGE_SIZE - 1) : slot_hva;
	hi = end < slot_end ? end : slot_end;
	if (hi & (HVA_PAGE_SIZE - 1))
		hi = (hi | (HVA_PAGE_SIZE - 1)) + 1;
	*gpa = slot_gpa + (lo - slot_hva);
	*len = hi - lo;
	return true;
}

#endif /* KVMINI_VM_HVA_H */
