// SPDX-License-Identifier: GPL-2.0
/*
 * `kvmini run`: options, the guest's memory and vCPUs, then the run
 * (supervise.c, vcpu.c) and the report.  With several vCPUs, each runs
 * its own instance of the image in its own slice of RAM (x86_setup.c
 * says how it is kept there).
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "kvmini.h"
#include "pc.h"
#include "vmstats.h"

#define MAX_PEEKS	16
#define TIMER_MAX_HZ	10000
#define TIMER_DEFAULT_VECTOR	0x20
#define LINUX_MEM_DEFAULT	(256ULL << 20)
#define MULTIBOOT_MEM_DEFAULT	(128ULL << 20)	/* QEMU's */
#define MULTIBOOT_MEM_MIN	(2ULL << 20)

/* --multiboot's: the machine's, for the life of the process (a stuck vCPU thread may still read it). */
static struct fwcfg fwcfg;
static struct testdev testdev;

struct run_opts {
	const char *device;
	enum mode mode;
	uint64_t mem;
	bool mem_set;
	uint64_t timeout_ms;
	uint64_t vcpus;
	uint64_t timer_hz, timer_vector;
	bool stats, regs;
	uint64_t peek[MAX_PEEKS];
	unsigned int npeek;
	const char *image;
	const char *share;
	const char *disk;
	bool trace_cr3;		/* --trace-cr3[=FILE] */
	const char *trace_file;
	bool cr3_all;		/* --cr3-targets=off */
	struct linux_boot boot;	/* --kernel, --initrd, --append */
	struct multiboot_boot mb;	/* --multiboot, every --initrd, --append */
	bool debug_exit;	/* --debug-exit (always with --multiboot) */
	bool irqchip;		/* --irqchip=kernel */
	const char *cpu_vendor;	/* --cpu-vendor */
};

static void help(FILE *f)
{
	fprintf(f,
"run options:\n"
"  --kernel KERNEL  boot a Linux bzImage, or its vmlinux ELF, instead of\n"
"                  IMAGE, on a PC (below)\n"
"  --initrd FILE   its initramfs; with --multiboot, a module (repeatable, up\n"
"                  to 8: kvm-unit-tests' environment file is one)\n"
"  --append CMDLINE  added to the default command line (below); with\n"
"                  --multiboot, the arguments after FILE\n"
"  --multiboot FILE  boot a Multiboot (v1) kernel, an ELF or an a.out-kludge\n"
"                  image, instead of IMAGE (below)\n"
"  --irqchip user|kernel\n"
"                  with --multiboot: kernel asks the device for its PIC, IOAPIC\n"
"                  and local APICs (KVM_CREATE_IRQCHIP); the APs of --vcpus N\n"
"                  then wait for INIT and SIPI (default user: none, one vCPU)\n"
"  --cpu-vendor ID  CPUID's 12-character vendor for the guest, as QEMU's\n"
"                  -cpu ...,vendor=ID (AuthenticAMD: kvm-unit-tests' syscall)\n"
"  --debug-exit    QEMU's isa-debug-exit at ports 0xf4-0xf7: writing V ends\n"
"                  the run with exit status (V << 1) | 1 (on with --multiboot)\n"
"  --device PATH   KVM-compatible device (default " DEFAULT_DEVICE ", or /dev/kvm)\n"
"  --mode MODE     real, protected (32-bit, no paging), paged (32-bit, 4 MiB\n"
"                  pages) or long (64-bit, 2 MiB pages); default: long for an\n"
"                  ELF64, protected for an ELF32, real for a flat binary\n"
"  --mem SIZE      guest RAM at address 0, K/M/G suffix (default 32M, 1M-3G)\n"
"  --timeout SEC   stop the guest after SEC seconds (0.25: a quarter)\n"
"  --vcpus N       N vCPUs (1-8), a thread each, each running its own copy of\n"
"                  IMAGE in its own slice of RAM (--mem / N, whole 4 MiB; the\n"
"                  default --mem is then 16M per vCPU); output lines prefixed\n"
"                  \"[k] \"; not in real mode\n"
"  --timer HZ[,VECTOR]\n"
"                  a periodic interrupt (1-10000 Hz, vector 32-255, default\n"
"                  0x20) to every vCPU; hlt with interrupts on then waits for it\n"
"  --regs          print the final general registers (\"reg rax 0x...\")\n"
"  --peek GPA      print the 64-bit word at GPA afterwards (repeatable)\n"
"  --stats         print exits by reason and the I/O ports used, and the\n"
"                  device's counters for the VM and each vCPU (\"stats: vm\n"
"                  NAME VALUE\", \"stats: vcpuN NAME VALUE\")\n"
"  --share DIR     the directory the guest's open() hypercall may use\n"
"                  (nothing outside it; without --share, open fails)\n"
"  --trace-cr3[=FILE]\n"
"                  every CR3 load exits (a kvmini extension): processes seen\n"
"                  from outside, Antfarm's way; events to FILE as CSV\n"
"                  (tsc,vcpu,event,key), counts at the end (docs/antfarm.md)\n"
"  --cr3-targets on|off\n"
"                  with --trace-cr3: whether the CPU lets the loads that only\n"
"                  enter or leave the guest's kernel through (on, default) or\n"
"                  every load exits (off: what the target list saves)\n"
"  --disk FILE     a block device at port 0xec backed by FILE (a regular file\n"
"                  or block device, read and written in place; its size in\n"
"                  512-byte sectors is the disk's): docs/disk.md\n"
"\n"
"IMAGE is a static x86 ELF (32 or 64-bit; PT_LOAD segments at p_paddr, entry\n"
"e_entry) or a flat binary, loaded and entered at 0x8000 (real mode: CS=0).\n"
"Guest memory: 0-0xfff the guest's own; the stack starts at 0x8000 going\n"
"down; the top 64 KiB of RAM holds the tool's GDT, TSS and page tables,\n"
"which identity-map the low 4 GiB. Interrupts start off; the IDT is empty\n"
"(real mode: the IVT at 0), so set one before taking exceptions.\n"
"With N vCPUs, vCPU k's slice starts at GPA k * --mem / N and all of the\n"
"above is per slice: paging maps virtual addresses below the slice size onto\n"
"the slice, those above RAM onto themselves (MMIO), nothing else; protected\n"
"mode without paging gets segments based at the slice and limited to it\n"
"(which a guest loading its own GDT can escape). --peek takes GPAs. Each\n"
"vCPU has its own UART and MMIO scratch device; --stats adds up all vCPUs.\n"
"Devices: port 0xe9 and a 16550 at 0x3f8 print to stdout; MMIO scratch at\n"
"0xd0000000-0xd0000fff reads back what was written; port 0xea takes\n"
"hypercalls (print, exits, open, read, write, close, balloon:\n"
"docs/hypercalls.md); with --disk, port 0xec takes disk requests (one OUT\n"
"of a request's GPA); other ports and addresses read as all ones and ignore\n"
"writes.\n"
"\n"
"Exit status: 0 every vCPU halted with interrupts off (cli; hlt); 1 usage\n"
"or setup error; 2 a guest failed (triple fault, entry failure, internal\n"
"error, unexpected exit, hlt with interrupts on and no --timer), which stops\n"
"the others too; 3 timeout; 4 stopped by SIGINT, SIGTERM or SIGHUP. Each\n"
"vCPU that did not finish well gets a line on stderr (\"vCPU k: ...\" with\n"
"several), the one that failed last.\n"
"\n"
"With --kernel, one vCPU boots KERNEL by the 64-bit boot protocol (--mem\n"
"64M-3G, default 256M) on a PC: 8259A pair, 8254 PIT, 16550A COM1 on this\n"
"terminal (raw mode; Ctrl-A x quits; stdin may be a pipe), RTC with the\n"
"host's time, i8042, PCI configuration ports with no device; other ports\n"
"and all MMIO read as all ones. The command line starts with\n"
"\"%s\".\n"
"Exit status: 0 the guest powered off (halted with interrupts off) or\n"
"rebooted; 2 it crashed (triple fault, a kernel panic on its console, an\n"
"unhandled exit); 3 timeout; 4 signal or Ctrl-A x.\n"
"\n"
"With --multiboot, FILE is loaded as QEMU's -kernel loads a multiboot image\n"
"(kvm-unit-tests' x86 .flat files are): its header in the first 8 KiB, its\n"
"ELF segments (or the header's a.out addresses) at 64 KiB or above, each\n"
"--initrd a page-aligned module after it, the boot information at 0x9000\n"
"(command line \"FILE [APPEND]\", memory map: RAM to 640K and from 1M to the\n"
"top 64 KiB, which is the tool's and reserved). vCPU 0 starts at the entry\n"
"in 32-bit protected mode, paging off, EAX 0x2badb002, EBX the information;\n"
"--mem 2M-3G, default 128M; all vCPUs share RAM. Devices: port 0xe9 and the\n"
"16550 at 0x3f8 (\"\\r\\n\" ends a line), fw_cfg at 0x510-0x511 (signature,\n"
"ID, RAM size, CPU counts), isa-debug-exit at 0xf4, QEMU's pc-testdev (its\n"
"register at 0xe0-0xe3 and 64 KiB of MMIO \"I/O RAM\" at 0xff000000, which\n"
"kvm-unit-tests' emulator test runs instructions on). --mode, --timer, --peek,\n"
"--share and --disk are refused. Exit status: (V << 1) | 1 when the guest\n"
"writes V to 0xf4, else as for IMAGE (with --irqchip=kernel the device\n"
"handles hlt: such a guest ends by 0xf4 or --timeout).\n", linux_default_cmdline);
}

/* --timer HZ[,VECTOR] */
static void parse_timer(const char *arg, struct run_opts *o)
{
	char hz[32];
	const char *comma = strchr(arg, ',');
	size_t n = comma ? (size_t)(comma - arg) : strlen(arg);

	if (n >= sizeof(hz))
		n = sizeof(hz) - 1;
	memcpy(hz, arg, n);
	hz[n] = 0;
	if (!parse_u64(hz, &o->timer_hz, false) || !o->timer_hz || o->timer_hz > TIMER_MAX_HZ)
		die("bad --timer '%s' (HZ from 1 to %d, then optionally ,VECTOR)", arg,
		    TIMER_MAX_HZ);
	o->timer_vector = TIMER_DEFAULT_VECTOR;
	if (comma && (!parse_u64(comma + 1, &o->timer_vector, false) ||
		      o->timer_vector < 32 || o->timer_vector > 255))
		die("bad --timer '%s': the vector must be 32 to 255 (0-31 are exceptions)", arg);
}

/* --multiboot: one machine of --vcpus CPUs sharing RAM, booted as QEMU boots one. */
static void parse_multiboot(int argc, char **argv, struct run_opts *o)
{
	unsigned int i;

	if (optind < argc)
		die("run: --multiboot boots FILE, not the image '%s' too", argv[optind]);
	if (o->mode || o->timer_hz || o->npeek || o->share || o->disk)
		die("--multiboot takes none of --mode, --timer, --peek, --share, --disk");
	if (o->vcpus > 1 && !o->irqchip)
		die("--multiboot with --vcpus %llu needs --irqchip=kernel: the APs wait for "
		    "INIT and SIPI from an in-kernel local APIC", (unsigned long long)o->vcpus);
	if (!o->mem_set)
		o->mem = MULTIBOOT_MEM_DEFAULT;
	if (o->mem < MULTIBOOT_MEM_MIN || o->mem > MEM_MAX || o->mem % 4096)
		die("--mem must be a multiple of 4K from 2M to 3G for --multiboot, not %llu bytes",
		    (unsigned long long)o->mem);
	o->mb.append = o->boot.append;
	for (i = 0; i < o->mb.nmodules; i++)
		if (!o->mb.modules[i][0])
			die("--initrd: an empty file name");
	o->debug_exit = true;
}

/* --kernel: a PC with one vCPU; the options of test images do not apply. */
static void parse_linux(int argc, char **argv, struct run_opts *o)
{
	if (optind < argc)
		die("run: --kernel boots a kernel, not the image '%s' too", argv[optind]);
	if (o->mode || o->vcpus > 1 || o->timer_hz || o->npeek || o->share)
		die("--kernel takes none of --mode, --vcpus, --timer, --peek, --share");
	if (o->mb.nmodules > 1)
		die("--kernel takes one --initrd, not %u", o->mb.nmodules);
	if (!o->mem_set)
		o->mem = LINUX_MEM_DEFAULT;
	if (o->mem < 64 * MEM_MIN || o->mem > MEM_MAX || o->mem % 4096)
		die("--mem must be a multiple of 4K from 64M to 3G for --kernel, not %llu bytes",
		    (unsigned long long)o->mem);
}

static void parse(int argc, char **argv, struct run_opts *o)
{
	enum { O_DEVICE = 256, O_MODE, O_MEM, O_TIMEOUT, O_STATS, O_REGS, O_PEEK, O_SHARE, O_HELP,
	       O_VCPUS, O_TIMER, O_DISK, O_KERNEL, O_INITRD, O_APPEND, O_TRACE_CR3,
	       O_CR3_TARGETS, O_MULTIBOOT, O_IRQCHIP, O_DEBUG_EXIT, O_CPU_VENDOR };
	static const struct option longopts[] = {
		{ "device", required_argument, NULL, O_DEVICE },
		{ "mode", required_argument, NULL, O_MODE },
		{ "mem", required_argument, NULL, O_MEM },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "stats", no_argument, NULL, O_STATS },
		{ "regs", no_argument, NULL, O_REGS },
		{ "peek", required_argument, NULL, O_PEEK },
		{ "share", required_argument, NULL, O_SHARE },
		{ "help", no_argument, NULL, O_HELP },
		{ "vcpus", required_argument, NULL, O_VCPUS },
		{ "timer", required_argument, NULL, O_TIMER },
		{ "disk", required_argument, NULL, O_DISK },
		{ "trace-cr3", optional_argument, NULL, O_TRACE_CR3 },
		{ "cr3-targets", required_argument, NULL, O_CR3_TARGETS },
		{ "kernel", required_argument, NULL, O_KERNEL },
		{ "initrd", required_argument, NULL, O_INITRD },
		{ "append", required_argument, NULL, O_APPEND },
		{ "multiboot", required_argument, NULL, O_MULTIBOOT },
		{ "irqchip", required_argument, NULL, O_IRQCHIP },
		{ "debug-exit", no_argument, NULL, O_DEBUG_EXIT },
		{ "cpu-vendor", required_argument, NULL, O_CPU_VENDOR },
		{ NULL, 0, NULL, 0 }
	};
	unsigned int i;
	int c;

	memset(o, 0, sizeof(*o));
	o->device = DEFAULT_DEVICE;
	o->mem = MEM_DEFAULT;
	o->vcpus = 1;
	opterr = 0;	/* our own one-line messages instead of getopt's */
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case O_DEVICE:
			o->device = optarg;
			break;
		case O_MODE:
			o->mode = mode_parse(optarg);
			if (o->mode == MODE_NONE)
				die("unknown mode '%s' (real, protected, paged or long)", optarg);
			break;
		case O_MEM:
			if (!parse_u64(optarg, &o->mem, true))
				die("bad --mem '%s' (bytes, or with a K, M or G suffix)", optarg);
			o->mem_set = true;
			break;
		case O_VCPUS:
			if (!parse_u64(optarg, &o->vcpus, false) || !o->vcpus ||
			    o->vcpus > MAX_VCPUS)
				die("bad --vcpus '%s' (1 to %d)", optarg, MAX_VCPUS);
			break;
		case O_TIMER:
			parse_timer(optarg, o);
			break;
		case O_TIMEOUT:
			if (!parse_ms(optarg, &o->timeout_ms) || !o->timeout_ms ||
			    o->timeout_ms > 86400 * 1000)
				die("bad --timeout '%s' (seconds, 0.001 to 86400)", optarg);
			break;
		case O_STATS:
			o->stats = true;
			break;
		case O_REGS:
			o->regs = true;
			break;
		case O_PEEK:
			if (o->npeek == MAX_PEEKS)
				die("at most %d --peek", MAX_PEEKS);
			if (!parse_u64(optarg, &o->peek[o->npeek++], false))
				die("bad --peek '%s' (a guest physical address)", optarg);
			break;
		case O_SHARE:
			o->share = optarg;
			break;
		case O_DISK:
			o->disk = optarg;
			break;
		case O_TRACE_CR3:
			o->trace_cr3 = true;
			o->trace_file = optarg;
			break;
		case O_CR3_TARGETS:
			if (strcmp(optarg, "on") && strcmp(optarg, "off"))
				die("--cr3-targets: on or off, not '%s'", optarg);
			o->cr3_all = !strcmp(optarg, "off");
			break;
		case O_KERNEL:
			o->boot.kernel = optarg;
			break;
		case O_INITRD:
			if (o->mb.nmodules == MULTIBOOT_MAX_MODULES)
				die("at most %d --initrd", MULTIBOOT_MAX_MODULES);
			o->mb.modules[o->mb.nmodules++] = optarg;
			o->boot.initrd = optarg;
			break;
		case O_MULTIBOOT:
			o->mb.kernel = optarg;
			break;
		case O_IRQCHIP:
			if (strcmp(optarg, "kernel") && strcmp(optarg, "user"))
				die("--irqchip: kernel or user, not '%s'", optarg);
			o->irqchip = !strcmp(optarg, "kernel");
			break;
		case O_DEBUG_EXIT:
			o->debug_exit = true;
			break;
		case O_CPU_VENDOR:
			if (strlen(optarg) != 12)
				die("--cpu-vendor: 12 characters (GenuineIntel, AuthenticAMD), not '%s'",
				    optarg);
			o->cpu_vendor = optarg;
			break;
		case O_APPEND:
			o->boot.append = optarg;
			break;
		case 'h':
		case O_HELP:
			command_help(&run_command, stdout);
			exit(0);
		case ':':
			die("option '%s' needs an argument (see kvmini run --help)",
			    argv[optind - 1]);
		default:
			die("unknown option '%s' (see kvmini run --help)", argv[optind - 1]);
		}
	}
	if (o->cr3_all && !o->trace_cr3)
		die("--cr3-targets goes with --trace-cr3");
	if (o->boot.kernel && o->mb.kernel)
		die("--kernel and --multiboot: one kernel or the other");
	if (o->irqchip && !o->mb.kernel)
		die("--irqchip=kernel goes with --multiboot");
	if (o->boot.kernel) {
		if (o->debug_exit)
			die("--debug-exit: the PC that --kernel boots has no such device");
		parse_linux(argc, argv, o);
		return;
	}
	if (o->mb.kernel) {
		parse_multiboot(argc, argv, o);
		return;
	}
	if (o->boot.initrd || o->boot.append)
		die("--initrd and --append go with --kernel or --multiboot");
	if (optind == argc)
		die("run: no image given (see kvmini run --help)");
	if (optind + 1 < argc)
		die("run: one image only, got '%s' too", argv[optind + 1]);
	o->image = argv[optind];

	/* Several vCPUs: 16 MiB each unless told, and whole 4 MiB slices. */
	if (o->vcpus > 1 && !o->mem_set && o->vcpus * SLICE_DEFAULT > o->mem)
		o->mem = o->vcpus * SLICE_DEFAULT;
	if (o->mem < MEM_MIN || o->mem > MEM_MAX || o->mem % 4096)
		die("--mem must be a multiple of 4K from 1M to 3G, not %llu bytes",
		    (unsigned long long)o->mem);
	if (o->vcpus > 1 && o->mem % (o->vcpus * SLICE_ALIGN))
		die("--mem %lluK does not split into %llu slices of whole 4 MiB: use a multiple "
		    "of %llu MiB", (unsigned long long)(o->mem >> 10),
		    (unsigned long long)o->vcpus,
		    (unsigned long long)(o->vcpus * SLICE_ALIGN >> 20));
	for (i = 0; i < o->npeek; i++)
		if (o->peek[i] > o->mem - 8)
			die("--peek 0x%llx is outside guest RAM (--mem %lluK)",
			    (unsigned long long)o->peek[i],
			    (unsigned long long)(o->mem >> 10));
}

static void print_regs(struct vcpu *vcpu)
{
	/* The order of struct kvm_regs, which holds nothing else. */
	static const char *const names[] = {
		"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rsp", "rbp",
		"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
		"rip", "rflags",
	};
	uint64_t v[sizeof(names) / sizeof(names[0])];
	unsigned int i;

	_Static_assert(sizeof(vcpu->regs) == sizeof(v), "struct kvm_regs changed");
	if (!vcpu->regs_valid) {
		note("%sno registers to show (KVM_GET_REGS failed)", vcpu->prefix);
		return;
	}
	memcpy(v, &vcpu->regs, sizeof(v));
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		console_printf(vcpu, "reg %s 0x%016llx\n", names[i], (unsigned long long)v[i]);
}

/*
 * The device's own counters, exits handled in the kernel included; the
 * VM's are its memory's (faults, and with MMU notifiers the invalidations
 * the host's reclaim caused).
 */
static void print_device_stats(struct vm *vm)
{
	unsigned int i;

	statsfd_print(vm->vm_fd, "vm");
	for (i = 0; i < vm->nr_vcpus; i++) {
		char who[16];

		snprintf(who, sizeof(who), "vcpu%u", i);
		statsfd_print(vm->vcpus[i].fd, who);
	}
}

/* After the run: what --stats and --regs ask for, and the VM gone. */
static int finish(struct vm *vm, const struct run_opts *o, int status)
{
	unsigned int i;

	/* Their threads still use it; the process's exit ends them. */
	if (vm->stuck)
		return status;
	cr3trace_finish(o->stats);
	if (o->stats)
		print_device_stats(vm);
	for (i = 0; o->regs && i < vm->nr_vcpus; i++)
		print_regs(&vm->vcpus[i]);
	if (o->stats)
		stats_print();
	fflush(stdout);
	vm_destroy(vm);
	free(vm);
	return status;
}

/* --kernel: Linux on the PC of pc.c, vCPU 0 taking the PIC's interrupts. */
static int run_linux(struct vm *vm, const struct run_opts *o)
{
	struct vcpu *vcpu = &vm->vcpus[0];
	uint64_t entry;

	linux_load(vm, &o->boot, &entry);
	vm->mode = MODE_LONG;
	/* Before the vCPU: its CPUID depends on the machine (kvm.c). */
	pc_create(vm);
	vm_create(vm, o->device);
	if (o->trace_cr3)
		cr3trace_start(vm, o->trace_file, o->cr3_all);
	vcpu_create(vm, 0);
	x86_setup(vcpu, MODE_LONG, entry);
	linux_setup_vcpu(vcpu);
	vm->ports = pc_ports;
	vm->nr_ports = nr_pc_ports;
	vcpu->irq_lock = &vm->pc->lock;
	return finish(vm, o, vm_run(vm, o->timeout_ms));
}

/*
 * --multiboot: vCPU 0 at the entry with the boot information; with the
 * device's irqchip the others wait for INIT and SIPI in the kernel, and
 * their threads run from the start, blocked in KVM_RUN until then.
 */
static int run_multiboot(struct vm *vm, const struct run_opts *o)
{
	uint32_t entry, info;
	unsigned int i;

	vm->shared_ram = true;
	vm->slice_size = vm->mem_size;
	multiboot_load(vm, &o->mb, &entry, &info);
	vm->mode = MODE_PROTECTED;
	fwcfg_init(&fwcfg, vm->mem_size, vm->nr_vcpus);
	vm->fwcfg = &fwcfg;
	testdev_init(&testdev);
	vm->testdev = &testdev;
	vm->debug_exit = true;
	vm_create(vm, o->device);
	if (o->irqchip)
		vm_create_irqchip(vm);
	if (o->trace_cr3)
		cr3trace_start(vm, o->trace_file, o->cr3_all);
	vm->ports = console_ports;
	vm->nr_ports = nr_console_ports;
	for (i = 0; i < vm->nr_vcpus; i++) {
		vcpu_create(vm, i);
		if (i == 0)
			multiboot_setup_vcpu(&vm->vcpus[i], entry, info);
		else
			vcpu_wait_for_sipi(&vm->vcpus[i]);
	}
	return finish(vm, o, vm_run(vm, o->timeout_ms));
}

static int run_main(int argc, char **argv)
{
	struct run_opts o;
	struct share share;
	struct image img;
	struct vm *vm;
	enum mode mode;
	unsigned int i;
	int status, r;

	parse(argc, argv, &o);
	r = share_init(&share, o.share);
	if (r < 0)
		die("--share %s: %s", o.share, strerror(-r));
	/* Big (the vCPUs' scratch devices): not on the stack. */
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		die("out of memory");
	vm->nr_vcpus = o.vcpus;
	vm->cpu_vendor = o.cpu_vendor;
	vm->slice_size = o.mem / o.vcpus;
	vm->timer_hz = o.timer_hz;
	vm->timer_vector = o.timer_vector;
	if (o.boot.kernel && o.disk)
		die("--disk: the PC that --kernel boots has no such device");
	vm->debug_exit = o.debug_exit;
	r = disk_open(&vm->disk, o.disk);
	if (r == -EINVAL)
		die("--disk %s: not a regular file or block device of at least one sector "
		    "(512 bytes)", o.disk);
	if (r < 0)
		die("--disk %s: %s", o.disk, strerror(-r));
	ram_alloc(vm, o.mem);
	if (o.boot.kernel)
		return run_linux(vm, &o);
	if (o.mb.kernel)
		return run_multiboot(vm, &o);
	image_load(vm, o.image, &img);
	mode = o.mode;
	if (mode == MODE_NONE)
		mode = img.kind == IMAGE_ELF64 ? MODE_LONG :
		       img.kind == IMAGE_ELF32 ? MODE_PROTECTED : MODE_REAL;
	if (mode == MODE_REAL && vm->nr_vcpus > 1)
		die("real mode cannot keep a vCPU in its slice of RAM (a segment load "
		    "sets base = selector * 16): use one vCPU, or protected, paged or long mode");
	vm->mode = mode;
	/* Every vCPU its own copy, at the same place in its slice. */
	for (i = 1; i < vm->nr_vcpus; i++)
		memcpy(vm->mem + i * vm->slice_size + img.lo, vm->mem + img.lo, img.hi - img.lo);

	vm_create(vm, o.device);
	if (o.trace_cr3)
		cr3trace_start(vm, o.trace_file, o.cr3_all);
	vm->ports = console_ports;
	vm->nr_ports = nr_console_ports;
	for (i = 0; i < vm->nr_vcpus; i++) {
		vcpu_create(vm, i);
		x86_setup(&vm->vcpus[i], mode, img.entry);
		/* Guest page tables hold GPAs: the whole of RAM, not the slice. */
		hcall_vcpu_init(&vm->vcpus[i].hcall, &vm->vcpus[i], vm->vcpus[i].fd, vm->mem,
				vm->mem_size, &share);
	}
	status = vm_run(vm, o.timeout_ms);
	/* Their threads still use it; the process's exit ends them. */
	if (vm->stuck)
		return status;
	cr3trace_finish(o.stats);
	if (o.stats)
		print_device_stats(vm);
	for (i = 0; i < vm->nr_vcpus; i++)
		hcall_vcpu_fini(&vm->vcpus[i].hcall);
	share_fini(&share);

	for (i = 0; o.regs && i < vm->nr_vcpus; i++)
		print_regs(&vm->vcpus[i]);
	for (i = 0; i < o.npeek; i++) {
		uint64_t v;

		memcpy(&v, vm->mem + o.peek[i], sizeof(v));
		printf("peek 0x%llx = 0x%llx\n", (unsigned long long)o.peek[i],
		       (unsigned long long)v);
	}
	if (o.stats) {
		stats_print();
		disk_stats_print(&vm->disk);
	}
	disk_close(&vm->disk);
	fflush(stdout);
	vm_destroy(vm);
	free(vm);
	return status;
}

const struct command run_command = {
	.name = "run",
	.synopsis = "run [OPTIONS] IMAGE     run IMAGE as a guest",
	.help = help,
	.main = run_main,
};
