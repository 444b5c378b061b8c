/* SPDX-License-Identifier: GPL-2.0 */
/* CPUID offered, set and emulated (cpuid.c). */
#ifndef KVMINI_VMX_CPUID_H
#define KVMINI_VMX_CPUID_H

#include <linux/kvm.h>
#include <linux/types.h>
#include <asm/cpufeature.h>

/* As KVM_MAX_CPUID_ENTRIES. */
#define KVMINI_MAX_CPUID_ENTRIES	256

struct kvmini_vcpu;

/* Guests get XSAVE only where the host turned it on (CR4.OSXSAVE). */
static inline bool vmx_host_has_xsave(void)
{
	return boot_cpu_has(X86_FEATURE_OSXSAVE);
}

void vmx_cpuid_init(void);
u64 vmx_guest_xcr0_allowed(void);
bool vmx_xcr0_valid(u64 xcr0);
int vmx_supported_cpuid(struct kvm_cpuid_entry2 *e, int max);
int vmx_set_cpuid(struct kvmini_vcpu *vcpu, struct kvm_cpuid_entry2 *entries, int nent);
int vmx_default_cpuid(struct kvmini_vcpu *vcpu);
int vmx_cpuid_refresh(struct kvmini_vcpu *vcpu);
bool vmx_guest_has_mwait(struct kvmini_vcpu *vcpu);

#endif /* KVMINI_VMX_CPUID_H */
