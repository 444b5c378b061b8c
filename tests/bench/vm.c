// SPDX-License-Identifier: GPL-2.0
/*
 * The benchmark's VMs, with only the ioctls kvmini implements: a device
 * opened once, guest RAM in a memfd, a VM with one vCPU in flat 32-bit
 * protected mode, and a run loop that takes the exits the ops cause.
 * KVM_SET_CPUID2 comes first, from KVM_GET_SUPPORTED_CPUID, as real VMMs
 * do (and as 6.12's KVM insists on for long mode).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench.h"

/* log2(2 MiB) in the hugetlb size bits (linux/memfd.h, which clashes with glibc's). */
#ifndef MFD_HUGE_2MB
#define MFD_HUGE_2MB	(21U << 26)
#endif

void bench_err(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int dev_open(struct bench_dev *d, const char *path)
{
	int nent;

	memset(d, 0, sizeof(*d));
	d->path = path;
	d->sys = open(path, O_RDWR | O_CLOEXEC);
	if (d->sys < 0) {
		bench_err("%s: %s", path, strerror(errno));
		return -1;
	}
	if (ioctl(d->sys, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		bench_err("%s: not KVM API version %d", path, KVM_API_VERSION);
		goto fail;
	}
	d->run_size = ioctl(d->sys, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (d->run_size < (int)sizeof(struct kvm_run)) {
		bench_err("%s: KVM_GET_VCPU_MMAP_SIZE: %s", path, strerror(errno));
		goto fail;
	}
	for (nent = 64; nent <= 1024; nent *= 2) {
		d->cpuid = calloc(1, sizeof(*d->cpuid) + nent * sizeof(d->cpuid->entries[0]));
		if (!d->cpuid) {
			bench_err("out of memory");
			goto fail;
		}
		d->cpuid->nent = nent;
		if (ioctl(d->sys, KVM_GET_SUPPORTED_CPUID, d->cpuid) == 0)
			return 0;
		free(d->cpuid);
		d->cpuid = NULL;
		if (errno != E2BIG)
			break;
	}
	bench_err("%s: KVM_GET_SUPPORTED_CPUID: %s", path, strerror(errno));
fail:
	dev_close(d);
	return -1;
}

void dev_close(struct bench_dev *d)
{
	free(d->cpuid);
	d->cpuid = NULL;
	if (d->sys >= 0)
		close(d->sys);
	d->sys = -1;
}

void ram_destroy(struct bench_ram *r)
{
	unsigned int i;

	for (i = 0; i < r->maps; i++)
		munmap(r->map[i], BENCH_SLOT_SIZE);
	r->maps = 0;
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
}

/*
 * @maps mappings of one 64 MiB memfd: guest address space larger than
 * the machine's memory costs the hypervisor its full EPT and bookkeeping
 * while the host holds 64 MiB.  Every page is written by the host first,
 * so the guest's first touch costs the hypervisor's EPT work only, not
 * the allocation of the host page.
 */
int ram_create(struct bench_ram *r, unsigned int maps, bool huge)
{
	unsigned int flags = MFD_CLOEXEC | (huge ? MFD_HUGETLB | MFD_HUGE_2MB : 0);
	size_t off;

	memset(r, 0, sizeof(*r));
	r->huge = huge;
	if (maps == 0 || maps > sizeof(r->map) / sizeof(r->map[0])) {
		bench_err("%u mappings of guest RAM: 1 to 32", maps);
		return -1;
	}
	r->fd = memfd_create("bench-ram", flags);
	if (r->fd < 0) {
		bench_err("memfd_create%s: %s", huge ? " (hugetlb)" : "", strerror(errno));
		return -1;
	}
	if (ftruncate(r->fd, BENCH_SLOT_SIZE)) {
		bench_err("ftruncate guest RAM: %s", strerror(errno));
		goto fail;
	}
	for (r->maps = 0; r->maps < maps; r->maps++) {
		unsigned char *p = mmap(NULL, BENCH_SLOT_SIZE, PROT_READ | PROT_WRITE,
					MAP_SHARED | MAP_POPULATE, r->fd, 0);

		if (p == MAP_FAILED) {
			bench_err("mmap guest RAM%s: %s%s", huge ? " (hugetlb)" : "",
				  strerror(errno),
				  huge ? " (too few pages in /proc/sys/vm/nr_hugepages?)" : "");
			goto fail;
		}
		r->map[r->maps] = p;
		for (off = 0; off < BENCH_SLOT_SIZE; off += 4096)
			p[off] = 1;
	}
	return 0;
fail:
	ram_destroy(r);
	return -1;
}

/* A flat 4 GiB segment descriptor: type, S, DPL 0, P, 32-bit, 4 KiB granular. */
static uint64_t flat_desc(unsigned int type)
{
	return 0x00cf00000000ffffULL | (uint64_t)(0x90 | type) << 40;
}

/* Slot 0: GDT, IDT (every exception to its stub in guest.S), the code. */
void *low_create(void)
{
	unsigned char *low = mmap(NULL, BENCH_LOW_SIZE, PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	uint64_t *gdt, *idt;
	unsigned int v;

	if (low == MAP_FAILED) {
		bench_err("mmap low guest memory: %s", strerror(errno));
		return NULL;
	}
	gdt = (uint64_t *)(low + BENCH_GDT);
	gdt[1] = flat_desc(0xb);	/* 0x08: code, execute/read, accessed */
	gdt[2] = flat_desc(0x3);	/* 0x10: data, read/write, accessed */
	idt = (uint64_t *)(low + BENCH_IDT);
	for (v = 0; v < 32; v++) {
		uint32_t addr = GUEST_ADDR(guest_vectors) + 8 * v;

		/* 32-bit interrupt gate, present, DPL 0, selector 0x08. */
		idt[v] = (addr & 0xffff) | 0x08ULL << 16 | 0x8eULL << 40 |
			 (uint64_t)(addr >> 16) << 48;
	}
	memcpy(low + BENCH_CODE, guest_start, guest_end - guest_start);
	return low;
}

static void set_seg(struct kvm_segment *s, uint16_t sel, uint8_t type)
{
	memset(s, 0, sizeof(*s));
	s->limit = 0xffffffff;
	s->selector = sel;
	s->type = type;
	s->present = 1;
	s->db = 1;
	s->s = 1;
	s->g = 1;
}

static int vcpu_setup(struct bench_vm *vm)
{
	struct kvm_sregs s;

	if (ioctl(vm->vcpu, KVM_SET_CPUID2, vm->dev->cpuid)) {
		bench_err("%s: KVM_SET_CPUID2: %s", vm->dev->path, strerror(errno));
		return -1;
	}
	if (ioctl(vm->vcpu, KVM_GET_SREGS, &s)) {
		bench_err("%s: KVM_GET_SREGS: %s", vm->dev->path, strerror(errno));
		return -1;
	}
	set_seg(&s.cs, 0x08, 0xb);
	set_seg(&s.ds, 0x10, 0x3);
	s.es = s.fs = s.gs = s.ss = s.ds;
	s.gdt.base = BENCH_GDT;
	s.gdt.limit = 3 * 8 - 1;
	s.idt.base = BENCH_IDT;
	s.idt.limit = 32 * 8 - 1;
	s.cr0 = 0x11;	/* PE, ET: no paging, guest-physical = linear */
	s.cr4 = 0;
	s.efer = 0;
	if (ioctl(vm->vcpu, KVM_SET_SREGS, &s)) {
		bench_err("%s: KVM_SET_SREGS: %s", vm->dev->path, strerror(errno));
		return -1;
	}
	return 0;
}

static int set_slot(struct bench_vm *vm, unsigned int slot, uint64_t gpa, void *hva,
		    uint64_t size)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot, .guest_phys_addr = gpa, .memory_size = size,
		.userspace_addr = (uintptr_t)hva,
	};

	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r)) {
		bench_err("%s: KVM_SET_USER_MEMORY_REGION slot %u: %s", vm->dev->path, slot,
			  strerror(errno));
		return -1;
	}
	return 0;
}

int vm_create(struct bench_vm *vm, struct bench_dev *d, void *low)
{
	vm->dev = d;
	vm->vcpu = -1;
	vm->run = MAP_FAILED;
	vm->slots = 1;
	vm->fd = ioctl(d->sys, KVM_CREATE_VM, 0);
	if (vm->fd < 0) {
		bench_err("%s: KVM_CREATE_VM: %s", d->path, strerror(errno));
		return -1;
	}
	if (set_slot(vm, 0, 0, low, BENCH_LOW_SIZE))
		goto fail;
	vm->vcpu = ioctl(vm->fd, KVM_CREATE_VCPU, 0);
	if (vm->vcpu < 0) {
		bench_err("%s: KVM_CREATE_VCPU: %s", d->path, strerror(errno));
		goto fail;
	}
	vm->run = mmap(NULL, d->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vm->vcpu, 0);
	if (vm->run == MAP_FAILED) {
		bench_err("%s: mmap vCPU: %s", d->path, strerror(errno));
		goto fail;
	}
	if (vcpu_setup(vm))
		goto fail;
	return 0;
fail:
	vm_destroy(vm);
	return -1;
}

/* Slots 1 and up: @r's mappings, one after the other from BENCH_RAM_GPA. */
int vm_add_ram(struct bench_vm *vm, struct bench_ram *r)
{
	unsigned int i;

	for (i = 0; i < r->maps; i++) {
		if (set_slot(vm, vm->slots, BENCH_RAM_GPA + (uint64_t)i * BENCH_SLOT_SIZE,
			     r->map[i], BENCH_SLOT_SIZE))
			return -1;
		vm->slots++;
	}
	return 0;
}

/* The mapping of kvm_run holds the vCPU file: it goes first. */
void vm_destroy(struct bench_vm *vm)
{
	if (vm->run != MAP_FAILED)
		munmap(vm->run, vm->dev->run_size);
	vm->run = MAP_FAILED;
	if (vm->vcpu >= 0)
		close(vm->vcpu);
	vm->vcpu = -1;
	if (vm->fd >= 0)
		close(vm->fd);
	vm->fd = -1;
}

static const char *exit_name(uint32_t reason)
{
	switch (reason) {
	case KVM_EXIT_IO: return "IO";
	case KVM_EXIT_MMIO: return "MMIO";
	case KVM_EXIT_HLT: return "HLT";
	case KVM_EXIT_SHUTDOWN: return "SHUTDOWN";
	case KVM_EXIT_FAIL_ENTRY: return "FAIL_ENTRY";
	case KVM_EXIT_INTERNAL_ERROR: return "INTERNAL_ERROR";
	default: return "other";
	}
}

/*
 * Runs the guest from @op to its HLT, taking the exits to userspace the
 * ops make (port BENCH_PORT, MMIO at BENCH_MMIO_GPA) and nothing else.
 * Return: 0 with @res filled (RUN_HLT or RUN_FAULT), -1 on an error,
 * said on stderr.
 */
int vm_run_op(struct bench_vm *vm, const unsigned char *op, uint32_t esi, uint32_t ebx,
	      struct run_result *res)
{
	struct kvm_regs regs = {
		.rip = GUEST_ADDR(op), .rsi = esi, .rbx = ebx, .rsp = BENCH_STACK_TOP,
		.rflags = 2,
	};
	struct kvm_run *run = vm->run;
	const char *dev = vm->dev->path;

	memset(res, 0, sizeof(*res));
	res->end = RUN_ERROR;
	if (ioctl(vm->vcpu, KVM_SET_REGS, &regs)) {
		bench_err("%s: KVM_SET_REGS: %s", dev, strerror(errno));
		return -1;
	}
	for (;;) {
		if (ioctl(vm->vcpu, KVM_RUN, 0)) {
			bench_err("%s: KVM_RUN: %s", dev, strerror(errno));
			return -1;
		}
		if (run->exit_reason == KVM_EXIT_HLT)
			break;
		if (run->exit_reason == KVM_EXIT_IO && run->io.port == BENCH_FAULT_PORT) {
			res->vector = *((uint8_t *)run + run->io.data_offset);
			res->end = RUN_FAULT;
			return 0;
		}
		if ((run->exit_reason == KVM_EXIT_IO && run->io.port == BENCH_PORT &&
		     run->io.direction == KVM_EXIT_IO_OUT) ||
		    (run->exit_reason == KVM_EXIT_MMIO && run->mmio.is_write &&
		     run->mmio.phys_addr == BENCH_MMIO_GPA)) {
			res->exits_to_user++;
			continue;
		}
		bench_err("%s: unexpected exit %u (%s)", dev, run->exit_reason,
			  exit_name(run->exit_reason));
		return -1;
	}
	if (ioctl(vm->vcpu, KVM_GET_REGS, &regs)) {
		bench_err("%s: KVM_GET_REGS: %s", dev, strerror(errno));
		return -1;
	}
	res->end = RUN_HLT;
	res->ticks = (regs.rdx & 0xffffffff) << 32 | (regs.rax & 0xffffffff);
	res->ebx = regs.rbx;
	return 0;
}

/* Return: 0, or -1 with errno (ENOTTY or EINVAL: the device has none). */
int stats_open(struct bench_stats *s, int fd)
{
	size_t dsize;

	s->descs = NULL;
	s->fd = ioctl(fd, KVM_GET_STATS_FD, NULL);
	if (s->fd < 0)
		return -1;
	if (pread(s->fd, &s->hdr, sizeof(s->hdr), 0) != sizeof(s->hdr))
		goto fail;
	dsize = (size_t)s->hdr.num_desc * (sizeof(struct kvm_stats_desc) + s->hdr.name_size);
	s->descs = malloc(dsize ? dsize : 1);
	if (!s->descs || pread(s->fd, s->descs, dsize, s->hdr.desc_offset) != (ssize_t)dsize)
		goto fail;
	return 0;
fail:
	stats_close(s);
	errno = EIO;
	return -1;
}

int stats_get(struct bench_stats *s, const char *name, uint64_t *val)
{
	size_t step = sizeof(struct kvm_stats_desc) + s->hdr.name_size;
	unsigned int i;

	for (i = 0; i < s->hdr.num_desc; i++) {
		struct kvm_stats_desc *d = (void *)(s->descs + i * step);

		if (strncmp(d->name, name, s->hdr.name_size))
			continue;
		if (pread(s->fd, val, sizeof(*val), s->hdr.data_offset + d->offset) !=
		    sizeof(*val))
			return -1;
		return 0;
	}
	errno = ENOENT;
	return -1;
}

void stats_close(struct bench_stats *s)
{
	free(s->descs);
	s->descs = NULL;
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}
