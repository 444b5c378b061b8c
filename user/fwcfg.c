// SPDX-License-Identifier: GPL-2.0
/*
 * fw_cfg's port interface (fwcfg.h).  A selected key that has no item,
 * or a read past an item's end, gives 0, as QEMU's does: that is how
 * kvm-unit-tests tells a key QEMU does not set (FW_CFG_MAX_RAM reads 0,
 * "no limit").  Writes to the data port are ignored, as since QEMU 2.4.
 */
#include <string.h>

#include "fwcfg.h"

static void add(struct fwcfg *f, uint16_t key, uint64_t value, unsigned int len)
{
	struct fwcfg_item *it = &f->items[f->nitems++];
	unsigned int i;

	it->key = key;
	it->len = len;
	for (i = 0; i < len; i++)
		it->data[i] = value >> (8 * i);
}

void fwcfg_init(struct fwcfg *f, uint64_t ram, unsigned int cpus)
{
	memset(f, 0, sizeof(*f));
	add(f, FWCFG_SIGNATURE, 'Q' | 'E' << 8 | 'M' << 16 | (uint64_t)'U' << 24, 4);
	add(f, FWCFG_ID, FWCFG_ID_TRADITIONAL, 4);
	add(f, FWCFG_RAM_SIZE, ram, 8);
	add(f, FWCFG_NB_CPUS, cpus, 2);
	add(f, FWCFG_MAX_CPUS, cpus, 2);
}

static void select_key(struct fwcfg *f, uint16_t key)
{
	unsigned int i;

	f->cur = NULL;
	f->offset = 0;
	/* QEMU reads the item whatever the write-channel bit (writes are gone). */
	key &= ~FWCFG_WRITE_CHANNEL;
	for (i = 0; i < f->nitems; i++)
		if (f->items[i].key == key)
			f->cur = &f->items[i];
}

static uint8_t next_byte(struct fwcfg *f)
{
	if (!f->cur || f->offset >= f->cur->len)
		return 0;
	return f->cur->data[f->offset++];
}

void fwcfg_io(struct fwcfg *f, uint16_t port, bool out, unsigned int size, uint8_t *data)
{
	bool sel = port == FWCFG_PORT_SEL && size == 2;
	bool dat = port == FWCFG_PORT_DATA && size == 1;

	if (!sel && !dat) {
		if (!out)
			memset(data, 0xff, size);
		return;
	}
	if (out) {
		if (sel)
			select_key(f, data[0] | data[1] << 8);
		return;
	}
	memset(data, 0, size);
	data[0] = next_byte(f);
}
