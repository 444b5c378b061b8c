/* SPDX-License-Identifier: GPL-2.0 */
/*
 * QEMU's firmware configuration device (docs/specs/fw_cfg.rst in QEMU),
 * its legacy x86 port interface only: a 16-bit selector at 0x510 picks
 * an item and rewinds it, each 8-bit read of 0x511 gives its next byte.
 * kvm-unit-tests asks it for the CPU count and the RAM size.  Pure state;
 * the owner serializes the calls.
 */
#ifndef KVMINI_FWCFG_H
#define KVMINI_FWCFG_H

#include <stdbool.h>
#include <stdint.h>

#define FWCFG_PORT_SEL		0x510
#define FWCFG_PORT_DATA		0x511

/* QEMU's keys (include/standard-headers/linux/qemu_fw_cfg.h), the ones given here. */
#define FWCFG_SIGNATURE		0x00
#define FWCFG_ID		0x01
#define FWCFG_RAM_SIZE		0x03
#define FWCFG_NB_CPUS		0x05
#define FWCFG_MAX_CPUS		0x0f

#define FWCFG_WRITE_CHANNEL	0x4000
#define FWCFG_ID_TRADITIONAL	0x01	/* the port interface; no DMA */
#define FWCFG_MAX_ITEMS		8
#define FWCFG_ITEM_MAX		8

struct fwcfg_item {
	uint16_t key;
	uint8_t len;
	uint8_t data[FWCFG_ITEM_MAX];
};

struct fwcfg {
	struct fwcfg_item items[FWCFG_MAX_ITEMS];
	unsigned int nitems;
	const struct fwcfg_item *cur;	/* NULL: no such item, reads give 0 */
	unsigned int offset;
};

/* The items of a machine with @ram bytes of RAM and @cpus CPUs. */
void fwcfg_init(struct fwcfg *f, uint64_t ram, unsigned int cpus);
/*
 * One access of @size bytes at @port (FWCFG_PORT_SEL or FWCFG_PORT_DATA),
 * little-endian in @data.  As QEMU's: the selector takes 16-bit writes,
 * the data port 8-bit reads (a 16-bit read of the selector reads data
 * too); other accesses read as all ones and do nothing.
 */
void fwcfg_io(struct fwcfg *f, uint16_t port, bool out, unsigned int size, uint8_t *data);

#endif
