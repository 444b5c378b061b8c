/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest side of the kvmini hypercalls (docs/hypercalls.md): one
 * `outl %eax, $HC_PORT` per call, number in EAX, arguments in RBX, RCX,
 * RDX, RSI, the result in RAX, or EDX:EAX in 32-bit code; negative is
 * -errno.  Pointers are the guest's own virtual addresses.
 */
#ifndef GUEST_HCALL_H
#define GUEST_HCALL_H

#include "guest.h"
#include "../../user/hcall_abi.h"
#include "../../vmx/hypercall.h"

/* A hypercall the module answers itself (vmx/hypercall.h): VMCALL, KVM's convention. */
static inline long vmcall1(unsigned long nr, unsigned long a0)
{
	unsigned long ret;

	asm volatile("vmcall" : "=a"(ret) : "a"(nr), "b"(a0) : "memory");
	return ret;
}

static inline int64_t hcall(uint32_t nr, unsigned long a0, unsigned long a1,
			    unsigned long a2, unsigned long a3)
{
#ifdef __x86_64__
	uint64_t rax = nr;

	asm volatile("outl %%eax, %[port]"
		     : "+a"(rax)
		     : "b"(a0), "c"(a1), "d"(a2), "S"(a3), [port] "i"(HC_PORT)
		     : "memory");
	return (int64_t)rax;
#else
	uint32_t eax = nr, edx = a2;

	asm volatile("outl %%eax, %[port]"
		     : "+a"(eax), "+d"(edx)
		     : "b"(a0), "c"(a1), "S"(a3), [port] "i"(HC_PORT)
		     : "memory");
	return (int64_t)((uint64_t)edx << 32 | eax);
#endif
}

/* The tool answers hypercalls: a 4-byte IN from the port says so. */
static inline bool hc_present(void)
{
	return inl(HC_PORT) == HC_SIGNATURE;
}

/* Bytes printed, or -EFAULT, -E2BIG (longer than HC_PRINT_MAX). */
static inline int64_t hc_print(const char *s)
{
	return hcall(HC_PRINT, (unsigned long)s, 0, 0, 0);
}

/* The vCPU's exits so far, this one included; -EOPNOTSUPP without statistics. */
static inline int64_t hc_exits(void)
{
	return hcall(HC_EXITS, 0, 0, 0, 0);
}

/* A guest fd (0 to HC_MAX_FILES - 1) for @path in the shared directory. */
static inline int64_t hc_open(const char *path, uint32_t flags)
{
	return hcall(HC_OPEN, (unsigned long)path, flags, 0, 0);
}

static inline int64_t hc_read(int64_t fd, void *buf, unsigned long len)
{
	return hcall(HC_READ, (unsigned long)fd, (unsigned long)buf, len, 0);
}

static inline int64_t hc_write(int64_t fd, const void *buf, unsigned long len)
{
	return hcall(HC_WRITE, (unsigned long)fd, (unsigned long)buf, len, 0);
}

static inline int64_t hc_close(int64_t fd)
{
	return hcall(HC_CLOSE, (unsigned long)fd, 0, 0, 0);
}

/* Gives the RAM behind [addr, addr + len), whole pages, back: 0, -EINVAL or -EFAULT. */
static inline int64_t hc_balloon(unsigned long addr, unsigned long len)
{
	return hcall(HC_BALLOON, addr, len, 0, 0);
}

#endif
