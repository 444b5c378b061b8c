// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_EXIT_MMIO: pc-testdev's I/O RAM on a --multiboot machine (testdev.c),
 * and a 4 KiB scratch device at 0xd0000000 that reads back
 * what was last written at each offset (so a guest can check the
 * hypervisor's instruction emulation end to end), and nothing anywhere
 * else: reads of unbacked addresses are all ones, writes vanish, and the
 * first such access is noted once on stderr.  Each vCPU has its own
 * scratch device, as it has its own instance of the guest.
 */
#include <string.h>

#include "kvmini.h"

static bool noted;

void mmio_exit(struct vcpu *vcpu, struct verdict *v)
{
	uint8_t *scratch = vcpu->mmio_scratch;
	struct kvm_run *run = vcpu->run;
	uint64_t gpa = run->mmio.phys_addr;
	uint32_t len = run->mmio.len, i;
	bool write = run->mmio.is_write, in_scratch = false;

	if (len == 0 || len > sizeof(run->mmio.data)) {
		verdict_fail(v, false, "KVM_EXIT_MMIO with length %u at 0x%llx", len,
			     (unsigned long long)gpa);
		return;
	}
	if (vcpu->vm->testdev &&
	    testdev_mmio(vcpu->vm->testdev, gpa, write, run->mmio.data, len)) {
		stats_mmio(true, write);
		return;
	}
	/* Byte by byte: an access straddling the device's end is half ours. */
	for (i = 0; i < len; i++) {
		uint64_t a = gpa + i;

		/* The PC (--kernel) has no such device: all of its MMIO is unbacked. */
		if (!vcpu->vm->pc && a >= MMIO_SCRATCH_BASE &&
		    a < MMIO_SCRATCH_BASE + MMIO_SCRATCH_SIZE) {
			in_scratch = true;
			if (write)
				scratch[a - MMIO_SCRATCH_BASE] = run->mmio.data[i];
			else
				run->mmio.data[i] = scratch[a - MMIO_SCRATCH_BASE];
		} else if (!write) {
			run->mmio.data[i] = 0xff;
		}
	}
	if (!in_scratch && !__atomic_exchange_n(&noted, true, __ATOMIC_RELAXED))
		note("note: %sguest %s unbacked address 0x%llx (size %u): %s",
		     vcpu->prefix, write ? "wrote" : "read", (unsigned long long)gpa, len,
		     write ? "ignored" : "reads as all ones");
	stats_mmio(in_scratch, write);
}
