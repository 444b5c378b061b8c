// SPDX-License-Identifier: GPL-2.0
/* The 8254's counter arithmetic (user/pit.c), at chosen times. */
#include "../../user/pit.h"
#include "unit.h"

#define MS	1000000ULL
#define T0	(5000 * MS)

/* The time of input tick @n after T0, rounded up as the PIT does. */
static uint64_t at(uint64_t n)
{
	return T0 + (n * 1000000000ULL + PIT_HZ - 1) / PIT_HZ;
}

static uint16_t latch(struct pit *pit, unsigned int c, uint64_t now)
{
	uint8_t lo, hi;

	pit_write(pit, 0x43, c << 6, now);
	lo = pit_read(pit, 0x40 + c, now);
	hi = pit_read(pit, 0x40 + c, now + 1000 * MS);	/* the latch holds */
	return lo | hi << 8;
}

int main(void)
{
	struct pit pit;
	uint64_t next;

	pit_init(&pit);
	/* Channel 0 periodic as Linux's i8253 clockevent: mode 2, 1193 (1 kHz). */
	pit_write(&pit, 0x43, 0x34, T0);
	pit_write(&pit, 0x40, 1193 & 0xff, T0);
	CHECK(pit_next_irq(&pit, T0) == 0, "no interrupt before both count bytes");
	pit_write(&pit, 0x40, 1193 >> 8, T0);
	CHECK(latch(&pit, 0, T0) == 1193, "the count starts at the reload value");
	CHECK(latch(&pit, 0, at(100)) == 1093, "100 ticks later it is 100 less");
	CHECK(latch(&pit, 0, at(1193 + 7)) == 1186, "mode 2 reloads after a period");
	next = pit_next_irq(&pit, T0);
	CHECK(next == at(1193), "the first interrupt is one period on");
	CHECK(!pit_irq_due(&pit, next - 1), "not due a nanosecond early");
	CHECK(pit_irq_due(&pit, next), "due on time");
	CHECK(!pit_irq_due(&pit, next), "and only once");
	CHECK(pit_next_irq(&pit, next) == at(2 * 1193), "the next one a period later");
	CHECK(pit_irq_due(&pit, at(10 * 1193 + 5)), "late by many periods: one interrupt");
	CHECK(pit_next_irq(&pit, 0) == at(11 * 1193), "and the next is the one after now");

	/* One-shot: mode 0, as the clockevent in oneshot mode. */
	pit_write(&pit, 0x43, 0x30, T0);
	pit_write(&pit, 0x40, 0x00, T0);
	pit_write(&pit, 0x40, 0x10, T0);	/* 4096 */
	CHECK(!pit_out(&pit, 0, at(4095)), "mode 0: OUT low while counting");
	CHECK(pit_out(&pit, 0, at(4096)), "and high at terminal count");
	CHECK(pit_next_irq(&pit, T0) == at(4096), "one interrupt at terminal count");
	CHECK(pit_irq_due(&pit, at(5000)), "due");
	CHECK(pit_next_irq(&pit, at(5000)) == 0, "and no more");
	CHECK(latch(&pit, 0, at(4096 + 10)) == (uint16_t)(0 - 10), "the counter wraps past 0");

	/* LSB-only and MSB-only access. */
	pit_write(&pit, 0x43, 0x14, T0);	/* ch0 LSB, mode 2 */
	pit_write(&pit, 0x40, 100, T0);
	CHECK(pit_read(&pit, 0x40, at(30)) == 70, "LSB access reads the low byte alone");
	pit_write(&pit, 0x43, 0x24, T0);	/* MSB, mode 2: reload 0x200 */
	pit_write(&pit, 0x40, 0x02, T0);
	CHECK(pit_read(&pit, 0x40, at(0x100)) == 0x01, "MSB access reads the high byte alone");

	/* A count of 0 is 65536. */
	pit_write(&pit, 0x43, 0x34, T0);
	pit_write(&pit, 0x40, 0, T0);
	pit_write(&pit, 0x40, 0, T0);
	CHECK(pit_next_irq(&pit, T0) == at(65536), "count 0 means 65536");

	/* Channel 2 and port 0x61, as Linux's pit_calibrate_tsc uses them. */
	pit_write(&pit, 0x61, 0x00, T0);
	pit_write(&pit, 0x61, 0x01, T0);	/* gate on, speaker off */
	pit_write(&pit, 0x43, 0xb0, T0);	/* ch2, LSB/MSB, mode 0 */
	pit_write(&pit, 0x42, 11932 & 0xff, T0);
	pit_write(&pit, 0x42, 11932 >> 8, T0);
	CHECK(!(pit_read(&pit, 0x61, at(11931)) & 0x20), "port 0x61 bit 5 low while counting");
	CHECK(pit_read(&pit, 0x61, at(11932)) & 0x20, "high at terminal count (10 ms)");
	CHECK(pit_read(&pit, 0x61, T0) & 0x01, "bit 0 reads the gate");
	/* quick_pit_calibrate: live reads, LSB then MSB, no latch. */
	pit_write(&pit, 0x42, 0xff, T0);
	pit_write(&pit, 0x42, 0xff, T0);
	pit_read(&pit, 0x42, at(256));
	CHECK(pit_read(&pit, 0x42, at(256)) == 0xfe, "the live MSB falls as time passes");
	/* Gate low stops channel 2. */
	pit_write(&pit, 0x61, 0x00, at(10));
	CHECK(latch(&pit, 2, at(20000)) == 0xffff, "with its gate low channel 2 does not count");

	/* Read-back: status of channel 0 (mode 2, LSB/MSB). */
	pit_write(&pit, 0x43, 0x34, T0);
	pit_write(&pit, 0x40, 0x10, T0);
	pit_write(&pit, 0x40, 0x00, T0);
	pit_write(&pit, 0x43, 0xe2, T0);	/* read-back status, ch0 */
	CHECK((pit_read(&pit, 0x40, T0) & 0x3f) == 0x34, "read-back status: access and mode");
	return unit_done("test_pit");
}
