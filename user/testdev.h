/* SPDX-License-Identifier: GPL-2.0 */
/*
 * QEMU's pc-testdev, the test device kvm-unit-tests expects beside
 * isa-debug-exit: a 32-bit register at ports 0xe0-0xe3 that reads back
 * what was written, and 64 KiB of "I/O RAM" at 0xff000000 that is not
 * RAM to the hypervisor (every access is an MMIO exit, so the guest
 * tests its instruction emulation) but keeps what is written.
 */
#ifndef KVMINI_USER_TESTDEV_H
#define KVMINI_USER_TESTDEV_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define TESTDEV_PORT		0xe0
#define TESTDEV_PORTS		4
#define TESTDEV_IORAM_BASE	0xff000000ULL
#define TESTDEV_IORAM_SIZE	0x10000ULL

/* One per machine: every vCPU sees the same register and I/O RAM. */
struct testdev {
	pthread_mutex_t lock;
	uint8_t reg[TESTDEV_PORTS];
	uint8_t ioram[TESTDEV_IORAM_SIZE];
};

void testdev_init(struct testdev *t);
/* A 1, 2 or 4-byte access at @port; false when it is not all the device's. */
bool testdev_io(struct testdev *t, uint16_t port, bool out, uint8_t *data, unsigned int size);
/* An MMIO access of @len bytes at @gpa; false when it is not all in the I/O RAM. */
bool testdev_mmio(struct testdev *t, uint64_t gpa, bool write, uint8_t *data, unsigned int len);

#endif /* KVMINI_USER_TESTDEV_H */
