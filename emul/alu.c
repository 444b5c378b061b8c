// SPDX-License-Identifier: GPL-2.0
/*
 * The integer arithmetic of the instruction emulator: add/sub and the
 * logic ops, inc/dec/neg, shifts and rotates, double shifts, bit tests
 * and scans, multiply, divide and the condition codes, with RFLAGS as an
 * Intel CPU computes them.
 *
 * This file is pure: it includes only alu.h, calls nothing and keeps no
 * state, so it is built both into the module and into the host-side unit
 * test tests/unit/test_alu.c, which compares every function with the
 * real instructions.  Hence no libgcc either: the 128/64 division is a
 * shift-subtract loop.
 */
#include "alu.h"

static inline unsigned int bits_of(unsigned int size)
{
	return size * 8;
}

static inline u64 size_mask(unsigned int size)
{
	/* A u64 shifted by 64 is undefined, so size 8 is special. */
	return size >= 8 ? ~0ULL : (1ULL << bits_of(size)) - 1;
}

static inline u64 sign_bit(unsigned int size)
{
	return 1ULL << (bits_of(size) - 1);
}

static inline u64 sign_extend(u64 v, unsigned int size)
{
	u64 sign = sign_bit(size);

	v &= size_mask(size);
	return (v ^ sign) - sign;
}

static inline void set_flag(u64 *flags, u64 flag, bool on)
{
	if (on)
		*flags |= flag;
	else
		*flags &= ~flag;
}

static bool parity_even(u64 v)
{
	u8 x = v;

	x ^= x >> 4;
	x ^= x >> 2;
	x ^= x >> 1;
	return !(x & 1);
}

/* SF, ZF and PF, which nearly every instruction derives from the result alone. */
static void set_szp(u64 *flags, u64 res, unsigned int size)
{
	set_flag(flags, EFL_SF, res & sign_bit(size));
	set_flag(flags, EFL_ZF, !(res & size_mask(size)));
	set_flag(flags, EFL_PF, parity_even(res));
}

/*
 * a + b + carry_in.  The carry into each bit is the xor of the operands
 * with the sum, so AF is bit 4 of it and the carry out of the top bit
 * is the usual majority function; OF is "both operands have the sign the
 * result lacks".
 */
static u64 do_add(u64 a, u64 b, bool carry_in, unsigned int size, u64 *flags, u64 touch)
{
	u64 sign = sign_bit(size);
	u64 res = (a + b + carry_in) & size_mask(size);
	u64 carries = (a & b) | ((a | b) & ~res);

	*flags &= ~touch;
	*flags |= (carries & sign) ? EFL_CF & touch : 0;
	*flags |= ((a ^ b ^ res) & 0x10) ? EFL_AF : 0;
	*flags |= ((a ^ res) & (b ^ res) & sign) ? EFL_OF : 0;
	set_szp(flags, res, size);
	return res;
}

/* a - b - borrow_in, with the borrow vector playing the part of the carries. */
static u64 do_sub(u64 a, u64 b, bool borrow_in, unsigned int size, u64 *flags, u64 touch)
{
	u64 sign = sign_bit(size);
	u64 res = (a - b - borrow_in) & size_mask(size);
	u64 borrows = (~a & b) | ((~a | b) & res);

	*flags &= ~touch;
	*flags |= (borrows & sign) ? EFL_CF & touch : 0;
	*flags |= ((a ^ b ^ res) & 0x10) ? EFL_AF : 0;
	*flags |= ((a ^ b) & (a ^ res) & sign) ? EFL_OF : 0;
	set_szp(flags, res, size);
	return res;
}

static u64 do_logic(u64 res, unsigned int size, u64 *flags)
{
	res &= size_mask(size);
	*flags &= ~(EFL_CF | EFL_OF);
	set_szp(flags, res, size);
	return res;
}

u64 alu_binop(enum alu_op op, u64 dst, u64 src, unsigned int size, u64 *flags)
{
	bool cf = *flags & EFL_CF;

	dst &= size_mask(size);
	src &= size_mask(size);
	switch (op) {
	case ALU_ADD:
		return do_add(dst, src, false, size, flags, EFL_ARITH);
	case ALU_ADC:
		return do_add(dst, src, cf, size, flags, EFL_ARITH);
	case ALU_SUB:
	case ALU_CMP:
		return do_sub(dst, src, false, size, flags, EFL_ARITH);
	case ALU_SBB:
		return do_sub(dst, src, cf, size, flags, EFL_ARITH);
	case ALU_OR:
		return do_logic(dst | src, size, flags);
	case ALU_AND:
		return do_logic(dst & src, size, flags);
	case ALU_XOR:
		return do_logic(dst ^ src, size, flags);
	}
	return dst;
}

u64 alu_inc(u64 v, unsigned int size, u64 *flags)
{
	return do_add(v & size_mask(size), 1, false, size, flags, EFL_ARITH & ~EFL_CF);
}

u64 alu_dec(u64 v, unsigned int size, u64 *flags)
{
	return do_sub(v & size_mask(size), 1, false, size, flags, EFL_ARITH & ~EFL_CF);
}

u64 alu_neg(u64 v, unsigned int size, u64 *flags)
{
	/* 0 - v borrows exactly when v != 0, which is the CF the SDM gives. */
	return do_sub(0, v & size_mask(size), false, size, flags, EFL_ARITH);
}

/*
 * Rotates: only CF and OF change.  For ROL/ROR the SDM sets CF from the
 * result whenever the masked count is non-zero, even if it is a multiple
 * of the width and the value does not move.
 */
static u64 do_rol(u64 v, unsigned int masked, unsigned int size, u64 *flags)
{
	unsigned int bits = bits_of(size), n = masked % bits;
	u64 res = n ? ((v << n) | (v >> (bits - n))) & size_mask(size) : v;

	set_flag(flags, EFL_CF, res & 1);
	if (masked == 1)
		set_flag(flags, EFL_OF, !!(res & sign_bit(size)) ^ (res & 1));
	return res;
}

static u64 do_ror(u64 v, unsigned int masked, unsigned int size, u64 *flags)
{
	unsigned int bits = bits_of(size), n = masked % bits;
	u64 res = n ? ((v >> n) | (v << (bits - n))) & size_mask(size) : v;
	u64 sign = sign_bit(size);

	set_flag(flags, EFL_CF, res & sign);
	if (masked == 1)
		set_flag(flags, EFL_OF, !!(res & sign) ^ !!(res & (sign >> 1)));
	return res;
}

/*
 * RCL/RCR rotate through CF, a (bits + 1)-bit rotation.  One bit at a
 * time keeps every shift in range; n is below 65.
 */
static u64 do_rcl(u64 v, unsigned int masked, unsigned int size, u64 *flags)
{
	unsigned int n = size < 4 ? masked % (bits_of(size) + 1) : masked;
	u64 sign = sign_bit(size);
	bool cf = *flags & EFL_CF;

	while (n--) {
		bool out = v & sign;

		v = ((v << 1) | cf) & size_mask(size);
		cf = out;
	}
	set_flag(flags, EFL_CF, cf);
	if (masked == 1)
		set_flag(flags, EFL_OF, !!(v & sign) ^ cf);
	return v;
}

static u64 do_rcr(u64 v, unsigned int masked, unsigned int size, u64 *flags)
{
	unsigned int n = size < 4 ? masked % (bits_of(size) + 1) : masked;
	u64 sign = sign_bit(size);
	bool cf = *flags & EFL_CF;

	/* The SDM takes OF from the operand before the rotation. */
	if (masked == 1)
		set_flag(flags, EFL_OF, !!(v & sign) ^ cf);
	while (n--) {
		bool out = v & 1;

		v = (v >> 1) | (cf ? sign : 0);
		cf = out;
	}
	set_flag(flags, EFL_CF, cf);
	return v;
}

/*
 * SHL/SHR/SAR.  An 8/16-bit count may reach or pass the width: SHL/SHR
 * then give 0 and the SDM leaves CF undefined (so it is left alone
 * here), SAR gives all sign bits with CF = the sign, the last bit
 * shifted out.
 */
static u64 do_shl(u64 v, unsigned int n, unsigned int size, u64 *flags)
{
	unsigned int bits = bits_of(size);
	u64 res = n < bits ? (v << n) & size_mask(size) : 0;

	if (n < bits)
		set_flag(flags, EFL_CF, (v >> (bits - n)) & 1);
	if (n == 1)
		set_flag(flags, EFL_OF, !!(res & sign_bit(size)) ^ !!(*flags & EFL_CF));
	set_szp(flags, res, size);
	return res;
}

static u64 do_shr(u64 v, unsigned int n, unsigned int size, u64 *flags)
{
	unsigned int bits = bits_of(size);
	u64 res = n < bits ? v >> n : 0;

	if (n < bits)
		set_flag(flags, EFL_CF, (v >> (n - 1)) & 1);
	if (n == 1)
		set_flag(flags, EFL_OF, v & sign_bit(size));
	set_szp(flags, res, size);
	return res;
}

static u64 do_sar(u64 v, unsigned int n, unsigned int size, u64 *flags)
{
	unsigned int bits = bits_of(size);
	u64 sign = v & sign_bit(size) ? size_mask(size) : 0;
	u64 res;

	/* Shift the complement of a negative value so no signed shift is needed. */
	if (n < bits) {
		res = ((v ^ sign) >> n) ^ sign;
		set_flag(flags, EFL_CF, (v >> (n - 1)) & 1);
	} else {
		res = sign;
		set_flag(flags, EFL_CF, sign);
	}
	if (n == 1)
		*flags &= ~EFL_OF;
	set_szp(flags, res, size);
	return res;
}

u64 alu_shift(enum alu_shift_op op, u64 v, u8 count, unsigned int size, u64 *flags)
{
	unsigned int n = count & (size == 8 ? 0x3f : 0x1f);

	v &= size_mask(size);
	if (!n)
		return v;
	switch (op) {
	case SHIFT_ROL:
		return do_rol(v, n, size, flags);
	case SHIFT_ROR:
		return do_ror(v, n, size, flags);
	case SHIFT_RCL:
		return do_rcl(v, n, size, flags);
	case SHIFT_RCR:
		return do_rcr(v, n, size, flags);
	case SHIFT_SHL:
	case SHIFT_SAL:
		return do_shl(v, n, size, flags);
	case SHIFT_SHR:
		return do_shr(v, n, size, flags);
	case SHIFT_SAR:
		return do_sar(v, n, size, flags);
	}
	return v;
}

/*
 * SHLD/SHRD: dst is shifted and filled from src.  Only a 16-bit operand
 * can see n == bits (defined: the result is src) or more (undefined).
 * The caller has masked n, so 1 <= n <= bits and bits - n stays < 64.
 */
static void double_shift_flags(u64 dst, u64 res, unsigned int n, bool cf, unsigned int size,
			       u64 *flags)
{
	set_flag(flags, EFL_CF, cf);
	if (n == 1)
		set_flag(flags, EFL_OF, (dst ^ res) & sign_bit(size));
	set_szp(flags, res, size);
}

static unsigned int double_shift_count(u8 count, unsigned int size)
{
	return count & (size == 8 ? 0x3f : 0x1f);
}

u64 alu_shld(u64 dst, u64 src, u8 count, unsigned int size, u64 *flags)
{
	unsigned int bits = bits_of(size), n = double_shift_count(count, size);
	u64 mask = size_mask(size), res;

	dst &= mask;
	src &= mask;
	if (!n || n > bits)
		return dst;
	res = ((dst << n) | (src >> (bits - n))) & mask;
	double_shift_flags(dst, res, n, (dst >> (bits - n)) & 1, size, flags);
	return res;
}

u64 alu_shrd(u64 dst, u64 src, u8 count, unsigned int size, u64 *flags)
{
	unsigned int bits = bits_of(size), n = double_shift_count(count, size);
	u64 mask = size_mask(size), res;

	dst &= mask;
	src &= mask;
	if (!n || n > bits)
		return dst;
	res = ((dst >> n) | (src << (bits - n))) & mask;
	double_shift_flags(dst, res, n, (dst >> (n - 1)) & 1, size, flags);
	return res;
}

u64 alu_bt(enum alu_bt_op op, u64 v, unsigned int bit, unsigned int size, u64 *flags)
{
	u64 m = 1ULL << (bit & 63);

	v &= size_mask(size);
	/* ZF is unaffected and OF, SF, AF, PF are undefined: only CF moves. */
	set_flag(flags, EFL_CF, v & m);
	switch (op) {
	case BT_TEST:
		break;
	case BT_SET:
		v |= m;
		break;
	case BT_RESET:
		v &= ~m;
		break;
	case BT_COMPLEMENT:
		v ^= m;
		break;
	}
	return v & size_mask(size);
}

bool alu_bsf(u64 v, unsigned int size, u64 *result, u64 *flags)
{
	unsigned int i = 0;

	v &= size_mask(size);
	set_flag(flags, EFL_ZF, !v);
	if (!v)
		return false;
	while (!(v & 1)) {
		v >>= 1;
		i++;
	}
	*result = i;
	return true;
}

bool alu_bsr(u64 v, unsigned int size, u64 *result, u64 *flags)
{
	unsigned int i = 63;

	v &= size_mask(size);
	set_flag(flags, EFL_ZF, !v);
	if (!v)
		return false;
	while (!(v & (1ULL << i)))
		i--;
	*result = i;
	return true;
}

/* The 128-bit product of two u64; a multiply, so no libgcc call. */
static void mul_64x64(u64 a, u64 b, u64 *lo, u64 *hi)
{
	unsigned __int128 p = (unsigned __int128)a * b;

	*lo = (u64)p;
	*hi = (u64)(p >> 64);
}

/* Split a product into its size-byte halves; below 8 bytes all of it is in plo. */
static void mul_result(u64 plo, u64 phi, unsigned int size, u64 *lo, u64 *hi)
{
	if (size == 8) {
		*lo = plo;
		*hi = phi;
	} else {
		*lo = plo & size_mask(size);
		*hi = (plo >> bits_of(size)) & size_mask(size);
	}
}

void alu_mul(u64 a, u64 b, unsigned int size, u64 *lo, u64 *hi, u64 *flags)
{
	u64 plo, phi;

	mul_64x64(a & size_mask(size), b & size_mask(size), &plo, &phi);
	mul_result(plo, phi, size, lo, hi);
	set_flag(flags, EFL_CF | EFL_OF, *hi != 0);
}

void alu_imul(u64 a, u64 b, unsigned int size, u64 *lo, u64 *hi, u64 *flags)
{
	u64 sa = sign_extend(a, size), sb = sign_extend(b, size);
	u64 plo, phi;
	bool fits;

	/*
	 * The unsigned product of the sign-extended operands: its low 64 bits
	 * are the signed product's, and the high half is corrected by
	 * subtracting each operand that the other's sign bit counted as 2^64.
	 */
	mul_64x64(sa, sb, &plo, &phi);
	if (sa >> 63)
		phi -= sb;
	if (sb >> 63)
		phi -= sa;
	mul_result(plo, phi, size, lo, hi);
	fits = *hi == ((*lo & sign_bit(size)) ? size_mask(size) : 0);
	set_flag(flags, EFL_CF | EFL_OF, !fits);
}

/*
 * hi:lo / d for a non-zero d, as restoring division one bit at a time;
 * -1 when the quotient needs more than 64 bits (hi >= d).
 */
static int udiv_128(u64 hi, u64 lo, u64 d, u64 *quot, u64 *rem)
{
	u64 q = 0;
	int i;

	if (hi >= d)
		return -1;
	if (!hi) {
		*quot = lo / d;
		*rem = lo % d;
		return 0;
	}
	for (i = 63; i >= 0; i--) {
		bool top = hi >> 63;

		hi = (hi << 1) | ((lo >> i) & 1);
		/* A 65-bit partial remainder is always >= d. */
		if (top || hi >= d) {
			hi -= d;
			q |= 1ULL << i;
		}
	}
	*quot = q;
	*rem = hi;
	return 0;
}

/* Negate the 128-bit two's complement number hi:lo in place. */
static void neg_128(u64 *hi, u64 *lo)
{
	*hi = ~*hi + (*lo == 0);
	*lo = -*lo;
}

int alu_div(bool is_signed, u64 hi, u64 lo, u64 divisor, unsigned int size, u64 *quot, u64 *rem)
{
	u64 mask = size_mask(size), limit = mask, q, r;
	bool neg_dividend = false, neg_quot = false;

	hi &= mask;
	lo &= mask;
	divisor &= mask;
	if (!divisor)
		return -1;
	/* Below 64 bits the whole dividend fits in lo. */
	if (size < 8) {
		lo |= hi << bits_of(size);
		hi = 0;
		if (is_signed && (lo & sign_bit(size * 2))) {
			lo = sign_extend(lo, size * 2);
			hi = ~0ULL;
		}
	}
	if (is_signed) {
		neg_dividend = hi >> 63;
		if (neg_dividend)
			neg_128(&hi, &lo);
		divisor = sign_extend(divisor, size);
		neg_quot = neg_dividend ^ (divisor >> 63);
		if (divisor >> 63)
			divisor = -divisor;
		/* Magnitudes: a negative quotient may reach 2^(n-1). */
		limit = sign_bit(size) - !neg_quot;
	}
	if (udiv_128(hi, lo, divisor, &q, &r) || q > limit)
		return -1;
	*quot = (neg_quot ? -q : q) & mask;
	*rem = (neg_dividend ? -r : r) & mask;
	return 0;
}

bool alu_cond(u8 cc, u64 flags)
{
	bool sf_ne_of = !(flags & EFL_SF) != !(flags & EFL_OF);
	bool res = false;

	/* Odd codes are the negation of the even one below them. */
	switch ((cc & 15) >> 1) {
	case 0:
		res = flags & EFL_OF;
		break;
	case 1:
		res = flags & EFL_CF;
		break;
	case 2:
		res = flags & EFL_ZF;
		break;
	case 3:
		res = flags & (EFL_CF | EFL_ZF);
		break;
	case 4:
		res = flags & EFL_SF;
		break;
	case 5:
		res = flags & EFL_PF;
		break;
	case 6:
		res = sf_ne_of;
		break;
	case 7:
		res = (flags & EFL_ZF) || sf_ne_of;
		break;
	}
	return res ^ (cc & 1);
}
