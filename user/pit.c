// SPDX-License-Identifier: GPL-2.0
/*
 * The 8254 (pit.h), counting from the host's clock: a channel's counter
 * is not stored but computed from the time its count was loaded.  Modes 0
 * and 4 (and the gate-triggered 1 and 5, treated alike) count down once
 * and wrap; 2 and 3 are periodic.  Channel 2's gate is port 0x61 bit 0
 * (a rising edge restarts the count) and its OUT is bit 5, which is what
 * Linux's PIT calibration polls.  Counter latch and read-back commands
 * work; BCD counting does not (Linux never asks for it).
 * Intel 82C54 datasheet (231244).
 */
#include <string.h>

#include "pit.h"

#define NSEC_PER_SEC	1000000000ULL

void pit_init(struct pit *pit)
{
	unsigned int i;

	memset(pit, 0, sizeof(*pit));
	for (i = 0; i < 3; i++) {
		pit->ch[i].access = 3;
		pit->ch[i].reload = 65536;
		pit->ch[i].gate = i != 2;	/* channels 0 and 1 are gated on */
	}
}

/* Input clock ticks since the count was loaded. */
static uint64_t elapsed(const struct pit_channel *ch, uint64_t now)
{
	if (!ch->counting || !ch->gate || now <= ch->start_ns)
		return 0;
	return (uint64_t)((unsigned __int128)(now - ch->start_ns) * PIT_HZ / NSEC_PER_SEC);
}

/* The time of input tick @n after the load, rounded up to a whole ns. */
static uint64_t tick_time(const struct pit_channel *ch, uint64_t n)
{
	return ch->start_ns +
	       (uint64_t)(((unsigned __int128)n * NSEC_PER_SEC + PIT_HZ - 1) / PIT_HZ);
}

static bool periodic(const struct pit_channel *ch)
{
	return ch->mode == 2 || ch->mode == 3;
}

uint16_t pit_count(const struct pit *pit, unsigned int c, uint64_t now)
{
	const struct pit_channel *ch = &pit->ch[c];
	uint64_t t = elapsed(ch, now);

	if (!ch->counting)
		return 0;
	if (!periodic(ch))
		return (uint16_t)(ch->reload - t);	/* wraps after 0, as the chip does */
	if (ch->mode == 3)	/* square wave: by twos, twice a period */
		return (uint16_t)(ch->reload - (2 * t) % ch->reload);
	return (uint16_t)(ch->reload - t % ch->reload);
}

bool pit_out(const struct pit *pit, unsigned int c, uint64_t now)
{
	const struct pit_channel *ch = &pit->ch[c];
	uint64_t t = elapsed(ch, now);

	if (!ch->counting)
		return ch->mode != 0;	/* mode 0 starts low, the others high */
	switch (ch->mode) {
	case 0:
	case 1:
		return t >= ch->reload;
	case 2:	/* low for the one tick before each reload */
		return t % ch->reload != ch->reload - 1;
	case 3:
		return t % ch->reload < (ch->reload + 1) / 2;
	default:	/* 4, 5: a one-tick strobe at terminal count */
		return t != ch->reload;
	}
}

uint64_t pit_next_irq(const struct pit *pit, uint64_t now)
{
	const struct pit_channel *ch = &pit->ch[0];

	(void)now;
	if (!ch->counting || !ch->gate)
		return 0;
	if (!periodic(ch))
		return ch->fired ? 0 : tick_time(ch, ch->reload);
	return tick_time(ch, (ch->fired + 1) * ch->reload);
}

bool pit_irq_due(struct pit *pit, uint64_t now)
{
	struct pit_channel *ch = &pit->ch[0];
	uint64_t next = pit_next_irq(pit, now);

	if (!next || now < next)
		return false;
	ch->fired = periodic(ch) ? elapsed(ch, now) / ch->reload : 1;
	return true;
}

static void load(struct pit_channel *ch, uint32_t count, uint64_t now)
{
	ch->reload = count ? count : 65536;
	ch->start_ns = now;
	ch->fired = 0;
	ch->counting = true;
}

static void control(struct pit *pit, uint8_t val, uint64_t now)
{
	unsigned int c = val >> 6, i;
	struct pit_channel *ch;

	if (c == 3) {	/* read-back: bits 1-3 select, bit 5 clear latches count, bit 4 status */
		for (i = 0; i < 3; i++) {
			ch = &pit->ch[i];
			if (!(val & (2u << i)))
				continue;
			if (!(val & 0x20) && !ch->latched) {
				ch->latch = pit_count(pit, i, now);
				ch->latched = true;
				ch->latch_msb = false;
			}
			if (!(val & 0x10) && !ch->status_latched) {
				ch->status = (pit_out(pit, i, now) << 7) | (!ch->counting << 6) |
					     (ch->access << 4) | (ch->mode << 1) | ch->bcd;
				ch->status_latched = true;
			}
		}
		return;
	}
	ch = &pit->ch[c];
	if (!(val & 0x30)) {	/* counter latch */
		if (!ch->latched) {
			ch->latch = pit_count(pit, c, now);
			ch->latched = true;
			ch->latch_msb = false;
		}
		return;
	}
	ch->access = (val >> 4) & 3;
	ch->mode = (val >> 1) & 7;
	if (ch->mode > 5)
		ch->mode -= 4;	/* 6 and 7 are 2 and 3 */
	ch->bcd = val & 1;
	ch->counting = false;
	ch->write_msb = ch->read_msb = false;
	ch->latched = ch->status_latched = false;
}

static void write_count(struct pit_channel *ch, uint8_t val, uint64_t now)
{
	switch (ch->access) {
	case 1:
		load(ch, val, now);
		break;
	case 2:
		load(ch, (uint32_t)val << 8, now);
		break;
	default:
		if (!ch->write_msb) {
			ch->write_lsb = val;
			ch->write_msb = true;
			if (ch->mode == 0)	/* writing the LSB stops a mode 0 count */
				ch->counting = false;
		} else {
			ch->write_msb = false;
			load(ch, ch->write_lsb | ((uint32_t)val << 8), now);
		}
	}
}

static uint8_t read_count(struct pit *pit, unsigned int c, uint64_t now)
{
	struct pit_channel *ch = &pit->ch[c];
	uint16_t v;
	bool msb;

	if (ch->status_latched) {
		ch->status_latched = false;
		return ch->status;
	}
	if (ch->latched) {
		v = ch->latch;
		msb = ch->access == 2 || (ch->access == 3 && ch->latch_msb);
		if (ch->access == 3 && !ch->latch_msb)
			ch->latch_msb = true;
		else
			ch->latched = false;
		return msb ? v >> 8 : v & 0xff;
	}
	v = pit_count(pit, c, now);
	msb = ch->access == 2 || (ch->access == 3 && ch->read_msb);
	if (ch->access == 3)
		ch->read_msb = !ch->read_msb;
	return msb ? v >> 8 : v & 0xff;
}

void pit_write(struct pit *pit, uint16_t port, uint8_t val, uint64_t now)
{
	struct pit_channel *ch2 = &pit->ch[2];

	if (port == 0x43) {
		control(pit, val, now);
	} else if (port == 0x61) {
		bool gate = val & 1;

		if (gate && !ch2->gate && ch2->counting) {
			ch2->start_ns = now;	/* a rising gate restarts the count */
			ch2->fired = 0;
		}
		ch2->gate = gate;
		pit->speaker = val & 2;
	} else if (port >= 0x40 && port <= 0x42) {
		write_count(&pit->ch[port - 0x40], val, now);
	}
}

uint8_t pit_read(struct pit *pit, uint16_t port, uint64_t now)
{
	if (port == 0x61) {
		pit->refresh = !pit->refresh;
		return pit->ch[2].gate | (pit->speaker << 1) | (pit->refresh << 4) |
		       (pit_out(pit, 2, now) << 5);
	}
	if (port >= 0x40 && port <= 0x42)
		return read_count(pit, port - 0x40, now);
	return 0xff;	/* the control word cannot be read */
}
