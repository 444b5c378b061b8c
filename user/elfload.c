// SPDX-License-Identifier: GPL-2.0
/*
 * ELF32 and ELF64 x86 executables.  One loop serves both classes: the
 * fields are read into 64-bit locals through the matching struct, once
 * the file is known to hold them.
 */
#include <elf.h>
#include <stdio.h>
#include <string.h>

#include "elfload.h"

static bool header_ok(const uint8_t *buf, size_t size, bool *is64, char *err, size_t err_size)
{
	const Elf64_Ehdr *e64 = (const void *)buf;
	const Elf32_Ehdr *e32 = (const void *)buf;
	unsigned int type, machine;

	if (size < EI_NIDENT || memcmp(buf, ELFMAG, SELFMAG)) {
		snprintf(err, err_size, "truncated header");
		return false;
	}
	if (buf[EI_CLASS] != ELFCLASS32 && buf[EI_CLASS] != ELFCLASS64) {
		snprintf(err, err_size, "class %u is neither ELF32 nor ELF64", buf[EI_CLASS]);
		return false;
	}
	*is64 = buf[EI_CLASS] == ELFCLASS64;
	if (buf[EI_DATA] != ELFDATA2LSB) {
		snprintf(err, err_size, "not little-endian");
		return false;
	}
	if (size < (*is64 ? sizeof(*e64) : sizeof(*e32))) {
		snprintf(err, err_size, "truncated header");
		return false;
	}
	type = *is64 ? e64->e_type : e32->e_type;
	machine = *is64 ? e64->e_machine : e32->e_machine;
	if (type != ET_EXEC) {
		snprintf(err, err_size, "type %u, only static executables (ET_EXEC) run", type);
		return false;
	}
	if (machine != (*is64 ? EM_X86_64 : EM_386)) {
		snprintf(err, err_size, "machine %u is not %s", machine,
			 *is64 ? "x86-64" : "i386");
		return false;
	}
	return true;
}

/**
 * elf_parse - the entry and the PT_LOAD segments of an ELF executable
 * @buf: the file, @size bytes
 * @e: filled in
 * @err: on failure, why, without the file's name
 * @err_size: its room
 *
 * Return: true; false when the file is no x86 executable, a table or a
 * segment lies outside it, a segment's file part exceeds its memory part,
 * nothing is loaded, or there are more than ELF_MAX_SEGMENTS segments.
 */
bool elf_parse(const uint8_t *buf, size_t size, struct elf_image *e, char *err,
	       size_t err_size)
{
	const Elf64_Ehdr *e64 = (const void *)buf;
	const Elf32_Ehdr *e32 = (const void *)buf;
	uint64_t phoff, phentsize, phnum, i;

	memset(e, 0, sizeof(*e));
	if (!header_ok(buf, size, &e->is64, err, err_size))
		return false;
	e->entry = e->is64 ? e64->e_entry : e32->e_entry;
	phoff = e->is64 ? e64->e_phoff : e32->e_phoff;
	phentsize = e->is64 ? e64->e_phentsize : e32->e_phentsize;
	phnum = e->is64 ? e64->e_phnum : e32->e_phnum;
	if (phentsize != (e->is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr)) ||
	    phoff > size || phnum * phentsize > size - phoff) {
		snprintf(err, err_size, "bad program header table");
		return false;
	}
	for (i = 0; i < phnum; i++) {
		const uint8_t *ph = buf + phoff + i * phentsize;
		const Elf64_Phdr *p64 = (const void *)ph;
		const Elf32_Phdr *p32 = (const void *)ph;
		struct elf_segment s;

		if ((e->is64 ? p64->p_type : p32->p_type) != PT_LOAD)
			continue;
		s.off = e->is64 ? p64->p_offset : p32->p_offset;
		s.filesz = e->is64 ? p64->p_filesz : p32->p_filesz;
		s.memsz = e->is64 ? p64->p_memsz : p32->p_memsz;
		s.paddr = e->is64 ? p64->p_paddr : p32->p_paddr;
		if (s.off > size || s.filesz > size - s.off || s.filesz > s.memsz) {
			snprintf(err, err_size, "segment %llu lies outside the file",
				 (unsigned long long)i);
			return false;
		}
		if (!s.memsz)
			continue;
		if (e->nseg == ELF_MAX_SEGMENTS) {
			snprintf(err, err_size, "more than %d segments to load", ELF_MAX_SEGMENTS);
			return false;
		}
		e->seg[e->nseg++] = s;
	}
	if (!e->nseg) {
		snprintf(err, err_size, "nothing to load (no PT_LOAD segment)");
		return false;
	}
	return true;
}
