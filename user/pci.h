/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PCI configuration mechanism #1 with no device behind it: the address
 * register at 0xcf8 keeps what is written (Linux checks it reads back
 * before it tries the bus), and every configuration read at 0xcfc-0xcff
 * is all ones, "no device".  Pure state.
 */
#ifndef KVMINI_PCI_H
#define KVMINI_PCI_H

#include <stdbool.h>
#include <stdint.h>

struct pci {
	uint32_t address;
};

void pci_write(struct pci *p, uint16_t port, uint8_t val);
uint8_t pci_read(struct pci *p, uint16_t port);

#endif
