// SPDX-License-Identifier: GPL-2.0
/*
 * smp_test DEV LABEL [ROUNDS [VCPUS]]: KVM_RUN on several vCPUs of one VM
 * at once, with their first touches of the same fresh pages racing.
 *
 * One VM, VCPUS vCPUs (default 2), each on a thread of its own pinned to
 * its own CPU when there are enough.  Each round (default 200) puts a new
 * memory slot of fresh anonymous pages at 1 MiB (the last round's slot
 * deleted first), then runs every vCPU through the same guest code:
 *   1. meet the others (a spin barrier with a bound, so one CPU works too)
 *   2. write seed[id] ^ i into every word i with i % VCPUS == id, walking
 *      the pages in the same order as the others: the first touch of each
 *      page (an EPT violation) comes from every vCPU at about once
 *   3. wait for all to have written, then sum every word of the slot
 *   4. hlt, the sum in EAX
 * The host then checks every word of the slot and every vCPU's sum.  A
 * page mapped twice, lost, mapped from a previous round's memory or seen
 * late by one vCPU shows up as a wrong word or a wrong sum.
 * The same program runs on /dev/kvm with the same expectations.
 */
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "ktest.h"

#define LOW_MEM		0x10000		/* slot 0: the code and the control words */
#define CODE_GPA	0x1000
#define CTRL_GPA	0x2000		/* +0 barrier 1, +4 barrier 2, +0x40 + id * 4 met */
#define REGION_GPA	0x100000	/* slot 1, new every round */
#define REGION_PAGES	64
#define REGION_SIZE	(REGION_PAGES * 4096)
#define REGION_WORDS	(REGION_SIZE / 4)
#define MAX_VCPUS	8
#define ROUND_TIMEOUT	60		/* seconds before a round counts as hung */

/*
 * The guest, 32-bit protected mode, flat segments, no stack, copied to
 * CODE_GPA.  In: ESI id, EDI number of vCPUs, EBX the slot's GPA, ECX its
 * words, EDX this vCPU's seed.  Out: EAX the sum, at a hlt.
 */
extern const unsigned char smp_guest[], smp_guest_end[];
asm(".pushsection .rodata\n"
    ".globl smp_guest, smp_guest_end\n"
    "smp_guest:\n"
    ".code32\n"
    /* 1: meet, for at most about a million polls */
    "	lock incl 0x2000\n"
    "	mov $1000000, %ebp\n"
    "1:	cmp %edi, 0x2000\n"
    "	jae 2f\n"
    "	pause\n"
    "	dec %ebp\n"
    "	jnz 1b\n"
    "2:	mov %ebp, 0x2040(,%esi,4)\n"
    /* 2: the words of this vCPU, i = id, id + n, ... */
    "	mov %esi, %eax\n"
    "3:	cmp %ecx, %eax\n"
    "	jae 4f\n"
    "	mov %edx, %ebp\n"
    "	xor %eax, %ebp\n"
    "	mov %ebp, (%ebx,%eax,4)\n"
    "	add %edi, %eax\n"
    "	jmp 3b\n"
    /* 3: everyone has written (no bound: the host's timeout is the bound) */
    "4:	lock incl 0x2004\n"
    "5:	cmp %edi, 0x2004\n"
    "	jae 6f\n"
    "	pause\n"
    "	jmp 5b\n"
    "6:	xor %eax, %eax\n"
    "	xor %ebp, %ebp\n"
    "7:	add (%ebx,%ebp,4), %eax\n"
    "	inc %ebp\n"
    "	cmp %ecx, %ebp\n"
    "	jb 7b\n"
    /* 4 */
    "	hlt\n"
    ".code64\n"
    "smp_guest_end:\n"
    ".popsection\n");

struct vcpu {
	int fd;
	unsigned int id;
	struct kvm_run *run;
	pthread_t thread;
	int cpu;		/* pinned to, or -1 */
	uint32_t seed;
	/* Results of the round. */
	uint32_t sum;
	char err[160];
};

static const char *dev;
static int sys_fd, vm_fd;
static unsigned char *low;
static unsigned int nvcpus = 2;
static struct vcpu vcpus[MAX_VCPUS];
static size_t run_size;

static void on_kick(int sig)
{
	(void)sig;
}

static int set_protected(struct vcpu *v)
{
	struct kvm_segment code = {
		.base = 0, .limit = 0xffffffff, .selector = 0x08, .type = 11,
		.present = 1, .db = 1, .s = 1, .g = 1,
	};
	struct kvm_segment data = code;
	struct kvm_sregs s;

	if (ioctl(v->fd, KVM_GET_SREGS, &s))
		return -1;
	data.selector = 0x10;
	data.type = 3;
	s.cs = code;
	s.ds = s.es = s.fs = s.gs = s.ss = data;
	s.tr.type = 11;		/* a busy 32-bit TSS, as VM entry wants */
	s.tr.present = 1;
	s.tr.s = 0;
	s.tr.limit = 0x67;
	s.tr.base = 0;
	s.cr0 |= 1;		/* PE */
	return ioctl(v->fd, KVM_SET_SREGS, &s);
}

static int setup(void)
{
	struct kvm_userspace_memory_region r = {
		.slot = 0, .memory_size = LOW_MEM,
	};
	unsigned int i;

	sys_fd = open(dev, O_RDWR | O_CLOEXEC);
	if (sys_fd < 0)
		return -1;
	vm_fd = ioctl(sys_fd, KVM_CREATE_VM, 0);
	if (vm_fd < 0)
		return -1;
	if (ioctl(vm_fd, KVM_SET_TSS_ADDR, 0xfffbd000UL))
		return -1;
	low = mmap(NULL, LOW_MEM, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (low == MAP_FAILED)
		return -1;
	memcpy(low + CODE_GPA, smp_guest, smp_guest_end - smp_guest);
	r.userspace_addr = (unsigned long)low;
	if (ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &r))
		return -1;
	run_size = ioctl(sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	for (i = 0; i < nvcpus; i++) {
		struct vcpu *v = &vcpus[i];

		v->id = i;
		v->fd = ioctl(vm_fd, KVM_CREATE_VCPU, i);
		if (v->fd < 0)
			return -1;
		v->run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
		if (v->run == MAP_FAILED || set_protected(v))
			return -1;
	}
	return 0;
}

static void teardown(void)
{
	unsigned int i;

	for (i = 0; i < nvcpus; i++) {
		if (vcpus[i].run && vcpus[i].run != MAP_FAILED)
			munmap(vcpus[i].run, run_size);
		if (vcpus[i].fd > 0)
			close(vcpus[i].fd);
	}
	if (vm_fd > 0)
		close(vm_fd);
	if (sys_fd > 0)
		close(sys_fd);
	if (low && low != MAP_FAILED)
		munmap(low, LOW_MEM);
}

static void *vcpu_main(void *arg)
{
	struct vcpu *v = arg;
	struct kvm_regs regs = {
		/*
		 * IF=1 (no IDT is needed: nothing is injected) so that host
		 * interrupts make exits while a vCPU waits at a barrier: Bochs
		 * makes none from a guest with IF=0.
		 */
		.rip = CODE_GPA, .rflags = 0x202, .rsi = v->id, .rdi = nvcpus,
		.rbx = REGION_GPA, .rcx = REGION_WORDS, .rdx = v->seed,
	};
	sigset_t kick;

	sigemptyset(&kick);
	sigaddset(&kick, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &kick, NULL);
	if (v->cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(v->cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			snprintf(v->err, sizeof(v->err), "pinning to CPU %d: %s", v->cpu,
				 strerrorname_np(errno));
			return NULL;
		}
	}
	if (ioctl(v->fd, KVM_SET_REGS, &regs)) {
		snprintf(v->err, sizeof(v->err), "KVM_SET_REGS: %s", strerrorname_np(errno));
		return NULL;
	}
	if (ioctl(v->fd, KVM_RUN, 0)) {
		snprintf(v->err, sizeof(v->err), "KVM_RUN: %s", strerrorname_np(errno));
		return NULL;
	}
	if (v->run->exit_reason != KVM_EXIT_HLT) {
		snprintf(v->err, sizeof(v->err), "exit reason %u, want HLT", v->run->exit_reason);
		return NULL;
	}
	if (ioctl(v->fd, KVM_GET_REGS, &regs)) {
		snprintf(v->err, sizeof(v->err), "KVM_GET_REGS: %s", strerrorname_np(errno));
		return NULL;
	}
	v->sum = regs.rax;
	return NULL;
}

/* Joins @v, kicking it out of KVM_RUN if the round hangs. */
static void join(struct vcpu *v, const struct timespec *deadline)
{
	if (pthread_timedjoin_np(v->thread, NULL, deadline) == 0)
		return;
	v->run->immediate_exit = 1;
	pthread_kill(v->thread, SIGUSR1);
	pthread_join(v->thread, NULL);
	v->run->immediate_exit = 0;
	snprintf(v->err, sizeof(v->err), "still running after %d s (stopped by a signal)",
		 ROUND_TIMEOUT);
}

/* One round; 0, or -1 with @why filled. */
static int round_run(unsigned int round, unsigned int *met, char *why, size_t len)
{
	struct kvm_userspace_memory_region r = {
		.slot = 1, .guest_phys_addr = REGION_GPA, .memory_size = REGION_SIZE,
	};
	uint32_t *words, sum = 0, i;
	struct timespec deadline;
	unsigned int k, bad = 0, first_bad = 0, together = 1;
	int ret = -1;

	words = mmap(NULL, REGION_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		     -1, 0);
	if (words == MAP_FAILED) {
		snprintf(why, len, "mmap: %s", strerrorname_np(errno));
		return -1;
	}
	r.userspace_addr = (unsigned long)words;
	if (ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &r)) {
		snprintf(why, len, "KVM_SET_USER_MEMORY_REGION: %s", strerrorname_np(errno));
		goto out_unmap;
	}
	memset(low + CTRL_GPA, 0, 0x100);

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += ROUND_TIMEOUT;
	for (k = 0; k < nvcpus; k++) {
		vcpus[k].seed = 0x9e3779b9u * (round * MAX_VCPUS + k + 1);
		vcpus[k].err[0] = 0;
		vcpus[k].sum = 0;
		if (pthread_create(&vcpus[k].thread, NULL, vcpu_main, &vcpus[k])) {
			snprintf(why, len, "pthread_create failed");
			while (k--)
				join(&vcpus[k], &deadline);
			goto out_slot;
		}
	}
	for (k = 0; k < nvcpus; k++)
		join(&vcpus[k], &deadline);
	for (k = 0; k < nvcpus; k++) {
		if (vcpus[k].err[0]) {
			snprintf(why, len, "vCPU %u: %s", k, vcpus[k].err);
			goto out_slot;
		}
	}

	for (i = 0; i < REGION_WORDS; i++) {
		uint32_t want = vcpus[i % nvcpus].seed ^ i;

		if (words[i] != want && !bad++)
			first_bad = i;
		sum += words[i];
	}
	if (bad) {
		snprintf(why, len, "%u wrong words, the first at GPA 0x%x: 0x%08x, want 0x%08x "
			 "(written by vCPU %u)", bad, REGION_GPA + first_bad * 4, words[first_bad],
			 vcpus[first_bad % nvcpus].seed ^ first_bad, first_bad % nvcpus);
		goto out_slot;
	}
	for (k = 0; k < nvcpus; k++) {
		if (vcpus[k].sum != sum) {
			snprintf(why, len, "vCPU %u summed 0x%08x, the memory sums to 0x%08x",
				 k, vcpus[k].sum, sum);
			goto out_slot;
		}
		/* What was left of its bound when everyone had met; 0: it gave up. */
		if (!*(uint32_t *)(low + CTRL_GPA + 0x40 + k * 4))
			together = 0;
	}
	*met += together;
	ret = 0;
out_slot:
	r.memory_size = 0;
	if (ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &r) && !ret) {
		snprintf(why, len, "deleting the slot: %s", strerrorname_np(errno));
		ret = -1;
	}
out_unmap:
	munmap(words, REGION_SIZE);
	return ret;
}

int main(int argc, char **argv)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned int rounds = 200, r, met = 0, k;
	static char prefix[64];
	struct sigaction sa;
	struct timespec t0, t1;
	char why[256];
	sigset_t kick;
	long ms;

	if (argc < 3) {
		fprintf(stderr, "usage: smp_test DEV LABEL [ROUNDS [VCPUS]]\n");
		return 2;
	}
	dev = argv[1];
	snprintf(prefix, sizeof(prefix), "smp.%s.", argv[2]);
	ktest_set_prefix(prefix);
	if (argc > 3)
		rounds = atoi(argv[3]);
	if (argc > 4)
		nvcpus = atoi(argv[4]);
	if (!rounds || nvcpus < 2 || nvcpus > MAX_VCPUS) {
		fprintf(stderr, "smp_test: ROUNDS >= 1, VCPUS 2 to %d\n", MAX_VCPUS);
		return 2;
	}
	for (k = 0; k < nvcpus; k++)
		vcpus[k].cpu = ncpu >= 2 ? (int)(k % ncpu) : -1;

	/* The kick that ends a hung round: blocked except in the vCPU threads. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_kick;
	sigaction(SIGUSR1, &sa, NULL);
	sigemptyset(&kick);
	sigaddset(&kick, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &kick, NULL);

	if (setup()) {
		ktest_fail("setup", "%s", strerrorname_np(errno));
		teardown();
		return ktest_exit();
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (r = 0; r < rounds; r++) {
		if (round_run(r, &met, why, sizeof(why))) {
			ktest_fail("rounds", "round %u of %u: %s", r + 1, rounds, why);
			break;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	printf("smp: %s: %u of %u rounds right, %u vCPUs, %ld CPUs, all vCPUs met in %u rounds, %ld ms\n",
	       dev, r, rounds, nvcpus, ncpu, met, ms);
	if (r == rounds)
		ktest_pass("rounds");
	if (ncpu < 2)
		printf("KTEST SKIP %stogether: one CPU, the vCPUs take turns\n", ktest_prefix);
	else if (r == rounds && met)
		ktest_pass("together");
	else if (r == rounds)
		ktest_fail("together", "the vCPUs never ran at the same time in %u rounds", rounds);
	teardown();
	return ktest_exit();
}
