/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The local APIC's registers as KVM 6.1 models them: pure code, no vCPU,
 * no time, no locks.  Built into the module (vlapic.c holds the lock,
 * the timer and the vCPUs around it) and into the host-side unit tests
 * (tests/unit/test_lapic.c).
 *
 * The registers live where the xAPIC page has them, in the first 1 KiB
 * that KVM_GET_LAPIC/KVM_SET_LAPIC copy (struct kvm_lapic_state).  In
 * x2APIC mode, as in KVM, the ID register holds the full 32-bit x2APIC
 * ID and ICR2 the high half of the 64-bit ICR; the state userspace sees
 * keeps xAPIC's layout (lapic_get_state/lapic_set_state convert).
 */
#ifndef KVMINI_LAPIC_LAPIC_H
#define KVMINI_LAPIC_LAPIC_H

#include <linux/types.h>
#ifdef __KERNEL__
#include <linux/bits.h>
#else
#include <stdbool.h>
#define BIT(n)		(1UL << (n))
#define BIT_ULL(n)	(1ULL << (n))
#endif

#define LAPIC_STATE_SIZE	0x400	/* KVM_APIC_REG_SIZE */

/* Register offsets in the xAPIC page (SDM Vol. 3A table 11-1). */
#define LAPIC_ID		0x20
#define LAPIC_LVR		0x30
#define LAPIC_TASKPRI		0x80
#define LAPIC_ARBPRI		0x90
#define LAPIC_PROCPRI		0xa0
#define LAPIC_EOI		0xb0
#define LAPIC_LDR		0xd0
#define LAPIC_DFR		0xe0
#define LAPIC_SPIV		0xf0
#define LAPIC_ISR		0x100
#define LAPIC_TMR		0x180
#define LAPIC_IRR		0x200
#define LAPIC_ESR		0x280
#define LAPIC_ICR		0x300
#define LAPIC_ICR2		0x310
#define LAPIC_LVTT		0x320
#define LAPIC_LVTTHMR		0x330
#define LAPIC_LVTPC		0x340
#define LAPIC_LVT0		0x350
#define LAPIC_LVT1		0x360
#define LAPIC_LVTERR		0x370
#define LAPIC_TMICT		0x380
#define LAPIC_TMCCT		0x390
#define LAPIC_TDCR		0x3e0
#define LAPIC_SELF_IPI		0x3f0	/* x2APIC only */

/* IA32_APIC_BASE (SDM Vol. 3A 11.4.4, 11.12.1). */
#define LAPIC_BASE_BSP		BIT_ULL(8)
#define LAPIC_BASE_EXTD		BIT_ULL(10)
#define LAPIC_BASE_EN		BIT_ULL(11)
#define LAPIC_BASE_DEFAULT	0xfee00000ULL

/* Fields of the LVT entries, the SPIV and the ICR. */
#define LAPIC_VECTOR_MASK	0xffU
#define LAPIC_DM_MASK		0x700U
#define LAPIC_DM_FIXED		0x000U
#define LAPIC_DM_LOWEST		0x100U
#define LAPIC_DM_SMI		0x200U
#define LAPIC_DM_NMI		0x400U
#define LAPIC_DM_INIT		0x500U
#define LAPIC_DM_SIPI		0x600U
#define LAPIC_DM_EXTINT		0x700U
#define LAPIC_ICR_LOGICAL	BIT(11)
#define LAPIC_ICR_BUSY		BIT(12)
#define LAPIC_ICR_ASSERT	BIT(14)
#define LAPIC_ICR_LEVEL		BIT(15)
#define LAPIC_SHORT_MASK	(3U << 18)
#define LAPIC_SHORT_NONE	(0U << 18)
#define LAPIC_SHORT_SELF	BIT(18)
#define LAPIC_SHORT_ALL		(2U << 18)
#define LAPIC_SHORT_ALLBUT	(3U << 18)
#define LAPIC_LVT_MASKED	BIT(16)
#define LAPIC_LVT_LEVEL		BIT(15)
#define LAPIC_TIMER_MODE_MASK	(3U << 17)
#define LAPIC_TIMER_ONESHOT	(0U << 17)
#define LAPIC_TIMER_PERIODIC	BIT(17)
#define LAPIC_TIMER_TSCDEADLINE	(2U << 17)
#define LAPIC_SPIV_ENABLED	BIT(8)

/* What a register write asks of the code around the model (lapic_write). */
#define LAPIC_W_EVAL		BIT(0)	/* IRR, ISR or PPR moved: look for an interrupt */
#define LAPIC_W_IPI		BIT(1)	/* ICR written: send what lapic_icr() says */
#define LAPIC_W_TIMER		BIT(2)	/* TMICT, TDCR, LVTT, SPIV: the timer again */

struct lapic {
	__u32 regs[LAPIC_STATE_SIZE / 4];	/* by offset / 4 */
	__u64 base;		/* IA32_APIC_BASE */
	__u32 vcpu_id;		/* the x2APIC ID, and the xAPIC ID after reset */
	bool tscdeadline;	/* the guest's CPUID offers the TSC-deadline mode */
};

/* An interprocessor interrupt, from the ICR (SDM Vol. 3A 11.6.1). */
struct lapic_ipi {
	__u32 dest;		/* 8 bits in xAPIC mode, 32 in x2APIC mode */
	__u32 mode;		/* LAPIC_DM_* */
	__u32 shorthand;	/* LAPIC_SHORT_* */
	__u8 vector;
	bool logical;
	bool level;		/* level-triggered */
	bool assert;
};

static inline __u32 lapic_reg(const struct lapic *a, unsigned int off)
{
	return a->regs[off / 4];
}

static inline bool lapic_hw_enabled(const struct lapic *a)
{
	return a->base & LAPIC_BASE_EN;
}

static inline bool lapic_x2apic(const struct lapic *a)
{
	return (a->base & (LAPIC_BASE_EN | LAPIC_BASE_EXTD)) ==
	       (LAPIC_BASE_EN | LAPIC_BASE_EXTD);
}

static inline bool lapic_sw_enabled(const struct lapic *a)
{
	return lapic_reg(a, LAPIC_SPIV) & LAPIC_SPIV_ENABLED;
}

/* The ID other APICs address this one by: 8 bits in xAPIC mode. */
__u32 lapic_id(const struct lapic *a);

/*
 * RESET (@init false: IA32_APIC_BASE back to the default, BSP set for
 * @bsp) or INIT (@init true: the base and the mode stay), as
 * kvm_lapic_reset().  The BSP's LINT0 is ExtINT, unmasked, as KVM's
 * LINT0_REENABLED quirk leaves it.
 */
void lapic_reset(struct lapic *a, __u32 vcpu_id, bool bsp, bool init);

/*
 * A write of IA32_APIC_BASE, as kvm_set_apic_base(): @reserved is the
 * mask of bits the vCPU may not set (beyond MAXPHYADDR, 0x2ff, and EXTD
 * without x2APIC in CPUID); the guest (@host false) may not go from
 * x2APIC to xAPIC mode, nor from disabled to x2APIC.  Entering x2APIC
 * mode sets the ID and LDR from vcpu_id; enabling a disabled APIC gives
 * it back its xAPIC ID.  Return: 0, or -1 to refuse (#GP, or EINVAL for
 * the VMM).
 */
int lapic_set_base(struct lapic *a, __u64 val, __u64 reserved, bool host);

/*
 * A 32-bit read of the register at @off (16-byte aligned).  Return: 0,
 * or -1 for a register the mode does not have (x2APIC: #GP; xAPIC: the
 * caller reads 0).  TMCCT reads 0 here: the caller has the time.
 */
int lapic_read(const struct lapic *a, unsigned int off, __u32 *val);

/*
 * A 32-bit write of the register at @off, as kvm_lapic_reg_write() in
 * the current mode.  Return: LAPIC_W_* flags for the caller to act on,
 * or -1 for a register the mode cannot write (x2APIC: #GP; xAPIC: the
 * write is dropped).  The x2APIC ICR is lapic_write_icr().
 */
int lapic_write(struct lapic *a, unsigned int off, __u32 val);

/* The 64-bit ICR (x2APIC MSR 0x830, or ICR2:ICR).  Return: LAPIC_W_IPI. */
int lapic_write_icr(struct lapic *a, __u64 val);

/* What the ICR holds, as an IPI, decoded for the current mode. */
void lapic_icr(const struct lapic *a, struct lapic_ipi *ipi);

/*
 * Does the IPI's destination (ignoring the shorthand) name this APIC?
 * Physical: its ID, or the broadcast ID (0xff, x2APIC 0xffffffff).
 * Logical: flat or cluster DFR in xAPIC mode, cluster in x2APIC mode.
 */
bool lapic_match_dest(const struct lapic *a, __u32 dest, bool logical);

/* Does @ipi, sent by @self or not, go to this APIC, shorthand included? */
bool lapic_ipi_targets(const struct lapic *a, const struct lapic_ipi *ipi, bool self);

/*
 * Accept a fixed interrupt: set @vector in IRR, and in TMR when @level.
 * Return: false when the vector was pending already (coalesced).
 */
bool lapic_accept(struct lapic *a, __u8 vector, bool level);

/* The processor priority (PPR), from TPR and the highest vector in service. */
__u32 lapic_ppr(const struct lapic *a);

/*
 * The vector the CPU would take next: the highest in IRR whose priority
 * class is above PPR's.  Return: the vector, or -1.
 */
int lapic_pending(const struct lapic *a);

/* Take lapic_pending()'s vector: IRR to ISR.  Return: the vector, or -1. */
int lapic_ack(struct lapic *a);

/* Give back an acknowledged @vector that was never delivered: ISR to IRR. */
void lapic_unack(struct lapic *a, __u8 vector);

/* The timer: its LVTT mode (LAPIC_TIMER_*), and TDCR's divisor, 1 to 128. */
__u32 lapic_timer_mode(const struct lapic *a);
__u32 lapic_timer_divisor(const struct lapic *a);

/* Mode 2 only: KVM takes the reserved mode 3 for one-shot or periodic, not a deadline. */
static inline bool lapic_mode_is_deadline(__u32 mode)
{
	return mode == LAPIC_TIMER_TSCDEADLINE;
}

/*
 * The timer ran out: the LVTT's vector goes to IRR unless it is masked.
 * Return: true when it was.
 */
bool lapic_timer_fire(struct lapic *a);

/*
 * KVM_GET_LAPIC and KVM_SET_LAPIC's register page, as KVM's
 * kvm_apic_state_fixup() without KVM_X2APIC_API_USE_32BIT_IDS: in x2APIC
 * mode the ID is shifted to bits 31:24 and ICR's high half is in ICR2.
 * lapic_set_state keeps the base and derives LDR (x2APIC) and PPR.
 */
void lapic_get_state(const struct lapic *a, __u8 *state);
void lapic_set_state(struct lapic *a, const __u8 *state);

#endif /* KVMINI_LAPIC_LAPIC_H */
