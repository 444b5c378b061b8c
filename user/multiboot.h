/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Multiboot v1 (the Multiboot Specification 0.6.96), as QEMU's -kernel
 * does it for a file that is not a Linux bzImage: the header, the load
 * plan for an ELF32/ELF64 image or the a.out kludge's address fields,
 * and the boot information structure.  Pure: it reads a file in a buffer
 * and writes the information into a buffer, so the unit tests can hold it
 * to hostile images without a VM; load.c puts the plan into guest RAM.
 */
#ifndef KVMINI_MULTIBOOT_H
#define KVMINI_MULTIBOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MB_HEADER_MAGIC		0x1badb002u
#define MB_BOOT_MAGIC		0x2badb002u	/* in EAX at the entry */
#define MB_SEARCH		8192		/* the header is in the first 8 KiB */
#define MB_HEADER_SIZE		32		/* with the a.out kludge's fields */

/* Header flags: bits 0-15 are requirements the loader must meet or refuse. */
#define MB_FLAG_PAGE_ALIGN	(1u << 0)	/* modules on 4 KiB boundaries */
#define MB_FLAG_MEMINFO		(1u << 1)	/* mem_* and the memory map */
#define MB_FLAG_VIDEO		(1u << 2)	/* a video mode: not given here */
#define MB_FLAG_AOUT		(1u << 16)	/* load by the header's address fields */
#define MB_FLAGS_MET		(MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMINFO)

/* Boot information: the flags of what it holds, and its fields' offsets. */
#define MBI_FLAG_MEM		(1u << 0)
#define MBI_FLAG_CMDLINE	(1u << 2)
#define MBI_FLAG_MODS		(1u << 3)
#define MBI_FLAG_MMAP		(1u << 6)
#define MBI_FLAG_LOADER		(1u << 9)
#define MBI_FLAGS		0
#define MBI_MEM_LOWER		4
#define MBI_MEM_UPPER		8
#define MBI_CMDLINE		16
#define MBI_MODS_COUNT		20
#define MBI_MODS_ADDR		24
#define MBI_MMAP_LENGTH		44
#define MBI_MMAP_ADDR		48
#define MBI_LOADER_NAME		64
#define MBI_SIZE		88	/* up to the framebuffer fields, left zero */
#define MB_MOD_SIZE		16	/* mod_start, mod_end, cmdline, reserved */
#define MB_MMAP_ENTRY		24	/* size (20), base, length, type */
#define MB_MMAP_RAM		1
#define MB_MMAP_RESERVED	2

#define MB_MAX_SEGMENTS		16
#define MB_MAX_MODULES		8

struct mb_header {
	size_t offset;		/* in the file */
	uint32_t flags;
	/* The a.out kludge's fields (MB_FLAG_AOUT). */
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
};

/* File bytes [offset, offset + filesz) at GPA gpa; zeroes up to memsz. */
struct mb_segment {
	uint64_t gpa;
	uint64_t offset, filesz, memsz;
};

struct mb_plan {
	uint32_t entry;
	uint64_t lo, hi;	/* the GPAs it occupies, [lo, hi) */
	unsigned int nseg;
	struct mb_segment seg[MB_MAX_SEGMENTS];
};

struct mb_module {
	uint32_t start, end;	/* GPAs, [start, end) */
	const char *cmdline;
};

/* What the boot information says about the machine and the boot. */
struct mb_boot {
	uint64_t ram_end;	/* RAM from 1 MiB up to here; the rest reserved */
	uint64_t mem_size;	/* guest RAM, reserved tail included */
	const char *cmdline;
	const char *loader;	/* the boot loader's name */
	unsigned int nmods;
	const struct mb_module *mods;
};

/*
 * The header in the first MB_SEARCH bytes (32-bit aligned, checksum
 * right, fields inside the file).  1 found, 0 none, -1 a broken or
 * unmeetable one, with one line in @err.
 */
int mb_find_header(const uint8_t *buf, size_t size, struct mb_header *h, char *err,
		   size_t err_size);

/*
 * Where each part of the file goes: every segment inside the file and
 * inside guest RAM [@ram_lo, @ram_hi), the entry inside what is loaded.
 * False with one line in @err.
 */
bool mb_plan_load(const uint8_t *buf, size_t size, const struct mb_header *h,
		  uint64_t ram_lo, uint64_t ram_hi, struct mb_plan *plan, char *err,
		  size_t err_size);

/*
 * The boot information, memory map, module list and strings in @area,
 * which is guest RAM [@base, @base + @size): the information structure's
 * GPA in *@info, or false with one line in @err when it does not fit.
 */
bool mb_write_info(uint8_t *area, uint32_t base, uint32_t size, const struct mb_boot *b,
		   uint32_t *info, char *err, size_t err_size);

#endif
