// SPDX-License-Identifier: GPL-2.0
/*
 * The RTC (cmos.h).  Registers 0-9 and the century (0x32) come from the
 * host's clock in the format register B asks for (BCD or binary, 24 or
 * 12 hours); register A never shows an update in progress, D says the
 * battery is good; writes to the clock are ignored, the rest of the CMOS
 * keeps what is written.  No alarm or periodic interrupt.
 */
#include <string.h>

#include "cmos.h"

#define REG_A		0x0a
#define REG_B		0x0b
#define REG_C		0x0c
#define REG_D		0x0d
#define REG_CENTURY	0x32
#define B_BINARY	0x04
#define B_24H		0x02

void cmos_init(struct cmos *c)
{
	memset(c, 0, sizeof(*c));
	c->ram[REG_A] = 0x26;	/* 32.768 kHz base, 1024 Hz rate */
	c->ram[REG_B] = B_24H;
	c->ram[REG_D] = 0x80;	/* valid RAM and time */
}

void cmos_write(struct cmos *c, uint16_t port, uint8_t val)
{
	if (port == 0x70) {
		c->index = val & 0x7f;
		return;
	}
	if (c->index <= 9 || c->index == REG_C || c->index == REG_D ||
	    c->index == REG_CENTURY)
		return;
	c->ram[c->index] = c->index == REG_A ? val & 0x7f : val;
}

static uint8_t fmt(const struct cmos *c, unsigned int v)
{
	return c->ram[REG_B] & B_BINARY ? v : ((v / 10) << 4) | (v % 10);
}

uint8_t cmos_read(struct cmos *c, uint16_t port, time_t now)
{
	struct tm tm;
	unsigned int h;

	if (port == 0x70)
		return 0xff;	/* the index register is write-only */
	gmtime_r(&now, &tm);
	switch (c->index) {
	case 0x00: return fmt(c, tm.tm_sec);
	case 0x02: return fmt(c, tm.tm_min);
	case 0x04:
		if (c->ram[REG_B] & B_24H)
			return fmt(c, tm.tm_hour);
		h = tm.tm_hour % 12 ? tm.tm_hour % 12 : 12;
		return fmt(c, h) | (tm.tm_hour >= 12 ? 0x80 : 0);
	case 0x06: return fmt(c, tm.tm_wday + 1);
	case 0x07: return fmt(c, tm.tm_mday);
	case 0x08: return fmt(c, tm.tm_mon + 1);
	case 0x09: return fmt(c, tm.tm_year % 100);
	case REG_CENTURY: return fmt(c, (tm.tm_year + 1900) / 100);
	case REG_C: return 0;	/* no interrupt flags */
	default: return c->ram[c->index];
	}
}
