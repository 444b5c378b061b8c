/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The smallest VM a test program needs, a onevm (onevm.h): 64 KiB of RAM
 * at GPA 0, guest code written out as bytes at 0x1000, one vCPU in real
 * mode at CS=0, IP=0x1000, SP=0x9000, as KVM selftests do.
 */
#ifndef KVMINI_RMVM_H
#define KVMINI_RMVM_H

#include "onevm.h"

#define RMVM_MEM	0x10000
#define RMVM_ENTRY	0x1000
#define RMVM_STACK	0x9000

/* Returns 0, or -1 with errno from the call that failed; onevm_destroy() either way. */
static inline int rmvm_create(struct onevm *v, const char *dev, const unsigned char *code,
			      size_t len, __u64 cr4)
{
	struct kvm_regs regs = { .rip = RMVM_ENTRY, .rsp = RMVM_STACK, .rflags = 2 };
	struct kvm_sregs s;

	if (onevm_create(v, dev, RMVM_MEM, code, len, RMVM_ENTRY) ||
	    ioctl(v->vcpu, KVM_GET_SREGS, &s))
		return -1;
	s.cs.base = 0;
	s.cs.selector = 0;
	s.cr4 |= cr4;
	if (ioctl(v->vcpu, KVM_SET_SREGS, &s) || ioctl(v->vcpu, KVM_SET_REGS, &regs))
		return -1;
	return 0;
}

#endif
