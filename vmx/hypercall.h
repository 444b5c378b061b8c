/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Hypercalls kvmini answers in the kernel (VMCALL), with KVM's calling
 * convention: number in RAX, arguments in RBX, RCX, RDX, RSI, result in
 * RAX; only 32 bits of each outside 64-bit mode.  KVM's own numbers are
 * small; kvmini's start high so that the two never mean different things.
 * Guests include this file (tests/guests), so it is plain C.
 */
#ifndef KVMINI_VMX_HYPERCALL_H
#define KVMINI_VMX_HYPERCALL_H

/* The vCPU's VM exits so far, this VMCALL's included. */
#define KVMINI_HC_EXITS		0x6b760001
/* Returns its first argument: the cheapest round trip there is. */
#define KVMINI_HC_PING		0x6b760002

/* Errors, negated in RAX, with KVM's values (include/uapi/linux/kvm_para.h). */
#define KVMINI_HC_EPERM		1	/* called from CPL > 0 */
#define KVMINI_HC_ENOSYS	1000	/* unknown number */

#endif /* KVMINI_VMX_HYPERCALL_H */
