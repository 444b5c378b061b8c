// SPDX-License-Identifier: GPL-2.0
/*
 * Dirty logging, KVM's ioctls and rules (virt/kvm/kvm_main.c): a slot
 * with KVM_MEM_LOG_DIRTY_PAGES counts the pages the guest (or the module,
 * vmx/guest_mem.c) wrote.  The guest's writes are seen through EPT: a
 * logged page is mapped read-only until written, and the fault that
 * makes it writable sets its bit (ept/fault.c).  Reading the log makes
 * the pages it reports read-only again, so that their next write shows.
 *
 * KVM_GET_DIRTY_LOG does both at once; with
 * KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 it only copies the bitmap out, and
 * KVM_CLEAR_DIRTY_LOG clears and write-protects the pages the VMM names,
 * which lets it do so in pieces.  KVM's dirty ring is not offered.
 */
#include <linux/bitmap.h>
#include <linux/kvm.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "kvmini.h"
#include "../vm/vm.h"

/*
 * The slot numbers KVM's x86 answers for: two address spaces (the second
 * is SMM's) of 32764 user slots.  A number in range that kvmini cannot
 * have is a slot that does not exist, ENOENT, as on KVM.
 */
#define KVM_X86_ADDRESS_SPACES	2
#define KVM_X86_USER_MEM_SLOTS	32764

#define DIRTY_LOG_MANUAL_CAPS	(KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE | KVM_DIRTY_LOG_INITIALLY_SET)

/* As KVM: INITIALLY_SET only with MANUAL_PROTECT_ENABLE. */
long kvmini_enable_manual_dirty_log(struct kvmini_vm *vm, u64 options)
{
	u64 allowed = KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE;

	if (options & KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE)
		allowed = DIRTY_LOG_MANUAL_CAPS;
	if (options & ~allowed)
		return -EINVAL;
	mutex_lock(&vm->slots_lock);
	vm->manual_dirty_log_protect = options;
	mutex_unlock(&vm->slots_lock);
	return 0;
}

static bool slot_id_valid(u32 id)
{
	return id >> 16 < KVM_X86_ADDRESS_SPACES && (u16)id < KVM_X86_USER_MEM_SLOTS;
}

/*
 * The logged slot @id names (the address space in its high 16 bits: only
 * 0 has slots here); slots_lock held.  -ENOENT for one that does not
 * exist or has no log, as KVM.
 */
static struct kvmini_slot *logged_slot(struct kvmini_vm *vm, u32 id, int *err)
{
	struct kvmini_slot *s;

	*err = -ENOENT;
	if (id >> 16 || (u16)id >= KVMINI_MAX_SLOTS)
		return NULL;
	s = &vm->slots[(u16)id];
	if (!s->size || !s->dirty_bitmap)
		return NULL;
	*err = 0;
	return s;
}

static size_t log_bytes(const struct kvmini_slot *s)
{
	return BITS_TO_LONGS(s->size >> PAGE_SHIFT) * sizeof(long);
}

/*
 * Clears the bits of @mask in word @i of @s's bitmap and write-protects
 * the pages that were dirty among them; returns those.  mmu_lock held.
 */
static unsigned long reprotect(struct kvmini_vm *vm, struct kvmini_slot *s, size_t i,
			       unsigned long mask, struct ept_zap *zap)
{
	mask &= atomic_long_fetch_andnot(mask, (atomic_long_t *)&s->dirty_bitmap[i]);
	if (mask)
		ept_wrprotect_mask(&vm->ept, s->gpa + ((u64)i * BITS_PER_LONG << PAGE_SHIFT),
				   mask, zap);
	return mask;
}

/*
 * A slot may have 2^31 pages: between words, mmu_lock is let go when
 * the CPU is wanted, after a flush of what was protected so far.
 * slots_lock keeps the slot as it is meanwhile.
 */
static void lock_break(struct kvmini_vm *vm, struct ept_zap *zap)
{
	if (!need_resched() && !spin_needbreak(&vm->mmu_lock))
		return;
	ept_zap_finish(&vm->ept, zap);
	spin_unlock(&vm->mmu_lock);
	cond_resched();
	spin_lock(&vm->mmu_lock);
}

static long get_dirty_log(struct kvmini_vm *vm, const struct kvm_dirty_log *log)
{
	unsigned long *snap;
	struct kvmini_slot *s;
	struct ept_zap zap;
	size_t i, n;
	int err;

	if (!slot_id_valid(log->slot))
		return -EINVAL;
	s = logged_slot(vm, log->slot, &err);
	if (!s)
		return err;
	n = log_bytes(s);
	/* Read in place, no lock: nothing is cleared until KVM_CLEAR_DIRTY_LOG. */
	if (vm->manual_dirty_log_protect)
		return copy_to_user(log->dirty_bitmap, s->dirty_bitmap, n) ? -EFAULT : 0;

	snap = kvzalloc(n, GFP_KERNEL_ACCOUNT);
	if (!snap)
		return -ENOMEM;
	ept_zap_init(&zap, NULL);
	spin_lock(&vm->mmu_lock);
	for (i = 0; i < n / sizeof(long); i++) {
		if (READ_ONCE(s->dirty_bitmap[i]))
			snap[i] = reprotect(vm, s, i, ~0UL, &zap);
		lock_break(vm, &zap);
	}
	/* Flushed before the VMM is told: a write after it must fault. */
	ept_zap_finish(&vm->ept, &zap);
	spin_unlock(&vm->mmu_lock);
	err = copy_to_user(log->dirty_bitmap, snap, n) ? -EFAULT : 0;
	kvfree(snap);
	return err;
}

long kvmini_get_dirty_log(struct kvmini_vm *vm, void __user *argp)
{
	struct kvm_dirty_log log;
	long r;

	if (copy_from_user(&log, argp, sizeof(log)))
		return -EFAULT;
	mutex_lock(&vm->slots_lock);
	r = get_dirty_log(vm, &log);
	mutex_unlock(&vm->slots_lock);
	return r;
}

/*
 * KVM's bounds: whole words from @first_page, which is word aligned, and
 * a partial last word only at the slot's end.
 */
static int check_clear(const struct kvmini_slot *s, const struct kvm_clear_dirty_log *log)
{
	u64 npages = s->size >> PAGE_SHIFT;

	if (log->first_page > npages || log->num_pages > npages - log->first_page)
		return -EINVAL;
	if (log->num_pages < npages - log->first_page && (log->num_pages & (BITS_PER_LONG - 1)))
		return -EINVAL;
	return 0;
}

static long clear_dirty_log(struct kvmini_vm *vm, const struct kvm_clear_dirty_log *log)
{
	unsigned long *want;
	struct kvmini_slot *s;
	struct ept_zap zap;
	size_t i, first, n;
	int err;

	/* KVM's order: the slot's number, the alignment, then the slot. */
	if (!slot_id_valid(log->slot) || log->first_page & (BITS_PER_LONG - 1))
		return -EINVAL;
	s = logged_slot(vm, log->slot, &err);
	if (!s)
		return err;
	err = check_clear(s, log);
	if (err)
		return err;
	n = BITS_TO_LONGS(log->num_pages);
	want = kvmalloc_array(n, sizeof(long), GFP_KERNEL_ACCOUNT);
	if (!want)
		return -ENOMEM;
	err = -EFAULT;
	if (copy_from_user(want, log->dirty_bitmap, n * sizeof(long)))
		goto out_free;
	first = log->first_page / BITS_PER_LONG;
	ept_zap_init(&zap, NULL);
	spin_lock(&vm->mmu_lock);
	/* Bits past the slot's end are never set, so they clear nothing. */
	for (i = 0; i < n; i++) {
		if (want[i])
			reprotect(vm, s, first + i, want[i], &zap);
		lock_break(vm, &zap);
	}
	ept_zap_finish(&vm->ept, &zap);
	spin_unlock(&vm->mmu_lock);
	err = 0;
out_free:
	kvfree(want);
	return err;
}

long kvmini_clear_dirty_log(struct kvmini_vm *vm, void __user *argp)
{
	struct kvm_clear_dirty_log log;
	long r;

	if (copy_from_user(&log, argp, sizeof(log)))
		return -EFAULT;
	mutex_lock(&vm->slots_lock);
	r = clear_dirty_log(vm, &log);
	mutex_unlock(&vm->slots_lock);
	return r;
}
