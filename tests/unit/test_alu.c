// SPDX-License-Identifier: GPL-2.0
/*
 * Unit test of emul/alu.c, the emulator's integer arithmetic: every
 * function, at every operand size, is run on edge values and a fixed
 * set of pseudo-random ones next to the same instruction executed on
 * this (x86-64) host, and the results and the flags the SDM defines must
 * agree.  The flags it leaves undefined must come back from alu.c as
 * they went in.  It guards the emulator's arithmetic, the part the
 * kvm-unit-tests emulator test exercises (issue 12).
 *
 * A faulting DIV is never executed: the test decides the #DE cases with
 * 128-bit arithmetic and only runs the native divide when it cannot
 * fault.
 */
#include <stdarg.h>
#include <stdio.h>

#include "../../emul/alu.h"
#include "unit.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define FL_IN_EXTRA	(0x2 | 0x200 | EFL_DF)	/* non-arithmetic bits alu.c must keep */

/*
 * Load RFLAGS, run one instruction, read RFLAGS back.  The stack pointer
 * steps over the 128-byte red zone first, where the compiler may keep
 * locals that the push would overwrite; operands are registers only, so
 * none of them is addressed through the moved %rsp.
 */
#define FLAGS_ASM(body)							\
	"sub $128, %%rsp\n\tpush %[fl]\n\tpopfq\n\t" body		\
	"\n\tpushfq\n\tpop %[fl]\n\tadd $128, %%rsp"

/* "mn src, dst" on registers, for every size. */
#define NATIVE_RR(mn, size, d, s, f) do {				\
	switch (size) {							\
	case 1:								\
		asm volatile(FLAGS_ASM(mn " %b[src], %b[dst]")		\
			     : [dst] "+r"(d), [fl] "+r"(f) : [src] "r"(s) : "cc"); \
		break;							\
	default:							\
		NATIVE_RR_NO8(mn, size, d, s, f);			\
	}								\
} while (0)

/* The same without the byte form, which BT, BSF and BSR lack. */
#define NATIVE_RR_NO8(mn, size, d, s, f) do {				\
	switch (size) {							\
	case 2:								\
		asm volatile(FLAGS_ASM(mn " %w[src], %w[dst]")		\
			     : [dst] "+r"(d), [fl] "+r"(f) : [src] "r"(s) : "cc"); \
		break;							\
	case 4:								\
		asm volatile(FLAGS_ASM(mn " %k[src], %k[dst]")		\
			     : [dst] "+r"(d), [fl] "+r"(f) : [src] "r"(s) : "cc"); \
		break;							\
	default:							\
		asm volatile(FLAGS_ASM(mn " %q[src], %q[dst]")		\
			     : [dst] "+r"(d), [fl] "+r"(f) : [src] "r"(s) : "cc"); \
		break;							\
	}								\
} while (0)

/* "mn %cl, dst". */
#define NATIVE_CL(mn, size, d, c, f) do {				\
	switch (size) {							\
	case 1:								\
		asm volatile(FLAGS_ASM(mn " %%cl, %b[dst]")		\
			     : [dst] "+r"(d), [fl] "+r"(f) : "c"(c) : "cc"); \
		break;							\
	case 2:								\
		asm volatile(FLAGS_ASM(mn " %%cl, %w[dst]")		\
			     : [dst] "+r"(d), [fl] "+r"(f) : "c"(c) : "cc"); \
		break;							\
	case 4:								\
		asm volatile(FLAGS_ASM(mn " %%cl, %k[dst]")		\
			     : [dst] "+r"(d), [fl] "+r"(f) : "c"(c) : "cc"); \
		break;							\
	default:							\
		asm volatile(FLAGS_ASM(mn " %%cl, %q[dst]")		\
			     : [dst] "+r"(d), [fl] "+r"(f) : "c"(c) : "cc"); \
		break;							\
	}								\
} while (0)

/* "mn %cl, src, dst" for SHLD/SHRD. */
#define NATIVE_CL2(mn, size, d, s, c, f) do {				\
	switch (size) {							\
	case 2:								\
		asm volatile(FLAGS_ASM(mn " %%cl, %w[src], %w[dst]")	\
			     : [dst] "+r"(d), [fl] "+r"(f) : [src] "r"(s), "c"(c) : "cc"); \
		break;							\
	case 4:								\
		asm volatile(FLAGS_ASM(mn " %%cl, %k[src], %k[dst]")	\
			     : [dst] "+r"(d), [fl] "+r"(f) : [src] "r"(s), "c"(c) : "cc"); \
		break;							\
	default:							\
		asm volatile(FLAGS_ASM(mn " %%cl, %q[src], %q[dst]")	\
			     : [dst] "+r"(d), [fl] "+r"(f) : [src] "r"(s), "c"(c) : "cc"); \
		break;							\
	}								\
} while (0)

/* "mn dst". */
#define NATIVE_R(mn, size, d, f) do {					\
	switch (size) {							\
	case 1:								\
		asm volatile(FLAGS_ASM(mn " %b[dst]") : [dst] "+r"(d), [fl] "+r"(f) : : "cc"); \
		break;							\
	case 2:								\
		asm volatile(FLAGS_ASM(mn " %w[dst]") : [dst] "+r"(d), [fl] "+r"(f) : : "cc"); \
		break;							\
	case 4:								\
		asm volatile(FLAGS_ASM(mn " %k[dst]") : [dst] "+r"(d), [fl] "+r"(f) : : "cc"); \
		break;							\
	default:							\
		asm volatile(FLAGS_ASM(mn " %q[dst]") : [dst] "+r"(d), [fl] "+r"(f) : : "cc"); \
		break;							\
	}								\
} while (0)

/* One-operand MUL/IMUL: rdx:rax (or ax) = rax * s. */
#define NATIVE_MUL(mn, size, a, h, s, f) do {				\
	switch (size) {							\
	case 1:								\
		asm volatile(FLAGS_ASM(mn " %b[src]")			\
			     : "+a"(a), [fl] "+r"(f) : [src] "r"(s) : "cc");	\
		break;							\
	case 2:								\
		asm volatile(FLAGS_ASM(mn " %w[src]")			\
			     : "+a"(a), "+d"(h), [fl] "+r"(f) : [src] "r"(s) : "cc"); \
		break;							\
	case 4:								\
		asm volatile(FLAGS_ASM(mn " %k[src]")			\
			     : "+a"(a), "+d"(h), [fl] "+r"(f) : [src] "r"(s) : "cc"); \
		break;							\
	default:							\
		asm volatile(FLAGS_ASM(mn " %q[src]")			\
			     : "+a"(a), "+d"(h), [fl] "+r"(f) : [src] "r"(s) : "cc"); \
		break;							\
	}								\
} while (0)

/* DIV/IDIV: the flags are undefined, so no need to carry them. */
#define NATIVE_DIV(mn, size, a, h, s) do {				\
	switch (size) {							\
	case 1:								\
		asm volatile(mn " %b[src]" : "+a"(a) : [src] "r"(s) : "cc"); \
		break;							\
	case 2:								\
		asm volatile(mn " %w[src]" : "+a"(a), "+d"(h) : [src] "r"(s) : "cc"); \
		break;							\
	case 4:								\
		asm volatile(mn " %k[src]" : "+a"(a), "+d"(h) : [src] "r"(s) : "cc"); \
		break;							\
	default:							\
		asm volatile(mn " %q[src]" : "+a"(a), "+d"(h) : [src] "r"(s) : "cc"); \
		break;							\
	}								\
} while (0)

static const unsigned int sizes[] = { 1, 2, 4, 8 };
static const char *const binop_names[] = { "add", "or", "adc", "sbb", "and", "sub", "xor", "cmp" };
static const char *const shift_names[] = { "rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar" };
static const char *const bt_names[] = { "bt", "bts", "btr", "btc" };

/* Input flags: all arithmetic flags clear, all set, and CF alone either way. */
static const u64 flags_in[] = {
	0x2, 0x2 | EFL_ARITH, 0x2 | EFL_CF, 0x2 | (EFL_ARITH & ~EFL_CF)
};

#define NR_FLAGS_IN	ARRAY_SIZE(flags_in)
#define NR_RANDOM	200

static const u64 edges[] = {
	0, 1, 2, 3, 0xf, 0x10, 0x7f, 0x80, 0x81, 0xff, 0x100, 0x7fff, 0x8000, 0x8001, 0xffff,
	0x7fffffff, 0x80000000, 0x80000001, 0xffffffff, 0x100000000ULL,
	0x7fffffffffffffffULL, 0x8000000000000000ULL, 0x8000000000000001ULL,
	0xfffffffffffffffeULL, ~0ULL, 0x5555555555555555ULL, 0xaaaaaaaaaaaaaaaaULL,
};

#define NR_EDGES	ARRAY_SIZE(edges)
#define NR_VALS		(NR_EDGES + NR_RANDOM)

static u64 vals[NR_VALS];

#define ULL(v)		((unsigned long long)(v))

static u64 xorshift(void)
{
	static u64 x = 0x9e3779b97f4a7c15ULL;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return x;
}

static void init_vals(void)
{
	unsigned int i;

	for (i = 0; i < NR_EDGES; i++)
		vals[i] = edges[i];
	for (; i < NR_VALS; i++)
		vals[i] = xorshift();
}

static u64 mask_of(unsigned int size)
{
	return size == 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

/* One CHECK per (function, size): count the cases, remember the first mismatch. */
static struct {
	const char *name;
	unsigned int size;
	long cases, bad;
	char first[320];
} grp;

static void group_begin(const char *name, unsigned int size)
{
	grp.name = name;
	grp.size = size;
	grp.cases = 0;
	grp.bad = 0;
}

static void __attribute__((format(printf, 2, 3))) expect(bool ok, const char *fmt, ...)
{
	va_list ap;

	grp.cases++;
	if (ok || grp.bad++)
		return;
	va_start(ap, fmt);
	vsnprintf(grp.first, sizeof(grp.first), fmt, ap);
	va_end(ap);
}

static void group_end(void)
{
	char what[128];

	if (grp.bad)
		printf("     first mismatch of %s/%u: %s\n", grp.name, grp.size, grp.first);
	if (grp.size)
		snprintf(what, sizeof(what), "%s size %u: %ld cases, %ld mismatches", grp.name,
			 grp.size, grp.cases, grp.bad);
	else
		snprintf(what, sizeof(what), "%s: %ld cases, %ld mismatches", grp.name,
			 grp.cases, grp.bad);
	CHECK(grp.bad == 0, what);
}

/*
 * The defined flags must match the CPU, and every other bit must come
 * back from alu.c as it was passed in.
 */
static bool flags_ok(u64 native, u64 emul, u64 emul_in, u64 defined)
{
	return !((native ^ emul) & defined) && !((emul ^ emul_in) & ~defined);
}

static u64 native_binop(enum alu_op op, u64 d, u64 s, unsigned int size, u64 *flags)
{
	u64 f = *flags;

	switch (op) {
	case ALU_ADD:
		NATIVE_RR("add", size, d, s, f);
		break;
	case ALU_OR:
		NATIVE_RR("or", size, d, s, f);
		break;
	case ALU_ADC:
		NATIVE_RR("adc", size, d, s, f);
		break;
	case ALU_SBB:
		NATIVE_RR("sbb", size, d, s, f);
		break;
	case ALU_AND:
		NATIVE_RR("and", size, d, s, f);
		break;
	case ALU_SUB:
		NATIVE_RR("sub", size, d, s, f);
		break;
	case ALU_XOR:
		NATIVE_RR("xor", size, d, s, f);
		break;
	case ALU_CMP:
		/* CMP writes no register; alu.c returns the difference anyway. */
		NATIVE_RR("cmp", size, d, s, f);
		d -= s;
		break;
	}
	*flags = f;
	return d & mask_of(size);
}

static void binop_case(enum alu_op op, u64 d, u64 s, unsigned int size, u64 fin)
{
	u64 defined = EFL_ARITH, nf = fin, ef = fin | FL_IN_EXTRA;
	u64 nr = native_binop(op, d, s, size, &nf);
	u64 er = alu_binop(op, d, s, size, &ef);

	if (op == ALU_AND || op == ALU_OR || op == ALU_XOR)
		defined &= ~EFL_AF;
	expect(nr == er && flags_ok(nf, ef, fin | FL_IN_EXTRA, defined),
	       "d=%llx s=%llx fl=%llx: cpu %llx fl %llx, alu %llx fl %llx",
	       ULL(d), ULL(s), ULL(fin), ULL(nr), ULL(nf), ULL(er), ULL(ef));
}

static void test_binop(enum alu_op op, unsigned int size)
{
	u64 m = mask_of(size);
	unsigned int i, j, k;

	group_begin(binop_names[op], size);
	for (i = 0; i < NR_VALS; i++)
		for (j = 0; j < NR_VALS; j++)
			for (k = 0; k < NR_FLAGS_IN; k++)
				binop_case(op, vals[i] & m, vals[j] & m, size, flags_in[k]);
	group_end();
}

/* 0 = inc, 1 = dec, 2 = neg */
static const char *const unary_names[] = { "inc", "dec", "neg" };

static u64 native_unary(int op, u64 d, unsigned int size, u64 *flags)
{
	u64 f = *flags;

	if (op == 0)
		NATIVE_R("inc", size, d, f);
	else if (op == 1)
		NATIVE_R("dec", size, d, f);
	else
		NATIVE_R("neg", size, d, f);
	*flags = f;
	return d & mask_of(size);
}

static u64 alu_unary(int op, u64 d, unsigned int size, u64 *flags)
{
	if (op == 0)
		return alu_inc(d, size, flags);
	if (op == 1)
		return alu_dec(d, size, flags);
	return alu_neg(d, size, flags);
}

static void test_unary(int op, unsigned int size)
{
	unsigned int i, k;

	group_begin(unary_names[op], size);
	for (i = 0; i < NR_VALS; i++)
		for (k = 0; k < NR_FLAGS_IN; k++) {
			u64 v = vals[i] & mask_of(size), fin = flags_in[k];
			u64 nf = fin, ef = fin | FL_IN_EXTRA;
			u64 nr = native_unary(op, v, size, &nf);
			u64 er = alu_unary(op, v, size, &ef);

			expect(nr == er && flags_ok(nf, ef, fin | FL_IN_EXTRA, EFL_ARITH),
			       "v=%llx fl=%llx: cpu %llx fl %llx, alu %llx fl %llx",
			       ULL(v), ULL(fin), ULL(nr), ULL(nf), ULL(er), ULL(ef));
		}
	group_end();
}

static u64 native_shift(enum alu_shift_op op, u64 d, u64 c, unsigned int size, u64 *flags)
{
	u64 f = *flags;

	switch (op) {
	case SHIFT_ROL:
		NATIVE_CL("rol", size, d, c, f);
		break;
	case SHIFT_ROR:
		NATIVE_CL("ror", size, d, c, f);
		break;
	case SHIFT_RCL:
		NATIVE_CL("rcl", size, d, c, f);
		break;
	case SHIFT_RCR:
		NATIVE_CL("rcr", size, d, c, f);
		break;
	case SHIFT_SHL:
		NATIVE_CL("shl", size, d, c, f);
		break;
	case SHIFT_SHR:
		NATIVE_CL("shr", size, d, c, f);
		break;
	case SHIFT_SAL:
		NATIVE_CL("sal", size, d, c, f);
		break;
	case SHIFT_SAR:
		NATIVE_CL("sar", size, d, c, f);
		break;
	}
	*flags = f;
	return d & mask_of(size);
}

/* The flags the SDM defines for a shift or rotate by the masked count n. */
static u64 shift_defined(enum alu_shift_op op, unsigned int n, unsigned int size)
{
	u64 defined = EFL_ARITH;

	if (!n)
		return defined;
	if (n != 1)
		defined &= ~EFL_OF;
	if (op >= SHIFT_SHL)
		defined &= ~EFL_AF;
	if ((op == SHIFT_SHL || op == SHIFT_SHR || op == SHIFT_SAL) && n >= size * 8)
		defined &= ~EFL_CF;
	return defined;
}

static void shift_case(enum alu_shift_op op, u64 v, unsigned int c, unsigned int size, u64 fin)
{
	unsigned int n = c & (size == 8 ? 63 : 31);
	u64 nf = fin, ef = fin | FL_IN_EXTRA;
	u64 nr = native_shift(op, v, c, size, &nf);
	u64 er = alu_shift(op, v, c, size, &ef);

	expect(nr == er && flags_ok(nf, ef, fin | FL_IN_EXTRA, shift_defined(op, n, size)),
	       "v=%llx count=%u fl=%llx: cpu %llx fl %llx, alu %llx fl %llx",
	       ULL(v), c, ULL(fin), ULL(nr), ULL(nf), ULL(er), ULL(ef));
}

static void test_shift(enum alu_shift_op op, unsigned int size)
{
	unsigned int i, c, k;

	group_begin(shift_names[op], size);
	for (i = 0; i < NR_VALS; i++)
		for (c = 0; c < 256; c++)
			for (k = 0; k < 2; k++)
				shift_case(op, vals[i] & mask_of(size), c, size, flags_in[k]);
	group_end();
}

static const unsigned int dshift_counts[] = {
	0, 1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 40, 47, 48, 63, 64, 65, 95, 96, 127,
	128, 129, 160, 200, 255,
};

static void dshift_case(bool left, u64 d, u64 s, unsigned int cnt, unsigned int size, u64 fin)
{
	unsigned int n = cnt & (size == 8 ? 63 : 31);
	u64 nf = fin, ef = fin | FL_IN_EXTRA, ein = ef, nr = d, er;
	u64 defined = EFL_ARITH;

	er = left ? alu_shld(d, s, cnt, size, &ef) : alu_shrd(d, s, cnt, size, &ef);
	/* Past 16 the CPU's answer is undefined: alu.c must change nothing. */
	if (n > size * 8) {
		expect(er == d && ef == ein, "d=%llx count=%u: alu %llx fl %llx",
		       ULL(d), cnt, ULL(er), ULL(ef));
		return;
	}
	if (left)
		NATIVE_CL2("shld", size, nr, s, cnt, nf);
	else
		NATIVE_CL2("shrd", size, nr, s, cnt, nf);
	nr &= mask_of(size);
	if (n)
		defined &= ~EFL_AF;
	if (n > 1)
		defined &= ~EFL_OF;
	expect(nr == er && flags_ok(nf, ef, ein, defined),
	       "d=%llx s=%llx count=%u fl=%llx: cpu %llx fl %llx, alu %llx fl %llx",
	       ULL(d), ULL(s), cnt, ULL(fin), ULL(nr), ULL(nf), ULL(er), ULL(ef));
}

/* Destinations from all values, sources from every other edge and a few random ones. */
static void test_dshift(bool left, unsigned int size)
{
	unsigned int nr_counts = ARRAY_SIZE(dshift_counts);
	u64 m = mask_of(size);
	unsigned int i, j, c;

	group_begin(left ? "shld" : "shrd", size);
	for (i = 0; i < NR_VALS; i++)
		for (j = 0; j < NR_EDGES + 8; j += 2)
			for (c = 0; c < nr_counts * 2; c++)
				dshift_case(left, vals[i] & m, vals[j] & m, dshift_counts[c / 2],
					    size, flags_in[c % 2]);
	group_end();
}

static u64 native_bt(enum alu_bt_op op, u64 d, u64 bit, unsigned int size, u64 *flags)
{
	u64 f = *flags;

	switch (op) {
	case BT_TEST:
		NATIVE_RR_NO8("bt", size, d, bit, f);
		break;
	case BT_SET:
		NATIVE_RR_NO8("bts", size, d, bit, f);
		break;
	case BT_RESET:
		NATIVE_RR_NO8("btr", size, d, bit, f);
		break;
	case BT_COMPLEMENT:
		NATIVE_RR_NO8("btc", size, d, bit, f);
		break;
	}
	*flags = f;
	return d & mask_of(size);
}

static void test_bt(enum alu_bt_op op, unsigned int size)
{
	unsigned int i, bit, k;

	group_begin(bt_names[op], size);
	for (i = 0; i < NR_VALS; i++)
		for (bit = 0; bit < size * 8; bit++)
			for (k = 0; k < 2; k++) {
				u64 v = vals[i] & mask_of(size), fin = flags_in[k];
				u64 nf = fin, ef = fin | FL_IN_EXTRA;
				u64 nr = native_bt(op, v, bit, size, &nf);
				u64 er = alu_bt(op, v, bit, size, &ef);

				/* ZF is unaffected, OF/SF/AF/PF undefined. */
				expect(nr == er && flags_ok(nf, ef, fin | FL_IN_EXTRA,
							    EFL_CF | EFL_ZF),
				       "v=%llx bit=%u fl=%llx: cpu %llx fl %llx, alu %llx fl %llx",
				       ULL(v), bit, ULL(fin), ULL(nr), ULL(nf), ULL(er), ULL(ef));
			}
	group_end();
}

/* Also walks a single bit and a two-bit pair through every position. */
static void bitscan_case(bool reverse, u64 v, unsigned int size, u64 fin)
{
	u64 sentinel = 0x5a5a5a5a5a5a5a5aULL & mask_of(size);
	u64 nf = fin, ef = fin | FL_IN_EXTRA, nr = sentinel, er = sentinel;
	bool found;

	if (reverse) {
		NATIVE_RR_NO8("bsr", size, nr, v, nf);
		found = alu_bsr(v, size, &er, &ef);
	} else {
		NATIVE_RR_NO8("bsf", size, nr, v, nf);
		found = alu_bsf(v, size, &er, &ef);
	}
	nr &= mask_of(size);
	/* The destination is undefined for 0; alu.c must not write it. */
	expect(found == !!v && (v ? nr == er : er == sentinel) &&
	       flags_ok(nf, ef, fin | FL_IN_EXTRA, EFL_ZF),
	       "v=%llx fl=%llx: cpu %llx fl %llx, alu %d %llx fl %llx",
	       ULL(v), ULL(fin), ULL(nr), ULL(nf), found, ULL(er), ULL(ef));
}

/* Also walks a single bit and a two-bit pair through every position. */
static void test_bitscan(bool reverse, unsigned int size)
{
	unsigned int i, k;

	group_begin(reverse ? "bsr" : "bsf", size);
	for (i = 0; i < NR_VALS + 2 * 64; i++)
		for (k = 0; k < 2; k++) {
			u64 v = i < NR_VALS ? vals[i] : i < NR_VALS + 64 ? 1ULL << (i - NR_VALS) :
				0x8000000000000001ULL >> (i - NR_VALS - 64);

			bitscan_case(reverse, v & mask_of(size), size, flags_in[k]);
		}
	group_end();
}

static void native_mul(bool is_signed, u64 a, u64 b, unsigned int size, u64 *lo, u64 *hi,
		       u64 *flags)
{
	u64 f = *flags, h = 0;

	if (is_signed)
		NATIVE_MUL("imul", size, a, h, b, f);
	else
		NATIVE_MUL("mul", size, a, h, b, f);
	if (size == 1) {
		*lo = a & 0xff;
		*hi = (a >> 8) & 0xff;
	} else {
		*lo = a & mask_of(size);
		*hi = h & mask_of(size);
	}
	*flags = f;
}

static void mul_case(bool is_signed, u64 a, u64 b, unsigned int size, u64 fin)
{
	u64 nf = fin, ef = fin | FL_IN_EXTRA;
	u64 nlo, nhi, elo = ~0ULL, ehi = ~0ULL;

	native_mul(is_signed, a, b, size, &nlo, &nhi, &nf);
	if (is_signed)
		alu_imul(a, b, size, &elo, &ehi, &ef);
	else
		alu_mul(a, b, size, &elo, &ehi, &ef);
	expect(nlo == elo && nhi == ehi && flags_ok(nf, ef, fin | FL_IN_EXTRA, EFL_CF | EFL_OF),
	       "a=%llx b=%llx: cpu %llx:%llx fl %llx, alu %llx:%llx fl %llx",
	       ULL(a), ULL(b), ULL(nhi), ULL(nlo), ULL(nf), ULL(ehi), ULL(elo), ULL(ef));
}

static void test_mul(bool is_signed, unsigned int size)
{
	u64 m = mask_of(size);
	unsigned int i, j, k;

	group_begin(is_signed ? "imul" : "mul", size);
	for (i = 0; i < NR_VALS; i++)
		for (j = 0; j < NR_VALS; j++)
			for (k = 0; k < 2; k++)
				mul_case(is_signed, vals[i] & m, vals[j] & m, size, flags_in[k]);
	group_end();
}

/*
 * Would DIV/IDIV of hi:lo by d fault?  Decided with the host's 128-bit
 * division, independently of alu.c's shift-subtract loop.
 */
static bool div_faults(bool is_signed, u64 hi, u64 lo, u64 d, unsigned int size)
{
	unsigned int bits = size * 8;
	__uint128_t n = ((__uint128_t)hi << bits) | lo, q;
	__uint128_t nsign = (__uint128_t)1 << (2 * bits - 1);
	u64 dsign = 1ULL << (bits - 1);
	bool nneg, dneg;

	if (!d)
		return true;
	if (!is_signed)
		return n / d > mask_of(size);
	/* Magnitudes of the 2n-bit dividend and the n-bit divisor. */
	nneg = n & nsign;
	dneg = d & dsign;
	if (nneg)
		n = (-n) & (nsign | (nsign - 1));
	if (dneg)
		d = (-d) & mask_of(size);	/* -2^(n-1) stays 2^(n-1): right as unsigned */
	q = n / d;
	return q > (__uint128_t)dsign - !(nneg ^ dneg);
}

static void native_div(bool is_signed, u64 hi, u64 lo, u64 d, unsigned int size, u64 *quot,
		       u64 *rem)
{
	u64 a = lo, h = hi;

	if (size == 1)
		a = (hi << 8) | lo;
	if (is_signed)
		NATIVE_DIV("idiv", size, a, h, d);
	else
		NATIVE_DIV("div", size, a, h, d);
	if (size == 1) {
		*quot = a & 0xff;
		*rem = (a >> 8) & 0xff;
	} else {
		*quot = a & mask_of(size);
		*rem = h & mask_of(size);
	}
}

static void div_case(bool is_signed, u64 hi, u64 lo, u64 d, unsigned int size)
{
	u64 eq = 0xdead, er = 0xbeef, nq, nr;
	int ret = alu_div(is_signed, hi, lo, d, size, &eq, &er);

	if (div_faults(is_signed, hi, lo, d, size)) {
		expect(ret == -1, "hi=%llx lo=%llx d=%llx: #DE expected, alu %d q %llx r %llx",
		       ULL(hi), ULL(lo), ULL(d), ret, ULL(eq), ULL(er));
		return;
	}
	native_div(is_signed, hi, lo, d, size, &nq, &nr);
	expect(ret == 0 && nq == eq && nr == er,
	       "hi=%llx lo=%llx d=%llx: cpu q %llx r %llx, alu %d q %llx r %llx",
	       ULL(hi), ULL(lo), ULL(d), ULL(nq), ULL(nr), ret, ULL(eq), ULL(er));
}

/* Mostly high halves that let the division succeed, plus a few that cannot. */
static void test_div(bool is_signed, unsigned int size)
{
	u64 m = mask_of(size), sign = 1ULL << (size * 8 - 1);
	unsigned int i, j, h;

	group_begin(is_signed ? "idiv" : "div", size);
	for (i = 0; i < NR_VALS; i++)
		for (j = 0; j < NR_VALS; j++) {
			u64 lo = vals[i] & m, d = vals[j] & m;
			u64 sext = (lo & sign) ? m : 0;
			u64 hi_choice[] = {
				0, sext, sext ^ 1, 1, m, m - 1, m >> 1, sign,
				vals[(i + j) % NR_VALS] & m, vals[(i * 7 + j) % NR_VALS] & 3,
				sext ^ (vals[j] & 1), vals[(i + 3 * j) % NR_VALS] & m,
			};

			for (h = 0; h < ARRAY_SIZE(hi_choice); h++)
				div_case(is_signed, hi_choice[h], lo, d, size);
		}
	group_end();
}

#define SETCC(mn) ({							\
	asm volatile("sub $128, %%rsp\n\tpush %[fl]\n\tpopfq\n\t" mn " %b[res]\n\t"	\
		     "add $128, %%rsp" : [res] "+r"(r) : [fl] "r"(f) : "cc");		\
})

static bool native_cond(u8 cc, u64 f)
{
	u64 r = 0;

	switch (cc) {
	case 0:
		SETCC("seto");
		break;
	case 1:
		SETCC("setno");
		break;
	case 2:
		SETCC("setb");
		break;
	case 3:
		SETCC("setae");
		break;
	case 4:
		SETCC("sete");
		break;
	case 5:
		SETCC("setne");
		break;
	case 6:
		SETCC("setbe");
		break;
	case 7:
		SETCC("seta");
		break;
	case 8:
		SETCC("sets");
		break;
	case 9:
		SETCC("setns");
		break;
	case 10:
		SETCC("setp");
		break;
	case 11:
		SETCC("setnp");
		break;
	case 12:
		SETCC("setl");
		break;
	case 13:
		SETCC("setge");
		break;
	case 14:
		SETCC("setle");
		break;
	default:
		SETCC("setg");
		break;
	}
	return r & 0xff;
}

/* Every combination of the six arithmetic flags under every condition. */
static void test_cond(void)
{
	static const u64 bits[] = { EFL_CF, EFL_PF, EFL_AF, EFL_ZF, EFL_SF, EFL_OF };
	unsigned int combo, i;
	u8 cc;

	group_begin("cond", 0);
	for (combo = 0; combo < 64; combo++) {
		u64 f = 0x2;

		for (i = 0; i < 6; i++)
			if (combo & (1u << i))
				f |= bits[i];
		for (cc = 0; cc < 16; cc++)
			expect(native_cond(cc, f) == alu_cond(cc, f),
			       "cc=%u flags=%#llx: cpu %d alu %d", cc, (unsigned long long)f,
			       native_cond(cc, f), alu_cond(cc, f));
	}
	group_end();
}

int main(void)
{
	unsigned int s, op;

	init_vals();
	for (s = 0; s < 4; s++) {
		for (op = ALU_ADD; op <= ALU_CMP; op++)
			test_binop(op, sizes[s]);
		for (op = 0; op < 3; op++)
			test_unary(op, sizes[s]);
		for (op = SHIFT_ROL; op <= SHIFT_SAR; op++)
			test_shift(op, sizes[s]);
		test_mul(false, sizes[s]);
		test_mul(true, sizes[s]);
		test_div(false, sizes[s]);
		test_div(true, sizes[s]);
		if (sizes[s] == 1)
			continue;
		test_dshift(true, sizes[s]);
		test_dshift(false, sizes[s]);
		for (op = BT_TEST; op <= BT_COMPLEMENT; op++)
			test_bt(op, sizes[s]);
		test_bitscan(false, sizes[s]);
		test_bitscan(true, sizes[s]);
	}
	test_cond();
	return unit_done("test_alu");
}
