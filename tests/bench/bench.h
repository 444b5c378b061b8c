/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The benchmark client (bench.c): what the guest (guest.S) and the host
 * side share, and the host side's small VM library (vm.c) and memory
 * readings (memory.c).
 */
#ifndef KVMINI_BENCH_H
#define KVMINI_BENCH_H

/* Guest-physical layout of slot 0 (BENCH_LOW_SIZE bytes at 0). */
#define BENCH_GDT		0x100
#define BENCH_IDT		0x200
#define BENCH_CODE		0x1000
#define BENCH_STACK_TOP		0x8000
#define BENCH_LOW_SIZE		0x100000

/* Guest RAM under test starts here, in slots 1 and up. */
#define BENCH_RAM_GPA		0x4000000
#define BENCH_SLOT_SIZE		(64UL << 20)

/* No slot covers it: a write there is MMIO. */
#define BENCH_MMIO_GPA		0xd0000000
#define BENCH_PORT		0x510
#define BENCH_FAULT_PORT	0xf1
/* Not a KVM hypercall number (include/uapi/linux/kvm_para.h). */
#define BENCH_HC_UNKNOWN	0x7f00
#define KVM_ENOSYS		1000

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>

extern const unsigned char guest_start[], guest_end[], guest_vectors[];
extern const unsigned char op_cpuid[], op_vmcall[], op_pio[], op_mmio[];
extern const unsigned char op_touch[], op_loop[], op_hlt[];

/* Where a guest label ends up in the guest. */
#define GUEST_ADDR(label)	(BENCH_CODE + (uint32_t)((label) - guest_start))

/* A device opened once: the system fd and what every VM needs from it. */
struct bench_dev {
	const char *path;
	int sys;
	int run_size;
	struct kvm_cpuid2 *cpuid;
};

/* Guest RAM: one memfd, mapped @maps times (BENCH_SLOT_SIZE each). */
struct bench_ram {
	int fd;
	bool huge;
	unsigned int maps;
	void *map[32];
};

struct bench_vm {
	struct bench_dev *dev;
	int fd, vcpu;
	struct kvm_run *run;
	unsigned int slots;
};

/* Why a guest run stopped other than at its HLT. */
enum run_end { RUN_HLT, RUN_FAULT, RUN_ERROR };

struct run_result {
	enum run_end end;
	uint64_t ticks;		/* EDX:EAX at the HLT */
	uint32_t ebx;
	unsigned int vector;	/* RUN_FAULT: the exception */
	unsigned long exits_to_user;
};

int dev_open(struct bench_dev *d, const char *path);
void dev_close(struct bench_dev *d);

int ram_create(struct bench_ram *r, unsigned int maps, bool huge);
void ram_destroy(struct bench_ram *r);

int vm_create(struct bench_vm *vm, struct bench_dev *d, void *low);
int vm_add_ram(struct bench_vm *vm, struct bench_ram *r);
void vm_destroy(struct bench_vm *vm);
int vm_run_op(struct bench_vm *vm, const unsigned char *op, uint32_t esi, uint32_t ebx,
	      struct run_result *res);
void *low_create(void);

/* KVM's binary statistics (KVM_GET_STATS_FD) of a VM or vCPU fd. */
struct bench_stats {
	int fd;
	struct kvm_stats_header hdr;
	char *descs;
};

int stats_open(struct bench_stats *s, int fd);
int stats_get(struct bench_stats *s, const char *name, uint64_t *val);
void stats_close(struct bench_stats *s);

int mem_path(struct bench_dev *d, const char *label, const char *name, unsigned int maps,
	     bool huge);

__attribute__((format(printf, 1, 2)))
void bench_err(const char *fmt, ...);

static inline uint64_t rdtsc_host(void)
{
	uint32_t lo, hi;

	asm volatile("lfence; rdtsc" : "=a" (lo), "=d" (hi) : : "memory");
	return (uint64_t)hi << 32 | lo;
}
#endif

#endif
