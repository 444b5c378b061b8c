// SPDX-License-Identifier: GPL-2.0
/*
 * pio (protected mode): port I/O in every size and both string forms,
 * against the devices of the kvmini tool: the 0xe9 console (prints every
 * byte of a wide write), the 16550's scratch register at 0x3ff, and a
 * port nothing decodes (0x300: all ones).  Prints two lines made by the
 * wide and by the string writes:
 *   pio: outw, outl
 *   pio: rep outsb, outsw, outsl: abcdefgh
 * then "pio: ok" or "pio: FAIL <which>".
 */
#include "guest.h"

#define SCRATCH	0x3ff
#define NOBODY	0x300

static int failed;

static void check(bool ok, const char *what, uint32_t got)
{
	if (ok || failed)
		return;
	failed = 1;
	puts("pio: FAIL ");
	puts(what);
	puts(" got ");
	puthex(got);
	putc('\n');
}

/* rep outs/ins: the count, source and destination must all advance. */
static void outs(unsigned int size, uint16_t port, const void *buf, uint32_t n)
{
	const void *end = (const char *)buf + n * size;

	switch (size) {
	case 1:
		asm volatile("rep outsb" : "+S"(buf), "+c"(n) : "d"(port) : "memory");
		break;
	case 2:
		asm volatile("rep outsw" : "+S"(buf), "+c"(n) : "d"(port) : "memory");
		break;
	default:
		asm volatile("rep outsl" : "+S"(buf), "+c"(n) : "d"(port) : "memory");
	}
	check(n == 0 && buf == end, "rep outs registers", n);
}

static void ins(unsigned int size, uint16_t port, void *buf, uint32_t n)
{
	void *end = (char *)buf + n * size;

	switch (size) {
	case 1:
		asm volatile("rep insb" : "+D"(buf), "+c"(n) : "d"(port) : "memory");
		break;
	case 2:
		asm volatile("rep insw" : "+D"(buf), "+c"(n) : "d"(port) : "memory");
		break;
	default:
		asm volatile("rep insl" : "+D"(buf), "+c"(n) : "d"(port) : "memory");
	}
	check(n == 0 && buf == end, "rep ins registers", n);
}

void guest_main(void)
{
	static const char b[] = "pio: rep outsb, ";
	static const char w[] = "outsw, outsl: ";	/* even length */
	static const char l[] = "abcdefgh";
	uint8_t buf8[8];
	uint16_t buf16[4];
	uint32_t buf32[4];
	unsigned int i;

	/* Wide single writes: "outw" then "outl" on the console. */
	puts("pio: ");
	outw(DEBUG_PORT, 'o' | 'u' << 8);
	outw(DEBUG_PORT, 't' | 'w' << 8);
	outw(DEBUG_PORT, ',' | ' ' << 8);
	outl(DEBUG_PORT, 'o' | 'u' << 8 | 't' << 16 | (uint32_t)'l' << 24);
	putc('\n');

	/* String writes: one line, in three sizes. */
	outs(1, DEBUG_PORT, b, sizeof(b) - 1);
	outs(2, DEBUG_PORT, w, (sizeof(w) - 1) / 2);
	outs(4, DEBUG_PORT, l, (sizeof(l) - 1) / 4);
	putc('\n');

	/* A register that keeps what it is given, through both encodings. */
	outb(SCRATCH, 0x5a);
	check(inb(SCRATCH) == 0x5a, "inb scratch (dx)", inb(SCRATCH));
	asm volatile("outb %%al, $0xff" : : "a"(0xa5));	/* 0xff: not ours */
	outb(SCRATCH, 0x3c);
	{
		uint8_t v;

		asm volatile("inb $0xe9, %0" : "=a"(v));
		check(v == 0xe9, "inb 0xe9 (imm8)", v);
	}
	check(inb(SCRATCH) == 0x3c, "inb scratch after write", inb(SCRATCH));

	/* Nobody home: all ones in every size. */
	check(inb(NOBODY) == 0xff, "inb unbacked", inb(NOBODY));
	check(inw(NOBODY) == 0xffff, "inw unbacked", inw(NOBODY));
	check(inl(NOBODY) == 0xffffffff, "inl unbacked", inl(NOBODY));

	/* String reads, with a guard element that must stay untouched. */
	for (i = 0; i < 8; i++)
		buf8[i] = 0;
	outb(SCRATCH, 0x77);
	ins(1, SCRATCH, buf8, 7);
	for (i = 0; i < 7; i++)
		check(buf8[i] == 0x77, "rep insb scratch", buf8[i]);
	check(buf8[7] == 0, "rep insb wrote past the end", buf8[7]);
	for (i = 0; i < 4; i++)
		buf16[i] = 0x1234;
	ins(2, NOBODY, buf16, 3);
	for (i = 0; i < 3; i++)
		check(buf16[i] == 0xffff, "rep insw unbacked", buf16[i]);
	check(buf16[3] == 0x1234, "rep insw wrote past the end", buf16[3]);
	for (i = 0; i < 4; i++)
		buf32[i] = 0x12345678;
	ins(4, NOBODY, buf32, 3);
	for (i = 0; i < 3; i++)
		check(buf32[i] == 0xffffffff, "rep insl unbacked", buf32[i]);
	check(buf32[3] == 0x12345678, "rep insl wrote past the end", buf32[3]);

	if (!failed)
		puts("pio: ok\n");
}
