/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One VM with one vCPU, through KVM's ioctls only: the device opened, the
 * VM, its RAM at GPA 0 (memory slot 0) with the guest's code copied in,
 * vCPU 0 and its kvm_run mapped.  What the guest's registers and tables
 * hold is up to the caller: rmvm.h's real-mode VM, guestsafe_test's
 * long-mode and 32-bit ones.
 */
#ifndef KVMINI_ONEVM_H
#define KVMINI_ONEVM_H

#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvm.h>

struct onevm {
	int sys, fd, vcpu;
	struct kvm_run *run;
	size_t run_size;
	unsigned char *mem;
	size_t mem_size;
	/* Where the code is in this program: guest addresses of its labels. */
	const unsigned char *code;
};

/*
 * @mem_size bytes of RAM, @len bytes of @code copied to @entry in it;
 * with @irqchip, KVM_CREATE_IRQCHIP before the vCPU.  Return: 0, or -1
 * with errno from the call that failed; onevm_destroy() either way.
 */
static inline int onevm_create_chip(struct onevm *v, const char *dev, size_t mem_size,
				    const unsigned char *code, size_t len, size_t entry,
				    int irqchip)
{
	struct kvm_userspace_memory_region r = { .memory_size = mem_size };
	long size;

	memset(v, 0, sizeof(*v));
	v->sys = v->fd = v->vcpu = -1;
	v->mem = MAP_FAILED;
	v->run = MAP_FAILED;
	v->mem_size = mem_size;
	v->code = code;
	v->sys = open(dev, O_RDWR | O_CLOEXEC);
	if (v->sys < 0)
		return -1;
	v->fd = ioctl(v->sys, KVM_CREATE_VM, 0);
	if (v->fd < 0)
		return -1;
	v->mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (v->mem == MAP_FAILED)
		return -1;
	memcpy(v->mem + entry, code, len);
	r.userspace_addr = (unsigned long)v->mem;
	if (ioctl(v->fd, KVM_SET_USER_MEMORY_REGION, &r))
		return -1;
	if (irqchip && ioctl(v->fd, KVM_CREATE_IRQCHIP, 0))
		return -1;
	v->vcpu = ioctl(v->fd, KVM_CREATE_VCPU, 0);
	size = ioctl(v->sys, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (v->vcpu < 0 || size <= 0)
		return -1;
	v->run_size = size;
	v->run = mmap(NULL, v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->vcpu, 0);
	if (v->run == MAP_FAILED)
		return -1;
	return 0;
}

static inline int onevm_create(struct onevm *v, const char *dev, size_t mem_size,
			       const unsigned char *code, size_t len, size_t entry)
{
	return onevm_create_chip(v, dev, mem_size, code, len, entry, 0);
}

static inline void onevm_destroy(struct onevm *v)
{
	if (v->run != MAP_FAILED)
		munmap(v->run, v->run_size);
	if (v->mem != MAP_FAILED)
		munmap(v->mem, v->mem_size);
	if (v->vcpu >= 0)
		close(v->vcpu);
	if (v->fd >= 0)
		close(v->fd);
	if (v->sys >= 0)
		close(v->sys);
}

#endif
