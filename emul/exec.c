// SPDX-License-Identifier: GPL-2.0
/*
 * Carrying out a decoded instruction: the integer instructions that take
 * a ModRM operand (arithmetic, moves, exchanges, shifts, multiply and
 * divide, bit tests and scans, conditional moves).  The stack, string,
 * vector and system instructions are in stack.c, string.c, vector.c and
 * system.c, the arithmetic and its flags in alu.c.  Every memory operand
 * goes through emu_mem_read/write, so the caller decides what is RAM, what is MMIO and what faults.
 */
#include "emul.h"

#define DE_VECTOR	0
#define GP_VECTOR	13

static int rm_read(struct emu_ctxt *c, unsigned int size, u64 *val)
{
	struct emu_insn *d = &c->insn;

	*val = 0;
	if (d->mod == 3) {
		*val = emu_reg_read(c, d->rm, size, true);
		return EMU_DONE;
	}
	return emu_mem_read(c, d->seg, d->ea, val, size);
}

static int rm_write(struct emu_ctxt *c, unsigned int size, u64 val)
{
	struct emu_insn *d = &c->insn;

	if (d->mod == 3) {
		emu_reg_write(c, d->rm, size, val, true);
		return EMU_DONE;
	}
	return emu_mem_write(c, d->seg, d->ea, &val, size);
}

static u64 reg_read(struct emu_ctxt *c, unsigned int size)
{
	return emu_reg_read(c, c->insn.reg, size, true);
}

static void reg_write(struct emu_ctxt *c, unsigned int size, u64 val)
{
	emu_reg_write(c, c->insn.reg, size, val, true);
}

/* 00-3B, 80-83, 84-85: the eight operations, and TEST. */
static int exec_alu(struct emu_ctxt *c, enum alu_op op, bool to_reg, bool has_imm, bool test)
{
	unsigned int size = c->insn.op_size;
	u64 a, b, res;
	int r = rm_read(c, size, &a);

	if (r)
		return r;
	b = has_imm ? c->insn.imm & emu_size_mask(size) : reg_read(c, size);
	if (to_reg) {
		u64 t = a;

		a = b;
		b = t;
	}
	res = alu_binop(test ? ALU_AND : op, a, b, size, &c->rflags);
	if (test || op == ALU_CMP)
		return EMU_DONE;
	if (to_reg) {
		reg_write(c, size, res);
		return EMU_DONE;
	}
	return rm_write(c, size, res);
}

/* 86, 87 and 0F C0, C1: XCHG and XADD; the memory write comes first. */
static int exec_xchg(struct emu_ctxt *c, bool add)
{
	unsigned int size = c->insn.op_size;
	u64 mem, reg = reg_read(c, size), res = reg;
	int r = rm_read(c, size, &mem);

	if (r)
		return r;
	if (add)
		res = alu_binop(ALU_ADD, mem, reg, size, &c->rflags);
	r = rm_write(c, size, res);
	if (r)
		return r;
	reg_write(c, size, mem);
	return EMU_DONE;
}

/* 0F B0, B1: as KVM, a failed compare writes the accumulator, not memory. */
static int exec_cmpxchg(struct emu_ctxt *c)
{
	unsigned int size = c->insn.op_size;
	u64 mem, acc = emu_reg_read(c, 0, size, false);
	int r = rm_read(c, size, &mem);

	if (r)
		return r;
	alu_binop(ALU_CMP, acc, mem, size, &c->rflags);
	if (c->rflags & EFL_ZF)
		return rm_write(c, size, reg_read(c, size));
	emu_reg_write(c, 0, size, mem, false);
	return EMU_DONE;
}

/* MOVZX, MOVSX (0F B6-BF) and MOVSXD (63): a narrower source, extended. */
static int exec_movx(struct emu_ctxt *c, unsigned int src_size, bool sign)
{
	u64 v;
	int r = rm_read(c, src_size, &v);

	if (r)
		return r;
	if (sign && (v & (1ULL << (src_size * 8 - 1))))
		v |= ~emu_size_mask(src_size);
	emu_reg_write(c, c->insn.reg, c->insn.op_size, v, true);
	return EMU_DONE;
}

static int exec_mov(struct emu_ctxt *c)
{
	struct emu_insn *d = &c->insn;
	unsigned int size = d->op_size;
	u64 v;
	int r;

	switch (d->opcode) {
	case 0x88: case 0x89:
		return rm_write(c, size, reg_read(c, size));
	case 0x8a: case 0x8b:
		r = rm_read(c, size, &v);
		if (!r)
			reg_write(c, size, v);
		return r;
	case 0x8c:
		if (d->reg % 8 >= NR_EMU_SEGS)
			return emu_fault(c, 6, false, 0);
		/* A selector stored to memory is 16 bits; to a register, zero-extended. */
		return rm_write(c, d->mod == 3 ? size : 2, c->seg_sel[d->reg % 8]);
	case 0xa0: case 0xa1:
		r = emu_mem_read(c, d->seg, d->ea, &v, size);
		if (!r)
			emu_reg_write(c, 0, size, v, false);
		return r;
	case 0xa2: case 0xa3:
		v = emu_reg_read(c, 0, size, false);
		return emu_mem_write(c, d->seg, d->ea, &v, size);
	case 0xc6: case 0xc7:
		if (d->reg % 8)
			return EMU_UNHANDLED;
		return rm_write(c, size, d->imm);
	}
	return EMU_UNHANDLED;
}

/* C0, C1, D0-D3: group 2, the count from imm8, 1 or CL. */
static int exec_shift(struct emu_ctxt *c)
{
	struct emu_insn *d = &c->insn;
	unsigned int size = d->op_size;
	u8 count = d->opcode <= 0xc1 ? (u8)d->imm : d->opcode <= 0xd1 ? 1 : (u8)c->regs[1];
	u64 v;
	int r = rm_read(c, size, &v);

	if (r)
		return r;
	return rm_write(c, size, alu_shift(d->reg % 8, v, count, size, &c->rflags));
}

/* F6 /4-/7 and F7: MUL, IMUL, DIV and IDIV with rDX:rAX, or AH:AL for bytes. */
static int exec_muldiv(struct emu_ctxt *c, unsigned int op, u64 src)
{
	unsigned int size = c->insn.op_size;
	u64 lo, hi, q, rem;

	if (size == 1) {
		lo = c->regs[0] & 0xff;
		hi = (c->regs[0] >> 8) & 0xff;
	} else {
		lo = emu_reg_read(c, 0, size, false);
		hi = emu_reg_read(c, 2, size, false);
	}
	if (op == 4 || op == 5) {
		if (op == 4)
			alu_mul(lo, src, size, &lo, &hi, &c->rflags);
		else
			alu_imul(lo, src, size, &lo, &hi, &c->rflags);
		q = lo;
		rem = hi;
	} else if (alu_div(op == 7, hi, lo, src, size, &q, &rem)) {
		return emu_fault(c, DE_VECTOR, false, 0);
	}
	if (size == 1) {
		emu_reg_write(c, 0, 2, (rem << 8) | (q & 0xff), false);
	} else {
		emu_reg_write(c, 0, size, q, false);
		emu_reg_write(c, 2, size, rem, false);
	}
	return EMU_DONE;
}

/* F6, F7: group 3. */
static int exec_group3(struct emu_ctxt *c)
{
	unsigned int size = c->insn.op_size, op = c->insn.reg % 8;
	u64 v;
	int r = rm_read(c, size, &v);

	if (r)
		return r;
	switch (op) {
	case 0: case 1:
		alu_binop(ALU_AND, v, c->insn.imm & emu_size_mask(size), size, &c->rflags);
		return EMU_DONE;
	case 2:
		return rm_write(c, size, ~v & emu_size_mask(size));
	case 3:
		return rm_write(c, size, alu_neg(v, size, &c->rflags));
	}
	return exec_muldiv(c, op, v);
}

/* FE, FF: INC and DEC here; the near CALL, JMP and PUSH in stack.c. */
static int exec_group45(struct emu_ctxt *c)
{
	struct emu_insn *d = &c->insn;
	unsigned int size = d->op_size, op = d->reg % 8;
	u64 v;
	int r;

	if (op >= 2 && d->opcode == 0xfe)
		return EMU_UNHANDLED;
	if (op >= 2)
		return emu_exec_stack(c);
	r = rm_read(c, size, &v);
	if (r)
		return r;
	v = op ? alu_dec(v, size, &c->rflags) : alu_inc(v, size, &c->rflags);
	return rm_write(c, size, v);
}

/* IMUL r, r/m (0F AF) and r, r/m, imm (69, 6B): the product truncated. */
static int exec_imul(struct emu_ctxt *c, bool has_imm)
{
	unsigned int size = c->insn.op_size;
	u64 a, b, lo, hi;
	int r = rm_read(c, size, &b);

	if (r)
		return r;
	a = has_imm ? c->insn.imm & emu_size_mask(size) : reg_read(c, size);
	alu_imul(a, b, size, &lo, &hi, &c->rflags);
	reg_write(c, size, lo);
	return EMU_DONE;
}

/*
 * BT, BTS, BTR, BTC.  A register bit offset is signed and reaches past
 * the operand in memory (SDM Vol. 2A, "BT"); an immediate one wraps.
 */
static int exec_bt(struct emu_ctxt *c, enum alu_bt_op op, bool imm)
{
	struct emu_insn *d = &c->insn;
	unsigned int size = d->op_size, bits = size * 8;
	s64 off = imm ? (s64)(d->imm & 0xff) : (s64)reg_read(c, size);
	u64 v, res;
	int r;

	if (size == 1)
		return EMU_UNHANDLED;
	if (!imm && size < 8)
		off = size == 2 ? (s16)off : (s32)off;
	if (!imm && d->mod != 3) {
		s64 skip = off >= 0 ? off / bits : -((-off + bits - 1) / bits);

		d->ea = (d->ea + skip * size) & emu_size_mask(d->addr_size);
	}
	off &= bits - 1;
	r = rm_read(c, size, &v);
	if (r)
		return r;
	res = alu_bt(op, v, off, size, &c->rflags);
	return op == BT_TEST ? EMU_DONE : rm_write(c, size, res);
}

/* SHLD, SHRD (0F A4, A5, AC, AD). */
static int exec_shxd(struct emu_ctxt *c)
{
	struct emu_insn *d = &c->insn;
	unsigned int size = d->op_size;
	u8 count = (d->opcode & 1) ? (u8)c->regs[1] : (u8)d->imm;
	u64 v, src = reg_read(c, size);
	int r = rm_read(c, size, &v);

	if (r)
		return r;
	if (d->opcode < 0xa8)
		v = alu_shld(v, src, count, size, &c->rflags);
	else
		v = alu_shrd(v, src, count, size, &c->rflags);
	return rm_write(c, size, v);
}

static int exec_bsf_bsr(struct emu_ctxt *c)
{
	unsigned int size = c->insn.op_size;
	u64 v, res = 0;
	int r = rm_read(c, size, &v);

	if (r)
		return r;
	if (c->insn.opcode == 0xbc ? alu_bsf(v, size, &res, &c->rflags) :
				     alu_bsr(v, size, &res, &c->rflags))
		reg_write(c, size, res);
	return EMU_DONE;
}

/* CMOVcc: the source is read either way, and a 32-bit destination is always written. */
static int exec_cmov(struct emu_ctxt *c)
{
	unsigned int size = c->insn.op_size;
	u64 v;
	int r = rm_read(c, size, &v);

	if (r)
		return r;
	if (!alu_cond(c->insn.opcode & 15, c->rflags))
		v = reg_read(c, size);
	reg_write(c, size, v);
	return EMU_DONE;
}

static int exec_two_byte(struct emu_ctxt *c)
{
	u8 op = c->insn.opcode;

	if (op >= 0x40 && op <= 0x4f)
		return exec_cmov(c);
	if (op >= 0x90 && op <= 0x9f)
		return rm_write(c, 1, alu_cond(op & 15, c->rflags));
	switch (op) {
	case 0x00: case 0x01:
		return emu_exec_system(c);
	case 0x10: case 0x11: case 0x28: case 0x29: case 0x6f: case 0x7f:
		return emu_exec_vector(c);
	case 0xa3: case 0xab: case 0xb3: case 0xbb:
		return exec_bt(c, (op >> 3) & 3, false);
	case 0xba:
		if (c->insn.reg % 8 < 4)
			return EMU_UNHANDLED;
		return exec_bt(c, c->insn.reg % 4, true);
	case 0xa4: case 0xa5: case 0xac: case 0xad:
		return exec_shxd(c);
	case 0xaf:
		return exec_imul(c, false);
	case 0xb0: case 0xb1:
		return exec_cmpxchg(c);
	case 0xb6: case 0xb7: case 0xbe: case 0xbf:
		return exec_movx(c, (op & 1) ? 2 : 1, op >= 0xbe);
	case 0xbc: case 0xbd:
		return exec_bsf_bsr(c);
	case 0xc0: case 0xc1:
		return exec_xchg(c, true);
	}
	return EMU_UNHANDLED;
}

/**
 * emu_execute - carry out the instruction emu_decode() decoded
 * @c: the context
 *
 * Return: an emu_result.  On EMU_DONE c->rip is the next instruction's.
 */
int emu_execute(struct emu_ctxt *c)
{
	struct emu_insn *d = &c->insn;
	u8 op = d->opcode;
	u64 next = c->rip + d->len;

	c->rip = c->long64 ? next : (u32)next;
	if (d->two_byte)
		return exec_two_byte(c);
	if (op < 0x40)
		return exec_alu(c, op >> 3, op & 2, false, false);
	if ((op >= 0x50 && op <= 0x5f) || op == 0x68 || op == 0x6a || op == 0x8f ||
	    (op >= 0xc2 && op <= 0xc3) || op == 0xc8 || op == 0xc9 || op == 0xe8)
		return emu_exec_stack(c);
	if ((op >= 0xa4 && op <= 0xa7) || (op >= 0xaa && op <= 0xaf))
		return emu_exec_string(c);
	switch (op) {
	case 0x63:
		if (!c->long64)
			return EMU_UNHANDLED;
		return exec_movx(c, 4, true);
	case 0x69: case 0x6b:
		return exec_imul(c, true);
	case 0x80: case 0x81: case 0x83:
		return exec_alu(c, d->reg % 8, false, true, false);
	case 0x84: case 0x85:
		return exec_alu(c, ALU_AND, false, false, true);
	case 0x86: case 0x87:
		return exec_xchg(c, false);
	case 0xc0: case 0xc1: case 0xd0: case 0xd1: case 0xd2: case 0xd3:
		return exec_shift(c);
	case 0xf6: case 0xf7:
		return exec_group3(c);
	case 0x8e:
		return emu_exec_system(c);
	case 0xfe: case 0xff:
		if (op == 0xff && d->reg % 8 == 5)
			return emu_exec_system(c);
		return exec_group45(c);
	}
	return exec_mov(c);
}

/* Decode and carry out: what the caller runs, again after each EMU_IO. */
int emu_run(struct emu_ctxt *c, const u8 *bytes, unsigned int avail)
{
	int r;

	c->vec_load = false;
	c->mov_ss = false;
	r = emu_decode(c, bytes, avail);
	return r ? r : emu_execute(c);
}
