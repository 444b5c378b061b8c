// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of lapic/lapic.c, the register model under the in-kernel
 * local APIC (issue 12).  Guards: the RESET and INIT values (BSP and AP,
 * what INIT keeps); IA32_APIC_BASE's mode changes, refused ones
 * included, and the x2APIC ID and LDR they derive; which registers read
 * in which mode; what each register write keeps, refuses and asks the
 * caller to do; the software-disable masking the LVTs; the timer's modes,
 * TSC-deadline's disarming of TMICT and TDCR's divisors; PPR, the
 * pending vector and the ack/unack/EOI order with nested vectors; IRR
 * coalescing and TMR; the ICR decoded in both modes; physical, logical
 * (flat, cluster, x2APIC cluster), broadcast and shorthand destinations;
 * KVM_GET_LAPIC/KVM_SET_LAPIC's page in both modes.
 *
 * The expected values are KVM 6.1's answers, worked out from the SDM
 * (Vol. 3A chapter 11) and KVM's lapic.c, not from the code under test.
 * The Makefile links lapic/lapic.c into this program.
 */
#include <string.h>
#include "../../lapic/lapic.h"
#include "unit.h"

#define BASE_XAPIC	0xfee00800ULL		/* default address, EN */
#define BASE_X2APIC	0xfee00c00ULL		/* default address, EN, EXTD */
#define BASE_DISABLED	0xfee00000ULL
#define RESERVED	(0xfffffff000000000ULL | 0x2ff)	/* MAXPHYADDR 36 */

static void reset(struct lapic *a, __u32 vcpu_id, bool bsp)
{
	memset(a, 0, sizeof(*a));
	lapic_reset(a, vcpu_id, bsp, false);
}

/* A vCPU's APIC in x2APIC mode, entered the guest's way (xAPIC first). */
static void reset_x2apic(struct lapic *a, __u32 vcpu_id)
{
	reset(a, vcpu_id, false);
	lapic_set_base(a, BASE_X2APIC, RESERVED, false);
}

static __u32 rd(const struct lapic *a, unsigned int off)
{
	__u32 v = 0xdeadbeef;

	return lapic_read(a, off, &v) ? 0xdeadbeef : v;
}

static bool bit(const struct lapic *a, unsigned int base, unsigned int vec)
{
	return lapic_reg(a, base + (vec / 32) * 0x10) & (1U << (vec % 32));
}

static bool vecs_empty(const struct lapic *a, unsigned int base)
{
	int i;

	for (i = 0; i < 8; i++)
		if (lapic_reg(a, base + i * 0x10))
			return false;
	return true;
}

static __u32 get32(const __u8 *state, unsigned int off)
{
	__u32 v;

	memcpy(&v, state + off, 4);
	return v;
}

static void put32(__u8 *state, unsigned int off, __u32 v)
{
	memcpy(state + off, &v, 4);
}

/* RESET of the BSP and of an AP, and what INIT keeps and resets. */
static void test_reset(void)
{
	struct lapic a, b;

	reset(&a, 0, true);
	CHECK(a.base == 0xfee00900ULL, "RESET BSP: base default, enabled, BSP");
	CHECK(lapic_reg(&a, LAPIC_ID) == 0 && lapic_id(&a) == 0, "RESET BSP: ID 0");
	CHECK(lapic_reg(&a, LAPIC_LVR) == 0x00050014, "RESET: version 0x14, max LVT 5 (six LVTs)");
	CHECK(lapic_reg(&a, LAPIC_LVT0) == 0x700, "RESET BSP: LINT0 ExtINT unmasked (quirk)");
	CHECK(lapic_reg(&a, LAPIC_LVTT) == 0x10000 && lapic_reg(&a, LAPIC_LVTTHMR) == 0x10000 &&
	      lapic_reg(&a, LAPIC_LVTPC) == 0x10000 && lapic_reg(&a, LAPIC_LVT1) == 0x10000 &&
	      lapic_reg(&a, LAPIC_LVTERR) == 0x10000, "RESET BSP: the other LVTs masked");
	CHECK(lapic_reg(&a, LAPIC_DFR) == 0xffffffff, "RESET: DFR flat, all ones");
	CHECK(lapic_reg(&a, LAPIC_SPIV) == 0xff && !lapic_sw_enabled(&a),
	      "RESET: SPIV 0xff, software-disabled");
	CHECK(lapic_hw_enabled(&a) && !lapic_x2apic(&a), "RESET: xAPIC mode");

	reset(&b, 3, false);
	CHECK(b.base == 0xfee00800ULL, "RESET AP: base without BSP");
	CHECK(lapic_reg(&b, LAPIC_ID) == 0x03000000 && lapic_id(&b) == 3,
	      "RESET AP: ID 3 in 31:24");
	CHECK(lapic_reg(&b, LAPIC_LVT0) == 0x10000, "RESET AP: LINT0 masked");

	reset(&b, 0x123, false);
	CHECK(lapic_reg(&b, LAPIC_ID) == 0x23000000, "RESET: xAPIC ID is vcpu_id's low 8 bits");

	/* Dirty everything, then RESET again with TSC-deadline offered. */
	reset(&b, 3, false);
	b.tscdeadline = true;
	memset(b.regs, 0xa5, sizeof(b.regs));
	lapic_reset(&b, 3, false, false);
	CHECK(lapic_reg(&b, LAPIC_TASKPRI) == 0 && lapic_reg(&b, LAPIC_PROCPRI) == 0 &&
	      lapic_reg(&b, LAPIC_LDR) == 0 && lapic_reg(&b, LAPIC_ESR) == 0,
	      "RESET: TPR, PPR, LDR, ESR 0");
	CHECK(lapic_reg(&b, LAPIC_ICR) == 0 && lapic_reg(&b, LAPIC_ICR2) == 0 &&
	      lapic_reg(&b, LAPIC_TMICT) == 0 && lapic_reg(&b, LAPIC_TDCR) == 0,
	      "RESET: ICR, ICR2, TMICT, TDCR 0");
	CHECK(vecs_empty(&b, LAPIC_IRR) && vecs_empty(&b, LAPIC_ISR) && vecs_empty(&b, LAPIC_TMR),
	      "RESET: IRR, ISR, TMR clear");
	CHECK(b.tscdeadline, "RESET keeps the CPUID's TSC-deadline");

	/* RESET out of x2APIC mode: xAPIC again, the xAPIC ID back. */
	reset_x2apic(&b, 0x13);
	lapic_reset(&b, 0x13, false, false);
	CHECK(b.base == BASE_XAPIC && lapic_reg(&b, LAPIC_ID) == 0x13000000 &&
	      lapic_reg(&b, LAPIC_LDR) == 0, "RESET from x2APIC: xAPIC, ID 0x13 << 24, LDR 0");

	/* INIT in x2APIC mode: base and mode stay, registers reset. */
	reset_x2apic(&b, 0x13);
	lapic_write(&b, LAPIC_SPIV, 0x1ff);
	lapic_write(&b, LAPIC_TASKPRI, 0x40);
	lapic_write_icr(&b, 0x0000000500004031ULL);
	lapic_accept(&b, 0x60, true);
	lapic_reset(&b, 0x13, false, true);
	CHECK(b.base == BASE_X2APIC && lapic_x2apic(&b), "INIT: base and x2APIC mode stay");
	CHECK(lapic_reg(&b, LAPIC_ID) == 0x13 && lapic_reg(&b, LAPIC_LDR) == 0x10008,
	      "INIT x2APIC: ID and LDR stay");
	CHECK(lapic_reg(&b, LAPIC_SPIV) == 0xff && lapic_reg(&b, LAPIC_TASKPRI) == 0 &&
	      lapic_reg(&b, LAPIC_ICR) == 0 && lapic_reg(&b, LAPIC_ICR2) == 0 &&
	      vecs_empty(&b, LAPIC_IRR) && vecs_empty(&b, LAPIC_TMR),
	      "INIT: SPIV, TPR, ICR, IRR, TMR reset");

	/* INIT in xAPIC mode at a moved base: the guest's ID stays, LDR goes. */
	reset(&b, 2, false);
	lapic_set_base(&b, 0xfec00800ULL, RESERVED, false);
	lapic_write(&b, LAPIC_ID, 0x09000000);
	lapic_write(&b, LAPIC_LDR, 0x04000000);
	lapic_reset(&b, 2, false, true);
	CHECK(b.base == 0xfec00800ULL, "INIT: a moved base stays");
	CHECK(lapic_reg(&b, LAPIC_ID) == 0x09000000, "INIT: the xAPIC ID software wrote stays");
	CHECK(lapic_reg(&b, LAPIC_LDR) == 0, "INIT xAPIC: LDR cleared");

	/* INIT of the BSP: LINT0 back to ExtINT, the BSP flag kept. */
	lapic_write(&a, LAPIC_SPIV, 0x1ff);
	lapic_write(&a, LAPIC_LVT0, 0x10700);
	lapic_reset(&a, 0, true, true);
	CHECK(lapic_reg(&a, LAPIC_LVT0) == 0x700 && a.base == 0xfee00900ULL,
	      "INIT BSP: LINT0 ExtINT again, base kept");
}

/* IA32_APIC_BASE: refused values, guest vs VMM, what each mode change derives. */
static void test_base(void)
{
	struct lapic a;

	reset(&a, 0x13, false);
	CHECK(lapic_set_base(&a, BASE_XAPIC | 1, RESERVED, false) == -1 && a.base == BASE_XAPIC,
	      "base: reserved bit 0 refused");
	CHECK(lapic_set_base(&a, 0x1000000800ULL, RESERVED, true) == -1 && a.base == BASE_XAPIC,
	      "base: address beyond MAXPHYADDR refused, VMM too");
	CHECK(lapic_set_base(&a, 0xfee00400ULL, RESERVED, true) == -1 && a.base == BASE_XAPIC,
	      "base: EXTD without EN invalid, VMM too");
	CHECK(lapic_set_base(&a, BASE_X2APIC, RESERVED | LAPIC_BASE_EXTD, false) == -1 &&
	      a.base == BASE_XAPIC, "base: EXTD reserved without x2APIC in CPUID");

	CHECK(lapic_set_base(&a, BASE_X2APIC, RESERVED, false) == 0 && lapic_x2apic(&a),
	      "base: guest xAPIC -> x2APIC");
	CHECK(lapic_reg(&a, LAPIC_ID) == 0x13 && lapic_id(&a) == 0x13,
	      "x2APIC: ID is the vcpu_id, 32 bits");
	CHECK(lapic_reg(&a, LAPIC_LDR) == 0x10008, "x2APIC: vcpu 0x13 -> LDR cluster 1, bit 3");
	CHECK(lapic_set_base(&a, BASE_XAPIC, RESERVED, false) == -1 && a.base == BASE_X2APIC,
	      "base: guest x2APIC -> xAPIC refused");
	CHECK(lapic_set_base(&a, BASE_XAPIC, RESERVED, true) == 0 && !lapic_x2apic(&a) &&
	      lapic_reg(&a, LAPIC_ID) == 0x13, "base: VMM x2APIC -> xAPIC, ID untouched");

	reset_x2apic(&a, 0x13);
	CHECK(lapic_set_base(&a, BASE_DISABLED, RESERVED, false) == 0 && !lapic_hw_enabled(&a),
	      "base: guest x2APIC -> disabled");
	CHECK(lapic_set_base(&a, BASE_X2APIC, RESERVED, false) == -1 && a.base == BASE_DISABLED,
	      "base: guest disabled -> x2APIC refused");
	CHECK(lapic_set_base(&a, BASE_XAPIC, RESERVED, false) == 0 &&
	      lapic_reg(&a, LAPIC_ID) == 0x13000000, "base: disabled -> xAPIC gives the xAPIC ID");

	lapic_set_base(&a, BASE_DISABLED, RESERVED, false);
	CHECK(lapic_set_base(&a, BASE_X2APIC, RESERVED, true) == 0 &&
	      lapic_reg(&a, LAPIC_ID) == 0x13 && lapic_reg(&a, LAPIC_LDR) == 0x10008,
	      "base: VMM disabled -> x2APIC, x2APIC ID and LDR");

	reset(&a, 4, false);
	lapic_write(&a, LAPIC_ID, 0x07000000);
	CHECK(lapic_set_base(&a, 0xfec00800ULL, RESERVED, false) == 0 &&
	      lapic_reg(&a, LAPIC_ID) == 0x07000000, "base: moving an enabled APIC keeps its ID");
	CHECK(lapic_set_base(&a, BASE_DISABLED, RESERVED, false) == 0 &&
	      lapic_reg(&a, LAPIC_ID) == 0x07000000, "base: disabling keeps the registers");
	CHECK(lapic_set_base(&a, BASE_XAPIC, RESERVED, false) == 0 &&
	      lapic_reg(&a, LAPIC_ID) == 0x04000000, "base: re-enabling resets the xAPIC ID");

	reset_x2apic(&a, 0x21);
	CHECK(lapic_reg(&a, LAPIC_LDR) == 0x20002, "x2APIC: vcpu 0x21 -> LDR cluster 2, bit 1");
	reset_x2apic(&a, 0x10f);
	CHECK(lapic_reg(&a, LAPIC_ID) == 0x10f && lapic_reg(&a, LAPIC_LDR) == 0x108000,
	      "x2APIC: vcpu 0x10f -> ID 0x10f, LDR cluster 0x10, bit 15");
}

static const unsigned int readable_both[] = {
	LAPIC_ID, LAPIC_LVR, LAPIC_TASKPRI, LAPIC_PROCPRI, LAPIC_LDR, LAPIC_SPIV,
	0x100, 0x110, 0x120, 0x130, 0x140, 0x150, 0x160, 0x170,		/* ISR */
	0x180, 0x190, 0x1a0, 0x1b0, 0x1c0, 0x1d0, 0x1e0, 0x1f0,		/* TMR */
	0x200, 0x210, 0x220, 0x230, 0x240, 0x250, 0x260, 0x270,		/* IRR */
	LAPIC_ESR, LAPIC_ICR, LAPIC_LVTT, LAPIC_LVTTHMR, LAPIC_LVTPC, LAPIC_LVT0,
	LAPIC_LVT1, LAPIC_LVTERR, LAPIC_TMICT, LAPIC_TMCCT, LAPIC_TDCR,
};

static bool in(unsigned int off, const unsigned int *set, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (set[i] == off)
			return true;
	return false;
}

/* Which offsets read, per mode; what ARBPRI, TMCCT and the x2APIC ICR read. */
static void test_read(void)
{
	static const unsigned int xapic_only[] = { LAPIC_ARBPRI, LAPIC_DFR, LAPIC_ICR2 };
	int nboth = sizeof(readable_both) / sizeof(readable_both[0]);
	struct lapic a;
	unsigned int off;
	bool ok_x = true, ok_x2 = true;
	__u32 v;

	reset(&a, 5, false);
	for (off = 0; off < 0x400; off += 0x10) {
		bool want = in(off, readable_both, nboth) || in(off, xapic_only, 3);

		if ((lapic_read(&a, off, &v) == 0) != want)
			ok_x = false;
	}
	CHECK(ok_x, "xAPIC: the 44 readable registers read, nothing else");
	CHECK(lapic_read(&a, LAPIC_EOI, &v) == -1 && lapic_read(&a, LAPIC_SELF_IPI, &v) == -1,
	      "xAPIC: EOI and SELF IPI do not read");
	CHECK(lapic_read(&a, 0x24, &v) == -1 && lapic_read(&a, 0x400, &v) == -1,
	      "read: unaligned or beyond 0x3f0 refused");
	CHECK(rd(&a, LAPIC_ID) == 0x05000000 && rd(&a, LAPIC_LVR) == 0x00050014 &&
	      rd(&a, LAPIC_DFR) == 0xffffffff, "xAPIC: ID, LVR, DFR read their values");
	a.regs[LAPIC_ARBPRI / 4] = 0x55;
	a.regs[LAPIC_TMCCT / 4] = 1234;
	CHECK(rd(&a, LAPIC_ARBPRI) == 0, "ARBPRI reads 0");
	CHECK(rd(&a, LAPIC_TMCCT) == 0, "TMCCT reads 0: the caller has the time");
	lapic_write(&a, LAPIC_ICR2, 0x3f000000);
	CHECK(rd(&a, LAPIC_ICR2) == 0x3f000000, "xAPIC: ICR2 reads");

	reset_x2apic(&a, 0x13);
	for (off = 0; off < 0x400; off += 0x10)
		if ((lapic_read(&a, off, &v) == 0) != in(off, readable_both, nboth))
			ok_x2 = false;
	CHECK(ok_x2, "x2APIC: the 41 readable registers read, nothing else");
	CHECK(lapic_read(&a, LAPIC_ARBPRI, &v) == -1 && lapic_read(&a, LAPIC_DFR, &v) == -1 &&
	      lapic_read(&a, LAPIC_ICR2, &v) == -1, "x2APIC: ARBPRI, DFR, ICR2 do not read");
	CHECK(rd(&a, LAPIC_ID) == 0x13 && rd(&a, LAPIC_LDR) == 0x10008,
	      "x2APIC: ID and LDR read 32-bit values");
	lapic_write_icr(&a, 0x0000001200004031ULL);
	CHECK(rd(&a, LAPIC_ICR) == 0x4031, "x2APIC: ICR reads its low half");
}

/* Each register write: what it keeps, where the mode refuses it, what it asks for. */
static void test_write(void)
{
	static const unsigned int ro[] = {
		LAPIC_LVR, LAPIC_ARBPRI, LAPIC_PROCPRI, 0x100, 0x170, 0x180, 0x200, 0x270,
		LAPIC_TMCCT, 0x00, 0x10, 0x40, 0xc0, 0x2f0, 0x3a0,
	};
	struct lapic a, x;
	bool ok = true;
	unsigned int i;

	reset(&a, 5, false);
	reset_x2apic(&x, 0x13);

	CHECK(lapic_write(&a, LAPIC_ID, 0x12345678) == 0 &&
	      lapic_reg(&a, LAPIC_ID) == 0x12000000, "xAPIC ID write keeps 31:24");
	CHECK(lapic_write(&x, LAPIC_ID, 0x12345678) == -1 && lapic_reg(&x, LAPIC_ID) == 0x13,
	      "x2APIC ID is read-only");
	CHECK(lapic_write(&a, LAPIC_TASKPRI, 0x1234) == LAPIC_W_EVAL &&
	      lapic_reg(&a, LAPIC_TASKPRI) == 0x34 && lapic_reg(&a, LAPIC_PROCPRI) == 0x34,
	      "TPR write keeps 7:0, PPR follows, EVAL");
	CHECK(lapic_write(&x, LAPIC_TASKPRI, 0x20) == LAPIC_W_EVAL &&
	      lapic_reg(&x, LAPIC_PROCPRI) == 0x20, "x2APIC TPR write");
	CHECK(lapic_write(&a, LAPIC_LDR, 0x12345678) == 0 &&
	      lapic_reg(&a, LAPIC_LDR) == 0x12000000, "xAPIC LDR write keeps 31:24");
	CHECK(lapic_write(&x, LAPIC_LDR, 0x12345678) == -1 && lapic_reg(&x, LAPIC_LDR) == 0x10008,
	      "x2APIC LDR is read-only");
	CHECK(lapic_write(&a, LAPIC_DFR, 0) == 0 && lapic_reg(&a, LAPIC_DFR) == 0x0fffffff,
	      "DFR write: cluster model, 27:0 ones");
	CHECK(lapic_write(&a, LAPIC_DFR, 0x12345678) == 0 &&
	      lapic_reg(&a, LAPIC_DFR) == 0x1fffffff, "DFR write keeps only 31:28");
	CHECK(lapic_write(&x, LAPIC_DFR, 0) == -1, "x2APIC has no DFR");

	CHECK(lapic_write(&a, LAPIC_SPIV, 0xfffff) == (LAPIC_W_EVAL | LAPIC_W_TIMER) &&
	      lapic_reg(&a, LAPIC_SPIV) == 0x3ff && lapic_sw_enabled(&a),
	      "SPIV write keeps 9:0, EVAL and TIMER");

	CHECK(lapic_write(&a, LAPIC_ESR, 0x80) == 0 && lapic_reg(&a, LAPIC_ESR) == 0,
	      "xAPIC ESR write stores nothing");
	x.regs[LAPIC_ESR / 4] = 0x40;
	CHECK(lapic_write(&x, LAPIC_ESR, 0) == 0 && lapic_reg(&x, LAPIC_ESR) == 0x40,
	      "x2APIC ESR write of 0 accepted, ESR stays");
	CHECK(lapic_write(&x, LAPIC_ESR, 1) == -1, "x2APIC ESR write of non-zero refused");

	CHECK(lapic_write(&a, LAPIC_ICR, 0x000c5031) == LAPIC_W_IPI &&
	      lapic_reg(&a, LAPIC_ICR) == 0x000c4031, "xAPIC ICR write drops busy, IPI");
	CHECK(lapic_write(&x, LAPIC_ICR, 0x4031) == -1, "x2APIC ICR is not a 32-bit write");
	CHECK(lapic_write(&a, LAPIC_ICR2, 0x12345678) == 0 &&
	      lapic_reg(&a, LAPIC_ICR2) == 0x12000000, "xAPIC ICR2 keeps 31:24, sends nothing");
	CHECK(lapic_write(&x, LAPIC_ICR2, 0x12) == -1, "x2APIC has no ICR2");
	CHECK(lapic_write_icr(&x, 0x00000013000c5031ULL) == LAPIC_W_IPI &&
	      lapic_reg(&x, LAPIC_ICR) == 0x000c4031 && lapic_reg(&x, LAPIC_ICR2) == 0x13,
	      "64-bit ICR: busy dropped, high half in ICR2");

	CHECK(lapic_write(&a, LAPIC_LVTTHMR, 0xffffffff) == 0 &&
	      lapic_reg(&a, LAPIC_LVTTHMR) == 0x117ff,
	      "LVT thermal keeps mask, status, mode, vector");
	CHECK(lapic_write(&a, LAPIC_LVTPC, 0xffffffff) == 0 &&
	      lapic_reg(&a, LAPIC_LVTPC) == 0x117ff, "LVT perf counter: same mask");
	CHECK(lapic_write(&a, LAPIC_LVT0, 0xffffffff) == 0 &&
	      lapic_reg(&a, LAPIC_LVT0) == 0x1f7ff,
	      "LINT0 keeps polarity, remote IRR, trigger too");
	CHECK(lapic_write(&a, LAPIC_LVT1, 0xffffffff) == 0 &&
	      lapic_reg(&a, LAPIC_LVT1) == 0x1f7ff, "LINT1: same mask");
	CHECK(lapic_write(&a, LAPIC_LVTERR, 0xffffffff) == 0 &&
	      lapic_reg(&a, LAPIC_LVTERR) == 0x110ff, "LVT error keeps mask, status, vector");
	CHECK(lapic_write(&a, LAPIC_LVT1, 0x400) == 0 && lapic_reg(&a, LAPIC_LVT1) == 0x400,
	      "LINT1 NMI unmasked while software-enabled");
	CHECK(lapic_write(&a, LAPIC_LVTT, 0xffffffff) == LAPIC_W_TIMER &&
	      lapic_reg(&a, LAPIC_LVTT) == 0x310ff, "LVTT without TSC-deadline: mode bit 17 only");
	CHECK(lapic_write(&a, LAPIC_LVTT, 0x40030) == LAPIC_W_TIMER &&
	      lapic_reg(&a, LAPIC_LVTT) == 0x30 && lapic_timer_mode(&a) == LAPIC_TIMER_ONESHOT,
	      "LVTT without TSC-deadline: deadline mode falls back to one-shot");
	a.tscdeadline = true;
	CHECK(lapic_write(&a, LAPIC_LVTT, 0xffffffff) == LAPIC_W_TIMER &&
	      lapic_reg(&a, LAPIC_LVTT) == 0x710ff, "LVTT with TSC-deadline: mode bits 18:17");
	CHECK(lapic_write(&a, LAPIC_TDCR, 0xffffffff) == LAPIC_W_TIMER &&
	      lapic_reg(&a, LAPIC_TDCR) == 0xb, "TDCR keeps bits 3, 1, 0; TIMER");

	/* Software disable: every LVT masked, other bits kept; later writes masked. */
	lapic_write(&a, LAPIC_LVTT, 0x20040);
	lapic_write(&a, LAPIC_LVT0, 0x700);
	CHECK(lapic_write(&a, LAPIC_SPIV, 0xff) == (LAPIC_W_EVAL | LAPIC_W_TIMER) &&
	      !lapic_sw_enabled(&a), "SPIV write clearing bit 8: software-disabled");
	CHECK(lapic_reg(&a, LAPIC_LVTT) == 0x30040 && lapic_reg(&a, LAPIC_LVT0) == 0x10700 &&
	      lapic_reg(&a, LAPIC_LVT1) == 0x10400 && lapic_reg(&a, LAPIC_LVTTHMR) == 0x117ff &&
	      lapic_reg(&a, LAPIC_LVTPC) == 0x117ff && lapic_reg(&a, LAPIC_LVTERR) == 0x110ff,
	      "software disable masks all six LVTs, keeps their fields");
	CHECK(lapic_write(&a, LAPIC_LVT1, 0x400) == 0 && lapic_reg(&a, LAPIC_LVT1) == 0x10400,
	      "LVT written while software-disabled stays masked");
	CHECK(lapic_write(&a, LAPIC_LVTT, 0x20050) == LAPIC_W_TIMER &&
	      lapic_reg(&a, LAPIC_LVTT) == 0x30050, "LVTT written while software-disabled: masked");
	CHECK(lapic_write(&a, LAPIC_SPIV, 0x1ff) && lapic_reg(&a, LAPIC_LVT1) == 0x10400,
	      "software enable unmasks nothing");

	CHECK(lapic_write(&a, LAPIC_SELF_IPI, 0x45) == -1 && vecs_empty(&a, LAPIC_IRR),
	      "xAPIC has no SELF IPI");
	CHECK(lapic_write(&x, LAPIC_SELF_IPI, 0x46) == LAPIC_W_EVAL && vecs_empty(&x, LAPIC_IRR),
	      "x2APIC SELF IPI while software-disabled: dropped, as KVM (review finding)");
	lapic_write(&x, LAPIC_SPIV, 0x1ff);
	x.regs[(LAPIC_TMR + 0x20) / 4] = 1U << 5;	/* vector 0x45 level before */
	CHECK(lapic_write(&x, LAPIC_SELF_IPI, 0x1f45) == -1 && vecs_empty(&x, LAPIC_IRR),
	      "x2APIC SELF IPI with bits 31:8 set: refused (#GP), as KVM (kvm-unit-tests' msr)");
	CHECK(lapic_write(&x, LAPIC_SELF_IPI, 0x45) == LAPIC_W_EVAL && bit(&x, LAPIC_IRR, 0x45) &&
	      !bit(&x, LAPIC_TMR, 0x45), "x2APIC SELF IPI: the vector to IRR, edge");
	CHECK(lapic_write(&x, LAPIC_EOI, 0x1234) == LAPIC_W_EVAL, "EOI write: any value, EVAL");

	for (i = 0; i < sizeof(ro) / sizeof(ro[0]); i++) {
		__u32 before = lapic_reg(&a, ro[i]);

		if (lapic_write(&a, ro[i], 0xffffffff) != -1 || lapic_reg(&a, ro[i]) != before)
			ok = false;
	}
	CHECK(ok, "read-only and reserved registers refuse writes, unchanged");
	CHECK(lapic_write(&a, 0x84, 0x10) == -1 && lapic_write(&a, 0x400, 0) == -1 &&
	      lapic_reg(&a, LAPIC_TASKPRI) == 0x34, "write: unaligned or beyond 0x3f0 refused");
}

/* TSC-deadline mode and TMICT: a switch in or out disarms, a deadline timer ignores TMICT. */
static void test_tscdeadline(void)
{
	struct lapic a;

	reset(&a, 0, false);
	a.tscdeadline = true;
	lapic_write(&a, LAPIC_SPIV, 0x1ff);
	lapic_write(&a, LAPIC_LVTT, 0x30);
	CHECK(lapic_write(&a, LAPIC_TMICT, 1000) == LAPIC_W_TIMER &&
	      lapic_reg(&a, LAPIC_TMICT) == 1000, "one-shot TMICT write, TIMER");
	lapic_write(&a, LAPIC_LVTT, 0x20030);
	CHECK(lapic_reg(&a, LAPIC_TMICT) == 1000 && lapic_timer_mode(&a) == LAPIC_TIMER_PERIODIC,
	      "one-shot -> periodic keeps TMICT");
	lapic_write(&a, LAPIC_LVTT, 0x40030);
	CHECK(lapic_reg(&a, LAPIC_TMICT) == 0 && lapic_timer_mode(&a) == LAPIC_TIMER_TSCDEADLINE,
	      "-> TSC-deadline clears TMICT");
	CHECK(lapic_write(&a, LAPIC_TMICT, 500) == 0 && lapic_reg(&a, LAPIC_TMICT) == 0,
	      "TMICT write ignored in TSC-deadline mode");
	a.regs[LAPIC_TMICT / 4] = 77;
	lapic_write(&a, LAPIC_LVTT, 0x50030);
	CHECK(lapic_reg(&a, LAPIC_TMICT) == 77, "TSC-deadline rewritten (masked): TMICT kept");
	lapic_write(&a, LAPIC_LVTT, 0x20030);
	CHECK(lapic_reg(&a, LAPIC_TMICT) == 0, "TSC-deadline -> periodic clears TMICT");
}

/* PPR from TPR and ISR, the pending vector above PPR's class, ack/unack/EOI order. */
static void test_priority(void)
{
	struct lapic a;

	reset(&a, 0, false);
	CHECK(lapic_ppr(&a) == 0 && lapic_pending(&a) == -1, "empty: PPR 0, nothing pending");
	lapic_write(&a, LAPIC_TASKPRI, 0x25);
	CHECK(lapic_ppr(&a) == 0x25, "PPR is the TPR, subclass too, with nothing in service");
	lapic_accept(&a, 0x2f, false);
	CHECK(lapic_pending(&a) == -1, "vector in TPR's class not pending");
	lapic_accept(&a, 0x30, false);
	CHECK(lapic_pending(&a) == 0x30, "vector a class above TPR pending, the highest");
	lapic_write(&a, LAPIC_TASKPRI, 0x1f);
	CHECK(lapic_pending(&a) == 0x30, "highest IRR vector wins");

	reset(&a, 0, false);
	CHECK(lapic_ack(&a) == -1 && vecs_empty(&a, LAPIC_ISR), "ack with nothing pending: -1");
	lapic_accept(&a, 0x31, false);
	CHECK(lapic_ack(&a) == 0x31 && !bit(&a, LAPIC_IRR, 0x31) && bit(&a, LAPIC_ISR, 0x31),
	      "ack: IRR to ISR");
	CHECK(lapic_reg(&a, LAPIC_PROCPRI) == 0x30, "ack: PPR is the in-service class");
	lapic_accept(&a, 0x35, false);
	CHECK(lapic_pending(&a) == -1, "same class as in service: not pending");
	lapic_accept(&a, 0x51, false);
	CHECK(lapic_pending(&a) == 0x51 && lapic_ack(&a) == 0x51, "higher class nests");
	CHECK(lapic_reg(&a, LAPIC_PROCPRI) == 0x50 && bit(&a, LAPIC_ISR, 0x31) &&
	      bit(&a, LAPIC_ISR, 0x51), "nested: both in service, PPR 0x50");
	lapic_write(&a, LAPIC_TASKPRI, 0x32);
	CHECK(lapic_ppr(&a) == 0x50 && lapic_reg(&a, LAPIC_PROCPRI) == 0x50,
	      "TPR below the in-service class: PPR is the class");
	lapic_write(&a, LAPIC_TASKPRI, 0x5a);
	CHECK(lapic_reg(&a, LAPIC_PROCPRI) == 0x5a, "TPR of the in-service class: PPR is the TPR");
	lapic_write(&a, LAPIC_TASKPRI, 0);
	CHECK(lapic_write(&a, LAPIC_EOI, 0) == LAPIC_W_EVAL && !bit(&a, LAPIC_ISR, 0x51) &&
	      bit(&a, LAPIC_ISR, 0x31), "EOI retires the highest in service");
	CHECK(lapic_reg(&a, LAPIC_PROCPRI) == 0x30 && lapic_pending(&a) == -1,
	      "after the first EOI: PPR 0x30, 0x35 still held back");
	lapic_write(&a, LAPIC_EOI, 0);
	CHECK(vecs_empty(&a, LAPIC_ISR) && lapic_reg(&a, LAPIC_PROCPRI) == 0 &&
	      lapic_pending(&a) == 0x35, "second EOI: nothing in service, 0x35 pending");
	CHECK(lapic_ack(&a) == 0x35 && lapic_reg(&a, LAPIC_PROCPRI) == 0x30, "0x35 taken");
	lapic_unack(&a, 0x35);
	CHECK(bit(&a, LAPIC_IRR, 0x35) && !bit(&a, LAPIC_ISR, 0x35) &&
	      lapic_reg(&a, LAPIC_PROCPRI) == 0 && lapic_pending(&a) == 0x35,
	      "unack: ISR back to IRR, PPR down");
	lapic_ack(&a);
	CHECK(lapic_write(&a, LAPIC_EOI, 0) == LAPIC_W_EVAL &&
	      lapic_write(&a, LAPIC_EOI, 0) == LAPIC_W_EVAL && vecs_empty(&a, LAPIC_ISR) &&
	      lapic_reg(&a, LAPIC_PROCPRI) == 0, "EOI with nothing in service: harmless");

	reset(&a, 0, false);
	lapic_write(&a, LAPIC_TASKPRI, 0xf0);
	lapic_accept(&a, 0x40, false);
	CHECK(bit(&a, LAPIC_IRR, 0x40) && lapic_pending(&a) == -1,
	      "accept ignores PPR; TPR 0xf0 holds everything back");
	lapic_accept(&a, 0xff, false);
	CHECK(lapic_reg(&a, LAPIC_IRR + 0x70) == 0x80000000 && lapic_pending(&a) == -1,
	      "vector 0xff: IRR7 bit 31, class 0xf0 not above TPR 0xf0");
	lapic_accept(&a, 0x20, false);
	CHECK(lapic_reg(&a, LAPIC_IRR + 0x10) == 1 && lapic_reg(&a, LAPIC_IRR + 0x20) == 1,
	      "vector 0x20: IRR1 bit 0; 0x40: IRR2 bit 0");
	lapic_write(&a, LAPIC_TASKPRI, 0);
	CHECK(lapic_ack(&a) == 0xff && lapic_reg(&a, LAPIC_PROCPRI) == 0xf0, "0xff taken first");
}

/* IRR coalescing and TMR's trigger mode. */
static void test_accept(void)
{
	struct lapic a;

	reset(&a, 0, false);
	CHECK(lapic_accept(&a, 0x41, false), "accept: new vector");
	CHECK(!lapic_accept(&a, 0x41, false), "accept: already in IRR, coalesced");
	CHECK(!bit(&a, LAPIC_TMR, 0x41), "accept edge: TMR clear");
	CHECK(!lapic_accept(&a, 0x41, true) && bit(&a, LAPIC_TMR, 0x41),
	      "accept level: TMR set, still coalesced");
	CHECK(lapic_ack(&a) == 0x41 && bit(&a, LAPIC_TMR, 0x41), "ack keeps TMR");
	CHECK(lapic_accept(&a, 0x41, false) && !bit(&a, LAPIC_TMR, 0x41),
	      "accept while in service: new in IRR, edge clears TMR");
}

/* The ICR decoded: every field, xAPIC's 8-bit destination, x2APIC's 32. */
static void test_icr(void)
{
	struct lapic a, x;
	struct lapic_ipi ipi;

	reset(&a, 0, false);
	lapic_write(&a, LAPIC_ICR2, 0xab345678);
	lapic_write(&a, LAPIC_ICR, 0xffffd931);
	lapic_icr(&a, &ipi);
	CHECK(ipi.vector == 0x31 && ipi.mode == LAPIC_DM_LOWEST, "xAPIC ICR: vector, lowest prio");
	CHECK(ipi.logical && ipi.assert && ipi.level, "xAPIC ICR: logical, assert, level");
	CHECK(ipi.shorthand == LAPIC_SHORT_ALLBUT && ipi.dest == 0xab,
	      "xAPIC ICR: shorthand, destination from ICR2 31:24");
	CHECK(lapic_reg(&a, LAPIC_ICR) == 0xffffc931, "xAPIC ICR: busy dropped, rest stored");

	lapic_write(&a, LAPIC_ICR, 0x00000500);
	lapic_icr(&a, &ipi);
	CHECK(ipi.mode == LAPIC_DM_INIT && !ipi.logical && !ipi.assert && !ipi.level &&
	      ipi.shorthand == LAPIC_SHORT_NONE && ipi.vector == 0,
	      "xAPIC ICR: INIT de-assert, physical, no shorthand");
	lapic_write(&a, LAPIC_ICR, 0x00044000 | 0x42);
	lapic_icr(&a, &ipi);
	CHECK(ipi.shorthand == LAPIC_SHORT_SELF && ipi.mode == LAPIC_DM_FIXED && ipi.vector == 0x42,
	      "xAPIC ICR: fixed to self");

	reset_x2apic(&x, 1);
	lapic_write_icr(&x, 0x123456780008569aULL);
	lapic_icr(&x, &ipi);
	CHECK(ipi.dest == 0x12345678 && ipi.mode == LAPIC_DM_SIPI && ipi.vector == 0x9a,
	      "x2APIC ICR: 32-bit destination, SIPI, vector");
	CHECK(ipi.shorthand == LAPIC_SHORT_ALL && !ipi.logical && ipi.assert && !ipi.level,
	      "x2APIC ICR: all including self, physical, assert, edge");
}

/* Destinations: physical, broadcast, flat, cluster, x2APIC cluster, shorthands. */
static void test_match(void)
{
	struct lapic a, x;
	struct lapic_ipi ipi = { 0 };

	reset(&a, 5, false);
	CHECK(lapic_match_dest(&a, 5, false) && !lapic_match_dest(&a, 6, false),
	      "xAPIC physical: its ID only");
	CHECK(lapic_match_dest(&a, 0xff, false) && lapic_match_dest(&a, 0xff, true),
	      "xAPIC broadcast 0xff, physical and logical");
	CHECK(lapic_match_dest(&a, 0x105, false), "xAPIC physical: 8 bits of the destination");
	lapic_write(&a, LAPIC_ID, 0x07000000);
	CHECK(lapic_match_dest(&a, 7, false) && !lapic_match_dest(&a, 5, false),
	      "xAPIC physical: the ID software wrote");

	CHECK(!lapic_match_dest(&a, 0x01, true), "xAPIC logical: LDR 0 matches nothing");
	lapic_write(&a, LAPIC_LDR, 0x04000000);
	CHECK(lapic_match_dest(&a, 0x04, true) && lapic_match_dest(&a, 0x06, true),
	      "flat: any common bit");
	CHECK(!lapic_match_dest(&a, 0x03, true), "flat: no common bit");
	CHECK(!lapic_match_dest(&a, 0x04, false), "flat LDR is not the physical ID");

	lapic_write(&a, LAPIC_DFR, 0x0fffffff);
	lapic_write(&a, LAPIC_LDR, 0x32000000);
	CHECK(lapic_match_dest(&a, 0x32, true) && lapic_match_dest(&a, 0x33, true),
	      "cluster: same cluster, common bit");
	CHECK(!lapic_match_dest(&a, 0x31, true), "cluster: same cluster, no common bit");
	CHECK(!lapic_match_dest(&a, 0x22, true), "cluster: other cluster");
	CHECK(lapic_match_dest(&a, 0x3f, true), "cluster: all of the cluster");
	a.regs[LAPIC_DFR / 4] = 0x5fffffff;
	CHECK(!lapic_match_dest(&a, 0x32, true) && lapic_match_dest(&a, 0xff, true),
	      "unknown DFR model: only broadcast");

	reset_x2apic(&x, 0x13);
	CHECK(lapic_match_dest(&x, 0x13, false) && !lapic_match_dest(&x, 0x14, false),
	      "x2APIC physical: its 32-bit ID");
	CHECK(!lapic_match_dest(&x, 0xff, false), "x2APIC: 0xff is an ID, not broadcast");
	CHECK(lapic_match_dest(&x, 0xffffffff, false) && lapic_match_dest(&x, 0xffffffff, true),
	      "x2APIC broadcast 0xffffffff");
	CHECK(lapic_match_dest(&x, 0x10008, true) && lapic_match_dest(&x, 0x1000c, true),
	      "x2APIC logical: cluster 1, bit 3");
	CHECK(!lapic_match_dest(&x, 0x10004, true) && !lapic_match_dest(&x, 0x00008, true),
	      "x2APIC logical: other bit or other cluster");

	ipi.shorthand = LAPIC_SHORT_SELF;
	CHECK(lapic_ipi_targets(&x, &ipi, true) && !lapic_ipi_targets(&x, &ipi, false),
	      "shorthand self: the sender only");
	ipi.shorthand = LAPIC_SHORT_ALL;
	CHECK(lapic_ipi_targets(&x, &ipi, true) && lapic_ipi_targets(&x, &ipi, false),
	      "shorthand all: everyone");
	ipi.shorthand = LAPIC_SHORT_ALLBUT;
	CHECK(!lapic_ipi_targets(&x, &ipi, true) && lapic_ipi_targets(&x, &ipi, false),
	      "shorthand all-but-self");
	ipi.shorthand = LAPIC_SHORT_NONE;
	ipi.dest = 0x13;
	CHECK(lapic_ipi_targets(&x, &ipi, true) && lapic_ipi_targets(&x, &ipi, false),
	      "no shorthand: the destination decides, sender or not");
	ipi.dest = 0x14;
	CHECK(!lapic_ipi_targets(&x, &ipi, true), "no shorthand: a self-IPI by ID must match");
	ipi.dest = 0x10008;
	ipi.logical = true;
	CHECK(lapic_ipi_targets(&x, &ipi, false), "no shorthand: logical destination");
}

/* TDCR's eight divisors, the timer mode, firing masked and unmasked. */
static void test_timer(void)
{
	static const struct {
		__u32 tdcr, div;
		const char *what;
	} divs[] = {
		{ 0x0, 2, "TDCR 0000: divide by 2" },
		{ 0x1, 4, "TDCR 0001: divide by 4" },
		{ 0x2, 8, "TDCR 0010: divide by 8" },
		{ 0x3, 16, "TDCR 0011: divide by 16" },
		{ 0x8, 32, "TDCR 1000: divide by 32" },
		{ 0x9, 64, "TDCR 1001: divide by 64" },
		{ 0xa, 128, "TDCR 1010: divide by 128" },
		{ 0xb, 1, "TDCR 1011: divide by 1" },
	};
	struct lapic a;
	unsigned int i;

	reset(&a, 0, false);
	CHECK(lapic_timer_divisor(&a) == 2, "divisor after RESET: 2");
	for (i = 0; i < sizeof(divs) / sizeof(divs[0]); i++) {
		lapic_write(&a, LAPIC_TDCR, divs[i].tdcr | 0x4);	/* bit 2 is reserved */
		CHECK(lapic_timer_divisor(&a) == divs[i].div, divs[i].what);
	}

	CHECK(!lapic_timer_fire(&a) && vecs_empty(&a, LAPIC_IRR), "fire: masked LVTT, nothing");
	lapic_write(&a, LAPIC_SPIV, 0x1ff);
	lapic_write(&a, LAPIC_LVTT, 0x20ec);
	CHECK(lapic_timer_mode(&a) == LAPIC_TIMER_ONESHOT, "LVTT 0x20ec: one-shot");
	lapic_write(&a, LAPIC_LVTT, 0x200ec);
	CHECK(lapic_timer_mode(&a) == LAPIC_TIMER_PERIODIC, "LVTT 0x200ec: periodic");
	a.regs[(LAPIC_TMR + 0x70) / 4] = 1U << 12;	/* vector 0xec level before */
	CHECK(lapic_timer_fire(&a) && bit(&a, LAPIC_IRR, 0xec) && !bit(&a, LAPIC_TMR, 0xec),
	      "fire: LVTT vector to IRR, edge");
	CHECK(lapic_timer_fire(&a) && lapic_pending(&a) == 0xec, "fire again: coalesced, pending");
	lapic_write(&a, LAPIC_SPIV, 0xff);
	lapic_ack(&a);
	CHECK(!lapic_timer_fire(&a) && !bit(&a, LAPIC_IRR, 0xec),
	      "fire after software disable: masked, nothing");
}

/* KVM_GET_LAPIC/KVM_SET_LAPIC's page: xAPIC verbatim, x2APIC's ID shifted, derived fields. */
static void test_state(void)
{
	static __u8 s[LAPIC_STATE_SIZE], s2[LAPIC_STATE_SIZE];
	struct lapic a, b;

	reset(&a, 5, false);
	lapic_write(&a, LAPIC_SPIV, 0x1ff);
	lapic_write(&a, LAPIC_TASKPRI, 0x20);
	lapic_write(&a, LAPIC_ID, 0x07000000);
	lapic_accept(&a, 0x31, true);
	lapic_ack(&a);
	lapic_accept(&a, 0x41, false);
	lapic_write(&a, LAPIC_ICR2, 0x02000000);
	lapic_write(&a, LAPIC_TMICT, 999);
	lapic_get_state(&a, s);
	CHECK(!memcmp(s, a.regs, LAPIC_STATE_SIZE), "xAPIC get: the page verbatim");
	CHECK(get32(s, LAPIC_ID) == 0x07000000 && get32(s, LAPIC_PROCPRI) == 0x30,
	      "xAPIC get: ID in 31:24, PPR");

	reset(&b, 5, false);
	lapic_set_state(&b, s);
	CHECK(!memcmp(b.regs, a.regs, LAPIC_STATE_SIZE), "xAPIC round trip: same registers");
	CHECK(b.base == BASE_XAPIC && b.vcpu_id == 5, "set: base and vcpu_id not in the state");
	CHECK(lapic_pending(&b) == 0x41, "xAPIC round trip: pending vector back");

	memset(s2, 0, sizeof(s2));
	put32(s2, LAPIC_TASKPRI, 0x20);
	put32(s2, LAPIC_PROCPRI, 0xff);
	put32(s2, LAPIC_ISR + 0x20, 1U << 17);	/* vector 0x51 in service */
	put32(s2, LAPIC_LVR, 0x00ff0011);
	put32(s2, LAPIC_TMCCT, 42);
	lapic_set_state(&b, s2);
	CHECK(lapic_reg(&b, LAPIC_PROCPRI) == 0x50, "set: PPR recomputed from TPR and ISR");
	CHECK(lapic_reg(&b, LAPIC_LVR) == 0x00050014, "set: the version is KVM's, not the state's");
	CHECK(lapic_reg(&b, LAPIC_TMCCT) == 0, "set: TMCCT not stored");

	reset_x2apic(&a, 0x13);
	lapic_write(&a, LAPIC_SPIV, 0x1ff);
	lapic_write_icr(&a, 0x0000002100004031ULL);
	lapic_get_state(&a, s);
	CHECK(get32(s, LAPIC_ID) == 0x13000000, "x2APIC get: ID shifted to 31:24");
	CHECK(get32(s, LAPIC_ICR) == 0x4031 && get32(s, LAPIC_ICR2) == 0x21,
	      "x2APIC get: ICR split, high half in ICR2");
	CHECK(get32(s, LAPIC_LDR) == 0x10008 && lapic_reg(&a, LAPIC_ID) == 0x13,
	      "x2APIC get: LDR as is, the model untouched");

	reset_x2apic(&b, 0x13);
	lapic_set_state(&b, s);
	CHECK(!memcmp(b.regs, a.regs, LAPIC_STATE_SIZE), "x2APIC round trip: same registers");
	put32(s, LAPIC_ID, 0x21000000);
	put32(s, LAPIC_LDR, 0xdeadbeef);
	lapic_set_state(&b, s);
	CHECK(lapic_reg(&b, LAPIC_ID) == 0x21 && lapic_id(&b) == 0x21,
	      "x2APIC set: ID taken from 31:24");
	CHECK(lapic_reg(&b, LAPIC_LDR) == 0x20002, "x2APIC set: LDR derived from the ID");
	CHECK(lapic_x2apic(&b) && b.base == BASE_X2APIC, "x2APIC set: the mode stays");
}

int main(void)
{
	test_reset();
	test_base();
	test_read();
	test_write();
	test_tscdeadline();
	test_priority();
	test_accept();
	test_icr();
	test_match();
	test_timer();
	test_state();
	return unit_done("test_lapic");
}
