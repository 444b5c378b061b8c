// SPDX-License-Identifier: GPL-2.0
/*
 * The local APIC's register model: what each register read and write
 * does, the priorities, the IRR/ISR/TMR bookkeeping, the ICR's decoding
 * and the destination match, KVM 6.1's behaviour.  Pure code, built into
 * the module and into the host-side unit test: see lapic.h.
 */
#ifdef __KERNEL__
#include <linux/string.h>
#else
#include <string.h>
#endif
#include "lapic.h"

/*
 * Version 0x14 (an integrated APIC); bits 23:16 hold the number of LVT
 * entries minus one: six, as KVM has without MCG_CMCI_P (no LVT CMCI).
 */
#define LAPIC_VERSION		(0x14U | (5U << 16))

/* IA32_APIC_BASE's EN and EXTD together name the mode. */
#define MODE_BITS		(LAPIC_BASE_EN | LAPIC_BASE_EXTD)
#define MODE_DISABLED		0ULL
#define MODE_INVALID		LAPIC_BASE_EXTD
#define MODE_XAPIC		LAPIC_BASE_EN
#define MODE_X2APIC		MODE_BITS

/* What each LVT keeps of a write (SDM Vol. 3A figure 11-8). */
#define LVT_MASK_BASIC		0x110ffU	/* mask, delivery status, vector */
#define LVT_MASK_DM		0x117ffU	/* and the delivery mode */
#define LVT_MASK_LINT		0x1f7ffU	/* and polarity, remote IRR, trigger */

#define DFR_FLAT		0xfU
#define DFR_CLUSTER		0x0U

#define NR_LVT			6
static const unsigned int lvt_regs[NR_LVT] = {
	LAPIC_LVTT, LAPIC_LVTTHMR, LAPIC_LVTPC, LAPIC_LVT0, LAPIC_LVT1, LAPIC_LVTERR,
};

static void set_reg(struct lapic *a, unsigned int off, __u32 val)
{
	a->regs[off / 4] = val;
}

/* IRR, ISR and TMR spread their 256 bits over eight registers 16 bytes apart. */
static __u32 *vec_word(struct lapic *a, unsigned int base, __u8 vec)
{
	return &a->regs[(base + (vec >> 5) * 0x10) / 4];
}

static bool vec_test(const struct lapic *a, unsigned int base, __u8 vec)
{
	return lapic_reg(a, base + (vec >> 5) * 0x10) & (1U << (vec & 31));
}

static void vec_set(struct lapic *a, unsigned int base, __u8 vec)
{
	*vec_word(a, base, vec) |= 1U << (vec & 31);
}

static void vec_clear(struct lapic *a, unsigned int base, __u8 vec)
{
	*vec_word(a, base, vec) &= ~(1U << (vec & 31));
}

static int highest_vec(const struct lapic *a, unsigned int base)
{
	int i;

	for (i = 7; i >= 0; i--) {
		__u32 w = lapic_reg(a, base + i * 0x10);

		if (w)
			return i * 32 + 31 - __builtin_clz(w);
	}
	return -1;
}

/* In x2APIC mode the LDR is not software's: cluster in 31:16, one bit of 16 below. */
static __u32 x2apic_ldr(__u32 id)
{
	return ((id >> 4) << 16) | (1U << (id & 0xf));
}

static void update_ppr(struct lapic *a)
{
	set_reg(a, LAPIC_PROCPRI, lapic_ppr(a));
}

static void eoi(struct lapic *a)
{
	int v = highest_vec(a, LAPIC_ISR);

	/* An EOI with nothing in service happens (Linux's timer check): no error. */
	if (v >= 0)
		vec_clear(a, LAPIC_ISR, v);
	update_ppr(a);
}

__u32 lapic_id(const struct lapic *a)
{
	__u32 id = lapic_reg(a, LAPIC_ID);

	return lapic_x2apic(a) ? id : id >> 24;
}

void lapic_reset(struct lapic *a, __u32 vcpu_id, bool bsp, bool init)
{
	__u32 id = lapic_reg(a, LAPIC_ID);
	__u32 ldr = lapic_reg(a, LAPIC_LDR);
	unsigned int i;

	a->vcpu_id = vcpu_id;
	if (!init) {
		a->base = LAPIC_BASE_DEFAULT | LAPIC_BASE_EN | (bsp ? LAPIC_BASE_BSP : 0);
		/* RESET always ends in xAPIC mode, whatever the mode was: the xAPIC ID. */
		id = vcpu_id << 24;
	}
	/*
	 * INIT keeps the ID (SDM 11.4.7.3, and KVM sets it only at RESET),
	 * and in x2APIC mode the LDR that goes with it.
	 */
	memset(a->regs, 0, sizeof(a->regs));
	set_reg(a, LAPIC_ID, id);
	if (lapic_x2apic(a))
		set_reg(a, LAPIC_LDR, ldr);
	set_reg(a, LAPIC_LVR, LAPIC_VERSION);
	for (i = 0; i < NR_LVT; i++)
		set_reg(a, lvt_regs[i], LAPIC_LVT_MASKED);
	/*
	 * KVM's LINT0_REENABLED quirk, applied at every reset of the BSP:
	 * guests that never program LINT0 still get the 8259's interrupts.
	 */
	if (bsp)
		set_reg(a, LAPIC_LVT0, LAPIC_DM_EXTINT);
	set_reg(a, LAPIC_DFR, 0xffffffffU);
	set_reg(a, LAPIC_SPIV, 0xff);
}

int lapic_set_base(struct lapic *a, __u64 val, __u64 reserved, bool host)
{
	__u64 old = a->base;
	__u64 old_mode = old & MODE_BITS, new_mode = val & MODE_BITS;

	if ((val & reserved) || new_mode == MODE_INVALID)
		return -1;
	/*
	 * The guest follows the SDM's mode diagram (x2APIC is entered from
	 * xAPIC and left to disabled); the VMM restoring a vCPU may jump.
	 */
	if (!host && ((old_mode == MODE_X2APIC && new_mode == MODE_XAPIC) ||
		      (old_mode == MODE_DISABLED && new_mode == MODE_X2APIC)))
		return -1;

	a->base = val;
	if (!(old & LAPIC_BASE_EN) && (val & LAPIC_BASE_EN))
		set_reg(a, LAPIC_ID, a->vcpu_id << 24);
	if (old_mode != MODE_X2APIC && new_mode == MODE_X2APIC) {
		/* The x2APIC ID is read-only and the vCPU's; the LDR follows from it. */
		set_reg(a, LAPIC_ID, a->vcpu_id);
		set_reg(a, LAPIC_LDR, x2apic_ldr(a->vcpu_id));
	}
	return 0;
}

int lapic_read(const struct lapic *a, unsigned int off, __u32 *val)
{
	bool x2 = lapic_x2apic(a);

	if ((off & 0xf) || off >= LAPIC_STATE_SIZE)
		return -1;

	switch (off) {
	case LAPIC_ARBPRI:
		if (x2)
			return -1;
		/* KVM keeps no arbitration priority. */
		*val = 0;
		return 0;
	case LAPIC_TMCCT:
		/* The count is the caller's, which has the clock. */
		*val = 0;
		return 0;
	case LAPIC_DFR:
	case LAPIC_ICR2:
		if (x2)
			return -1;
		break;
	case LAPIC_ID:
	case LAPIC_LVR:
	case LAPIC_TASKPRI:
	case LAPIC_PROCPRI:
	case LAPIC_LDR:
	case LAPIC_SPIV:
	case LAPIC_ESR:
	case LAPIC_ICR:
	case LAPIC_LVTT:
	case LAPIC_LVTTHMR:
	case LAPIC_LVTPC:
	case LAPIC_LVT0:
	case LAPIC_LVT1:
	case LAPIC_LVTERR:
	case LAPIC_TMICT:
	case LAPIC_TDCR:
		break;
	default:
		if (off >= LAPIC_ISR && off < LAPIC_ESR)
			break;	/* ISR, TMR and IRR, back to back */
		return -1;
	}
	*val = lapic_reg(a, off);
	return 0;
}

static int write_lvt(struct lapic *a, unsigned int off, __u32 val, __u32 mask)
{
	/* A software-disabled APIC keeps every LVT masked (SDM 11.4.7.2). */
	if (!lapic_sw_enabled(a))
		val |= LAPIC_LVT_MASKED;
	set_reg(a, off, val & mask);
	return 0;
}

static int write_lvtt(struct lapic *a, __u32 val)
{
	__u32 old_mode = lapic_timer_mode(a), new_mode;

	if (!lapic_sw_enabled(a))
		val |= LAPIC_LVT_MASKED;
	/* Without TSC-deadline in CPUID bit 18 is reserved: one-shot or periodic only. */
	val &= LVT_MASK_BASIC | (a->tscdeadline ? LAPIC_TIMER_MODE_MASK : LAPIC_TIMER_PERIODIC);
	new_mode = val & LAPIC_TIMER_MODE_MASK;
	/* TMICT means nothing to a deadline timer: switching either way disarms it. */
	if (lapic_mode_is_deadline(old_mode) != lapic_mode_is_deadline(new_mode))
		set_reg(a, LAPIC_TMICT, 0);
	set_reg(a, LAPIC_LVTT, val);
	return LAPIC_W_TIMER;
}

int lapic_write(struct lapic *a, unsigned int off, __u32 val)
{
	bool x2 = lapic_x2apic(a);
	unsigned int i;

	if ((off & 0xf) || off >= LAPIC_STATE_SIZE)
		return -1;

	switch (off) {
	case LAPIC_ID:
		/* The x2APIC ID is read-only; the xAPIC one is software's (8 bits). */
		if (x2)
			return -1;
		set_reg(a, LAPIC_ID, val & 0xff000000U);
		return 0;
	case LAPIC_TASKPRI:
		set_reg(a, LAPIC_TASKPRI, val & 0xff);
		update_ppr(a);
		return LAPIC_W_EVAL;
	case LAPIC_EOI:
		eoi(a);
		return LAPIC_W_EVAL;
	case LAPIC_LDR:
		if (x2)
			return -1;
		set_reg(a, LAPIC_LDR, val & 0xff000000U);
		return 0;
	case LAPIC_DFR:
		if (x2)
			return -1;
		/* Only the model (31:28) is writable; the rest reads as ones. */
		set_reg(a, LAPIC_DFR, val | 0x0fffffffU);
		return 0;
	case LAPIC_SPIV:
		set_reg(a, LAPIC_SPIV, val & 0x3ff);
		if (!(val & LAPIC_SPIV_ENABLED)) {
			for (i = 0; i < NR_LVT; i++)
				a->regs[lvt_regs[i] / 4] |= LAPIC_LVT_MASKED;
		}
		return LAPIC_W_EVAL | LAPIC_W_TIMER;
	case LAPIC_ESR:
		/* KVM records no errors: ESR stays; x2APIC refuses a non-zero write. */
		if (x2 && val)
			return -1;
		return 0;
	case LAPIC_ICR:
		if (x2)
			return -1;
		/* Delivery is immediate: the busy bit never reads set. */
		set_reg(a, LAPIC_ICR, val & ~LAPIC_ICR_BUSY);
		return LAPIC_W_IPI;
	case LAPIC_ICR2:
		if (x2)
			return -1;
		set_reg(a, LAPIC_ICR2, val & 0xff000000U);
		return 0;
	case LAPIC_LVTTHMR:
	case LAPIC_LVTPC:
		return write_lvt(a, off, val, LVT_MASK_DM);
	case LAPIC_LVT0:
	case LAPIC_LVT1:
		return write_lvt(a, off, val, LVT_MASK_LINT);
	case LAPIC_LVTERR:
		return write_lvt(a, off, val, LVT_MASK_BASIC);
	case LAPIC_LVTT:
		return write_lvtt(a, val);
	case LAPIC_TMICT:
		if (lapic_timer_mode(a) == LAPIC_TIMER_TSCDEADLINE)
			return 0;
		set_reg(a, LAPIC_TMICT, val);
		return LAPIC_W_TIMER;
	case LAPIC_TDCR:
		set_reg(a, LAPIC_TDCR, val & 0xb);
		return LAPIC_W_TIMER;
	case LAPIC_SELF_IPI:
		/* Bits 31:8 are reserved: #GP, as KVM (kvm-unit-tests' msr test). */
		if (!x2 || (val & ~0xffU))
			return -1;
		/* A software-disabled APIC drops it, as any fixed interrupt. */
		if (lapic_sw_enabled(a))
			lapic_accept(a, val & 0xff, false);
		return LAPIC_W_EVAL;
	default:
		return -1;
	}
}

int lapic_write_icr(struct lapic *a, __u64 val)
{
	set_reg(a, LAPIC_ICR, (__u32)val & ~LAPIC_ICR_BUSY);
	set_reg(a, LAPIC_ICR2, val >> 32);
	return LAPIC_W_IPI;
}

void lapic_icr(const struct lapic *a, struct lapic_ipi *ipi)
{
	__u32 lo = lapic_reg(a, LAPIC_ICR), hi = lapic_reg(a, LAPIC_ICR2);

	ipi->vector = lo & LAPIC_VECTOR_MASK;
	ipi->mode = lo & LAPIC_DM_MASK;
	ipi->logical = lo & LAPIC_ICR_LOGICAL;
	ipi->assert = lo & LAPIC_ICR_ASSERT;
	ipi->level = lo & LAPIC_ICR_LEVEL;
	ipi->shorthand = lo & LAPIC_SHORT_MASK;
	ipi->dest = lapic_x2apic(a) ? hi : hi >> 24;
}

bool lapic_match_dest(const struct lapic *a, __u32 dest, bool logical)
{
	__u32 ldr = lapic_reg(a, LAPIC_LDR);
	__u8 dest8 = dest, ldr8 = ldr >> 24;

	if (lapic_x2apic(a)) {
		if (dest == 0xffffffffU)
			return true;
		if (!logical)
			return dest == lapic_reg(a, LAPIC_ID);
		return (dest >> 16) == (ldr >> 16) && (dest & ldr & 0xffff);
	}

	if (dest8 == 0xff)
		return true;
	if (!logical)
		return dest8 == lapic_reg(a, LAPIC_ID) >> 24;
	switch (lapic_reg(a, LAPIC_DFR) >> 28) {
	case DFR_FLAT:
		return ldr8 & dest8;
	case DFR_CLUSTER:
		return (dest8 >> 4) == (ldr8 >> 4) && (dest8 & ldr8 & 0xf);
	default:
		return false;
	}
}

bool lapic_ipi_targets(const struct lapic *a, const struct lapic_ipi *ipi, bool self)
{
	switch (ipi->shorthand) {
	case LAPIC_SHORT_SELF:
		return self;
	case LAPIC_SHORT_ALL:
		return true;
	case LAPIC_SHORT_ALLBUT:
		return !self;
	default:
		return lapic_match_dest(a, ipi->dest, ipi->logical);
	}
}

bool lapic_accept(struct lapic *a, __u8 vector, bool level)
{
	bool was = vec_test(a, LAPIC_IRR, vector);

	vec_set(a, LAPIC_IRR, vector);
	/* TMR tells the EOI whether to tell the I/O APIC: the latest trigger mode wins. */
	if (level)
		vec_set(a, LAPIC_TMR, vector);
	else
		vec_clear(a, LAPIC_TMR, vector);
	return !was;
}

__u32 lapic_ppr(const struct lapic *a)
{
	int isr = highest_vec(a, LAPIC_ISR);
	__u32 isrv = isr < 0 ? 0 : isr;
	__u32 tpr = lapic_reg(a, LAPIC_TASKPRI) & 0xff;

	/* A TPR of the in-service class or above counts whole, subclass too. */
	if ((tpr & 0xf0) >= (isrv & 0xf0))
		return tpr;
	return isrv & 0xf0;
}

int lapic_pending(const struct lapic *a)
{
	int v = highest_vec(a, LAPIC_IRR);

	/* Only a class above PPR's interrupts: the subclass does not count. */
	if (v < 0 || (__u32)(v & 0xf0) <= (lapic_ppr(a) & 0xf0))
		return -1;
	return v;
}

int lapic_ack(struct lapic *a)
{
	int v = lapic_pending(a);

	if (v < 0)
		return -1;
	vec_clear(a, LAPIC_IRR, v);
	vec_set(a, LAPIC_ISR, v);
	update_ppr(a);
	return v;
}

void lapic_unack(struct lapic *a, __u8 vector)
{
	vec_clear(a, LAPIC_ISR, vector);
	vec_set(a, LAPIC_IRR, vector);
	update_ppr(a);
}

__u32 lapic_timer_mode(const struct lapic *a)
{
	return lapic_reg(a, LAPIC_LVTT) & LAPIC_TIMER_MODE_MASK;
}

__u32 lapic_timer_divisor(const struct lapic *a)
{
	__u32 t = lapic_reg(a, LAPIC_TDCR) & 0xb;
	/* TDCR bits 3,1:0 encode log2(divisor) - 1, with 0b111 wrapping to divide by 1. */
	__u32 shift = ((t & 3) | ((t & 8) >> 1)) + 1;

	return 1U << (shift & 7);
}

bool lapic_timer_fire(struct lapic *a)
{
	__u32 lvtt = lapic_reg(a, LAPIC_LVTT);

	/* KVM_SET_LAPIC may leave LVTT unmasked in a software-disabled APIC: dropped too. */
	if ((lvtt & LAPIC_LVT_MASKED) || !lapic_sw_enabled(a))
		return false;
	lapic_accept(a, lvtt & LAPIC_VECTOR_MASK, false);
	return true;
}

void lapic_get_state(const struct lapic *a, __u8 *state)
{
	memcpy(state, a->regs, LAPIC_STATE_SIZE);
	if (lapic_x2apic(a)) {
		/* Userspace without 32-bit x2APIC IDs expects xAPIC's layout. */
		__u32 id = lapic_reg(a, LAPIC_ID) << 24;

		memcpy(state + LAPIC_ID, &id, sizeof(id));
	}
}

void lapic_set_state(struct lapic *a, const __u8 *state)
{
	memcpy(a->regs, state, LAPIC_STATE_SIZE);
	if (lapic_x2apic(a)) {
		__u32 id = lapic_reg(a, LAPIC_ID) >> 24;

		set_reg(a, LAPIC_ID, id);
		set_reg(a, LAPIC_LDR, x2apic_ldr(id));
	}
	/* As KVM: the version is the model's, and TMCCT is the caller's to compute. */
	set_reg(a, LAPIC_LVR, LAPIC_VERSION);
	set_reg(a, LAPIC_TMCCT, 0);
	update_ppr(a);
}
