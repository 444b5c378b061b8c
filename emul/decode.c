// SPDX-License-Identifier: GPL-2.0
/*
 * Instruction decoding for the emulator: prefixes, REX, the opcode, ModRM
 * and SIB, the displacement and immediates, and the offset of the memory
 * operand (SDM Vol. 2A chapter 2).  Only the opcodes exec.c, stack.c and
 * string.c carry out are known here: anything else is EMU_UNHANDLED
 * before it can do harm.
 */
#include "emul.h"

/* What an opcode carries after it. */
#define A_MODRM		BIT(0)
#define A_BYTE		BIT(1)	/* operand size 1 */
#define A_IMM8		BIT(2)
#define A_IMMZ		BIT(3)	/* 2 bytes, or 4 sign-extended */
#define A_IMM16		BIT(4)
#define A_MOFFS		BIT(5)	/* an address-size offset, no ModRM */
#define A_STACK		BIT(6)	/* 64-bit operands by default in 64-bit mode */
#define A_ENTER		BIT(7)	/* imm16 then imm8 */
#define A_KNOWN		BIT(8)

static unsigned int one_byte_attrs(u8 op)
{
	/* The eight ALU operations: r/m,r and r,r/m forms (00-3B). */
	if (op < 0x40 && (op & 7) < 4)
		return A_KNOWN | A_MODRM | ((op & 1) ? 0 : A_BYTE);
	if (op >= 0x50 && op <= 0x5f)
		return A_KNOWN | A_STACK;
	switch (op) {
	case 0x63:
		return A_KNOWN | A_MODRM;
	case 0x68:
		return A_KNOWN | A_STACK | A_IMMZ;
	case 0x6a:
		return A_KNOWN | A_STACK | A_IMM8;
	case 0x69:
		return A_KNOWN | A_MODRM | A_IMMZ;
	case 0x6b:
	case 0x83:
	case 0xc1:
		return A_KNOWN | A_MODRM | A_IMM8;
	case 0x80:
	case 0xc0:
	case 0xc6:
		return A_KNOWN | A_MODRM | A_BYTE | A_IMM8;
	case 0x81:
	case 0xc7:
		return A_KNOWN | A_MODRM | A_IMMZ;
	case 0x84: case 0x86: case 0x88: case 0x8a:
	case 0xd0: case 0xd2: case 0xf6: case 0xfe:
		return A_KNOWN | A_MODRM | A_BYTE;
	case 0x85: case 0x87: case 0x89: case 0x8b: case 0x8c: case 0x8e:
	case 0xd1: case 0xd3: case 0xf7: case 0xff:
		return A_KNOWN | A_MODRM;
	case 0x8f:
		return A_KNOWN | A_MODRM | A_STACK;
	case 0xa0: case 0xa2:
		return A_KNOWN | A_MOFFS | A_BYTE;
	case 0xa1: case 0xa3:
		return A_KNOWN | A_MOFFS;
	case 0xa4: case 0xa6: case 0xaa: case 0xac: case 0xae:
		return A_KNOWN | A_BYTE;
	case 0xa5: case 0xa7: case 0xab: case 0xad: case 0xaf:
		return A_KNOWN;
	case 0xc2:
		return A_KNOWN | A_STACK | A_IMM16;
	case 0xc3:
	case 0xc9:
		return A_KNOWN | A_STACK;
	case 0xc8:
		return A_KNOWN | A_STACK | A_ENTER;
	case 0xe8:
		return A_KNOWN | A_STACK | A_IMMZ;
	}
	return 0;
}

static unsigned int two_byte_attrs(u8 op)
{
	if ((op >= 0x40 && op <= 0x4f))
		return A_KNOWN | A_MODRM;
	if (op >= 0x90 && op <= 0x9f)
		return A_KNOWN | A_MODRM | A_BYTE;
	switch (op) {
	case 0x00: case 0x01:
	case 0x10: case 0x11: case 0x28: case 0x29: case 0x6f: case 0x7f:
	case 0xa3: case 0xa5: case 0xab: case 0xad: case 0xaf:
	case 0xb1: case 0xb3: case 0xb6: case 0xb7: case 0xbb:
	case 0xbc: case 0xbd: case 0xbe: case 0xbf: case 0xc1:
		return A_KNOWN | A_MODRM;
	case 0xa4: case 0xac: case 0xba:
		return A_KNOWN | A_MODRM | A_IMM8;
	case 0xb0: case 0xc0:
		return A_KNOWN | A_MODRM | A_BYTE;
	}
	return 0;
}

u64 emu_size_mask(unsigned int size)
{
	return size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

/* Reads @n little-endian bytes at @b[*i], sign-extended when @sign. */
static int take(const u8 *b, unsigned int avail, unsigned int *i, unsigned int n, bool sign,
		u64 *val)
{
	u64 v = 0;
	unsigned int k;

	if (*i + n > avail || *i + n > EMU_MAX_INSN)
		return -1;
	for (k = 0; k < n; k++)
		v |= (u64)b[*i + k] << (8 * k);
	*i += n;
	if (sign && n < 8 && (v & (1ULL << (n * 8 - 1))))
		v |= ~emu_size_mask(n);
	*val = v;
	return 0;
}

/* The 16-bit forms: a fixed pair of base and index per rm (SDM Vol. 2A table 2-1). */
static int modrm16(struct emu_ctxt *c, const u8 *b, unsigned int avail, unsigned int *i)
{
	static const s8 base[8] = { 3, 3, 5, 5, 6, 7, 5, 3 };	/* BX BX BP BP SI DI BP BX */
	static const s8 index[8] = { 6, 7, 6, 7, -1, -1, -1, -1 };
	struct emu_insn *d = &c->insn;
	u64 ea = 0, disp = 0;

	if (d->mod == 0 && d->rm == 6) {
		if (take(b, avail, i, 2, false, &disp))
			return -1;
		d->ea = disp;
		return 0;
	}
	ea = c->regs[(int)base[d->rm]];
	if (index[d->rm] >= 0)
		ea += c->regs[(int)index[d->rm]];
	if (d->mod == 1 && take(b, avail, i, 1, true, &disp))
		return -1;
	if (d->mod == 2 && take(b, avail, i, 2, false, &disp))
		return -1;
	if (base[d->rm] == 5)
		d->seg = SEG_SS;
	d->ea = (ea + disp) & 0xffff;
	return 0;
}

/* The 32 and 64-bit forms, with SIB; RIP-relative is finished by the caller. */
static int modrm32(struct emu_ctxt *c, const u8 *b, unsigned int avail, unsigned int *i,
		   bool *rip_rel)
{
	struct emu_insn *d = &c->insn;
	unsigned int rm = d->rm & 7, base = d->rm;
	u64 ea = 0, disp = 0, sib;
	bool no_base = false;

	if (rm == 4) {
		unsigned int index;

		if (take(b, avail, i, 1, false, &sib))
			return -1;
		index = ((sib >> 3) & 7) | ((d->rex & 2) ? 8 : 0);
		base = (sib & 7) | ((d->rex & 1) ? 8 : 0);
		if (index != 4)
			ea = c->regs[index] << (sib >> 6);
		if ((sib & 7) == 5 && d->mod == 0)
			no_base = true;
	} else if (rm == 5 && d->mod == 0) {
		no_base = true;
		*rip_rel = c->long64;
	}
	if (!no_base) {
		ea += c->regs[base];
		if (base == 4 || base == 5)
			d->seg = SEG_SS;
		d->uses_sp = base == 4;
	}
	if (no_base || d->mod == 2) {
		if (take(b, avail, i, 4, true, &disp))
			return -1;
	} else if (d->mod == 1 && take(b, avail, i, 1, true, &disp)) {
		return -1;
	}
	d->ea = ea + disp;
	return 0;
}

static int decode_prefixes(struct emu_ctxt *c, const u8 *b, unsigned int avail,
			   unsigned int *i, int *seg_override)
{
	struct emu_insn *d = &c->insn;

	for (; *i < avail && *i < EMU_MAX_INSN; (*i)++) {
		switch (b[*i]) {
		case 0x66:
			d->opsize_prefix = true;
			continue;
		case 0x67:
			d->addr_size = c->long64 ? 4 : (c->code32 ? 2 : 4);
			continue;
		case 0x26: case 0x2e: case 0x36: case 0x3e:
			*seg_override = (b[*i] >> 3) & 3;
			continue;
		case 0x64: case 0x65:
			*seg_override = b[*i] - 0x64 + SEG_FS;
			continue;
		case 0xf2: case 0xf3:
			d->rep = b[*i];
			continue;
		case 0xf0:
			continue;
		}
		break;
	}
	if (c->long64 && *i < avail && (b[*i] & 0xf0) == 0x40)
		d->rex = b[(*i)++];
	return *i < avail ? 0 : -1;
}

static void set_sizes(struct emu_ctxt *c, unsigned int attrs)
{
	struct emu_insn *d = &c->insn;
	bool op16 = c->long64 || c->code32 ? d->opsize_prefix : !d->opsize_prefix;

	d->op_size = op16 ? 2 : 4;
	if (c->long64 && (d->rex & 8))
		d->op_size = 8;
	else if (c->long64 && (attrs & A_STACK) && !d->opsize_prefix)
		d->op_size = 8;
	if (attrs & A_BYTE)
		d->op_size = 1;
}

static int decode_modrm(struct emu_ctxt *c, const u8 *b, unsigned int avail, unsigned int *i,
			bool *rip_rel)
{
	struct emu_insn *d = &c->insn;
	u8 modrm;

	if (*i >= avail)
		return -1;
	modrm = b[(*i)++];
	d->has_modrm = true;
	d->mod = modrm >> 6;
	d->reg = ((modrm >> 3) & 7) | ((d->rex & 4) ? 8 : 0);
	d->rm = (modrm & 7) | ((d->rex & 1) ? 8 : 0);
	if (d->mod == 3)
		return 0;
	if (d->addr_size == 2)
		return modrm16(c, b, avail, i);
	return modrm32(c, b, avail, i, rip_rel);
}

static int decode_imm(struct emu_ctxt *c, const u8 *b, unsigned int avail, unsigned int *i,
		      unsigned int attrs)
{
	struct emu_insn *d = &c->insn;

	/* Group 3's TEST is the only member with an immediate. */
	if (!d->two_byte && (d->opcode & 0xfe) == 0xf6 && d->reg % 8 < 2)
		attrs |= d->opcode == 0xf6 ? A_IMM8 : A_IMMZ;
	if (attrs & A_IMM8)
		return take(b, avail, i, 1, true, &d->imm);
	if (attrs & A_IMMZ)
		return take(b, avail, i, d->op_size == 2 ? 2 : 4, true, &d->imm);
	if (attrs & A_IMM16)
		return take(b, avail, i, 2, false, &d->imm);
	if (attrs & A_ENTER)
		return take(b, avail, i, 2, false, &d->imm) ||
		       take(b, avail, i, 1, false, &d->imm2);
	if (attrs & A_MOFFS)
		return take(b, avail, i, d->addr_size, false, &d->ea);
	return 0;
}

/**
 * emu_decode - decode the instruction at the start of @bytes
 * @c: the context; its registers give the memory operand's offset
 * @bytes: the instruction bytes fetched at c->rip
 * @avail: how many of them could be fetched
 *
 * Return: 0, or EMU_UNHANDLED for an instruction the emulator does not
 * carry out or that does not fit in @avail bytes.
 */
int emu_decode(struct emu_ctxt *c, const u8 *bytes, unsigned int avail)
{
	struct emu_insn *d = &c->insn;
	int seg_override = -1;
	unsigned int i = 0, attrs;
	bool rip_rel = false;

	memset(d, 0, sizeof(*d));
	d->addr_size = c->long64 ? 8 : (c->code32 ? 4 : 2);
	d->seg = SEG_DS;
	if (decode_prefixes(c, bytes, avail, &i, &seg_override))
		return EMU_UNHANDLED;
	d->opcode = bytes[i++];
	if (d->opcode == 0x0f) {
		if (i >= avail)
			return EMU_UNHANDLED;
		d->two_byte = true;
		d->opcode = bytes[i++];
		attrs = two_byte_attrs(d->opcode);
	} else {
		attrs = one_byte_attrs(d->opcode);
	}
	if (!attrs)
		return EMU_UNHANDLED;
	set_sizes(c, attrs);
	if ((attrs & A_MODRM) && decode_modrm(c, bytes, avail, &i, &rip_rel))
		return EMU_UNHANDLED;
	if (decode_imm(c, bytes, avail, &i, attrs))
		return EMU_UNHANDLED;
	if (i > EMU_MAX_INSN)
		return EMU_UNHANDLED;
	d->len = i;
	if (rip_rel)
		d->ea += c->rip + d->len;
	if (d->addr_size < 8)
		d->ea &= emu_size_mask(d->addr_size);
	if (seg_override >= 0)
		d->seg = seg_override;
	return 0;
}
