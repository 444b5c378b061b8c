// SPDX-License-Identifier: GPL-2.0
/*
 * EPT tables.  Walks and changes happen under the VM's mmu_lock, a
 * spinlock, so nothing here sleeps: new tables come from the caller's
 * ept_cache.  Removing leaves is followed by INVEPT on every CPU that may
 * cache them before the caller lets go of the memory behind them,
 * because INVEPT only affects the CPU that executes it (SDM Vol. 3C
 * 29.4.3.1).  Those are the CPUs where a vCPU of the VM has its VMCS
 * loaded: a vCPU that comes to a CPU flushes there first, as KVM's does,
 * so a CPU it left may keep stale entries that nothing uses.
 */
#include <linux/gfp.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/page-flags.h>
#include <linux/sched.h>
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

/*
 * A leaf the MMU notifier took away: not present (the CPU ignores every
 * other bit of an entry without R, W and X), so the next touch faults,
 * and that fault counts as a refault.  A software bit the CPU ignores.
 */
#define EPT_ZAPPED		BIT_ULL(52)

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

static unsigned long ept_pfn_of(u64 entry)
{
	return (entry & EPT_ADDR_MASK) >> PAGE_SHIFT;
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
	if (!zalloc_cpumask_var(&ept->cpus, GFP_KERNEL_ACCOUNT))
		return -ENOMEM;
	ept->pml4 = kvmini_alloc_page();
	if (!ept->pml4) {
		free_cpumask_var(ept->cpus);
		return -ENOMEM;
	}
	ept->table_pages = 1;
	ept->mapped_pages = 0;
	ept->mapped_2m = 0;
	ept->eptp = virt_to_phys(ept->pml4) | EPTP_WB | EPTP_WALK_4;
	return 0;
}

/* Fills @cache; may sleep, so never under mmu_lock.  Return: 0 or -ENOMEM. */
int ept_cache_topup(struct ept_cache *cache)
{
	while (cache->nr < EPT_CACHE_PAGES) {
		void *page = kvmini_alloc_page();

		if (!page)
			return -ENOMEM;
		cache->pages[cache->nr++] = page;
	}
	return 0;
}

void ept_cache_free(struct ept_cache *cache)
{
	while (cache->nr)
		kvmini_free_page(cache->pages[--cache->nr]);
}

/*
 * The table @entry points to, linking one from @cache when @entry holds
 * none and @cache is given.  NULL when there is none (or the cache ran
 * dry) and when @entry is a 2 MiB leaf.
 */
static u64 *ept_descend(struct kvmini_ept *ept, struct ept_cache *cache, u64 *entry)
{
	u64 old = READ_ONCE(*entry);
	u64 *next;

	if (ept_present(old))
		return ept_is_2m(old) ? NULL : ept_table_of(old);
	if (!cache || !cache->nr)
		return NULL;
	next = cache->pages[--cache->nr];
	ept->table_pages++;
	/* A zap freed the table that was here: its marks come back for every page. */
	if (old & EPT_ZAPPED)
		memset64(next, EPT_ZAPPED, 512);
	/* The hardware may walk it as soon as it is linked. */
	WRITE_ONCE(*entry, virt_to_phys(next) | EPT_TABLE);
	return next;
}

/* The level-2 entry for @gpa, linking the levels above from @cache if given. */
static u64 *ept_pde(struct kvmini_ept *ept, struct ept_cache *cache, u64 gpa)
{
	u64 *table = ept->pml4;
	int level;

	for (level = 4; level > 2; level--) {
		table = ept_descend(ept, cache, &table[ept_index(gpa, level)]);
		if (!table)
			return NULL;
	}
	return &table[ept_index(gpa, 2)];
}

/*
 * Sets the leaf at @entry to map @pfn.  A present leaf may only gain
 * write access to the same page: that needs no flush, the CPU refetches
 * an entry that faulted.  Anything else there means the VMM's mapping
 * changed without the notifier's zap, a kvmini bug.
 */
static int ept_set_leaf(u64 *entry, u64 bits, unsigned long pfn)
{
	u64 old = READ_ONCE(*entry);

	if (ept_present(old)) {
		if (WARN_ON_ONCE(ept_pfn_of(old) != pfn))
			return -EEXIST;
		WRITE_ONCE(*entry, old | (bits & EPT_WRITE));
		return 1;
	}
	WRITE_ONCE(*entry, ((u64)pfn << PAGE_SHIFT) | bits);
	return 0;
}

/**
 * ept_map - map one 4 KiB guest page, or let it be written
 * @ept: the VM's tables
 * @cache: the vCPU's table pages
 * @gpa: the guest-physical address (page aligned, below EPT_MAX_GPA)
 * @pfn: the host page
 * @writable: writable and executable, or only readable and executable
 *
 * Return: 0; -EEXIST when a 2 MiB leaf maps @gpa; -ENOMEM when @cache ran
 * dry.
 */
int ept_map(struct kvmini_ept *ept, struct ept_cache *cache, u64 gpa, unsigned long pfn,
	    bool writable)
{
	u64 *pde = ept_pde(ept, cache, gpa);
	u64 *table;
	int r;

	if (!pde)
		return -ENOMEM;
	if (ept_is_2m(READ_ONCE(*pde)))
		return -EEXIST;
	table = ept_descend(ept, cache, pde);
	if (!table)
		return -ENOMEM;
	r = ept_set_leaf(&table[ept_index(gpa, 1)], ept_leaf_bits(writable), pfn);
	if (r)
		return r < 0 ? r : 0;
	ept->mapped_pages++;
	kvmini_mem_mapped(1);
	return 0;
}

/**
 * ept_map_2m - map 2 MiB of guest memory with one leaf, or let it be written
 * @ept: the VM's tables
 * @cache: the vCPU's table pages
 * @gpa: the guest-physical address (2 MiB aligned, below EPT_MAX_GPA)
 * @pfn: the first of EPT_PAGES_2M physically contiguous host pages, 2 MiB
 *       aligned
 * @writable: writable and executable, or only readable and executable
 *
 * Return: 0; -EEXIST when a table is there; -ENOMEM when @cache ran dry.
 */
int ept_map_2m(struct kvmini_ept *ept, struct ept_cache *cache, u64 gpa, unsigned long pfn,
	       bool writable)
{
	u64 *pde = ept_pde(ept, cache, gpa);
	u64 e;
	int r;

	if (WARN_ON_ONCE(!IS_ALIGNED(gpa, SZ_2M) || !IS_ALIGNED(pfn, EPT_PAGES_2M)))
		return -EINVAL;
	if (!pde)
		return -ENOMEM;
	e = READ_ONCE(*pde);
	if (ept_present(e) && !ept_is_2m(e))
		return -EEXIST;
	r = ept_set_leaf(pde, EPT_LARGE | ept_leaf_bits(writable), pfn);
	if (r)
		return r < 0 ? r : 0;
	ept->mapped_2m++;
	kvmini_mem_mapped(EPT_PAGES_2M);
	return 0;
}

/**
 * ept_probe - what the EPT holds for @gpa, in one walk
 * @ept: the VM's tables
 * @gpa: a guest-physical address below EPT_MAX_GPA
 * @write: whether the access needs write permission
 * @p: the answer
 *
 * A level-1 table in @gpa's 2 MiB rules a 2 MiB leaf out (@p->room_2m
 * false): replacing a table by a leaf would need an INVEPT before the
 * table could be freed.  A zap that empties a whole table frees it
 * (ept_zap_range()), so a region the guest first saw in 4 KiB pieces can
 * become one leaf after, say, khugepaged collapsed the VMM's pages.
 */
void ept_probe(struct kvmini_ept *ept, u64 gpa, bool write, struct ept_probe *p)
{
	u64 *pde = ept_pde(ept, NULL, gpa);
	u64 e = pde ? READ_ONCE(*pde) : 0;
	u64 leaf = e;

	p->room_2m = !ept_present(e) || ept_is_2m(e);
	if (ept_present(e) && !ept_is_2m(e))
		leaf = READ_ONCE(ept_table_of(e)[ept_index(gpa, 1)]);
	p->mapped = ept_present(leaf) && (!write || (leaf & EPT_WRITE));
	p->zapped = leaf & EPT_ZAPPED;
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

/**
 * ept_cpu_enter - a vCPU of the VM loads its VMCS on this CPU, where none
 * was loaded; preemption disabled
 * @ept: the VM's tables
 *
 * Flushes what this CPU may still cache from an earlier stay: zaps done
 * meanwhile did not flush here.  The mask bit goes first, then a full
 * barrier, so that a zap either sees the bit and flushes here, or wrote
 * its entries before this INVEPT and the walks after it.
 */
void ept_cpu_enter(struct kvmini_ept *ept)
{
	cpumask_set_cpu(smp_processor_id(), ept->cpus);
	/* Pairs with the smp_mb() in ept_flush(). */
	smp_mb__after_atomic();
	ept_flush_this_cpu(&ept->eptp);
}

/* The last vCPU of the VM on this CPU unloaded its VMCS; interrupts off. */
void ept_cpu_leave(struct kvmini_ept *ept)
{
	cpumask_clear_cpu(smp_processor_id(), ept->cpus);
}

/* Waits for the CPUs: the caller may free what the flushed entries mapped. */
static void ept_flush(struct kvmini_ept *ept)
{
	/* Pairs with ept_cpu_enter(): the entries are written, now the mask is read. */
	smp_mb();
	on_each_cpu_mask(ept->cpus, ept_flush_this_cpu, &ept->eptp, 1);
}

/*
 * Takes one leaf away.  A writable leaf may have been written through
 * without the VMM's page table knowing (EPT writes do not set its dirty
 * bit): the page is marked dirty, as KVM does, so that reclaim writes it
 * to swap or file instead of dropping it.  The VMM still maps the page
 * while its notifier runs, so the page is still there to mark.
 */
static void ept_zap_leaf(u64 *entry, u64 old, bool mark)
{
	struct page *page = pfn_to_page(ept_pfn_of(old));

	/* As KVM: a reserved page has no dirty state to keep. */
	if ((old & EPT_WRITE) && !PageReserved(page))
		SetPageDirty(page);
	WRITE_ONCE(*entry, mark ? EPT_ZAPPED : 0);
}

/* Zaps the leaves of one level-1 table in [@gpa, @end); true if it is now empty. */
static bool ept_zap_table(struct kvmini_ept *ept, u64 *table, u64 gpa, u64 end, bool mark,
			  struct ept_zap *zap)
{
	unsigned int i;

	for (i = ept_index(gpa, 1); i < 512 && gpa < end; i++, gpa += PAGE_SIZE) {
		u64 old = READ_ONCE(table[i]);

		if (!ept_present(old))
			continue;
		ept_zap_leaf(&table[i], old, mark);
		ept->mapped_pages--;
		kvmini_mem_mapped(-1);
		zap->leaves_4k++;
		zap->flush = true;
	}
	for (i = 0; i < 512; i++)
		if (ept_present(READ_ONCE(table[i])))
			return false;
	return true;
}

void ept_zap_init(struct ept_zap *zap, spinlock_t *yield)
{
	*zap = (struct ept_zap){ .yield = yield };
	INIT_LIST_HEAD(&zap->tables);
}

/**
 * ept_zap_range - unmap [@gpa, @gpa + @size)
 * @ept: the VM's tables
 * @gpa: start (page aligned)
 * @size: length in bytes (page aligned)
 * @mark: leave a mark, so the next fault there counts as a refault
 * @zap: the zap this is part of; ept_zap_finish() completes it
 *
 * A 2 MiB leaf that the range only partly covers goes whole: the rest
 * faults back in on its next touch.  A level-1 table left empty is
 * unlinked, and freed after the flush, so that its 2 MiB may take a
 * 2 MiB leaf again.  With @zap->yield, the lock is dropped between 2 MiB
 * regions when the CPU is wanted, after a flush of what was zapped so
 * far: the caller must keep faults out of the range meanwhile (the
 * notifier's running range does).
 */
void ept_zap_range(struct kvmini_ept *ept, u64 gpa, u64 size, bool mark, struct ept_zap *zap)
{
	u64 end = min(gpa + size, EPT_MAX_GPA);

	while (gpa < end) {
		u64 next = (gpa | (SZ_2M - 1)) + 1;
		u64 *pde = ept_pde(ept, NULL, gpa);
		u64 e;

		if (!pde) {
			/* No PD here: nothing in this 1 GiB. */
			gpa = (gpa | (SZ_1G - 1)) + 1;
			continue;
		}
		e = READ_ONCE(*pde);
		if (ept_is_2m(e)) {
			ept_zap_leaf(pde, e, mark);
			ept->mapped_2m--;
			kvmini_mem_mapped(-(long)EPT_PAGES_2M);
			zap->leaves_2m++;
			zap->flush = true;
		} else if (ept_present(e) &&
			   ept_zap_table(ept, ept_table_of(e), gpa, end, mark, zap)) {
			/* Its marks become one for the whole 2 MiB. */
			WRITE_ONCE(*pde, mark ? EPT_ZAPPED : 0);
			list_add(&virt_to_page(ept_table_of(e))->lru, &zap->tables);
			zap->flush = true;
		}
		gpa = next;
		if (zap->yield && gpa < end && (need_resched() || spin_needbreak(zap->yield))) {
			/*
			 * Flushed first: another zap meanwhile finds these
			 * entries not present, does not flush for them, and
			 * lets the mm free their pages.
			 */
			ept_zap_finish(ept, zap);
			spin_unlock(zap->yield);
			cond_resched();
			spin_lock(zap->yield);
		}
	}
}

/*
 * When this returns, no CPU can reach what the zap's ranges mapped
 * through this EPT.
 */
void ept_zap_finish(struct kvmini_ept *ept, struct ept_zap *zap)
{
	struct page *p, *tmp;

	if (zap->flush)
		ept_flush(ept);
	list_for_each_entry_safe(p, tmp, &zap->tables, lru) {
		list_del(&p->lru);
		kvmini_free_page(page_address(p));
		ept->table_pages--;
	}
	zap->flush = false;
}

/**
 * ept_wrprotect_mask - let the guest read, not write, some pages, for dirty logging
 * @ept: the VM's tables
 * @gpa: the first page's guest-physical address (page aligned)
 * @mask: bit i stands for the page at @gpa + i pages
 * @zap: the zap this is part of: ept_zap_finish() flushes
 *
 * The guest's next write to such a page faults, and the fault maps it
 * writable again and marks it dirty (fault.c).  A leaf that loses its
 * write permission may have been written through: its page is marked
 * dirty for reclaim, as when it is zapped.  A dirty-logged slot has no
 * 2 MiB leaf (its faults map 4 KiB); one found anyway goes whole.
 */
void ept_wrprotect_mask(struct kvmini_ept *ept, u64 gpa, unsigned long mask, struct ept_zap *zap)
{
	unsigned int bit;

	for_each_set_bit(bit, &mask, BITS_PER_LONG) {
		u64 addr = gpa + ((u64)bit << PAGE_SHIFT);
		u64 *pde = addr < EPT_MAX_GPA ? ept_pde(ept, NULL, addr) : NULL;
		u64 e, *leaf, old;
		struct page *page;

		if (!pde)
			continue;
		e = READ_ONCE(*pde);
		if (WARN_ON_ONCE(ept_is_2m(e))) {
			ept_zap_range(ept, addr, PAGE_SIZE, false, zap);
			continue;
		}
		if (!ept_present(e))
			continue;
		leaf = &ept_table_of(e)[ept_index(addr, 1)];
		old = READ_ONCE(*leaf);
		if (!ept_present(old) || !(old & EPT_WRITE))
			continue;
		page = pfn_to_page(ept_pfn_of(old));
		if (!PageReserved(page))
			SetPageDirty(page);
		WRITE_ONCE(*leaf, old & ~EPT_WRITE);
		zap->flush = true;
	}
}

static void ept_free_table(struct kvmini_ept *ept, u64 *table, int level)
{
	unsigned int i;

	for (i = 0; i < 512; i++) {
		u64 e = table[i];

		if (!ept_present(e))
			continue;
		if (level == 2 && ept_is_2m(e)) {
			ept->mapped_2m--;
			kvmini_mem_mapped(-(long)EPT_PAGES_2M);
		} else if (level == 1) {
			ept->mapped_pages--;
			kvmini_mem_mapped(-1);
		} else {
			ept_free_table(ept, ept_table_of(e), level - 1);
		}
	}
	kvmini_free_page(table);
	ept->table_pages--;
}

/*
 * The VM is gone: no vCPU enters with these tables any more, but CPUs may
 * still cache their translations.  Flushed before anything is freed: a
 * later VM may get the same root page, hence the same EPTP.  The leaves
 * hold no pages; the MMU notifier is gone before this runs, and took
 * them away already if the VMM's memory went first.
 */
void ept_destroy(struct kvmini_ept *ept)
{
	if (!ept->pml4)
		return;
	on_each_cpu(ept_flush_this_cpu, &ept->eptp, 1);
	ept_free_table(ept, ept->pml4, 4);
	ept->pml4 = NULL;
	free_cpumask_var(ept->cpus);
}
