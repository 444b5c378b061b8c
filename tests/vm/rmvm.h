/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The smallest VM a test program needs, through KVM's ioctls only: 64 KiB
 * of RAM at GPA 0, guest code written out as bytes at 0x1000, one vCPU in
 * real mode at CS=0, IP=0x1000, SP=0x9000, as KVM selftests do.
 */
#ifndef KVMINI_RMVM_H
#define KVMINI_RMVM_H

#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvm.h>

#define RMVM_MEM	0x10000
#define RMVM_ENTRY	0x1000
#define RMVM_STACK	0x9000

struct rmvm {
	int sys, fd, vcpu;
	struct kvm_run *run;
	size_t run_size;
	unsigned char *mem;
};

/* Returns 0, or -1 with errno from the call that failed; rmvm_destroy() either way. */
static inline int rmvm_create(struct rmvm *v, const char *dev, const unsigned char *code,
			      size_t len, __u64 cr4)
{
	struct kvm_userspace_memory_region r = { .memory_size = RMVM_MEM };
	struct kvm_regs regs = { .rip = RMVM_ENTRY, .rsp = RMVM_STACK, .rflags = 2 };
	struct kvm_sregs s;
	long size;

	memset(v, 0, sizeof(*v));
	v->sys = v->fd = v->vcpu = -1;
	v->mem = MAP_FAILED;
	v->run = MAP_FAILED;
	v->sys = open(dev, O_RDWR | O_CLOEXEC);
	if (v->sys < 0)
		return -1;
	v->fd = ioctl(v->sys, KVM_CREATE_VM, 0);
	if (v->fd < 0)
		return -1;
	v->mem = mmap(NULL, RMVM_MEM, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (v->mem == MAP_FAILED)
		return -1;
	memcpy(v->mem + RMVM_ENTRY, code, len);
	r.userspace_addr = (unsigned long)v->mem;
	if (ioctl(v->fd, KVM_SET_USER_MEMORY_REGION, &r))
		return -1;
	v->vcpu = ioctl(v->fd, KVM_CREATE_VCPU, 0);
	size = ioctl(v->sys, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (v->vcpu < 0 || size <= 0)
		return -1;
	v->run_size = size;
	v->run = mmap(NULL, v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->vcpu, 0);
	if (v->run == MAP_FAILED || ioctl(v->vcpu, KVM_GET_SREGS, &s))
		return -1;
	s.cs.base = 0;
	s.cs.selector = 0;
	s.cr4 |= cr4;
	if (ioctl(v->vcpu, KVM_SET_SREGS, &s) || ioctl(v->vcpu, KVM_SET_REGS, &regs))
		return -1;
	return 0;
}

static inline void rmvm_destroy(struct rmvm *v)
{
	if (v->run != MAP_FAILED)
		munmap(v->run, v->run_size);
	if (v->mem != MAP_FAILED)
		munmap(v->mem, RMVM_MEM);
	if (v->vcpu >= 0)
		close(v->vcpu);
	if (v->fd >= 0)
		close(v->fd);
	if (v->sys >= 0)
		close(v->sys);
}

#endif
