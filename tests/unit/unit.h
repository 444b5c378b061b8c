/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tiny harness for host-side unit tests: each CHECK prints one line,
 * "ok" or "FAIL file:line", and main() returns the failure count so the
 * runner (run.sh) can add them up.
 */
#ifndef KVMINI_UNIT_H
#define KVMINI_UNIT_H

#include <stdio.h>

static int unit_passed, unit_failed;

#define CHECK(cond, what) do {						\
	if (cond) {							\
		unit_passed++;						\
		printf("ok   %s\n", what);				\
	} else {							\
		unit_failed++;						\
		printf("FAIL %s (%s:%d: %s)\n", what, __FILE__,		\
		       __LINE__, #cond);				\
	}								\
} while (0)

/* Prints the counts in a form run.sh parses, and fails the process on any failure. */
static inline int unit_done(const char *name)
{
	printf("%s: %d passed, %d failed\n", name, unit_passed, unit_failed);
	return unit_failed ? 1 : 0;
}

#endif
