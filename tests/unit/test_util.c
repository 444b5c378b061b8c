// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of user/util.c's number parsers: sizes with K/M/G, and the
 * --timeout seconds with up to three decimals, both ways.
 */
#include <stdint.h>
#include <string.h>

#include "../../user/kvmini.h"
#include "unit.h"

/* What util.c uses from the rest of the tool. */
void console_flush(void)
{
}

static bool ms_is(const char *s, uint64_t want)
{
	uint64_t got = ~0ULL;

	return parse_ms(s, &got) && got == want;
}

static bool ms_bad(const char *s)
{
	uint64_t got = 12345;

	return !parse_ms(s, &got) && got == 12345;
}

static bool formats(uint64_t ms, const char *want)
{
	char buf[32];

	format_ms(buf, sizeof(buf), ms);
	return !strcmp(buf, want);
}

int main(void)
{
	uint64_t v = 0;

	CHECK(ms_is("2", 2000), "parse_ms: whole seconds");
	CHECK(ms_is("0.25", 250), "parse_ms: two decimals");
	CHECK(ms_is("1.5", 1500), "parse_ms: one decimal");
	CHECK(ms_is("0.001", 1), "parse_ms: a millisecond");
	CHECK(ms_is("86400", 86400000), "parse_ms: a day");
	CHECK(ms_is("0", 0), "parse_ms: zero parses (the caller refuses it)");
	CHECK(ms_bad(""), "parse_ms: empty");
	CHECK(ms_bad("."), "parse_ms: a bare point");
	CHECK(ms_bad(".5"), "parse_ms: no whole part");
	CHECK(ms_bad("1."), "parse_ms: no decimals after the point");
	CHECK(ms_bad("0.0001"), "parse_ms: four decimals");
	CHECK(ms_bad("-1"), "parse_ms: negative");
	CHECK(ms_bad("1s"), "parse_ms: a unit");
	CHECK(ms_bad("0x10"), "parse_ms: hex");
	CHECK(ms_bad("99999999999999999999"), "parse_ms: overflow");

	CHECK(formats(2000, "2"), "format_ms: whole seconds");
	CHECK(formats(250, "0.25"), "format_ms: trailing zero dropped");
	CHECK(formats(1, "0.001"), "format_ms: a millisecond");
	CHECK(formats(1500, "1.5"), "format_ms: one decimal");
	CHECK(formats(0, "0"), "format_ms: zero");

	CHECK(parse_u64("16M", &v, true) && v == 16ULL << 20, "parse_u64: M suffix");
	CHECK(parse_u64("0x1000", &v, false) && v == 0x1000, "parse_u64: hex");
	CHECK(!parse_u64("16M", &v, false), "parse_u64: suffix refused without suffixes");
	CHECK(!parse_u64("-1", &v, false), "parse_u64: negative");
	CHECK(!parse_u64("17179869184G", &v, true), "parse_u64: shift overflow");
	return unit_done("test_util");
}
