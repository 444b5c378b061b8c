// SPDX-License-Identifier: GPL-2.0
/*
 * `kvmini run --disk FILE`: a block device for guests that want a
 * backing store of their own (tests/guests/pager.c pages to it).  The
 * guest hands over the GPA of a request (disk_abi.h); the request is
 * copied out of guest RAM once and checked whole before the file is
 * touched, so a guest changing it meanwhile, or asking for sectors past
 * the end or a buffer past RAM, gets a status and nothing else.  Data
 * moves straight between the file and the tool's mapping of guest RAM,
 * as a DMA would: that is what makes a host that swapped the guest's
 * page out bring it back in just to write it to the disk.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "disk.h"

#define ADD(counter, n)	__atomic_fetch_add(&(counter), (n), __ATOMIC_RELAXED)

int disk_open(struct disk *d, const char *path)
{
	struct stat st;
	off_t size;

	memset(d, 0, sizeof(*d));
	d->fd = -1;
	if (!path)
		return 0;
	d->fd = open(path, O_RDWR | O_CLOEXEC);
	if (d->fd < 0)
		return -errno;
	/* A FIFO or a directory has no sectors to address. */
	if (fstat(d->fd, &st) < 0 || !(S_ISREG(st.st_mode) || S_ISBLK(st.st_mode)))
		goto invalid;
	/* Also right for a block device, whose st_size is 0. */
	size = lseek(d->fd, 0, SEEK_END);
	if (size < DISK_SECTOR)
		goto invalid;
	d->sectors = (uint64_t)size / DISK_SECTOR;
	return 0;
invalid:
	close(d->fd);
	d->fd = -1;
	return -EINVAL;
}

void disk_close(struct disk *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}

/* [gpa, gpa + len) lies in guest RAM; no sum that can wrap. */
static bool in_ram(uint64_t gpa, uint64_t len, uint64_t mem_size)
{
	return gpa <= mem_size && len <= mem_size - gpa;
}

/* The status of @r, checked against the disk and RAM; nothing done yet. */
static uint32_t check(const struct disk *d, const struct disk_req *r, uint64_t mem_size)
{
	if (r->op != DISK_OP_READ && r->op != DISK_OP_WRITE)
		return DISK_ST_BAD_OP;
	if (r->count == 0 || r->count > DISK_MAX_SECTORS)
		return DISK_ST_BAD_COUNT;
	if (r->sector > d->sectors || r->count > d->sectors - r->sector)
		return DISK_ST_BAD_SECTOR;
	if (!in_ram(r->addr, (uint64_t)r->count * DISK_SECTOR, mem_size))
		return DISK_ST_BAD_ADDR;
	return DISK_ST_OK;
}

/* The whole transfer or an error: a regular file is never short but at its end. */
static bool transfer(int fd, bool write, uint8_t *buf, size_t len, off_t pos)
{
	while (len) {
		ssize_t n = write ? pwrite(fd, buf, len, pos) : pread(fd, buf, len, pos);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		buf += n;
		len -= n;
		pos += n;
	}
	return true;
}

uint32_t disk_request(struct disk *d, uint8_t *mem, uint64_t mem_size, uint64_t req_gpa)
{
	struct disk_req r;
	uint32_t status;
	size_t len;

	if (!in_ram(req_gpa, sizeof(r), mem_size)) {
		ADD(d->errors, 1);
		return DISK_ST_BAD_ADDR;
	}
	/* One copy: what is checked is what is done, whatever the guest writes meanwhile. */
	memcpy(&r, mem + req_gpa, sizeof(r));
	if (r.op == DISK_OP_INFO) {
		ADD(d->infos, 1);
		memcpy(mem + req_gpa + offsetof(struct disk_req, sector), &d->sectors,
		       sizeof(d->sectors));
		status = DISK_ST_OK;
		goto out;
	}
	status = check(d, &r, mem_size);
	if (status != DISK_ST_OK)
		goto out;
	len = (size_t)r.count * DISK_SECTOR;
	if (!transfer(d->fd, r.op == DISK_OP_WRITE, mem + r.addr, len,
		      (off_t)(r.sector * DISK_SECTOR))) {
		status = DISK_ST_IO_ERROR;
		goto out;
	}
	if (r.op == DISK_OP_WRITE) {
		ADD(d->writes, 1);
		ADD(d->sectors_written, r.count);
	} else {
		ADD(d->reads, 1);
		ADD(d->sectors_read, r.count);
	}
out:
	if (status != DISK_ST_OK)
		ADD(d->errors, 1);
	memcpy(mem + req_gpa + offsetof(struct disk_req, status), &status, sizeof(status));
	return status;
}

bool disk_port(struct disk *d, uint8_t *mem, uint64_t mem_size, bool out, unsigned int size,
	       unsigned int count, uint8_t *data)
{
	uint32_t v;

	/* As for the hypercall port, string I/O of several elements is no request. */
	if (d->fd < 0 || size != 4 || count != 1)
		return false;
	if (out) {
		memcpy(&v, data, sizeof(v));
		disk_request(d, mem, mem_size, v);
	} else {
		v = DISK_SIGNATURE;
		memcpy(data, &v, sizeof(v));
	}
	return true;
}

void disk_stats_print(const struct disk *d)
{
	if (d->fd < 0)
		return;
	printf("stats: disk reads %lu writes %lu info %lu errors %lu sectors_read %llu "
	       "sectors_written %llu\n", d->reads, d->writes, d->infos, d->errors,
	       d->sectors_read, d->sectors_written);
}
