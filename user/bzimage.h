/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Linux/x86 boot protocol's setup header (Documentation/arch/x86/
 * boot.rst), parsed and checked without touching guest memory, so the
 * unit tests can hold it to truncated, foreign and old files.
 */
#ifndef KVMINI_BZIMAGE_H
#define KVMINI_BZIMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The 64-bit entry with a boot_params pointer in RSI arrived in 2.12. */
#define BZ_MIN_VERSION	0x020c

/* Offsets in the file, and so in boot_params, of the header's fields. */
#define BZ_SETUP_SECTS		0x1f1
#define BZ_SYSSIZE		0x1f4
#define BZ_BOOT_FLAG		0x1fe
#define BZ_JUMP			0x200
#define BZ_HEADER		0x202
#define BZ_VERSION		0x206
#define BZ_TYPE_OF_LOADER	0x210
#define BZ_LOADFLAGS		0x211
#define BZ_RAMDISK_IMAGE	0x218
#define BZ_RAMDISK_SIZE		0x21c
#define BZ_CMD_LINE_PTR		0x228
#define BZ_INITRD_ADDR_MAX	0x22c
#define BZ_KERNEL_ALIGNMENT	0x230
#define BZ_RELOCATABLE		0x234
#define BZ_XLOADFLAGS		0x236
#define BZ_CMDLINE_SIZE		0x238
#define BZ_PREF_ADDRESS		0x258
#define BZ_INIT_SIZE		0x260

#define BZ_LOADED_HIGH		0x01
#define BZ_XLF_KERNEL_64	0x01

struct bzimage {
	uint16_t version;
	size_t kernel_offset;	/* the protected-mode kernel in the file */
	size_t kernel_size;
	size_t header_end;	/* the setup header is [0x1f1, header_end) */
	uint32_t initrd_addr_max;
	uint32_t cmdline_size;	/* including the NUL */
	uint32_t init_size;	/* the memory it needs from its load address */
	uint64_t pref_address;
	bool relocatable;
};

/*
 * Checks @buf as a bzImage this loader can start at its 64-bit entry.
 * Returns true, or false with one line in @err saying why not.
 */
bool bzimage_parse(const uint8_t *buf, size_t size, struct bzimage *bz, char *err,
		   size_t err_size);

#endif
