// SPDX-License-Identifier: GPL-2.0
/*
 * The CPU state a guest starts in, per mode, as a boot loader would leave
 * it: flat segments, identity paging, interrupts off.  Every segment is
 * defined once and both written into the GDT and loaded into the hidden
 * part of its register, so a guest that reloads a selector gets what it
 * already had.
 *
 * Each vCPU has a slice of RAM (all of it when there is one vCPU) and the
 * tool's area at the top of its slice (its top 64 KiB) holds, from its base:
 *   +0x0000 GDT   0x08 code64, 0x10 data (flat 4 GiB), 0x18 code32, 0x20 TSS
 *   +0x0800 TSS   (zeroed; present because VM entry wants a usable TR)
 *   +0x1000 PML4, +0x2000 PDPT, +0x3000..0x6fff four PDs (long mode)
 *   +0x7000 PD of 4 MiB pages (paged mode)
 * Paging maps the low 4 GiB of virtual addresses: those below the slice's
 * size onto the slice, those at or above the end of RAM onto themselves
 * (so the MMIO addresses reach the VMM as MMIO exits), and nothing else:
 * a vCPU cannot reach another's slice through its page tables.  With one
 * vCPU that is the identity map of the whole 4 GiB.
 *
 * Protected mode without paging has only segments to confine a vCPU:
 * with several vCPUs, its code and data segments (in the GDT too) start
 * at its slice and end with it.  That holds while the guest keeps the
 * tool's GDT; a guest writing its own descriptors can leave its slice.
 * Real mode cannot confine at all (a segment load sets base = selector
 * * 16), so the tool refuses real mode with several vCPUs.
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

/* @off is an offset in the vCPU's slice. */
static void put64(struct vcpu *vcpu, uint64_t off, uint64_t v)
{
	memcpy(vcpu->mem + off, &v, sizeof(v));
}

/*
 * The page-table entry for the large page at virtual @va (aligned, and
 * the slice is a whole number of such pages): its GPA with the flags, or
 * 0 (not present).
 */
static uint64_t large_pte(const struct vcpu *vcpu, uint64_t va)
{
	const struct vm *vm = vcpu->vm;

	if (va < vm->slice_size)
		return (vcpu->base + va) | PTE_P | PTE_RW | PTE_PS;
	if (va >= vm->mem_size)
		return va | PTE_P | PTE_RW | PTE_PS;
	return 0;
}

static void build_page_tables(struct vcpu *vcpu, uint64_t area)
{
	uint64_t i, gpa = vcpu->base + area;

	/* Long mode: 4 GiB in 2 MiB pages, four PDs under one PDPT. */
	put64(vcpu, area + PML4_OFF, (gpa + PDPT_OFF) | PTE_P | PTE_RW);
	for (i = 0; i < 4; i++)
		put64(vcpu, area + PDPT_OFF + i * 8,
		      (gpa + PD64_OFF + i * 0x1000) | PTE_P | PTE_RW);
	for (i = 0; i < 4 * 512; i++)
		put64(vcpu, area + PD64_OFF + i * 8, large_pte(vcpu, i << 21));

	/* Paged 32-bit mode: 4 GiB in 4 MiB (PSE) pages, one PD. */
	for (i = 0; i < 1024; i++) {
		uint32_t pde = large_pte(vcpu, i << 22);

		memcpy(vcpu->mem + area + PD32_OFF + i * 4, &pde, sizeof(pde));
	}
}

void x86_setup(struct vcpu *vcpu, enum mode mode, uint64_t entry)
{
	struct vm *vm = vcpu->vm;
	uint64_t area = tool_area_base(vm);
	bool paging = mode == MODE_PAGED || mode == MODE_LONG;
	/* Where the tool's area is in the guest's linear addresses. */
	uint64_t linear = paging ? area : vcpu->base + area;
	/* The segments of protected mode without paging: the slice. */
	bool confine = mode == MODE_PROTECTED && vm->nr_vcpus > 1 && !vm->shared_ram;
	uint64_t seg_base = confine ? vcpu->base : 0;
	uint32_t seg_limit = confine ? vm->slice_size - 1 : 0xffffffff;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_segment code64, code32, data, tss, code, ldt;

	if (mode == MODE_REAL && entry > 0xffff)
		die("entry 0x%llx is out of reach of real mode (CS=0): must be below 0x10000",
		    (unsigned long long)entry);
	if (mode != MODE_LONG && entry > 0xffffffffULL)
		die("entry 0x%llx needs long mode", (unsigned long long)entry);

	code64 = segment(SEL_CODE64, 0, 0xffffffff, SEG_TYPE_CODE_RX, false, false, true);
	code32 = segment(SEL_CODE32, seg_base, seg_limit, SEG_TYPE_CODE_RX, false, true, false);
	data = segment(SEL_DATA, seg_base, seg_limit, SEG_TYPE_DATA_RW, false, true, false);
	tss = segment(SEL_TSS, linear + TSS_OFF, 0x67, SEG_TYPE_TSS_BUSY, true, false, false);
	memset(vcpu->mem + area, 0, TOOL_AREA_SIZE);
	put64(vcpu, area + GDT_OFF + SEL_CODE64, descriptor(&code64));
	put64(vcpu, area + GDT_OFF + SEL_DATA, descriptor(&data));
	put64(vcpu, area + GDT_OFF + SEL_CODE32, descriptor(&code32));
	put64(vcpu, area + GDT_OFF + SEL_TSS, descriptor(&tss));
	/* The TSS descriptor's upper half (base 63:32) stays zero. */
	build_page_tables(vcpu, area);

	/* Start from the vCPU's own state: keeps apic_base and the like. */
	vcpu_get_sregs(vcpu, &sregs);
	sregs.gdt.base = linear + GDT_OFF;
	sregs.gdt.limit = GDT_LIMIT;
	/* An empty IDT: any exception before the guest sets its own is a triple fault. */
	sregs.idt.base = 0;
	sregs.idt.limit = 0;
	sregs.tr = tss;
	ldt = segment(0, 0, 0xffff, SEG_TYPE_LDT, true, false, false);
	ldt.present = 0;
	ldt.unusable = 1;
	sregs.ldt = ldt;
	/*
	 * Without the device's irqchip there is no local APIC: IA32_APIC_BASE
	 * disabled, so CPUID.1:EDX.APIC, which KVM and kvmini keep equal to
	 * its enable bit, stays clear (QEMU's -cpu ...,-apic).
	 */
	if (!vcpu->vm->irqchip)
		sregs.apic_base = 0;
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
		sregs.cr3 = vcpu->base + area + PD32_OFF;
		sregs.cr4 |= CR4_PSE;
		sregs.cr0 |= CR0_WP | CR0_PG;
		break;
	case MODE_LONG:
		code = code64;
		sregs.cr3 = vcpu->base + area + PML4_OFF;
		sregs.cr4 |= CR4_PAE;
		sregs.cr0 |= CR0_WP | CR0_PG;
		sregs.efer = EFER_LME | EFER_LMA;
		break;
	default:
		die("no mode chosen");
	}
	sregs.cs = code;
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
	vcpu_set_sregs(vcpu, &sregs);

	memset(&regs, 0, sizeof(regs));
	regs.rip = entry;
	regs.rsp = STACK_TOP;
	regs.rflags = 0x2;	/* bit 1 is always set; IF=0 */
	vcpu_set_regs(vcpu, &regs);
}
