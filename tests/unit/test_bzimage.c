// SPDX-License-Identifier: GPL-2.0
/* The boot-protocol header checks (user/bzimage.c) on made-up files. */
#include <stdlib.h>
#include <string.h>

#include "../../user/bzimage.h"
#include "unit.h"

#define SETUP_SECTS	4
#define PAYLOAD		0x3000

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v);
	put16(p + 2, v >> 16);
}

/* A minimal bzImage: header, setup sectors, a payload of PAYLOAD bytes. */
static size_t make(uint8_t *buf, uint16_t version)
{
	size_t size = (SETUP_SECTS + 1) * 512 + PAYLOAD;

	memset(buf, 0, size);
	buf[BZ_SETUP_SECTS] = SETUP_SECTS;
	put32(buf + BZ_SYSSIZE, PAYLOAD / 16);
	put16(buf + BZ_BOOT_FLAG, 0xaa55);
	buf[BZ_JUMP] = 0xeb;
	buf[BZ_JUMP + 1] = 0x6a;
	memcpy(buf + BZ_HEADER, "HdrS", 4);
	put16(buf + BZ_VERSION, version);
	buf[BZ_LOADFLAGS] = BZ_LOADED_HIGH;
	put32(buf + BZ_INITRD_ADDR_MAX, 0x7fffffff);
	buf[BZ_RELOCATABLE] = 1;
	put16(buf + BZ_XLOADFLAGS, 0x7f);
	put32(buf + BZ_CMDLINE_SIZE, 2047);
	put32(buf + BZ_PREF_ADDRESS, 0x1000000);
	put32(buf + BZ_INIT_SIZE, 0x3f98000);
	return size;
}

int main(void)
{
	static uint8_t buf[(SETUP_SECTS + 1) * 512 + PAYLOAD];
	static const char text[] = "#!/bin/sh\necho this is not a kernel\n";
	struct bzimage bz;
	char err[200];
	size_t size = make(buf, 0x020f);

	CHECK(bzimage_parse(buf, size, &bz, err, sizeof(err)), "a 2.15 bzImage is accepted");
	CHECK(bz.kernel_offset == (SETUP_SECTS + 1) * 512, "the kernel follows the setup sectors");
	CHECK(bz.kernel_size == PAYLOAD, "syssize gives its size");
	CHECK(bz.initrd_addr_max == 0x7fffffff, "initrd_addr_max");
	CHECK(bz.cmdline_size == 2048, "cmdline_size counts the NUL");
	CHECK(bz.pref_address == 0x1000000 && bz.init_size == 0x3f98000 && bz.relocatable,
	      "pref_address, init_size, relocatable");
	CHECK(bz.header_end == 0x26c, "the header ends where its jump says");

	CHECK(!bzimage_parse(buf, size - 1, &bz, err, sizeof(err)) &&
	      strstr(err, "truncated bzImage"), "one byte short: truncated");
	CHECK(!bzimage_parse(buf, 0x300, &bz, err, sizeof(err)) &&
	      strstr(err, "truncated"), "cut inside the setup: truncated");
	CHECK(!bzimage_parse(buf, 0x100, &bz, err, sizeof(err)) &&
	      strstr(err, "not a Linux bzImage"), "cut before the header: not a bzImage");
	CHECK(!bzimage_parse((const uint8_t *)text, sizeof(text) - 1, &bz, err, sizeof(err)) &&
	      strstr(err, "not a Linux bzImage"), "a short text file is not a bzImage");
	memset(buf, 'x', sizeof(buf));
	CHECK(!bzimage_parse(buf, sizeof(buf), &bz, err, sizeof(err)) &&
	      strstr(err, "not a Linux bzImage"), "a long text file is not a bzImage");
	CHECK(!strchr(err, '\n'), "the reason is one line");

	size = make(buf, 0x020b);
	CHECK(!bzimage_parse(buf, size, &bz, err, sizeof(err)) &&
	      strstr(err, "2.11 is too old"), "protocol 2.11 is too old");
	size = make(buf, 0x020c);
	CHECK(bzimage_parse(buf, size, &bz, err, sizeof(err)), "2.12 is new enough");
	put16(buf + BZ_XLOADFLAGS, 0);
	CHECK(!bzimage_parse(buf, size, &bz, err, sizeof(err)) &&
	      strstr(err, "64-bit entry"), "no XLF_KERNEL_64: refused");
	size = make(buf, 0x020f);
	buf[BZ_LOADFLAGS] = 0;
	CHECK(!bzimage_parse(buf, size, &bz, err, sizeof(err)) && strstr(err, "zImage"),
	      "loaded low: a zImage, refused");
	size = make(buf, 0x020f);
	buf[BZ_SETUP_SECTS] = 0;
	CHECK(bzimage_parse(buf, size, &bz, err, sizeof(err)) && bz.kernel_offset == 5 * 512,
	      "setup_sects 0 means 4");
	return unit_done("test_bzimage");
}
