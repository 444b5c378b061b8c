// SPDX-License-Identifier: GPL-2.0
/*
 * The SSE and MMX moves between a register and memory: MOVUPS, MOVUPD,
 * MOVAPS, MOVAPD, MOVDQU, MOVDQA and MMX's MOVQ (SDM Vol. 2B).  The CPU
 * checked CR0.EM and CR0.TS before it touched the memory that brought an
 * SSE move here, but the bytes at RIP are fetched again after the exit,
 * and another vCPU may have changed them: both are checked again, as
 * KVM's emulator does (#UD, #NM), and so is the aligned forms'
 * alignment.  The registers themselves are the caller's: ops->get_vec
 * reads one, and a load is left in c->vec for the caller to commit.
 */
#include "emul.h"

#define UD_VECTOR	6
#define NM_VECTOR	7
#define GP_VECTOR	13
#define CR0_EM		BIT(2)
#define CR0_TS		BIT(3)

int emu_exec_vector(struct emu_ctxt *c)
{
	struct emu_insn *d = &c->insn;
	bool store = d->opcode == 0x11 || d->opcode == 0x29 || d->opcode == 0x7f;
	bool mmx = false, aligned = false;
	unsigned int len = 16;
	u8 buf[16];
	int r;

	if (d->mod == 3 || !c->ops->get_vec)
		return EMU_UNHANDLED;
	switch (d->opcode) {
	case 0x10: case 0x11:
		if (d->rep)
			return EMU_UNHANDLED;		/* MOVSS, MOVSD */
		break;
	case 0x28: case 0x29:
		if (d->rep)
			return EMU_UNHANDLED;
		aligned = true;
		break;
	default:				/* 6F, 7F */
		if (d->rep == 0xf2 || (d->rep == 0xf3 && d->opsize_prefix))
			return EMU_UNHANDLED;
		mmx = !d->rep && !d->opsize_prefix;
		aligned = d->opsize_prefix;	/* MOVDQA */
		if (mmx)
			len = 8;
	}
	if (c->cr0 & CR0_EM)
		return emu_fault(c, UD_VECTOR, false, 0);
	if (c->cr0 & CR0_TS)
		return emu_fault(c, NM_VECTOR, false, 0);
	if (aligned && (emu_linear(c, d->seg, d->ea) & 15))
		return emu_fault(c, GP_VECTOR, true, 0);
	if (store) {
		c->ops->get_vec(c, mmx ? d->reg & 7 : d->reg, mmx, buf);
		return emu_mem_write(c, d->seg, d->ea, buf, len);
	}
	r = emu_mem_read(c, d->seg, d->ea, c->vec, len);
	if (r)
		return r;
	c->vec_load = true;
	c->vec_mmx = mmx;
	c->vec_reg = mmx ? d->reg & 7 : d->reg;
	return EMU_DONE;
}
