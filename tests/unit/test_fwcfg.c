// SPDX-License-Identifier: GPL-2.0
/* fw_cfg's selector and data ports (user/fwcfg.c), driven as a guest drives them. */
#include <string.h>

#include "../../user/fwcfg.h"
#include "unit.h"

static struct fwcfg f;

static void sel(uint16_t key)
{
	uint8_t d[2] = { key, key >> 8 };

	fwcfg_io(&f, FWCFG_PORT_SEL, true, 2, d);
}

static uint8_t inb(uint16_t port)
{
	uint8_t b = 0x5a;

	fwcfg_io(&f, port, false, 1, &b);
	return b;
}

/* kvm-unit-tests' fwcfg_get_u(): select, then @bytes byte reads, little-endian. */
static uint64_t get(uint16_t key, int bytes)
{
	uint64_t r = 0;
	int i;

	sel(key);
	for (i = 0; i < bytes; i++)
		r |= (uint64_t)inb(FWCFG_PORT_DATA) << (8 * i);
	return r;
}

int main(void)
{
	uint8_t w[4];
	char sig[5] = { 0 };
	int i;

	fwcfg_init(&f, 96ULL << 20, 3);
	sel(FWCFG_SIGNATURE);
	for (i = 0; i < 4; i++)
		sig[i] = inb(FWCFG_PORT_DATA);
	CHECK(!strcmp(sig, "QEMU"), "key 0: the signature QEMU");
	CHECK(inb(FWCFG_PORT_DATA) == 0, "past the signature's end: 0");
	CHECK(get(FWCFG_ID, 4) == FWCFG_ID_TRADITIONAL, "key 1: the port interface, no DMA");
	CHECK(get(FWCFG_RAM_SIZE, 8) == 96ULL << 20, "key 3: RAM size, 64-bit");
	CHECK(get(FWCFG_NB_CPUS, 2) == 3, "key 5: CPUs, 16-bit");
	CHECK(get(FWCFG_MAX_CPUS, 2) == 3, "key 0xf: max CPUs");
	CHECK(get(FWCFG_NB_CPUS, 4) == 3, "reading past an item gives zeroes");
	CHECK(get(0x11, 8) == 0, "a key with no item (FW_CFG_MAX_RAM) reads 0");
	CHECK(get(FWCFG_WRITE_CHANNEL | FWCFG_NB_CPUS, 2) == 3,
	      "the write-channel bit is masked off, as QEMU's");
	CHECK(get(0x8000 | FWCFG_NB_CPUS, 2) == 0, "an arch-local key is another key");

	/* Reselecting rewinds; half an item, then the selector again. */
	sel(FWCFG_SIGNATURE);
	inb(FWCFG_PORT_DATA);
	inb(FWCFG_PORT_DATA);
	sel(FWCFG_SIGNATURE);
	CHECK(inb(FWCFG_PORT_DATA) == 'Q', "a new select starts at the item's first byte");

	/* A byte write to the selector is not a select (QEMU takes 16-bit only). */
	sel(FWCFG_RAM_SIZE);
	w[0] = FWCFG_SIGNATURE;
	fwcfg_io(&f, FWCFG_PORT_SEL, true, 1, w);
	CHECK(inb(FWCFG_PORT_DATA) == ((96ULL << 20) & 0xff), "an 8-bit selector write is ignored");
	/* Nor does a data write change the item. */
	w[0] = 0xaa;
	fwcfg_io(&f, FWCFG_PORT_DATA, true, 1, w);
	CHECK(inb(FWCFG_PORT_DATA) == (((96ULL << 20) >> 8) & 0xff), "a data write is ignored");

	memset(w, 0, sizeof(w));
	sel(FWCFG_SIGNATURE);
	fwcfg_io(&f, FWCFG_PORT_DATA, false, 4, w);
	CHECK(w[0] == 0xff && w[1] == 0xff && w[2] == 0xff && w[3] == 0xff,
	      "a 32-bit data read is all ones");
	CHECK(inb(FWCFG_PORT_DATA) == 'Q', "... and reads nothing");
	memset(w, 0, sizeof(w));
	fwcfg_io(&f, FWCFG_PORT_SEL, false, 2, w);
	CHECK(w[0] == 'E' && w[1] == 0, "a 16-bit selector read reads data, as QEMU's");
	return unit_done("test_fwcfg");
}
