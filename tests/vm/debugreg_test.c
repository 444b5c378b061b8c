// SPDX-License-Identifier: GPL-2.0
/*
 * debugreg_test DEV LABEL: the guest's own hardware breakpoints fire in
 * the guest.  Guards kvmini's loading of the guest's DR0-3 and DR7 for
 * the entries where its DR7 arms a breakpoint; before, they lived only in
 * the module and never fired (found by kvm-unit-tests' debug test).
 *
 * A real-mode guest points IVT entry 1 (#DB) at a handler that reports
 * DR6's low byte with OUT 0x11 and disarms DR0, puts DR0 on an
 * instruction and DR1 on a byte it then writes (RW1 = 01), arms both in
 * DR7, runs over them and says OUT 0x10.
 *   exec_breakpoint    the first #DB is the instruction breakpoint: B0
 *   data_breakpoint    the second is the data breakpoint: B1
 *   data_written       the write itself happened (a trap, after it)
 *   debugregs          KVM_GET_DEBUGREGS shows the guest's DR0, DR1, DR7
 */
#include <stdint.h>

#include "ktest.h"
#include "rmvm.h"

#define DONE_PORT	0x10
#define DB_PORT		0x11
#define DATA_GPA	0x600

/* See the top of this file; assembled from AT&T .code16, at 0x1000. */
static const unsigned char guest[] = {
	0xc7, 0x06, 0x04, 0x00, 0x32, 0x10, 0xc7, 0x06, 0x06, 0x00, 0x00, 0x00,
	0x66, 0xb8, 0x28, 0x10, 0x00, 0x00, 0x0f, 0x23, 0xc0, 0x66, 0xb8, 0x00,
	0x06, 0x00, 0x00, 0x0f, 0x23, 0xc8, 0x66, 0xb8, 0x05, 0x00, 0x10, 0x00,
	0x0f, 0x23, 0xf8, 0x90, 0x90, 0xc6, 0x06, 0x00, 0x06, 0x01, 0x90, 0xe6,
	0x10, 0xf4, 0x50, 0x0f, 0x21, 0xf0, 0xe6, 0x11, 0x0f, 0x21, 0xf8, 0x66,
	0x83, 0xe0, 0xfc, 0x0f, 0x23, 0xf8, 0x58, 0xcf,
};

int main(int argc, char **argv)
{
	const char *dev = ktest_args(argc, argv);
	struct kvm_debugregs dr;
	unsigned char db[4];
	struct onevm v;
	int n = 0, i;

	if (!dev)
		return 2;
	if (rmvm_create(&v, dev, guest, sizeof(guest), 0)) {
		ktest_fail("setup", "VM: %s", strerror(errno));
		onevm_destroy(&v);
		return ktest_exit();
	}
	for (i = 0; i < 8; i++) {
		if (ioctl(v.vcpu, KVM_RUN, 0) || v.run->exit_reason != KVM_EXIT_IO) {
			ktest_fail("run", "KVM_RUN: %s, exit reason %u", strerror(errno),
				   v.run->exit_reason);
			break;
		}
		if (v.run->io.port == DONE_PORT)
			break;
		if (v.run->io.port == DB_PORT && n < 4)
			db[n++] = *((unsigned char *)v.run + v.run->io.data_offset);
	}
	if (n >= 1 && (db[0] & 0xf) == 1)
		ktest_pass("exec_breakpoint");
	else
		ktest_fail("exec_breakpoint", "%d #DBs, the first DR6 low byte %#x", n,
			   n ? db[0] : 0);
	if (n == 2 && (db[1] & 0xf) == 2)
		ktest_pass("data_breakpoint");
	else
		ktest_fail("data_breakpoint", "%d #DBs, the second DR6 low byte %#x", n,
			   n > 1 ? db[1] : 0);
	KTEST_CHECK("data_written", v.mem[DATA_GPA] == 1);
	if (ioctl(v.vcpu, KVM_GET_DEBUGREGS, &dr))
		ktest_fail("debugregs", "KVM_GET_DEBUGREGS: %s", strerror(errno));
	else if (dr.db[0] != 0x1028 || dr.db[1] != DATA_GPA || (dr.dr7 & 0x3000ff) != 0x100004)
		ktest_fail("debugregs", "dr0 %#llx dr1 %#llx dr7 %#llx", (unsigned long long)dr.db[0],
			   (unsigned long long)dr.db[1], (unsigned long long)dr.dr7);
	else
		ktest_pass("debugregs");
	onevm_destroy(&v);
	return ktest_exit();
}
