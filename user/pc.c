// SPDX-License-Identifier: GPL-2.0
/*
 * The PC for Linux (pc.h): the port map, the wiring of the devices'
 * interrupt lines into the 8259A pair (PIT IRQ0, i8042 IRQ1, COM1 IRQ4),
 * COM1 on the terminal, and the two ways a run ends from here: the
 * i8042's reset (`reboot -f`: finished well) and a kernel panic seen on
 * the console (failed, with the panic line).  The locking is pc.h's.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kvmini.h"
#include "pc.h"

#define IRQ_PIT		0
#define IRQ_KBD		1
#define IRQ_COM1	4
#define COM1_BASE	0x3f8
#define POST_PORT	0x80
#define CTRL_A		0x01

static const char panic_start[] = "Kernel panic - not syncing";
static const char panic_end[] = "---[ end Kernel panic";

static struct termios *saved_termios;

uint64_t pc_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void restore_terminal(void)
{
	if (saved_termios)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, saved_termios);
}

/* The guest's keys go to the guest, Ctrl-C included; Ctrl-A x ends the run. */
static void raw_terminal(struct pc *pc)
{
	struct termios t;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &pc->saved) < 0)
		return;
	t = pc->saved;
	cfmakeraw(&t);
	/* Keep output processing: the tool's own lines end in a bare \n. */
	t.c_oflag |= OPOST | ONLCR;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &t) < 0)
		return;
	pc->raw = true;
	saved_termios = &pc->saved;
	atexit(restore_terminal);
}

/* From a thread other than vCPU 0's, after raising a line, lock held. */
static void wake_vcpu(struct pc *pc)
{
	struct vcpu *vcpu = &pc->vm->vcpus[0];

	if (!pic_output(&pc->pic))
		return;
	pthread_cond_broadcast(&vcpu->wake);
	vcpu_kick(vcpu);
}

/* A byte the guest sent on COM1: to stdout, and into the line watched for a panic. */
static void com1_tx(void *opaque, uint8_t byte)
{
	struct pc *pc = opaque;
	ssize_t r;

	do
		r = write(STDOUT_FILENO, &byte, 1);
	while (r < 0 && errno == EINTR);
	if (byte == '\r')
		return;
	if (byte != '\n') {
		if (pc->len < sizeof(pc->line) - 1)
			pc->line[pc->len++] = byte;
		return;
	}
	pc->line[pc->len] = 0;
	pc->len = 0;
	if (!pc->panic[0] && strstr(pc->line, panic_start))
		snprintf(pc->panic, sizeof(pc->panic), "%s", strstr(pc->line, panic_start));
	else if (pc->panic[0] && strstr(pc->line, panic_end))
		pc->panic_over = true;
}

static void com1_irq(void *opaque, bool level)
{
	struct pc *pc = opaque;

	pic_set_irq(&pc->pic, IRQ_COM1, level);
}

void pc_create(struct vm *vm)
{
	struct pc *pc = calloc(1, sizeof(*pc));

	if (!pc)
		die("out of memory");
	pc->vm = vm;
	pthread_mutex_init(&pc->lock, NULL);
	pthread_cond_init(&pc->input, NULL);
	pic_init(&pc->pic);
	pit_init(&pc->pit);
	uart_init(&pc->com1, com1_tx, com1_irq, pc);
	cmos_init(&pc->cmos);
	i8042_init(&pc->kbd);
	vm->pc = pc;
	raw_terminal(pc);
}

/* What the last access did to the run: a reset, or the end of a panic. */
static void check_end(struct pc *pc, struct verdict *v)
{
	if (pc->panic_over || (pc->kbd.reset && pc->panic[0]))
		verdict_fail(v, false, "guest kernel panic: %s", pc->panic);
	else if (pc->kbd.reset)
		v->kind = VERDICT_FINISHED;
}

/*
 * The devices behind the ports, each called under pc->lock with the byte
 * to write or the place for the byte read, at host time @now.
 */
static void pic_io(struct pc *pc, uint16_t port, bool out, uint8_t *byte, uint64_t now)
{
	(void)now;
	if (out)
		pic_write(&pc->pic, port, *byte);
	else
		*byte = pic_read(&pc->pic, port);
}

static void pit_io(struct pc *pc, uint16_t port, bool out, uint8_t *byte, uint64_t now)
{
	if (out)
		pit_write(&pc->pit, port, *byte, now);
	else
		*byte = pit_read(&pc->pit, port, now);
}

static void com1_io(struct pc *pc, uint16_t port, bool out, uint8_t *byte, uint64_t now)
{
	(void)now;
	if (out)
		uart_write(&pc->com1, port - COM1_BASE, *byte);
	else
		*byte = uart_read(&pc->com1, port - COM1_BASE);
	if (uart_rx_room(&pc->com1))
		pthread_cond_signal(&pc->input);
}

static void cmos_io(struct pc *pc, uint16_t port, bool out, uint8_t *byte, uint64_t now)
{
	(void)now;
	if (out)
		cmos_write(&pc->cmos, port, *byte);
	else
		*byte = cmos_read(&pc->cmos, port, time(NULL));
}

static void kbd_io(struct pc *pc, uint16_t port, bool out, uint8_t *byte, uint64_t now)
{
	(void)now;
	if (out)
		i8042_write(&pc->kbd, port, *byte);
	else
		*byte = i8042_read(&pc->kbd, port);
	pic_set_irq(&pc->pic, IRQ_KBD, i8042_irq(&pc->kbd));
}

static void pci_io(struct pc *pc, uint16_t port, bool out, uint8_t *byte, uint64_t now)
{
	(void)now;
	if (out)
		pci_write(&pc->pci, port, *byte);
	else
		*byte = pci_read(&pc->pci, port);
}

/* Port 0x80, the POST code port Linux writes for a short delay: nothing behind it. */
static void post_io(struct pc *pc, uint16_t port, bool out, uint8_t *byte, uint64_t now)
{
	(void)pc, (void)port, (void)now;
	if (!out)
		*byte = 0xff;
}

/* io.c's entry to every PC port: one lock, then the device. */
static void pc_port(struct vcpu *vcpu, const struct port_range *range, uint16_t port,
		    bool out, uint8_t *byte, struct verdict *v)
{
	struct pc *pc = vcpu->vm->pc;
	uint64_t now = pc_now();

	pthread_mutex_lock(&pc->lock);
	range->pc_io(pc, port, out, byte, now);
	check_end(pc, v);
	pthread_mutex_unlock(&pc->lock);
	/* A new count on channel 0: the main thread's timer must look again. */
	if (out && port == 0x40)
		pthread_kill(vcpu->vm->main_thread, SIG_DONE);
}

const struct port_range pc_ports[] = {
	{ 0x20, 0x21, pc_port, pic_io },
	{ 0x40, 0x43, pc_port, pit_io },
	{ 0x60, 0x60, pc_port, kbd_io },
	{ 0x61, 0x61, pc_port, pit_io },
	{ 0x64, 0x64, pc_port, kbd_io },
	{ 0x70, 0x71, pc_port, cmos_io },
	{ POST_PORT, POST_PORT, pc_port, post_io },
	{ 0xa0, 0xa1, pc_port, pic_io },
	{ COM1_BASE, COM1_BASE + 7, pc_port, com1_io },
	{ 0x4d0, 0x4d1, pc_port, pic_io },
	{ 0xcf8, 0xcff, pc_port, pci_io },
};
const unsigned int nr_pc_ports = sizeof(pc_ports) / sizeof(pc_ports[0]);

uint64_t pc_timer(struct pc *pc, uint64_t now)
{
	uint64_t next;

	pthread_mutex_lock(&pc->lock);
	if (pit_irq_due(&pc->pit, now)) {
		/* The PC's IRQ0 is an edge: the PIT's OUT going high. */
		pic_set_irq(&pc->pic, IRQ_PIT, true);
		pic_set_irq(&pc->pic, IRQ_PIT, false);
		wake_vcpu(pc);
	}
	next = pit_next_irq(&pc->pit, now);
	pthread_mutex_unlock(&pc->lock);
	return next;
}

bool pc_irq_line(struct pc *pc)
{
	return pic_output(&pc->pic);
}

uint8_t pc_irq_ack(struct pc *pc)
{
	return pic_intack(&pc->pic);
}

/* Ctrl-A x on a terminal ends the run (as with kvmtool); Ctrl-A Ctrl-A sends one. */
static bool escape(struct pc *pc, uint8_t byte, bool *send)
{
	*send = true;
	if (!pc->raw)
		return false;
	if (pc->escape) {
		pc->escape = false;
		if (byte == 'x')
			return true;
		*send = byte == CTRL_A;
		return false;
	}
	if (byte == CTRL_A) {
		pc->escape = true;
		*send = false;
	}
	return false;
}

/*
 * stdin into COM1, only while the guest listens (IER's receive interrupt
 * on) and never more than its FIFO takes: what a pipe holds waits for
 * the shell instead of being lost to the driver's FIFO resets at boot.
 */
static void *input_thread(void *arg)
{
	struct pc *pc = arg;
	uint8_t buf[UART_FIFO];
	unsigned int room, i;
	bool send, quit = false;
	ssize_t n;

	for (;;) {
		pthread_mutex_lock(&pc->lock);
		while (!(room = uart_rx_room(&pc->com1)))
			pthread_cond_wait(&pc->input, &pc->lock);
		pthread_mutex_unlock(&pc->lock);
		n = read(STDIN_FILENO, buf, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return NULL;	/* end of input: the guest goes on */
		pthread_mutex_lock(&pc->lock);
		for (i = 0; i < (unsigned int)n && !quit; i++) {
			quit = escape(pc, buf[i], &send);
			if (send)
				uart_receive(&pc->com1, buf[i]);
		}
		wake_vcpu(pc);
		pthread_mutex_unlock(&pc->lock);
		if (quit) {
			vm_stop(pc->vm, EXIT_SIGNAL, NULL, "guest stopped by Ctrl-A x");
			return NULL;
		}
	}
}

void pc_start(struct pc *pc)
{
	int err = pthread_create(&pc->input_thread, NULL, input_thread, pc);

	if (err)
		die("cannot start the console input thread: %s", strerror(err));
	pthread_detach(pc->input_thread);
}
