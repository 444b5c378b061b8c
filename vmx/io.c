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

#include "exits.h"
#include "guest_mem.h"
#include "vcpu.h"
#include "vmcs.h"
#include "vmx.h"

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

static unsigned int string_count(struct kvmini_vcpu *vcpu, unsigned long gla,
				 unsigned int size, bool down)
{
	unsigned long count = 1;
	unsigned int fit;

	if (vcpu->exit_qual & IO_REP)
		count = vcpu->regs[GPR_RCX] & addr_mask();
	fit = down ? offset_in_page(gla) / size + 1 :
		     (PAGE_SIZE - offset_in_page(gla)) / size;
	return min3(count, (unsigned long)fit, PAGE_SIZE / size);
}

int handle_io(struct kvmini_vcpu *vcpu)
{
	unsigned long q = vcpu->exit_qual;
	unsigned int size = IO_SIZE(q), count = 1;
	struct kvm_run *run = vcpu->run;
	bool in = q & IO_IN;

	vcpu->stats.io_exits++;
	if (q & IO_STRING) {
		unsigned long gla = vmcs_readl(GUEST_LINEAR_ADDRESS);
		bool down = vmcs_readl(GUEST_RFLAGS) & X86_EFLAGS_DF;

		if ((q & IO_REP) && !(vcpu->regs[GPR_RCX] & addr_mask())) {
			vmx_skip_instruction(vcpu);
			return 1;
		}
		count = string_count(vcpu, gla, size, down);
		if (!in) {
			unsigned long start = down ? gla - (count - 1) * size : gla;

			if (guest_linear_read(vcpu, start, vcpu->pio_data, count * size))
				return vmx_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION,
							  "OUTS from memory that is not guest RAM");
			if (down)
				reverse_elements(vcpu->pio_data, count, size);
		}
	} else if (!in) {
		memcpy(vcpu->pio_data, &vcpu->regs[GPR_RAX], size);
	}

	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = in ? KVM_EXIT_IO_IN : KVM_EXIT_IO_OUT;
	run->io.size = size;
	run->io.port = IO_PORT(q);
	run->io.count = count;
	run->io.data_offset = KVM_PIO_PAGE_OFFSET * PAGE_SIZE;
	vcpu->pending = in ? PENDING_PIO_IN : PENDING_PIO_OUT;
	return 0;
}

/* Advances RSI/RDI and RCX past @count elements of a string instruction. */
static void string_advance(struct kvmini_vcpu *vcpu, int reg, unsigned int count,
			   unsigned int size)
{
	unsigned long mask = addr_mask();
	long step = (long)count * size;
	unsigned long val;

	if (vmcs_readl(GUEST_RFLAGS) & X86_EFLAGS_DF)
		step = -step;
	val = vcpu->regs[reg];
	vcpu->regs[reg] = (val & ~mask) | ((val + step) & mask);
	if (vcpu->exit_qual & IO_REP) {
		val = vcpu->regs[GPR_RCX];
		vcpu->regs[GPR_RCX] = (val & ~mask) | ((val - count) & mask);
	}
}

/* KVM_RUN after KVM_EXIT_IO: finish the instruction as the CPU would have. */
int vmx_complete_io(struct kvmini_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	unsigned int size = run->io.size, count = run->io.count;
	bool in = run->io.direction == KVM_EXIT_IO_IN;

	if (!(vcpu->exit_qual & IO_STRING)) {
		if (in) {
			unsigned long rax = vcpu->regs[GPR_RAX];

			/* A 32-bit IN clears RAX's upper half, 8 and 16-bit ones merge. */
			if (size == 4)
				rax = 0;
			memcpy(&rax, vcpu->pio_data, size);
			vcpu->regs[GPR_RAX] = rax;
		}
		vmx_skip_instruction(vcpu);
		return 1;
	}

	if (in) {
		unsigned long gla = vmcs_readl(GUEST_LINEAR_ADDRESS);
		bool down = vmcs_readl(GUEST_RFLAGS) & X86_EFLAGS_DF;
		unsigned long start = down ? gla - (count - 1) * size : gla;
		u64 gpa;

		if (down)
			reverse_elements(vcpu->pio_data, count, size);
		if (guest_linear_to_phys(vcpu, start, &gpa) ||
		    guest_phys_write(vcpu, gpa, vcpu->pio_data, count * size))
			return vmx_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION,
						  "INS to memory that is not guest RAM");
	}
	string_advance(vcpu, in ? GPR_RDI : GPR_RSI, count, size);
	/* A REP with elements left runs the instruction again. */
	if (!(vcpu->exit_qual & IO_REP) || !(vcpu->regs[GPR_RCX] & addr_mask()))
		vmx_skip_instruction(vcpu);
	return 1;
}
