// SPDX-License-Identifier: GPL-2.0
/*
 * The setup header's checks (bzimage.h): the boot sector's 0xaa55 and the
 * "HdrS" magic (anything else is not a bzImage), protocol 2.12 or newer
 * with a 64-bit entry, a kernel loaded high, and a file that holds the
 * syssize the header promises (a truncated download fails here, not in
 * the guest).
 */
#include <stdio.h>
#include <string.h>

#include "bzimage.h"

static uint16_t get16(const uint8_t *p)
{
	return p[0] | p[1] << 8;
}

static uint32_t get32(const uint8_t *p)
{
	return get16(p) | (uint32_t)get16(p + 2) << 16;
}

bool bzimage_parse(const uint8_t *buf, size_t size, struct bzimage *bz, char *err,
		   size_t err_size)
{
	unsigned int sects;
	uint64_t need;

	memset(bz, 0, sizeof(*bz));
	if (size < BZ_HEADER + 4 || get16(buf + BZ_BOOT_FLAG) != 0xaa55 ||
	    memcmp(buf + BZ_HEADER, "HdrS", 4)) {
		snprintf(err, err_size, "not a Linux bzImage (no x86 boot header)");
		return false;
	}
	if (size < BZ_INIT_SIZE + 4) {
		snprintf(err, err_size, "truncated bzImage (%zu bytes: not even its setup header)",
			 size);
		return false;
	}
	bz->version = get16(buf + BZ_VERSION);
	if (bz->version < BZ_MIN_VERSION) {
		snprintf(err, err_size, "boot protocol %u.%02u is too old: 64-bit boot needs %u.%02u "
			 "(Linux 3.8 or newer)", bz->version >> 8, bz->version & 0xff,
			 BZ_MIN_VERSION >> 8, BZ_MIN_VERSION & 0xff);
		return false;
	}
	if (!(buf[BZ_LOADFLAGS] & BZ_LOADED_HIGH)) {
		snprintf(err, err_size, "a zImage (loaded low): only bzImages boot");
		return false;
	}
	if (!(get16(buf + BZ_XLOADFLAGS) & BZ_XLF_KERNEL_64)) {
		snprintf(err, err_size, "a kernel without a 64-bit entry (32-bit kernel?)");
		return false;
	}
	sects = buf[BZ_SETUP_SECTS] ? buf[BZ_SETUP_SECTS] : 4;
	bz->kernel_offset = (size_t)(sects + 1) * 512;
	bz->kernel_size = (size_t)get32(buf + BZ_SYSSIZE) * 16;
	need = (uint64_t)bz->kernel_offset + bz->kernel_size;
	if (!bz->kernel_size || need > size) {
		snprintf(err, err_size, "truncated bzImage: %zu bytes where its header says %llu",
			 size, (unsigned long long)need);
		return false;
	}
	bz->header_end = BZ_HEADER + buf[BZ_JUMP + 1];
	if (bz->header_end < BZ_INIT_SIZE + 4)
		bz->header_end = BZ_INIT_SIZE + 4;
	bz->initrd_addr_max = get32(buf + BZ_INITRD_ADDR_MAX);
	bz->cmdline_size = get32(buf + BZ_CMDLINE_SIZE) + 1;
	bz->init_size = get32(buf + BZ_INIT_SIZE);
	bz->pref_address = get32(buf + BZ_PREF_ADDRESS) |
			   (uint64_t)get32(buf + BZ_PREF_ADDRESS + 4) << 32;
	bz->relocatable = buf[BZ_RELOCATABLE];
	return true;
}
