// SPDX-License-Identifier: GPL-2.0
/*
 * Multiboot v1 (user/multiboot.c) on made-up images: the header search,
 * the ELF32/ELF64 and a.out-kludge load plans, hostile sizes and offsets
 * refused in one line, and the boot information's layout.
 */
#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "../../user/multiboot.h"
#include "unit.h"

#define RAM_LO		0x10000ULL
#define RAM_HI		(32ULL << 20)
#define HDR_OFF		0x200
#define IMG_SIZE	0x1000

static uint8_t img[IMG_SIZE];
static char err[300];

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static void header(uint8_t *buf, size_t off, uint32_t flags)
{
	put32(buf + off, MB_HEADER_MAGIC);
	put32(buf + off + 4, flags);
	put32(buf + off + 8, -(MB_HEADER_MAGIC + flags));
}

/* An ELF32 like kvm-unit-tests' .flat: text at 4 MiB, data with .bss after it. */
static size_t elf32(void)
{
	Elf32_Ehdr *e = (void *)img;
	Elf32_Phdr *p = (void *)(img + sizeof(*e));

	memset(img, 0, sizeof(img));
	memcpy(e->e_ident, ELFMAG, SELFMAG);
	e->e_ident[EI_CLASS] = ELFCLASS32;
	e->e_ident[EI_DATA] = ELFDATA2LSB;
	e->e_type = ET_EXEC;
	e->e_machine = EM_386;
	e->e_entry = 0x400080;
	e->e_phoff = sizeof(*e);
	e->e_phentsize = sizeof(*p);
	e->e_phnum = 3;
	p[0].p_type = PT_LOAD;
	p[0].p_offset = 0;
	p[0].p_paddr = 0x400000;
	p[0].p_filesz = p[0].p_memsz = 0x800;
	p[1].p_type = PT_NOTE;
	p[1].p_offset = 0x7fffffff;	/* not loaded: never looked at */
	p[2].p_type = PT_LOAD;
	p[2].p_offset = 0x800;
	p[2].p_paddr = 0x401000;
	p[2].p_filesz = 0x100;
	p[2].p_memsz = 0x3000;
	header(img, HDR_OFF, 0);
	return IMG_SIZE;
}

static Elf32_Phdr *ph32(unsigned int i)
{
	return (Elf32_Phdr *)(img + sizeof(Elf32_Ehdr)) + i;
}

static bool plan(size_t size, struct mb_plan *p)
{
	struct mb_header h;

	if (mb_find_header(img, size, &h, err, sizeof(err)) != 1)
		return false;
	return mb_plan_load(img, size, &h, RAM_LO, RAM_HI, p, err, sizeof(err));
}

/* @what is refused with a message containing @msg, on one line. */
static void refused(size_t size, const char *msg, const char *what)
{
	struct mb_plan p;

	err[0] = 0;
	CHECK(!plan(size, &p) && strstr(err, msg) && !strchr(err, '\n'), what);
	if (!strstr(err, msg))
		printf("     (said: %s)\n", err);
}

static void test_header(void)
{
	struct mb_header h;

	elf32();
	CHECK(mb_find_header(img, IMG_SIZE, &h, err, sizeof(err)) == 1 && h.offset == HDR_OFF &&
	      h.flags == 0, "the header after the ELF headers is found");
	memset(img, 0, sizeof(img));
	CHECK(mb_find_header(img, IMG_SIZE, &h, err, sizeof(err)) == 0 &&
	      strstr(err, "no multiboot header"), "none in a file of zeroes");
	header(img, 130, 0);
	CHECK(mb_find_header(img, IMG_SIZE, &h, err, sizeof(err)) == 0,
	      "a header off 32-bit alignment is not one");

	{
		static uint8_t big[MB_SEARCH + 64];

		header(big, MB_SEARCH, 0);
		CHECK(mb_find_header(big, sizeof(big), &h, err, sizeof(err)) == 0,
		      "a header past the first 8 KiB is not one");
		memset(big, 0, sizeof(big));
		header(big, MB_SEARCH - 12, 0);
		CHECK(mb_find_header(big, sizeof(big), &h, err, sizeof(err)) == 1,
		      "a header ending at 8 KiB is one");
	}

	memset(img, 0, sizeof(img));
	header(img, 64, 0);
	put32(img + 72, 0);
	CHECK(mb_find_header(img, IMG_SIZE, &h, err, sizeof(err)) == -1 &&
	      strstr(err, "bad checksum"), "a bad checksum is refused");
	header(img, 256, 0);
	CHECK(mb_find_header(img, IMG_SIZE, &h, err, sizeof(err)) == 1 && h.offset == 256,
	      "a good header after a bad one is found");

	memset(img, 0, sizeof(img));
	header(img, 0, MB_FLAG_VIDEO);
	CHECK(mb_find_header(img, IMG_SIZE, &h, err, sizeof(err)) == -1 &&
	      strstr(err, "video"), "a required video mode is refused");
	header(img, 0, 1u << 5);
	CHECK(mb_find_header(img, IMG_SIZE, &h, err, sizeof(err)) == -1 &&
	      strstr(err, "0x20"), "an unknown required flag is refused");
	header(img, 0, MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMINFO | (1u << 20));
	CHECK(mb_find_header(img, IMG_SIZE, &h, err, sizeof(err)) == 1,
	      "page alignment, memory information and optional flags are fine");
	header(img, 0, MB_FLAG_AOUT);
	CHECK(mb_find_header(img, 20, &h, err, sizeof(err)) == -1 && strstr(err, "past the end"),
	      "a.out address fields cut off by the end of the file");
	CHECK(mb_find_header(img, 4, &h, err, sizeof(err)) == 0, "a 4-byte file has none");
	CHECK(mb_find_header(img, 0, &h, err, sizeof(err)) == 0, "an empty file has none");
}

static void test_elf32(void)
{
	struct mb_plan p;

	CHECK(plan(elf32(), &p), "an ELF32 multiboot image is planned");
	CHECK(p.nseg == 2 && p.entry == 0x400080, "two PT_LOAD segments, entry e_entry");
	CHECK(p.seg[0].gpa == 0x400000 && p.seg[0].offset == 0 && p.seg[0].filesz == 0x800 &&
	      p.seg[0].memsz == 0x800, "text at its p_paddr");
	CHECK(p.seg[1].gpa == 0x401000 && p.seg[1].offset == 0x800 && p.seg[1].filesz == 0x100 &&
	      p.seg[1].memsz == 0x3000, "data with its .bss");
	CHECK(p.lo == 0x400000 && p.hi == 0x404000, "it occupies 0x400000-0x404000");

	elf32();
	ph32(2)->p_filesz = 0x900;
	refused(IMG_SIZE, "outside the file", "a segment running past the end of the file");
	elf32();
	ph32(2)->p_offset = 0xffffff00;
	refused(IMG_SIZE, "outside the file", "a segment offset past the end of the file");
	elf32();
	ph32(2)->p_filesz = 0x4000;
	ph32(2)->p_memsz = 0x100;
	refused(IMG_SIZE, "outside the file", "filesz larger than memsz");
	elf32();
	((Elf32_Ehdr *)img)->e_phoff = IMG_SIZE - 8;
	refused(IMG_SIZE, "program header table", "program headers past the end of the file");
	elf32();
	((Elf32_Ehdr *)img)->e_phnum = 0xffff;
	refused(IMG_SIZE, "program header table", "more program headers than the file holds");
	elf32();
	((Elf32_Ehdr *)img)->e_phentsize = 16;
	refused(IMG_SIZE, "program header table", "a wrong program header size");
	elf32();
	ph32(2)->p_paddr = RAM_HI - 0x1000;
	refused(IMG_SIZE, "outside the RAM", "a segment past the end of RAM");
	elf32();
	ph32(2)->p_paddr = 0xfffff000;
	ph32(2)->p_memsz = 0xffffffff;
	refused(IMG_SIZE, "outside the RAM", "a segment wrapping around 4 GiB");
	elf32();
	ph32(0)->p_paddr = 0x9000;
	refused(IMG_SIZE, "outside the RAM", "a segment over the boot information");
	elf32();
	((Elf32_Ehdr *)img)->e_entry = 0x500000;
	refused(IMG_SIZE, "entry", "an entry outside the segments");
	elf32();
	ph32(0)->p_type = PT_NULL;
	ph32(2)->p_type = PT_NULL;
	refused(IMG_SIZE, "nothing to load", "no PT_LOAD segment");
	elf32();
	((Elf32_Ehdr *)img)->e_machine = EM_X86_64;
	refused(IMG_SIZE, "is not i386", "an ELF32 for another machine");
	elf32();
	((Elf32_Ehdr *)img)->e_type = ET_DYN;
	refused(IMG_SIZE, "only static executables", "a shared object");
	elf32();
	img[EI_CLASS] = 7;
	refused(IMG_SIZE, "class", "an unknown ELF class");
	memset(img, 0, sizeof(img));
	memcpy(img, ELFMAG, SELFMAG);
	img[EI_CLASS] = ELFCLASS64;
	img[EI_DATA] = ELFDATA2LSB;
	header(img, 48, 0);
	refused(60, "truncated", "an ELF64 header cut short");
	elf32();
	img[0] = 0;
	refused(IMG_SIZE, "not an ELF", "no ELF and no a.out kludge");
}

static void test_elf64(void)
{
	Elf64_Ehdr *e = (void *)img;
	Elf64_Phdr *p = (void *)(img + sizeof(*e));
	struct mb_plan pl;

	memset(img, 0, sizeof(img));
	memcpy(e->e_ident, ELFMAG, SELFMAG);
	e->e_ident[EI_CLASS] = ELFCLASS64;
	e->e_ident[EI_DATA] = ELFDATA2LSB;
	e->e_type = ET_EXEC;
	e->e_machine = EM_X86_64;
	e->e_entry = 0x200010;
	e->e_phoff = sizeof(*e);
	e->e_phentsize = sizeof(*p);
	e->e_phnum = 1;
	p->p_type = PT_LOAD;
	p->p_paddr = 0x200000;
	p->p_filesz = 0x400;
	p->p_memsz = 0x1000;
	header(img, 0x100, 0);
	CHECK(plan(IMG_SIZE, &pl) && pl.nseg == 1 && pl.seg[0].gpa == 0x200000 &&
	      pl.entry == 0x200010, "an ELF64 multiboot image is planned");
	p->p_paddr = 1ULL << 40;
	refused(IMG_SIZE, "outside the RAM", "an ELF64 segment above 4 GiB");
	p->p_paddr = 0x200000;
	p->p_offset = ~0ULL - 0x10;
	refused(IMG_SIZE, "outside the file", "an ELF64 offset near 2^64");
}

/* A raw image with the kludge: header at 0x40, loaded from the file's start at 1 MiB. */
static void aout(uint32_t header_addr, uint32_t load, uint32_t load_end, uint32_t bss_end,
		 uint32_t entry)
{
	memset(img, 0x90, sizeof(img));
	header(img, 0x40, MB_FLAG_AOUT);
	put32(img + 0x4c, header_addr);
	put32(img + 0x50, load);
	put32(img + 0x54, load_end);
	put32(img + 0x58, bss_end);
	put32(img + 0x5c, entry);
}

static void test_aout(void)
{
	struct mb_plan p;

	aout(0x100040, 0x100000, 0x100800, 0x102000, 0x100100);
	CHECK(plan(IMG_SIZE, &p) && p.nseg == 1 && p.seg[0].gpa == 0x100000 &&
	      p.seg[0].offset == 0 && p.seg[0].filesz == 0x800 && p.seg[0].memsz == 0x2000 &&
	      p.entry == 0x100100, "a.out kludge: load, bss and entry from the header");
	aout(0x100040, 0x100000, 0, 0, 0x100000);
	CHECK(plan(IMG_SIZE, &p) && p.seg[0].filesz == IMG_SIZE && p.seg[0].memsz == IMG_SIZE,
	      "load_end_addr 0 loads the whole file, bss_end_addr 0 has no bss");
	aout(0x100040, 0x100020, 0, 0, 0x100020);
	CHECK(plan(IMG_SIZE, &p) && p.seg[0].offset == 0x20 && p.seg[0].filesz == IMG_SIZE - 0x20,
	      "load_addr after the file's start skips what is before it");
	aout(0x100040, 0x100080, 0, 0, 0x100080);
	refused(IMG_SIZE, "below load_addr", "header_addr below load_addr");
	aout(0x100040, 0xff000, 0, 0, 0x100000);
	refused(IMG_SIZE, "before the file", "load_addr before the start of the file");
	aout(0x100040, 0x100000, 0x100000 + IMG_SIZE + 1, 0, 0x100000);
	refused(IMG_SIZE, "load_end_addr", "load_end_addr past the end of the file");
	aout(0x100040, 0x100000, 0x100000, 0, 0x100000);
	refused(IMG_SIZE, "load_end_addr", "load_end_addr equal to load_addr");
	aout(0x100040, 0x100000, 0x100800, 0x100400, 0x100000);
	refused(IMG_SIZE, "bss_end_addr", "bss_end_addr below load_end_addr");
	aout(0x100040, 0x100000, 0x100800, 0x102000, 0x102000);
	refused(IMG_SIZE, "entry_addr", "entry_addr past the bss");
	aout(0x100040, 0x100000, 0x100800, 0xfffffff0, 0x100000);
	refused(IMG_SIZE, "outside the RAM", "a bss reaching 4 GiB");
	aout(0x40, 0, 0, 0, 0x10);
	refused(IMG_SIZE, "outside the RAM", "an a.out image at address 0");
}

static uint32_t at32(const uint8_t *area, uint32_t base, uint32_t gpa)
{
	return get32(area + gpa - base);
}

static void test_info(void)
{
	static uint8_t area[0x7000];
	const uint32_t base = 0x9000, ram_end = RAM_HI - 0x10000;
	const struct mb_module mods[2] = {
		{ 0x405000, 0x405010, "env" },
		{ 0x406000, 0x406000, "empty arg" },
	};
	struct mb_boot b = {
		.ram_end = ram_end, .mem_size = RAM_HI, .cmdline = "x.flat -v",
		.loader = "kvmini", .nmods = 2, .mods = mods,
	};
	uint32_t info = 0, map, len, m;
	const uint8_t *e;

	memset(area, 0xcc, sizeof(area));
	CHECK(mb_write_info(area, base, sizeof(area), &b, &info, err, sizeof(err)),
	      "the boot information is written");
	CHECK(info == base, "the information structure first");
	CHECK(at32(area, base, info + MBI_FLAGS) == (MBI_FLAG_MEM | MBI_FLAG_CMDLINE |
	      MBI_FLAG_MODS | MBI_FLAG_MMAP | MBI_FLAG_LOADER), "flags: mem, cmdline, mods, mmap, loader");
	CHECK(at32(area, base, info + MBI_MEM_LOWER) == 640, "mem_lower 640 KiB");
	CHECK(at32(area, base, info + MBI_MEM_UPPER) == (ram_end - 0x100000) / 1024,
	      "mem_upper: KiB from 1 MiB to the tool's area");
	CHECK(at32(area, base, info + 12) == 0 && at32(area, base, info + 28) == 0 &&
	      at32(area, base, info + 84) == 0, "the fields not given are zero");
	CHECK(!strcmp((char *)area + at32(area, base, info + MBI_CMDLINE) - base, "x.flat -v"),
	      "the command line");
	CHECK(!strcmp((char *)area + at32(area, base, info + MBI_LOADER_NAME) - base, "kvmini"),
	      "the boot loader's name");

	map = at32(area, base, info + MBI_MMAP_ADDR);
	len = at32(area, base, info + MBI_MMAP_LENGTH);
	CHECK(len == 3 * MB_MMAP_ENTRY && map >= base && map + len <= base + sizeof(area),
	      "a memory map of three entries, in the area");
	e = area + map - base;
	CHECK(get32(e) == 20 && get64(e + 4) == 0 && get64(e + 12) == 0xa0000 && get32(e + 20) == 1,
	      "mmap: RAM below 640 KiB");
	e += MB_MMAP_ENTRY;
	CHECK(get32(e) == 20 && get64(e + 4) == 0x100000 && get64(e + 12) == ram_end - 0x100000 &&
	      get32(e + 20) == 1, "mmap: RAM from 1 MiB to the tool's area");
	e += MB_MMAP_ENTRY;
	CHECK(get64(e + 4) == ram_end && get64(e + 12) == 0x10000 && get32(e + 20) == 2,
	      "mmap: the tool's area reserved");

	CHECK(at32(area, base, info + MBI_MODS_COUNT) == 2, "two modules");
	m = at32(area, base, info + MBI_MODS_ADDR);
	CHECK(at32(area, base, m) == 0x405000 && at32(area, base, m + 4) == 0x405010 &&
	      !strcmp((char *)area + at32(area, base, m + 8) - base, "env") &&
	      at32(area, base, m + 12) == 0, "module 0: start, end, its string");
	CHECK(at32(area, base, m + 16) == 0x406000 && at32(area, base, m + 20) == 0x406000 &&
	      !strcmp((char *)area + at32(area, base, m + 24) - base, "empty arg"),
	      "module 1: an empty one");

	b.nmods = 0;
	b.cmdline = NULL;
	b.mem_size = ram_end;
	CHECK(mb_write_info(area, base, sizeof(area), &b, &info, err, sizeof(err)) &&
	      at32(area, base, info + MBI_MODS_COUNT) == 0 &&
	      at32(area, base, info + MBI_MMAP_LENGTH) == 2 * MB_MMAP_ENTRY &&
	      !*((char *)area + at32(area, base, info + MBI_CMDLINE) - base),
	      "no modules, no reserved tail, an empty command line");

	{
		char *long_cmd = malloc(sizeof(area) + 1);

		memset(long_cmd, 'a', sizeof(area));
		long_cmd[sizeof(area)] = 0;
		b.cmdline = long_cmd;
		CHECK(!mb_write_info(area, base, sizeof(area), &b, &info, err, sizeof(err)) &&
		      strstr(err, "does not fit") && !strchr(err, '\n'),
		      "a command line longer than the area is refused");
		free(long_cmd);
	}
	b.cmdline = "";
	b.nmods = MB_MAX_MODULES + 1;
	CHECK(!mb_write_info(area, base, sizeof(area), &b, &info, err, sizeof(err)),
	      "too many modules are refused");
	b.nmods = 0;
	b.ram_end = 0x100000;
	CHECK(!mb_write_info(area, base, sizeof(area), &b, &info, err, sizeof(err)),
	      "no RAM above 1 MiB is refused");
}

int main(void)
{
	test_header();
	test_elf32();
	test_elf64();
	test_aout();
	test_info();
	return unit_done("test_multiboot");
}
