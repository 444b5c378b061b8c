// SPDX-License-Identifier: GPL-2.0
/*
 * Faulting guest RAM in.  A touch of guest RAM looks up the VMM's page
 * behind it (faulting it in, breaking copy-on-write for a write) and maps
 * it, with a 2 MiB leaf when the VMM maps the whole 2 MiB with one huge
 * page.  No reference is kept: the lookup's is dropped once the leaf is
 * in, and the MMU notifier (vm/notifier.c) takes the leaf away before the
 * VMM's mapping changes.  The retry protocol makes the two meet safely:
 * the fault reads mmu_seq, looks up, and maps only if under mmu_lock no
 * invalidation has run or is running on its address since.
 *
 * A touch of an address with no RAM, or a write to a read-only slot, is
 * not mapped: the exit handler (vmx/ept_exit.c) makes it MMIO.
 */
#include <linux/kvm.h>
#include <linux/mm.h>
#include <linux/pgtable.h>

#include "ept.h"
#include "../vm/vm.h"
#include "../vmx/vmx.h"

/*
 * Whether the 2 MiB holding @gpa may take a 2 MiB leaf, the VMM's memory
 * and the EPT aside: it lies wholly in @s, the slot's userspace address
 * has the same offset in a 2 MiB page as its guest-physical one (so the
 * 2 MiB of guest memory is 2 MiB of the VMM's, aligned), and the CPU can
 * map 2 MiB.
 */
static bool slot_allows_2m(const struct kvmini_slot *s, u64 gpa)
{
	u64 base = ALIGN_DOWN(gpa, SZ_2M);

	return vmx_has_ept_2m(&kvmini_caps) &&
	       base >= s->gpa && base + SZ_2M - s->gpa <= s->size &&
	       IS_ALIGNED(s->hva - s->gpa, SZ_2M);
}

/*
 * Whether the VMM maps @hva with a leaf of 2 MiB or more (THP, or
 * hugetlbfs), read as GUP-fast and KVM's host_pfn_mapping_level() read
 * it: without the mmap lock, with interrupts off so that no page table is
 * freed under the walk.  Only a hint: an invalidation between the lookup
 * and the mapping moves mmu_seq, and the fault goes again.
 */
static bool host_maps_2m(struct mm_struct *mm, unsigned long hva)
{
	unsigned long flags;
	bool huge = false;
	pgd_t pgd;
	p4d_t p4d;
	pud_t pud;
	pmd_t pmd;

	local_irq_save(flags);
	pgd = READ_ONCE(*pgd_offset(mm, hva));
	if (pgd_none(pgd) || !pgd_present(pgd))
		goto out;
	p4d = READ_ONCE(*p4d_offset(&pgd, hva));
	if (p4d_none(p4d) || !p4d_present(p4d))
		goto out;
	pud = READ_ONCE(*pud_offset(&p4d, hva));
	if (pud_none(pud) || !pud_present(pud))
		goto out;
	if (pud_leaf(pud)) {
		huge = true;
		goto out;
	}
	pmd = READ_ONCE(*pmd_offset(&pud, hva));
	huge = pmd_present(pmd) && pmd_leaf(pmd);
out:
	local_irq_restore(flags);
	return huge;
}

/*
 * The VMM's page at @hva, with a reference the caller drops.  Writable
 * only where the VMM's mapping is already writable, or @write asks for
 * it: a read of a copy-on-write page maps it read-only, and the guest's
 * first write comes back here to break the sharing, as on KVM.
 */
static struct page *lookup_page(unsigned long hva, bool write, bool may_write,
				bool *writable)
{
	struct page *page;

	*writable = may_write;
	if (may_write && get_user_page_fast_only(hva, FOLL_WRITE, &page))
		return page;
	*writable = write;
	if (get_user_pages_unlocked(hva, 1, &page, write ? FOLL_WRITE : 0) != 1)
		return NULL;
	return page;
}

/* Whether an invalidation ran, or runs, on @hva since @seq was read. */
static bool must_retry(struct kvmini_vm *vm, unsigned long seq, unsigned long hva)
{
	if (vm->mmu_inval_running && hva >= vm->mmu_inval_start && hva < vm->mmu_inval_end)
		return true;
	return vm->mmu_seq != seq;
}

/**
 * ept_fault_in() - map the guest RAM behind @gpa, on a vCPU's EPT violation
 * @vm: the vCPU's VM; takes its mmu_lock
 * @cache: the vCPU's table pages
 * @gpa: the guest-physical address the guest touched
 * @write: whether the access was a write
 *
 * Return: 1 when the guest may go on (mapped, mapped meanwhile, or raced
 * with an invalidation: the guest's access faults again), 0 when there is
 * no RAM there for this access (no slot, or a write to a read-only one:
 * MMIO), or -errno (-EFAULT when the VMM's memory behind the slot is not
 * accessible, -ENOMEM).
 */
int ept_fault_in(struct kvmini_vm *vm, struct ept_cache *cache, u64 gpa, bool write)
{
	bool readonly, logging, writable, huge, zapped;
	struct ept_probe probe;
	struct kvmini_slot *s;
	unsigned long hva, seq;
	struct page *page;
	u64 base;
	int r;

	if (ept_cache_topup(cache))
		return -ENOMEM;

	spin_lock(&vm->mmu_lock);
	s = gpa < EPT_MAX_GPA ? kvmini_find_slot(vm, gpa) : NULL;
	readonly = s && (s->flags & KVM_MEM_READONLY);
	logging = s && s->dirty_bitmap;
	if (!s || (write && readonly)) {
		spin_unlock(&vm->mmu_lock);
		return 0;
	}
	ept_probe(&vm->ept, gpa, write, &probe);
	if (probe.mapped) {
		spin_unlock(&vm->mmu_lock);
		return 1;
	}
	/*
	 * What the probe saw holds at the mapping if mmu_seq has not moved
	 * by then, but for another vCPU's mapping meanwhile, which
	 * ept_map() and ept_map_2m() take into account.
	 */
	zapped = probe.zapped;
	/*
	 * Dirty logging maps 4 KiB and lets the guest write only what it
	 * writes now, so each page's first write since the log was read
	 * comes here and is counted.
	 */
	huge = probe.room_2m && !logging && slot_allows_2m(s, gpa);
	hva = s->hva + (gpa & PAGE_MASK) - s->gpa;
	seq = vm->mmu_seq;
	spin_unlock(&vm->mmu_lock);
	/* The lookup must see the VMM's page tables as of @seq or later. */
	smp_rmb();

	page = lookup_page(hva, write, !readonly && !logging, &writable);
	if (!page)
		return -EFAULT;
	huge = huge && host_maps_2m(vm->mm, hva);

	spin_lock(&vm->mmu_lock);
	if (must_retry(vm, seq, hva)) {
		vm->mmu_stats.mmu_fault_retries++;
		r = 1;
		goto out_unlock;
	}
	if (zapped)
		vm->mmu_stats.mmu_refaults++;
	/* Logging turned on or off since moved mmu_seq: @s is as it was. */
	if (writable)
		kvmini_slot_mark_dirty(s, gpa);
	/*
	 * A huge mapping is 2 MiB (or 1 GiB) of physically contiguous,
	 * aligned memory, and the slot keeps 2 MiB alignment: the 2 MiB
	 * holding the page is the 2 MiB holding @gpa.
	 */
	base = ALIGN_DOWN(gpa, SZ_2M);
	if (huge && !ept_map_2m(&vm->ept, cache, base,
				ALIGN_DOWN(page_to_pfn(page), EPT_PAGES_2M), writable)) {
		r = 1;
		goto out_unlock;
	}
	r = ept_map(&vm->ept, cache, gpa & PAGE_MASK, page_to_pfn(page), writable);
	r = r == -EEXIST ? 1 : r ? r : 1;
out_unlock:
	spin_unlock(&vm->mmu_lock);
	put_page(page);
	return r;
}
