// SPDX-License-Identifier: GPL-2.0
/*
 * VMCALL, answered without leaving the kernel (hypercall.h has the ABI).
 * As in KVM, a caller outside ring 0 gets -EPERM: a guest kernel decides
 * what its user programs may ask of the hypervisor.  Of KVM's own
 * hypercalls, KVM_HC_SEND_IPI (KVM_FEATURE_PV_SEND_IPI); the rest are
 * -KVM_ENOSYS, as KVM's for a feature the guest's CPUID does not have.
 */
#include <linux/bits.h>
#include <linux/errno.h>

#include "exits.h"
#include "hypercall.h"
#include "../lapic/vlapic.h"
#include "vcpu.h"
#include "vmcs.h"

/*
 * As KVM's guest_pv_has(): every feature unless the VMM asked
 * (KVM_CAP_ENFORCE_PV_FEATURE_CPUID) that the guest get only what its
 * CPUID 0x40000001 offers it.
 */
static bool guest_pv_has(struct kvmini_vcpu *vcpu, unsigned int feature)
{
	return !vcpu->pv_enforce || (vcpu->pv_features & BIT(feature));
}

/* KVM_HC_SEND_IPI: a0, a1 bitmaps from APIC ID a2, a3 the ICR; KVM's errors. */
static long pv_send_ipi(struct kvmini_vcpu *vcpu, unsigned long mask)
{
	unsigned long bitmap[2] = { vcpu->regs[GPR_RBX] & mask, vcpu->regs[GPR_RCX] & mask };

	if (!guest_pv_has(vcpu, KVMINI_FEATURE_PV_SEND_IPI))
		return -KVMINI_HC_ENOSYS;
	/* Without an in-kernel APIC KVM has no map to send with. */
	if (!vcpu->apic)
		return -EOPNOTSUPP;
	return vlapic_pv_send_ipi(vcpu, bitmap, vcpu->regs[GPR_RDX] & mask,
				  mask == ~0UL ? 64 : 32, vcpu->regs[GPR_RSI] & mask);
}

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
	case KVMINI_HC_KVM_SEND_IPI:
		ret = pv_send_ipi(vcpu, mask);
		break;
	default:
		ret = -KVMINI_HC_ENOSYS;
	}
out:
	vcpu->regs[GPR_RAX] = ret & mask;
	vmx_skip_instruction(vcpu);
	return 1;
}
