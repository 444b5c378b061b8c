// SPDX-License-Identifier: GPL-2.0
/*
 * Counted page allocation (see mem.h).  Pages are zeroed and charged to
 * the caller's memory cgroup, like KVM's.
 */
#include <linux/atomic.h>
#include <linux/gfp.h>

#include "mem.h"

static atomic_long_t pages_allocated = ATOMIC_LONG_INIT(0);
static atomic_long_t pages_mapped = ATOMIC_LONG_INIT(0);

void *kvmini_alloc_page(void)
{
	void *addr = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);

	if (addr)
		atomic_long_inc(&pages_allocated);
	return addr;
}

void kvmini_free_page(void *addr)
{
	if (!addr)
		return;
	free_page((unsigned long)addr);
	atomic_long_dec(&pages_allocated);
}

void kvmini_mem_mapped(long pages)
{
	atomic_long_add(pages, &pages_mapped);
}

long kvmini_mem_pages(void)
{
	return atomic_long_read(&pages_allocated);
}

long kvmini_mem_mapped_pages(void)
{
	return atomic_long_read(&pages_mapped);
}
