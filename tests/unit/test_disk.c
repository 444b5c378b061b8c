// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of user/disk.c, the block device of `kvmini run --disk`:
 * requests as a hostile guest would make them (unknown ops, counts of 0
 * and too many, sectors past the end and sums that wrap, buffers and the
 * request itself at and past the end of RAM) get their status and leave
 * the file and RAM alone; good ones move the data both ways; the port
 * answers only its own accesses.  "RAM" is a heap block of exactly the
 * guest's size, so AddressSanitizer catches a byte read or written past it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../user/disk.h"
#include "unit.h"

#define SECTORS		64
#define RAM		(64 * 1024)
#define REQ		0x100		/* where the tests put their requests */

static char dir[] = "/tmp/kvmini-test-disk.XXXXXX";
static char path[256];
static uint8_t *ram;

static void make_file(const char *name, size_t size)
{
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, size) < 0) {
		perror(path);
		exit(2);
	}
	close(fd);
}

static uint32_t submit(struct disk *d, uint32_t op, uint32_t count, uint64_t sector,
		       uint64_t addr)
{
	struct disk_req r = { .op = op, .count = count, .sector = sector, .addr = addr,
			      .status = DISK_ST_PENDING };

	memcpy(ram + REQ, &r, sizeof(r));
	return disk_request(d, ram, RAM, REQ);
}

static uint32_t status_in_ram(void)
{
	struct disk_req r;

	memcpy(&r, ram + REQ, sizeof(r));
	return r.status;
}

/* The file's bytes at @sector equal @want for @len bytes. */
static bool file_has(const struct disk *d, uint64_t sector, const uint8_t *want, size_t len)
{
	uint8_t buf[4096];

	return len <= sizeof(buf) && pread(d->fd, buf, len, sector * DISK_SECTOR) == (ssize_t)len &&
	       !memcmp(buf, want, len);
}

static bool file_zero(const struct disk *d)
{
	static const uint8_t zero[DISK_SECTOR];
	uint64_t s;

	for (s = 0; s < d->sectors; s++)
		if (!file_has(d, s, zero, DISK_SECTOR))
			return false;
	return true;
}

static void test_open(void)
{
	struct disk d;
	int r;

	CHECK(disk_open(&d, NULL) == 0 && d.fd == -1, "open: no --disk, no disk");
	snprintf(path, sizeof(path), "%s/missing", dir);
	CHECK(disk_open(&d, path) == -ENOENT, "open: a missing file is ENOENT");
	r = disk_open(&d, dir);
	CHECK(r == -EISDIR || r == -EINVAL, "open: a directory is refused");
	snprintf(path, sizeof(path), "%s/fifo", dir);
	CHECK(mkfifo(path, 0600) == 0 && disk_open(&d, path) == -EINVAL && d.fd == -1,
	      "open: a FIFO is refused, without blocking");
	make_file("empty", 0);
	CHECK(disk_open(&d, path) == -EINVAL, "open: an empty file is refused");
	make_file("small", DISK_SECTOR - 1);
	CHECK(disk_open(&d, path) == -EINVAL, "open: 511 bytes is less than a sector");
	make_file("odd", 3 * DISK_SECTOR + 100);
	CHECK(disk_open(&d, path) == 0 && d.sectors == 3, "open: a partial last sector is left out");
	disk_close(&d);
	CHECK(d.fd == -1, "open: closed");
}

static void test_transfers(struct disk *d)
{
	uint8_t data[2 * DISK_SECTOR];
	unsigned int i;
	uint64_t size;

	for (i = 0; i < sizeof(data); i++)
		data[i] = i * 7 + 1;
	memcpy(ram + 0x1000, data, sizeof(data));
	CHECK(submit(d, DISK_OP_WRITE, 2, 10, 0x1000) == DISK_ST_OK &&
	      status_in_ram() == DISK_ST_OK, "write: two sectors from RAM, status in the request");
	CHECK(file_has(d, 10, data, sizeof(data)), "write: the file holds them at sector 10");
	memset(ram + 0x2000, 0, sizeof(data));
	CHECK(submit(d, DISK_OP_READ, 2, 10, 0x2000) == DISK_ST_OK &&
	      !memcmp(ram + 0x2000, data, sizeof(data)), "read: the same bytes back into RAM");
	CHECK(submit(d, DISK_OP_WRITE, 1, SECTORS - 1, RAM - DISK_SECTOR) == DISK_ST_OK,
	      "write: the last sector, from the last bytes of RAM");
	CHECK(submit(d, DISK_OP_READ, DISK_MAX_SECTORS > SECTORS ? SECTORS : DISK_MAX_SECTORS,
		     0, RAM - SECTORS * DISK_SECTOR) == DISK_ST_OK,
	      "read: the whole disk, up to the end of RAM");
	CHECK(submit(d, DISK_OP_INFO, 0, 0, 0) == DISK_ST_OK, "info: ok");
	memcpy(&size, ram + REQ + 8, sizeof(size));
	CHECK(size == SECTORS, "info: the size in sectors, in the request's sector field");
	CHECK(d->writes == 2 && d->reads == 2 && d->infos == 1 && d->sectors_written == 3 &&
	      d->sectors_read == 2 + SECTORS && d->errors == 0, "counters: what was done");
}

static void test_hostile(struct disk *d)
{
	uint8_t tail[32];
	unsigned long errors = d->errors;

	CHECK(submit(d, 0, 1, 0, 0x1000) == DISK_ST_BAD_OP, "hostile: op 0");
	CHECK(submit(d, 4, 1, 0, 0x1000) == DISK_ST_BAD_OP, "hostile: op 4");
	CHECK(submit(d, 0xffffffff, 1, 0, 0x1000) == DISK_ST_BAD_OP &&
	      status_in_ram() == DISK_ST_BAD_OP, "hostile: op ~0, status written back");
	CHECK(submit(d, DISK_OP_WRITE, 0, 0, 0x1000) == DISK_ST_BAD_COUNT, "hostile: count 0");
	CHECK(submit(d, DISK_OP_READ, DISK_MAX_SECTORS + 1, 0, 0x1000) == DISK_ST_BAD_COUNT,
	      "hostile: count above DISK_MAX_SECTORS");
	CHECK(submit(d, DISK_OP_READ, 0xffffffff, 0, 0x1000) == DISK_ST_BAD_COUNT,
	      "hostile: count ~0");
	CHECK(submit(d, DISK_OP_WRITE, 1, SECTORS, 0x1000) == DISK_ST_BAD_SECTOR,
	      "hostile: the sector just past the end");
	CHECK(submit(d, DISK_OP_WRITE, 2, SECTORS - 1, 0x1000) == DISK_ST_BAD_SECTOR,
	      "hostile: the last sector and one past it");
	CHECK(submit(d, DISK_OP_WRITE, 2, ~0ULL, 0x1000) == DISK_ST_BAD_SECTOR,
	      "hostile: sector ~0 (sector + count wraps)");
	CHECK(submit(d, DISK_OP_READ, 1, 1ULL << 55, 0x1000) == DISK_ST_BAD_SECTOR,
	      "hostile: a sector whose byte offset overflows 64 bits");
	CHECK(submit(d, DISK_OP_READ, 1, 0, RAM - DISK_SECTOR + 1) == DISK_ST_BAD_ADDR,
	      "hostile: a buffer one byte past the end of RAM");
	CHECK(submit(d, DISK_OP_READ, 1, 0, RAM) == DISK_ST_BAD_ADDR,
	      "hostile: a buffer at the end of RAM");
	CHECK(submit(d, DISK_OP_WRITE, 8, 0, ~0ULL - 1023) == DISK_ST_BAD_ADDR,
	      "hostile: a buffer whose end wraps around 2^64");
	CHECK(submit(d, DISK_OP_WRITE, 1, 0, 1ULL << 63) == DISK_ST_BAD_ADDR,
	      "hostile: a buffer far above RAM");
	CHECK(d->errors == errors + 14, "hostile: each counted as an error");
	CHECK(d->reads == 2 && d->writes == 2, "hostile: none counted as done");

	memcpy(tail, ram + RAM - sizeof(tail), sizeof(tail));
	CHECK(disk_request(d, ram, RAM, RAM - sizeof(struct disk_req) + 1) == DISK_ST_BAD_ADDR &&
	      !memcmp(tail, ram + RAM - sizeof(tail), sizeof(tail)),
	      "hostile: a request crossing the end of RAM is left alone");
	CHECK(disk_request(d, ram, RAM, RAM) == DISK_ST_BAD_ADDR,
	      "hostile: a request at the end of RAM");
	CHECK(disk_request(d, ram, RAM, ~0ULL - 7) == DISK_ST_BAD_ADDR,
	      "hostile: a request whose end wraps around 2^64");
	{
		struct disk_req r = { .op = DISK_OP_INFO };

		memcpy(ram + RAM - sizeof(r), &r, sizeof(r));
		CHECK(disk_request(d, ram, RAM, RAM - sizeof(r)) == DISK_ST_OK,
		      "edge: a request in the last 32 bytes of RAM is carried out");
	}

	/* The file shrank behind the disk's back: a read past its new end. */
	CHECK(ftruncate(d->fd, 16 * DISK_SECTOR) == 0 &&
	      submit(d, DISK_OP_READ, 1, 32, 0x1000) == DISK_ST_IO_ERROR,
	      "hostile: a read past the file's real end is an I/O error");
}

static void test_untouched(void)
{
	struct disk d;

	make_file("untouched", SECTORS * DISK_SECTOR);
	if (disk_open(&d, path)) {
		CHECK(0, "untouched: open");
		return;
	}
	memset(ram, 0x5a, RAM);
	submit(&d, 0, 1, 0, 0);
	submit(&d, DISK_OP_WRITE, 0, 0, 0);
	submit(&d, DISK_OP_WRITE, 2, SECTORS - 1, 0);
	submit(&d, DISK_OP_WRITE, 1, 0, RAM - 1);
	CHECK(file_zero(&d), "untouched: refused writes leave the file as it was");
	submit(&d, DISK_OP_READ, 2, SECTORS - 1, 0x1000);
	submit(&d, DISK_OP_READ, 8, 0, RAM - 8 * DISK_SECTOR + 1);
	{
		bool same = true;
		unsigned int i;

		for (i = 0; i < RAM; i++)
			if ((i < REQ || i >= REQ + sizeof(struct disk_req)) && ram[i] != 0x5a)
				same = false;
		CHECK(same, "untouched: refused reads leave RAM as it was, but for the status");
	}
	disk_close(&d);
}

static void test_port(struct disk *d)
{
	struct disk none;
	uint8_t data[8];
	uint32_t v;

	memset(data, 0, sizeof(data));
	CHECK(disk_port(d, ram, RAM, false, 4, 1, data) && !memcmp(data, "KVMd", 4),
	      "port: a 4-byte IN reads \"KVMd\"");
	CHECK(!disk_port(d, ram, RAM, false, 1, 1, data), "port: a 1-byte IN is not the disk's");
	CHECK(!disk_port(d, ram, RAM, false, 4, 2, data), "port: rep insl is not the disk's");
	v = REQ;
	memcpy(data, &v, 4);
	submit(d, DISK_OP_INFO, 0, 0, 0);
	memset(ram + REQ + 8, 0, 8);
	CHECK(disk_port(d, ram, RAM, true, 4, 1, data) && ram[REQ + 8] == SECTORS,
	      "port: a 4-byte OUT of the request's GPA carries it out");
	CHECK(!disk_port(d, ram, RAM, true, 2, 1, data), "port: a 2-byte OUT is not the disk's");
	v = 0xfffffff0;
	memcpy(data, &v, 4);
	CHECK(disk_port(d, ram, RAM, true, 4, 1, data), "port: a request GPA outside RAM: handled");
	disk_open(&none, NULL);
	CHECK(!disk_port(&none, ram, RAM, false, 4, 1, data), "port: unbacked without --disk");
}

int main(void)
{
	struct disk d;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 2;
	}
	ram = calloc(1, RAM);
	if (!ram)
		return 2;
	test_open();
	make_file("disk", SECTORS * DISK_SECTOR);
	if (disk_open(&d, path) == 0) {
		test_transfers(&d);
		test_port(&d);
		test_hostile(&d);
		disk_close(&d);
	} else {
		CHECK(0, "open: a 64-sector file");
	}
	test_untouched();
	free(ram);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	return unit_done("test_disk");
}
