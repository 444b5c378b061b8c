/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the C guests share: port I/O, printing on port 0xe9, CPUID, the
 * end of a run.  All static inline, so a guest is one C file plus
 * start.S, built for 32 or 64 bits alike (no 64-bit division: libgcc is
 * not linked in).
 */
#ifndef GUEST_H
#define GUEST_H

#include <stdbool.h>
#include <stdint.h>

#define DEBUG_PORT 0xe9

static inline void outb(uint16_t port, uint8_t v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t v)
{
	asm volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	asm volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;

	asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void putc(char c)
{
	outb(DEBUG_PORT, c);
}

static inline void puts(const char *s)
{
	while (*s)
		putc(*s++);
}

/* 0x and as many hex digits as needed. */
static inline void puthex(uint64_t v)
{
	int shift = 60;

	puts("0x");
	while (shift > 0 && !(v >> shift))
		shift -= 4;
	for (; shift >= 0; shift -= 4)
		putc("0123456789abcdef"[(v >> shift) & 0xf]);
}

static inline void putdec(uint32_t v)
{
	char buf[11];
	int i = sizeof(buf) - 1;

	buf[i] = 0;
	do {
		buf[--i] = '0' + v % 10;
		v /= 10;
	} while (v);
	puts(buf + i);
}

static inline void cpuid(uint32_t leaf, uint32_t subleaf, uint32_t r[4])
{
	asm volatile("cpuid"
		     : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
		     : "a"(leaf), "c"(subleaf));
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return lo | (uint64_t)hi << 32;
}

/*
 * Where the kvmini tool's area starts: the top 64 KiB of RAM (of the
 * vCPU's slice with several), whose first bytes are the GDT the tool
 * loaded (`kvmini run --help`).  A guest that sizes its work by --mem
 * reads it here, so one image serves every size.  Only before the guest
 * loads a GDT of its own.
 */
#define TOOL_AREA_SIZE	0x10000ULL
static inline uint64_t tool_area(void)
{
	struct {
		uint16_t limit;
		unsigned long base;
	} __attribute__((packed)) gdtr;

	asm volatile("sgdt %0" : "=m"(gdtr));
	return gdtr.base;
}

static inline __attribute__((noreturn)) void halt(void)
{
	for (;;)
		asm volatile("cli; hlt");
}

/* What idt.S's unexpected_exception() says before it stops the guest. */
static inline __attribute__((noreturn)) void report_exception(const char *who, uint64_t vector,
							      uint64_t error, uint64_t rip)
{
	puts(who);
	puts(": FAIL unexpected exception ");
	putdec(vector);
	puts(" error ");
	puthex(error);
	puts(" at rip ");
	puthex(rip);
	putc('\n');
	halt();
}

/* Called by start.S on its own stack; returning halts. */
void guest_main(void);

#endif
