// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's console on our stdout: the 0xe9 debug port (Bochs/QEMU
 * style) and just enough of a 16550 at 0x3f8 for a polling driver: the
 * transmitter is always empty, and the configuration registers keep what
 * the guest wrote so its probe-by-readback works.
 */
#include "kvmini.h"

#define DEBUG_PORT	0xe9
#define COM1		0x3f8

#define UART_THR	0	/* DLL when LCR.DLAB */
#define UART_IER	1	/* DLM when LCR.DLAB */
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define UART_SCR	7
#define LCR_DLAB	0x80
#define LSR_THRE_TEMT	0x60	/* holding register and shifter both empty */

static uint8_t uart[8];
static uint8_t divisor[2];
static bool wrote_any;
static int last_byte = '\n';

static void put(uint8_t c)
{
	putchar(c);
	wrote_any = true;
	last_byte = c;
	/* Line by line, so a guest that hangs has shown what it got to. */
	if (c == '\n')
		fflush(stdout);
}

static void uart_access(unsigned int reg, bool out, uint8_t *byte)
{
	bool dlab = uart[UART_LCR] & LCR_DLAB;

	if (dlab && reg <= UART_IER) {
		if (out)
			divisor[reg] = *byte;
		else
			*byte = divisor[reg];
		return;
	}
	if (out) {
		if (reg == UART_THR)
			put(*byte);
		else if (reg == UART_IER || reg == UART_LCR || reg == UART_MCR ||
			 reg == UART_SCR)
			uart[reg] = *byte;
		return;
	}
	switch (reg) {
	case UART_LSR:
		*byte = LSR_THRE_TEMT;
		break;
	case UART_IER:
	case UART_LCR:
	case UART_MCR:
	case UART_SCR:
		*byte = uart[reg];
		break;
	default:
		*byte = 0;
	}
}

/* One byte at @port; false when the port is none of ours. */
bool console_port(uint16_t port, bool out, uint8_t *byte)
{
	if (port == DEBUG_PORT) {
		if (out)
			put(*byte);
		else
			*byte = DEBUG_PORT;	/* what Bochs and QEMU answer: "present" */
		return true;
	}
	if (port >= COM1 && port < COM1 + 8) {
		uart_access(port - COM1, out, byte);
		return true;
	}
	return false;
}

void console_flush(void)
{
	fflush(stdout);
}

/* Before the tool's own report: start it on a line of its own. */
void console_end_line(void)
{
	if (wrote_any && last_byte != '\n')
		putchar('\n');
	fflush(stdout);
}
