// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the instruction emulator (emul/), the MMIO path of
 * issue 12 (kvm-unit-tests' emulator test).  Guards: decoding (prefixes,
 * REX, ModRM/SIB in 16, 32 and 64-bit addressing, RIP-relative,
 * immediates, what is refused); the instructions the emulator carries
 * out, with their results and flags on an MMIO operand; REP string
 * instructions element by element (EMU_AGAIN) with REPE/REPNE stops;
 * the stack instructions on an MMIO stack; BT's bit offset reaching
 * past the operand; faults (#DE, #GP for a non-canonical address or a
 * misaligned MOVAPS, #PF for an unmapped page); and the contract the
 * module relies on: a run cut short by EMU_IO and run again with the
 * answers gives the same result, and nothing is written before the
 * instruction is done.
 *
 * The harness plays vmx/emulate.c's part: RAM at RAM_BASE, a device at
 * MMIO_BASE answering reads from dev[], every other address unmapped.
 * Expected values are worked out from the SDM, not from the code.
 */
#include <stdint.h>
#include <string.h>
#include "../../emul/emul.h"
#include "unit.h"

#define RAM_BASE	0x10000ULL
#define RAM_SIZE	0x4000
#define MMIO_BASE	0x100000ULL
#define MMIO_SIZE	0x2000
#define MAX_PIECES	8

static u8 ram[RAM_SIZE], dev[MMIO_SIZE];

struct piece {
	u64 addr;
	unsigned int len;
	u8 data[16];
};

static struct harness {
	struct piece reads[MAX_PIECES];
	unsigned int nreads, next_read, nwrites, io_exits;
	struct piece writes[MAX_PIECES];
	bool mmio_written;
	u8 xmm[16][16];
} h;

static bool in_ram(u64 a, unsigned int len)
{
	return a >= RAM_BASE && a + len <= RAM_BASE + RAM_SIZE;
}

static bool in_mmio(u64 a, unsigned int len)
{
	return a >= MMIO_BASE && a + len <= MMIO_BASE + MMIO_SIZE;
}

static int unmapped(struct emu_ctxt *c, u64 gla, bool write)
{
	c->fault = (struct emu_fault){ .vector = 14, .has_code = true,
				       .code = write ? 2 : 0, .addr = gla };
	return EMU_FAULT;
}

static int t_read(struct emu_ctxt *c, u64 gla, void *buf, unsigned int len, bool stack)
{
	struct piece *p;

	(void)stack;
	if (in_ram(gla, len)) {
		memcpy(buf, &ram[gla - RAM_BASE], len);
		return EMU_DONE;
	}
	if (!in_mmio(gla, len))
		return unmapped(c, gla, false);
	/* As the module: pieces of at most 8 bytes, none across a page. */
	while (len) {
		unsigned int n = 0x1000 - (gla & 0xfff);

		n = n < len ? n : len;
		n = n < 8 ? n : 8;
		p = &h.reads[h.next_read++];
		if (h.next_read > h.nreads) {
			h.nreads = h.next_read;
			p->addr = gla;
			p->len = n;
			return EMU_IO;
		}
		memcpy(buf, p->data, n);
		buf = (u8 *)buf + n;
		gla += n;
		len -= n;
	}
	return EMU_DONE;
}

static int t_write(struct emu_ctxt *c, u64 gla, const void *buf, unsigned int len, bool stack)
{
	struct piece *p = &h.writes[h.nwrites++];

	(void)stack;
	if (!in_ram(gla, len) && !in_mmio(gla, len))
		return unmapped(c, gla, true);
	p->addr = gla;
	p->len = len;
	memcpy(p->data, buf, len);
	return EMU_DONE;
}

static void t_get_vec(struct emu_ctxt *c, unsigned int reg, bool mmx, void *buf)
{
	(void)c;
	memcpy(buf, h.xmm[reg], mmx ? 8 : 16);
}

static const struct emu_ops ops = { .read = t_read, .write = t_write, .get_vec = t_get_vec };

/*
 * Runs one instruction as the module does: again after each EMU_IO with
 * the device's answer, then commits.  Returns the final emu_result.
 */
static int run(struct emu_ctxt *st, const u8 *b, unsigned int len)
{
	struct emu_ctxt c;
	unsigned int i;
	int r;

	memset(&h.reads, 0, sizeof(h.reads));
	h.nreads = 0;
	h.io_exits = 0;
	for (;;) {
		c = *st;
		c.ops = &ops;
		h.next_read = 0;
		h.nwrites = 0;
		r = emu_run(&c, b, len);
		if (r != EMU_IO)
			break;
		h.io_exits++;
		/* Until the answer comes, nothing may have been written. */
		if (h.nwrites)
			h.mmio_written = true;
		memcpy(h.reads[h.nreads - 1].data, &dev[h.reads[h.nreads - 1].addr - MMIO_BASE],
		       h.reads[h.nreads - 1].len);
	}
	if (r != EMU_DONE && r != EMU_AGAIN) {
		st->insn = c.insn;
		st->fault = c.fault;
		return r;
	}
	for (i = 0; i < h.nwrites; i++) {
		struct piece *p = &h.writes[i];

		memcpy(in_ram(p->addr, p->len) ? &ram[p->addr - RAM_BASE] : &dev[p->addr - MMIO_BASE],
		       p->data, p->len);
	}
	memcpy(st->regs, c.regs, sizeof(c.regs));
	st->rflags = c.rflags;
	st->insn = c.insn;
	st->vec_load = c.vec_load;
	memcpy(st->vec, c.vec, sizeof(c.vec));
	st->vec_reg = c.vec_reg;
	if (r == EMU_DONE)
		st->rip = c.rip;
	return r;
}

#define RUN(st, ...) ({ static const u8 _b[] = { __VA_ARGS__ }; run(st, _b, sizeof(_b)); })

static void mode64(struct emu_ctxt *c)
{
	memset(c, 0, sizeof(*c));
	c->long64 = true;
	c->rip = 0x400000;
	c->rflags = 0x2;
	c->regs[4] = RAM_BASE + RAM_SIZE;	/* RSP */
	c->regs[3] = MMIO_BASE;			/* RBX */
}

static u32 dev32(unsigned int off)
{
	u32 v;

	memcpy(&v, &dev[off], 4);
	return v;
}

static u64 dev64(unsigned int off)
{
	u64 v;

	memcpy(&v, &dev[off], 8);
	return v;
}

static void set_dev32(unsigned int off, u32 v)
{
	memcpy(&dev[off], &v, 4);
}

static void set_dev64(unsigned int off, u64 v)
{
	memcpy(&dev[off], &v, 8);
}

/* kvm-unit-tests' test_simplealu, on a register-indirect MMIO operand. */
static void test_simple_alu(void)
{
	struct emu_ctxt c;

	mode64(&c);
	set_dev32(0, 0x1234);
	c.regs[0] = 0x8001;
	CHECK(RUN(&c, 0x09, 0x03) == EMU_DONE && dev32(0) == 0x9235, "or eax,(rbx)");
	CHECK(c.rip == 0x400002, "rip moves past a 2-byte instruction");
	c.regs[1] = 2;
	CHECK(RUN(&c, 0x01, 0x0b) == EMU_DONE && dev32(0) == 0x9237, "add ecx,(rbx)");
	c.regs[1] = 0x1111;
	RUN(&c, 0x31, 0x0b);
	CHECK(dev32(0) == 0x8326, "xor ecx,(rbx)");
	c.regs[1] = 0x26;
	RUN(&c, 0x29, 0x0b);
	CHECK(dev32(0) == 0x8300, "sub ecx,(rbx)");
	c.regs[1] = 0x100;
	c.rflags &= ~EFL_CF;
	RUN(&c, 0x11, 0x0b);
	CHECK(dev32(0) == 0x8400, "adc with CF clear");
	c.rflags |= EFL_CF;
	RUN(&c, 0x11, 0x0b);
	CHECK(dev32(0) == 0x8501, "adc with CF set");
	c.regs[1] = 0;
	c.rflags |= EFL_CF;
	RUN(&c, 0x19, 0x0b);
	CHECK(dev32(0) == 0x8500, "sbb with CF set");
	c.regs[1] = 0xfe77;
	RUN(&c, 0x21, 0x0b);
	CHECK(dev32(0) == 0x8400, "and ecx,(rbx)");
	c.regs[1] = 0xf000;
	h.nwrites = 0;
	CHECK(RUN(&c, 0x85, 0x0b) == EMU_DONE && dev32(0) == 0x8400 && !h.nwrites &&
	      !(c.rflags & EFL_ZF), "test writes nothing and clears ZF");
	CHECK(RUN(&c, 0x83, 0x3b, 0x05) == EMU_DONE && !(c.rflags & (EFL_ZF | EFL_CF)) &&
	      dev32(0) == 0x8400, "cmpl $5,(rbx): above, no write");
	set_dev64(8, 0xffffffffffffffffULL);
	c.regs[1] = 1;
	CHECK(RUN(&c, 0x48, 0x83, 0x04, 0xcb, 0xff) == EMU_DONE && dev64(8) == 0xfffffffffffffffeULL &&
	      (c.rflags & EFL_CF), "addq $-1,(rbx,rcx,8): SIB with scale");
	CHECK(h.io_exits == 1, "one read from userspace for one MMIO operand");
}

static void test_moves(void)
{
	struct emu_ctxt c;

	mode64(&c);
	set_dev64(0, 0x0123456789abcdefULL);
	c.regs[2] = 0xffffffffffffffffULL;
	CHECK(RUN(&c, 0x48, 0x8b, 0x13) == EMU_DONE && c.regs[2] == 0x0123456789abcdefULL,
	      "mov (rbx),rdx");
	c.regs[0] = 0x5a00;
	RUN(&c, 0x88, 0x23);
	CHECK(dev[0] == 0x5a, "mov ah,(rbx): byte register 4 without REX is AH");
	c.regs[0] = 0xffffffffffffffffULL;
	set_dev32(0, 0x80);
	RUN(&c, 0x0f, 0xb6, 0x03);
	CHECK(c.regs[0] == 0x80, "movzbl zero-extends and clears the upper half");
	set_dev32(0, 0x8000);
	RUN(&c, 0x48, 0x0f, 0xbf, 0x03);
	CHECK(c.regs[0] == 0xffffffffffff8000ULL, "movswq sign-extends");
	set_dev32(0, 0x80000000);
	RUN(&c, 0x48, 0x63, 0x03);
	CHECK(c.regs[0] == 0xffffffff80000000ULL, "movslq sign-extends");
	RUN(&c, 0xc7, 0x03, 0x78, 0x56, 0x34, 0x12);
	CHECK(dev32(0) == 0x12345678, "movl $imm32,(rbx)");
	c.regs[12] = MMIO_BASE + 0x20;
	c.regs[9] = 0xcafef00d;
	RUN(&c, 0x45, 0x89, 0x4c, 0x24, 0x10);
	CHECK(dev32(0x30) == 0xcafef00d, "mov r9d,0x10(r12): REX.R, REX.B and the r12 SIB");
	dev[0x40] = 0x77;
	RUN(&c, 0xa0, 0x40, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00);
	CHECK((c.regs[0] & 0xff) == 0x77, "movabs moffs64,al");
	c.rip = MMIO_BASE - 0x100 - 7;
	RUN(&c, 0xc6, 0x05, 0x00, 0x01, 0x00, 0x00, 0x01);
	CHECK(dev[0] == 1, "movb $1,disp(rip): RIP-relative from the next instruction");
	c.seg_sel[SEG_CS] = 0x10;
	set_dev32(0, 0xffffffff);
	RUN(&c, 0x8c, 0x0b);
	CHECK(dev32(0) == 0xffff0010, "mov cs,(rbx) stores 16 bits");
	c.cr0 = 0x80050033;
	set_dev32(0, 0xffffffff);
	RUN(&c, 0x0f, 0x01, 0x23);
	CHECK(dev32(0) == 0xffff0033, "smsw (rbx) stores CR0's low 16 bits");
	/* cmovne with ZF set: the move does not happen, the upper half is cleared. */
	c.regs[0] = 0x1234567812345678ULL;
	c.rflags |= EFL_ZF;
	set_dev32(0, 0xabcdef12);
	RUN(&c, 0x0f, 0x45, 0x03);
	CHECK(c.regs[0] == 0x12345678, "cmovnel (false) still zero-extends");
	RUN(&c, 0x0f, 0x94, 0x03);
	CHECK(dev[0] == 1, "sete (rbx)");
}

static void test_xchg_family(void)
{
	struct emu_ctxt c;

	mode64(&c);
	set_dev64(0, 0x0123456789abcdefULL);
	c.regs[0] = 0xfedcba9876543210ULL;
	RUN(&c, 0x86, 0x03);
	CHECK(c.regs[0] == 0xfedcba98765432efULL && dev64(0) == 0x0123456789abcd10ULL,
	      "xchg al,(rbx)");
	set_dev64(0, 0x0123456789abcdefULL);
	c.regs[0] = 0xfedcba9876543210ULL;
	RUN(&c, 0x48, 0x0f, 0xc1, 0x03);
	CHECK(c.regs[0] == 0x0123456789abcdefULL && dev64(0) == 0xffffffffffffffffULL,
	      "xadd rax,(rbx)");
	set_dev32(0, 5);
	c.regs[0] = 5;
	c.regs[1] = 9;
	RUN(&c, 0x0f, 0xb1, 0x0b);
	CHECK(dev32(0) == 9 && (c.rflags & EFL_ZF), "cmpxchg equal: memory takes ecx");
	c.regs[0] = 4;
	h.nwrites = 0;
	RUN(&c, 0x0f, 0xb1, 0x0b);
	CHECK(c.regs[0] == 9 && !(c.rflags & EFL_ZF) && !h.nwrites,
	      "cmpxchg different: eax takes memory, no write");
}

static void test_bits(void)
{
	struct emu_ctxt c;

	mode64(&c);
	memset(dev, 0, 64);
	c.regs[1] = 64 + 3;
	RUN(&c, 0x48, 0x0f, 0xbb, 0x0b);
	CHECK(dev64(8) == 8 && dev64(0) == 0 && !(c.rflags & EFL_CF),
	      "btc rcx,(rbx): bit 67 is bit 3 of the next quadword");
	c.regs[3] = MMIO_BASE + 16;
	c.regs[1] = (u64)-61;
	RUN(&c, 0x48, 0x0f, 0xbb, 0x0b);
	CHECK(dev64(8) == 0, "btc with a negative offset reaches back (-61 is bit 3 of -8)");
	c.regs[3] = MMIO_BASE;
	RUN(&c, 0x0f, 0xba, 0x2b, 0x23);
	CHECK(dev32(0) == 8 && !(c.rflags & EFL_CF), "bts $35,(rbx) wraps to bit 3");
	set_dev32(0, 0x00f00000);
	RUN(&c, 0x0f, 0xbc, 0x03);
	CHECK(c.regs[0] == 20 && !(c.rflags & EFL_ZF), "bsfl (rbx),eax");
	set_dev64(0, 0);
	c.regs[0] = 1234;
	RUN(&c, 0x48, 0x0f, 0xbd, 0x03);
	CHECK(c.regs[0] == 1234 && (c.rflags & EFL_ZF), "bsrq of 0: ZF, destination kept");
	set_dev32(0, 0x12345678);
	c.regs[1] = 3;
	c.regs[0] = 0xaaaaaaaa;
	RUN(&c, 0x0f, 0xa5, 0x03);
	CHECK(dev32(0) == ((0x12345678U << 3) | 5), "shld cl,eax,(rbx)");
	set_dev32(0, 0x12345678);
	c.regs[0] = 0x55555555;
	RUN(&c, 0x0f, 0xac, 0x03, 0x03);
	CHECK(dev32(0) == ((0x12345678U >> 3) | (5U << 29)), "shrd $3,eax,(rbx)");
	set_dev32(0, 1);
	RUN(&c, 0xc1, 0x23, 0x03);
	CHECK(dev32(0) == 8, "shll $3,(rbx)");
	dev[0] = 0x81;
	RUN(&c, 0xd0, 0x3b);
	CHECK(dev[0] == 0xc0 && (c.rflags & EFL_CF), "sarb (rbx)");
}

static void test_muldiv(void)
{
	struct emu_ctxt c;

	mode64(&c);
	set_dev64(0, 0x1234567812345678ULL);
	c.regs[0] = 0x8765432187654321ULL;
	RUN(&c, 0x66, 0x69, 0x03, 0x37, 0x01);
	CHECK(c.regs[0] == 0x8765432187650bc8ULL, "imulw $311,(rbx),ax");
	set_dev64(0, 51);
	c.regs[0] = 0x1234567812345678ULL;
	RUN(&c, 0x48, 0x0f, 0xaf, 0x03);
	CHECK(c.regs[0] == 0xa06d39eba06d39e8ULL, "imul (rbx),rax");
	set_dev64(0, 0x3333333333333333ULL);
	c.regs[0] = 0x1111111111111111ULL;
	c.regs[2] = 0x2222222222222222ULL;
	RUN(&c, 0x48, 0xf7, 0x23);
	CHECK(c.regs[0] == 0x2fc962fc962fc963ULL && c.regs[2] == 0x369d0369d0369d0ULL,
	      "mulq (rbx)");
	set_dev64(0, 0);
	c.regs[0] = 1;
	c.regs[2] = 2;
	CHECK(RUN(&c, 0x48, 0xf7, 0x33) == EMU_FAULT && c.fault.vector == 0 &&
	      c.regs[0] == 1 && c.regs[2] == 2, "divq by 0: #DE, registers kept");
	set_dev64(0, 987654321098765ULL);
	c.regs[0] = 123456789012345ULL;
	c.regs[2] = 123456789012345ULL;
	CHECK(RUN(&c, 0x48, 0xf7, 0x33) == EMU_DONE && c.regs[0] == 0x1ffffffb1b963b33ULL &&
	      c.regs[2] == 0x273ba4384ede2ULL, "divq (rbx)");
	dev[0] = 0xfe;
	c.regs[0] = 0xfff9;	/* AX = -7 */
	RUN(&c, 0xf6, 0x3b);
	CHECK((c.regs[0] & 0xffff) == 0xff03, "idivb: -7 / -2 = 3 remainder -1");
}

/* The guest re-runs a REP instruction until it is done: so does this. */
static int run_rep(struct emu_ctxt *c, const u8 *b, unsigned int len, unsigned int *rounds)
{
	int r;

	*rounds = 0;
	do {
		r = run(c, b, len);
		(*rounds)++;
	} while (r == EMU_AGAIN && *rounds < 1000);
	return r;
}

static void test_strings(void)
{
	static const u8 repe_cmpsb[] = { 0xf3, 0xa6 }, repne_scasb[] = { 0xf2, 0xae };
	static const u8 rep_stosl[] = { 0xf3, 0xab }, rep_movsq[] = { 0xf3, 0x48, 0xa5 };
	struct emu_ctxt c;
	unsigned int i, rounds;

	mode64(&c);
	for (i = 0; i < 200; i++) {
		dev[i] = i < 100 ? i : i + 1;
		ram[i] = i;
	}
	c.regs[6] = MMIO_BASE;
	c.regs[7] = RAM_BASE;
	c.regs[1] = 130;
	CHECK(run_rep(&c, repe_cmpsb, 2, &rounds) == EMU_DONE && c.regs[1] == 29 &&
	      c.regs[6] == MMIO_BASE + 101 && c.regs[7] == RAM_BASE + 101 && rounds == 101,
	      "repe cmpsb stops after the first difference");
	c.regs[7] = MMIO_BASE + 10;
	c.regs[0] = 15;
	c.regs[1] = 50;
	run_rep(&c, repne_scasb, 2, &rounds);
	CHECK(c.regs[7] == MMIO_BASE + 16 && c.regs[1] == 44 && (c.rflags & EFL_ZF),
	      "repne scasb stops on the match");
	c.regs[7] = MMIO_BASE + 0x100;
	c.regs[0] = 0xdeadbeef;
	c.regs[1] = 4;
	run_rep(&c, rep_stosl, 2, &rounds);
	CHECK(dev32(0x100) == 0xdeadbeef && dev32(0x10c) == 0xdeadbeef && c.regs[1] == 0 &&
	      c.regs[7] == MMIO_BASE + 0x110 && rounds == 4, "rep stosl, one element a round");
	c.rflags |= EFL_DF;
	c.regs[6] = MMIO_BASE + 0x108;
	c.regs[7] = RAM_BASE + 0x108;
	c.regs[1] = 2;
	run_rep(&c, rep_movsq, 3, &rounds);
	CHECK(c.regs[6] == MMIO_BASE + 0xf8 && !memcmp(&ram[0x100], &dev[0x100], 16),
	      "rep movsq downwards (DF)");
	c.rflags &= ~EFL_DF;
	c.regs[1] = 0;
	c.rip = 0x400000;
	CHECK(run(&c, rep_stosl, 2) == EMU_DONE && c.rip == 0x400002 && !h.nwrites,
	      "rep with RCX 0 does nothing");
	c.regs[6] = MMIO_BASE;
	dev[0] = 0x34;
	dev[1] = 0x12;
	RUN(&c, 0x66, 0xad);
	CHECK((c.regs[0] & 0xffffffff) == 0xdead1234 && c.regs[6] == MMIO_BASE + 2, "lodsw");
}

static void test_stack(void)
{
	struct emu_ctxt c;
	u64 v;

	mode64(&c);
	c.regs[4] = MMIO_BASE + 0x1000;
	c.regs[0] = 0x1122334455667788ULL;
	RUN(&c, 0x50);
	CHECK(c.regs[4] == MMIO_BASE + 0xff8 && dev64(0xff8) == 0x1122334455667788ULL, "push rax");
	RUN(&c, 0x59);
	CHECK(c.regs[4] == MMIO_BASE + 0x1000 && c.regs[1] == 0x1122334455667788ULL, "pop rcx");
	RUN(&c, 0x6a, 0xf9);
	CHECK(dev64(0xff8) == (u64)-7, "pushq $-7");
	RUN(&c, 0x68, 0x0d, 0x1c, 0x94, 0xff);
	CHECK(dev64(0xff0) == (u64)-7070707, "pushq $-7070707");
	c.regs[3] = RAM_BASE;
	v = 0x123456789abcdefULL;
	memcpy(ram, &v, 8);
	RUN(&c, 0xff, 0x33);
	CHECK(dev64(0xfe8) == v, "pushq (rbx) from RAM to an MMIO stack");
	c.regs[3] = MMIO_BASE;
	c.regs[4] = RAM_BASE + 0x100;
	memcpy(&ram[0x100], &v, 8);
	RUN(&c, 0x8f, 0x03);
	CHECK(dev64(0) == v && c.regs[4] == RAM_BASE + 0x108, "popq (rbx)");
	c.regs[4] = RAM_BASE + 0x100;
	RUN(&c, 0x8f, 0x44, 0x24, 0x08);
	CHECK(!memcmp(&ram[0x110], &v, 8), "popq 8(rsp) addresses with RSP after the pop");
	c.regs[4] = MMIO_BASE + 0x800;
	set_dev64(0x800, 0x401234);
	RUN(&c, 0xc3);
	CHECK(c.rip == 0x401234 && c.regs[4] == MMIO_BASE + 0x808, "ret from an MMIO stack");
	c.regs[5] = MMIO_BASE + 0x900;
	set_dev64(0x900, 0x778899);
	RUN(&c, 0xc9);
	CHECK(c.regs[4] == MMIO_BASE + 0x908 && c.regs[5] == 0x778899, "leave");
	c.regs[4] = MMIO_BASE + 0x1000;
	c.regs[5] = 0xaa55aa55bb66bb66ULL;
	RUN(&c, 0xc8, 0x38, 0x12, 0x00);
	CHECK(c.regs[5] == MMIO_BASE + 0xff8 && c.regs[4] == MMIO_BASE + 0xff8 - 0x1238 &&
	      dev64(0xff8) == 0xaa55aa55bb66bb66ULL, "enter $0x1238,$0");
	CHECK(RUN(&c, 0xc8, 0x38, 0x12, 0x01) == EMU_UNHANDLED, "enter with nesting is refused");
	set_dev64(0, 0x8000000000000000ULL);
	c.rip = 0x400000;
	CHECK(RUN(&c, 0xff, 0x23) == EMU_FAULT && c.fault.vector == 13 && c.rip == 0x400000,
	      "jmp *(rbx) to a non-canonical address: #GP");
	set_dev64(0, 0x402000);
	c.regs[4] = RAM_BASE + 0x200;
	RUN(&c, 0xff, 0x13);
	CHECK(c.rip == 0x402000 && !memcmp(&ram[0x1f8], &(u64){ 0x400002 }, 8),
	      "call *(rbx) pushes the next RIP");
}

static void test_vector(void)
{
	struct emu_ctxt c;
	int r;

	mode64(&c);
	memset(h.xmm[1], 0xab, 16);
	CHECK(RUN(&c, 0x0f, 0x29, 0x0b) == EMU_DONE && dev[0] == 0xab && dev[15] == 0xab,
	      "movaps xmm1,(rbx): 16 bytes");
	c.regs[3] = MMIO_BASE + 8;
	CHECK(RUN(&c, 0x0f, 0x29, 0x0b) == EMU_FAULT && c.fault.vector == 13,
	      "movaps to a misaligned address: #GP");
	memset(dev, 0x5c, 16);
	c.regs[3] = MMIO_BASE;
	r = RUN(&c, 0xf3, 0x44, 0x0f, 0x6f, 0x0b);
	CHECK(r == EMU_DONE && c.vec_load &&
	      c.vec_reg == 9 && c.vec[15] == 0x5c && h.io_exits == 2,
	      "movdqu (rbx),xmm9: REX.R, two 8-byte reads");
	memset(h.xmm[2], 0x11, 16);
	RUN(&c, 0x0f, 0x7f, 0x13);
	CHECK(dev64(0) == 0x1111111111111111ULL && dev[8] == 0x5c, "movq mm2,(rbx): 8 bytes");
	/* Review: the bytes are fetched again after the exit; CR0 decides again. */
	c.cr0 = 0x8;
	CHECK(RUN(&c, 0x0f, 0x29, 0x0b) == EMU_FAULT && c.fault.vector == 7,
	      "movaps with CR0.TS: #NM");
	c.cr0 = 0x4;
	CHECK(RUN(&c, 0x0f, 0x7f, 0x13) == EMU_FAULT && c.fault.vector == 6,
	      "movq mm with CR0.EM: #UD");
}

static void test_decode_and_faults(void)
{
	struct emu_ctxt c;

	mode64(&c);
	CHECK(RUN(&c, 0x0f, 0x0b) == EMU_UNHANDLED, "ud2 is not emulated");
	CHECK(RUN(&c, 0x48, 0x8b) == EMU_UNHANDLED, "a truncated instruction is refused");
	CHECK(RUN(&c, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
		  0x66, 0x66, 0x89, 0x03) == EMU_UNHANDLED, "longer than 15 bytes is refused");
	c.regs[3] = 0x0000800000000000ULL;
	CHECK(RUN(&c, 0x48, 0x83, 0x0b, 0x00) == EMU_FAULT && c.fault.vector == 13 &&
	      c.fault.code == 0, "orq $0 to a non-canonical address: #GP(0)");
	c.regs[4] = 0x0000800000000008ULL;
	CHECK(RUN(&c, 0x50) == EMU_FAULT && c.fault.vector == 12, "push to a non-canonical RSP: #SS");
	c.regs[3] = 0x200000;
	CHECK(RUN(&c, 0x8b, 0x03) == EMU_FAULT && c.fault.vector == 14 && c.fault.addr == 0x200000,
	      "an unmapped operand: #PF with the address");
	/* Real mode: 16-bit addressing, DS base, the BP forms on SS. */
	memset(&c, 0, sizeof(c));
	c.seg_base[SEG_DS] = MMIO_BASE;
	c.seg_base[SEG_SS] = MMIO_BASE;
	c.regs[3] = 0x10010;		/* BX: only 0x0010 counts */
	c.regs[6] = 0x0004;		/* SI */
	c.regs[0] = 0x1234;
	RUN(&c, 0x89, 0x40, 0x02);
	CHECK(dev[0x16] == 0x34 && dev[0x17] == 0x12, "mov ax,[bx+si+2] in 16-bit code");
	c.regs[5] = 0x20;		/* BP */
	RUN(&c, 0x89, 0x46, 0x00);
	CHECK(dev[0x20] == 0x34, "mov ax,[bp+0] uses SS");
	c.regs[0] = 0xabcdef;
	RUN(&c, 0x66, 0x89, 0x46, 0x00);
	CHECK(dev32(0x20) == 0xabcdef, "66 gives 32-bit operands in 16-bit code");
	/* A cross-page read is two pieces, each asked for in turn. */
	mode64(&c);
	c.regs[3] = MMIO_BASE + 0xfff;
	dev[0xfff] = 0x99;
	dev[0x1000] = 0x77;
	CHECK(RUN(&c, 0x66, 0x8b, 0x03) == EMU_DONE && (c.regs[0] & 0xffff) == 0x7799,
	      "a word across two MMIO pages");
	CHECK(!h.mmio_written, "nothing is written before the last read is answered");
}

int main(void)
{
	test_simple_alu();
	test_moves();
	test_xchg_family();
	test_bits();
	test_muldiv();
	test_strings();
	test_stack();
	test_vector();
	test_decode_and_faults();
	return unit_done("test_emul");
}
