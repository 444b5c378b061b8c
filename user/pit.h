/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The 8254 timer: three channels at ports 0x40-0x42, the control word at
 * 0x43, and port 0x61's gate and output bits of channel 2.  Pure state:
 * the time (nanoseconds, any monotonic origin) is an argument of every
 * call, so the counter arithmetic can be tested; pc.c holds the lock and
 * turns channel 0's deadlines into IRQ0.
 */
#ifndef KVMINI_PIT_H
#define KVMINI_PIT_H

#include <stdbool.h>
#include <stdint.h>

#define PIT_HZ		1193182ULL

struct pit_channel {
	uint8_t mode;		/* 0-5 */
	uint8_t access;		/* 1 LSB, 2 MSB, 3 LSB then MSB */
	bool bcd;		/* kept for the status byte; counts stay binary */
	bool counting;		/* a count was written since the mode */
	bool gate;
	uint32_t reload;	/* 1-65536 */
	uint64_t start_ns;	/* when the count was loaded */
	uint64_t fired;		/* periods already signalled (channel 0) */
	bool write_msb, read_msb;	/* access 3: which byte comes next */
	uint8_t write_lsb;
	bool latched, status_latched;
	uint16_t latch;
	uint8_t status;
	bool latch_msb;		/* access 3: the latch's MSB is next */
};

struct pit {
	struct pit_channel ch[3];
	bool speaker;		/* port 0x61 bit 1 */
	bool refresh;		/* port 0x61 bit 4, toggled on each read */
};

void pit_init(struct pit *pit);
void pit_write(struct pit *pit, uint16_t port, uint8_t val, uint64_t now);
uint8_t pit_read(struct pit *pit, uint16_t port, uint64_t now);
/* Channel @c's counter at @now, as a latch would take it. */
uint16_t pit_count(const struct pit *pit, unsigned int c, uint64_t now);
/* Channel @c's OUT pin at @now. */
bool pit_out(const struct pit *pit, unsigned int c, uint64_t now);
/*
 * Channel 0: when its next interrupt is due (0: none).  pit_irq_due()
 * says whether one is due at @now and consumes it (periods missed while
 * late count as one).
 */
uint64_t pit_next_irq(const struct pit *pit, uint64_t now);
bool pit_irq_due(struct pit *pit, uint64_t now);

#endif
