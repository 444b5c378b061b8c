/* SPDX-License-Identifier: GPL-2.0 */
/*
 * With an in-kernel APIC: HLT and the wait for INIT and SIPI in the
 * kernel, and the kick that ends the wait or the guest's run (halt.c);
 * INIT and SIPI on the vCPU's registers (vcpu.c).
 */
#ifndef KVMINI_VMX_HALT_H
#define KVMINI_VMX_HALT_H

#include <linux/types.h>

struct kvmini_vcpu;

void vmx_vcpu_kick(struct kvmini_vcpu *vcpu);
int vmx_vcpu_wait_runnable(struct kvmini_vcpu *vcpu);
void vmx_vcpu_init_signal(struct kvmini_vcpu *vcpu);
void vmx_vcpu_sipi(struct kvmini_vcpu *vcpu, u8 vector);

#endif /* KVMINI_VMX_HALT_H */
