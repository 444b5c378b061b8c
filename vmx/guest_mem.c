// SPDX-License-Identifier: GPL-2.0
/*
 * Reading and writing guest memory from the vCPU thread, by guest
 * physical address (through the memslots to the VMM's own mapping) or by
 * guest linear address (through the guest's page tables: none, 32-bit,
 * PAE or 4-level, SDM Vol. 3A chapter 4).
 */
#include <linux/mm.h>
#include <linux/uaccess.h>
#include <asm/processor-flags.h>

#include "guest_mem.h"
#include "vcpu.h"
#include "vmcs.h"
#include "../vm/vm.h"

#define PTE_P		BIT_ULL(0)
#define PTE_PS		BIT_ULL(7)
#define PTE_ADDR	GENMASK_ULL(51, 12)

/*
 * A dirty-logged slot counts the module's own writes, as KVM's
 * mark_page_dirty() after its writes to guest memory: after, so that a
 * log read in between cannot clear the bit before the data is there.
 */
static void mark_written(struct kvmini_vm *vm, u64 gpa, unsigned int len)
{
	struct kvmini_slot *s;
	u64 page;

	spin_lock(&vm->mmu_lock);
	for (page = gpa & PAGE_MASK; page < gpa + len; page += PAGE_SIZE) {
		s = kvmini_find_slot(vm, page);
		if (s)
			kvmini_slot_mark_dirty(s, page);
	}
	spin_unlock(&vm->mmu_lock);
}

static int guest_phys_rw(struct kvmini_vcpu *vcpu, u64 gpa, void *buf, unsigned int len,
			 bool write)
{
	struct kvmini_vm *vm = vcpu->vm;
	struct kvmini_slot *s;
	unsigned long left;
	void __user *hva;

	spin_lock(&vm->mmu_lock);
	s = kvmini_find_slot(vm, gpa);
	if (!s || gpa + len - s->gpa > s->size || (write && (s->flags & KVM_MEM_READONLY))) {
		spin_unlock(&vm->mmu_lock);
		return -EFAULT;
	}
	hva = (void __user *)(s->hva + (gpa - s->gpa));
	spin_unlock(&vm->mmu_lock);
	/*
	 * Not under mmu_lock: the copy may fault and reclaim, which calls the
	 * MMU notifier.  If the slot goes meanwhile, this touches memory of
	 * the VMM's own that was the slot's, as KVM's guest accesses may.
	 */
	left = write ? copy_to_user(hva, buf, len) : copy_from_user(buf, hva, len);
	if (left)
		return -EFAULT;
	if (write)
		mark_written(vm, gpa, len);
	return 0;
}

/* Whether @gpa is guest RAM for this access; if not, it is MMIO. */
bool guest_phys_is_ram(struct kvmini_vcpu *vcpu, u64 gpa, bool write)
{
	struct kvmini_vm *vm = vcpu->vm;
	struct kvmini_slot *s;
	bool ram;

	spin_lock(&vm->mmu_lock);
	s = kvmini_find_slot(vm, gpa);
	ram = s && !(write && (s->flags & KVM_MEM_READONLY));
	spin_unlock(&vm->mmu_lock);
	return ram;
}

int guest_phys_read(struct kvmini_vcpu *vcpu, u64 gpa, void *buf, unsigned int len)
{
	return guest_phys_rw(vcpu, gpa, buf, len, false);
}

int guest_phys_write(struct kvmini_vcpu *vcpu, u64 gpa, const void *buf, unsigned int len)
{
	return guest_phys_rw(vcpu, gpa, (void *)buf, len, true);
}

static int read_pte(struct kvmini_vcpu *vcpu, u64 addr, bool wide, u64 *pte)
{
	u32 narrow;

	if (wide)
		return guest_phys_read(vcpu, addr, pte, 8);
	if (guest_phys_read(vcpu, addr, &narrow, 4))
		return -EFAULT;
	*pte = narrow;
	return 0;
}

/*
 * Walks from @table at @level down to the page of @gla; @shift is the
 * bit position of the top level's index, @bits its width.
 */
static int walk(struct kvmini_vcpu *vcpu, u64 table, int levels, unsigned long gla,
		bool wide, u64 *gpa)
{
	int shift = wide ? 12 + 9 * (levels - 1) : 22;
	int bits = wide ? 9 : 10;
	u64 pte;

	for (; levels > 0; levels--, shift -= bits) {
		u64 idx = (gla >> shift) & ((1ULL << bits) - 1);

		if (read_pte(vcpu, (table & PTE_ADDR) + idx * (wide ? 8 : 4), wide, &pte))
			return -EFAULT;
		if (!(pte & PTE_P))
			return -ENOENT;
		if (levels > 1 && (pte & PTE_PS)) {
			u64 mask = (1ULL << shift) - 1;
			u64 base = pte & PTE_ADDR & ~mask;

			/* PSE-36: bits 20:13 of a 4 MiB PDE are address bits 39:32. */
			if (!wide)
				base = (pte & 0xffc00000ULL) | (((pte >> 13) & 0xff) << 32);
			*gpa = base | (gla & mask);
			return 0;
		}
		table = pte;
	}
	*gpa = (pte & PTE_ADDR) | (gla & 0xfff);
	return 0;
}

/**
 * guest_linear_to_phys - translate @gla with the guest's current paging mode
 * @vcpu: the vCPU, its VMCS current
 * @gla: a guest linear address
 * @gpa: the result
 *
 * Only presence is checked: callers emulate an access the guest made.
 * Return: 0, -ENOENT for a not-present page, -EFAULT for page tables
 * outside guest RAM.
 */
int guest_linear_to_phys(struct kvmini_vcpu *vcpu, unsigned long gla, u64 *gpa)
{
	unsigned long cr0 = vmcs_readl(GUEST_CR0), cr4 = vmcs_readl(GUEST_CR4);
	u64 cr3 = vmcs_readl(GUEST_CR3);
	u64 pdpte;

	if (!(cr0 & X86_CR0_PG)) {
		*gpa = (u32)gla;
		return 0;
	}
	if (vmcs_read64(GUEST_IA32_EFER) & EFER_LMA)
		return walk(vcpu, cr3, 4, gla, true, gpa);
	if (!(cr4 & X86_CR4_PAE))
		return walk(vcpu, cr3, 2, (u32)gla, false, gpa);
	/* PAE: the four PDPTEs live in the VMCS (SDM Vol. 3C 27.3.4). */
	pdpte = __vmcs_read(GUEST_PDPTE0 + 2 * (((u32)gla >> 30) & 3));
	if (!(pdpte & PTE_P))
		return -ENOENT;
	return walk(vcpu, pdpte, 2, (u32)gla, true, gpa);
}

/* Page by page: consecutive linear pages need not be consecutive in RAM. */
static int guest_linear_rw(struct kvmini_vcpu *vcpu, unsigned long gla, void *buf,
			   unsigned int len, bool write)
{
	while (len) {
		unsigned int n = min_t(unsigned int, len, PAGE_SIZE - offset_in_page(gla));
		u64 gpa;
		int err = guest_linear_to_phys(vcpu, gla, &gpa);

		if (!err)
			err = guest_phys_rw(vcpu, gpa, buf, n, write);
		if (err)
			return err;
		gla += n;
		buf += n;
		len -= n;
	}
	return 0;
}

int guest_linear_read(struct kvmini_vcpu *vcpu, unsigned long gla, void *buf,
		      unsigned int len)
{
	return guest_linear_rw(vcpu, gla, buf, len, false);
}

int guest_linear_write(struct kvmini_vcpu *vcpu, unsigned long gla, const void *buf,
		       unsigned int len)
{
	return guest_linear_rw(vcpu, gla, (void *)buf, len, true);
}

/* The four PAE PDPTEs @cr3 points at; all zero (not present) outside RAM. */
void guest_read_pdptes(struct kvmini_vcpu *vcpu, unsigned long cr3, u64 *pdpte)
{
	if (guest_phys_read(vcpu, cr3 & 0xffffffe0UL, pdpte, 4 * sizeof(u64)))
		memset(pdpte, 0, 4 * sizeof(u64));
}

void guest_write_pdptes(const u64 *pdpte)
{
	int i;

	for (i = 0; i < 4; i++)
		__vmcs_write(GUEST_PDPTE0 + 2 * i, pdpte[i]);
}

/*
 * Loads the PAE PDPTEs at @cr3 as a MOV to CR0, CR3 or CR4 would (SDM
 * Vol. 3A 4.4.1): false, with nothing loaded, if they are not in RAM or a
 * present one has a reserved bit set, which is a #GP for the MOV (KVM's
 * load_pdptrs).  May sleep.
 */
bool guest_load_pdptes(struct kvmini_vcpu *vcpu, unsigned long cr3)
{
	u64 rsvd = GENMASK_ULL(8, 5) | GENMASK_ULL(2, 1) | GENMASK_ULL(63, vcpu->maxphyaddr);
	u64 pdpte[4];
	int i;

	if (guest_phys_read(vcpu, cr3 & 0xffffffe0UL, pdpte, sizeof(pdpte)))
		return false;
	for (i = 0; i < 4; i++)
		if ((pdpte[i] & _PAGE_PRESENT) && (pdpte[i] & rsvd))
			return false;
	guest_write_pdptes(pdpte);
	return true;
}
