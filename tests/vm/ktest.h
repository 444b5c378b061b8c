/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reporting for the in-VM test programs: one line per check on stdout,
 * "KTEST PASS name" or "KTEST FAIL name: why (file:line)", which the
 * host parses out of the serial log.  ktest_exit() fails the process
 * when any check failed, so the runner notices even a lost line.
 */
#ifndef KVMINI_KTEST_H
#define KVMINI_KTEST_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int ktest_failures;
static const char *ktest_prefix = "";

static inline void ktest_set_prefix(const char *prefix)
{
	ktest_prefix = prefix;
}

static inline void ktest_pass(const char *name)
{
	printf("KTEST PASS %s%s\n", ktest_prefix, name);
	fflush(stdout);
}

__attribute__((format(printf, 4, 5)))
static inline void ktest_fail_at(const char *file, int line, const char *name,
				 const char *fmt, ...)
{
	va_list ap;

	printf("KTEST FAIL %s%s: ", ktest_prefix, name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" (%s:%d)\n", file, line);
	fflush(stdout);
	ktest_failures++;
}

#define ktest_fail(name, ...) ktest_fail_at(__FILE__, __LINE__, name, __VA_ARGS__)

/* A check whose failure message is the condition itself. */
#define KTEST_CHECK(name, cond) do {					\
	if (cond)							\
		ktest_pass(name);					\
	else								\
		ktest_fail(name, "expected %s", #cond);			\
} while (0)

/* An ioctl-like call that must fail with @want. */
#define KTEST_ERRNO(name, ret, want) do {				\
	long __r = (ret);						\
	int __e = errno;						\
	if (__r == -1 && __e == (want))					\
		ktest_pass(name);					\
	else								\
		ktest_fail(name, "returned %ld errno %s, expected %s",	\
			   __r, __r == -1 ? strerrorname_np(__e) : "-",	\
			   strerrorname_np(want));			\
} while (0)

/*
 * The arguments of a test program run as `PROGRAM DEVICE LABEL`: every
 * check's name gets "LABEL." in front, so that the runs on /dev/kvmini and
 * /dev/kvm report apart.  Return: DEVICE, or NULL after the usage line.
 */
static inline const char *ktest_args(int argc, char **argv)
{
	static char prefix[64];

	if (argc != 3) {
		fprintf(stderr, "usage: %s DEVICE LABEL\n", argv[0]);
		return NULL;
	}
	snprintf(prefix, sizeof(prefix), "%s.", argv[2]);
	ktest_set_prefix(prefix);
	return argv[1];
}

static inline int ktest_exit(void)
{
	return ktest_failures ? 1 : 0;
}

#endif
