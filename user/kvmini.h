/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the parts of the kvmini tool share: the guest memory map (one
 * place, so the loader, the table builder and the usage text agree), the
 * VM and vCPU handles and each part's entry points.
 */
#ifndef KVMINI_TOOL_H
#define KVMINI_TOOL_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/kvm.h>

#include "disk.h"
#include "fwcfg.h"
#include "testdev.h"
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
#define EXIT_SIGNAL		4	/* stopped by SIGINT, SIGTERM or SIGHUP */

/* kvmini's own limit on vCPUs per VM. */
#define MAX_VCPUS		8
/* With several vCPUs each slice is a whole number of the largest pages used. */
#define SLICE_ALIGN		(4ULL << 20)
#define SLICE_DEFAULT		(16ULL << 20)

/*
 * Signals between the tool's threads: the main thread kicks a vCPU thread
 * out of KVM_RUN with SIG_KICK; a vCPU thread that ended tells the main
 * thread with SIG_DONE.
 */
#define SIG_KICK		SIGUSR1
#define SIG_DONE		SIGUSR2

enum mode { MODE_NONE, MODE_REAL, MODE_PROTECTED, MODE_PAGED, MODE_LONG };

#define CONSOLE_LINE_MAX	1024

/* One vCPU's console: its own 16550 registers and a line being assembled. */
struct console {
	uint8_t uart[8];
	uint8_t divisor[2];
	char line[CONSOLE_LINE_MAX];
	unsigned int len;
};

/*
 * Why a vCPU stopped: the status its own run earned, and the line that
 * says so (empty when it finished well).
 */
struct vcpu_end {
	int status;
	char why[400];
};

/*
 * What handling one exit decided.  Handlers (io.c, mmio.c, hcall.c and
 * vcpu.c's own) only say it; the run loop alone acts on it, so how a
 * vCPU ends, what the report says and whether the others stop are
 * decided in one place (vcpu.c's vcpu_ends()).
 */
enum verdict_kind {
	VERDICT_RUN,		/* enter the guest again */
	VERDICT_FINISHED,	/* halted with interrupts off: finished well */
	VERDICT_FAILED,		/* the guest failed: EXIT_GUEST_FAILED, and the run stops */
	VERDICT_STOPPED,	/* the run was stopped from outside: vm->stop says how */
	VERDICT_EXIT,		/* the guest asked to end the run with exit_status */
};

struct verdict {
	enum verdict_kind kind;
	bool at_rip;		/* FAILED: the loop adds " at rip ..." to why */
	int exit_status;	/* EXIT: the tool's exit status */
	char why[300];
};

struct vm;
struct vcpu;
struct pc;

/*
 * Ports [first, last] belong to one device: access() reads or writes one
 * byte (io.c splits wider accesses), and may end the run through @v.
 */
struct port_range {
	uint16_t first, last;
	void (*access)(struct vcpu *vcpu, const struct port_range *range, uint16_t port,
		       bool out, uint8_t *byte, struct verdict *v);
	/* The PC's devices (pc.c): the device access() calls under the PC's lock. */
	void (*pc_io)(struct pc *pc, uint16_t port, bool out, uint8_t *byte, uint64_t now);
};

struct vcpu {
	struct vm *vm;
	unsigned int id;
	int fd;
	struct kvm_run *run;
	/* Its slice of guest RAM: GPA and host address. */
	uint64_t base;
	uint8_t *mem;
	char prefix[8];		/* "[k] " before each output line, "" alone */
	struct console con;
	uint8_t mmio_scratch[MMIO_SCRATCH_SIZE];
	pthread_t thread;
	bool started;
	int finished;		/* set by its thread as it ends (atomic) */

	/*
	 * Interrupt delivery: a device (the --timer tick, or the PC's PIC)
	 * raises the vCPU's interrupt line under irq_lock and wakes or kicks
	 * the vCPU; only the vCPU's own thread calls KVM_INTERRUPT.  irq_lock
	 * is &lock, or for vCPU 0 of a PC the PC's device lock (pc.h).
	 */
	pthread_mutex_t lock;
	pthread_mutex_t *irq_lock;
	pthread_cond_t wake;
	bool irq_pending;	/* --timer's line (a PC's is its PIC's output) */
	unsigned long irqs_injected;

	struct hcall_vcpu hcall;	/* port hypercalls (hcall.c) */

	struct vcpu_end end;
	struct kvm_regs regs;	/* as it ended */
	bool regs_valid;
};

struct vm {
	const char *device;
	int sys_fd;
	int vm_fd;
	size_t run_size;
	uint8_t *mem;
	uint64_t mem_size;
	enum mode mode;
	unsigned int nr_vcpus;
	uint64_t slice_size;	/* each vCPU's part of RAM, from GPA id * slice_size */
	struct vcpu vcpus[MAX_VCPUS];

	struct disk disk;	/* --disk; fd -1 when there is none */
	/*
	 * --multiboot: one machine whose vCPUs all see all of RAM (no
	 * slices, no "[k] " prefixes, no hypercalls), fw_cfg at 0x510.
	 */
	bool shared_ram;
	struct fwcfg *fwcfg;
	/* --multiboot: QEMU's pc-testdev (ports 0xe0-0xe3, I/O RAM at 0xff000000) */
	struct testdev *testdev;
	/* isa-debug-exit at 0xf4 (--debug-exit, or --multiboot) */
	bool debug_exit;
	/* --irqchip=kernel: the device's PIC, IOAPIC and local APICs (KVM_CREATE_IRQCHIP) */
	bool irqchip;
	/* --cpu-vendor: CPUID leaf 0's vendor string, or NULL for the device's */
	const char *cpu_vendor;
	/* The devices on ports: the test console's, or a PC's (pc.c). */
	const struct port_range *ports;
	unsigned int nr_ports;
	/* The PC that boots Linux (--kernel), or NULL. */
	struct pc *pc;

	/* The periodic interrupt (--timer); hz 0 when there is none. */
	unsigned int timer_hz;
	uint8_t timer_vector;
	/*
	 * The run is over for everyone: set once (first cause wins, under
	 * stop_lock), read by every vCPU thread before each KVM_RUN.
	 */
	pthread_mutex_t stop_lock;
	int stop;		/* 0, or the status of the whole run */
	int stop_cause;		/* the vCPU that failed, or -1 */
	char stop_why[160];	/* what the stopped vCPUs say, before "at rip" */
	unsigned int done;	/* vCPU threads finished */
	unsigned int stuck;	/* vCPU threads that would not stop: still running */
	pthread_t main_thread;
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
/* One line on stderr, whole even when several threads say something. */
__attribute__((format(printf, 1, 2)))
void note(const char *fmt, ...);
bool parse_u64(const char *s, uint64_t *out, bool suffixes);
bool pread_all(int fd, void *buf, size_t len, uint64_t pos);
bool parse_ms(const char *s, uint64_t *ms);
/* @v says the guest failed, for the reason formatted; at_rip as struct verdict says. */
__attribute__((format(printf, 3, 4)))
void verdict_fail(struct verdict *v, bool at_rip, const char *fmt, ...);
void format_ms(char *buf, size_t size, uint64_t ms);


/* kvm.c: the device, the VM, its memory and vCPUs (setup errors die) */
int kvm_open(const char *device);
void kvm_check_api(int sys_fd, const char *device);
/* Why the device cannot be used: one line, without "kvmini: ", into @buf. */
void open_error(char *buf, size_t size, const char *device, int err);
void api_error(char *buf, size_t size, const char *device, int version, int err);
void cap_error(char *buf, size_t size, const char *device, const char *cap);
void ram_alloc(struct vm *vm, uint64_t mem_size);
void vm_create(struct vm *vm, const char *device);
/* --irqchip=kernel: after vm_create(), before the vCPUs */
void vm_create_irqchip(struct vm *vm);
void vcpu_create(struct vm *vm, unsigned int id);
/* With the device's local APICs: an AP waits for INIT and SIPI, as QEMU leaves it */
void vcpu_wait_for_sipi(struct vcpu *vcpu);
void vm_destroy(struct vm *vm);
void vcpu_get_sregs(struct vcpu *vcpu, struct kvm_sregs *sregs);
void vcpu_set_sregs(struct vcpu *vcpu, const struct kvm_sregs *sregs);
void vcpu_set_regs(struct vcpu *vcpu, const struct kvm_regs *regs);

/* load.c */
void image_load(struct vm *vm, const char *path, struct image *img);
uint64_t tool_area_base(const struct vm *vm);

/* load.c: --multiboot FILE, its modules (--initrd) and --append, as QEMU's -kernel */
#define MULTIBOOT_MAX_MODULES	8
struct multiboot_boot {
	const char *kernel, *append;
	const char *modules[MULTIBOOT_MAX_MODULES];
	unsigned int nmodules;
};
/* Into guest RAM: the entry and the boot information's address (EIP and EBX). */
void multiboot_load(struct vm *vm, const struct multiboot_boot *mb, uint32_t *entry,
		    uint32_t *info);
void multiboot_setup_vcpu(struct vcpu *vcpu, uint32_t entry, uint32_t info);

/* boot.c: a Linux bzImage by the 64-bit boot protocol (--kernel) */
struct linux_boot {
	const char *kernel, *initrd, *append;
};
extern const char linux_default_cmdline[];
/* Into guest RAM; the entry point for x86_setup() in long mode. */
void linux_load(struct vm *vm, const struct linux_boot *lb, uint64_t *entry);
void linux_setup_vcpu(struct vcpu *vcpu);

/* pc.c: the ports of the PC for Linux */
extern const struct port_range pc_ports[];
extern const unsigned int nr_pc_ports;

/* x86_setup.c */
void x86_setup(struct vcpu *vcpu, enum mode mode, uint64_t entry);
const char *mode_name(enum mode mode);
enum mode mode_parse(const char *s);

/* console.c: the 0xe9 debug port and the 16550 at 0x3f8, per vCPU */
bool console_port(struct vcpu *vcpu, uint16_t port, bool out, uint8_t *byte);
extern const struct port_range console_ports[];
extern const unsigned int nr_console_ports;
void console_flush(void);
void console_end_line(struct vcpu *vcpu);
__attribute__((format(printf, 2, 3)))
void console_printf(const struct vcpu *vcpu, const char *fmt, ...);

/* io.c, mmio.c: @v is left alone unless the exit itself was malformed */
void io_exit(struct vcpu *vcpu, struct verdict *v);
void mmio_exit(struct vcpu *vcpu, struct verdict *v);

/* vcpu.c: one thread per vCPU */
void *vcpu_thread(void *arg);
void vcpu_kick(struct vcpu *vcpu);
void vcpu_post_irq(struct vcpu *vcpu);
void vcpu_signals_init(void);

/* supervise.c: the main thread while the vCPUs run */
int vm_run(struct vm *vm, uint64_t timeout_ms);
void vm_stop(struct vm *vm, int status, const struct vcpu *cause, const char *why);
/* The guest ended the run (isa-debug-exit): @status, and nothing said about the other vCPUs. */
void vm_exit(struct vm *vm, int status);

/* stats.c (thread-safe counters) */
void stats_exit(uint32_t reason);

/* cr3trace.c: --trace-cr3 */
void cr3trace_start(struct vm *vm, const char *file, bool all);
void cr3trace_exit(struct vcpu *vcpu, struct verdict *v);
void cr3trace_finish(bool stats);
void stats_port(uint16_t port, bool out, bool handled);
void stats_mmio(bool scratch, bool write);
void stats_print(void);
const char *exit_reason_name(uint32_t reason);

/*
 * A command of the tool: main.c lists the synopses and dispatches; the
 * command owns its help and says its own argument errors.
 */
struct command {
	const char *name;
	const char *synopsis;		/* after "kvmini ": arguments, then what it does */
	void (*help)(FILE *f);		/* its options and notes */
	int (*main)(int argc, char **argv);
};

/* run.c, info.c, vmstats.c */
extern const struct command run_command, info_command, stats_command;
/* util.c: `kvmini CMD --help`, the command's usage line and its help. */
void command_help(const struct command *cmd, FILE *f);

#endif
