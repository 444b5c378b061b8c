// SPDX-License-Identifier: GPL-2.0
/*
 * hcost (long mode): the same question, the vCPU's exits so far, asked
 * 64 times of the module (VMCALL, answered in the kernel) and 64 times of
 * the tool (the port hypercall, answered in userspace): what the trip to
 * userspace costs, in TSC ticks per call.  KVM does not know kvmini's
 * number and answers -KVM_ENOSYS, in its kernel too, so the line means the
 * same on both devices.  Last line: "hcost: vmcall N port M".
 */
#include "hcall.h"

#define CALLS_SHIFT	6

void guest_main(void)
{
	uint64_t t0, t1, t2;
	int i;

	if (!hc_present()) {
		puts("hcost: FAIL no hypercall signature at the port\n");
		return;
	}
	t0 = rdtsc();
	for (i = 0; i < 1 << CALLS_SHIFT; i++)
		vmcall1(KVMINI_HC_EXITS, 0);
	t1 = rdtsc();
	for (i = 0; i < 1 << CALLS_SHIFT; i++)
		hc_exits();
	t2 = rdtsc();
	puts("hcost: vmcall ");
	putdec((uint32_t)((t1 - t0) >> CALLS_SHIFT));
	puts(" port ");
	putdec((uint32_t)((t2 - t1) >> CALLS_SHIFT));
	putc('\n');
}
