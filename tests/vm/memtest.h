/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the memory tests (ept2m, pageable) share: the small text files of
 * /proc and /sys they read and write (meminfo, smaps, THP and hugetlb
 * settings, kvmini's debugfs), and 2 MiB-aligned anonymous memory.
 */
#ifndef KVMINI_TESTS_MEMTEST_H
#define KVMINI_TESTS_MEMTEST_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#define MEMTEST_2M	(2UL << 20)

/* A number after @key on the first line of @path that starts with it, or -1. */
static inline long file_value(const char *path, const char *key)
{
	char line[256];
	long val = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key))) {
			val = strtol(line + strlen(key), NULL, 10);
			break;
		}
	fclose(f);
	return val;
}

static inline int file_write(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

static inline int file_write_long(const char *path, long val)
{
	char num[32];

	snprintf(num, sizeof(num), "%ld", val);
	return file_write(path, num);
}

/* The "@key N kB" of the mapping holding @addr in /proc/self/smaps, or -1. */
static inline long smaps_kb(const void *addr, const char *key)
{
	unsigned long start, end, a = (unsigned long)addr;
	int inside = 0;
	char line[512];
	long kb = -1;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2) {
			if (inside)
				break;
			inside = a >= start && a < end;
		} else if (inside && !strncmp(line, key, strlen(key))) {
			kb = strtol(line + strlen(key), NULL, 10);
			break;
		}
	}
	fclose(f);
	return kb;
}

/* @size of private anonymous memory, 2 MiB aligned (the rest unmapped), or MAP_FAILED. */
static inline unsigned char *mmap_2m_aligned(size_t size)
{
	unsigned char *p = mmap(NULL, size + MEMTEST_2M, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned long head;

	if (p == MAP_FAILED)
		return p;
	head = (MEMTEST_2M - (unsigned long)p % MEMTEST_2M) % MEMTEST_2M;
	if (head)
		munmap(p, head);
	munmap(p + head + size, MEMTEST_2M - head);
	return p + head;
}

#endif
