/* SPDX-License-Identifier: GPL-2.0 */
/* Guest memory seen from the vCPU thread (guest_mem.c). */
#ifndef KVMINI_VMX_GUEST_MEM_H
#define KVMINI_VMX_GUEST_MEM_H

#include <linux/types.h>

struct kvmini_vcpu;

bool guest_phys_is_ram(struct kvmini_vcpu *vcpu, u64 gpa, bool write);
int guest_phys_read(struct kvmini_vcpu *vcpu, u64 gpa, void *buf, unsigned int len);
int guest_phys_write(struct kvmini_vcpu *vcpu, u64 gpa, const void *buf, unsigned int len);
int guest_linear_to_phys(struct kvmini_vcpu *vcpu, unsigned long gla, u64 *gpa);
int guest_linear_read(struct kvmini_vcpu *vcpu, unsigned long gla, void *buf,
		      unsigned int len);
int guest_linear_write(struct kvmini_vcpu *vcpu, unsigned long gla, const void *buf,
		       unsigned int len);
void guest_read_pdptes(struct kvmini_vcpu *vcpu, unsigned long cr3, u64 *pdpte);
void guest_write_pdptes(const u64 *pdpte);
bool guest_load_pdptes(struct kvmini_vcpu *vcpu, unsigned long cr3);

#endif /* KVMINI_VMX_GUEST_MEM_H */
