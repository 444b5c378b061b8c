// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's x87/SSE/AVX state, XCR0 and debug registers as userspace
 * reads and writes them between two KVM_RUNs: KVM_GET/SET_XSAVE,
 * KVM_GET/SET_XCRS and KVM_GET/SET_DEBUGREGS, with KVM 6.1's formats and
 * checks.  Outside KVM_RUN the guest's FPU registers are in @vcpu->fpu
 * (run.c swaps them in and out), so nothing here touches the hardware.
 */
#include <linux/errno.h>
#include <linux/string.h>
#include <asm/fpu/api.h>
#include <asm/fpu/xcr.h>
#include <asm/fpu/types.h>

#include "cpuid.h"
#include "fpu.h"
#include "vcpu.h"

/* What userspace may see and give: the components a guest may enable, x87 and SSE always. */
static u64 uabi_xfeatures(void)
{
	return vmx_guest_xcr0_allowed() | XFEATURE_MASK_FP | XFEATURE_MASK_SSE;
}

/* KVM_GET_XSAVE: the standard (not compacted) layout, 4 KiB, as KVM. */
int vmx_get_xsave(struct kvmini_vcpu *vcpu, struct kvm_xsave *xs)
{
	if (vcpu->fpu.uabi_size > sizeof(xs->region))
		return -EINVAL;
	memset(xs, 0, sizeof(*xs));
	/* kvmini offers no PKU: the PKRU component is never in uabi_xfeatures(). */
	fpu_copy_guest_fpstate_to_uabi(&vcpu->fpu, xs->region, sizeof(xs->region),
				       uabi_xfeatures(), 0);
	return 0;
}

/*
 * KVM_SET_XSAVE: the kernel's checker refuses a header with components
 * beyond uabi_xfeatures() or reserved bits, and an MXCSR with reserved
 * bits: -EINVAL, as KVM.
 */
int vmx_set_xsave(struct kvmini_vcpu *vcpu, const struct kvm_xsave *xs)
{
	u32 pkru = 0;

	if (vcpu->fpu.uabi_size > sizeof(xs->region))
		return -EINVAL;
	return fpu_copy_uabi_to_guest_fpstate(&vcpu->fpu, xs->region, uabi_xfeatures(), &pkru);
}

void vmx_get_xcrs(struct kvmini_vcpu *vcpu, struct kvm_xcrs *x)
{
	memset(x, 0, sizeof(*x));
	if (!vmx_host_has_xsave())
		return;
	x->nr_xcrs = 1;
	x->xcrs[0].xcr = XCR_XFEATURE_ENABLED_MASK;
	x->xcrs[0].value = vcpu->xcr0;
}

/* As KVM: only XCR0 is taken; any other XCR is skipped over. */
int vmx_set_xcrs(struct kvmini_vcpu *vcpu, const struct kvm_xcrs *x)
{
	u32 i;

	if (!vmx_host_has_xsave())
		return -EINVAL;
	if (x->nr_xcrs > KVM_MAX_XCRS || x->flags)
		return -EINVAL;
	for (i = 0; i < x->nr_xcrs; i++) {
		if (x->xcrs[i].xcr != XCR_XFEATURE_ENABLED_MASK)
			continue;
		if (!vmx_xcr0_valid(x->xcrs[i].value))
			return -EINVAL;
		vcpu->xcr0 = x->xcrs[i].value;
		break;
	}
	return 0;
}

void vmx_get_debugregs(struct kvmini_vcpu *vcpu, struct kvm_debugregs *d)
{
	int i;

	memset(d, 0, sizeof(*d));
	for (i = 0; i < 4; i++)
		d->db[i] = vcpu->dr[i];
	d->dr6 = vcpu->dr6;
	d->dr7 = vcpu->dr7;
}

/*
 * KVM_SET_DEBUGREGS: DR6 and DR7 are 32 bits wide (SDM Vol. 3B 18.2).
 * These are the values the guest's MOV from DR reads (cr.c); the CPU
 * holds them only for the entries where the guest's DR7 arms a
 * breakpoint (run.c).
 */
int vmx_set_debugregs(struct kvmini_vcpu *vcpu, const struct kvm_debugregs *d)
{
	int i;

	if (d->flags || d->dr6 >> 32 || d->dr7 >> 32)
		return -EINVAL;
	for (i = 0; i < 4; i++)
		vcpu->dr[i] = d->db[i];
	vcpu->dr6 = d->dr6;
	vcpu->dr7 = d->dr7;
	return 0;
}
