// SPDX-License-Identifier: GPL-2.0
/*
 * The MMU notifier: the VMM's mm tells the VM before it unmaps, moves,
 * write-protects or frees any of its memory (munmap, madvise, mremap,
 * fork's copy-on-write, reclaim and swap, migration and compaction, THP
 * split and collapse, KSM), and the VM takes away every EPT leaf that
 * maps the range before the mm goes on.  That is what lets the EPT map
 * guest RAM without holding on to it, as KVM's does (virt/kvm/kvm_main.c).
 *
 * Nothing here sleeps with mmu_lock, a spinlock, held; a long zap drops
 * it now and then where the caller may block, and never where it may not
 * (mmu_notifier_range_blockable() false: the OOM reaper).  The INVEPT
 * IPIs wait with interrupts on, which every caller allows.
 */
#include <linux/lockdep.h>
#include <linux/mmu_notifier.h>
#include <linux/sched/mm.h>

#include "hva.h"
#include "vm.h"

static struct kvmini_vm *vm_of(struct mmu_notifier *mn)
{
	return container_of(mn, struct kvmini_vm, mmu_notifier);
}

/*
 * Zaps every leaf that maps VMM addresses in [@start, @end), then flushes
 * once.  With @may_yield the lock may be dropped on the way, when the
 * caller keeps faults out of the range.  Return: whether any slot
 * overlaps the range.
 */
static bool zap_hva_range(struct kvmini_vm *vm, unsigned long start, unsigned long end,
			  bool mark, bool may_yield, bool *young)
{
	struct ept_zap zap;
	bool hit = false;
	int i;

	lockdep_assert_held(&vm->mmu_lock);
	ept_zap_init(&zap, may_yield ? &vm->mmu_lock : NULL);
	for (i = 0; i < KVMINI_MAX_SLOTS; i++) {
		struct kvmini_slot *s = &vm->slots[i];
		u64 gpa, len;

		if (!s->size || !hva_to_slot_range(s->gpa, s->size, s->hva, start, end, &gpa, &len))
			continue;
		ept_zap_range(&vm->ept, gpa, len, mark, &zap);
		hit = true;
	}
	ept_zap_finish(&vm->ept, &zap);
	vm->mmu_stats.mmu_zapped_4k += zap.leaves_4k;
	vm->mmu_stats.mmu_zapped_2m += zap.leaves_2m;
	if (young)
		*young = zap.leaves_4k || zap.leaves_2m;
	return hit;
}

static int kvmini_mn_invalidate_range_start(struct mmu_notifier *mn,
					    const struct mmu_notifier_range *range)
{
	struct kvmini_vm *vm = vm_of(mn);

	spin_lock(&vm->mmu_lock);
	/*
	 * Faults in the range wait (retry) from here until the matching end;
	 * overlapping invalidations widen one range, as in KVM.
	 */
	if (!vm->mmu_inval_running++) {
		vm->mmu_inval_start = range->start;
		vm->mmu_inval_end = range->end;
	} else {
		vm->mmu_inval_start = min(vm->mmu_inval_start, range->start);
		vm->mmu_inval_end = max(vm->mmu_inval_end, range->end);
	}
	/*
	 * Yielding is safe once the range is running: faults in it retry.
	 * The OOM reaper's calls may not block, and do not.
	 */
	if (zap_hva_range(vm, range->start, range->end, true,
			  mmu_notifier_range_blockable(range), NULL))
		vm->mmu_stats.mmu_invalidations++;
	spin_unlock(&vm->mmu_lock);
	return 0;
}

static void kvmini_mn_invalidate_range_end(struct mmu_notifier *mn,
					   const struct mmu_notifier_range *range)
{
	struct kvmini_vm *vm = vm_of(mn);

	spin_lock(&vm->mmu_lock);
	/* A fault that looked the page up before this must not map it. */
	vm->mmu_seq++;
	if (!WARN_ON_ONCE(!vm->mmu_inval_running))
		vm->mmu_inval_running--;
	spin_unlock(&vm->mmu_lock);
}

/*
 * The mm is being torn down (the VMM exits): nothing of it may stay
 * mapped.  No vCPU can run any more, its threads are gone.
 */
static void kvmini_mn_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct kvmini_vm *vm = vm_of(mn);

	spin_lock(&vm->mmu_lock);
	zap_hva_range(vm, 0, ULONG_MAX, false, true, NULL);
	vm->mmu_seq++;
	spin_unlock(&vm->mmu_lock);
}

/*
 * Reclaim asks whether the guest used these pages lately: the guest's
 * accesses through EPT never set the accessed bit of the VMM's page
 * table.  kvmini runs without EPT A/D bits, so, as KVM does then, a
 * mapped page counts as used and is unmapped: if the guest uses it again
 * it faults back in (a refault), and the next scan sees it mapped, thus
 * used; a page the guest left alone stays unmapped and looks idle.
 */
static int kvmini_mn_clear_flush_young(struct mmu_notifier *mn, struct mm_struct *mm,
				       unsigned long start, unsigned long end)
{
	struct kvmini_vm *vm = vm_of(mn);
	bool young = false;

	spin_lock(&vm->mmu_lock);
	zap_hva_range(vm, start, end, true, false, &young);
	spin_unlock(&vm->mmu_lock);
	return young;
}

/* Whether the guest may have used the page at @address: it is mapped. */
static int kvmini_mn_test_young(struct mmu_notifier *mn, struct mm_struct *mm,
				unsigned long address)
{
	struct kvmini_vm *vm = vm_of(mn);
	struct ept_probe probe = { 0 };
	int i;

	spin_lock(&vm->mmu_lock);
	for (i = 0; i < KVMINI_MAX_SLOTS && !probe.mapped; i++) {
		struct kvmini_slot *s = &vm->slots[i];
		u64 gpa, len;

		if (s->size &&
		    hva_to_slot_range(s->gpa, s->size, s->hva, address, address + 1, &gpa, &len) &&
		    gpa < EPT_MAX_GPA)
			ept_probe(&vm->ept, gpa, false, &probe);
	}
	spin_unlock(&vm->mmu_lock);
	return probe.mapped;
}

static const struct mmu_notifier_ops kvmini_mmu_notifier_ops = {
	.invalidate_range_start	= kvmini_mn_invalidate_range_start,
	.invalidate_range_end	= kvmini_mn_invalidate_range_end,
	.release		= kvmini_mn_release,
	.clear_flush_young	= kvmini_mn_clear_flush_young,
	.clear_young		= kvmini_mn_clear_flush_young,
	.test_young		= kvmini_mn_test_young,
};

/* On the creator's mm (vm->mm), from VM creation; may sleep. */
int kvmini_mmu_notifier_register(struct kvmini_vm *vm)
{
	vm->mmu_notifier.ops = &kvmini_mmu_notifier_ops;
	return mmu_notifier_register(&vm->mmu_notifier, vm->mm);
}

/*
 * Runs ->release if the mm is still there, and waits for every callback
 * in flight: after it, the EPT can go.  May sleep.
 */
void kvmini_mmu_notifier_unregister(struct kvmini_vm *vm)
{
	mmu_notifier_unregister(&vm->mmu_notifier, vm->mm);
}
