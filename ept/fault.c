// SPDX-License-Identifier: GPL-2.0
/*
 * Faulting guest RAM in: the first touch of a page of guest RAM pins the
 * VMM's page behind it and maps it, or all of the VMM's huge page when it
 * can be mapped whole (fewer faults, fewer tables, fewer TLB misses).  A
 * touch of an address with no RAM, or a write to a read-only slot, is not
 * mapped: the exit handler (vmx/ept_exit.c) makes it MMIO for userspace.
 */
#include <linux/kvm.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "ept.h"
#include "../vm/vm.h"
#include "../vmx/vmx.h"

/*
 * Whether the 2 MiB holding @gpa may take a 2 MiB leaf, the VMM's memory
 * aside: it lies wholly in @s, the slot's userspace address has the same
 * offset in a 2 MiB page as its guest-physical one (so the 2 MiB of guest
 * memory is 2 MiB of the VMM's, aligned), the CPU can map 2 MiB, and no
 * 4 KiB leaf is in the way.
 */
static bool can_map_2m(struct kvmini_vm *vm, struct kvmini_slot *s, u64 gpa)
{
	u64 base = ALIGN_DOWN(gpa, SZ_2M);

	return vmx_has_ept_2m(&kvmini_caps) &&
	       base >= s->gpa && base + SZ_2M - s->gpa <= s->size &&
	       IS_ALIGNED(s->hva - s->gpa, SZ_2M) &&
	       ept_can_map_2m(&vm->ept, base);
}

/* Whether @page belongs to a 2 MiB huge page (THP or hugetlbfs). */
static bool in_huge_2m(struct page *page)
{
	return folio_nr_pages(page_folio(page)) == EPT_PAGES_2M;
}

/*
 * Pins the VMM's 2 MiB behind the 2 MiB of @s holding @gpa and maps it
 * with one leaf.  Return: 0, or -errno when it cannot (nothing is pinned
 * or mapped then, and a 4 KiB leaf will do).
 */
static int map_2m(struct kvmini_vm *vm, struct kvmini_slot *s, u64 gpa, bool readonly)
{
	u64 base = ALIGN_DOWN(gpa, SZ_2M);
	struct page **pages;
	struct folio *folio;
	int n, i, r = -EAGAIN;

	pages = kmalloc_array(EPT_PAGES_2M, sizeof(*pages), GFP_KERNEL_ACCOUNT);
	if (!pages)
		return -ENOMEM;
	n = pin_user_pages_fast(s->hva + (base - s->gpa), EPT_PAGES_2M,
				(readonly ? 0 : FOLL_WRITE) | FOLL_LONGTERM, pages);
	if (n != EPT_PAGES_2M)
		goto out_unpin;
	/*
	 * The VMM's mapping may have changed since the first page was looked
	 * at: the 2 MiB must still be one huge page, in order.
	 */
	folio = page_folio(pages[0]);
	if (folio_nr_pages(folio) != EPT_PAGES_2M || pages[0] != folio_page(folio, 0))
		goto out_unpin;
	for (i = 1; i < n; i++)
		if (pages[i] != folio_page(folio, i))
			goto out_unpin;
	r = ept_map_2m(&vm->ept, base, pages[0], !readonly);
	if (!r)
		n = 0;		/* the pins are the mapping's now */
out_unpin:
	if (n > 0)
		unpin_user_pages(pages, n);
	kfree(pages);
	return r;
}

/**
 * ept_fault_in() - map the guest RAM behind @gpa, on a vCPU's EPT violation
 * @vm: the vCPU's VM; takes its mmu_lock
 * @gpa: the guest-physical address the guest touched
 * @write: whether the access was a write
 *
 * Return: 1 when mapped (or mapped meanwhile), 0 when there is no RAM there
 * for this access (no slot, or a write to a read-only one: MMIO), or -errno
 * (-EFAULT when the VMM's memory behind the slot is not accessible).
 */
int ept_fault_in(struct kvmini_vm *vm, u64 gpa, bool write)
{
	struct kvmini_slot *s;
	struct page *page;
	bool readonly;
	int r = 0;

	mutex_lock(&vm->mmu_lock);
	s = kvmini_find_slot(vm, gpa);
	if (!s || gpa >= EPT_MAX_GPA)
		goto out_unlock;
	readonly = s->flags & KVM_MEM_READONLY;
	if (write && readonly)
		goto out_unlock;
	r = 1;
	if (ept_mapped(&vm->ept, gpa))
		goto out_unlock;
	/* A long-term pin: the page is the guest's until its slot goes. */
	if (pin_user_pages_fast(s->hva + (gpa & PAGE_MASK) - s->gpa, 1,
				(readonly ? 0 : FOLL_WRITE) | FOLL_LONGTERM, &page) != 1) {
		r = -EFAULT;
		goto out_unlock;
	}
	/*
	 * The page just pinned tells whether the VMM has a huge page here;
	 * pinning all 2 MiB to find out would fault in memory the guest
	 * may never touch.
	 */
	if (in_huge_2m(page) && can_map_2m(vm, s, gpa) && !map_2m(vm, s, gpa, readonly)) {
		unpin_user_page(page);
		goto out_unlock;
	}
	r = ept_map(&vm->ept, gpa & PAGE_MASK, page, !readonly);
	if (r) {
		unpin_user_page(page);
		r = r == -EEXIST ? 1 : r;
	} else {
		r = 1;
	}
out_unlock:
	mutex_unlock(&vm->mmu_lock);
	return r;
}
