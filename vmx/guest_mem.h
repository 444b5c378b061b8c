/* SPDX-License-Identifier: GPL-2.0 */
/* Guest memory seen from the vCPU thread (guest_mem.c). */
#ifndef KVMINI_VMX_GUEST_MEM_H
#define KVMINI_VMX_GUEST_MEM_H

#include <linux/types.h>

#include "../emul/paging.h"

struct kvmini_vcpu;

/* A #PF the guest takes for an access made in its place. */
struct guest_pf {
	unsigned long addr;	/* CR2 */
	u32 code;
};

bool guest_phys_is_ram(struct kvmini_vcpu *vcpu, u64 gpa, bool write);
int guest_phys_read(struct kvmini_vcpu *vcpu, u64 gpa, void *buf, unsigned int len);
int guest_phys_write(struct kvmini_vcpu *vcpu, u64 gpa, const void *buf, unsigned int len);
u32 guest_cpl_access(void);
int guest_linear_to_phys(struct kvmini_vcpu *vcpu, unsigned long gla, u32 access, u64 *gpa,
			 u32 *pf_code);
int guest_linear_read(struct kvmini_vcpu *vcpu, unsigned long gla, void *buf,
		      unsigned int len, u32 access, struct guest_pf *pf);
int guest_linear_write(struct kvmini_vcpu *vcpu, unsigned long gla, const void *buf,
		       unsigned int len, u32 access, struct guest_pf *pf);
void guest_read_pdptes(struct kvmini_vcpu *vcpu, unsigned long cr3, u64 *pdpte);
void guest_write_pdptes(const u64 *pdpte);
bool guest_load_pdptes(struct kvmini_vcpu *vcpu, unsigned long cr3);

#endif /* KVMINI_VMX_GUEST_MEM_H */
