// SPDX-License-Identifier: GPL-2.0
/*
 * EPT tables.  A table page, once linked, stays until the VM goes, so a
 * walk under mmu_lock never races with a free; leaves come and go with the
 * memslots.  Removing a leaf is followed by INVEPT on every CPU, because
 * INVEPT only affects the CPU that executes it (SDM Vol. 3C 29.4.3.1) and
 * any CPU may have run one of the VM's vCPUs; only then is its page
 * unpinned.
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/smp.h>
#include <asm/io.h>

#include "ept.h"
#include "../vm/mem.h"
#include "../vmx/vmx.h"
#include "../vmx/vmx_ops.h"

/* EPT entry bits, SDM Vol. 3C 29.3.2 */
#define EPT_READ		BIT_ULL(0)
#define EPT_WRITE		BIT_ULL(1)
#define EPT_EXEC		BIT_ULL(2)
#define EPT_MEMTYPE_SHIFT	3
#define EPT_IPAT		BIT_ULL(6)	/* the guest's PAT does not change the type */
#define EPT_LARGE		BIT_ULL(7)	/* in a level-2 entry: it maps 2 MiB */
#define EPT_ADDR_MASK		GENMASK_ULL(51, 12)
#define EPT_RWX			(EPT_READ | EPT_WRITE | EPT_EXEC)

/*
 * A leaf being removed: not present any more (the CPU ignores every other
 * bit then), but its page stays pinned until every CPU has flushed what it
 * cached of it.  Software bits, in a range the CPU ignores.
 */
#define EPT_ZAPPED		BIT_ULL(52)
#define EPT_ZAPPED_WRITABLE	BIT_ULL(53)

#define EPT_TABLE		(EPT_READ | EPT_WRITE | EPT_EXEC)
#define EPT_LEAF_WB		((u64)MEMTYPE_WB << EPT_MEMTYPE_SHIFT)

/* EPTP, SDM Vol. 3C 25.6.11: memory type WB, walk length 4 (encoded as 3). */
#define EPTP_WB			6ULL
#define EPTP_WALK_4		(3ULL << 3)

static inline unsigned int ept_index(u64 gpa, int level)
{
	return (gpa >> (12 + 9 * (level - 1))) & 511;
}

static u64 *ept_table_of(u64 entry)
{
	return phys_to_virt(entry & EPT_ADDR_MASK);
}

/* kvmini marks every present entry readable: execute-only is never used. */
static inline bool ept_present(u64 entry)
{
	return entry & EPT_READ;
}

static inline bool ept_is_2m(u64 entry)
{
	return ept_present(entry) && (entry & EPT_LARGE);
}

/*
 * Guest RAM is the VMM's write-back memory: with IPAT the guest's PAT
 * cannot make the host's cache lines uncachable, as in KVM.
 */
static u64 ept_leaf_bits(bool writable)
{
	return EPT_LEAF_WB | EPT_IPAT | EPT_READ | EPT_EXEC | (writable ? EPT_WRITE : 0);
}

int ept_init(struct kvmini_ept *ept)
{
	ept->pml4 = kvmini_alloc_page();
	if (!ept->pml4)
		return -ENOMEM;
	ept->table_pages = 1;
	ept->mapped_pages = 0;
	ept->mapped_2m = 0;
	ept->eptp = virt_to_phys(ept->pml4) | EPTP_WB | EPTP_WALK_4;
	return 0;
}

/*
 * The table @entry points to, linking a new one when @entry is empty and
 * @alloc.  NULL when there is none (or no memory for one) and when @entry
 * is a 2 MiB leaf.
 */
static u64 *ept_descend(struct kvmini_ept *ept, u64 *entry, bool alloc)
{
	u64 old = READ_ONCE(*entry);
	u64 *next;

	if (ept_present(old))
		return ept_is_2m(old) ? NULL : ept_table_of(old);
	if (!alloc)
		return NULL;
	next = kvmini_alloc_page();
	if (!next)
		return NULL;
	ept->table_pages++;
	/* The hardware may walk it as soon as it is linked. */
	WRITE_ONCE(*entry, virt_to_phys(next) | EPT_TABLE);
	return next;
}

/* The level-2 entry for @gpa, allocating the levels above when @alloc. */
static u64 *ept_pde(struct kvmini_ept *ept, u64 gpa, bool alloc)
{
	u64 *table = ept->pml4;
	int level;

	for (level = 4; level > 2; level--) {
		table = ept_descend(ept, &table[ept_index(gpa, level)], alloc);
		if (!table)
			return NULL;
	}
	return &table[ept_index(gpa, 2)];
}

/**
 * ept_map - map one 4 KiB guest page
 * @ept: the VM's tables
 * @gpa: the guest-physical address (page aligned, below EPT_MAX_GPA)
 * @page: a pinned page; the mapping owns the pin from now on
 * @writable: writable and executable, or only readable and executable
 *
 * Return: 0; -EEXIST when @gpa is mapped already, by a 4 KiB or a 2 MiB
 * leaf (the pin is not taken); -ENOMEM.
 */
int ept_map(struct kvmini_ept *ept, u64 gpa, struct page *page, bool writable)
{
	u64 *pde = ept_pde(ept, gpa, true);
	u64 *table, *entry;

	if (!pde)
		return -ENOMEM;
	if (ept_is_2m(READ_ONCE(*pde)))
		return -EEXIST;
	table = ept_descend(ept, pde, true);
	if (!table)
		return -ENOMEM;
	entry = &table[ept_index(gpa, 1)];
	if (ept_present(READ_ONCE(*entry)))
		return -EEXIST;
	WRITE_ONCE(*entry, page_to_phys(page) | ept_leaf_bits(writable));
	ept->mapped_pages++;
	kvmini_mem_pin(1);
	return 0;
}

/**
 * ept_can_map_2m - whether the 2 MiB holding @gpa could take a 2 MiB leaf
 * @ept: the VM's tables
 * @gpa: a guest-physical address below EPT_MAX_GPA
 *
 * A level-1 table there, even an empty one, rules it out: replacing a
 * table by a leaf would need an INVEPT before the table could be freed.
 */
bool ept_can_map_2m(struct kvmini_ept *ept, u64 gpa)
{
	u64 *pde = ept_pde(ept, gpa, false);

	return !pde || !ept_present(READ_ONCE(*pde));
}

/**
 * ept_map_2m - map 2 MiB of guest memory with one leaf
 * @ept: the VM's tables
 * @gpa: the guest-physical address (2 MiB aligned, below EPT_MAX_GPA)
 * @head: the first of EPT_PAGES_2M physically contiguous pages, 2 MiB
 *        aligned, each pinned; the mapping owns the pins from now on
 * @writable: writable and executable, or only readable and executable
 *
 * Return: 0; -EEXIST when anything maps part of the 2 MiB already (the
 * pins are not taken); -ENOMEM.
 */
int ept_map_2m(struct kvmini_ept *ept, u64 gpa, struct page *head, bool writable)
{
	u64 *pde = ept_pde(ept, gpa, true);

	if (WARN_ON_ONCE(!IS_ALIGNED(gpa, SZ_2M) || !IS_ALIGNED(page_to_phys(head), SZ_2M)))
		return -EINVAL;
	if (!pde)
		return -ENOMEM;
	if (ept_present(READ_ONCE(*pde)))
		return -EEXIST;
	WRITE_ONCE(*pde, page_to_phys(head) | EPT_LARGE | ept_leaf_bits(writable));
	ept->mapped_2m++;
	kvmini_mem_pin(EPT_PAGES_2M);
	return 0;
}

bool ept_mapped(struct kvmini_ept *ept, u64 gpa)
{
	u64 *pde = ept_pde(ept, gpa, false);
	u64 entry;

	if (!pde)
		return false;
	entry = READ_ONCE(*pde);
	if (!ept_present(entry))
		return false;
	if (ept_is_2m(entry))
		return true;
	return ept_present(READ_ONCE(ept_table_of(entry)[ept_index(gpa, 1)]));
}

/* Gives back the pin(s) of a leaf no CPU can use any more. */
static void ept_release_leaf(struct kvmini_ept *ept, u64 old, bool is_2m, bool dirty)
{
	struct page *page = pfn_to_page((old & EPT_ADDR_MASK) >> PAGE_SHIFT);
	unsigned long n = is_2m ? EPT_PAGES_2M : 1;

	/* The guest may have written it: tell the page cache or swap. */
	unpin_user_page_range_dirty_lock(page, n, dirty);
	if (is_2m)
		ept->mapped_2m--;
	else
		ept->mapped_pages--;
	kvmini_mem_pin(-(long)n);
}

static void ept_flush_this_cpu(void *eptp)
{
	if (!vmx_root_this_cpu_on())
		return;
	if (vmx_has_invept_single(&kvmini_caps))
		vmx_invept(INVEPT_SINGLE_CONTEXT, *(u64 *)eptp);
	else
		vmx_invept(INVEPT_ALL_CONTEXT, 0);
}

void ept_flush_all_cpus(struct kvmini_ept *ept)
{
	on_each_cpu(ept_flush_this_cpu, &ept->eptp, 1);
}

enum leaf_step { LEAF_ZAP, LEAF_RELEASE };

/* One leaf through one step of ept_unmap_range(); true when it had one to take. */
static bool ept_leaf_step(struct kvmini_ept *ept, u64 *entry, bool is_2m, enum leaf_step step)
{
	u64 old = READ_ONCE(*entry);

	if (step == LEAF_ZAP) {
		if (!ept_present(old))
			return false;
		WRITE_ONCE(*entry, (old & ~EPT_RWX) | EPT_ZAPPED |
				   (old & EPT_WRITE ? EPT_ZAPPED_WRITABLE : 0));
		return true;
	}
	if (!(old & EPT_ZAPPED))
		return false;
	WRITE_ONCE(*entry, 0);
	ept_release_leaf(ept, old, is_2m, old & EPT_ZAPPED_WRITABLE);
	return true;
}

/* Applies @step to every leaf in [@gpa, @end), 2 MiB ones included. */
static bool ept_range_step(struct kvmini_ept *ept, u64 gpa, u64 end, enum leaf_step step)
{
	u64 start = gpa;
	bool any = false;

	while (gpa < end) {
		u64 next = (gpa | (SZ_2M - 1)) + 1;
		u64 *pde = ept_pde(ept, gpa, false);
		u64 e = pde ? READ_ONCE(*pde) : 0;
		u64 *table;
		unsigned int i;

		/* A 2 MiB leaf, present or zapped: no table is ever marked so. */
		if (e & EPT_LARGE) {
			/*
			 * Were it to straddle, unmapping all of it is still
			 * safe: the rest faults back in on its next touch.
			 */
			WARN_ON_ONCE(next - SZ_2M < start || next > end);
			any |= ept_leaf_step(ept, pde, true, step);
		} else if (ept_present(e)) {
			table = ept_table_of(e);
			for (i = ept_index(gpa, 1); i < 512 && gpa < end; i++, gpa += PAGE_SIZE)
				any |= ept_leaf_step(ept, &table[i], false, step);
			continue;
		}
		gpa = next;
	}
	return any;
}

/**
 * ept_unmap_range - unmap a range, flush every CPU's cached translations
 * of this EPT, then unpin its pages
 * @ept: the VM's tables
 * @gpa: start of the range (page aligned)
 * @size: its length in bytes (page aligned)
 *
 * The range is a whole slot, and a 2 MiB leaf lies inside one slot, so
 * no 2 MiB leaf straddles the range's ends.
 */
void ept_unmap_range(struct kvmini_ept *ept, u64 gpa, u64 size)
{
	u64 end = min(gpa + size, EPT_MAX_GPA);

	/*
	 * A vCPU running on another CPU may still write through a cached
	 * translation until INVEPT has run there: a page goes back to the
	 * VMM (and maybe the allocator) only after every CPU flushed.
	 */
	if (!ept_range_step(ept, gpa, end, LEAF_ZAP))
		return;
	ept_flush_all_cpus(ept);
	ept_range_step(ept, gpa, end, LEAF_RELEASE);
}

static void ept_free_table(struct kvmini_ept *ept, u64 *table, int level)
{
	unsigned int i;

	for (i = 0; i < 512; i++) {
		if (!ept_present(table[i]))
			continue;
		if (level == 1 || (level == 2 && ept_is_2m(table[i])))
			ept_release_leaf(ept, table[i], level == 2, table[i] & EPT_WRITE);
		else
			ept_free_table(ept, ept_table_of(table[i]), level - 1);
	}
	kvmini_free_page(table);
	ept->table_pages--;
}

/*
 * The VM is gone: no vCPU enters with these tables any more, but CPUs may
 * still cache their translations.  Flushed before anything is freed: a
 * page given back could be written through them, and a later VM may get
 * the same root page, hence the same EPTP.
 */
void ept_destroy(struct kvmini_ept *ept)
{
	if (!ept->pml4)
		return;
	ept_flush_all_cpus(ept);
	ept_free_table(ept, ept->pml4, 4);
	ept->pml4 = NULL;
}
