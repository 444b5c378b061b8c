// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's console on our stdout: the 0xe9 debug port (Bochs/QEMU
 * style) and just enough of a 16550 at 0x3f8 for a polling driver: the
 * transmitter is always empty, and the configuration registers keep what
 * the guest wrote so its probe-by-readback works.
 *
 * Each vCPU runs its own instance of the guest, so each has its own
 * console: its own UART registers and a line buffer, written out whole
 * (after its "[k] " prefix when there are several vCPUs) so that lines of
 * different vCPUs never mix.
 */
#include <stdarg.h>

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

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * The line so far, then a newline when it ended with one or when another
 * line must not run into it: a partial line of one vCPU among several.
 */
static void emit(const struct vcpu *vcpu, const char *s, unsigned int len, bool newline)
{
	pthread_mutex_lock(&out_lock);
	fputs(vcpu->prefix, stdout);
	fwrite(s, 1, len, stdout);
	if (newline)
		putchar('\n');
	/* Line by line, so a guest that hangs has shown what it got to. */
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
}

static void put(struct vcpu *vcpu, uint8_t c)
{
	struct console *con = &vcpu->con;

	if (c == '\n') {
		/* A serial driver's "\r\n" (kvm-unit-tests' is one) ends a line like "\n". */
		if (con->len && con->line[con->len - 1] == '\r')
			con->len--;
		emit(vcpu, con->line, con->len, true);
		con->len = 0;
		return;
	}
	con->line[con->len++] = c;
	/* Longer lines come out in pieces; alone, the pieces join up again. */
	if (con->len == sizeof(con->line)) {
		emit(vcpu, con->line, con->len, vcpu->prefix[0]);
		con->len = 0;
	}
}

static void uart_access(struct vcpu *vcpu, unsigned int reg, bool out, uint8_t *byte)
{
	struct console *con = &vcpu->con;
	bool dlab = con->uart[UART_LCR] & LCR_DLAB;

	if (dlab && reg <= UART_IER) {
		if (out)
			con->divisor[reg] = *byte;
		else
			*byte = con->divisor[reg];
		return;
	}
	if (out) {
		if (reg == UART_THR)
			put(vcpu, *byte);
		else if (reg == UART_IER || reg == UART_LCR || reg == UART_MCR ||
			 reg == UART_SCR)
			con->uart[reg] = *byte;
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
		*byte = con->uart[reg];
		break;
	default:
		*byte = 0;
	}
}

/* One byte at @port; false when the port is none of ours. */
bool console_port(struct vcpu *vcpu, uint16_t port, bool out, uint8_t *byte)
{
	if (port == DEBUG_PORT) {
		if (out)
			put(vcpu, *byte);
		else
			*byte = DEBUG_PORT;	/* what Bochs and QEMU answer: "present" */
		return true;
	}
	if (port >= COM1 && port < COM1 + 8) {
		uart_access(vcpu, port - COM1, out, byte);
		return true;
	}
	return false;
}

static void console_access(struct vcpu *vcpu, const struct port_range *range, uint16_t port,
			   bool out, uint8_t *byte, struct verdict *v)
{
	(void)range, (void)v;
	console_port(vcpu, port, out, byte);
}

const struct port_range console_ports[] = {
	{ DEBUG_PORT, DEBUG_PORT, console_access, NULL },
	{ COM1, COM1 + 7, console_access, NULL },
};
const unsigned int nr_console_ports = sizeof(console_ports) / sizeof(console_ports[0]);

void console_flush(void)
{
	pthread_mutex_lock(&out_lock);
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
}

/* Once the vCPU has stopped: what is left of its last line, on a line of its own. */
void console_end_line(struct vcpu *vcpu)
{
	if (vcpu->con.len)
		emit(vcpu, vcpu->con.line, vcpu->con.len, true);
	vcpu->con.len = 0;
}

/* A line of the tool's own about @vcpu (--regs), after its prefix. */
void console_printf(const struct vcpu *vcpu, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&out_lock);
	fputs(vcpu->prefix, stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	pthread_mutex_unlock(&out_lock);
}
