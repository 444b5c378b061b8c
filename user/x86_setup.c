// SPDX-License-Identifier: GPL-2.0
/*
 * The CPU state a guest starts in, per mode, as a boot loader would leave
 * it: flat segments, identity paging, interrupts off.  Every segment is
 * defined once and both written into the GDT and loaded into the hidden
 * part of its register, so a guest that reloads a selector gets what it
 * already had.
 *
 * The tool's area (top 64 KiB of RAM) holds, from its base:
 *   +0x0000 GDT   0x08 code64, 0x10 data (flat 4 GiB), 0x18 code32, 0x20 TSS
 *   +0x0800 TSS   (zeroed; present because VM entry wants a usable TR)
 *   +0x1000 PML4, +0x2000 PDPT, +0x3000..0x6fff four PDs (long mode)
 *   +0x7000 PD of 4 MiB pages (paged mode)
 * Paging identity-maps the whole low 4 GiB, not just RAM, so the MMIO
 * addresses above RAM reach the VMM as MMIO exits.
 */
#include <string.h>

#include "kvmini.h"

#define GDT_OFF		0x0000
#define TSS_OFF		0x0800
#define PML4_OFF	0x1000
#define PDPT_OFF	0x2000
#define PD64_OFF	0x3000
#define PD32_OFF	0x7000

#define SEL_CODE64	0x08
#define SEL_DATA	0x10
#define SEL_CODE32	0x18
#define SEL_TSS		0x20
#define GDT_LIMIT	0x2f

#define CR0_PE		(1ULL << 0)
#define CR0_MP		(1ULL << 1)
#define CR0_ET		(1ULL << 4)
#define CR0_NE		(1ULL << 5)
#define CR0_WP		(1ULL << 16)
#define CR0_PG		(1ULL << 31)
#define CR4_PSE		(1ULL << 4)
#define CR4_PAE		(1ULL << 5)
#define CR4_OSFXSR	(1ULL << 9)
#define CR4_OSXMMEXCPT	(1ULL << 10)
#define EFER_LME	(1ULL << 8)
#define EFER_LMA	(1ULL << 10)

#define PTE_P		(1ULL << 0)
#define PTE_RW		(1ULL << 1)
#define PTE_PS		(1ULL << 7)

#define SEG_TYPE_DATA_RW	3	/* read/write, accessed */
#define SEG_TYPE_CODE_RX	11	/* execute/read, accessed */
#define SEG_TYPE_TSS_BUSY	11	/* system segment: busy 32/64-bit TSS */
#define SEG_TYPE_LDT		2

static const char *const mode_names[] = {
	[MODE_REAL] = "real",
	[MODE_PROTECTED] = "protected",
	[MODE_PAGED] = "paged",
	[MODE_LONG] = "long",
};

const char *mode_name(enum mode mode)
{
	return mode_names[mode] ? mode_names[mode] : "?";
}

enum mode mode_parse(const char *s)
{
	unsigned int m;

	for (m = MODE_REAL; m <= MODE_LONG; m++)
		if (!strcmp(s, mode_names[m]))
			return m;
	return MODE_NONE;
}

static struct kvm_segment segment(uint16_t selector, uint64_t base, uint32_t limit,
				  uint8_t type, bool system, bool big, bool code64)
{
	struct kvm_segment s = {
		.base = base,
		.limit = limit,
		.selector = selector,
		.type = type,
		.present = 1,
		.dpl = 0,
		.db = big,
		.s = !system,
		.l = code64,
		/* Limits past 1 MiB only exist in 4 KiB units. */
		.g = limit > 0xfffff,
	};
	return s;
}

static uint64_t descriptor(const struct kvm_segment *s)
{
	uint64_t limit = s->g ? s->limit >> 12 : s->limit;

	return (limit & 0xffff) | ((s->base & 0xffffff) << 16) |
	       ((uint64_t)s->type << 40) | ((uint64_t)s->s << 44) |
	       ((uint64_t)s->dpl << 45) | ((uint64_t)s->present << 47) |
	       (((limit >> 16) & 0xf) << 48) | ((uint64_t)s->l << 53) |
	       ((uint64_t)s->db << 54) | ((uint64_t)s->g << 55) |
	       (((s->base >> 24) & 0xff) << 56);
}

static void put64(struct vm *vm, uint64_t gpa, uint64_t v)
{
	memcpy(vm->mem + gpa, &v, sizeof(v));
}

static void build_page_tables(struct vm *vm, uint64_t area)
{
	uint64_t i;

	/* Long mode: 4 GiB in 2 MiB pages, four PDs under one PDPT. */
	put64(vm, area + PML4_OFF, (area + PDPT_OFF) | PTE_P | PTE_RW);
	for (i = 0; i < 4; i++)
		put64(vm, area + PDPT_OFF + i * 8,
		      (area + PD64_OFF + i * 0x1000) | PTE_P | PTE_RW);
	for (i = 0; i < 4 * 512; i++)
		put64(vm, area + PD64_OFF + i * 8, (i << 21) | PTE_P | PTE_RW | PTE_PS);

	/* Paged 32-bit mode: 4 GiB in 4 MiB (PSE) pages, one PD. */
	for (i = 0; i < 1024; i++) {
		uint32_t pde = (i << 22) | PTE_P | PTE_RW | PTE_PS;

		memcpy(vm->mem + area + PD32_OFF + i * 4, &pde, sizeof(pde));
	}
}

void x86_setup(struct vm *vm, enum mode mode, uint64_t entry)
{
	uint64_t area = tool_area_base(vm);
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_segment code64, code32, data, tss, code, ldt;

	if (mode == MODE_REAL && entry > 0xffff)
		die("entry 0x%llx is out of reach of real mode (CS=0): must be below 0x10000",
		    (unsigned long long)entry);
	if (mode != MODE_LONG && entry > 0xffffffffULL)
		die("entry 0x%llx needs long mode", (unsigned long long)entry);

	code64 = segment(SEL_CODE64, 0, 0xffffffff, SEG_TYPE_CODE_RX, false, false, true);
	code32 = segment(SEL_CODE32, 0, 0xffffffff, SEG_TYPE_CODE_RX, false, true, false);
	data = segment(SEL_DATA, 0, 0xffffffff, SEG_TYPE_DATA_RW, false, true, false);
	tss = segment(SEL_TSS, area + TSS_OFF, 0x67, SEG_TYPE_TSS_BUSY, true, false, false);
	memset(vm->mem + area, 0, TOOL_AREA_SIZE);
	put64(vm, area + GDT_OFF + SEL_CODE64, descriptor(&code64));
	put64(vm, area + GDT_OFF + SEL_DATA, descriptor(&data));
	put64(vm, area + GDT_OFF + SEL_CODE32, descriptor(&code32));
	put64(vm, area + GDT_OFF + SEL_TSS, descriptor(&tss));
	/* The TSS descriptor's upper half (base 63:32) stays zero. */
	build_page_tables(vm, area);

	/* Start from the vCPU's own state: keeps apic_base and the like. */
	vm_get_sregs(vm, &sregs);
	sregs.gdt.base = area + GDT_OFF;
	sregs.gdt.limit = GDT_LIMIT;
	/* An empty IDT: any exception before the guest sets its own is a triple fault. */
	sregs.idt.base = 0;
	sregs.idt.limit = 0;
	sregs.tr = tss;
	ldt = segment(0, 0, 0xffff, SEG_TYPE_LDT, true, false, false);
	ldt.present = 0;
	ldt.unusable = 1;
	sregs.ldt = ldt;
	sregs.cr2 = 0;
	sregs.cr3 = 0;
	sregs.cr4 = CR4_OSFXSR | CR4_OSXMMEXCPT;
	sregs.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE;
	sregs.efer = 0;

	switch (mode) {
	case MODE_REAL:
		code = segment(0, 0, 0xffff, SEG_TYPE_CODE_RX, false, false, false);
		data = segment(0, 0, 0xffff, SEG_TYPE_DATA_RW, false, false, false);
		sregs.idt.limit = 0x3ff;	/* the real-mode IVT at 0 */
		sregs.cr0 = CR0_ET | CR0_NE;
		sregs.cr4 = 0;
		break;
	case MODE_PROTECTED:
		code = code32;
		break;
	case MODE_PAGED:
		code = code32;
		sregs.cr3 = area + PD32_OFF;
		sregs.cr4 |= CR4_PSE;
		sregs.cr0 |= CR0_WP | CR0_PG;
		break;
	case MODE_LONG:
		code = code64;
		sregs.cr3 = area + PML4_OFF;
		sregs.cr4 |= CR4_PAE;
		sregs.cr0 |= CR0_WP | CR0_PG;
		sregs.efer = EFER_LME | EFER_LMA;
		break;
	default:
		die("no mode chosen");
	}
	sregs.cs = code;
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
	vm_set_sregs(vm, &sregs);

	memset(&regs, 0, sizeof(regs));
	regs.rip = entry;
	regs.rsp = STACK_TOP;
	regs.rflags = 0x2;	/* bit 1 is always set; IF=0 */
	vm_set_regs(vm, &regs);
}
