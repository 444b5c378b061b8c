// SPDX-License-Identifier: GPL-2.0
/*
 * run_test DEV LABEL [migrate|nomigrate]: KVM_RUN under stress, with tiny
 * real-mode guests written out as bytes (as KVM selftests do); all of
 * these, only the first, or all but the first:
 *   migrate     1000 KVM_RUNs, the thread moved to another CPU before each
 *   host_state  the VMM's own SSE and x87 registers, FS base, XCR0 and
 *               KERNEL_GS_BASE (its GS base) survive a guest that clobbers
 *               them
 *   kill        a process killed with SIGKILL in the middle of its runs
 *               goes away, and its VM with it
 *   entry_fail  a state KVM_SET_SREGS accepts but VM entry refuses (CS a
 *               system segment) ends in KVM_EXIT_FAIL_ENTRY, reason 33
 *   vms100      100 VMs created, run to HLT and closed
 * The same program runs on /dev/kvm with the same expectations.
 */
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <asm/prctl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "ktest.h"
#include "rmvm.h"

static const char *dev;

static int vm_create(struct onevm *v, const unsigned char *code, size_t len, __u64 cr4)
{
	return rmvm_create(v, dev, code, len, cr4);
}

/* 1: inc %ax; out %al, $0x80; jmp 1b */
static const unsigned char count_loop[] = { 0x40, 0xe6, 0x80, 0xeb, 0xfb };

static void test_migrate(void)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	struct kvm_regs regs;
	struct onevm v;
	int i, bad = 0;

	if (ncpu < 2) {
		printf("KTEST SKIP %smigrate: needs 2 CPUs\n", ktest_prefix);
		return;
	}
	if (vm_create(&v, count_loop, sizeof(count_loop), 0)) {
		ktest_fail("migrate", "set-up: %s", strerrorname_np(errno));
		return;
	}
	for (i = 1; i <= 1000 && !bad; i++) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(i % 2, &set);
		if (sched_setaffinity(0, sizeof(set), &set) ||
		    ioctl(v.vcpu, KVM_RUN, 0) ||
		    v.run->exit_reason != KVM_EXIT_IO || v.run->io.port != 0x80 ||
		    ioctl(v.vcpu, KVM_GET_REGS, &regs) || (regs.rax & 0xffff) != (unsigned int)i)
			bad = i;
	}
	if (bad)
		ktest_fail("migrate", "run %d: exit %u, ax %#llx", bad, v.run->exit_reason,
			   regs.rax & 0xffff);
	else
		ktest_pass("migrate");
	onevm_destroy(&v);
}

/*
 * xorps %xmm0..7 with themselves, fninit, out %al,$0x80, hlt: clobbers the
 * SSE and x87 state the guest shares with nothing.
 */
static const unsigned char clobber_fpu[] = {
	0x0f, 0x57, 0xc0, 0x0f, 0x57, 0xc9, 0x0f, 0x57, 0xd2, 0x0f, 0x57, 0xdb,
	0x0f, 0x57, 0xe4, 0x0f, 0x57, 0xed, 0x0f, 0x57, 0xf6, 0x0f, 0x57, 0xff,
	0xdb, 0xe3, 0xe6, 0x80, 0xf4,
};

/*
 * Loads xmm0-15 from @in, does the ioctl as a raw system call so that no
 * compiled code runs in between, and stores xmm0-15 into @out.
 */
static long run_with_xmm(int fd, const unsigned char *in, unsigned char *out)
{
	long ret;

	asm volatile(
		"movdqu 0x00(%[in]), %%xmm0\n\t"  "movdqu 0x10(%[in]), %%xmm1\n\t"
		"movdqu 0x20(%[in]), %%xmm2\n\t"  "movdqu 0x30(%[in]), %%xmm3\n\t"
		"movdqu 0x40(%[in]), %%xmm4\n\t"  "movdqu 0x50(%[in]), %%xmm5\n\t"
		"movdqu 0x60(%[in]), %%xmm6\n\t"  "movdqu 0x70(%[in]), %%xmm7\n\t"
		"movdqu 0x80(%[in]), %%xmm8\n\t"  "movdqu 0x90(%[in]), %%xmm9\n\t"
		"movdqu 0xa0(%[in]), %%xmm10\n\t" "movdqu 0xb0(%[in]), %%xmm11\n\t"
		"movdqu 0xc0(%[in]), %%xmm12\n\t" "movdqu 0xd0(%[in]), %%xmm13\n\t"
		"movdqu 0xe0(%[in]), %%xmm14\n\t" "movdqu 0xf0(%[in]), %%xmm15\n\t"
		"syscall\n\t"
		"movdqu %%xmm0, 0x00(%[out])\n\t"  "movdqu %%xmm1, 0x10(%[out])\n\t"
		"movdqu %%xmm2, 0x20(%[out])\n\t"  "movdqu %%xmm3, 0x30(%[out])\n\t"
		"movdqu %%xmm4, 0x40(%[out])\n\t"  "movdqu %%xmm5, 0x50(%[out])\n\t"
		"movdqu %%xmm6, 0x60(%[out])\n\t"  "movdqu %%xmm7, 0x70(%[out])\n\t"
		"movdqu %%xmm8, 0x80(%[out])\n\t"  "movdqu %%xmm9, 0x90(%[out])\n\t"
		"movdqu %%xmm10, 0xa0(%[out])\n\t" "movdqu %%xmm11, 0xb0(%[out])\n\t"
		"movdqu %%xmm12, 0xc0(%[out])\n\t" "movdqu %%xmm13, 0xd0(%[out])\n\t"
		"movdqu %%xmm14, 0xe0(%[out])\n\t" "movdqu %%xmm15, 0xf0(%[out])\n\t"
		: "=a" (ret)
		: "a" ((long)SYS_ioctl), "D" ((long)fd), "S" ((long)KVM_RUN), "d" (0L),
		  [in] "r" (in), [out] "r" (out)
		: "rcx", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5",
		  "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13",
		  "xmm14", "xmm15");
	return ret;
}

static unsigned long get_gs_base(void)
{
	unsigned long base = 0;

	syscall(SYS_arch_prctl, ARCH_GET_GS, &base);
	return base;
}

static void test_host_state(void)
{
	unsigned char in[256], out[256];
	unsigned long fs_before, fs_after, gs_before = 0x1234000, gs_after;
	unsigned short fcw_before = 0x27f, fcw_after;
	unsigned int xcr0_lo, xcr0_hi, xcr0_lo2, xcr0_hi2, ecx;
	struct onevm v;
	long r;
	int i;

	if (vm_create(&v, clobber_fpu, sizeof(clobber_fpu), 0x200 /* CR4.OSFXSR */)) {
		ktest_fail("host_state", "set-up: %s", strerrorname_np(errno));
		return;
	}
	for (i = 0; i < 256; i++)
		in[i] = i * 7 + 1;
	syscall(SYS_arch_prctl, ARCH_SET_GS, gs_before);
	syscall(SYS_arch_prctl, ARCH_GET_FS, &fs_before);
	asm volatile("fldcw %0" : : "m" (fcw_before));
	asm volatile("cpuid" : "=c" (ecx) : "a" (1), "c" (0) : "ebx", "edx");
	xcr0_lo = xcr0_hi = xcr0_lo2 = xcr0_hi2 = 0;
	if (ecx & (1u << 27))
		asm volatile("xgetbv" : "=a" (xcr0_lo), "=d" (xcr0_hi) : "c" (0));

	r = run_with_xmm(v.vcpu, in, out);		/* to the OUT */
	if (!r)
		r = run_with_xmm(v.vcpu, in, out);	/* to the HLT */

	asm volatile("fnstcw %0" : "=m" (fcw_after));
	syscall(SYS_arch_prctl, ARCH_GET_FS, &fs_after);
	gs_after = get_gs_base();
	if (ecx & (1u << 27))
		asm volatile("xgetbv" : "=a" (xcr0_lo2), "=d" (xcr0_hi2) : "c" (0));

	if (r == 0 && v.run->exit_reason == KVM_EXIT_HLT)
		ktest_pass("host_state_guest_ran");
	else
		ktest_fail("host_state_guest_ran", "KVM_RUN %ld, exit reason %u", r,
			   v.run->exit_reason);
	KTEST_CHECK("host_state_xmm0_15", !memcmp(in, out, sizeof(in)));
	KTEST_CHECK("host_state_x87_control", fcw_after == fcw_before);
	KTEST_CHECK("host_state_fs_base", fs_after == fs_before);
	KTEST_CHECK("host_state_gs_base", gs_after == gs_before);
	KTEST_CHECK("host_state_xcr0", xcr0_lo == xcr0_lo2 && xcr0_hi == xcr0_hi2);
	syscall(SYS_arch_prctl, ARCH_SET_GS, 0UL);
	onevm_destroy(&v);
}

static void test_kill(void)
{
	int status, pipefd[2];
	char c;
	pid_t pid;

	if (pipe(pipefd))
		return;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct onevm v;

		if (vm_create(&v, count_loop, sizeof(count_loop), 0) ||
		    write(pipefd[1], "r", 1) != 1)
			_exit(2);
		for (;;)
			ioctl(v.vcpu, KVM_RUN, 0);
	}
	close(pipefd[1]);
	if (read(pipefd[0], &c, 1) != 1) {
		ktest_fail("kill", "the child could not set up its VM");
		waitpid(pid, &status, 0);
		return;
	}
	usleep(100 * 1000);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	KTEST_CHECK("kill_during_runs", WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	close(pipefd[0]);
}

/* The hardware reason of a failed entry on invalid guest state (SDM Vol. 3D C). */
#define ENTRY_FAIL_GUEST_STATE	0x80000021

static void test_entry_fail(void)
{
	struct kvm_sregs s;
	struct onevm v;

	if (vm_create(&v, count_loop, sizeof(count_loop), 0) || ioctl(v.vcpu, KVM_GET_SREGS, &s)) {
		ktest_fail("entry_fail", "set-up: %s", strerrorname_np(errno));
		return;
	}
	s.cs.s = 0;
	if (ioctl(v.vcpu, KVM_SET_SREGS, &s)) {
		ktest_fail("entry_fail", "KVM_SET_SREGS refused it: %s", strerrorname_np(errno));
	} else if (ioctl(v.vcpu, KVM_RUN, 0)) {
		ktest_fail("entry_fail", "KVM_RUN: %s", strerrorname_np(errno));
	} else if (v.run->exit_reason != KVM_EXIT_FAIL_ENTRY ||
		   v.run->fail_entry.hardware_entry_failure_reason != ENTRY_FAIL_GUEST_STATE) {
		ktest_fail("entry_fail", "exit %u, hardware reason %#llx", v.run->exit_reason,
			   v.run->fail_entry.hardware_entry_failure_reason);
	} else {
		ktest_pass("entry_fail");
	}
	onevm_destroy(&v);
}

/* mov $42, %ax; hlt */
static const unsigned char hello42[] = { 0xb8, 0x2a, 0x00, 0xf4 };

static void test_vms100(void)
{
	struct kvm_regs regs;
	int i, bad = 0;

	for (i = 0; i < 100 && !bad; i++) {
		struct onevm v;

		if (vm_create(&v, hello42, sizeof(hello42), 0) || ioctl(v.vcpu, KVM_RUN, 0) ||
		    v.run->exit_reason != KVM_EXIT_HLT || ioctl(v.vcpu, KVM_GET_REGS, &regs) ||
		    (regs.rax & 0xffff) != 42)
			bad = i + 1;
		onevm_destroy(&v);
	}
	if (bad)
		ktest_fail("vms100", "VM %d did not run to HLT with AX=42", bad);
	else
		ktest_pass("vms100");
}

int main(int argc, char **argv)
{
	static char prefix[64];

	const char *only = argc == 4 ? argv[3] : "";

	if ((argc != 3 && argc != 4) ||
	    (argc == 4 && strcmp(only, "migrate") && strcmp(only, "nomigrate"))) {
		fprintf(stderr, "usage: run_test DEV LABEL [migrate|nomigrate]\n");
		return 2;
	}
	dev = argv[1];
	snprintf(prefix, sizeof(prefix), "run.%s.", argv[2]);
	ktest_set_prefix(prefix);
	if (strcmp(only, "nomigrate"))
		test_migrate();
	if (!strcmp(only, "migrate"))
		return ktest_exit();
	test_host_state();
	test_kill();
	test_entry_fail();
	test_vms100();
	return ktest_exit();
}
