/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Exit handling.  Every handler keeps one contract: it returns 1 when the
 * exit was handled in the kernel and the guest can go on, 0 when it
 * filled struct kvm_run for userspace, or a negative errno.
 */
#ifndef KVMINI_VMX_EXITS_H
#define KVMINI_VMX_EXITS_H

#include "vcpu.h"

typedef int (*exit_handler_t)(struct kvmini_vcpu *vcpu);

int vmx_handle_exit(struct kvmini_vcpu *vcpu);
int vmx_complete_userspace_exit(struct kvmini_vcpu *vcpu);
const char *vmx_exit_name(u32 reason);

/* Helpers the handlers share (exits.c). */
void vmx_skip_instruction(struct kvmini_vcpu *vcpu);
void vmx_queue_single_step(struct kvmini_vcpu *vcpu);
void vmx_skip_instruction_mov_ss(struct kvmini_vcpu *vcpu);
void vmx_inject_ud(struct kvmini_vcpu *vcpu);
void vmx_inject_gp(struct kvmini_vcpu *vcpu);
void vmx_inject_exception(struct kvmini_vcpu *vcpu, u8 vector, bool has_code, u32 code);
void vmx_inject_page_fault(struct kvmini_vcpu *vcpu, unsigned long addr, u32 code);
int vmx_internal_error(struct kvmini_vcpu *vcpu, u32 suberror, const char *why);
bool vmx_guest_long_mode(void);
bool vmx_guest_64bit_code(void);
unsigned int vmx_guest_cpl(void);
unsigned long vmx_guest_linear_rip(void);

int handle_cpuid(struct kvmini_vcpu *vcpu);
int handle_io(struct kvmini_vcpu *vcpu);
int handle_rdmsr(struct kvmini_vcpu *vcpu);
int handle_wrmsr(struct kvmini_vcpu *vcpu);
int handle_cr_access(struct kvmini_vcpu *vcpu);
void vmx_update_cr3_trace(struct kvmini_vcpu *vcpu);
int handle_dr_access(struct kvmini_vcpu *vcpu);
int handle_xsetbv(struct kvmini_vcpu *vcpu);
int handle_ept_violation(struct kvmini_vcpu *vcpu);
int handle_ept_misconfig(struct kvmini_vcpu *vcpu);
int handle_vmcall(struct kvmini_vcpu *vcpu);
int handle_interrupt_window(struct kvmini_vcpu *vcpu);
int handle_nmi_window(struct kvmini_vcpu *vcpu);

int vmx_complete_io(struct kvmini_vcpu *vcpu);

#endif /* KVMINI_VMX_EXITS_H */
