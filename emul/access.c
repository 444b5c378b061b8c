// SPDX-License-Identifier: GPL-2.0
/*
 * How the emulator reaches registers and memory: the byte-register
 * encoding, 32-bit writes clearing the upper half, segment bases and
 * canonical addresses (SDM Vol. 1 3.4.1.1 and Vol. 3A 3.4.2).
 */
#include "emul.h"

/* Without REX, byte registers 4-7 are AH, CH, DH and BH. */
static bool high_byte(struct emu_ctxt *c, unsigned int reg, unsigned int size, bool ok)
{
	return ok && size == 1 && !c->insn.rex && reg >= 4 && reg < 8;
}

u64 emu_reg_read(struct emu_ctxt *c, unsigned int reg, unsigned int size, bool high_byte_ok)
{
	if (high_byte(c, reg, size, high_byte_ok))
		return (c->regs[reg - 4] >> 8) & 0xff;
	return c->regs[reg & 15] & emu_size_mask(size);
}

void emu_reg_write(struct emu_ctxt *c, unsigned int reg, unsigned int size, u64 val,
		   bool high_byte_ok)
{
	u64 *r;

	if (high_byte(c, reg, size, high_byte_ok)) {
		r = &c->regs[reg - 4];
		*r = (*r & ~0xff00ULL) | ((val & 0xff) << 8);
		return;
	}
	r = &c->regs[reg & 15];
	if (size >= 4)
		*r = val & emu_size_mask(size);
	else
		*r = (*r & ~emu_size_mask(size)) | (val & emu_size_mask(size));
}

/* 64-bit mode ignores the bases of CS, DS, ES and SS. */
u64 emu_linear(struct emu_ctxt *c, unsigned int seg, u64 ea)
{
	if (c->long64)
		return (seg == SEG_FS || seg == SEG_GS) ? c->seg_base[seg] + ea : ea;
	return (u32)(c->seg_base[seg] + ea);
}

int emu_fault(struct emu_ctxt *c, u8 vector, bool has_code, u32 code)
{
	c->fault = (struct emu_fault){ .vector = vector, .has_code = has_code, .code = code };
	return EMU_FAULT;
}

/* 48-bit linear addresses: bits 63:47 all equal (SDM Vol. 1 3.3.7.1). */
bool emu_canonical(u64 va)
{
	return (u64)((s64)(va << 16) >> 16) == va;
}

/* A non-canonical address is #GP(0), or #SS(0) through SS (SDM Vol. 3A 6.15). */
static int check_canonical(struct emu_ctxt *c, unsigned int seg, u64 la, unsigned int len)
{
	if (!c->long64 || (emu_canonical(la) && emu_canonical(la + len - 1)))
		return 0;
	return emu_fault(c, seg == SEG_SS ? 12 : 13, true, 0);
}

int emu_mem_read(struct emu_ctxt *c, unsigned int seg, u64 ea, void *buf, unsigned int len)
{
	u64 la = emu_linear(c, seg, ea);
	int r = check_canonical(c, seg, la, len);

	if (r)
		return r;
	memset(buf, 0, len);
	return c->ops->read(c, la, buf, len, seg == SEG_SS);
}

int emu_mem_write(struct emu_ctxt *c, unsigned int seg, u64 ea, const void *buf,
		  unsigned int len)
{
	u64 la = emu_linear(c, seg, ea);
	int r = check_canonical(c, seg, la, len);

	if (r)
		return r;
	return c->ops->write(c, la, buf, len, seg == SEG_SS);
}
