// SPDX-License-Identifier: GPL-2.0
/*
 * The 16550A (uart.h).  Interrupts by priority: received data (IIR 0x04),
 * then THR empty (0x02); line status and modem status never fire.  The
 * THR-empty interrupt is armed when the transmitter empties (at once
 * after each THR write) and when IER enables it with THR already empty,
 * and disarmed by reading IIR while it is the one shown, or by writing
 * THR: Linux's tty writes stall without it.  Every change of the line
 * goes to set_irq, so a write to THR gives the edge an ISA PIC needs.
 * Loopback (MCR bit 4) feeds THR to RBR and MCR to MSR, for probes.
 * National PC16550D datasheet.
 */
#include <string.h>

#include "uart.h"

#define RBR	0	/* THR on write; DLL with DLAB */
#define IER	1	/* DLM with DLAB */
#define IIR	2	/* FCR on write */
#define LCR	3
#define MCR	4
#define LSR	5
#define MSR	6
#define SCR	7

#define IER_RDI		0x01
#define IER_THRI	0x02
#define LCR_DLAB	0x80
#define MCR_LOOP	0x10
#define FCR_ENABLE	0x01
#define FCR_CLEAR_RX	0x02
#define LSR_DR		0x01
#define LSR_THRE	0x20
#define LSR_TEMT	0x40
#define IIR_NONE	0x01
#define IIR_THRI	0x02
#define IIR_RDI		0x04
#define IIR_FIFO	0xc0

static uint8_t iir(const struct uart *u)
{
	uint8_t fifo = u->fcr & FCR_ENABLE ? IIR_FIFO : 0;

	if (u->rx_len && (u->ier & IER_RDI))
		return fifo | IIR_RDI;
	if (u->thre_pending && (u->ier & IER_THRI))
		return fifo | IIR_THRI;
	return fifo | IIR_NONE;
}

static void update(struct uart *u)
{
	u->set_irq(u->opaque, !(iir(u) & IIR_NONE));
}

void uart_init(struct uart *u, void (*tx)(void *, uint8_t),
	       void (*set_irq)(void *, bool), void *opaque)
{
	memset(u, 0, sizeof(*u));
	u->tx = tx;
	u->set_irq = set_irq;
	u->opaque = opaque;
	u->thre_pending = true;
}

static void push(struct uart *u, uint8_t byte)
{
	if (u->rx_len == UART_FIFO)
		return;		/* overrun: the byte is lost */
	u->rx[(u->rx_head + u->rx_len++) % UART_FIFO] = byte;
}

void uart_write(struct uart *u, unsigned int reg, uint8_t val)
{
	bool dlab = u->lcr & LCR_DLAB;

	switch (reg) {
	case RBR:
		if (dlab) {
			u->dll = val;
			return;
		}
		u->thre_pending = false;
		update(u);
		if (u->mcr & MCR_LOOP)
			push(u, val);
		else
			u->tx(u->opaque, val);
		u->thre_pending = true;	/* sent at once: empty again */
		break;
	case IER:
		if (dlab) {
			u->dlm = val;
			return;
		}
		if ((val & IER_THRI) && !(u->ier & IER_THRI))
			u->thre_pending = true;	/* THR is always empty here */
		u->ier = val & 0x0f;
		break;
	case IIR:
		u->fcr = val & 0xc9;
		if (val & FCR_CLEAR_RX)
			u->rx_len = 0;
		break;
	case LCR:
		u->lcr = val;
		return;
	case MCR:
		u->mcr = val & 0x1f;
		return;
	case SCR:
		u->scr = val;
		return;
	default:	/* LSR, MSR: read-only */
		return;
	}
	update(u);
}

static uint8_t msr(const struct uart *u)
{
	if (!(u->mcr & MCR_LOOP))
		return 0xb0;	/* DCD, DSR, CTS: a cable with someone there */
	/* DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD */
	return ((u->mcr & 0x01) << 5) | ((u->mcr & 0x02) << 3) | ((u->mcr & 0x04) << 4) |
	       ((u->mcr & 0x08) << 4);
}

uint8_t uart_read(struct uart *u, unsigned int reg)
{
	bool dlab = u->lcr & LCR_DLAB;
	uint8_t v;

	switch (reg) {
	case RBR:
		if (dlab)
			return u->dll;
		if (!u->rx_len)
			return 0;
		v = u->rx[u->rx_head];
		u->rx_head = (u->rx_head + 1) % UART_FIFO;
		u->rx_len--;
		update(u);
		return v;
	case IER:
		return dlab ? u->dlm : u->ier;
	case IIR:
		v = iir(u);
		if ((v & 0x0f) == IIR_THRI) {
			u->thre_pending = false;
			update(u);
		}
		return v;
	case LCR:
		return u->lcr;
	case MCR:
		return u->mcr;
	case LSR:
		return (u->rx_len ? LSR_DR : 0) | LSR_THRE | LSR_TEMT;
	case MSR:
		return msr(u);
	default:
		return u->scr;
	}
}

unsigned int uart_rx_room(const struct uart *u)
{
	if (!(u->ier & IER_RDI) || (u->mcr & MCR_LOOP))
		return 0;
	return UART_FIFO - u->rx_len;
}

void uart_receive(struct uart *u, uint8_t byte)
{
	push(u, byte);
	update(u);
}
