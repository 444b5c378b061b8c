// SPDX-License-Identifier: GPL-2.0
/*
 * QEMU's pc-testdev (testdev.h), for the machine --multiboot builds.  Its
 * IRQ lines (port 0x2000) and page flush (0xe4) are not emulated: the
 * tests that need them (kvm-unit-tests' ioapic, and eventinj's flush)
 * are not among the CPU tests kvmini runs.
 */
#include <string.h>

#include "testdev.h"

void testdev_init(struct testdev *t)
{
	memset(t, 0, sizeof(*t));
	pthread_mutex_init(&t->lock, NULL);
}

bool testdev_io(struct testdev *t, uint16_t port, bool out, uint8_t *data, unsigned int size)
{
	unsigned int off = (unsigned int)port - TESTDEV_PORT;

	if (port < TESTDEV_PORT || off + size > TESTDEV_PORTS)
		return false;
	pthread_mutex_lock(&t->lock);
	if (out)
		memcpy(t->reg + off, data, size);
	else
		memcpy(data, t->reg + off, size);
	pthread_mutex_unlock(&t->lock);
	return true;
}

bool testdev_mmio(struct testdev *t, uint64_t gpa, bool write, uint8_t *data, unsigned int len)
{
	if (gpa < TESTDEV_IORAM_BASE || len > TESTDEV_IORAM_SIZE ||
	    gpa - TESTDEV_IORAM_BASE > TESTDEV_IORAM_SIZE - len)
		return false;
	pthread_mutex_lock(&t->lock);
	if (write)
		memcpy(t->ioram + (gpa - TESTDEV_IORAM_BASE), data, len);
	else
		memcpy(data, t->ioram + (gpa - TESTDEV_IORAM_BASE), len);
	pthread_mutex_unlock(&t->lock);
	return true;
}
