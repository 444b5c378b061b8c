// SPDX-License-Identifier: GPL-2.0
/*
 * sigmask_test DEV LABEL: KVM_SET_SIGNAL_MASK, the mask a vCPU thread runs
 * the guest under (issue 12: KVM's dirty_log_test kicks its vCPU with a
 * signal blocked everywhere but in KVM_RUN; kvmini answered EINVAL).
 *
 * The thread blocks SIGUSR1 and makes it pending; the guest only says
 * OUT 0x10, over and over.
 *   einval_len        a mask whose len is not sizeof(sigset_t): EINVAL
 *   blocked_runs      without a vCPU mask the pending, blocked signal does
 *                     not stop KVM_RUN: the guest gets to its OUT
 *   unblocked_eintr   with a vCPU mask that lets SIGUSR1 in, KVM_RUN ends
 *                     at once with EINTR and KVM_EXIT_INTR
 *   mask_restored     after it, the thread's own mask is back (SIGUSR1
 *                     blocked) and the signal still pending, untaken
 *   null_drops        KVM_SET_SIGNAL_MASK(NULL) drops the vCPU mask: the
 *                     guest runs again
 */
#include <signal.h>
#include <stdint.h>

#include "ktest.h"
#include "rmvm.h"

/* out 0x10, al; jmp back to it */
static const unsigned char guest[] = { 0xe6, 0x10, 0xeb, 0xfc };

static int took;

static void on_usr1(int sig)
{
	(void)sig;
	took++;
}

static int set_mask(struct onevm *v, const sigset_t *set, uint32_t len)
{
	struct {
		struct kvm_signal_mask m;
		uint64_t bits;
	} a = { .m.len = len };

	if (!set)
		return ioctl(v->vcpu, KVM_SET_SIGNAL_MASK, NULL);
	memcpy(&a.bits, set, sizeof(a.bits));
	return ioctl(v->vcpu, KVM_SET_SIGNAL_MASK, &a);
}

static void runs_to_out(struct onevm *v, const char *name)
{
	if (ioctl(v->vcpu, KVM_RUN, 0))
		ktest_fail(name, "KVM_RUN: %s", strerror(errno));
	else if (v->run->exit_reason != KVM_EXIT_IO || v->run->io.port != 0x10)
		ktest_fail(name, "exit reason %u", v->run->exit_reason);
	else
		ktest_pass(name);
}

int main(int argc, char **argv)
{
	const char *dev = ktest_args(argc, argv);
	sigset_t usr1, none, now;
	struct onevm v;
	long r;

	if (!dev)
		return 2;
	signal(SIGUSR1, on_usr1);
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigemptyset(&none);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	if (rmvm_create(&v, dev, guest, sizeof(guest), 0)) {
		ktest_fail("setup", "VM: %s", strerror(errno));
		onevm_destroy(&v);
		return ktest_exit();
	}
	KTEST_ERRNO("einval_len", set_mask(&v, &none, 16), EINVAL);
	raise(SIGUSR1);

	runs_to_out(&v, "blocked_runs");
	if (set_mask(&v, &none, 8)) {
		ktest_fail("unblocked_eintr", "KVM_SET_SIGNAL_MASK: %s", strerror(errno));
	} else {
		r = ioctl(v.vcpu, KVM_RUN, 0);
		if (r == -1 && errno == EINTR && v.run->exit_reason == KVM_EXIT_INTR)
			ktest_pass("unblocked_eintr");
		else
			ktest_fail("unblocked_eintr", "returned %ld (%s), exit reason %u", r,
				   r ? strerror(errno) : "-", v.run->exit_reason);
	}
	sigprocmask(SIG_BLOCK, NULL, &now);
	sigpending(&none);
	KTEST_CHECK("mask_restored", sigismember(&now, SIGUSR1) && sigismember(&none, SIGUSR1) &&
		    !took);
	if (set_mask(&v, NULL, 0))
		ktest_fail("null_drops", "KVM_SET_SIGNAL_MASK(NULL): %s", strerror(errno));
	else
		runs_to_out(&v, "null_drops");
	onevm_destroy(&v);
	return ktest_exit();
}
