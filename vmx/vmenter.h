/* SPDX-License-Identifier: GPL-2.0 */
/* The assembly of vmenter.S, seen from C. */
#ifndef KVMINI_VMX_VMENTER_H
#define KVMINI_VMX_VMENTER_H

#include <linux/types.h>

int __vmx_vcpu_run(unsigned long *regs, bool launched);
void vmx_call_nmi_handler(unsigned long entry);

#endif /* KVMINI_VMX_VMENTER_H */
