// SPDX-License-Identifier: GPL-2.0
/*
 * QEMU's pc-testdev as the tool emulates it (user/testdev.c), as
 * kvm-unit-tests' emulator test uses it: the port register reads back,
 * the I/O RAM keeps what is written, and what is not all the device's is
 * left to the caller (so it reads as unbacked, not as a truncated copy).
 */
#include <string.h>

#include "../../user/testdev.h"
#include "unit.h"

static struct testdev t;

int main(void)
{
	uint8_t b[8] = { 0x11, 0x22, 0x33, 0x44 }, r[8];

	testdev_init(&t);
	CHECK(testdev_io(&t, 0xe0, true, b, 4), "a 4-byte OUT at 0xe0 is the device's");
	memset(r, 0, sizeof(r));
	CHECK(testdev_io(&t, 0xe0, false, r, 4) && !memcmp(r, b, 4), "and reads back");
	CHECK(testdev_io(&t, 0xe3, false, r, 1) && r[0] == 0x44, "its top byte at 0xe3");
	b[0] = 0x99;
	CHECK(testdev_io(&t, 0xe2, true, b, 1), "a byte OUT at 0xe2");
	CHECK(testdev_io(&t, 0xe0, false, r, 4) && r[2] == 0x99 && r[3] == 0x44,
	      "changes that byte only");
	CHECK(!testdev_io(&t, 0xe2, false, r, 4), "a 4-byte access at 0xe2 runs off the register");
	CHECK(!testdev_io(&t, 0xdf, false, r, 1) && !testdev_io(&t, 0xe4, false, r, 1),
	      "ports beside it are not the device's");

	memcpy(b, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	CHECK(testdev_mmio(&t, 0xff000ffc, true, b, 8), "an 8-byte write across a page of the I/O RAM");
	memset(r, 0, sizeof(r));
	CHECK(testdev_mmio(&t, 0xff000ffc, false, r, 8) && !memcmp(r, b, 8), "reads back");
	CHECK(testdev_mmio(&t, 0xff001000, false, r, 1) && r[0] == 5, "byte by byte too");
	CHECK(testdev_mmio(&t, 0xff00fff8, false, r, 8), "the last 8 bytes are in it");
	CHECK(!testdev_mmio(&t, 0xff00fffc, false, r, 8), "an access over its end is not");
	CHECK(!testdev_mmio(&t, 0xfefffffc, false, r, 8), "nor one from below its start");
	CHECK(!testdev_mmio(&t, 0xffffffffffffffffULL, false, r, 8), "nor the top of the space");
	return unit_done("test_testdev");
}
