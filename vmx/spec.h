/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Speculative-execution mitigations around VM entry and exit, following
 * the host kernel's bug flags and settings as KVM 6.1 does (spec.c; the
 * VERW, RSB, IBRS and branch-history parts are in vmenter.S).
 */
#ifndef KVMINI_VMX_SPEC_H
#define KVMINI_VMX_SPEC_H

#include <linux/jump_label.h>

/* L1TF: flush L1D before every VM entry. */
DECLARE_STATIC_KEY_FALSE(vmx_l1d_flush);

void vmx_spec_init(void);
int vmx_spec_vm_allowed(void);

#endif /* KVMINI_VMX_SPEC_H */
