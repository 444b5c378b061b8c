// SPDX-License-Identifier: GPL-2.0
/* PCI configuration ports answering "no device" (pci.h); byte by byte, as io.c splits wider accesses. */
#include "pci.h"

void pci_write(struct pci *p, uint16_t port, uint8_t val)
{
	unsigned int shift = (port - 0xcf8) * 8;

	if (port < 0xcfc)
		p->address = (p->address & ~(0xffu << shift)) | ((uint32_t)val << shift);
}

uint8_t pci_read(struct pci *p, uint16_t port)
{
	if (port < 0xcfc)
		return p->address >> ((port - 0xcf8) * 8);
	return 0xff;
}
