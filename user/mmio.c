// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_EXIT_MMIO: a 4 KiB scratch device at 0xd0000000 that reads back
 * what was last written at each offset (so a guest can check the
 * hypervisor's instruction emulation end to end), and nothing anywhere
 * else: reads of unbacked addresses are all ones, writes vanish, and the
 * first such access is noted once on stderr.
 */
#include <string.h>

#include "kvmini.h"

static uint8_t scratch[MMIO_SCRATCH_SIZE];
static bool noted;

void mmio_exit(struct vm *vm)
{
	struct kvm_run *run = vm->run;
	uint64_t gpa = run->mmio.phys_addr;
	uint32_t len = run->mmio.len, i;
	bool write = run->mmio.is_write, in_scratch = false;

	if (len == 0 || len > sizeof(run->mmio.data))
		die_running("KVM_EXIT_MMIO with length %u at 0x%llx", len, (unsigned long long)gpa);
	/* Byte by byte: an access straddling the device's end is half ours. */
	for (i = 0; i < len; i++) {
		uint64_t a = gpa + i;

		if (a >= MMIO_SCRATCH_BASE && a < MMIO_SCRATCH_BASE + MMIO_SCRATCH_SIZE) {
			in_scratch = true;
			if (write)
				scratch[a - MMIO_SCRATCH_BASE] = run->mmio.data[i];
			else
				run->mmio.data[i] = scratch[a - MMIO_SCRATCH_BASE];
		} else if (!write) {
			run->mmio.data[i] = 0xff;
		}
	}
	if (!in_scratch && !noted) {
		noted = true;
		note("note: guest %s unbacked address 0x%llx (size %u): %s",
		     write ? "wrote" : "read", (unsigned long long)gpa, len,
		     write ? "ignored" : "reads as all ones");
	}
	stats_mmio(in_scratch, write);
}
