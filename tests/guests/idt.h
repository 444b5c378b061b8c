/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The 64-bit IDT of the guests that link idt.S: its stubs for the first
 * 32 vectors, and what its #GP and #PF probes leave behind (idt.S).
 */
#ifndef KVMINI_GUEST_IDT_H
#define KVMINI_GUEST_IDT_H

#include <stdint.h>

extern const uint64_t idt_stubs[32];
extern volatile uint8_t gp_expected, pf_expected;
extern volatile uint32_t gp_count, pf_count;
extern volatile uint64_t gp_rflags, pf_error, pf_cr2;

struct idt_gate {
	uint64_t lo, hi;
};

/* A present, DPL 0, 64-bit interrupt gate to @handler: IF off in the handler. */
static inline void idt_set_gate(struct idt_gate *g, uint64_t handler)
{
	uint16_t cs;

	asm volatile("mov %%cs, %0" : "=r"(cs));
	g->lo = (handler & 0xffff) | (uint64_t)cs << 16 | 0x8eULL << 40 |
		((handler >> 16) & 0xffff) << 48;
	g->hi = handler >> 32;
}

/* @idt's first 32 gates to idt.S's stubs; the caller may change some before idt_load(). */
static inline void idt_set_stubs(struct idt_gate *idt)
{
	unsigned int i;

	for (i = 0; i < 32; i++)
		idt_set_gate(&idt[i], idt_stubs[i]);
}

static inline void idt_load(const struct idt_gate *idt, unsigned int n)
{
	struct __attribute__((packed)) { uint16_t limit; uint64_t base; } idtr = {
		.limit = n * sizeof(*idt) - 1,
		.base = (uint64_t)idt,
	};

	asm volatile("lidt %0" : : "m"(idtr));
}

#endif
