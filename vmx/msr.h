/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The MSRs of a vCPU as the VMM sees them (KVM_GET/SET_MSRS) and the
 * feature MSRs of the device (KVM_GET_MSR_FEATURE_INDEX_LIST): the same
 * emulation as the guest's RDMSR and WRMSR (msr.c), with KVM's
 * host_initiated rules.
 */
#ifndef KVMINI_VMX_MSR_H
#define KVMINI_VMX_MSR_H

#include <linux/types.h>

struct kvmini_vcpu;

int vmx_get_msr(struct kvmini_vcpu *vcpu, u32 msr, u64 *val, bool host);
int vmx_set_msr(struct kvmini_vcpu *vcpu, u32 msr, u64 val, bool host);

void vmx_msr_features_init(void);
u64 vmx_msr_arch_caps(void);
int vmx_get_msr_feature(u32 msr, u64 *val);
const u32 *vmx_msr_save_list(unsigned int *n);
const u32 *vmx_msr_feature_list(unsigned int *n);

#endif /* KVMINI_VMX_MSR_H */
