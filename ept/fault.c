// SPDX-License-Identifier: GPL-2.0
/*
 * EPT violations: the first touch of a page of guest RAM pins the VMM's
 * page behind it and maps it; a touch of an address with no RAM, or a
 * write to a read-only slot, is MMIO for userspace.
 */
#include <linux/kvm.h>
#include <linux/mm.h>

#include "ept.h"
#include "../ioctl/vm.h"
#include "../vmx/emulate.h"
#include "../vmx/events.h"
#include "../vmx/exits.h"
#include "../vmx/vcpu.h"
#include "../vmx/vmcs.h"

/* Exit qualification for EPT violations, SDM Vol. 3C table 28-7. */
#define EPT_QUAL_WRITE	BIT(1)
#define EPT_QUAL_FETCH	BIT(2)

/* Return: 1 when mapped (or mapped meanwhile), 0 when it is not RAM, or -errno. */
static int fault_in(struct kvmini_vm *vm, u64 gpa, bool write)
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

int handle_ept_violation(struct kvmini_vcpu *vcpu)
{
	u64 gpa = vmcs_read64(GUEST_PHYSICAL_ADDRESS);
	bool write = vcpu->exit_qual & EPT_QUAL_WRITE;
	int r;

	vcpu->stats.ept_faults++;
	r = fault_in(vcpu->vm, gpa, write);
	if (r == -EFAULT) {
		pr_err_ratelimited("kvmini: VM %u: the memory behind guest-physical %#llx is not accessible to the VMM\n",
				   vcpu->vm->id, gpa);
		return r;
	}
	if (r)
		return r;
	/* The instruction at RIP did not cause it: there is nothing to decode. */
	if (vmx_event_in_delivery(vcpu))
		return vmx_internal_error(vcpu, KVM_INTERNAL_ERROR_DELIVERY_EV,
					  "event delivery through a guest-physical address with no RAM");
	if (vcpu->exit_qual & EPT_QUAL_FETCH)
		return vmx_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION,
					  "instruction fetch from a guest-physical address with no RAM");
	return vmx_emulate_mmio(vcpu, gpa);
}

/* kvmini never writes a misconfigured entry: if the CPU finds one, it is a bug. */
int handle_ept_misconfig(struct kvmini_vcpu *vcpu)
{
	pr_err("kvmini: VM %u vCPU %u: EPT misconfiguration at guest-physical %#llx: a kvmini bug\n",
	       vcpu->vm->id, vcpu->id, vmcs_read64(GUEST_PHYSICAL_ADDRESS));
	return vmx_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION, "EPT misconfiguration");
}
