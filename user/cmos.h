/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The MC146818 RTC and CMOS at ports 0x70 (index; bit 7 masks NMI) and
 * 0x71 (data), its clock reading the host's time (UTC).  Pure state; the
 * time is an argument.
 */
#ifndef KVMINI_CMOS_H
#define KVMINI_CMOS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct cmos {
	uint8_t index;
	uint8_t ram[128];
};

void cmos_init(struct cmos *c);
void cmos_write(struct cmos *c, uint16_t port, uint8_t val);
uint8_t cmos_read(struct cmos *c, uint16_t port, time_t now);

#endif
