// SPDX-License-Identifier: GPL-2.0
/*
 * cpuid (protected mode): the CPU a guest sees.  The VMM passes the
 * device's supported CPUID minus VMX, so both KVM and kvmini must show
 * the hypervisor bit and hide VMX.  The vendor line differs between
 * hosts; the last line, "cpuid: ok" or "cpuid: FAIL ...", does not.
 */
#include "guest.h"

#define ECX_VMX		(1u << 5)
#define ECX_HYPERVISOR	(1u << 31)

void guest_main(void)
{
	uint32_t r[4], vendor[4];
	bool ok = true;

	cpuid(0, 0, r);
	vendor[0] = r[1];	/* EBX, EDX, ECX spell it */
	vendor[1] = r[3];
	vendor[2] = r[2];
	vendor[3] = 0;
	puts("cpuid: vendor ");
	puts((const char *)vendor);
	puts(", max leaf ");
	puthex(r[0]);
	putc('\n');

	cpuid(1, 0, r);
	if (!(r[2] & ECX_HYPERVISOR)) {
		puts("cpuid: FAIL hypervisor bit (CPUID.1:ECX[31]) clear, ecx ");
		puthex(r[2]);
		putc('\n');
		ok = false;
	}
	if (r[2] & ECX_VMX) {
		puts("cpuid: FAIL VMX (CPUID.1:ECX[5]) visible, ecx ");
		puthex(r[2]);
		putc('\n');
		ok = false;
	}
	if (ok)
		puts("cpuid: ok\n");
}
