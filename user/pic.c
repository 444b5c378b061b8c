// SPDX-License-Identifier: GPL-2.0
/*
 * The 8259A pair (pic.h): ICW1-4, OCW1 (the mask, which reads back: Linux
 * checks that, or falls back to a "NULL legacy PIC"), OCW2 (specific and
 * non-specific EOI, rotation), OCW3 (IRR/ISR reads, poll, special mask),
 * edge- and level-triggered inputs (ELCR), auto-EOI.  Priorities run from
 * the IRQ after `lowest` round to `lowest` itself (IRQ0 first after a
 * reset).  The cascade is the master's IRQ2 following the slave's output.
 * Intel 8259A datasheet (231468); the PC's port map.
 */
#include <string.h>

#include "pic.h"

#define ICW1		0x10
#define ICW1_IC4	0x01
#define ICW1_SNGL	0x02
#define OCW3		0x08
#define ICW4_AEOI	0x02

/* The priority rank of the first set bit of @mask (0 highest), 8 when none. */
static unsigned int rank(const struct pic_chip *c, uint8_t mask)
{
	unsigned int i;

	for (i = 0; i < 8; i++)
		if (mask & (1u << ((c->lowest + 1 + i) & 7)))
			return i;
	return 8;
}

static unsigned int irq_of_rank(const struct pic_chip *c, unsigned int r)
{
	return (c->lowest + 1 + r) & 7;
}

/* The IRQ the chip would deliver now, or -1. */
static int chip_pending(const struct pic_chip *c)
{
	unsigned int want = rank(c, c->irr & ~c->imr);
	uint8_t isr = c->isr;

	if (want == 8)
		return -1;
	/* Special mask mode: masked in-service levels do not block the others. */
	if (c->special_mask)
		isr &= ~c->imr;
	if (want < rank(c, isr))
		return irq_of_rank(c, want);
	return -1;
}

static void chip_set_line(struct pic_chip *c, unsigned int irq, bool level)
{
	uint8_t bit = 1u << irq;

	if (c->elcr & bit) {
		if (level)
			c->irr |= bit;
		else
			c->irr &= ~bit;
	} else if (level && !(c->lines & bit)) {
		c->irr |= bit;
	}
	if (level)
		c->lines |= bit;
	else
		c->lines &= ~bit;
}

/* The slave's output onto the master's IRQ2. */
static void cascade(struct pic *pic)
{
	chip_set_line(&pic->chip[0], 2, chip_pending(&pic->chip[1]) >= 0);
}

void pic_init(struct pic *pic)
{
	memset(pic, 0, sizeof(*pic));
	pic->chip[0].lowest = pic->chip[1].lowest = 7;
}

void pic_set_irq(struct pic *pic, unsigned int irq, bool level)
{
	if (irq > 15)
		return;
	chip_set_line(&pic->chip[irq >> 3], irq & 7, level);
	cascade(pic);
}

bool pic_output(const struct pic *pic)
{
	return chip_pending(&pic->chip[0]) >= 0;
}

/* Acknowledge @irq on @c: in service unless auto-EOI; an edge is consumed. */
static void chip_ack(struct pic_chip *c, unsigned int irq)
{
	uint8_t bit = 1u << irq;

	if (!(c->elcr & bit))
		c->irr &= ~bit;
	if (!c->auto_eoi)
		c->isr |= bit;
	else if (c->rotate_on_aeoi)
		c->lowest = irq;
}

uint8_t pic_intack(struct pic *pic)
{
	struct pic_chip *m = &pic->chip[0], *s = &pic->chip[1];
	int irq = chip_pending(m), sirq;
	uint8_t vector;

	if (irq < 0)
		return m->base | 7;	/* spurious: no in-service bit set */
	chip_ack(m, irq);
	if (irq != 2 || m->single) {
		vector = m->base + irq;
	} else {
		sirq = chip_pending(s);
		if (sirq < 0) {
			vector = s->base | 7;
		} else {
			chip_ack(s, sirq);
			vector = s->base + sirq;
		}
	}
	cascade(pic);
	return vector;
}

static void eoi(struct pic_chip *c, uint8_t ocw2)
{
	unsigned int cmd = ocw2 >> 5, irq = ocw2 & 7, r;

	switch (cmd) {
	case 0:		/* rotate in auto-EOI mode: clear */
	case 4:		/* set */
		c->rotate_on_aeoi = cmd == 4;
		break;
	case 1:		/* non-specific EOI */
	case 5:		/* and rotate */
		r = rank(c, c->isr);
		if (r == 8)
			break;
		irq = irq_of_rank(c, r);
		c->isr &= ~(1u << irq);
		if (cmd == 5)
			c->lowest = irq;
		break;
	case 3:		/* specific EOI */
	case 7:		/* and rotate */
		c->isr &= ~(1u << irq);
		if (cmd == 7)
			c->lowest = irq;
		break;
	case 6:		/* set priority */
		c->lowest = irq;
		break;
	default:	/* 2: no operation */
		break;
	}
}

static void chip_write(struct pic_chip *c, bool odd, uint8_t val)
{
	if (!odd && (val & ICW1)) {
		/* Initialisation: mask, ISR, edge memory and modes start over. */
		c->irr = c->isr = c->imr = c->lines = 0;
		c->lowest = 7;
		c->need_icw4 = val & ICW1_IC4;
		c->single = val & ICW1_SNGL;
		c->auto_eoi = c->rotate_on_aeoi = false;
		c->read_isr = c->poll = c->special_mask = false;
		c->init_step = 2;
		return;
	}
	if (!odd && (val & OCW3)) {
		if (val & 0x04)
			c->poll = true;
		if (val & 0x02)
			c->read_isr = val & 0x01;
		if (val & 0x40)
			c->special_mask = val & 0x20;
		return;
	}
	if (!odd) {
		eoi(c, val);
		return;
	}
	switch (c->init_step) {
	case 2:
		c->base = val & 0xf8;
		c->init_step = !c->single ? 3 : c->need_icw4 ? 4 : 0;
		break;
	case 3:		/* the cascade wiring is fixed: IRQ2 */
		c->init_step = c->need_icw4 ? 4 : 0;
		break;
	case 4:
		c->auto_eoi = val & ICW4_AEOI;
		c->init_step = 0;
		break;
	default:
		c->imr = val;
	}
}

void pic_write(struct pic *pic, uint16_t port, uint8_t val)
{
	if (port == 0x4d0)
		pic->chip[0].elcr = val & 0xf8;	/* IRQ0-2 are always edge */
	else if (port == 0x4d1)
		pic->chip[1].elcr = val & 0xde;	/* and IRQ8 and IRQ13 */
	else
		chip_write(&pic->chip[port >= 0xa0], port & 1, val);
	cascade(pic);
}

/* OCW3 poll: the INTA cycle done by a read; 0x80 | IRQ, or 0. */
static uint8_t poll_read(struct pic *pic, struct pic_chip *c)
{
	int irq = chip_pending(c);

	c->poll = false;
	if (irq < 0)
		return 0;
	chip_ack(c, irq);
	cascade(pic);
	return 0x80 | irq;
}

uint8_t pic_read(struct pic *pic, uint16_t port)
{
	struct pic_chip *c;

	if (port == 0x4d0 || port == 0x4d1)
		return pic->chip[port & 1].elcr;
	c = &pic->chip[port >= 0xa0];
	if (c->poll)
		return poll_read(pic, c);
	if (port & 1)
		return c->imr;
	return c->read_isr ? c->isr : c->irr;
}
