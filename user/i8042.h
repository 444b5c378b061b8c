/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The i8042 keyboard controller at 0x60 (data) and 0x64 (status and
 * command), with no keyboard or mouse behind it: enough for Linux's probe
 * to pass quickly and for `reboot` (command 0xfe, or the output port's
 * reset bit).  Pure state.
 */
#ifndef KVMINI_I8042_H
#define KVMINI_I8042_H

#include <stdbool.h>
#include <stdint.h>

struct i8042 {
	uint8_t ctr;		/* the command byte */
	uint8_t out[4];		/* replies waiting in the output buffer */
	unsigned int out_len;
	uint8_t param_of;	/* the command whose parameter byte 0x60 takes next, or 0 */
	bool reset;		/* the guest asked for a CPU reset */
};

void i8042_init(struct i8042 *k);
void i8042_write(struct i8042 *k, uint16_t port, uint8_t val);
uint8_t i8042_read(struct i8042 *k, uint16_t port);
/* IRQ1: a byte waits and the command byte enables the keyboard interrupt. */
bool i8042_irq(const struct i8042 *k);

#endif
