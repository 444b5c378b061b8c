// SPDX-License-Identifier: GPL-2.0
/*
 * mboot: a Multiboot (v1) kernel of our own, booted by `kvmini run
 * --multiboot mboot.elf --initrd ENV --append mboot-arg=1`, that looks
 * at what a multiboot loader and QEMU's devices promise, as
 * kvm-unit-tests' x86 guests do:
 *   0x01 EAX holds 0x2badb002 at the entry
 *   0x02 mem_lower is 640 KiB, mem_upper at least 1 MiB
 *   0x04 the memory map has RAM at 0 and RAM from 1 MiB for mem_upper KiB
 *   0x08 the command line is "PATH/mboot.elf ... mboot-arg=1"
 *   0x10 one module, page-aligned, above the image, starting "MBOOT_ENV=42\n"
 *   0x20 fw_cfg says "QEMU", and a RAM size where the memory map ends
 *   0x40 fw_cfg says 1 CPU (NB_CPUS), no more than MAX_CPUS
 * It prints what it found through the 16550 at 0x3f8 (set up and polled
 * as kvm-unit-tests' serial driver does, "\r\n" included), then
 * "mboot: ok" or "mboot: FAIL 0x<bits>", and writes the failed bits to
 * isa-debug-exit at 0xf4: the tool exits with (bits << 1) | 1, 1 when all
 * is well.  Without debug-exit it ends with cli; hlt.
 */
#include "guest.h"

#define COM1		0x3f8
#define FWCFG_SEL	0x510
#define FWCFG_DATA	0x511
#define DEBUG_EXIT	0xf4

#define BAD_MAGIC	0x01
#define BAD_MEM		0x02
#define BAD_MMAP	0x04
#define BAD_CMDLINE	0x08
#define BAD_MODULE	0x10
#define BAD_FWCFG	0x20
#define BAD_CPUS	0x40

#define MB_HEADER_FLAGS	0x00000002	/* memory information, please */

struct mbi {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
	uint32_t mods_count, mods_addr, syms[4], mmap_length, mmap_addr;
};

struct mbi_module {
	uint32_t start, end, cmdline, reserved;
};

/* Its only .bss, so the image ends with it: modules must come after. */
uint8_t mboot_stack[8192] __attribute__((aligned(16)));
#define IMAGE_END	((uint32_t)(mboot_stack + sizeof(mboot_stack)))

/* The header, then the entry: EAX and EBX as the loader left them, on our own stack. */
asm(".section .text.start, \"ax\"\n"
    ".balign 4\n"
    ".long 0x1badb002, 0x00000002, -(0x1badb002 + 0x00000002)\n"
    ".globl _start\n"
    "_start:\n"
    "	mov $mboot_stack + 8192, %esp\n"
    "	push %ebx\n"
    "	push %eax\n"
    "	call mboot_main\n"
    "1:	cli\n"
    "	hlt\n"
    "	jmp 1b\n"
    ".previous\n");

static void serial_init(void)
{
	outb(COM1 + 3, inb(COM1 + 3) | 0x80);	/* DLAB */
	outb(COM1 + 0, 0x01);			/* 115200 */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, inb(COM1 + 3) & ~0x80);
	outb(COM1 + 1, 0x00);			/* no interrupts */
	outb(COM1 + 3, 0x03);			/* 8N1 */
	outb(COM1 + 2, 0x00);			/* no FIFO */
	outb(COM1 + 4, 0x03);			/* RTS, DTR */
}

static void sputc(char c)
{
	if (c == '\n')
		sputc('\r');
	while (!(inb(COM1 + 5) & 0x20))
		;
	outb(COM1, c);
}

static void sputs(const char *s)
{
	while (*s)
		sputc(*s++);
}

static void sputdec(uint32_t v)
{
	char buf[11];
	int i = 10;

	buf[i] = 0;
	do
		buf[--i] = '0' + v % 10;
	while (v /= 10);
	sputs(buf + i);
}

static void sputhex(uint32_t v)
{
	int shift = 28;

	sputs("0x");
	while (shift > 0 && !(v >> shift))
		shift -= 4;
	for (; shift >= 0; shift -= 4)
		sputc("0123456789abcdef"[(v >> shift) & 0xf]);
}

/* As kvm-unit-tests reads fw_cfg: a 16-bit select, then byte reads, little-endian. */
static uint64_t fwcfg(uint16_t key, int bytes)
{
	uint64_t v = 0;
	int i;

	outw(FWCFG_SEL, key);
	for (i = 0; i < bytes; i++)
		v |= (uint64_t)inb(FWCFG_DATA) << (8 * i);
	return v;
}

static bool starts(const char *s, const char *prefix)
{
	while (*prefix)
		if (*s++ != *prefix++)
			return false;
	return true;
}

/* The last blank-separated word of @s is @word, and the first ends with @first. */
static bool words_ok(const char *s, const char *first, const char *word)
{
	const char *last = s, *p, *end;
	unsigned int n = 0, m = 0;

	for (end = s; *end && *end != ' '; end++)
		;
	while (first[m])
		m++;
	if (end - s < (long)m)
		return false;
	for (p = end - m; *first; )
		if (*p++ != *first++)
			return false;
	for (p = s; *p; p++)
		if (*p == ' ' && p[1] && p[1] != ' ')
			last = p + 1;
	for (p = last; p[n] && p[n] != ' '; n++)
		if (p[n] != word[n])
			return false;
	return !word[n];
}

static uint32_t check_mmap(const struct mbi *mbi, uint64_t *map_end)
{
	uint32_t p = mbi->mmap_addr, bad = 0;
	bool low = false, high = false;

	*map_end = 0;
	if (!(mbi->flags & (1 << 6)) || !mbi->mmap_length)
		return BAD_MMAP;
	while (p < mbi->mmap_addr + mbi->mmap_length) {
		uint32_t size = *(uint32_t *)p;
		uint64_t base = *(uint64_t *)(p + 4), len = *(uint64_t *)(p + 12);
		uint32_t type = *(uint32_t *)(p + 20);

		sputs("mboot: mmap ");
		sputhex(base);
		sputs(" ");
		sputhex(len);
		sputs(" type ");
		sputdec(type);
		sputc('\n');
		if (size != 20)
			bad = BAD_MMAP;
		if (type == 1 && base == 0 && len >= 0x9f000)
			low = true;
		if (type == 1 && base == 0x100000 && len == (uint64_t)mbi->mem_upper * 1024)
			high = true;
		if (base + len > *map_end)
			*map_end = base + len;
		p += size + 4;
	}
	return low && high ? bad : BAD_MMAP;
}

static uint32_t check_module(const struct mbi *mbi)
{
	const struct mbi_module *m = (const void *)mbi->mods_addr;
	const char *data;

	if (!(mbi->flags & (1 << 3)) || mbi->mods_count != 1)
		return BAD_MODULE;
	data = (const char *)m->start;
	sputs("mboot: module ");
	sputs((const char *)m->cmdline);
	sputs(" at ");
	sputhex(m->start);
	sputs(", ");
	sputdec(m->end - m->start);
	sputs(" bytes\n");
	if (m->start % 4096 || m->start < IMAGE_END || m->end < m->start + 13 ||
	    !*(const char *)m->cmdline || !starts(data, "MBOOT_ENV=42\n"))
		return BAD_MODULE;
	return 0;
}

void mboot_main(uint32_t magic, const struct mbi *mbi);

void mboot_main(uint32_t magic, const struct mbi *mbi)
{
	uint32_t bad = 0, cpus;
	uint64_t map_end = 0, ram;
	bool ram_ok;
	char sig[5] = { 0 };
	int i;

	serial_init();
	if (magic != 0x2badb002) {
		sputs("mboot: EAX ");
		sputhex(magic);
		sputc('\n');
		bad = BAD_MAGIC | BAD_MEM | BAD_MMAP | BAD_CMDLINE | BAD_MODULE;
		goto devices;
	}
	sputs("mboot: mem_lower ");
	sputdec(mbi->mem_lower);
	sputs(" KiB, mem_upper ");
	sputdec(mbi->mem_upper);
	sputs(" KiB\n");
	if (!(mbi->flags & 1) || mbi->mem_lower != 640 || mbi->mem_upper < 1024)
		bad |= BAD_MEM;
	bad |= check_mmap(mbi, &map_end);
	if (mbi->flags & (1 << 2)) {
		sputs("mboot: cmdline ");
		sputs((const char *)mbi->cmdline);
		sputc('\n');
		if (!words_ok((const char *)mbi->cmdline, "mboot.elf", "mboot-arg=1"))
			bad |= BAD_CMDLINE;
	} else {
		bad |= BAD_CMDLINE;
	}
	bad |= check_module(mbi);

devices:
	outw(FWCFG_SEL, 0);
	for (i = 0; i < 4; i++)
		sig[i] = inb(FWCFG_DATA);
	ram = fwcfg(0x03, 8);
	cpus = fwcfg(0x05, 2);
	sputs("mboot: fw_cfg ");
	sputs(sig);
	sputs(", RAM ");
	sputdec(ram >> 20);
	sputs(" MiB, ");
	sputdec(cpus);
	sputs(" CPU(s)\n");
	/* The RAM size is where the memory map ends, as QEMU's. */
	ram_ok = bad & BAD_MMAP ? ram >= (2 << 20) : ram == map_end;
	if (!starts(sig, "QEMU") || !ram_ok)
		bad |= BAD_FWCFG;
	if (cpus != 1 || fwcfg(0x0f, 2) < cpus)
		bad |= BAD_CPUS;

	if (bad) {
		sputs("mboot: FAIL ");
		sputhex(bad);
		sputc('\n');
	} else {
		sputs("mboot: ok\n");
	}
	outl(DEBUG_EXIT, bad);
}
