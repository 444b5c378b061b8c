// SPDX-License-Identifier: GPL-2.0
/*
 * EPT tables.  A table page, once linked, stays until the VM goes, so a
 * walk under mmu_lock never races with a free; leaves come and go with the
 * memslots.  Removing a leaf is followed by INVEPT on every CPU, because
 * INVEPT only affects the CPU that executes it (SDM Vol. 3C 29.4.3.1) and
 * any CPU may have run one of the VM's vCPUs.
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/smp.h>
#include <asm/io.h>

#include "ept.h"
#include "../ioctl/mem.h"
#include "../vmx/vmx.h"
#include "../vmx/vmx_ops.h"

/* EPT entry bits, SDM Vol. 3C 29.3.2 */
#define EPT_READ		BIT_ULL(0)
#define EPT_WRITE		BIT_ULL(1)
#define EPT_EXEC		BIT_ULL(2)
#define EPT_MEMTYPE_SHIFT	3
#define EPT_ADDR_MASK		GENMASK_ULL(51, 12)

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

int ept_init(struct kvmini_ept *ept)
{
	ept->pml4 = kvmini_alloc_page();
	if (!ept->pml4)
		return -ENOMEM;
	ept->table_pages = 1;
	ept->mapped_pages = 0;
	ept->eptp = virt_to_phys(ept->pml4) | EPTP_WB | EPTP_WALK_4;
	return 0;
}

/* The level-1 table for @gpa, allocating the missing levels when @alloc. */
static u64 *ept_leaf_table(struct kvmini_ept *ept, u64 gpa, bool alloc)
{
	u64 *table = ept->pml4;
	int level;

	for (level = 4; level > 1; level--) {
		u64 *entry = &table[ept_index(gpa, level)];

		if (!(READ_ONCE(*entry) & EPT_READ)) {
			u64 *next;

			if (!alloc)
				return NULL;
			next = kvmini_alloc_page();
			if (!next)
				return NULL;
			ept->table_pages++;
			/* The hardware may walk it as soon as it is linked. */
			WRITE_ONCE(*entry, virt_to_phys(next) | EPT_TABLE);
		}
		table = ept_table_of(READ_ONCE(*entry));
	}
	return table;
}

/**
 * ept_map - map one 4 KiB guest page
 * @ept: the VM's tables
 * @gpa: the guest-physical address (page aligned, below EPT_MAX_GPA)
 * @page: a pinned page; the mapping owns the pin from now on
 * @writable: writable and executable, or only readable and executable
 *
 * Return: 0; -EEXIST when @gpa is mapped already (the pin is not taken);
 * -ENOMEM.
 */
int ept_map(struct kvmini_ept *ept, u64 gpa, struct page *page, bool writable)
{
	u64 *table = ept_leaf_table(ept, gpa, true);
	u64 *entry;

	if (!table)
		return -ENOMEM;
	entry = &table[ept_index(gpa, 1)];
	if (READ_ONCE(*entry) & EPT_READ)
		return -EEXIST;
	WRITE_ONCE(*entry, page_to_phys(page) | EPT_LEAF_WB | EPT_READ | EPT_EXEC |
		   (writable ? EPT_WRITE : 0));
	ept->mapped_pages++;
	kvmini_mem_pin(1);
	return 0;
}

bool ept_mapped(struct kvmini_ept *ept, u64 gpa)
{
	u64 *table = ept_leaf_table(ept, gpa, false);

	return table && (READ_ONCE(table[ept_index(gpa, 1)]) & EPT_READ);
}

static void ept_unmap_leaf(struct kvmini_ept *ept, u64 *entry)
{
	u64 old = READ_ONCE(*entry);
	struct page *page;

	if (!(old & EPT_READ))
		return;
	WRITE_ONCE(*entry, 0);
	page = pfn_to_page((old & EPT_ADDR_MASK) >> PAGE_SHIFT);
	/* The guest may have written it: tell the page cache or swap. */
	unpin_user_pages_dirty_lock(&page, 1, old & EPT_WRITE);
	ept->mapped_pages--;
	kvmini_mem_pin(-1);
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

/**
 * ept_unmap_range - unmap a range, unpin its pages, and flush every CPU's
 * cached translations of this EPT
 * @ept: the VM's tables
 * @gpa: start of the range
 * @size: its length in bytes
 */
void ept_unmap_range(struct kvmini_ept *ept, u64 gpa, u64 size)
{
	u64 end = min(gpa + size, EPT_MAX_GPA);
	bool any = false;

	while (gpa < end) {
		u64 *table = ept_leaf_table(ept, gpa, false);
		unsigned int i;

		if (!table) {
			/* Nothing below this level-2 entry: skip its 2 MiB. */
			gpa = (gpa | (SZ_2M - 1)) + 1;
			continue;
		}
		for (i = ept_index(gpa, 1); i < 512 && gpa < end; i++, gpa += PAGE_SIZE) {
			if (table[i] & EPT_READ) {
				ept_unmap_leaf(ept, &table[i]);
				any = true;
			}
		}
	}
	if (any)
		ept_flush_all_cpus(ept);
}

static void ept_free_table(struct kvmini_ept *ept, u64 *table, int level)
{
	unsigned int i;

	for (i = 0; i < 512; i++) {
		if (!(table[i] & EPT_READ))
			continue;
		if (level == 1)
			ept_unmap_leaf(ept, &table[i]);
		else
			ept_free_table(ept, ept_table_of(table[i]), level - 1);
	}
	kvmini_free_page(table);
	ept->table_pages--;
}

/* The VM is gone: no vCPU can use these tables any more. */
void ept_destroy(struct kvmini_ept *ept)
{
	if (!ept->pml4)
		return;
	ept_free_table(ept, ept->pml4, 4);
	/* A later VM may get the same root page, hence the same EPTP. */
	ept_flush_all_cpus(ept);
	ept->pml4 = NULL;
}
