/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A pair of 8259A interrupt controllers as a PC wires them: the slave's
 * output on the master's IRQ2, ports 0x20/0x21 and 0xa0/0xa1, the ELCR at
 * 0x4d0/0x4d1.  Pure state: no locks, no time; the machine (pc.c) holds
 * its lock around every call.
 */
#ifndef KVMINI_PIC_H
#define KVMINI_PIC_H

#include <stdbool.h>
#include <stdint.h>

struct pic_chip {
	uint8_t irr, isr, imr;
	uint8_t lines;		/* the input levels last seen (edge detection) */
	uint8_t elcr;		/* 1: level-triggered input */
	uint8_t base;		/* ICW2: the vector of IRQ0 */
	uint8_t init_step;	/* 0 ready, else the ICW expected next (2, 3, 4) */
	uint8_t lowest;		/* rotation: the IRQ with the lowest priority */
	bool need_icw4, single, auto_eoi, rotate_on_aeoi;
	bool read_isr, poll, special_mask;
};

struct pic {
	struct pic_chip chip[2];	/* master, slave */
};

void pic_init(struct pic *pic);
/* Input line @irq (0-15) is now at @level. */
void pic_set_irq(struct pic *pic, unsigned int irq, bool level);
/* The master's INTR output: an interrupt waits for the CPU. */
bool pic_output(const struct pic *pic);
/* The CPU's INTA cycle: the vector to deliver (a spurious IRQ7/15 when none). */
uint8_t pic_intack(struct pic *pic);
void pic_write(struct pic *pic, uint16_t port, uint8_t val);
uint8_t pic_read(struct pic *pic, uint16_t port);

#endif
