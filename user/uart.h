/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A 16550A: the eight registers at a base port, a 16-byte receive FIFO
 * and a transmitter that sends at once.  Pure state; the owner (pc.c)
 * gives it a sink for sent bytes and an interrupt line, and holds its
 * lock around every call.
 */
#ifndef KVMINI_UART_H
#define KVMINI_UART_H

#include <stdbool.h>
#include <stdint.h>

#define UART_FIFO	16

struct uart {
	uint8_t ier, lcr, mcr, scr, fcr, dll, dlm;
	bool thre_pending;	/* the THR-empty interrupt, until IIR shows it or THR is written */
	uint8_t rx[UART_FIFO];
	unsigned int rx_head, rx_len;
	void (*tx)(void *opaque, uint8_t byte);
	void (*set_irq)(void *opaque, bool level);
	void *opaque;
};

void uart_init(struct uart *u, void (*tx)(void *, uint8_t),
	       void (*set_irq)(void *, bool), void *opaque);
/* @reg is the offset from the base port, 0-7. */
void uart_write(struct uart *u, unsigned int reg, uint8_t val);
uint8_t uart_read(struct uart *u, unsigned int reg);
/* Room in the receive FIFO while the guest listens (IER's receive interrupt on), else 0. */
unsigned int uart_rx_room(const struct uart *u);
void uart_receive(struct uart *u, uint8_t byte);

#endif
