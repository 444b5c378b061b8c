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
#define KVMINI_HC_EINVAL	22	/* KVM_HC_SEND_IPI: an ICR it does not take */

/*
 * KVM's own numbers kvmini answers (include/uapi/linux/kvm_para.h), each
 * with its KVM_FEATURE_* bit of CPUID 0x40000001 EAX.
 */
#define KVMINI_HC_KVM_SEND_IPI		10	/* KVM_HC_SEND_IPI */
#define KVMINI_FEATURE_PV_SEND_IPI	11	/* KVM_FEATURE_PV_SEND_IPI */

#endif /* KVMINI_VMX_HYPERCALL_H */
