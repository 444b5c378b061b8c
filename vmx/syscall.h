/* SPDX-License-Identifier: GPL-2.0 */
/* SYSCALL outside 64-bit mode for an AMD-vendor guest (syscall.c). */
#ifndef KVMINI_VMX_SYSCALL_H
#define KVMINI_VMX_SYSCALL_H

struct kvmini_vcpu;

int vmx_handle_ud(struct kvmini_vcpu *vcpu);

#endif /* KVMINI_VMX_SYSCALL_H */
