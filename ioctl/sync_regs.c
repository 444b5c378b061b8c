// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_RUN with KVM_CAP_SYNC_REGS: registers, special registers and
 * events pass through the kvm_run page instead of three ioctls each way.
 * kvm_dirty_regs says which of run->s userspace wrote, to be set before
 * the run; kvm_valid_regs which to write back after it, as KVM 6.1 does.
 *
 * The kvm_run page is shared with userspace, which may change it at any
 * time: each mask is read once, and each set of registers is copied out
 * of the page before it is checked and used.
 */
#include <linux/kvm.h>
#include <linux/string.h>

#include "kvmini.h"
#include "../vmx/events.h"
#include "../vmx/vcpu.h"
#include "../vmx/vmx.h"

/* One set of registers at a time, on the stack, out of userspace's reach. */
union sync_buf {
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_vcpu_events events;
};

/* As KVM: each set taken is no longer dirty. */
static void taken(struct kvmini_vcpu *vcpu, u64 *dirty, u64 bit)
{
	*dirty &= ~bit;
	WRITE_ONCE(vcpu->run->kvm_dirty_regs, *dirty);
}

static int sync_in(struct kvmini_vcpu *vcpu, u64 dirty)
{
	struct kvm_sync_regs *s = &vcpu->run->s.regs;
	union sync_buf u;

	if (dirty & KVM_SYNC_X86_REGS) {
		memcpy(&u.regs, &s->regs, sizeof(u.regs));
		WITH_VMCS(vcpu, vmx_set_regs(vcpu, &u.regs));
		taken(vcpu, &dirty, KVM_SYNC_X86_REGS);
	}
	if (dirty & KVM_SYNC_X86_SREGS) {
		memcpy(&u.sregs, &s->sregs, sizeof(u.sregs));
		if (kvmini_set_sregs(vcpu, &u.sregs))
			return -EINVAL;
		taken(vcpu, &dirty, KVM_SYNC_X86_SREGS);
	}
	if (dirty & KVM_SYNC_X86_EVENTS) {
		memcpy(&u.events, &s->events, sizeof(u.events));
		if (WITH_VMCS(vcpu, vmx_set_vcpu_events(vcpu, &u.events)))
			return -EINVAL;
		taken(vcpu, &dirty, KVM_SYNC_X86_EVENTS);
	}
	return 0;
}

static void sync_out(struct kvmini_vcpu *vcpu, u64 valid)
{
	struct kvm_sync_regs *s = &vcpu->run->s.regs;
	union sync_buf u;

	if (valid & KVM_SYNC_X86_REGS) {
		WITH_VMCS(vcpu, vmx_get_regs(vcpu, &u.regs));
		memcpy(&s->regs, &u.regs, sizeof(u.regs));
	}
	if (valid & KVM_SYNC_X86_SREGS) {
		WITH_VMCS(vcpu, vmx_get_sregs(vcpu, &u.sregs));
		memcpy(&s->sregs, &u.sregs, sizeof(u.sregs));
	}
	if (valid & KVM_SYNC_X86_EVENTS) {
		WITH_VMCS(vcpu, (vmx_get_vcpu_events(vcpu, &u.events), 0));
		memcpy(&s->events, &u.events, sizeof(u.events));
	}
}

/**
 * kvmini_vcpu_run - KVM_RUN, with the registers run->s carries
 * @vcpu: the vCPU, its lock held
 *
 * Return: vmx_vcpu_run()'s, or -EINVAL for a mask with a bit KVM does not
 * know or registers KVM_SET_SREGS or KVM_SET_VCPU_EVENTS would refuse;
 * the registers asked for are written back whatever the outcome, as KVM.
 */
long kvmini_vcpu_run(struct kvmini_vcpu *vcpu)
{
	u64 valid = READ_ONCE(vcpu->run->kvm_valid_regs);
	u64 dirty = READ_ONCE(vcpu->run->kvm_dirty_regs);
	long r;

	if ((valid | dirty) & ~KVM_SYNC_X86_VALID_FIELDS) {
		r = -EINVAL;
		goto out;
	}
	if (dirty) {
		r = sync_in(vcpu, dirty);
		if (r)
			goto out;
	}
	r = vmx_vcpu_run(vcpu);
out:
	if (valid & KVM_SYNC_X86_VALID_FIELDS)
		sync_out(vcpu, valid);
	return r;
}
