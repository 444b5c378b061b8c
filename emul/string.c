// SPDX-License-Identifier: GPL-2.0
/*
 * MOVS, CMPS, STOS, LODS and SCAS, one element per run (SDM Vol. 2B,
 * "REP/REPE/REPZ/REPNE/REPNZ").  A REP with elements left returns
 * EMU_AGAIN: the caller commits the registers and leaves RIP where it
 * is, so the guest runs the instruction again, natively while it touches
 * RAM and through here each time it touches MMIO, and can take
 * interrupts in between, as the CPU does between iterations.
 */
#include "emul.h"

/* The source may take a segment override; the destination is always ES. */
struct string_op {
	bool reads_src, reads_dst, writes_dst, compares;
};

static const struct string_op string_ops[] = {
	[0] = { .reads_src = true, .writes_dst = true },	/* A4, A5: MOVS */
	[1] = { .reads_src = true, .reads_dst = true, .compares = true },	/* CMPS */
	[3] = { .writes_dst = true },				/* AA, AB: STOS */
	[4] = { .reads_src = true },				/* AC, AD: LODS */
	[5] = { .reads_dst = true, .compares = true },		/* AE, AF: SCAS */
};

static void advance(struct emu_ctxt *c, unsigned int reg, s64 delta)
{
	unsigned int asize = c->insn.addr_size;

	emu_reg_write(c, reg, asize, emu_reg_read(c, reg, asize, false) + delta, false);
}

/* REPE and REPNE also stop on the flags CMPS and SCAS leave. */
static bool rep_done(struct emu_ctxt *c, const struct string_op *op)
{
	unsigned int asize = c->insn.addr_size;

	advance(c, 1, -1);
	if (!emu_reg_read(c, 1, asize, false))
		return true;
	if (op->compares && c->insn.rep == 0xf3)
		return !(c->rflags & EFL_ZF);
	if (op->compares && c->insn.rep == 0xf2)
		return c->rflags & EFL_ZF;
	return false;
}

int emu_exec_string(struct emu_ctxt *c)
{
	struct emu_insn *d = &c->insn;
	const struct string_op *op = &string_ops[((d->opcode & 0xf) - 4) / 2 % 6];
	unsigned int size = d->op_size, asize = d->addr_size;
	u64 si = emu_reg_read(c, 6, asize, false), di = emu_reg_read(c, 7, asize, false);
	s64 delta = (c->rflags & EFL_DF) ? -(s64)size : (s64)size;
	u64 src = emu_reg_read(c, 0, size, false), dst = 0;
	int r;

	if (d->rep && !emu_reg_read(c, 1, asize, false))
		return EMU_DONE;
	if (op->reads_src) {
		r = emu_mem_read(c, d->seg, si, &src, size);
		if (r)
			return r;
	}
	if (op->reads_dst) {
		r = emu_mem_read(c, SEG_ES, di, &dst, size);
		if (r)
			return r;
	}
	if (op->compares)
		alu_binop(ALU_CMP, src, dst, size, &c->rflags);
	if (op->writes_dst) {
		r = emu_mem_write(c, SEG_ES, di, &src, size);
		if (r)
			return r;
	}
	if (!op->writes_dst && !op->compares)
		emu_reg_write(c, 0, size, src, false);
	if (op->reads_src)
		advance(c, 6, delta);
	if (op->reads_dst || op->writes_dst)
		advance(c, 7, delta);
	if (d->rep && !rep_done(c, op))
		return EMU_AGAIN;
	return EMU_DONE;
}
