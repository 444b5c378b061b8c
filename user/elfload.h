/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ELF executables the tool loads (load.c's images, multiboot.c's
 * kernels): one parser, which checks every offset and size against the
 * file before anything is copied.
 */
#ifndef KVMINI_USER_ELFLOAD_H
#define KVMINI_USER_ELFLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ELF_MAX_SEGMENTS	16

/* A PT_LOAD segment: file bytes [off, off + filesz) at paddr, memsz long. */
struct elf_segment {
	uint64_t off, filesz, memsz, paddr;
};

struct elf_image {
	bool is64;
	uint64_t entry;
	unsigned int nseg;	/* the PT_LOAD segments with memsz, in file order */
	struct elf_segment seg[ELF_MAX_SEGMENTS];
};

bool elf_parse(const uint8_t *buf, size_t size, struct elf_image *e, char *err,
	       size_t err_size);

#endif
