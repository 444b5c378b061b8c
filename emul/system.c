// SPDX-License-Identifier: GPL-2.0
/*
 * The system instructions that reach MMIO through their memory operand:
 * SMSW to memory, MOV to a segment register, LTR and the far JMP through
 * memory (SDM Vol. 2).  The segment load itself, with its descriptor
 * checks, is the caller's (ops->load_seg): it is the last step of each,
 * so nothing is left half done when it faults.
 */
#include "emul.h"

#define UD_VECTOR	6
#define GP_VECTOR	13

static int rm_read16(struct emu_ctxt *c, u64 *sel)
{
	struct emu_insn *d = &c->insn;

	*sel = 0;
	if (d->mod == 3) {
		*sel = emu_reg_read(c, d->rm, 2, false);
		return EMU_DONE;
	}
	return emu_mem_read(c, d->seg, d->ea, sel, 2);
}

/* 0F 01 /4: SMSW stores CR0's low 16 bits to memory, or CR0 to a register. */
static int smsw(struct emu_ctxt *c)
{
	struct emu_insn *d = &c->insn;
	u64 cr0 = c->cr0;

	if (d->mod == 3) {
		emu_reg_write(c, d->rm, d->op_size, cr0, false);
		return EMU_DONE;
	}
	return emu_mem_write(c, d->seg, d->ea, &cr0, 2);
}

/* 8E: MOV to DS, ES, FS, GS or SS; SS blocks interrupts for one instruction. */
static int mov_sreg(struct emu_ctxt *c)
{
	unsigned int seg = c->insn.reg % 8;
	u64 sel;
	int r;

	if (seg == SEG_CS || seg >= NR_EMU_SEGS)
		return emu_fault(c, UD_VECTOR, false, 0);
	r = rm_read16(c, &sel);
	if (r)
		return r;
	r = c->ops->load_seg(c, seg, sel);
	if (!r && seg == SEG_SS)
		c->mov_ss = true;
	return r;
}

/* 0F 00 /3: LTR. */
static int ltr(struct emu_ctxt *c)
{
	u64 sel;
	int r;

	if (c->insn.reg % 8 != 3)
		return EMU_UNHANDLED;
	r = rm_read16(c, &sel);
	return r ? r : c->ops->load_seg(c, EMU_SEG_TR, sel);
}

/* FF /5: JMP m16:16, m16:32 or m16:64, the offset first. */
static int jmp_far(struct emu_ctxt *c)
{
	struct emu_insn *d = &c->insn;
	unsigned int size = d->op_size;
	u64 off = 0, sel = 0;
	int r;

	if (d->mod == 3)
		return emu_fault(c, UD_VECTOR, false, 0);
	r = emu_mem_read(c, d->seg, d->ea, &off, size);
	if (!r)
		r = emu_mem_read(c, d->seg, (d->ea + size) & emu_size_mask(d->addr_size), &sel, 2);
	if (r)
		return r;
	if (c->long64 && !emu_canonical(off))
		return emu_fault(c, GP_VECTOR, true, 0);
	r = c->ops->load_seg(c, SEG_CS, sel);
	if (!r)
		c->rip = off;
	return r;
}

int emu_exec_system(struct emu_ctxt *c)
{
	struct emu_insn *d = &c->insn;

	if (!c->ops->load_seg && !(d->two_byte && d->opcode == 0x01))
		return EMU_UNHANDLED;
	if (!d->two_byte)
		return d->opcode == 0x8e ? mov_sreg(c) : jmp_far(c);
	if (d->opcode == 0x00)
		return ltr(c);
	return d->reg % 8 == 4 ? smsw(c) : EMU_UNHANDLED;
}
