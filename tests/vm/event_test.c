// SPDX-License-Identifier: GPL-2.0
/*
 * event_test DEV LABEL: interrupts from userspace, hypercalls and
 * statistics, with real-mode guests written out as bytes:
 *   ticks        10 interrupts given with KVM_INTERRUPT to a guest in
 *                `sti; hlt`, each when KVM says it is ready; the guest's
 *                stack and IVT pages are first touched by the delivery
 *                itself, so an interrupt cut short by an EPT fault must be
 *                delivered again: the handler counts exactly 10
 *   window       request_interrupt_window with IF=0: KVM_RUN comes back
 *                with KVM_EXIT_IRQ_WINDOW_OPEN right after `sti; nop`
 *   irq_einval   KVM_INTERRUPT with vector 256 fails with EINVAL
 *   vmcall       KVM's convention: an unknown number gets -KVM_ENOSYS,
 *                ring 3 gets -KVM_EPERM; kvmini's ping and exit count
 *   stats        KVM_GET_STATS_FD on the vCPU and the VM: 100 CPUIDs, one
 *                OUT, one HLT and one VMCALL counted as such
 *   debugfs      (kvmini) the VM's directory <pid>-<fd> and its counters,
 *                gone when the VM is
 *   signal       a signal during KVM_RUN of a guest spinning without exits:
 *                EINTR with KVM_EXIT_INTR, counted in signal_exits
 * The same program runs on /dev/kvm; where KVM has no such thing (the
 * ping, kvmini's debugfs) the expectation says so.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "ktest.h"
#include "kstats.h"
#include "rmvm.h"
#include "../../vmx/hypercall.h"

#define ENTRY		RMVM_ENTRY
#define HANDLER		0x1100
#define COUNTER		0x600
#define VECTOR		0x20

static const char *dev;
static bool on_kvmini;

/*
 * An rmvm (rmvm.h) with an IVT entry for VECTOR pointing at a handler
 * that counts in the word at COUNTER: inc word [0x600]; iret.  Neither
 * page is touched before the guest runs, nor is the stack's.
 */
static int vm_create(struct onevm *v, const unsigned char *code, size_t len)
{
	static const unsigned char handler[] = { 0xff, 0x06, 0x00, 0x06, 0xcf };

	if (rmvm_create(v, dev, code, len, 0))
		return -1;
	memcpy(v->mem + HANDLER, handler, sizeof(handler));
	v->mem[VECTOR * 4] = HANDLER & 0xff;
	v->mem[VECTOR * 4 + 1] = HANDLER >> 8;
	return 0;
}

static uint16_t counter(const struct onevm *v)
{
	return v->mem[COUNTER] | v->mem[COUNTER + 1] << 8;
}

/* sti; 1: hlt; jmp 1b */
static const unsigned char sti_hlt_loop[] = { 0xfb, 0xf4, 0xeb, 0xfd };

static void test_ticks(void)
{
	int given = 0, runs;
	struct onevm v;

	if (vm_create(&v, sti_hlt_loop, sizeof(sti_hlt_loop))) {
		ktest_fail("ticks", "set-up: %s", strerrorname_np(errno));
		goto out;
	}
	for (runs = 0; runs < 50 && given < 10; runs++) {
		if (ioctl(v.vcpu, KVM_RUN, 0) || v.run->exit_reason != KVM_EXIT_HLT) {
			ktest_fail("ticks", "run %d: %s, exit %u", runs, strerrorname_np(errno),
				   v.run->exit_reason);
			goto out;
		}
		if (counter(&v) != given) {
			ktest_fail("ticks", "after %d interrupts the handler counted %u", given,
				   counter(&v));
			goto out;
		}
		if (v.run->if_flag && v.run->ready_for_interrupt_injection) {
			struct kvm_interrupt irq = { .irq = VECTOR };

			if (ioctl(v.vcpu, KVM_INTERRUPT, &irq)) {
				ktest_fail("ticks", "KVM_INTERRUPT: %s", strerrorname_np(errno));
				goto out;
			}
			given++;
		}
	}
	if (ioctl(v.vcpu, KVM_RUN, 0) || v.run->exit_reason != KVM_EXIT_HLT || counter(&v) != 10)
		ktest_fail("ticks", "gave 10 interrupts in %d runs, the handler counted %u",
			   runs, counter(&v));
	else
		ktest_pass("ticks");
out:
	onevm_destroy(&v);
}

/* cli; mov $0x100, %cx; 1: loop 1b; sti; nop; hlt */
static const unsigned char window_guest[] = {
	0xfa, 0xb9, 0x00, 0x01, 0xe2, 0xfe, 0xfb, 0x90, 0xf4,
};

static void test_window(void)
{
	struct kvm_interrupt irq = { .irq = VECTOR };
	struct kvm_regs regs;
	struct onevm v;

	if (vm_create(&v, window_guest, sizeof(window_guest))) {
		ktest_fail("window", "set-up: %s", strerrorname_np(errno));
		goto out;
	}
	v.run->request_interrupt_window = 1;
	if (ioctl(v.vcpu, KVM_RUN, 0) || ioctl(v.vcpu, KVM_GET_REGS, &regs)) {
		ktest_fail("window", "KVM_RUN: %s", strerrorname_np(errno));
		goto out;
	}
	if (v.run->exit_reason != KVM_EXIT_IRQ_WINDOW_OPEN || !v.run->if_flag ||
	    !v.run->ready_for_interrupt_injection || regs.rip != ENTRY + 8)
		ktest_fail("window", "exit %u if_flag %u ready %u rip %#llx, want %u 1 1 %#x",
			   v.run->exit_reason, v.run->if_flag,
			   v.run->ready_for_interrupt_injection, regs.rip,
			   KVM_EXIT_IRQ_WINDOW_OPEN, ENTRY + 8);
	else
		ktest_pass("window");
	v.run->request_interrupt_window = 0;
	if (ioctl(v.vcpu, KVM_INTERRUPT, &irq) || ioctl(v.vcpu, KVM_RUN, 0) ||
	    v.run->exit_reason != KVM_EXIT_HLT || counter(&v) != 1)
		ktest_fail("window_inject", "exit %u, handler counted %u", v.run->exit_reason,
			   counter(&v));
	else
		ktest_pass("window_inject");
	irq.irq = 256;
	KTEST_ERRNO("irq_einval", ioctl(v.vcpu, KVM_INTERRUPT, &irq), EINVAL);
out:
	onevm_destroy(&v);
}

/* real mode: mov $nr, %eax; mov $arg, %ebx; vmcall; hlt */
static int vmcall_real(uint32_t nr, uint32_t arg, uint64_t *rax, int *vcpu_stats)
{
	unsigned char code[] = {
		0x66, 0xb8, nr, nr >> 8, nr >> 16, nr >> 24,
		0x66, 0xbb, arg, arg >> 8, arg >> 16, arg >> 24,
		0x0f, 0x01, 0xc1, 0xf4,
	};
	struct kvm_regs regs;
	struct onevm v;
	int r = -1;

	if (vm_create(&v, code, sizeof(code)) || ioctl(v.vcpu, KVM_RUN, 0) ||
	    v.run->exit_reason != KVM_EXIT_HLT || ioctl(v.vcpu, KVM_GET_REGS, &regs))
		goto out;
	*rax = regs.rax;
	if (vcpu_stats)
		*vcpu_stats = ioctl(v.vcpu, KVM_GET_STATS_FD, NULL);
	r = 0;
out:
	onevm_destroy(&v);
	return r;
}

/* 32-bit protected mode at CPL 3, IOPL 3: mov $nr, %eax; vmcall; out %al, $0x80 */
static int vmcall_ring3(uint32_t nr, uint64_t *rax)
{
	unsigned char code[] = { 0xb8, nr, nr >> 8, nr >> 16, nr >> 24, 0x0f, 0x01, 0xc1, 0xe6, 0x80 };
	struct kvm_segment data = {
		.limit = 0xffffffff, .selector = 0x23, .type = 3, .present = 1, .dpl = 3,
		.db = 1, .s = 1, .g = 1,
	};
	struct kvm_regs regs = { .rip = ENTRY, .rsp = RMVM_STACK, .rflags = 0x3002 };
	struct kvm_sregs s;
	struct onevm v;
	int r = -1;

	if (vm_create(&v, code, sizeof(code)) || ioctl(v.vcpu, KVM_GET_SREGS, &s))
		goto out;
	s.cr0 |= 1;
	s.cs = data;
	s.cs.selector = 0x1b;
	s.cs.type = 0xb;
	s.ds = s.es = s.fs = s.gs = s.ss = data;
	if (ioctl(v.vcpu, KVM_SET_SREGS, &s) || ioctl(v.vcpu, KVM_SET_REGS, &regs) ||
	    ioctl(v.vcpu, KVM_RUN, 0) || v.run->exit_reason != KVM_EXIT_IO ||
	    ioctl(v.vcpu, KVM_GET_REGS, &regs))
		goto out;
	*rax = regs.rax;
	r = 0;
out:
	onevm_destroy(&v);
	return r;
}

static void test_vmcall(void)
{
	const uint32_t enosys = (uint32_t)-KVMINI_HC_ENOSYS, eperm = (uint32_t)-KVMINI_HC_EPERM;
	int64_t exits;
	uint64_t rax;
	int sfd = -1;

	if (vmcall_real(0x77, 0, &rax, NULL) || (uint32_t)rax != enosys)
		ktest_fail("vmcall_enosys", "rax %#llx, want %#x", (unsigned long long)rax, enosys);
	else
		ktest_pass("vmcall_enosys");
	if (vmcall_ring3(KVMINI_HC_PING, &rax) || (uint32_t)rax != eperm)
		ktest_fail("vmcall_ring3", "rax %#llx, want %#x", (unsigned long long)rax, eperm);
	else
		ktest_pass("vmcall_ring3");

	/* KVM does not know kvmini's numbers: -KVM_ENOSYS there. */
	if (vmcall_real(KVMINI_HC_PING, 0x1234abcd, &rax, NULL) ||
	    (uint32_t)rax != (on_kvmini ? 0x1234abcd : enosys))
		ktest_fail("vmcall_ping", "rax %#llx", (unsigned long long)rax);
	else
		ktest_pass("vmcall_ping");

	if (vmcall_real(KVMINI_HC_EXITS, 0, &rax, &sfd) || sfd < 0) {
		ktest_fail("vmcall_exits", "run or KVM_GET_STATS_FD failed: %s",
			   strerrorname_np(errno));
		goto out;
	}
	/* The HLT after the VMCALL is one more exit; host interrupts may add some. */
	exits = stat_value(sfd, "exits");
	if (!on_kvmini)
		KTEST_CHECK("vmcall_exits", (uint32_t)rax == enosys);
	else if (rax >= 1 && exits >= 0 && (int64_t)rax + 1 <= exits)
		ktest_pass("vmcall_exits");
	else
		ktest_fail("vmcall_exits", "VMCALL said %llu exits, the stats say %lld after it",
			   (unsigned long long)rax, (long long)exits);
out:
	if (sfd >= 0)
		close(sfd);
}

/* mov $100, %si; 1: xor %eax,%eax; cpuid; dec %si; jnz 1b; vmcall; out %al,$0x80; hlt */
static const unsigned char counted_guest[] = {
	0xbe, 0x64, 0x00, 0x66, 0x31, 0xc0, 0x0f, 0xa2, 0x4e, 0x75, 0xf8,
	0x0f, 0x01, 0xc1, 0xe6, 0x80, 0xf4,
};

static void test_stats(void)
{
	int sfd = -1, vmsfd = -1, vm_fd = -1;
	char dir[64];
	struct stat st;
	struct onevm v;

	if (vm_create(&v, counted_guest, sizeof(counted_guest))) {
		ktest_fail("stats", "set-up: %s", strerrorname_np(errno));
		goto out;
	}
	sfd = ioctl(v.vcpu, KVM_GET_STATS_FD, NULL);
	vmsfd = ioctl(v.fd, KVM_GET_STATS_FD, NULL);
	if (sfd < 0 || vmsfd < 0) {
		ktest_fail("stats", "KVM_GET_STATS_FD: %s", strerrorname_np(errno));
		goto out;
	}
	if (ioctl(v.vcpu, KVM_RUN, 0) || v.run->exit_reason != KVM_EXIT_IO ||
	    ioctl(v.vcpu, KVM_RUN, 0) || v.run->exit_reason != KVM_EXIT_HLT) {
		ktest_fail("stats", "the guest did not run to HLT: exit %u", v.run->exit_reason);
		goto out;
	}
	KTEST_CHECK("stats_io_exits", stat_value(sfd, "io_exits") == 1);
	KTEST_CHECK("stats_halt_exits", stat_value(sfd, "halt_exits") == 1);
	KTEST_CHECK("stats_hypercalls", stat_value(sfd, "hypercalls") == 1);
	/* 100 CPUIDs, the VMCALL, the OUT, the HLT, and the EPT faults at least. */
	KTEST_CHECK("stats_exits", stat_value(sfd, "exits") >= 103);
	KTEST_CHECK("stats_pages_4k", stat_value(vmsfd, "pages_4k") >= 1);
	if (!on_kvmini)
		goto out;
	vm_fd = v.fd;
	KTEST_CHECK("debugfs_cpuid", debugfs_value(vm_fd, "vcpu0", "exit.CPUID", -1) == 100);
	KTEST_CHECK("debugfs_exits_to_user", debugfs_value(vm_fd, "vcpu0", "exits_to_user", -1) == 2);
	KTEST_CHECK("debugfs_entries", debugfs_value(vm_fd, "vcpu0", "entries", -1) ==
		    debugfs_value(vm_fd, "vcpu0", "exits", -1));
	KTEST_CHECK("debugfs_pages", debugfs_value(vm_fd, "vm", "pages_4k", -1) ==
		    stat_value(vmsfd, "pages_4k"));
out:
	if (sfd >= 0)
		close(sfd);
	if (vmsfd >= 0)
		close(vmsfd);
	onevm_destroy(&v);
	if (vm_fd >= 0) {
		snprintf(dir, sizeof(dir), "/sys/kernel/debug/kvmini/%d-%d", getpid(), vm_fd);
		KTEST_CHECK("debugfs_gone", stat(dir, &st) && errno == ENOENT);
	}
}

static void on_alarm(int sig)
{
	(void)sig;
}

/*
 * sti; jmp . -- with interrupts on: Bochs makes no external-interrupt VM
 * exit while a guest runs with IF=0 (the SDM says it should), so a guest
 * spinning with interrupts off there would never give its CPU back.
 */
static const unsigned char spin[] = { 0xfb, 0xeb, 0xfe };

static void test_signal(void)
{
	/* Repeating: one SIGALRM that lands before KVM_RUN would be lost. */
	struct itimerval it = { .it_value = { .tv_usec = 50000 },
				.it_interval = { .tv_usec = 50000 } };
	struct sigaction sa = { .sa_handler = on_alarm };
	int sfd = -1, r, err;
	struct onevm v;

	if (vm_create(&v, spin, sizeof(spin))) {
		ktest_fail("signal", "set-up: %s", strerrorname_np(errno));
		goto out;
	}
	sfd = ioctl(v.vcpu, KVM_GET_STATS_FD, NULL);
	/* No SA_RESTART: KVM_RUN must come back to us. */
	sigemptyset(&sa.sa_mask);
	if (sfd < 0 || sigaction(SIGALRM, &sa, NULL) || setitimer(ITIMER_REAL, &it, NULL)) {
		ktest_fail("signal", "set-up: %s", strerrorname_np(errno));
		goto out;
	}
	r = ioctl(v.vcpu, KVM_RUN, 0);
	err = errno;
	it.it_value.tv_usec = it.it_interval.tv_usec = 0;
	setitimer(ITIMER_REAL, &it, NULL);
	if (r == -1 && err == EINTR && v.run->exit_reason == KVM_EXIT_INTR &&
	    stat_value(sfd, "signal_exits") == 1)
		ktest_pass("signal");
	else
		ktest_fail("signal", "KVM_RUN returned %d (%s), exit %u, signal_exits %lld", r,
			   r ? strerrorname_np(err) : "-", v.run->exit_reason,
			   (long long)stat_value(sfd, "signal_exits"));
out:
	if (sfd >= 0)
		close(sfd);
	onevm_destroy(&v);
}

int main(int argc, char **argv)
{
	dev = ktest_args(argc, argv);
	if (!dev)
		return 2;
	on_kvmini = strstr(dev, "kvmini");
	test_ticks();
	test_window();
	test_vmcall();
	test_stats();
	test_signal();
	return ktest_exit();
}
