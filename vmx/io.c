// SPDX-License-Identifier: GPL-2.0
/*
 * Port I/O exits, all of them to userspace as KVM_EXIT_IO with the data
 * in the page after struct kvm_run (KVM_PIO_PAGE_OFFSET).  As in KVM the
 * instruction completes on the next KVM_RUN: an IN takes its data then,
 * and RIP moves past the instruction only then.  String I/O moves as many
 * elements as fit in that page and in one guest page per exit, and exits
 * again for the rest of a REP.
 */
#include <linux/kvm.h>
#include <linux/mm.h>

#include "emulate.h"
#include "exits.h"
#include "guest_mem.h"
#include "vcpu.h"
#include "vmcs.h"
#include "vmx.h"
#include "../emul/emul.h"

/* Exit qualification for I/O instructions, SDM Vol. 3C table 28-5. */
#define IO_SIZE(q)	(((q) & 7) + 1)
#define IO_IN		BIT(3)
#define IO_STRING	BIT(4)
#define IO_REP		BIT(5)
#define IO_PORT(q)	((q) >> 16)

/* Address size of a string instruction, from VMX_INSTRUCTION_INFO bits 9:7. */
static unsigned long addr_mask(void)
{
	switch ((vmcs_read32(VMX_INSTRUCTION_INFO) >> 7) & 7) {
	case 0:
		return 0xffff;
	case 1:
		return 0xffffffff;
	default:
		return ~0UL;
	}
}

/* The data page holds elements in the order the guest moves them. */
static void reverse_elements(void *data, unsigned int count, unsigned int size)
{
	u8 *p = data, tmp[4];
	unsigned int i, j;

	for (i = 0, j = count - 1; i < j; i++, j--) {
		memcpy(tmp, p + i * size, size);
		memcpy(p + i * size, p + j * size, size);
		memcpy(p + j * size, tmp, size);
	}
}

/*
 * How many elements of a string instruction at @gla go in this exit: the
 * REP count, no more than fit in the data page and in the guest page of
 * @gla.  An element that straddles two guest pages goes alone, through
 * the page-by-page copies of guest_mem.c.
 */
static unsigned int string_count(struct kvmini_vcpu *vcpu, unsigned long gla,
				 unsigned int size, bool down, unsigned long mask)
{
	unsigned long count = 1;
	unsigned int fit;

	if (offset_in_page(gla) + size > PAGE_SIZE)
		return 1;
	if (vcpu->exit_qual & IO_REP)
		count = vcpu->regs[GPR_RCX] & mask;
	fit = down ? offset_in_page(gla) / size + 1 :
		     (PAGE_SIZE - offset_in_page(gla)) / size;
	return min3(count, (unsigned long)fit, PAGE_SIZE / size);
}

/* The lowest address a string of @p->count elements from @p->gla touches. */
static unsigned long string_start(const struct pio_insn *p)
{
	return p->down ? p->gla - (p->count - 1) * p->size : p->gla;
}

/* An INS to MMIO, or to a page not present yet, goes through the emulator's stores. */
static bool dest_is_ram(struct kvmini_vcpu *vcpu, unsigned long gla, unsigned int size)
{
	u32 access = EMU_PF_WRITE | guest_cpl_access();
	u64 gpa;

	return !guest_linear_to_phys(vcpu, gla, access, &gpa, NULL) &&
	       guest_phys_is_ram(vcpu, gpa, true) &&
	       !guest_linear_to_phys(vcpu, gla + size - 1, access, &gpa, NULL) &&
	       guest_phys_is_ram(vcpu, gpa, true);
}

/*
 * The CPU checks the first element's memory before the port is touched:
 * an INS to a page the guest may not write, or an OUTS from one it may
 * not read (a user-mode program with I/O rights and its kernel's pages),
 * is a #PF and no I/O; a non-canonical address in 64-bit code is a #GP
 * (the exit comes before the CPU looked at the address, and the walk
 * would take its canonical alias).  All elements of one exit share that
 * page.
 */
static bool string_faults(struct kvmini_vcpu *vcpu, const struct pio_insn *p)
{
	u32 access = (p->in ? EMU_PF_WRITE : 0) | guest_cpl_access();
	unsigned long last = p->gla + p->size - 1;
	u64 gpa;
	u32 code;

	if (vmx_guest_64bit_code() && (!emu_canonical(p->gla) || !emu_canonical(last))) {
		vmx_inject_gp(vcpu);
		return true;
	}
	if (guest_linear_to_phys(vcpu, p->gla, access, &gpa, &code) == -ENOENT) {
		vmx_inject_page_fault(vcpu, p->gla, code);
		return true;
	}
	if ((last & PAGE_MASK) != (p->gla & PAGE_MASK) &&
	    guest_linear_to_phys(vcpu, last, access, &gpa, &code) == -ENOENT) {
		vmx_inject_page_fault(vcpu, last & PAGE_MASK, code);
		return true;
	}
	return false;
}

/*
 * Everything the completion needs is recorded here, at the exit: the
 * kvm_run page is userspace's and may say anything by the next KVM_RUN.
 */
int handle_io(struct kvmini_vcpu *vcpu)
{
	unsigned long q = vcpu->exit_qual;
	struct pio_insn *p = &vcpu->pio;
	struct kvm_run *run = vcpu->run;

	vcpu->stats.io_exits++;
	*p = (struct pio_insn){
		.port = IO_PORT(q),
		.size = IO_SIZE(q),
		.in = q & IO_IN,
		.string = q & IO_STRING,
		.rep = q & IO_REP,
		.count = 1,
		.linear_rip = vmx_guest_linear_rip(),
	};
	if (p->string) {
		p->mask = addr_mask();
		p->gla = vmcs_readl(GUEST_LINEAR_ADDRESS);
		p->down = vmcs_readl(GUEST_RFLAGS) & X86_EFLAGS_DF;
		if (p->rep && !(vcpu->regs[GPR_RCX] & p->mask)) {
			vmx_skip_instruction(vcpu);
			return 1;
		}
		p->count = string_count(vcpu, p->gla, p->size, p->down, p->mask);
		if (string_faults(vcpu, p))
			return 1;
		if (p->in && !dest_is_ram(vcpu, p->gla, p->size)) {
			p->mmio = true;
			p->count = 1;
		}
		if (!p->in) {
			struct guest_pf pf;
			int err = guest_linear_read(vcpu, string_start(p), vcpu->pio_data,
						    p->count * p->size, guest_cpl_access(), &pf);

			if (err == -ENOENT) {
				vmx_inject_page_fault(vcpu, pf.addr, pf.code);
				return 1;
			}
			if (err)
				return vmx_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION,
							  "OUTS from memory that is not guest RAM");
			if (p->down)
				reverse_elements(vcpu->pio_data, p->count, p->size);
		}
	} else if (!p->in) {
		memcpy(vcpu->pio_data, &vcpu->regs[GPR_RAX], p->size);
	}

	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = p->in ? KVM_EXIT_IO_IN : KVM_EXIT_IO_OUT;
	run->io.size = p->size;
	run->io.port = p->port;
	run->io.count = p->count;
	run->io.data_offset = KVM_PIO_PAGE_OFFSET * PAGE_SIZE;
	vcpu->pending = p->in ? PENDING_PIO_IN : PENDING_PIO_OUT;
	return 0;
}

/* Advances RSI/RDI and RCX past the elements of a string instruction. */
static void string_advance(struct kvmini_vcpu *vcpu, int reg, const struct pio_insn *p)
{
	long step = (long)p->count * p->size;
	unsigned long val;

	if (p->down)
		step = -step;
	val = vcpu->regs[reg];
	vcpu->regs[reg] = (val & ~p->mask) | ((val + step) & p->mask);
	if (p->rep) {
		val = vcpu->regs[GPR_RCX];
		vcpu->regs[GPR_RCX] = (val & ~p->mask) | ((val - p->count) & p->mask);
	}
}

/*
 * KVM_RUN after KVM_EXIT_IO: finish the instruction as the CPU would
 * have, from what handle_io() recorded; of the kvm_run side only the
 * data an IN asked for is read, and no more of it than it asked for.
 */
int vmx_complete_io(struct kvmini_vcpu *vcpu)
{
	struct pio_insn *p = &vcpu->pio;

	/*
	 * As KVM (complete_fast_pio_in/out): if userspace moved RIP or CS
	 * meanwhile (KVM_SET_REGS to run other code), the instruction is
	 * abandoned, not finished at the new RIP, which would skip an
	 * instruction there and, for an IN, load RAX with data meant for
	 * another, or store an INS's data where the old RDI pointed.
	 */
	if (vmx_guest_linear_rip() != p->linear_rip)
		return 1;
	if (!p->string) {
		if (p->in) {
			unsigned long rax = vcpu->regs[GPR_RAX];

			/* A 32-bit IN clears RAX's upper half, 8 and 16-bit ones merge. */
			if (p->size == 4)
				rax = 0;
			memcpy(&rax, vcpu->pio_data, p->size);
			vcpu->regs[GPR_RAX] = rax;
		}
		vmx_skip_instruction(vcpu);
		return 1;
	}

	/*
	 * The VMM may have changed RCX meanwhile (KVM_SET_REGS).  As KVM's
	 * emulator, which reads RCX again when it finishes the instruction,
	 * no more elements than RCX says are moved, so that the REP counts
	 * down to 0 instead of wrapping and repeating 2^64 times.  RCX 0
	 * ends the instruction as the CPU would; KVM 6.1 moves one element
	 * there and wraps.
	 */
	if (p->rep) {
		unsigned long left = vcpu->regs[GPR_RCX] & p->mask;

		if (!left) {
			vmx_skip_instruction(vcpu);
			return 1;
		}
		if (left < p->count)
			p->count = left;
	}
	if (p->in && p->mmio) {
		int r;

		if (!vmx_emulate_store(vcpu, p->gla, vcpu->pio_data, p->size, &r))
			return r;
	} else if (p->in) {
		struct guest_pf pf;
		int err;

		if (p->down)
			reverse_elements(vcpu->pio_data, p->count, p->size);
		err = guest_linear_write(vcpu, string_start(p), vcpu->pio_data,
					 p->count * p->size, guest_cpl_access(), &pf);
		/* The guest changed its page tables while userspace read the port. */
		if (err == -ENOENT) {
			vmx_inject_page_fault(vcpu, pf.addr, pf.code);
			return 1;
		}
		if (err)
			return vmx_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION,
						  "INS to memory that is not guest RAM");
	}
	string_advance(vcpu, p->in ? GPR_RDI : GPR_RSI, p);
	/* A REP with elements left runs the instruction again. */
	if (!p->rep || !(vcpu->regs[GPR_RCX] & p->mask))
		vmx_skip_instruction(vcpu);
	return p->mmio ? vmx_emulate_hand_out(vcpu) : 1;
}
