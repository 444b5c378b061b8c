// SPDX-License-Identifier: GPL-2.0
/*
 * Reading and writing guest memory from the vCPU thread, by guest
 * physical address (through the memslots to the VMM's own mapping) or by
 * guest linear address (through the guest's page tables, with the rights
 * of the access the guest made: emul/paging.c walks them).
 */
#include <linux/mm.h>
#include <linux/uaccess.h>
#include <asm/processor-flags.h>

#include "exits.h"
#include "guest_mem.h"
#include "vcpu.h"
#include "vmcs.h"
#include "../vm/vm.h"

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

/* The VMM's address of @len bytes at @gpa, all in one slot (a writable one for @write). */
static void __user *slot_hva(struct kvmini_vm *vm, u64 gpa, unsigned int len, bool write)
{
	struct kvmini_slot *s;
	void __user *hva = NULL;

	spin_lock(&vm->mmu_lock);
	s = kvmini_find_slot(vm, gpa);
	if (s && gpa + len - s->gpa <= s->size && !(write && (s->flags & KVM_MEM_READONLY)))
		hva = (void __user *)(s->hva + (gpa - s->gpa));
	spin_unlock(&vm->mmu_lock);
	return hva;
}

static int guest_phys_rw(struct kvmini_vcpu *vcpu, u64 gpa, void *buf, unsigned int len,
			 bool write)
{
	struct kvmini_vm *vm = vcpu->vm;
	void __user *hva = slot_hva(vm, gpa, len, write);
	unsigned long left;

	if (!hva)
		return -EFAULT;
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

/*
 * One load, as the CPU reads an entry (KVM's __get_user in its walker):
 * a copy in pieces could mix the halves of an entry and the one the
 * guest writes over it.  Entries are aligned, so the load is too.
 */
static int gpt_read_pte(void *opaque, u64 gpa, bool wide, u64 *pte)
{
	struct kvmini_vcpu *vcpu = opaque;
	void __user *hva = slot_hva(vcpu->vm, gpa, wide ? 8 : 4, false);
	u32 narrow;

	if (!hva)
		return -EFAULT;
	if (wide)
		return get_user(*pte, (u64 __user *)hva);
	if (get_user(narrow, (u32 __user *)hva))
		return -EFAULT;
	*pte = narrow;
	return 0;
}

/*
 * Accessed and dirty bits go in with a locked cmpxchg, as the CPU sets
 * them, so that an entry another vCPU rewrites meanwhile is not lost
 * (KVM's cmpxchg_gpte).  An entry in a read-only slot keeps its bits,
 * and the access goes on; one the VMM's mapping will not let us write
 * (-EFAULT) ends the walk, as in KVM.
 */
static int gpt_set_pte(void *opaque, u64 gpa, bool wide, u64 old, u64 new)
{
	struct kvmini_vcpu *vcpu = opaque;
	struct kvmini_vm *vm = vcpu->vm;
	void __user *hva = slot_hva(vm, gpa, wide ? 8 : 4, true);
	int r;

	if (!hva)
		return 0;
	if (wide) {
		u64 __user *p = (u64 __user *)hva;

		if (!access_ok(p, sizeof(*p)))
			return -EFAULT;
		r = __try_cmpxchg_user(p, &old, new, fault_wide);
	} else {
		u32 __user *p = (u32 __user *)hva;
		u32 narrow = old;

		if (!access_ok(p, sizeof(*p)))
			return -EFAULT;
		r = __try_cmpxchg_user(p, &narrow, (u32)new, fault_narrow);
	}
	if (!r)
		mark_written(vm, gpa, wide ? 8 : 4);
	return r;
}

static void gpt_relax(void *opaque)
{
	cond_resched();
}

static const struct emu_walk_ops walk_ops = {
	.read_pte = gpt_read_pte,
	.set_pte = gpt_set_pte,
	.relax = gpt_relax,
};

/* The registers the CPU's own walk would use, from the VMCS. */
static void paging_regs(struct kvmini_vcpu *vcpu, struct emu_paging *m)
{
	unsigned long cr0 = vmcs_readl(GUEST_CR0), cr4 = vmcs_readl(GUEST_CR4);
	u64 efer = vmcs_read64(GUEST_IA32_EFER);
	int i;

	*m = (struct emu_paging){
		.cr3 = vmcs_readl(GUEST_CR3),
		.maxphyaddr = vcpu->maxphyaddr ? min_t(u8, vcpu->maxphyaddr, 52) : 52,
		.pg = cr0 & X86_CR0_PG,
		.wp = cr0 & X86_CR0_WP,
		.pae = cr4 & X86_CR4_PAE,
		.pse = cr4 & X86_CR4_PSE,
		.smep = cr4 & X86_CR4_SMEP,
		.smap = cr4 & X86_CR4_SMAP,
		.lma = efer & EFER_LMA,
		.nxe = efer & EFER_NX,
		.ac = vmcs_readl(GUEST_RFLAGS) & X86_EFLAGS_AC,
	};
	/* PAE: the four PDPTEs live in the VMCS (SDM Vol. 3C 27.3.4). */
	if (m->pg && m->pae && !m->lma)
		for (i = 0; i < 4; i++)
			m->pdpte[i] = __vmcs_read(GUEST_PDPTE0 + 2 * i);
}

/* The access rights of the guest's current privilege level for a data access. */
u32 guest_cpl_access(void)
{
	return vmx_guest_cpl() == 3 ? EMU_PF_USER : 0;
}

/**
 * guest_linear_to_phys - translate @gla as the guest's CPU would for @access
 * @vcpu: the vCPU, its VMCS current
 * @gla: a guest linear address
 * @access: EMU_PF_WRITE, EMU_PF_USER, EMU_PF_FETCH, EMU_ACC_IMPLICIT
 * @gpa: the result
 * @pf_code: if not NULL, the #PF error code on -ENOENT
 *
 * Sets the accessed (and, for a write, dirty) bits of the entries used.
 * May sleep.
 * Return: 0; -ENOENT for a #PF the guest takes (not present, reserved
 * bit or a right missing); -EFAULT for page tables outside guest RAM.
 */
int guest_linear_to_phys(struct kvmini_vcpu *vcpu, unsigned long gla, u32 access, u64 *gpa,
			 u32 *pf_code)
{
	struct emu_paging m;
	u32 code;

	paging_regs(vcpu, &m);
	switch (emu_walk(&m, &walk_ops, vcpu, gla, access, gpa, &code)) {
	case EMU_WALK_OK:
		return 0;
	case EMU_WALK_FAULT:
		if (pf_code)
			*pf_code = code;
		return -ENOENT;
	default:
		return -EFAULT;
	}
}

/* Page by page: consecutive linear pages need not be consecutive in RAM. */
static int guest_linear_rw(struct kvmini_vcpu *vcpu, unsigned long gla, void *buf,
			   unsigned int len, u32 access, struct guest_pf *pf)
{
	bool write = access & EMU_PF_WRITE;

	while (len) {
		unsigned int n = min_t(unsigned int, len, PAGE_SIZE - offset_in_page(gla));
		u64 gpa;
		u32 code;
		int err = guest_linear_to_phys(vcpu, gla, access, &gpa, &code);

		if (err == -ENOENT && pf)
			*pf = (struct guest_pf){ .addr = gla, .code = code };
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

/*
 * Guest memory by linear address, with the rights of @access: 0, -ENOENT
 * with *@pf (if not NULL) the #PF the guest takes, or -EFAULT.
 */
int guest_linear_read(struct kvmini_vcpu *vcpu, unsigned long gla, void *buf,
		      unsigned int len, u32 access, struct guest_pf *pf)
{
	return guest_linear_rw(vcpu, gla, buf, len, access & ~EMU_PF_WRITE, pf);
}

int guest_linear_write(struct kvmini_vcpu *vcpu, unsigned long gla, const void *buf,
		       unsigned int len, u32 access, struct guest_pf *pf)
{
	return guest_linear_rw(vcpu, gla, (void *)buf, len, access | EMU_PF_WRITE, pf);
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
