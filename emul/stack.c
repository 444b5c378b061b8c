// SPDX-License-Identifier: GPL-2.0
/*
 * The stack instructions, for a guest whose stack, or the operand it
 * pushes or pops, is MMIO: PUSH, POP, near RET, LEAVE, ENTER (nesting
 * level 0), CALL rel, and the near CALL and JMP through memory (SDM Vol. 1 6.2 and
 * Vol. 2).  RSP moves by the operand size, within the stack's address
 * size: SP, ESP or RSP.
 */
#include "emul.h"

#define GP_VECTOR	13

static unsigned int stack_size(struct emu_ctxt *c)
{
	return c->long64 ? 8 : (c->stack32 ? 4 : 2);
}

static u64 sp_add(struct emu_ctxt *c, u64 sp, s64 delta)
{
	u64 mask = emu_size_mask(stack_size(c));

	return (sp & ~mask) | ((sp + delta) & mask);
}

static int push(struct emu_ctxt *c, u64 val, unsigned int size)
{
	u64 sp = sp_add(c, c->regs[4], -(s64)size);
	int r = emu_mem_write(c, SEG_SS, sp & emu_size_mask(stack_size(c)), &val, size);

	if (!r)
		c->regs[4] = sp;
	return r;
}

static int pop(struct emu_ctxt *c, u64 *val, unsigned int size)
{
	int r;

	*val = 0;
	r = emu_mem_read(c, SEG_SS, c->regs[4] & emu_size_mask(stack_size(c)), val, size);
	if (!r)
		c->regs[4] = sp_add(c, c->regs[4], size);
	return r;
}

/* A near branch target: truncated outside 64-bit mode, #GP(0) if not canonical. */
static int branch(struct emu_ctxt *c, u64 target, unsigned int size)
{
	target &= emu_size_mask(size);
	if (c->long64 && !emu_canonical(target))
		return emu_fault(c, GP_VECTOR, true, 0);
	c->rip = target;
	return EMU_DONE;
}

/* POP r/m: an RSP-based destination is addressed with RSP after the pop. */
static int pop_rm(struct emu_ctxt *c, unsigned int size)
{
	struct emu_insn *d = &c->insn;
	u64 v, old_sp = c->regs[4];
	int r;

	if (d->reg % 8)
		return EMU_UNHANDLED;
	r = pop(c, &v, size);
	if (r)
		return r;
	if (d->mod == 3) {
		emu_reg_write(c, d->rm, size, v, false);
		return EMU_DONE;
	}
	if (d->uses_sp)
		d->ea = (d->ea + (c->regs[4] - old_sp)) & emu_size_mask(d->addr_size);
	return emu_mem_write(c, d->seg, d->ea, &v, size);
}

/* FF /2, /4, /6: near CALL, JMP and PUSH through r/m; 64-bit by default. */
static int group5(struct emu_ctxt *c)
{
	struct emu_insn *d = &c->insn;
	unsigned int size = d->op_size, op = d->reg % 8;
	u64 v;
	int r = EMU_DONE;

	if (c->long64 && !d->opsize_prefix)
		size = 8;
	if (op != 2 && op != 4 && op != 6)
		return EMU_UNHANDLED;
	v = 0;
	if (d->mod == 3)
		v = emu_reg_read(c, d->rm, size, false);
	else
		r = emu_mem_read(c, d->seg, d->ea, &v, size);
	if (r)
		return r;
	if (op == 6)
		return push(c, v, size);
	if (op == 2) {
		r = push(c, c->rip, size);
		if (r)
			return r;
	}
	return branch(c, v, size);
}

static int enter(struct emu_ctxt *c, unsigned int size)
{
	u64 frame;
	int r;

	if (c->insn.imm2 & 31)
		return EMU_UNHANDLED;
	r = push(c, emu_reg_read(c, 5, size, false), size);
	if (r)
		return r;
	frame = c->regs[4];
	c->regs[4] = sp_add(c, frame, -(s64)c->insn.imm);
	emu_reg_write(c, 5, size, frame, false);
	return EMU_DONE;
}

int emu_exec_stack(struct emu_ctxt *c)
{
	struct emu_insn *d = &c->insn;
	unsigned int size = d->op_size, reg = (d->opcode & 7) | ((d->rex & 1) ? 8 : 0);
	u64 v;
	int r;

	switch (d->opcode) {
	case 0x50 ... 0x57:
		return push(c, emu_reg_read(c, reg, size, false), size);
	case 0x58 ... 0x5f:
		r = pop(c, &v, size);
		if (!r)
			emu_reg_write(c, reg, size, v, false);
		return r;
	case 0x68: case 0x6a:
		return push(c, d->imm & emu_size_mask(size), size);
	case 0x8f:
		return pop_rm(c, size);
	case 0xc2: case 0xc3:
		r = pop(c, &v, size);
		if (r)
			return r;
		if (d->opcode == 0xc2)
			c->regs[4] = sp_add(c, c->regs[4], d->imm);
		return branch(c, v, size);
	case 0xc8:
		return enter(c, size);
	case 0xc9:
		/* LEAVE: RSP from RBP, within the stack's size, then POP RBP. */
		c->regs[4] = sp_add(c, c->regs[4], (s64)(c->regs[5] - c->regs[4]));
		r = pop(c, &v, size);
		if (!r)
			emu_reg_write(c, 5, size, v, false);
		return r;
	case 0xe8:
		/* CALL rel: the push, to MMIO, is what brought it here. */
		r = push(c, c->rip, size);
		return r ? r : branch(c, c->rip + d->imm, size);
	case 0xff:
		return group5(c);
	}
	return EMU_UNHANDLED;
}
