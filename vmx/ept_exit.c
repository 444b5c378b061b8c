// SPDX-License-Identifier: GPL-2.0
/*
 * EPT violation and misconfiguration exits.  A violation asks ept/ to map
 * guest RAM (ept/fault.c); where there is none, or the slot is read-only,
 * the access is MMIO and the instruction is decoded for userspace
 * (emulate.c).  The exit's VMCS fields are read here, so ept/ never needs
 * to know about exits, events or the decoder.
 */
#include <linux/kvm.h>
#include <linux/printk.h>

#include "emulate.h"
#include "events.h"
#include "exits.h"
#include "vcpu.h"
#include "vmcs.h"
#include "../ept/ept.h"
#include "../vm/vm.h"

/* Exit qualification for EPT violations, SDM Vol. 3C table 28-7. */
#define EPT_QUAL_WRITE	BIT(1)
#define EPT_QUAL_FETCH	BIT(2)
#define EPT_QUAL_NMI_UNBLOCK	BIT(12)	/* NMI unblocking due to IRET */

int handle_ept_violation(struct kvmini_vcpu *vcpu)
{
	u64 gpa = vmcs_read64(GUEST_PHYSICAL_ADDRESS);
	bool write = vcpu->exit_qual & EPT_QUAL_WRITE;
	int r;

	vcpu->stats.ept_faults++;
	vmx_nmi_iret_exit(vcpu, vcpu->exit_qual & EPT_QUAL_NMI_UNBLOCK);
	r = ept_fault_in(vcpu->vm, &vcpu->ept_cache, gpa, write);
	if (r == -EFAULT) {
		pr_info_ratelimited("kvmini: VM %u: the memory behind guest-physical %#llx is not accessible to the VMM\n",
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
	return vmx_emulate_mmio(vcpu);
}

/* kvmini never writes a misconfigured entry: if the CPU finds one, it is a bug. */
int handle_ept_misconfig(struct kvmini_vcpu *vcpu)
{
	pr_err("kvmini: VM %u vCPU %u: EPT misconfiguration at guest-physical %#llx: a kvmini bug\n",
	       vcpu->vm->id, vcpu->id, vmcs_read64(GUEST_PHYSICAL_ADDRESS));
	return vmx_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION, "EPT misconfiguration");
}
