/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The block device of `kvmini run --disk FILE`, as the guest sees it
 * (docs/disk.md).  Shared by the tool (user/disk.c) and the guests
 * (tests/guests/pager.c), so the numbers and the request's layout exist
 * once.  Plain macros and fixed-size fields only: the guests are
 * freestanding, 32 or 64-bit.
 *
 * One request is one exit: the guest fills a struct disk_req in its RAM
 * and writes the request's guest-physical address to DISK_PORT with a
 * 4-byte OUT.  The tool does the whole transfer before the OUT returns
 * (no interrupt, no busy bit) and writes the result into the request's
 * status field.
 */
#ifndef KVMINI_DISK_ABI_H
#define KVMINI_DISK_ABI_H

/* Next to the console (0xe9) and the hypercalls (0xea), below 0x100. */
#define DISK_PORT		0xec
/* What a 4-byte IN from DISK_PORT reads when a disk is attached: "KVMd". */
#define DISK_SIGNATURE		0x644d564bu

#define DISK_SECTOR		512
/* At most this many sectors per request (128 KiB). */
#define DISK_MAX_SECTORS	256

/* op */
#define DISK_OP_READ		1	/* disk to RAM */
#define DISK_OP_WRITE		2	/* RAM to disk */
#define DISK_OP_INFO		3	/* sector := the disk's size in sectors */

/* status: the guest sets DISK_ST_PENDING first; the tool overwrites it. */
#define DISK_ST_OK		0
#define DISK_ST_BAD_OP		1	/* op unknown */
#define DISK_ST_BAD_COUNT	2	/* count 0 or above DISK_MAX_SECTORS */
#define DISK_ST_BAD_SECTOR	3	/* sector .. sector + count - 1 not all on the disk */
#define DISK_ST_BAD_ADDR	4	/* the buffer is not all in guest RAM */
#define DISK_ST_IO_ERROR	5	/* the host's read or write failed */
#define DISK_ST_PENDING		0xffffffffu

/* Little-endian, 32 bytes, anywhere in guest RAM (no alignment needed). */
struct disk_req {
	unsigned int op;
	unsigned int count;		/* sectors */
	unsigned long long sector;	/* first sector */
	unsigned long long addr;	/* guest-physical address of the buffer */
	unsigned int status;		/* written by the tool */
	unsigned int reserved;		/* 0 */
};

_Static_assert(sizeof(struct disk_req) == 32, "struct disk_req is the ABI");

#endif
