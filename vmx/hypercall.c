// SPDX-License-Identifier: GPL-2.0
/*
 * VMCALL, answered without leaving the kernel (hypercall.h has the ABI).
 * As in KVM, a caller outside ring 0 gets -EPERM: a guest kernel decides
 * what its user programs may ask of the hypervisor.
 */
#include "exits.h"
#include "hypercall.h"
#include "vcpu.h"
#include "vmcs.h"

int handle_vmcall(struct kvmini_vcpu *vcpu)
{
	unsigned long mask = vmx_guest_64bit_code() ? ~0UL : 0xffffffffUL;
	unsigned long nr = vcpu->regs[GPR_RAX] & mask;
	unsigned long a0 = vcpu->regs[GPR_RBX] & mask;
	long ret;

	vcpu->stats.hypercalls++;
	if (vmx_guest_cpl()) {
		ret = -KVMINI_HC_EPERM;
		goto out;
	}
	switch (nr) {
	case KVMINI_HC_EXITS:
		ret = vcpu->stats.exits;
		break;
	case KVMINI_HC_PING:
		ret = a0;
		break;
	default:
		ret = -KVMINI_HC_ENOSYS;
	}
out:
	vcpu->regs[GPR_RAX] = ret & mask;
	vmx_skip_instruction(vcpu);
	return 1;
}
