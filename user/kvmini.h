/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the parts of the kvmini tool share: the guest memory map (one
 * place, so the loader, the table builder and the usage text agree), the
 * VM handle and each part's entry points.
 */
#ifndef KVMINI_TOOL_H
#define KVMINI_TOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/kvm.h>

#include "hcall.h"

#define DEFAULT_DEVICE		"/dev/kvmini"

/*
 * Guest physical memory.  The low page stays the guest's (real-mode IVT,
 * the 0x500 scratch word the tests peek at); the stack sits under the
 * flat load address so a real-mode image reaches both with CS=DS=SS=0;
 * the tool's tables go at the very top of RAM, out of the way of images
 * that load anywhere from 1 MiB up.
 */
#define STACK_TOP		0x8000ULL
#define FLAT_LOAD_ADDR		0x8000ULL
#define TOOL_AREA_SIZE		0x10000ULL	/* top 64 KiB of RAM */
#define MEM_DEFAULT		(32ULL << 20)
#define MEM_MIN			(1ULL << 20)
/* Below the MMIO window and the addresses KVM_SET_TSS_ADDR & co. take. */
#define MEM_MAX			(3ULL << 30)

#define MMIO_SCRATCH_BASE	0xd0000000ULL
#define MMIO_SCRATCH_SIZE	0x1000ULL

/* Where QEMU puts them; KVM on Intel needs both below 4 GiB, outside RAM. */
#define KVM_TSS_ADDR		0xfffbd000UL
#define KVM_IDENTITY_MAP_ADDR	0xfeffc000ULL

/* Exit statuses of `kvmini run`. */
#define EXIT_GUEST_OK		0
#define EXIT_SETUP		1
#define EXIT_GUEST_FAILED	2
#define EXIT_TIMEOUT		3

enum mode { MODE_NONE, MODE_REAL, MODE_PROTECTED, MODE_PAGED, MODE_LONG };

struct vm {
	const char *device;
	int sys_fd;
	int vm_fd;
	int vcpu_fd;
	struct kvm_run *run;
	size_t run_size;
	uint8_t *mem;
	uint64_t mem_size;
	struct hcall_vcpu hcall;
};

enum image_kind { IMAGE_FLAT, IMAGE_ELF32, IMAGE_ELF64 };

struct image {
	enum image_kind kind;
	uint64_t entry;
	uint64_t lo, hi;	/* the GPAs it occupies, [lo, hi) */
};

/* util.c */
__attribute__((noreturn, format(printf, 1, 2)))
void die(const char *fmt, ...);
/* A device that misbehaves mid-run: the guest's run failed (status 2). */
__attribute__((noreturn, format(printf, 1, 2)))
void die_running(const char *fmt, ...);
__attribute__((format(printf, 1, 2)))
void note(const char *fmt, ...);
bool parse_u64(const char *s, uint64_t *out, bool suffixes);

/* kvm.c */
int kvm_open(const char *device);
void kvm_check_api(int sys_fd, const char *device);
void ram_alloc(struct vm *vm, uint64_t mem_size);
void vm_create(struct vm *vm, const char *device);
void vm_get_regs(struct vm *vm, struct kvm_regs *regs);
void vm_set_regs(struct vm *vm, const struct kvm_regs *regs);
void vm_get_sregs(struct vm *vm, struct kvm_sregs *sregs);
void vm_set_sregs(struct vm *vm, const struct kvm_sregs *sregs);

/* load.c */
void image_load(struct vm *vm, const char *path, struct image *img);
uint64_t tool_area_base(const struct vm *vm);

/* x86_setup.c */
void x86_setup(struct vm *vm, enum mode mode, uint64_t entry);
const char *mode_name(enum mode mode);
enum mode mode_parse(const char *s);

/* console.c: the 0xe9 debug port and the 16550 at 0x3f8 */
bool console_port(uint16_t port, bool out, uint8_t *byte);
void console_flush(void);
void console_end_line(void);

/* io.c */
void io_exit(struct vm *vm);

/* mmio.c */
void mmio_exit(struct vm *vm);

/* stats.c */
void stats_exit(uint32_t reason);
void stats_port(uint16_t port, bool out, bool handled);
void stats_mmio(bool scratch, bool write);
void stats_print(void);
const char *exit_reason_name(uint32_t reason);

/* run.c, info.c */
int cmd_run(int argc, char **argv);
int cmd_info(int argc, char **argv);

void usage(FILE *f);

#endif
