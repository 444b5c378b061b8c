/* SPDX-License-Identifier: GPL-2.0 */
/* KVM_GET/SET_XSAVE, _XCRS and _DEBUGREGS (fpu.c); the vector registers (fpu_regs.c). */
#ifndef KVMINI_VMX_FPU_H
#define KVMINI_VMX_FPU_H

#include <linux/kvm.h>

struct kvmini_vcpu;

int vmx_get_xsave(struct kvmini_vcpu *vcpu, struct kvm_xsave *xs);
int vmx_set_xsave(struct kvmini_vcpu *vcpu, const struct kvm_xsave *xs);
void vmx_get_xcrs(struct kvmini_vcpu *vcpu, struct kvm_xcrs *x);
int vmx_set_xcrs(struct kvmini_vcpu *vcpu, const struct kvm_xcrs *x);
void vmx_get_debugregs(struct kvmini_vcpu *vcpu, struct kvm_debugregs *d);
int vmx_set_debugregs(struct kvmini_vcpu *vcpu, const struct kvm_debugregs *d);

/* Inside KVM_RUN (fpu_regs.c). */
void vmx_guest_vec_read(unsigned int reg, bool mmx, void *buf);
void vmx_guest_vec_write(unsigned int reg, bool mmx, const void *buf);

#endif /* KVMINI_VMX_FPU_H */
