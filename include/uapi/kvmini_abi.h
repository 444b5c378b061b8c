/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * kvmini's own additions to KVM's API, for the module and for VMMs
 * (docs/api.md, "kvmini's extensions").  The numbers are far from KVM's:
 * on /dev/kvm, KVM_CHECK_EXTENSION says 0 and KVM_ENABLE_CAP EINVAL.
 */
#ifndef KVMINI_ABI_H
#define KVMINI_ABI_H

#include <linux/types.h>

/*
 * KVM_ENABLE_CAP on a VM fd, flags 0, args[0] one of the modes below: a
 * MOV to CR3 in the guest exits to userspace as KVMINI_EXIT_CR3 (issue 14,
 * Antfarm).  KVM turns CR3-load exiting off with EPT, as does kvmini
 * unless asked.  vCPUs take it at their next KVM_RUN.
 */
#define KVMINI_CAP_TRACE_CR3	0x4b4d0001

#define KVMINI_TRACE_CR3_OFF		0
/*
 * Each exit loads the CR3-target list with the values that only enter or
 * leave the guest kernel for the process just loaded (KPTI's pair, with
 * and without the no-flush bit): those do not exit.
 */
#define KVMINI_TRACE_CR3_SWITCHES	1
/* Every MOV to CR3 exits: what the target list saves, by difference. */
#define KVMINI_TRACE_CR3_ALL		2

/* kvm_run.exit_reason after such a MOV, which has completed. */
#define KVMINI_EXIT_CR3		0x4b4d0001

/* At the start of kvm_run's exit union (its padding). */
struct kvmini_exit_cr3 {
	__u64 cr3;	/* the value written, as the guest wrote it */
	__u64 tsc;	/* the guest's TSC at the exit */
};

#endif
