/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The block device of `kvmini run --disk FILE` (docs/disk.md): a file of
 * 512-byte sectors the guest reads and writes with one request per exit
 * (disk_abi.h).  One per VM, shared by the vCPU threads without a lock:
 * each request is its own pread or pwrite and the counters are atomic.
 * Pure host code (no KVM): unit-tested on the host (tests/unit/test_disk.c).
 */
#ifndef KVMINI_DISK_H
#define KVMINI_DISK_H

#include <stdbool.h>
#include <stdint.h>

#include "disk_abi.h"

struct disk {
	int fd;				/* -1 without --disk */
	uint64_t sectors;		/* the file's size / DISK_SECTOR */
	/* What the guest did, for --stats (atomic). */
	unsigned long reads, writes, infos, errors;
	unsigned long long sectors_read, sectors_written;
};

/* @path NULL: no disk (the port stays unbacked).  0 or -errno. */
int disk_open(struct disk *d, const char *path);
void disk_close(struct disk *d);

/*
 * The status of the request at @req_gpa in guest RAM (@mem, @mem_size
 * bytes from GPA 0), which is carried out and its status written back
 * into it; a request not wholly in RAM is left alone and gets
 * DISK_ST_BAD_ADDR here only.
 */
uint32_t disk_request(struct disk *d, uint8_t *mem, uint64_t mem_size, uint64_t req_gpa);

/*
 * A port access at DISK_PORT: @size bytes, @count elements at @data.
 * True when it was the disk's (a 4-byte OUT: a request; a 4-byte IN: the
 * signature) and is done; false for other accesses and without a disk,
 * which the port then ignores like any other.
 */
bool disk_port(struct disk *d, uint8_t *mem, uint64_t mem_size, bool out, unsigned int size,
	       unsigned int count, uint8_t *data);

/* "stats: disk ..." on stdout, when there is a disk. */
void disk_stats_print(const struct disk *d);

#endif
