// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_test DEV SEED COUNT [LABEL]: COUNT random sequences of KVM ioctls
 * on DEV, each from its own seed, so that one can be replayed alone.
 *
 * Sequence 0 uses SEED itself and each next seed is a splitmix64 step of
 * the previous one: `fuzz_test DEV S 1`, with S a seed printed by a
 * failure, replays that sequence (its single-threaded part exactly; what
 * a second thread does depends on timing).  A sequence opens DEV, makes a
 * VM with RAM, a read-only "ROM" and a vCPU, then does 10 to 80 random
 * things: system, VM and vCPU ioctls with boundary and random arguments
 * (the MSR ioctls, added for issue 12, changed what an older seed does),
 * guest code written into RAM (real, protected, PAE or long mode, page
 * tables by us), at most MAX_RUNS KVM_RUNs each cut off by a timer, the
 * kvm_run page rewritten between runs, exits answered as a VMM would or
 * not at all; sometimes a second thread changes memory slots, or closes
 * fds and drops the kvm_run mapping, while the vCPU runs.  Everything is
 * released at the end of the sequence.  The last lines: "fuzz:" with what
 * the runs came back with, and the seed that would come next, where
 * another run can carry the chain on.
 *
 * What this program judges is only what KVM's ABI promises on both
 * devices: the set-up ioctls succeed, KVM_GET_API_VERSION is 12, register
 * state read back can be written back, exit fields describe a buffer
 * inside the kvm_run mapping, KVM_GET_CPUID2 keeps to the nent it is
 * given, KVM_GET/SET_MSRS do at most the MSRs asked (E2BIG from 256
 * on), an MSR list's E2BIG says how many there are, the MP state is
 * only ever RUNNABLE (no in-kernel APIC), the VM settings refuse what KVM refuses, the process gets no fault, no sequence
 * hangs and no fd is left open.  The kernel's side (no oops, WARN, KFENCE
 * or slub report; memory counters back) is t_fuzz.sh's job.
 *
 * Guest code is "Bochs-safe" unless KVMINI_FUZZ_RAW=1 is in the
 * environment: Bochs makes no external-interrupt exit while a guest runs
 * with IF=0 (README, "Known limits"), so a random `cli; jmp .` would keep
 * the CPU for good.  Safe guests start with IF=1, have the bytes of cli,
 * popf and iret replaced by nop, run in a sea of hlt, and in real mode
 * take interrupts through an IVT in the read-only slot whose handlers
 * are hlt: what clears IF then exits soon.  On real VT-x and on a host's
 * /dev/kvm the raw guests cost nothing more.
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "ktest.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define PAGE		4096UL
#define RAM_SIZE	0xe0000UL	/* slot 0 at GPA 0; 0xe0000-0xeffff unmapped */
#define ROM_GPA		0xf0000UL	/* slot 1, read-only: IVT and hlt handlers */
#define ROM_SIZE	0x10000UL
#define ROM_HANDLER	0x400		/* offset of the handler every IVT entry names */
#define EXTRA_SIZE	0x200000UL	/* backing for the random slots */
#define HOLE_SIZE	0x10000UL	/* PROT_NONE: userspace addresses with no memory */
#define GDT		0x800
#define CODE		0x1000
#define CODE_MAX	512
#define PML4		0x2000
#define PDPT		0x3000
#define PD64		0x4000
#define PAE_PDPT	0x5000
#define PAE_PD		0x6000
#define STACK		0x9000

#define MAX_VCPUS	12	/* vCPU fds kept per sequence (kvmini has 8) */
#define MAX_RUNS	20	/* KVM_RUNs per sequence */
#define MAX_FAILS	30	/* failure lines per process */
#define HANG_SECONDS	60	/* a sequence taking longer is a hang */
#define CPUID_BUF	1024	/* entries in our CPUID arrays: more than any kernel gives */
#define SCRATCH_SIZE	0x4000	/* an _IOC size can name up to 16 KiB */
#define JUNK_FDS	128	/* fds looked at around a junk ioctl: we have ~30 */

#define X86_CR0_PE	0x1ULL
#define X86_CR0_ET	0x10ULL
#define X86_CR0_NE	0x20ULL
#define X86_CR0_PG	0x80000000ULL
#define X86_CR4_PAE	0x20ULL
#define EFER_LME	0x100ULL
#define EFER_LMA	0x400ULL
#define RFLAGS_IF	0x200ULL

enum mode { MODE_REAL, MODE_PROT, MODE_PAE, MODE_LONG, MODE_COUNT };

struct rng {
	uint64_t s;
};

struct vcpu {
	int fd;
	unsigned long id;
	struct kvm_run *run;	/* our mapping of the fd's page 0 and on, or NULL */
	bool run_dropped;	/* replaced by anonymous memory under a running vCPU */
};

struct seq {
	struct rng rng;
	uint64_t seed;
	long index;
	int sys, vm;
	struct vcpu vcpus[MAX_VCPUS];
	int nvcpus;
	unsigned char *ram, *rom, *extra, *hole;
	int runs;
	enum mode mode;
	bool failed;
	/* The concurrency phase: what the helper sees. */
	pthread_t helper;
	int stop;		/* __atomic: the main thread tells the helper */
	struct rng helper_rng;
	int victim;		/* index into vcpus of the running vCPU */
};

static const char *dev;
static const char *label;
static bool raw;
static bool trace;	/* KVMINI_FUZZ_TRACE=1: each sequence named on stderr first */
static long mmap_size;
static int probe_pipe[2];
static int fails_printed, seq_failures;
/* What the runs came back with, for the closing "fuzz:" line: is it reaching anything? */
#define EXIT_KINDS	40
static long exits_seen[EXIT_KINDS + 1], runs_eintr, runs_failed, runs_total, runs_timed_out;
static struct kvm_cpuid_entry2 supported[CPUID_BUF];
static int nsupported;
static unsigned char scratch[SCRATCH_SIZE] __attribute__((aligned(4096)));

/* What the fault handler and the watchdog say: set before each sequence. */
static char fault_msg[256], hang_msg[256];
static long seq_start_sec;	/* __atomic: main thread to watchdog */
static sigset_t alarm_set;

/* splitmix64: one step from @s, which it advances; the seed chain. */
static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void rng_init(struct rng *r, uint64_t seed)
{
	uint64_t s = seed;

	/* xorshift64* must not start at 0. */
	r->s = splitmix64(&s) | 1;
}

/* xorshift64*: fast, and the whole state is one word. */
static uint64_t rnd(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dULL;
}

static uint64_t below(struct rng *r, uint64_t n)
{
	return n ? rnd(r) % n : 0;
}

/* True with probability 1/@n. */
static bool one_in(struct rng *r, unsigned int n)
{
	return below(r, n) == 0;
}

/* A value that breaks things more often than a uniform one does. */
static uint64_t interesting(struct rng *r)
{
	static const uint64_t special[] = {
		0, 1, 2, 3, 4, 7, 8, 0xf, 0x10, 0x7f, 0x80, 0xff, 0x100, 0xfff, 0x1000, 0x1001,
		0x7fff, 0x8000, 0xffff, 0x10000, 0x100000, 0x1fffff, 0x200000, 0xfffff000,
		0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ULL, 0xfee00000, 0xfec00000,
		0x7fffffffffffULL, 0x800000000000ULL, 0xffff800000000000ULL,
		0x7fffffffffffffffULL, 0x8000000000000000ULL, 0xfffffffffffff000ULL,
		~0ULL, ~1ULL,
	};
	uint64_t v;

	switch (below(r, 4)) {
	case 0:
		return special[below(r, ARRAY_SIZE(special))];
	case 1:
		/* A power of two, or one either side of it. */
		v = 1ULL << below(r, 64);
		return v + below(r, 3) - 1;
	case 2:
		return rnd(r) & ((1ULL << below(r, 64)) - 1);
	default:
		return rnd(r);
	}
}

static long now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

__attribute__((format(printf, 3, 4)))
static void seq_fail(struct seq *s, const char *what, const char *fmt, ...)
{
	va_list ap;

	if (!s->failed)
		seq_failures++;
	s->failed = true;
	if (++fails_printed > MAX_FAILS)
		return;
	printf("KTEST FAIL fuzz.%s.%s: sequence %ld seed %#llx: ", label, what, s->index,
	       (unsigned long long)s->seed);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" (replay: fuzz_test %s %#llx 1)\n", dev, (unsigned long long)s->seed);
	fflush(stdout);
}

static const char *errname(int e)
{
	const char *n = strerrorname_np(e);

	return n ? n : "?";
}

/* A fault of our own is a failure too: say which sequence, then die of it. */
static void on_fault(int sig)
{
	char num[16];
	int n = 0, i;

	for (i = sig; i; i /= 10)
		n++;
	num[n] = 0;
	for (i = sig; i; i /= 10)
		num[--n] = '0' + i % 10;
	if (write(1, fault_msg, strlen(fault_msg)) < 0 || write(1, num, strlen(num)) < 0 ||
	    write(1, "\n", 1) < 0)
		_exit(1);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void on_alarm(int sig)
{
	(void)sig;
}

/*
 * The watchdog: a sequence has a few seconds of KVM_RUN at most, so one
 * still going after HANG_SECONDS is stuck; say which, then end the
 * process (which may itself hang if a thread is stuck in the kernel, but
 * the line is out by then).
 */
static void *watchdog(void *arg)
{
	(void)arg;
	for (;;) {
		long start = __atomic_load_n(&seq_start_sec, __ATOMIC_ACQUIRE);

		sleep(1);
		if (start && start == __atomic_load_n(&seq_start_sec, __ATOMIC_ACQUIRE) &&
		    now_sec() - start > HANG_SECONDS) {
			if (write(1, hang_msg, strlen(hang_msg)) < 0)
				_exit(1);
			_exit(1);
		}
	}
	return NULL;
}

/*
 * A SIGALRM 100-200 ms from now, then every 20 ms: one that lands just
 * before KVM_RUN enters the guest is not lost.  No SA_RESTART, so a
 * spinning guest's KVM_RUN comes back with EINTR.
 */
static void arm_timer(struct rng *r)
{
	struct itimerval it = {
		.it_value = { .tv_usec = 100000 + below(r, 100001) },
		.it_interval = { .tv_usec = 20000 },
	};

	setitimer(ITIMER_REAL, &it, NULL);
}

static void disarm_timer(void)
{
	struct itimerval it = { 0 };

	setitimer(ITIMER_REAL, &it, NULL);
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* the directory's own */
}

/*
 * Whether the kernel can read @len bytes at @p: a write to a pipe copies
 * them with copy_from_user, which fails with EFAULT where touching them
 * ourselves would raise SIGBUS (a vCPU mmap page that does not exist).
 */
static bool probe_read(const void *p, size_t len)
{
	char buf[64];
	bool ok = write(probe_pipe[1], p, len) == (ssize_t)len;

	while (read(probe_pipe[0], buf, sizeof(buf)) > 0)
		;
	return ok;
}

/* ---- guest memory and modes ---- */

static void put64(unsigned char *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

/* Flat code 32, data, code 64, as the selectors 0x08, 0x10, 0x18. */
static void write_tables(struct seq *s)
{
	int i;

	put64(s->ram + GDT, 0);
	put64(s->ram + GDT + 0x08, 0x00cf9b000000ffffULL);
	put64(s->ram + GDT + 0x10, 0x00cf93000000ffffULL);
	put64(s->ram + GDT + 0x18, 0x00af9b000000ffffULL);
	/* Long mode: 8 MiB identity mapped with 2 MiB pages; RAM is the first MiB. */
	memset(s->ram + PML4, 0, 3 * PAGE);
	put64(s->ram + PML4, PDPT | 3);
	put64(s->ram + PDPT, PD64 | 3);
	for (i = 0; i < 4; i++)
		put64(s->ram + PD64 + 8 * i, (uint64_t)i << 21 | 0x83);
	/* PAE: the same through a 4-entry PDPT. */
	memset(s->ram + PAE_PDPT, 0, 2 * PAGE);
	put64(s->ram + PAE_PDPT, PAE_PD | 1);
	for (i = 0; i < 4; i++)
		put64(s->ram + PAE_PD + 8 * i, (uint64_t)i << 21 | 0x83);
}

/* The ROM: an IVT whose 256 entries all point at `1: hlt; jmp 1b`, hlt elsewhere. */
static void write_rom(struct seq *s)
{
	int v;

	memset(s->rom, 0xf4, ROM_SIZE);
	for (v = 0; v < 256; v++) {
		s->rom[4 * v] = ROM_HANDLER & 0xff;
		s->rom[4 * v + 1] = ROM_HANDLER >> 8;
		s->rom[4 * v + 2] = (ROM_GPA >> 4) & 0xff;
		s->rom[4 * v + 3] = ROM_GPA >> 12;
	}
	s->rom[ROM_HANDLER + 1] = 0xeb;
	s->rom[ROM_HANDLER + 2] = 0xfd;
}

/* A little assembler for the snippets: operand size follows the mode. */
struct code {
	unsigned char *p;
	size_t len, max;
	bool wide;		/* 32- or 64-bit code: imm32 without a prefix */
};

static void emit(struct code *c, const unsigned char *b, size_t n)
{
	if (c->len + n > c->max)
		return;
	memcpy(c->p + c->len, b, n);
	c->len += n;
}

#define EMIT(c, ...) do {						\
	static const unsigned char __b[] = { __VA_ARGS__ };		\
	emit(c, __b, sizeof(__b));					\
} while (0)

/* @n bytes given as ints: the snippets compute some of them. */
static void bytes(struct code *c, int n, ...)
{
	unsigned char b[8];
	va_list ap;
	int i;

	va_start(ap, n);
	for (i = 0; i < n; i++)
		b[i] = va_arg(ap, int);
	va_end(ap);
	emit(c, b, n);
}

/* mov $v, %reg (32 bits) for reg 0-7: eax ecx edx ebx esp ebp esi edi. */
static void mov32(struct code *c, int reg, uint32_t v)
{
	unsigned char b[6];
	int n = 0;

	if (!c->wide)
		b[n++] = 0x66;
	b[n++] = 0xb8 + reg;
	memcpy(b + n, &v, 4);
	emit(c, b, n + 4);
}

/* An address a guest access makes interesting: RAM, ROM, the hole, beyond. */
static uint32_t guest_addr(struct rng *r, bool wide)
{
	static const uint32_t wide_addrs[] = {
		0x200000, 0x7ff000, 0xfee00000, 0xfec00000, 0xfffffff0, 0x100000,
	};

	switch (below(r, wide ? 5 : 4)) {
	case 0:
		return below(r, RAM_SIZE);
	case 1:
		return ROM_GPA + below(r, ROM_SIZE);
	case 2:
		return RAM_SIZE + below(r, ROM_GPA - RAM_SIZE);
	case 3:
		return wide ? wide_addrs[below(r, 6)] : 0x100000 + below(r, 0xfff0);
	default:
		return rnd(r);
	}
}

static const unsigned char cr_modrm[] = { 0xc0, 0xd8, 0xe0 };	/* CR0, CR3, CR4 */
static const unsigned char sys_ops[] = { 0x05, 0x07, 0x34, 0x35 };	/* syscall... sysexit */

static const uint32_t msrs[] = {
	0x10, 0x1b, 0x3a, 0x48, 0x174, 0x175, 0x176, 0x1d9, 0x277, 0x480, 0x48d, 0x6e0,
	0x8b, 0xc0000080, 0xc0000081, 0xc0000082, 0xc0000084, 0xc0000100, 0xc0000101,
	0xc0000102, 0xc0000103, 0x4b564d00, 0x40000000, 0x800, 0x80f, 0x3f, 0xe7, 0xe8,
};

/* One snippet: the exits and emulation paths worth hitting. */
static void snippet(struct rng *r, struct code *c)
{
	uint32_t a;

	switch (below(r, 24)) {
	case 0:	/* mov $port, %dx; out or in, byte/word/dword */
		EMIT(c, 0xba);
		a = below(r, 3) ? below(r, 0x400) : rnd(r);
		bytes(c, 2, a, a >> 8);
		if (c->wide)
			bytes(c, 2, 0x90, 0x90);
		bytes(c, 1, 0xec + below(r, 4));
		break;
	case 1:	/* out/in with an immediate port */
		bytes(c, 2, 0xe4 + below(r, 4), rnd(r));
		break;
	case 2:	/* rep outs/ins with a count and an address */
		mov32(c, 1, below(r, 2) ? below(r, 64) : interesting(r));
		mov32(c, 6, guest_addr(r, c->wide));
		mov32(c, 7, guest_addr(r, c->wide));
		EMIT(c, 0xba, 0xe9, 0x00);
		if (c->wide)
			EMIT(c, 0x90, 0x90);
		bytes(c, 2, 0xf3, 0x6c + below(r, 4));
		break;
	case 3:	/* mov %al/%ax, (%bx) and back, %bx at an interesting address */
		if (!c->wide) {
			a = guest_addr(r, false);
			/* mov $seg, %ax; mov %ax, %ds; mov $off, %bx */
			EMIT(c, 0xb8);
			bytes(c, 7, a >> 4, a >> 12, 0x8e, 0xd8, 0xbb, a & 15, 0);
		} else {
			mov32(c, 3, guest_addr(r, true));
		}
		bytes(c, 2, 0x88 + below(r, 4), 0x07);
		break;
	case 4:	/* movs/stos/lods through (%si)/(%di) */
		mov32(c, 6, guest_addr(r, c->wide));
		mov32(c, 7, guest_addr(r, c->wide));
		bytes(c, 1, 0xa4 + below(r, 12));
		break;
	case 5:	/* cpuid */
		mov32(c, 0, below(r, 2) ? below(r, 0x20) | (below(r, 2) << 31) : rnd(r));
		mov32(c, 1, below(r, 4));
		EMIT(c, 0x0f, 0xa2);
		break;
	case 6:	/* vmcall: kvmini's numbers, KVM's, random */
		mov32(c, 0, below(r, 2) ? 0x6b760000 + below(r, 4) : interesting(r));
		mov32(c, 3, rnd(r));
		EMIT(c, 0x0f, 0x01, 0xc1);
		break;
	case 7:	/* rdmsr / wrmsr */
		mov32(c, 1, below(r, 4) ? msrs[below(r, ARRAY_SIZE(msrs))] : interesting(r));
		mov32(c, 0, interesting(r));
		mov32(c, 2, below(r, 2) ? 0 : interesting(r));
		bytes(c, 2, 0x0f, below(r, 2) ? 0x30 : 0x32);
		break;
	case 8:	/* mov to CR0/CR3/CR4 */
		mov32(c, 0, interesting(r));
		bytes(c, 3, 0x0f, 0x22, cr_modrm[below(r, 3)]);
		break;
	case 9:	/* mov from a CR, mov to/from a DR */
		bytes(c, 3, 0x0f, 0x20 + below(r, 4), 0xc0 | below(r, 64));
		break;
	case 10: /* xsetbv */
		mov32(c, 1, below(r, 2));
		mov32(c, 0, below(r, 2) ? 3 + 4 * below(r, 2) : interesting(r));
		mov32(c, 2, 0);
		EMIT(c, 0x0f, 0x01, 0xd1);
		break;
	case 11: /* hlt, sti; hlt */
		if (one_in(r, 2))
			EMIT(c, 0xfb);
		EMIT(c, 0xf4);
		break;
	case 12: /* a bounded loop: mov $n, %cx; 1: loop 1b */
		mov32(c, 1, below(r, 0x10000));
		EMIT(c, 0xe2, 0xfe);
		break;
	case 13: /* spin: the timer ends it (interrupts on in safe mode) */
		if (!raw || one_in(r, 2))
			EMIT(c, 0xfb);
		/*
		 * Rarely: each spin costs the whole 100-200 ms timer, which
		 * Bochs stretches to seconds of wall time.
		 */
		if (one_in(r, 4))
			EMIT(c, 0xeb, 0xfe);
		break;
	case 14: /* exceptions: ud2, int3, int $n, into, icebp, div by zero */
		switch (below(r, 5)) {
		case 0:
			EMIT(c, 0x0f, 0x0b);
			break;
		case 1:
			EMIT(c, 0xcc);
			break;
		case 2:
			bytes(c, 2, 0xcd, rnd(r));
			break;
		case 3:
			EMIT(c, 0xf1);
			break;
		default: /* xor %cx,%cx; div %cx */
			EMIT(c, 0x31, 0xc9, 0xf7, 0xf1);
			break;
		}
		break;
	case 15: /* VMX instructions: #UD in a guest */
		switch (below(r, 4)) {
		case 0: /* vmxoff */
			EMIT(c, 0x0f, 0x01, 0xc4);
			break;
		case 1: /* vmread */
			EMIT(c, 0x0f, 0x78, 0xc0);
			break;
		case 2: /* vmwrite */
			EMIT(c, 0x0f, 0x79, 0xc0);
			break;
		default: /* vmxon (%bx) */
			EMIT(c, 0xf3, 0x0f, 0xc7, 0x37);
			break;
		}
		break;
	case 16: /* rdtsc, rdtscp, rdpmc, pause, wbinvd, invd */
		switch (below(r, 6)) {
		case 0:
			EMIT(c, 0x0f, 0x31);
			break;
		case 1:
			EMIT(c, 0x0f, 0x01, 0xf9);
			break;
		case 2:
			EMIT(c, 0x0f, 0x33);
			break;
		case 3:
			EMIT(c, 0xf3, 0x90);
			break;
		case 4:
			EMIT(c, 0x0f, 0x09);
			break;
		default:
			EMIT(c, 0x0f, 0x08);
			break;
		}
		break;
	case 17: /* monitor, mwait, invlpg, clflush */
		mov32(c, 0, guest_addr(r, c->wide));
		switch (below(r, 4)) {
		case 0:
			EMIT(c, 0x0f, 0x01, 0xc8);
			break;
		case 1:
			EMIT(c, 0x0f, 0x01, 0xc9);
			break;
		case 2:
			EMIT(c, 0x0f, 0x01, 0x38);
			break;
		default:
			EMIT(c, 0x0f, 0xae, 0x38);
			break;
		}
		break;
	case 18: /* syscall, sysret, sysenter, sysexit */
		bytes(c, 2, 0x0f, sys_ops[below(r, 4)]);
		break;
	case 19: /* lgdt/lidt/lldt/ltr from (%bx) or a register */
		mov32(c, 3, guest_addr(r, c->wide));
		switch (below(r, 4)) {
		case 0:
			EMIT(c, 0x0f, 0x01, 0x17);
			break;
		case 1: /* lidt: IVT gone */
			if (raw)
				EMIT(c, 0x0f, 0x01, 0x1f);
			break;
		case 2:
			EMIT(c, 0x0f, 0x00, 0xd3);
			break;
		default:
			EMIT(c, 0x0f, 0x00, 0xdb);
			break;
		}
		break;
	case 20: /* load a segment register with a random selector */
		mov32(c, 0, below(r, 0x40));
		bytes(c, 2, 0x8e, 0xc0 | below(r, 6) << 3);
		break;
	case 21: /* far jump to a GDT selector (a mode switch if the GDT says so) */
		EMIT(c, 0xea);
		if (c->wide)
			bytes(c, 6, 0x00, 0x10, 0x00, 0x00, 0x08 << below(r, 2), 0);
		else
			bytes(c, 4, 0x00, 0x10, 0x08 << below(r, 2), 0);
		break;
	case 22: /* push and pop: the stack, wherever SS:SP points */
		bytes(c, 2, 0x50 + below(r, 8), 0x58 + below(r, 8));
		break;
	default: /* a few random bytes */
		for (a = below(r, 8); a; a--)
			bytes(c, 1, rnd(r));
		break;
	}
}

/* Guest code at CODE: random bytes, snippets, or both, ending in hlt. */
static void write_code(struct seq *s)
{
	struct code c = { .p = s->ram + CODE, .max = CODE_MAX - 1,
			  .wide = s->mode != MODE_REAL };
	size_t i, n;

	memset(s->ram + CODE, 0xf4, CODE_MAX);
	switch (below(&s->rng, 5)) {
	case 0:
	case 1:
		c.len = 1 + below(&s->rng, CODE_MAX - 1);
		for (i = 0; i < c.len; i++)
			c.p[i] = rnd(&s->rng);
		break;
	case 2:
	case 3:
		for (n = 1 + below(&s->rng, 16); n; n--)
			snippet(&s->rng, &c);
		break;
	default:
		for (n = 1 + below(&s->rng, 16); n; n--) {
			snippet(&s->rng, &c);
			for (i = below(&s->rng, 4); i; i--)
				bytes(&c, 1, rnd(&s->rng));
		}
		break;
	}
	c.p[c.len] = 0xf4;
	if (!raw)
		for (i = 0; i < c.len; i++)
			if (c.p[i] == 0xfa || c.p[i] == 0x9d || c.p[i] == 0xcf)
				c.p[i] = 0x90;	/* cli, popf, iret */
}

/* Fresh RAM: hlt everywhere in safe mode; zeros or noise sometimes when raw. */
static void fill_ram(struct seq *s)
{
	size_t i;

	switch (raw ? below(&s->rng, 4) : 0) {
	case 1:
		memset(s->ram, 0, RAM_SIZE);
		break;
	case 2:
		for (i = 0; i < RAM_SIZE; i += 8)
			put64(s->ram + i, rnd(&s->rng));
		break;
	default:
		memset(s->ram, 0xf4, RAM_SIZE);
		break;
	}
	write_tables(s);
}

static struct kvm_segment flat_seg(uint16_t sel, uint8_t type, bool l)
{
	return (struct kvm_segment){
		.base = 0, .limit = 0xffffffff, .selector = sel, .type = type, .present = 1,
		.dpl = 0, .db = !l, .s = 1, .l = l, .g = 1,
	};
}

static struct kvm_segment real_seg(uint8_t type)
{
	return (struct kvm_segment){ .limit = 0xffff, .type = type, .present = 1, .s = 1 };
}

/* The IDT a safe guest may have: the ROM's IVT, or none (any event triple-faults). */
static void safe_idt(struct kvm_sregs *sr)
{
	if (raw)
		return;
	if (sr->cr0 & X86_CR0_PE) {
		sr->idt.limit = 0;
	} else {
		sr->idt.base = ROM_GPA;
		sr->idt.limit = 0x3ff;
	}
}

static uint64_t safe_rflags(uint64_t f)
{
	return raw ? f : f | RFLAGS_IF;
}

/*
 * Puts vCPU @v in @mode at CODE with the stack at STACK.  Returns the
 * SET_SREGS result; the caller judges only where it must succeed.
 */
static int set_mode(struct vcpu *v, enum mode mode)
{
	struct kvm_regs regs = { .rip = CODE, .rsp = STACK, .rflags = safe_rflags(2) };
	struct kvm_sregs sr;

	if (ioctl(v->fd, KVM_GET_SREGS, &sr))
		return -1;
	sr.gdt.base = GDT;
	sr.gdt.limit = 0x1f;
	switch (mode) {
	case MODE_REAL:
		sr.cr0 &= ~(X86_CR0_PE | X86_CR0_PG);
		sr.cr4 &= ~X86_CR4_PAE;
		sr.efer &= ~(EFER_LME | EFER_LMA);
		/* From another mode, the segments must look like real mode's again. */
		sr.cs = real_seg(0xb);
		sr.ds = sr.es = sr.fs = sr.gs = sr.ss = real_seg(0x3);
		sr.idt.base = 0;
		sr.idt.limit = 0x3ff;
		break;
	case MODE_PROT:
	case MODE_PAE:
	case MODE_LONG:
		sr.cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_NE;
		sr.cr4 = 0;
		sr.efer = 0;
		sr.cs = flat_seg(0x08, 0xb, false);
		sr.ds = sr.es = sr.fs = sr.gs = sr.ss = flat_seg(0x10, 0x3, false);
		sr.idt.base = 0;
		sr.idt.limit = 0;
		if (mode == MODE_PAE) {
			sr.cr0 |= X86_CR0_PG;
			sr.cr4 = X86_CR4_PAE;
			sr.cr3 = PAE_PDPT;
		} else if (mode == MODE_LONG) {
			sr.cr0 |= X86_CR0_PG;
			sr.cr4 = X86_CR4_PAE;
			sr.cr3 = PML4;
			sr.efer = EFER_LME | EFER_LMA;
			sr.cs = flat_seg(0x18, 0xb, true);
		}
		break;
	default:
		break;
	}
	safe_idt(&sr);
	if (ioctl(v->fd, KVM_SET_SREGS, &sr))
		return -1;
	return ioctl(v->fd, KVM_SET_REGS, &regs);
}

/* ---- the menu ---- */

static struct vcpu *pick_vcpu(struct seq *s)
{
	struct vcpu *v;

	if (!s->nvcpus)
		return NULL;
	/* vCPU 0 is the one with a guest set up: run it most. */
	v = &s->vcpus[one_in(&s->rng, 3) ? below(&s->rng, s->nvcpus) : 0];
	return v->fd >= 0 ? v : NULL;
}

/* A junk ioctl on @fd: numbers nobody implements, or KVM's own with junk. */
static void junk_ioctl(struct seq *s, int fd)
{
	bool was_open[JUNK_FDS];
	unsigned long cmd, arg;
	int i;

	if (one_in(&s->rng, 2))
		cmd = (uint32_t)rnd(&s->rng);
	else
		cmd = _IOC(below(&s->rng, 4), KVMIO, below(&s->rng, 256),
			   below(&s->rng, one_in(&s->rng, 4) ? SCRATCH_SIZE : 0x400));
	/* A signal mask set by junk could block our alarm for good: not that one. */
	if (_IOC_TYPE(cmd) == KVMIO && _IOC_NR(cmd) == _IOC_NR(KVM_SET_SIGNAL_MASK))
		cmd = _IO(KVMIO, 0xff);
	/*
	 * The argument: our scratch buffer (the kernel may write up to the
	 * 16 KiB an _IOC size names), or a number with nothing mapped there.
	 */
	switch (below(&s->rng, 3)) {
	case 0:
		arg = below(&s->rng, 0x1000);
		break;
	case 1:
		arg = 0xffff800000000000ULL + (rnd(&s->rng) & 0xffffffffff000ULL);
		break;
	default:
		for (i = 0; i < SCRATCH_SIZE; i += 8)
			put64(scratch + i, below(&s->rng, 4) ? 0 : interesting(&s->rng));
		arg = (unsigned long)scratch;
		break;
	}
	/*
	 * It may make fds (KVM_CREATE_VM, _VCPU, _DEVICE, a stats fd...),
	 * as its result or inside its struct: those that were not open
	 * before are ours to close.  Not the result as such: a capability's
	 * value may equal one of our fds.
	 */
	for (i = 0; i < JUNK_FDS; i++)
		was_open[i] = fcntl(i, F_GETFD) >= 0;
	/* It may be KVM_RUN by another name: the timer bounds it like any run. */
	arm_timer(&s->rng);
	ioctl(fd, cmd, arg);
	disarm_timer();
	for (i = 0; i < JUNK_FDS; i++)
		if (!was_open[i] && fcntl(i, F_GETFD) >= 0)
			close(i);
}

/*
 * MSR indices for KVM_GET/SET_MSRS: what both devices emulate, their
 * edges, and MSRs neither knows.  Not EFER nor APIC_BASE: KVM lets the
 * VMM clear EFER.LME under paging, a state KVM_SET_SREGS then refuses
 * to take back, which is not what this program judges.
 */
static const uint32_t fuzz_msrs[] = {
	0x10, 0x174, 0x175, 0x176, 0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084,
	0xc0000100, 0xc0000101, 0xc0000102, 0x277, 0x3a, 0x3b, 0x10a, 0x345, 0x1a0,
	0x179, 0x17a, 0x34, 0xce, 0x140, 0x1fc, 0x8b, 0x1d9, 0xfe, 0x2ff, 0x200,
	0x20f, 0x210, 0x250, 0x26f, 0x400, 0x401, 0x47f, 0x480, 0x6e0,
	0, 0xffffffff, 0xc0000000, 0x40000000, 0xc0011fff, 0xdeadbeef,
};

/*
 * One KVM_GET_MSRS or KVM_SET_MSRS on @fd with hostile nmsrs, indices
 * and data.  Both devices promise E2BIG from 256 up and otherwise a
 * count of MSRs done, never more than asked.
 */
static void msrs_op(struct seq *s, int fd, bool set)
{
	static const uint32_t nmsrs[] = { 0, 1, 2, 255, 256, 257, 0x7fffffff, ~0U };
	uint32_t n = one_in(&s->rng, 3) ? nmsrs[below(&s->rng, 8)] : below(&s->rng, 9);
	unsigned long req = set ? KVM_SET_MSRS : KVM_GET_MSRS;
	struct kvm_msrs *m;
	uint32_t i, room = n < 256 ? n : 1;
	long r;

	if (one_in(&s->rng, 10)) {
		ioctl(fd, req, (void *)(interesting(&s->rng) + 0x1000));
		return;
	}
	m = calloc(1, sizeof(*m) + room * sizeof(m->entries[0]));
	if (!m)
		return;
	m->nmsrs = n;
	m->pad = rnd(&s->rng);
	for (i = 0; i < room; i++) {
		m->entries[i].index = one_in(&s->rng, 4) ? (uint32_t)rnd(&s->rng) :
				      fuzz_msrs[below(&s->rng, ARRAY_SIZE(fuzz_msrs))];
		m->entries[i].reserved = one_in(&s->rng, 4) ? rnd(&s->rng) : 0;
		m->entries[i].data = one_in(&s->rng, 2) ? interesting(&s->rng) : rnd(&s->rng);
	}
	r = ioctl(fd, req, m);
	if (n >= 256 && !(r == -1 && errno == E2BIG))
		seq_fail(s, "msrs", "nmsrs %u: returned %ld (%s), not E2BIG", n, r, errname(errno));
	if (n < 256 && (r < -1 || r > n))
		seq_fail(s, "msrs", "nmsrs %u: returned %ld", n, r);
	free(m);
}

/* KVM_GET_MSR_INDEX_LIST or the feature list with any room: E2BIG always says the count. */
static void msr_list_op(struct seq *s)
{
	unsigned long req = one_in(&s->rng, 2) ? KVM_GET_MSR_INDEX_LIST :
						 KVM_GET_MSR_FEATURE_INDEX_LIST;
	uint32_t room = one_in(&s->rng, 2) ? below(&s->rng, 300) : 1024;
	struct kvm_msr_list *l = calloc(1, sizeof(*l) + 1024 * sizeof(l->indices[0]));
	long r;

	if (!l)
		return;
	l->nmsrs = room;
	r = ioctl(s->sys, req, l);
	if (r && errno == E2BIG && l->nmsrs <= room)
		seq_fail(s, "msr_list", "E2BIG for room %u, yet the count is %u", room, l->nmsrs);
	if (!r && l->nmsrs > room)
		seq_fail(s, "msr_list", "room %u, %u listed", room, l->nmsrs);
	free(l);
}

static void op_system(struct seq *s)
{
	struct kvm_cpuid2 *c = (void *)scratch;
	long r;

	switch (below(&s->rng, 9)) {
	case 0:
		r = ioctl(s->sys, KVM_GET_API_VERSION, 0);
		if (r != KVM_API_VERSION)
			seq_fail(s, "api_version", "KVM_GET_API_VERSION gave %ld (%s)", r,
				 errname(errno));
		ioctl(s->sys, KVM_GET_API_VERSION, interesting(&s->rng));
		break;
	case 1:
		ioctl(s->sys, KVM_CHECK_EXTENSION,
		      one_in(&s->rng, 2) ? below(&s->rng, 300) : interesting(&s->rng));
		break;
	case 2:
		r = ioctl(s->sys, KVM_GET_VCPU_MMAP_SIZE, 0);
		if (r != mmap_size)
			seq_fail(s, "mmap_size", "KVM_GET_VCPU_MMAP_SIZE gave %ld, first %ld", r,
				 mmap_size);
		ioctl(s->sys, KVM_GET_VCPU_MMAP_SIZE, interesting(&s->rng));
		break;
	case 3: {
		/* Our buffer has room for CPUID_BUF entries; nent may claim more. */
		static const uint32_t nents[] = { 0, 1, 2, 255, 256, 257, 1024, 0x7fffffff, ~0U };
		uint32_t want = one_in(&s->rng, 2) ? nents[below(&s->rng, 9)] :
						     below(&s->rng, 300);
		struct kvm_cpuid2 *big = malloc(sizeof(*big) + CPUID_BUF * sizeof(big->entries[0]));

		if (!big)
			break;
		big->nent = want;
		big->padding = rnd(&s->rng);
		r = ioctl(s->sys, KVM_GET_SUPPORTED_CPUID, big);
		if (!r && (big->nent > want || big->nent > CPUID_BUF))
			seq_fail(s, "supported_cpuid", "asked for %u entries, told %u", want,
				 big->nent);
		free(big);
		break;
	}
	case 4: {
		/* The header at a page's end, PROT_NONE after it: the entries fault. */
		unsigned char *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p != MAP_FAILED) {
			mprotect(p + PAGE, PAGE, PROT_NONE);
			c = (void *)(p + PAGE - sizeof(*c) -
				     below(&s->rng, 3) * sizeof(c->entries[0]));
			c->nent = 1 + below(&s->rng, 300);
			ioctl(s->sys, KVM_GET_SUPPORTED_CPUID, c);
			munmap(p, 2 * PAGE);
		}
		ioctl(s->sys, KVM_GET_SUPPORTED_CPUID, (void *)(interesting(&s->rng) + 0x1000));
		break;
	}
	case 5:
		junk_ioctl(s, s->sys);
		break;
	case 7:
		msr_list_op(s);
		break;
	case 8:
		/* The feature MSRs: only KVM_GET_MSRS exists on the system fd. */
		msrs_op(s, s->sys, false);
		break;
	default:
		/* KVM_CREATE_VM with a junk type: a second VM, or EINVAL. */
		r = ioctl(s->sys, KVM_CREATE_VM, one_in(&s->rng, 2) ? 0 : interesting(&s->rng));
		if (r >= 0)
			close(r);
		break;
	}
}

static int set_slot(int vm, uint32_t slot, uint32_t flags, uint64_t gpa, uint64_t size,
		    uint64_t hva)
{
	struct kvm_userspace_memory_region m = {
		.slot = slot, .flags = flags, .guest_phys_addr = gpa,
		.memory_size = size, .userspace_addr = hva,
	};

	return ioctl(vm, KVM_SET_USER_MEMORY_REGION, &m);
}

/* One random KVM_SET_USER_MEMORY_REGION; @keep_infra spares slots 0 and 1. */
static void slot_op(struct seq *s, struct rng *r, int vm, bool keep_infra)
{
	uint32_t slot, flags = 0;
	uint64_t gpa, size, hva;

	switch (below(r, 6)) {
	case 0:
		slot = below(r, 34);
		break;
	case 1:
		slot = 2 + below(r, 6);
		break;
	case 2:
		slot = interesting(r);
		break;
	case 3: /* address space 1 (SMM) */
		slot = 1 << 16 | below(r, 34);
		break;
	default:
		slot = keep_infra ? 2 + below(r, 30) : below(r, 4);
		break;
	}
	if (keep_infra && (slot == 0 || slot == 1))
		slot = 2;

	switch (below(r, 8)) {
	case 0: /* delete */
		size = 0;
		break;
	case 1:
		size = interesting(r);
		break;
	case 2:
		size = PAGE * (1 + below(r, 16)) + (one_in(r, 4) ? below(r, PAGE) : 0);
		break;
	case 3:
		size = 1ULL << (40 + below(r, 20));
		break;
	default:
		size = PAGE * (1 + below(r, EXTRA_SIZE / PAGE));
		break;
	}

	switch (below(r, 8)) {
	case 0:
		gpa = 0;
		break;
	case 1:
		gpa = interesting(r);
		break;
	case 2: /* over RAM or ROM */
		gpa = below(r, 0x100000) & ~(PAGE - 1);
		break;
	case 3:
		gpa = (0xfffff000ULL - below(r, 0x100) * PAGE);
		break;
	case 4:
		gpa = (1ULL << (32 + below(r, 20))) - PAGE * below(r, 4);
		break;
	default:
		gpa = 0x100000 + below(r, 0x400) * PAGE;
		break;
	}
	if (one_in(r, 8))
		gpa += 1 + below(r, PAGE - 1);

	switch (below(r, 12)) {
	case 0:
		hva = (uint64_t)s->hole + below(r, HOLE_SIZE / PAGE) * PAGE;
		break;
	case 1:
		hva = interesting(r);
		break;
	case 2: /* the kernel's */
		hva = 0xffff888000000000ULL + below(r, 1 << 20) * PAGE;
		break;
	case 3:
		hva = (uint64_t)s->ram + below(r, RAM_SIZE / PAGE) * PAGE;
		break;
	case 4:
		hva = (uint64_t)s->rom;
		break;
	case 5:
		/* The vCPU's own kvm_run page, if mapped: a guest writing it. */
		hva = s->vcpus[0].run && !s->vcpus[0].run_dropped ?
			(uint64_t)s->vcpus[0].run : (uint64_t)s->extra;
		break;
	default:
		hva = (uint64_t)s->extra + below(r, EXTRA_SIZE / PAGE) * PAGE;
		break;
	}
	if (one_in(r, 10))
		hva += 1 + below(r, PAGE - 1);

	switch (below(r, 6)) {
	case 0:
		flags = KVM_MEM_READONLY;
		break;
	case 1:
		flags = KVM_MEM_LOG_DIRTY_PAGES;
		break;
	case 2:
		flags = interesting(r);
		break;
	default:
		break;
	}
	set_slot(vm, slot, flags, gpa, size, hva);
}

static void map_run(struct seq *s, struct vcpu *v)
{
	void *p = mmap(NULL, mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);

	if (p == MAP_FAILED) {
		seq_fail(s, "mmap", "mmap of vCPU %lu's kvm_run: %s", v->id, errname(errno));
		return;
	}
	v->run = p;
}

static void op_create_vcpu(struct seq *s)
{
	static const unsigned long ids[] = { 0, 1, 7, 8, 9, 254, 255, 256, 299, 300, 1023,
					     1024, 4095, 4096, ~0UL, 0x80000000 };
	unsigned long id;
	int fd;

	switch (below(&s->rng, 4)) {
	case 0:
		id = ids[below(&s->rng, 16)];
		break;
	case 1:
		id = s->nvcpus ? s->vcpus[below(&s->rng, s->nvcpus)].id : 0;
		break;
	default:
		id = below(&s->rng, 301);
		break;
	}
	fd = ioctl(s->vm, KVM_CREATE_VCPU, id);
	if (fd < 0)
		return;
	if (s->nvcpus == MAX_VCPUS) {
		close(fd);
		return;
	}
	s->vcpus[s->nvcpus] = (struct vcpu){ .fd = fd, .id = id };
	map_run(s, &s->vcpus[s->nvcpus]);
	s->nvcpus++;
}

/* A stats fd: read its header, a descriptor and a value or two, at odd offsets too. */
static void poke_stats(struct seq *s, int fd, const char *what)
{
	struct kvm_stats_header h;
	char buf[512];
	int sfd = ioctl(fd, KVM_GET_STATS_FD, NULL);

	if (sfd < 0) {
		seq_fail(s, "stats_fd", "KVM_GET_STATS_FD on the %s: %s", what, errname(errno));
		return;
	}
	if (pread(sfd, &h, sizeof(h), 0) == sizeof(h)) {
		pread(sfd, buf, sizeof(buf), h.desc_offset + below(&s->rng, 256));
		pread(sfd, buf, sizeof(buf), h.data_offset + below(&s->rng, 64));
	}
	pread(sfd, buf, below(&s->rng, sizeof(buf)), interesting(&s->rng) & 0x7fffffffffffffffULL);
	close(sfd);
}

/*
 * The settings a VMM makes before its vCPUs exist, with boundary values;
 * the sequence's VM always has a vCPU by now.  KVM_ENABLE_CAP names no
 * capability but MAX_VCPU_ID and unknown ones: KVM would enable others
 * (MSR exits to userspace...) and run the guest differently.
 */
static void op_vm_settings(struct seq *s)
{
	struct kvm_enable_cap cap = {
		.cap = one_in(&s->rng, 4) ? 1000 + below(&s->rng, 1000) : KVM_CAP_MAX_VCPU_ID,
		.flags = one_in(&s->rng, 4) ? interesting(&s->rng) : 0,
		.args = { interesting(&s->rng), interesting(&s->rng) },
	};
	unsigned long n;

	switch (below(&s->rng, 4)) {
	case 0:
		if (ioctl(s->vm, KVM_SET_BOOT_CPU_ID, interesting(&s->rng)) != -1 || errno != EBUSY)
			seq_fail(s, "boot_cpu_id", "KVM_SET_BOOT_CPU_ID with a vCPU: not EBUSY");
		break;
	case 1:
		n = one_in(&s->rng, 2) ? below(&s->rng, 100) : interesting(&s->rng);
		if (!ioctl(s->vm, KVM_SET_NR_MMU_PAGES, n) && n < 64)
			seq_fail(s, "nr_mmu_pages", "KVM_SET_NR_MMU_PAGES took %lu", n);
		break;
	case 2:
		/* Gone after 6.1 (ENOTTY): either answer is fine. */
		ioctl(s->vm, KVM_GET_NR_MMU_PAGES, interesting(&s->rng));
		break;
	default:
		if (one_in(&s->rng, 8))
			ioctl(s->vm, KVM_ENABLE_CAP, (void *)interesting(&s->rng));
		else if (!ioctl(s->vm, KVM_ENABLE_CAP, &cap) && cap.flags)
			seq_fail(s, "enable_cap", "KVM_ENABLE_CAP took flags %#x", cap.flags);
		break;
	}
}

static void op_vm(struct seq *s)
{
	switch (below(&s->rng, 10)) {
	case 0:
	case 1:
	case 2:
		slot_op(s, &s->rng, s->vm, !raw && !one_in(&s->rng, 4));
		break;
	case 3:
	case 4:
		op_create_vcpu(s);
		break;
	case 5:
		ioctl(s->vm, KVM_SET_TSS_ADDR,
		      one_in(&s->rng, 2) ? 0xfffbd000 : interesting(&s->rng));
		break;
	case 6: {
		uint64_t a = one_in(&s->rng, 2) ? 0xfeffc000 : interesting(&s->rng);

		ioctl(s->vm, KVM_SET_IDENTITY_MAP_ADDR, &a);
		break;
	}
	case 7:
		poke_stats(s, s->vm, "VM");
		break;
	case 8:
		op_vm_settings(s);
		break;
	default:
		if (one_in(&s->rng, 2))
			ioctl(s->vm, KVM_CHECK_EXTENSION, below(&s->rng, 300));
		else
			junk_ioctl(s, s->vm);
		break;
	}
}

static void mutate_seg(struct rng *r, struct kvm_segment *g)
{
	switch (below(r, 12)) {
	case 0:
		g->base = interesting(r);
		break;
	case 1:
		g->limit = interesting(r);
		break;
	case 2:
		g->selector = rnd(r);
		break;
	case 3:
		g->type = below(r, 16);
		break;
	case 4:
		g->present = below(r, 2);
		break;
	case 5:
		g->dpl = below(r, 4);
		break;
	case 6:
		g->db = below(r, 2);
		break;
	case 7:
		g->s = below(r, 2);
		break;
	case 8:
		g->l = below(r, 2);
		break;
	case 9:
		g->g = below(r, 2);
		break;
	case 10:
		g->unusable = below(r, 2);
		break;
	default:
		g->avl = below(r, 2);
		g->padding = rnd(r);
		break;
	}
}

static void mutate_sregs(struct rng *r, struct kvm_sregs *sr)
{
	static const uint64_t cr0s[] = {
		0x60000010, 0x11, 0x31, 0x80000011, 0x80000031, 0x80000001, 0x80000000,
		0x80010031, 0xe0000011, 0x1, 0x0,
	};
	static const uint64_t cr4s[] = {
		0, 0x20, 0x620, 0x2000, 0x1000, 0x1020, 0x40000, 0x100000,
	};
	static const uint64_t efers[] = { 0, 0x500, 0x100, 0x400, 0xd01, 0x1, 0x800, 0x501 };
	struct kvm_segment *segs[] = { &sr->cs, &sr->ds, &sr->es, &sr->fs, &sr->gs, &sr->ss,
				       &sr->tr, &sr->ldt };
	int n;

	for (n = 1 + below(r, 4); n; n--) {
		switch (below(r, 12)) {
		case 0:
			sr->cr0 = one_in(r, 3) ? interesting(r) : cr0s[below(r, 11)];
			break;
		case 1:
			sr->cr4 = one_in(r, 3) ? interesting(r) : cr4s[below(r, 8)];
			break;
		case 2:
			sr->efer = one_in(r, 3) ? interesting(r) : efers[below(r, 8)];
			break;
		case 3:
			sr->cr3 = one_in(r, 2) ? PML4 : interesting(r);
			break;
		case 4:
			sr->cr2 = interesting(r);
			sr->cr8 = interesting(r);
			break;
		case 5:
			sr->apic_base = interesting(r);
			break;
		case 6:
			sr->gdt.base = interesting(r);
			sr->gdt.limit = rnd(r);
			break;
		case 7:
			sr->idt.base = interesting(r);
			sr->idt.limit = rnd(r);
			break;
		case 8:
			sr->interrupt_bitmap[below(r, 4)] |= 1ULL << below(r, 64);
			break;
		default:
			mutate_seg(r, segs[below(r, 8)]);
			break;
		}
	}
}

/* GET then SET of the same state: KVM promises it (migration depends on it). */
static void roundtrip(struct seq *s, struct vcpu *v)
{
	struct kvm_sregs sr;
	struct kvm_regs regs;

	if (ioctl(v->fd, KVM_GET_REGS, &regs)) {
		seq_fail(s, "get_regs", "vCPU %lu: %s", v->id, errname(errno));
		return;
	}
	if (ioctl(v->fd, KVM_SET_REGS, &regs))
		seq_fail(s, "regs_roundtrip", "vCPU %lu: SET_REGS of what GET_REGS gave: %s",
			 v->id, errname(errno));
	if (ioctl(v->fd, KVM_GET_SREGS, &sr)) {
		seq_fail(s, "get_sregs", "vCPU %lu: %s", v->id, errname(errno));
		return;
	}
	if (ioctl(v->fd, KVM_SET_SREGS, &sr))
		seq_fail(s, "sregs_roundtrip",
			 "vCPU %lu: SET_SREGS of what GET_SREGS gave: %s (cr0 %#llx cr4 %#llx efer %#llx cs type %u l %u db %u)",
			 v->id, errname(errno), sr.cr0, sr.cr4, sr.efer, sr.cs.type, sr.cs.l,
			 sr.cs.db);
}

static void op_regs(struct seq *s, struct vcpu *v)
{
	struct kvm_regs regs;
	struct kvm_sregs sr;
	uint64_t *words = (uint64_t *)&regs;
	int n;

	switch (below(&s->rng, 6)) {
	case 0:
		roundtrip(s, v);
		break;
	case 1:
		if (ioctl(v->fd, KVM_GET_REGS, &regs))
			break;
		for (n = 1 + below(&s->rng, 4); n; n--)
			words[below(&s->rng, sizeof(regs) / 8)] = interesting(&s->rng);
		regs.rflags = safe_rflags(regs.rflags);
		ioctl(v->fd, KVM_SET_REGS, &regs);
		break;
	case 2:
	case 3:
		if (ioctl(v->fd, KVM_GET_SREGS, &sr))
			break;
		mutate_sregs(&s->rng, &sr);
		safe_idt(&sr);
		if (!ioctl(v->fd, KVM_SET_SREGS, &sr))
			roundtrip(s, v);
		break;
	case 4:
		/* A valid mode, maybe another than the code was written for. */
		set_mode(v, below(&s->rng, MODE_COUNT));
		break;
	default:
		/* Pointers that fault. */
		ioctl(v->fd, one_in(&s->rng, 2) ? KVM_SET_REGS : KVM_GET_SREGS,
		      (void *)interesting(&s->rng));
		break;
	}
}

static int set_supported_cpuid(int fd)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + nsupported * sizeof(c->entries[0]));
	int r;

	if (!c)
		return -1;
	c->nent = nsupported;
	memcpy(c->entries, supported, nsupported * sizeof(supported[0]));
	r = ioctl(fd, KVM_SET_CPUID2, c);
	free(c);
	return r;
}

static void op_cpuid(struct seq *s, struct vcpu *v)
{
	struct kvm_cpuid2 *c = malloc(sizeof(*c) + CPUID_BUF * sizeof(c->entries[0]));
	uint32_t nent;
	int i, n;

	if (!c)
		return;
	memset(c, 0, sizeof(*c) + CPUID_BUF * sizeof(c->entries[0]));
	memcpy(c->entries, supported, nsupported * sizeof(supported[0]));
	nent = nsupported;
	switch (below(&s->rng, 4)) {
	case 0:
		nent = below(&s->rng, 2) ? below(&s->rng, 3) : 255 + below(&s->rng, 3);
		break;
	case 1:
		nent = one_in(&s->rng, 2) ? interesting(&s->rng) : below(&s->rng, CPUID_BUF + 1);
		if (nent > CPUID_BUF)
			nent = one_in(&s->rng, 2) ? CPUID_BUF : nent;
		break;
	default:
		break;
	}
	/* Entries beyond the buffer are never read: nent > CPUID_BUF must fail with E2BIG. */
	for (n = below(&s->rng, 8); n; n--) {
		struct kvm_cpuid_entry2 *e = &c->entries[below(&s->rng, nsupported + 4)];
		uint32_t *w = (uint32_t *)e;

		w[below(&s->rng, sizeof(*e) / 4)] = interesting(&s->rng);
	}
	c->nent = nent;
	i = ioctl(v->fd, KVM_SET_CPUID2, c);
	if (nent > CPUID_BUF && !i)
		seq_fail(s, "set_cpuid", "KVM_SET_CPUID2 with nent %u took it", nent);

	/*
	 * Read back into the same buffer, which holds more than any vCPU's
	 * table: E2BIG leaves nent alone; success never claims more room
	 * than it was given (KVM 6.1 leaves nent, later kernels shrink it).
	 */
	nent = one_in(&s->rng, 2) ? below(&s->rng, 300) : interesting(&s->rng);
	c->nent = nent;
	i = ioctl(v->fd, KVM_GET_CPUID2, c);
	if (i && errno == E2BIG && c->nent != nent)
		seq_fail(s, "get_cpuid", "KVM_GET_CPUID2 E2BIG changed nent %u to %u", nent, c->nent);
	if (!i && c->nent > nent)
		seq_fail(s, "get_cpuid", "KVM_GET_CPUID2 with nent %u said %u", nent, c->nent);
	free(c);
}

/* Without an in-kernel APIC only RUNNABLE exists, on both devices. */
static void op_mp_state(struct seq *s, struct vcpu *v)
{
	struct kvm_mp_state mp = {
		.mp_state = one_in(&s->rng, 2) ? below(&s->rng, 12) : interesting(&s->rng),
	};
	uint32_t want = mp.mp_state;

	if (one_in(&s->rng, 8)) {
		ioctl(v->fd, one_in(&s->rng, 2) ? KVM_GET_MP_STATE : KVM_SET_MP_STATE,
		      (void *)interesting(&s->rng));
		return;
	}
	if (!ioctl(v->fd, KVM_SET_MP_STATE, &mp) && want != KVM_MP_STATE_RUNNABLE)
		seq_fail(s, "mp_state", "KVM_SET_MP_STATE took state %u", want);
	if (ioctl(v->fd, KVM_GET_MP_STATE, &mp) || mp.mp_state != KVM_MP_STATE_RUNNABLE)
		seq_fail(s, "mp_state", "KVM_GET_MP_STATE: %s, state %u",
			 errname(errno), mp.mp_state);
}

static void op_interrupt(struct seq *s, struct vcpu *v)
{
	struct kvm_interrupt irq = {
		.irq = one_in(&s->rng, 4) ? interesting(&s->rng) : below(&s->rng, 257),
	};

	ioctl(v->fd, KVM_INTERRUPT, &irq);
}

/*
 * KVM_GET/SET_VCPU_EVENTS (issue 12): what GET gave goes back; or a few
 * random bytes of it, SMM left out on KVM, whose guest would then run
 * in SMM (kvmini refuses SMM).
 */
static void op_events(struct seq *s, struct vcpu *v)
{
	struct kvm_vcpu_events ev;
	unsigned char *b = (unsigned char *)&ev;
	int n;

	if (ioctl(v->fd, KVM_GET_VCPU_EVENTS, &ev)) {
		seq_fail(s, "get_events", "vCPU %lu: %s", v->id, errname(errno));
		return;
	}
	if (one_in(&s->rng, 2)) {
		if (ioctl(v->fd, KVM_SET_VCPU_EVENTS, &ev))
			seq_fail(s, "events_roundtrip", "vCPU %lu: SET of what GET gave: %s",
				 v->id, errname(errno));
		return;
	}
	for (n = 1 + below(&s->rng, 4); n; n--)
		b[below(&s->rng, sizeof(ev))] = rnd(&s->rng);
	if (!strstr(dev, "kvmini"))
		ev.smi.smm = ev.smi.pending = 0;
	ioctl(v->fd, KVM_SET_VCPU_EVENTS, &ev);
}

/* mmap of the vCPU fd at pages 0-3, each page probed by the kernel, then unmapped. */
static void op_mmap(struct seq *s, struct vcpu *v)
{
	unsigned long off = below(&s->rng, 4) * PAGE, pages = 1 + below(&s->rng, 4), i;
	int prot = one_in(&s->rng, 4) ? PROT_READ : PROT_READ | PROT_WRITE;
	int flags = one_in(&s->rng, 4) ? MAP_PRIVATE : MAP_SHARED;
	unsigned char *p = mmap(NULL, pages * PAGE, prot, flags, v->fd, off);

	if (p == MAP_FAILED)
		return;
	for (i = 0; i < pages; i++)
		probe_read(p + i * PAGE, 64);
	munmap(p, pages * PAGE);
}

static void op_vcpu(struct seq *s)
{
	struct vcpu *v = pick_vcpu(s);

	if (!v)
		return;
	switch (below(&s->rng, 15)) {
	case 0:
	case 1:
	case 2:
	case 3:
		op_regs(s, v);
		break;
	case 11:
		op_mp_state(s, v);
		break;
	case 4:
	case 5:
		op_cpuid(s, v);
		break;
	case 6:
	case 7:
		op_interrupt(s, v);
		break;
	case 8:
		poke_stats(s, v->fd, "vCPU");
		break;
	case 9:
		op_mmap(s, v);
		break;
	case 10:
		junk_ioctl(s, v->fd);
		break;
	case 12:
		op_events(s, v);
		break;
	case 13:
	case 14:
		msrs_op(s, v->fd, one_in(&s->rng, 2));
		break;
	default:
		/* KVM_RUN with a non-zero argument: EINVAL on both, no run. */
		ioctl(v->fd, KVM_RUN, 1 + below(&s->rng, 100));
		break;
	}
}

/* Rewrites fields of the kvm_run page that the kernel must not trust. */
static void poke_run(struct seq *s, struct kvm_run *run)
{
	int n;

	for (n = 1 + below(&s->rng, 4); n; n--) {
		switch (below(&s->rng, 13)) {
		case 0:
			run->io.size = interesting(&s->rng);
			break;
		case 1:
			run->io.count = interesting(&s->rng);
			break;
		case 2:
			run->io.direction = rnd(&s->rng);
			break;
		case 3:
			run->io.port = rnd(&s->rng);
			break;
		case 4:
			run->io.data_offset = interesting(&s->rng);
			break;
		case 5:
			run->mmio.phys_addr = interesting(&s->rng);
			run->mmio.len = interesting(&s->rng);
			run->mmio.is_write = rnd(&s->rng);
			break;
		case 6:
			run->request_interrupt_window = rnd(&s->rng);
			break;
		case 7:
			run->immediate_exit = one_in(&s->rng, 2) ? 1 : rnd(&s->rng);
			break;
		case 8:
			run->cr8 = interesting(&s->rng);
			break;
		case 9:
			run->exit_reason = below(&s->rng, 2) ? below(&s->rng, 40) : rnd(&s->rng);
			break;
		case 10:
			run->apic_base = interesting(&s->rng);
			run->if_flag = rnd(&s->rng);
			break;
		case 11:
			/*
			 * KVM_CAP_SYNC_REGS: masks with unknown bits, and
			 * registers the kernel takes from this page, with IF
			 * and the IDT kept safe (issue 12).
			 */
			run->kvm_valid_regs = one_in(&s->rng, 4) ? rnd(&s->rng) : below(&s->rng, 8);
			run->kvm_dirty_regs = one_in(&s->rng, 4) ? rnd(&s->rng) : below(&s->rng, 8);
			put64((unsigned char *)&run->s.regs.regs + 8 * below(&s->rng, 18),
			      interesting(&s->rng));
			run->s.regs.regs.rflags = safe_rflags(run->s.regs.regs.rflags);
			safe_idt(&run->s.regs.sregs);
			if (!strstr(dev, "kvmini"))
				run->s.regs.events.smi.smm = run->s.regs.events.smi.pending = 0;
			break;
		default:
			put64(run->mmio.data, rnd(&s->rng));
			break;
		}
	}
}

/*
 * An exit that breaks what the ABI promises: a failure on kvmini; on KVM,
 * the reference, a note (kvm_intel 6.1 once gave KVM_EXIT_IO with size 0
 * and count 1024 after rewrites of the kvm_run page, seed
 * 0x52d7ff210e7dd760 in Bochs; not reproduced on kvm_pvm).
 */
#define bad_exit(s, name, ...) do {						\
	if (strstr(dev, "kvmini"))						\
		seq_fail(s, name, __VA_ARGS__);					\
	else									\
		printf("fuzz: note: KVM broke the ABI (%s): seed %#llx\n", name,	\
		       (unsigned long long)(s)->seed);				\
} while (0)

/*
 * What KVM's ABI promises about an exit: a buffer inside our mapping,
 * sane sizes.  False when it is broken: then we do not answer it.
 */
static bool check_exit(struct seq *s, struct vcpu *v)
{
	struct kvm_run *run = v->run;
	uint64_t end;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		end = run->io.data_offset + (uint64_t)run->io.size * run->io.count;
		if ((run->io.size != 1 && run->io.size != 2 && run->io.size != 4) ||
		    run->io.direction > 1 || !run->io.count ||
		    run->io.data_offset < sizeof(*run) || end > (uint64_t)mmap_size) {
			bad_exit(s, "exit_io",
				 "vCPU %lu: port %#x size %u count %u direction %u data_offset %#llx (mmap size %#lx)",
				 v->id, run->io.port, run->io.size, run->io.count,
				 run->io.direction, run->io.data_offset, mmap_size);
			return false;
		}
		break;
	case KVM_EXIT_MMIO:
		if (!run->mmio.len || run->mmio.len > 8 || run->mmio.is_write > 1) {
			bad_exit(s, "exit_mmio", "vCPU %lu: gpa %#llx len %u is_write %u", v->id,
				 run->mmio.phys_addr, run->mmio.len, run->mmio.is_write);
			return false;
		}
		break;
	default:
		break;
	}
	return true;
}

/* Answers an exit as a VMM would: data for an IN or an MMIO read, an interrupt, a reset. */
static void answer_exit(struct seq *s, struct vcpu *v)
{
	struct kvm_run *run = v->run;
	struct kvm_interrupt irq;
	unsigned char *data;
	uint32_t i, len;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		if (run->io.direction != KVM_EXIT_IO_IN)
			break;
		data = (unsigned char *)run + run->io.data_offset;
		len = run->io.size * run->io.count;
		for (i = 0; i < len; i++)
			data[i] = rnd(&s->rng);
		break;
	case KVM_EXIT_MMIO:
		if (!run->mmio.is_write)
			put64(run->mmio.data, interesting(&s->rng));
		break;
	case KVM_EXIT_HLT:
	case KVM_EXIT_IRQ_WINDOW_OPEN:
		if (run->if_flag && run->ready_for_interrupt_injection) {
			irq.irq = below(&s->rng, 256);
			ioctl(v->fd, KVM_INTERRUPT, &irq);
			run->request_interrupt_window = 0;
		} else {
			run->request_interrupt_window = one_in(&s->rng, 2);
		}
		break;
	case KVM_EXIT_SHUTDOWN:
	case KVM_EXIT_FAIL_ENTRY:
	case KVM_EXIT_INTERNAL_ERROR:
		if (one_in(&s->rng, 2)) {
			s->mode = below(&s->rng, MODE_COUNT);
			write_code(s);
			set_mode(v, s->mode);
		}
		break;
	default:
		break;
	}
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void count_run(int r, int err, struct vcpu *v, long ms)
{
	runs_total++;
	if (ms >= 100)
		runs_timed_out++;
	if (r && err == EINTR)
		runs_eintr++;
	else if (r)
		runs_failed++;
	else if (!v->run_dropped)
		exits_seen[v->run->exit_reason < EXIT_KINDS ? v->run->exit_reason : EXIT_KINDS]++;
}

static void print_exits(void)
{
	int i;

	printf("fuzz: %ld runs: %ld EINTR (%ld ended by the timer), %ld other errors; exits",
	       runs_total, runs_eintr, runs_timed_out, runs_failed);
	for (i = 0; i <= EXIT_KINDS; i++)
		if (exits_seen[i])
			printf(" %s%d:%ld", i == EXIT_KINDS ? ">=" : "", i, exits_seen[i]);
	printf("\n");
}

static void run_once(struct seq *s, struct vcpu *v)
{
	long ms;
	int r;

	s->runs++;
	if (!v->run_dropped && one_in(&s->rng, 6))
		poke_run(s, v->run);
	arm_timer(&s->rng);
	ms = now_ms();
	r = ioctl(v->fd, KVM_RUN, 0);
	disarm_timer();
	count_run(r, r ? errno : 0, v, now_ms() - ms);
	if (v->run_dropped)
		return;
	if (!r && check_exit(s, v) && !one_in(&s->rng, 4))
		answer_exit(s, v);
	if (!one_in(&s->rng, 4))
		v->run->immediate_exit = 0;
}

static void op_run(struct seq *s)
{
	struct vcpu *v = pick_vcpu(s);

	if (!v || !v->run || s->runs >= MAX_RUNS)
		return;
	if (one_in(&s->rng, 8))
		write_code(s);
	run_once(s, v);
}

/* ---- concurrency: a second thread while the vCPU runs ---- */

static void sleep_us(long us)
{
	struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = us % 1000000 * 1000 };

	nanosleep(&ts, NULL);
}

/* Slots deleted, moved and set again under the running vCPU, RAM and ROM included. */
static void *slot_churn(void *arg)
{
	struct seq *s = arg;
	struct rng *r = &s->helper_rng;

	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
		switch (below(r, 5)) {
		case 0:	/* RAM gone, then back */
			set_slot(s->vm, 0, 0, 0, 0, 0);
			sleep_us(below(r, 2000));
			set_slot(s->vm, 0, 0, 0, RAM_SIZE, (uint64_t)s->ram);
			break;
		case 1:	/* RAM moved away and back */
			set_slot(s->vm, 0, 0, 0x40000000, RAM_SIZE, (uint64_t)s->ram);
			sleep_us(below(r, 2000));
			set_slot(s->vm, 0, 0, 0, RAM_SIZE, (uint64_t)s->ram);
			break;
		case 2:	/* ROM gone and back (real mode loses its IVT meanwhile) */
			set_slot(s->vm, 1, 0, 0, 0, 0);
			sleep_us(below(r, 2000));
			set_slot(s->vm, 1, KVM_MEM_READONLY, ROM_GPA, ROM_SIZE, (uint64_t)s->rom);
			break;
		case 3:	/* new pages behind a slot (kvmini sees them after a set) */
			mmap(s->extra, EXTRA_SIZE, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
			break;
		default:
			slot_op(s, r, s->vm, true);
			break;
		}
		sleep_us(below(r, 1000));
	}
	return NULL;
}

/*
 * Closes fds under the running vCPU after a moment: the VM's, the
 * vCPU's, the system one, and sometimes drops the kvm_run mapping by
 * mapping anonymous memory over it (an address we still own, so no read
 * of ours faults).  Only the helper changes these fds meanwhile, and the
 * main thread opens none until it has joined: no number is reused.
 */
static void *closer(void *arg)
{
	struct seq *s = arg;
	struct rng *r = &s->helper_rng;
	struct vcpu *v = &s->vcpus[s->victim];
	int what = 1 + below(r, 15), fd;

	sleep_us(below(r, 30000));
	if (what & 1) {
		fd = __atomic_exchange_n(&s->vm, -1, __ATOMIC_ACQ_REL);
		if (fd >= 0)
			close(fd);
	}
	if (what & 2) {
		fd = __atomic_exchange_n(&v->fd, -1, __ATOMIC_ACQ_REL);
		if (fd >= 0)
			close(fd);
	}
	if (what & 4) {
		fd = __atomic_exchange_n(&s->sys, -1, __ATOMIC_ACQ_REL);
		if (fd >= 0)
			close(fd);
	}
	if ((what & 8) && v->run) {
		__atomic_store_n(&v->run_dropped, true, __ATOMIC_RELEASE);
		mmap(v->run, mmap_size, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	}
	return NULL;
}

static void op_concurrent(struct seq *s)
{
	bool churn = one_in(&s->rng, 2);
	struct vcpu *v;
	int n, fd, r;
	long ms;

	if (!s->nvcpus || s->vcpus[0].fd < 0 || !s->vcpus[0].run || s->vm < 0 ||
	    s->runs >= MAX_RUNS)
		return;
	s->victim = 0;
	v = &s->vcpus[0];
	rng_init(&s->helper_rng, rnd(&s->rng));
	__atomic_store_n(&s->stop, 0, __ATOMIC_RELEASE);
	/* The helper inherits our mask: blocked there, the alarm stays ours. */
	pthread_sigmask(SIG_BLOCK, &alarm_set, NULL);
	n = pthread_create(&s->helper, NULL, churn ? slot_churn : closer, s);
	pthread_sigmask(SIG_UNBLOCK, &alarm_set, NULL);
	if (n) {
		seq_fail(s, "thread", "pthread_create: %s", errname(n));
		return;
	}
	/* A guest that spins sometimes, so the helper finds it inside KVM_RUN. */
	if (one_in(&s->rng, 2)) {
		set_mode(v, MODE_REAL);
		s->mode = MODE_REAL;
		memcpy(s->ram + CODE, (unsigned char[]){ 0xfb, 0xeb, 0xfe }, 3);
	}
	for (n = 1 + below(&s->rng, 2); n && s->runs < MAX_RUNS; n--) {
		fd = __atomic_load_n(&v->fd, __ATOMIC_ACQUIRE);
		if (fd < 0)
			break;
		s->runs++;
		arm_timer(&s->rng);
		ms = now_ms();
		r = ioctl(fd, KVM_RUN, 0);
		disarm_timer();
		count_run(r, r ? errno : 0, v, now_ms() - ms);
		if (!__atomic_load_n(&v->run_dropped, __ATOMIC_ACQUIRE))
			v->run->immediate_exit = 0;
	}
	__atomic_store_n(&s->stop, 1, __ATOMIC_RELEASE);
	pthread_join(s->helper, NULL);
}

/* ---- a sequence ---- */

static int seq_setup(struct seq *s)
{
	s->sys = open(dev, O_RDWR | O_CLOEXEC);
	if (s->sys < 0) {
		seq_fail(s, "open", "open %s: %s", dev, errname(errno));
		return -1;
	}
	s->vm = ioctl(s->sys, KVM_CREATE_VM, 0);
	if (s->vm < 0) {
		seq_fail(s, "create_vm", "KVM_CREATE_VM: %s", errname(errno));
		return -1;
	}
	s->ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	s->rom = mmap(NULL, ROM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	s->extra = mmap(NULL, EXTRA_SIZE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	s->hole = mmap(NULL, HOLE_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (s->ram == MAP_FAILED || s->rom == MAP_FAILED || s->extra == MAP_FAILED ||
	    s->hole == MAP_FAILED) {
		seq_fail(s, "mmap", "guest memory: %s", errname(errno));
		return -1;
	}
	fill_ram(s);
	write_rom(s);
	s->mode = below(&s->rng, 2) ? MODE_REAL : below(&s->rng, MODE_COUNT);
	write_code(s);
	if (set_slot(s->vm, 0, 0, 0, RAM_SIZE, (uint64_t)s->ram) ||
	    set_slot(s->vm, 1, KVM_MEM_READONLY, ROM_GPA, ROM_SIZE, (uint64_t)s->rom)) {
		seq_fail(s, "set_slot", "RAM or ROM slot: %s", errname(errno));
		return -1;
	}
	s->vcpus[0].id = 0;
	s->vcpus[0].fd = ioctl(s->vm, KVM_CREATE_VCPU, 0);
	if (s->vcpus[0].fd < 0) {
		seq_fail(s, "create_vcpu", "KVM_CREATE_VCPU 0: %s", errname(errno));
		return -1;
	}
	s->nvcpus = 1;
	map_run(s, &s->vcpus[0]);
	if (!s->vcpus[0].run)
		return -1;
	/* As a VMM does first: KVM 6.12 refuses long mode in SET_SREGS without it. */
	if (set_supported_cpuid(s->vcpus[0].fd)) {
		seq_fail(s, "set_cpuid", "KVM_SET_CPUID2 of the supported table: %s", errname(errno));
		return -1;
	}
	if (set_mode(&s->vcpus[0], s->mode)) {
		seq_fail(s, "set_mode", "mode %d: %s", s->mode, errname(errno));
		return -1;
	}
	return 0;
}

static void seq_teardown(struct seq *s)
{
	int i;

	disarm_timer();
	for (i = 0; i < s->nvcpus; i++) {
		if (s->vcpus[i].run)
			munmap(s->vcpus[i].run, mmap_size);
		if (s->vcpus[i].fd >= 0)
			close(s->vcpus[i].fd);
	}
	if (s->vm >= 0)
		close(s->vm);
	if (s->sys >= 0)
		close(s->sys);
	if (s->ram && s->ram != MAP_FAILED)
		munmap(s->ram, RAM_SIZE);
	if (s->rom && s->rom != MAP_FAILED)
		munmap(s->rom, ROM_SIZE);
	if (s->extra && s->extra != MAP_FAILED)
		munmap(s->extra, EXTRA_SIZE);
	if (s->hole && s->hole != MAP_FAILED)
		munmap(s->hole, HOLE_SIZE);
}

static void run_sequence(long index, uint64_t seed)
{
	struct seq s = { .seed = seed, .index = index, .sys = -1, .vm = -1 };
	bool concurrent_done;
	int fds = count_fds(), n, left;

	rng_init(&s.rng, seed);
	snprintf(fault_msg, sizeof(fault_msg),
		 "KTEST FAIL fuzz.%s.fault: sequence %ld seed %#llx (replay: fuzz_test %s %#llx 1): signal ",
		 label, index, (unsigned long long)seed, dev, (unsigned long long)seed);
	snprintf(hang_msg, sizeof(hang_msg),
		 "KTEST FAIL fuzz.%s.hang: sequence %ld seed %#llx (replay: fuzz_test %s %#llx 1): still going after %d s\n",
		 label, index, (unsigned long long)seed, dev, (unsigned long long)seed,
		 HANG_SECONDS);
	__atomic_store_n(&seq_start_sec, now_sec(), __ATOMIC_RELEASE);

	if (seq_setup(&s))
		goto out;
	/* A second thread in one sequence of 4: its runs are the slow ones. */
	concurrent_done = !one_in(&s.rng, 4);
	for (n = 10 + below(&s.rng, 71); n; n--) {
		unsigned int what = below(&s.rng, 100);

		if (s.vm < 0)		/* a closer took it: only the teardown is left */
			break;
		if (what < 6) {
			if (s.sys >= 0)
				op_system(&s);
		} else if (what < 24) {
			op_vm(&s);
		} else if (what < 50) {
			op_vcpu(&s);
		} else if (what < 55) {
			write_code(&s);
		} else if (what < 60) {
			if (s.vcpus[0].run && !s.vcpus[0].run_dropped)
				poke_run(&s, s.vcpus[0].run);
		} else if (what < 97) {
			op_run(&s);
		} else if (!concurrent_done) {
			concurrent_done = true;
			op_concurrent(&s);
		}
	}
out:
	seq_teardown(&s);
	left = count_fds();
	if (left != fds)
		seq_fail(&s, "fds", "%d fds open before the sequence, %d after", fds, left);
}

/* What the host supports, once: the base that KVM_SET_CPUID2 mutates. */
static int read_supported(void)
{
	struct kvm_cpuid2 *c = malloc(sizeof(*c) + CPUID_BUF * sizeof(c->entries[0]));
	int sys = open(dev, O_RDWR | O_CLOEXEC), r = -1;

	if (!c || sys < 0)
		goto out;
	mmap_size = ioctl(sys, KVM_GET_VCPU_MMAP_SIZE, 0);
	c->nent = 256;
	if (mmap_size <= 0 || ioctl(sys, KVM_GET_SUPPORTED_CPUID, c) || c->nent > 256)
		goto out;
	nsupported = c->nent;
	memcpy(supported, c->entries, nsupported * sizeof(supported[0]));
	r = 0;
out:
	if (sys >= 0)
		close(sys);
	free(c);
	return r;
}

int main(int argc, char **argv)
{
	struct sigaction alarm_sa = { .sa_handler = on_alarm };
	struct sigaction fault_sa = { .sa_handler = on_fault };
	static const int faults[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
	static char deflabel[32], summary[160];
	pthread_t wd;
	uint64_t seed;
	long count, i;
	char *end;

	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: %s DEVICE SEED COUNT [LABEL]\n", argv[0]);
		return 2;
	}
	dev = argv[1];
	seed = strtoull(argv[2], &end, 0);
	count = strtol(argv[3], NULL, 0);
	if (*end || count < 0) {
		fprintf(stderr, "%s: SEED and COUNT are numbers\n", argv[0]);
		return 2;
	}
	if (argc == 5) {
		label = argv[4];
	} else {
		const char *b = strrchr(dev, '/');

		snprintf(deflabel, sizeof(deflabel), "%s", b ? b + 1 : dev);
		label = deflabel;
	}
	raw = getenv("KVMINI_FUZZ_RAW") && !strcmp(getenv("KVMINI_FUZZ_RAW"), "1");
	snprintf(summary, sizeof(summary), "fuzz.%s.", label);
	ktest_set_prefix(summary);

	if (pipe2(probe_pipe, O_CLOEXEC | O_NONBLOCK) || read_supported()) {
		ktest_fail("setup", "%s: %s", dev, errname(errno));
		return ktest_exit();
	}
	/* No SA_RESTART: the alarm must end KVM_RUN. */
	sigemptyset(&alarm_sa.sa_mask);
	sigaction(SIGALRM, &alarm_sa, NULL);
	sigemptyset(&fault_sa.sa_mask);
	for (i = 0; i < (long)ARRAY_SIZE(faults); i++)
		sigaction(faults[i], &fault_sa, NULL);
	/* The watchdog never takes the alarm: it is for the vCPU thread. */
	sigemptyset(&alarm_set);
	sigaddset(&alarm_set, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &alarm_set, NULL);
	if (pthread_create(&wd, NULL, watchdog, NULL)) {
		ktest_fail("setup", "watchdog thread: %s", errname(errno));
		return ktest_exit();
	}
	pthread_sigmask(SIG_UNBLOCK, &alarm_set, NULL);

	/* Where a machine stops for good, the last of these names the sequence. */
	trace = getenv("KVMINI_FUZZ_TRACE") && !strcmp(getenv("KVMINI_FUZZ_TRACE"), "1");
	for (i = 0; i < count; i++) {
		uint64_t next = seed;

		if (trace) {
			fprintf(stderr, "fuzz: sequence %ld seed %#llx\n", i, (unsigned long long)seed);
			fflush(stderr);
		}
		run_sequence(i, seed);
		seed = splitmix64(&next);
	}
	print_exits();
	/* Where a next run carries on the same chain (t_fuzz.sh runs chunks). */
	printf("fuzz: next seed %#llx\n", (unsigned long long)seed);
	if (seq_failures)
		ktest_fail("sequences", "%d of %ld sequences failed, seed %s", seq_failures, count,
			   argv[2]);
	else
		printf("KTEST PASS %ssequences: %ld sequences, seed %s\n", summary, count, argv[2]);
	fflush(stdout);
	return ktest_exit();
}
