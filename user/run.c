// SPDX-License-Identifier: GPL-2.0
/*
 * `kvmini run`: options, the KVM_RUN loop and the report.  The guest
 * finishes by halting with interrupts off; every other ending is a
 * failure told in one line with the guest's RIP.  --timeout is a
 * SIGALRM that interrupts KVM_RUN (EINTR) and, through immediate_exit,
 * also the next KVM_RUN when it lands between two.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/time.h>

#include "kvmini.h"

#define RFLAGS_IF	(1ULL << 9)
#define MAX_PEEKS	16

struct run_opts {
	const char *device;
	enum mode mode;
	uint64_t mem;
	uint64_t timeout;
	bool stats, regs;
	uint64_t peek[MAX_PEEKS];
	unsigned int npeek;
	const char *image;
	const char *share;
};

static volatile sig_atomic_t timed_out;
static struct kvm_run *volatile alarm_run;

static void on_alarm(int sig)
{
	(void)sig;
	timed_out = 1;
	if (alarm_run)
		alarm_run->immediate_exit = 1;
}

static void start_timer(struct vm *vm, uint64_t seconds)
{
	struct sigaction sa;
	struct itimerval it = {
		.it_value = { .tv_sec = seconds },
		/* Repeats, in case a device ignores immediate_exit. */
		.it_interval = { .tv_usec = 100000 },
	};

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: KVM_RUN must come back with EINTR */
	if (sigaction(SIGALRM, &sa, NULL) < 0)
		die("sigaction: %s", strerror(errno));
	alarm_run = vm->run;
	if (setitimer(ITIMER_REAL, &it, NULL) < 0)
		die("setitimer: %s", strerror(errno));
}

static void stop_timer(void)
{
	struct itimerval it;

	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
}

static void parse(int argc, char **argv, struct run_opts *o)
{
	enum { O_DEVICE = 256, O_MODE, O_MEM, O_TIMEOUT, O_STATS, O_REGS, O_PEEK, O_SHARE, O_HELP };
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
		{ NULL, 0, NULL, 0 }
	};
	unsigned int i;
	int c;

	memset(o, 0, sizeof(*o));
	o->device = DEFAULT_DEVICE;
	o->mem = MEM_DEFAULT;
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
			break;
		case O_TIMEOUT:
			if (!parse_u64(optarg, &o->timeout, false) || !o->timeout ||
			    o->timeout > 86400)
				die("bad --timeout '%s' (whole seconds, 1 to 86400)", optarg);
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
		case 'h':
		case O_HELP:
			usage(stdout);
			exit(0);
		case ':':
			die("option '%s' needs an argument (see kvmini --help)", argv[optind - 1]);
		default:
			die("unknown option '%s' (see kvmini --help)", argv[optind - 1]);
		}
	}
	if (optind == argc)
		die("run: no image given (see kvmini --help)");
	if (optind + 1 < argc)
		die("run: one image only, got '%s' too", argv[optind + 1]);
	o->image = argv[optind];

	if (o->mem < MEM_MIN || o->mem > MEM_MAX || o->mem % 4096)
		die("--mem must be a multiple of 4K from 1M to 3G, not %llu bytes",
		    (unsigned long long)o->mem);
	for (i = 0; i < o->npeek; i++)
		if (o->peek[i] > o->mem - 8)
			die("--peek 0x%llx is outside guest RAM (--mem %lluK)",
			    (unsigned long long)o->peek[i],
			    (unsigned long long)(o->mem >> 10));
}

static uint64_t guest_rip(struct vm *vm)
{
	struct kvm_regs regs;

	if (ioctl(vm->vcpu_fd, KVM_GET_REGS, &regs) < 0)
		return ~0ULL;
	return regs.rip;
}

/* Ends the run with @status after one line on stderr. */
static int guest_failed(struct vm *vm, int status, const char *what)
{
	note("%s at rip 0x%llx", what, (unsigned long long)guest_rip(vm));
	return status;
}

static int run_loop(struct vm *vm, uint64_t timeout)
{
	struct kvm_run *run = vm->run;
	char msg[512];

	for (;;) {
		struct kvm_regs regs;

		if (timed_out)
			goto timeout;
		if (ioctl(vm->vcpu_fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				stats_exit(KVM_EXIT_INTR);
				continue;
			}
			snprintf(msg, sizeof(msg), "KVM_RUN failed: %s", strerror(errno));
			return guest_failed(vm, EXIT_GUEST_FAILED, msg);
		}
		stats_exit(run->exit_reason);
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			io_exit(vm);
			break;
		case KVM_EXIT_MMIO:
			mmio_exit(vm);
			break;
		case KVM_EXIT_INTR:
			break;
		case KVM_EXIT_HLT:
			vm_get_regs(vm, &regs);
			if (!(regs.rflags & RFLAGS_IF))
				return EXIT_GUEST_OK;
			/* No interrupt source exists here, so this is a hang. */
			return guest_failed(vm, EXIT_GUEST_FAILED,
				"guest halted with interrupts enabled (IF=1): nothing "
				"will ever wake it (end with cli; hlt)");
		case KVM_EXIT_SHUTDOWN:
			return guest_failed(vm, EXIT_GUEST_FAILED,
				"guest triple-faulted (KVM_EXIT_SHUTDOWN)");
		case KVM_EXIT_FAIL_ENTRY:
			snprintf(msg, sizeof(msg), "VM entry failed (KVM_EXIT_FAIL_ENTRY): "
				 "hardware_entry_failure_reason 0x%llx on cpu %u",
				 (unsigned long long)run->fail_entry.hardware_entry_failure_reason,
				 run->fail_entry.cpu);
			return guest_failed(vm, EXIT_GUEST_FAILED, msg);
		case KVM_EXIT_INTERNAL_ERROR: {
			int n = snprintf(msg, sizeof(msg),
					 "internal error (KVM_EXIT_INTERNAL_ERROR): suberror %u, data",
					 run->internal.suberror);
			uint32_t i, nd = run->internal.ndata;

			if (nd > sizeof(run->internal.data) / sizeof(run->internal.data[0]))
				nd = sizeof(run->internal.data) / sizeof(run->internal.data[0]);
			for (i = 0; i < nd && n < (int)sizeof(msg) - 24; i++)
				n += snprintf(msg + n, sizeof(msg) - n, " 0x%llx",
					      (unsigned long long)run->internal.data[i]);
			if (!nd)
				snprintf(msg + n, sizeof(msg) - n, " (none)");
			return guest_failed(vm, EXIT_GUEST_FAILED, msg);
		}
		default:
			snprintf(msg, sizeof(msg), "unexpected exit %s (%u)",
				 exit_reason_name(run->exit_reason), run->exit_reason);
			return guest_failed(vm, EXIT_GUEST_FAILED, msg);
		}
	}
timeout:
	snprintf(msg, sizeof(msg), "guest did not finish within %llu s",
		 (unsigned long long)timeout);
	return guest_failed(vm, EXIT_TIMEOUT, msg);
}

static void print_regs(struct vm *vm)
{
	/* The order of struct kvm_regs, which holds nothing else. */
	static const char *const names[] = {
		"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rsp", "rbp",
		"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
		"rip", "rflags",
	};
	struct kvm_regs r;
	uint64_t v[sizeof(names) / sizeof(names[0])];
	unsigned int i;

	_Static_assert(sizeof(r) == sizeof(v), "struct kvm_regs changed");
	if (ioctl(vm->vcpu_fd, KVM_GET_REGS, &r) < 0) {
		note("KVM_GET_REGS: %s", strerror(errno));
		return;
	}
	memcpy(v, &r, sizeof(v));
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		printf("reg %s 0x%016llx\n", names[i], (unsigned long long)v[i]);
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o;
	struct share share;
	struct image img;
	struct vm vm;
	enum mode mode;
	unsigned int i;
	int status, r;

	parse(argc, argv, &o);
	r = share_init(&share, o.share);
	if (r < 0)
		die("--share %s: %s", o.share, strerror(-r));
	memset(&vm, 0, sizeof(vm));
	ram_alloc(&vm, o.mem);
	image_load(&vm, o.image, &img);
	mode = o.mode;
	if (mode == MODE_NONE)
		mode = img.kind == IMAGE_ELF64 ? MODE_LONG :
		       img.kind == IMAGE_ELF32 ? MODE_PROTECTED : MODE_REAL;

	vm_create(&vm, o.device);
	x86_setup(&vm, mode, img.entry);
	hcall_vcpu_init(&vm.hcall, vm.vcpu_fd, vm.mem, vm.mem_size, &share);
	if (o.timeout)
		start_timer(&vm, o.timeout);
	status = run_loop(&vm, o.timeout);
	stop_timer();
	hcall_vcpu_fini(&vm.hcall);
	share_fini(&share);

	console_end_line();
	if (o.regs)
		print_regs(&vm);
	for (i = 0; i < o.npeek; i++) {
		uint64_t v;

		memcpy(&v, vm.mem + o.peek[i], sizeof(v));
		printf("peek 0x%llx = 0x%llx\n", (unsigned long long)o.peek[i],
		       (unsigned long long)v);
	}
	if (o.stats)
		stats_print();
	fflush(stdout);
	return status;
}
