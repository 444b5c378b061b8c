/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pure integer arithmetic of the instruction emulator: results and
 * RFLAGS as an Intel CPU computes them.  alu.c includes nothing but this
 * header, so the same code is built into the module and into the
 * host-side unit test tests/unit/test_alu.c, which checks it against the
 * real CPU.
 *
 * Conventions: 'size' is the operand size in bytes (1, 2, 4 or 8), u64
 * operands are zero-extended, results come back masked to the size, and
 * 'flags' points to the guest RFLAGS.  Only the arithmetic flags the SDM
 * defines for an instruction are changed; the undefined ones keep their
 * old value unless noted otherwise.
 */
#ifndef KVMINI_EMUL_ALU_H
#define KVMINI_EMUL_ALU_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdbool.h>
#include <linux/types.h>
typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef __s8 s8;
typedef __s16 s16;
typedef __s32 s32;
typedef __s64 s64;
#endif

#define EFL_CF		0x001
#define EFL_PF		0x004
#define EFL_AF		0x010
#define EFL_ZF		0x040
#define EFL_SF		0x080
#define EFL_DF		0x400
#define EFL_OF		0x800
#define EFL_ARITH	(EFL_CF | EFL_PF | EFL_AF | EFL_ZF | EFL_SF | EFL_OF)

/* The /r order of opcode group 1 (and of the 00-3f opcode rows). */
enum alu_op { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP };

/* CMP returns dst - src too; AND/OR/XOR clear CF and OF and leave AF alone. */
u64 alu_binop(enum alu_op op, u64 dst, u64 src, unsigned int size, u64 *flags);
/* INC and DEC leave CF unchanged. */
u64 alu_inc(u64 v, unsigned int size, u64 *flags);
u64 alu_dec(u64 v, unsigned int size, u64 *flags);
/* CF = (v != 0). */
u64 alu_neg(u64 v, unsigned int size, u64 *flags);

/* The /r order of opcode group 2; SAL is SHL. */
enum alu_shift_op {
	SHIFT_ROL, SHIFT_ROR, SHIFT_RCL, SHIFT_RCR, SHIFT_SHL, SHIFT_SHR, SHIFT_SAL, SHIFT_SAR
};

/*
 * The count is masked to 5 bits (6 for size 8); a masked count of 0
 * changes nothing.  RCL/RCR of 8/16-bit operands rotate by the masked
 * count mod 9/17.  OF is computed only for a masked count of 1, AF is
 * left alone, and so is CF of SHL/SHR by the operand width or more.
 */
u64 alu_shift(enum alu_shift_op op, u64 v, u8 count, unsigned int size, u64 *flags);
/*
 * Sizes 2, 4 and 8 only.  The count is masked to 5 (6) bits; a 16-bit
 * count above 16 is undefined in the SDM and returns dst with the flags
 * unchanged.
 */
u64 alu_shld(u64 dst, u64 src, u8 count, unsigned int size, u64 *flags);
u64 alu_shrd(u64 dst, u64 src, u8 count, unsigned int size, u64 *flags);

enum alu_bt_op { BT_TEST, BT_SET, BT_RESET, BT_COMPLEMENT };

/* 'bit' is already reduced mod size * 8; CF = the old bit; returns the new value. */
u64 alu_bt(enum alu_bt_op op, u64 v, unsigned int bit, unsigned int size, u64 *flags);
/* v == 0: ZF = 1, *result untouched, false; else ZF = 0 and *result = the bit index. */
bool alu_bsf(u64 v, unsigned int size, u64 *result, u64 *flags);
bool alu_bsr(u64 v, unsigned int size, u64 *result, u64 *flags);

/*
 * The one-operand MUL/IMUL: lo and hi are the two size-byte halves of
 * the product (AL and AH for size 1).  CF = OF = the product does not
 * fit in lo (as an unsigned resp. a signed number).
 */
void alu_mul(u64 a, u64 b, unsigned int size, u64 *lo, u64 *hi, u64 *flags);
void alu_imul(u64 a, u64 b, unsigned int size, u64 *lo, u64 *hi, u64 *flags);

/*
 * DIV/IDIV of hi:lo (each size bytes; AH:AL for size 1).  Returns 0, or
 * -1 where the CPU raises #DE: divisor 0 or a quotient that does not fit.
 * The flags are undefined and not touched.
 */
int alu_div(bool is_signed, u64 hi, u64 lo, u64 divisor, unsigned int size, u64 *quot, u64 *rem);

/* The Jcc/CMOVcc/SETcc condition cc (0..15): O NO B AE E NE BE A S NS P NP L GE LE G. */
bool alu_cond(u8 cc, u64 flags);

#endif
