/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Interrupts from userspace (KVM_INTERRUPT), the interrupt window, and
 * events an exit cut short (events.c).
 */
#ifndef KVMINI_VMX_EVENTS_H
#define KVMINI_VMX_EVENTS_H

#include "vcpu.h"

void vmx_save_vectoring_event(struct kvmini_vcpu *vcpu);
void vmx_nmi_iret_exit(struct kvmini_vcpu *vcpu, bool unblocked);
bool vmx_event_in_delivery(struct kvmini_vcpu *vcpu);
bool vmx_ready_for_interrupt(struct kvmini_vcpu *vcpu);
void vmx_inject_events(struct kvmini_vcpu *vcpu, bool window_requested);
int vmx_queue_interrupt(struct kvmini_vcpu *vcpu, u32 irq);
void vmx_cancel_injection(struct kvmini_vcpu *vcpu);
void vmx_queue_nmi(struct kvmini_vcpu *vcpu);
bool vmx_nmi_waiting(struct kvmini_vcpu *vcpu);
bool vmx_nmi_can_wake(struct kvmini_vcpu *vcpu);
void vmx_get_vcpu_events(struct kvmini_vcpu *vcpu, struct kvm_vcpu_events *ev);
int vmx_set_vcpu_events(struct kvmini_vcpu *vcpu, const struct kvm_vcpu_events *ev);

#endif /* KVMINI_VMX_EVENTS_H */
