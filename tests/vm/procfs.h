/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading and writing the small text files of /proc and /sys that the
 * memory tests look at (meminfo, smaps, THP and hugetlb settings,
 * kvmini's debugfs).
 */
#ifndef KVMINI_TESTS_PROCFS_H
#define KVMINI_TESTS_PROCFS_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

#endif
