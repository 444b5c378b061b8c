// SPDX-License-Identifier: GPL-2.0
/*
 * Error reporting and number parsing.  Every error is one line on stderr
 * starting "kvmini: ", so a test can grep for it whatever else was said.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>

#include "kvmini.h"

static void vsay(const char *fmt, va_list ap)
{
	/* Guest output first, so the error is the last thing seen. */
	console_flush();
	/* One line, even when another thread speaks at the same time. */
	flockfile(stderr);
	fputs("kvmini: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	funlockfile(stderr);
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
	exit(EXIT_SETUP);
}

void note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
}

/* Decimal or 0x-hex; with @suffixes, a K, M or G multiplier (binary). */
bool parse_u64(const char *s, uint64_t *out, bool suffixes)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	if (!*s || *s == '-')
		return false;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return false;
	if (suffixes && *end) {
		switch (*end) {
		case 'k': case 'K': shift = 10; break;
		case 'm': case 'M': shift = 20; break;
		case 'g': case 'G': shift = 30; break;
		default: return false;
		}
		end++;
	}
	if (*end)
		return false;
	if (shift && v > (~0ULL >> shift))
		return false;
	*out = v << shift;
	return true;
}
