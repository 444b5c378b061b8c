// SPDX-License-Identifier: GPL-2.0
/*
 * Error reporting, number parsing and whole preads.  Every error is one line on stderr
 * starting "kvmini: ", so a test can grep for it whatever else was said.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

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

void verdict_fail(struct verdict *v, bool at_rip, const char *fmt, ...)
{
	va_list ap;

	v->kind = VERDICT_FAILED;
	v->at_rip = at_rip;
	va_start(ap, fmt);
	vsnprintf(v->why, sizeof(v->why), fmt, ap);
	va_end(ap);
}

void command_help(const struct command *cmd, FILE *f)
{
	fprintf(f, "usage: kvmini %s\n\n", cmd->synopsis);
	cmd->help(f);
}

/* All of @len bytes at @pos, or false. */
bool pread_all(int fd, void *buf, size_t len, uint64_t pos)
{
	return pread(fd, buf, len, pos) == (ssize_t)len;
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

/*
 * Seconds with up to three decimals ("2", "0.25") in milliseconds, as
 * timeout(1) takes them: a runaway guest in an emulator may be worth
 * stopping well before a whole second.
 */
bool parse_ms(const char *s, uint64_t *ms)
{
	uint64_t whole = 0, frac = 0;
	unsigned int digits = 0, decimals = 0;

	for (; *s >= '0' && *s <= '9'; s++, digits++) {
		if (whole > (UINT64_MAX - 9) / 10 / 1000)
			return false;
		whole = whole * 10 + (*s - '0');
	}
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++, decimals++) {
			if (decimals == 3)
				return false;
			frac = frac * 10 + (*s - '0');
		}
		if (!decimals)
			return false;
	}
	if (*s || !digits)
		return false;
	while (decimals++ < 3)
		frac *= 10;
	*ms = whole * 1000 + frac;
	return true;
}

/* Milliseconds as parse_ms() reads them: "2", "0.25". */
void format_ms(char *buf, size_t size, uint64_t ms)
{
	int n = snprintf(buf, size, "%llu.%03llu", (unsigned long long)(ms / 1000),
			 (unsigned long long)(ms % 1000));

	/* Trailing zeros, then a bare point, go. */
	while (n > 0 && (size_t)n < size && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n > 0 && (size_t)n < size && buf[n - 1] == '.')
		buf[--n] = '\0';
}
