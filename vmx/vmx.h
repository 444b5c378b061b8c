/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What vmx/ offers the rest of the module: the CPU's capabilities, read
 * once, and VMX root operation on every online CPU for as long as a VM
 * needs it.
 */
#ifndef KVMINI_VMX_VMX_H
#define KVMINI_VMX_VMX_H

#include <linux/seq_file.h>
#include "caps.h"

struct kvmini_vcpu;

extern struct vmx_caps kvmini_caps;

/* Where a VM exit lands (vmenter.S): the VMCS's HOST_RIP. */
extern const char vmx_vmexit[];

int vmx_caps_init(void);

int vmx_root_init(void);
void vmx_root_exit(void);
int vmx_root_get(void);
void vmx_root_put(void);
void vmx_root_show(struct seq_file *m);
bool vmx_root_this_cpu_on(void);
bool vmx_root_going_down(void);

void vmx_vcpu_percpu_init(void);
void vmx_clear_loaded_vmcss(void);

int vmx_msr_init(void);
void vmx_msr_exit(void);
u64 vmx_msr_bitmap_phys(void);
void vmx_msr_reset(struct kvmini_vcpu *vcpu);

unsigned long vmx_hw_cr0(unsigned long cr0);
unsigned long vmx_hw_cr4(unsigned long cr4);
void vmx_set_guest_cr0(unsigned long cr0);
void vmx_set_guest_cr4(unsigned long cr4);
void vmx_set_guest_efer(u64 efer);

#endif /* KVMINI_VMX_VMX_H */
