// SPDX-License-Identifier: GPL-2.0
/*
 * singlestep_test DEV LABEL: with RFLAGS.TF set, the instructions the
 * hypervisor runs for the guest (CPUID, OUT finished after the exit to
 * userspace, HLT) trap after themselves like the ones the CPU runs.
 * Guards vmx_skip_instruction()'s single step; before it those #DBs were
 * lost (found by kvm-unit-tests' debug test), and with an in-kernel APIC
 * a HLT under TF halted for good instead of trapping.
 *
 * A real-mode guest points IVT entry 1 (#DB) at a handler that reports
 * the IP it interrupted with OUT 0x11, sets TF with POPF, runs CPUID,
 * OUT 0x12, HLT, four plain instructions and the POPF that clears TF,
 * then says OUT 0x10.  Each of the eight instructions after the first
 * POPF traps, at the IP after it.
 *   steps        the #DB IPs, in order, without the irqchip (HLT exits
 *                to userspace)
 *   steps_chip   the same with KVM_CREATE_IRQCHIP (HLT in the kernel
 *                must not wait: the #DB is pending)
 * In Bochs `steps` passes without the fix too (its VMX keeps the pending
 * single step of an instruction that exits, which the SDM's CPU drops);
 * `steps_chip` fails there without it (checked on 88d0d69).
 */
#include <signal.h>
#include <stdint.h>
#include <unistd.h>

#include "ktest.h"
#include "rmvm.h"

#define DONE_PORT	0x10
#define DB_PORT		0x11
#define MAX_DB		16

/* See the top of this file; assembled from AT&T .code16, at 0x1000. */
static const unsigned char guest[] = {
	0xc7, 0x06, 0x04, 0x00, 0x27, 0x10, 0xc7, 0x06, 0x06, 0x00, 0x00, 0x00,
	0x9c, 0x5b, 0x81, 0xcb, 0x00, 0x01, 0x53, 0x66, 0x31, 0xc0, 0x9d, 0x0f,
	0xa2, 0xe6, 0x12, 0xf4, 0x9c, 0x5b, 0x81, 0xe3, 0xff, 0xfe, 0x53, 0x9d,
	0xe6, 0x10, 0xf4, 0x55, 0x89, 0xe5, 0x8b, 0x46, 0x02, 0xe7, 0x11, 0x5d,
	0xcf,
};

/* After CPUID, OUT, HLT, PUSHF, POP, AND, PUSH, POPF. */
static const uint16_t want[] = {
	0x1019, 0x101b, 0x101c, 0x101d, 0x101e, 0x1022, 0x1023, 0x1024,
};

static void on_alarm(int sig)
{
	(void)sig;
}

static void steps(const char *dev, const char *name, int irqchip)
{
	struct kvm_regs regs = { .rip = RMVM_ENTRY, .rsp = RMVM_STACK, .rflags = 2 };
	uint16_t got[MAX_DB];
	struct kvm_sregs s;
	struct onevm v;
	int n = 0, i;

	if (onevm_create_chip(&v, dev, RMVM_MEM, guest, sizeof(guest), RMVM_ENTRY, irqchip) ||
	    ioctl(v.vcpu, KVM_GET_SREGS, &s)) {
		ktest_fail(name, "VM: %s", strerror(errno));
		onevm_destroy(&v);
		return;
	}
	s.cs.base = 0;
	s.cs.selector = 0;
	if (ioctl(v.vcpu, KVM_SET_SREGS, &s) || ioctl(v.vcpu, KVM_SET_REGS, &regs)) {
		ktest_fail(name, "registers: %s", strerror(errno));
		onevm_destroy(&v);
		return;
	}
	for (i = 0; i < 32; i++) {
		int r;

		alarm(5);
		r = ioctl(v.vcpu, KVM_RUN, 0);
		alarm(0);
		if (r) {
			ktest_fail(name, "KVM_RUN: %s after %d #DBs%s", strerror(errno), n,
				   errno == EINTR ? " (the vCPU waited in HLT)" : "");
			break;
		}
		if (v.run->exit_reason == KVM_EXIT_HLT)
			continue;
		if (v.run->exit_reason != KVM_EXIT_IO) {
			ktest_fail(name, "exit reason %u after %d #DBs", v.run->exit_reason, n);
			break;
		}
		if (v.run->io.port == DONE_PORT)
			break;
		if (v.run->io.port == DB_PORT && n < MAX_DB)
			memcpy(&got[n++], (char *)v.run + v.run->io.data_offset, 2);
	}
	if (i < 32 && v.run->exit_reason == KVM_EXIT_IO && v.run->io.port == DONE_PORT) {
		if (n == (int)(sizeof(want) / sizeof(want[0])) && !memcmp(got, want, sizeof(want))) {
			ktest_pass(name);
		} else {
			char buf[160] = "";
			size_t off = 0;

			for (i = 0; i < n && off < sizeof(buf) - 8; i++)
				off += snprintf(buf + off, sizeof(buf) - off, " %#x", got[i]);
			ktest_fail(name, "%d #DBs at%s; want 8 at 0x1019 0x101b 0x101c ... 0x1024",
				   n, buf);
		}
	}
	onevm_destroy(&v);
}

int main(int argc, char **argv)
{
	const char *dev = ktest_args(argc, argv);
	struct sigaction sa = { .sa_handler = on_alarm };

	if (!dev)
		return 2;
	sigaction(SIGALRM, &sa, NULL);
	steps(dev, "steps", 0);
	steps(dev, "steps_chip", 1);
	return ktest_exit();
}
