// SPDX-License-Identifier: GPL-2.0
/*
 * slotdel_test DEV LABEL (2 CPUs): a memory slot deleted while a vCPU on
 * the other CPU stores into it.  Guards issue 9 item 2: the module must
 * take the slot's pages out of the EPT, flush every CPU's translations and
 * only then let the pages go; the bug unpinned each page while walking the
 * slot and flushed once at the end, so the vCPU, still translating through
 * its TLB, kept writing into pages the allocator had taken back.
 *
 * Each round: a real-mode guest on CPU 1 touches the 144 pages of slot 1
 * (GPA 0x10000-0x9ffff, private anonymous memory, so that each is pinned
 * and faulted in), says so with an OUT, then stores to the slot's first
 * page in a tight loop.  The VMM on CPU 0 drops its own mapping of that
 * page (MADV_DONTNEED: the module's reference is then the last) and
 * deletes the slot.  The store that comes after the flush finds no slot:
 *   item2_mmio_exit     ...so KVM_RUN ends in KVM_EXIT_MMIO, a write of
 *                       2 bytes at 0x10000, the slot's first byte
 *   item2_rounds        every round got that far
 * The use-after-free itself shows in the kernel log, not here: with
 * page_poison=1 a freed page is filled with a pattern that is checked when
 * the page is next allocated (this program allocates 16 MiB after each
 * round so that it is), and a store that landed after the free is
 * "pagealloc: memory corruption"; t_slotdel.sh looks for it.
 */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "ktest.h"
#include "rmvm.h"

#define SLOT1_GPA	0x10000UL
#define SLOT1_PAGES	144
#define SLOT1_SIZE	(SLOT1_PAGES * 4096UL)
#define TOUCHED_PORT	0x10
#define ROUNDS		4
#define RECYCLE_SIZE	(16UL << 20)

/*
 * At 0x1000, CS=0 (sti first: Bochs takes no external-interrupt exit from
 * a guest with IF=0, so the flush's IPI would never reach CPU 1 there):
 *	sti; mov ax,0x1000; mov es,ax; mov cx,144
 * 1:	mov byte [es:0],1; mov ax,es; add ax,0x100; mov es,ax; loop 1b
 *	out 0x10,al
 *	mov ax,0x1000; mov es,ax; xor ax,ax
 * 2:	inc ax; mov [es:0],ax; jmp 2b
 */
static const unsigned char touch_then_store[] = {
	0xfb, 0xb8, 0x00, 0x10, 0x8e, 0xc0, 0xb9, SLOT1_PAGES, 0x00,
	0x26, 0xc6, 0x06, 0x00, 0x00, 0x01, 0x8c, 0xc0, 0x05, 0x00, 0x01,
	0x8e, 0xc0, 0xe2, 0xf1,
	0xe6, TOUCHED_PORT,
	0xb8, 0x00, 0x10, 0x8e, 0xc0, 0x31, 0xc0,
	0x40, 0x26, 0xa3, 0x00, 0x00, 0xeb, 0xf9,
};

struct round {
	struct onevm v;
	pthread_t thread;
	int touched;		/* set by the vCPU thread after the OUT */
	int done;
	int ret, err;		/* the second KVM_RUN's */
	char why[128];		/* set when the first KVM_RUN went wrong */
};

static void on_usr1(int sig)
{
	(void)sig;
}

static int pin_to(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *vcpu_thread(void *arg)
{
	struct round *r = arg;
	struct kvm_run *run = r->v.run;

	if (pin_to(1)) {
		snprintf(r->why, sizeof(r->why), "pinning to CPU 1: %s", strerrorname_np(errno));
		goto out;
	}
	if (ioctl(r->v.vcpu, KVM_RUN, 0) || run->exit_reason != KVM_EXIT_IO ||
	    run->io.port != TOUCHED_PORT) {
		snprintf(r->why, sizeof(r->why), "first KVM_RUN: %s, exit %u (want the OUT to %#x)",
			 strerrorname_np(errno), run->exit_reason, TOUCHED_PORT);
		goto out;
	}
	__atomic_store_n(&r->touched, 1, __ATOMIC_RELEASE);
	r->ret = ioctl(r->v.vcpu, KVM_RUN, 0);
	r->err = errno;
out:
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Wait up to @ms for *@flag; false if it never came. */
static bool wait_flag(int *flag, long ms)
{
	long end = now_ms() + ms;

	while (!__atomic_load_n(flag, __ATOMIC_ACQUIRE)) {
		if (now_ms() > end)
			return false;
		usleep(1000);
	}
	return true;
}

/* Reallocate what the round freed, so that page poisoning checks it. */
static void recycle(void)
{
	unsigned char *p = mmap(NULL, RECYCLE_SIZE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	if (p != MAP_FAILED)
		munmap(p, RECYCLE_SIZE);
}

/* One round; false (after the failure line) if it did not end as it should. */
static bool one_round(const char *dev, int n)
{
	struct kvm_userspace_memory_region slot1 = {
		.slot = 1, .guest_phys_addr = SLOT1_GPA, .memory_size = SLOT1_SIZE,
	};
	struct kvm_run *run;
	struct round r = { 0 };
	unsigned char *mem;
	bool ok = false;

	mem = mmap(NULL, SLOT1_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		ktest_fail("item2_mmio_exit", "round %d: mmap: %s", n, strerrorname_np(errno));
		return false;
	}
	slot1.userspace_addr = (unsigned long)mem;
	if (rmvm_create(&r.v, dev, touch_then_store, sizeof(touch_then_store), 0) ||
	    ioctl(r.v.fd, KVM_SET_USER_MEMORY_REGION, &slot1)) {
		ktest_fail("item2_mmio_exit", "round %d: set-up: %s", n, strerrorname_np(errno));
		goto out;
	}
	run = r.v.run;
	if (pthread_create(&r.thread, NULL, vcpu_thread, &r)) {
		ktest_fail("item2_mmio_exit", "round %d: pthread_create failed", n);
		goto out;
	}
	if (!wait_flag(&r.touched, 20000)) {
		pthread_kill(r.thread, SIGUSR1);
		pthread_join(r.thread, NULL);
		ktest_fail("item2_mmio_exit", "round %d: %s", n,
			   r.why[0] ? r.why : "the guest never reported its pages touched");
		goto out;
	}
	/* Let the store loop get going on CPU 1 (and into its TLB). */
	usleep(20000);
	madvise(mem, 4096, MADV_DONTNEED);
	slot1.memory_size = 0;
	if (ioctl(r.v.fd, KVM_SET_USER_MEMORY_REGION, &slot1)) {
		ktest_fail("item2_mmio_exit", "round %d: deleting slot 1: %s", n,
			   strerrorname_np(errno));
		pthread_kill(r.thread, SIGUSR1);
		pthread_join(r.thread, NULL);
		goto out;
	}
	if (!wait_flag(&r.done, 10000))
		pthread_kill(r.thread, SIGUSR1);
	pthread_join(r.thread, NULL);
	if (r.ret || run->exit_reason != KVM_EXIT_MMIO || run->mmio.phys_addr != SLOT1_GPA ||
	    !run->mmio.is_write || run->mmio.len != 2)
		ktest_fail("item2_mmio_exit",
			   "round %d: KVM_RUN after the delete returned %d (%s), exit %u, mmio %s %u bytes at %#llx; want a 2-byte MMIO write at %#lx",
			   n, r.ret, r.ret ? strerrorname_np(r.err) : "-", run->exit_reason,
			   run->mmio.is_write ? "write" : "read", run->mmio.len,
			   (unsigned long long)run->mmio.phys_addr, SLOT1_GPA);
	else
		ok = true;
out:
	onevm_destroy(&r.v);
	munmap(mem, SLOT1_SIZE);
	recycle();
	return ok;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	const char *dev = ktest_args(argc, argv);
	int n, good = 0;

	if (!dev)
		return 2;
	/* No SA_RESTART: SIGUSR1 ends a KVM_RUN that never comes back by itself. */
	sigaction(SIGUSR1, &sa, NULL);
	if (pin_to(0)) {
		ktest_fail("item2_rounds", "pinning to CPU 0: %s", strerrorname_np(errno));
		return ktest_exit();
	}
	for (n = 1; n <= ROUNDS; n++)
		good += one_round(dev, n);
	if (good == ROUNDS)
		ktest_pass("item2_mmio_exit");
	KTEST_CHECK("item2_rounds", good == ROUNDS);
	return ktest_exit();
}
