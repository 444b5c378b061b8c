/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Hypercalls (docs/hypercalls.md): a 4-byte OUT of the call number to
 * HC_PORT is one call, answered through KVM_GET_REGS/KVM_SET_REGS during
 * that one exit.  The state a vCPU needs is all in struct hcall_vcpu, so
 * each vCPU thread can have its own; the share is the VM's.
 */
#ifndef KVMINI_HCALL_H
#define KVMINI_HCALL_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/kvm.h>

#include "share.h"

struct vcpu;
struct verdict;

struct hcall_vcpu {
	struct vcpu *vcpu;	/* whose console print() writes to */
	int vcpu_fd;
	uint8_t *mem;		/* guest RAM at GPA 0 */
	uint64_t mem_size;
	struct share *share;	/* the VM's files */
	int stats_fd;		/* KVM_GET_STATS_FD, opened by the first exits() */
	bool stats_tried;
	uint64_t exits_pos;	/* offset of the "exits" value in stats_fd */
};

void hcall_vcpu_init(struct hcall_vcpu *h, struct vcpu *vcpu, int vcpu_fd, uint8_t *mem,
		     uint64_t mem_size, struct share *share);
void hcall_vcpu_fini(struct hcall_vcpu *h);

/*
 * A KVM_EXIT_IO at HC_PORT, its data at @data (checked by the caller):
 * true when it was a call or the signature read, and is done; false for
 * other sizes and string I/O, which the port ignores like any other.
 * A device that fails the call's register ioctls fails @v.
 */
bool hcall_io(struct hcall_vcpu *h, const struct kvm_run *run, uint8_t *data,
	      struct verdict *v);

#endif
