// SPDX-License-Identifier: GPL-2.0
/*
 * The i8042 (i8042.h).  Commands on 0x64: 0x20 read and 0x60 write the
 * command byte, 0xaa self test (0x55), 0xab/0xa9 interface tests (0x00),
 * 0xa7/0xa8/0xad/0xae disable/enable a port, 0xd1 write the output port
 * (bit 0 clear resets the CPU), 0xfe pulse the reset line.  Bytes written
 * to 0x60 for the keyboard get 0xfe (resend: no device), which Linux
 * takes as "no keyboard".
 */
#include <string.h>

#include "i8042.h"

#define STATUS_OBF	0x01
#define STATUS_SYS	0x04	/* passed its self test */
#define STATUS_CMD	0x08	/* the last write was to 0x64 */
#define CTR_KBDINT	0x01
#define CTR_SYS		0x04
#define CTR_KBDDIS	0x10
#define CTR_AUXDIS	0x20

void i8042_init(struct i8042 *k)
{
	memset(k, 0, sizeof(*k));
	k->ctr = CTR_SYS | CTR_KBDINT;
}

static void reply(struct i8042 *k, uint8_t byte)
{
	if (k->out_len < sizeof(k->out))
		k->out[k->out_len++] = byte;
}

static void command(struct i8042 *k, uint8_t cmd)
{
	switch (cmd) {
	case 0x20:
		reply(k, k->ctr);
		break;
	case 0x60:
	case 0xd1:
	case 0xd2:	/* write the keyboard's output buffer */
	case 0xd3:	/* the mouse's */
	case 0xd4:	/* a byte for the mouse: dropped */
		k->param_of = cmd;
		break;
	case 0xaa:
		reply(k, 0x55);
		break;
	case 0xa9:
	case 0xab:
		reply(k, 0x00);
		break;
	case 0xa7:
		k->ctr |= CTR_AUXDIS;
		break;
	case 0xa8:
		k->ctr &= ~CTR_AUXDIS;
		break;
	case 0xad:
		k->ctr |= CTR_KBDDIS;
		break;
	case 0xae:
		k->ctr &= ~CTR_KBDDIS;
		break;
	case 0xfe:
		k->reset = true;
		break;
	default:
		break;
	}
}

void i8042_write(struct i8042 *k, uint16_t port, uint8_t val)
{
	uint8_t cmd = k->param_of;

	if (port == 0x64) {
		k->param_of = 0;
		command(k, val);
		return;
	}
	k->param_of = 0;
	switch (cmd) {
	case 0x60:
		k->ctr = val;
		break;
	case 0xd1:
		if (!(val & 1))
			k->reset = true;
		break;
	case 0xd2:
	case 0xd3:
		reply(k, val);
		break;
	case 0xd4:
		break;
	default:
		reply(k, 0xfe);	/* to the keyboard: nobody answers */
	}
}

uint8_t i8042_read(struct i8042 *k, uint16_t port)
{
	uint8_t v;

	if (port == 0x64)
		return (k->out_len ? STATUS_OBF : 0) | STATUS_SYS |
		       (k->param_of ? STATUS_CMD : 0);
	if (!k->out_len)
		return 0;
	v = k->out[0];
	memmove(k->out, k->out + 1, --k->out_len);
	return v;
}

bool i8042_irq(const struct i8042 *k)
{
	return k->out_len && (k->ctr & CTR_KBDINT);
}
