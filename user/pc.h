/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The PC that `kvmini run --kernel` gives Linux: the legacy devices
 * (pic.c, pit.c, uart.c, cmos.c, i8042.c, pci.c) wired together, their
 * ports, the terminal as COM1's other end, and IRQs to vCPU 0 by
 * KVM_INTERRUPT (vcpu.c asks pc_irq_line()/pc_irq_ack()).
 */
#ifndef KVMINI_PC_H
#define KVMINI_PC_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <termios.h>

#include "cmos.h"
#include "i8042.h"
#include "pci.h"
#include "pic.h"
#include "pit.h"
#include "uart.h"

struct vm;

#define PC_LINE_MAX	512

struct pc {
	/*
	 * One lock for every device here and for vCPU 0's interrupt state
	 * (vcpu->irq_lock points at it).  Three threads take it: vCPU 0's
	 * (port exits, interrupt injection, its HLT wait on vcpu->wake),
	 * the main thread's timer (supervise.c: the PIT's IRQ0) and the
	 * input thread (stdin into COM1).  The two that are not vCPU 0
	 * raise an IRQ under the lock and then wake vCPU 0 (broadcast on
	 * vcpu->wake, vcpu_kick()); vCPU 0 itself needs no kick, as it
	 * looks at the PIC before each KVM_RUN.  Nothing sleeps or does
	 * I/O other than writing the console while holding it.
	 */
	pthread_mutex_t lock;
	struct pic pic;
	struct pit pit;
	struct uart com1;
	struct cmos cmos;
	struct i8042 kbd;
	struct pci pci;
	struct vm *vm;

	/* What the guest printed, line by line, watched for a panic. */
	char line[PC_LINE_MAX];
	unsigned int len;
	char panic[PC_LINE_MAX];	/* the "Kernel panic - not syncing" line */
	bool panic_over;		/* ... and the "---[ end Kernel panic" after it */

	pthread_cond_t input;		/* COM1 has room and listens */
	pthread_t input_thread;
	bool escape;			/* Ctrl-A seen on a terminal */
	struct termios saved;
	bool raw;
};

/* Creates vm->pc: devices reset, the terminal in raw mode until the tool exits. */
void pc_create(struct vm *vm);
/* Once the vCPU threads run: the thread feeding stdin to COM1. */
void pc_start(struct pc *pc);
/* Main thread: IRQ0 for a PIT deadline passed; the next one (0: none). */
uint64_t pc_timer(struct pc *pc, uint64_t now);
/* With pc->lock held (vcpu.c). */
bool pc_irq_line(struct pc *pc);
uint8_t pc_irq_ack(struct pc *pc);
uint64_t pc_now(void);

#endif
