// SPDX-License-Identifier: GPL-2.0
/*
 * Interprocessor interrupts between the vCPUs of a VM, sent by a write
 * of the ICR (SDM Vol. 3A 10.6): fixed and lowest-priority interrupts go
 * to the targets' IRR; INIT and SIPI wait in the target's events for its
 * own thread, which resets the vCPU or starts it (vlapic_accept_events),
 * as KVM's kvm_apic_accept_events(); an NMI waits in the target's vCPU
 * for the guest to be able to take it (vmx/events.c).  SMI and ExtINT
 * are not delivered (docs/api.md).
 */
#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/kvm.h>

#include "vlapic.h"
#include "../vmx/events.h"
#include "../vmx/halt.h"
#include "../vmx/hypercall.h"
#include "../vmx/vcpu.h"
#include "../vm/vm.h"

static void deliver(struct kvmini_vcpu *dst, const struct lapic_ipi *ipi)
{
	struct kvmini_lapic *apic = dst->apic;

	switch (ipi->mode) {
	case LAPIC_DM_FIXED:
	case LAPIC_DM_LOWEST:
		/* A level-triggered de-assert carries no interrupt. */
		if (ipi->level && !ipi->assert)
			return;
		vlapic_accept(dst, ipi->vector, ipi->level);
		return;
	case LAPIC_DM_INIT:
		/* INIT level de-assert only synchronises arbitration IDs. */
		if (ipi->level && !ipi->assert)
			return;
		/* A new INIT drops a SIPI that has not been taken yet, as KVM. */
		clear_bit(VLAPIC_EV_SIPI, &apic->events);
		set_bit(VLAPIC_EV_INIT, &apic->events);
		vmx_vcpu_kick(dst);
		return;
	case LAPIC_DM_SIPI:
		vlapic_set_sipi(dst, ipi->vector);
		return;
	case LAPIC_DM_NMI:
		vmx_queue_nmi(dst);
		return;
	default:
		return;
	}
}

/* The vector, published before the event that says it is there. */
void vlapic_set_sipi(struct kvmini_vcpu *vcpu, u8 vector)
{
	WRITE_ONCE(vcpu->apic->sipi_vector, vector);
	/* Pairs with vlapic_accept_events(): the vector is there before the bit. */
	smp_mb__before_atomic();
	set_bit(VLAPIC_EV_SIPI, &vcpu->apic->events);
	vmx_vcpu_kick(vcpu);
}

/*
 * Is @dst a target, and (lowest priority) may it take the interrupt:
 * a software-disabled APIC takes part in no arbitration.
 */
static bool is_target(struct kvmini_vcpu *dst, const struct lapic_ipi *ipi, bool self)
{
	struct kvmini_lapic *apic = dst->apic;
	unsigned long flags;
	bool hit;

	raw_spin_lock_irqsave(&apic->lock, flags);
	hit = lapic_hw_enabled(&apic->m) && lapic_ipi_targets(&apic->m, ipi, self) &&
	      (ipi->mode != LAPIC_DM_LOWEST || lapic_sw_enabled(&apic->m));
	raw_spin_unlock_irqrestore(&apic->lock, flags);
	return hit;
}

/**
 * vlapic_send_ipi - send what @src's ICR says
 * @src: the sender, in its own thread
 *
 * The targets' locks are taken one at a time, never with the sender's.
 * Lowest priority picks one target by the vector, as KVM does by default
 * (vector hashing): the vector modulo the number of targets.
 */
void vlapic_send_ipi(struct kvmini_vcpu *src)
{
	struct kvmini_vm *vm = src->vm;
	/* Pairs with kvmini_vcpu_create()'s release: every counted slot is set. */
	unsigned int n = smp_load_acquire(&vm->nr_vcpus), i, nr_lowest = 0, pick;
	struct kvmini_vcpu *lowest[KVMINI_MAX_VCPUS];
	struct lapic_ipi ipi;
	unsigned long flags;

	raw_spin_lock_irqsave(&src->apic->lock, flags);
	lapic_icr(&src->apic->m, &ipi);
	raw_spin_unlock_irqrestore(&src->apic->lock, flags);

	for (i = 0; i < n; i++) {
		struct kvmini_vcpu *dst = vm->vcpus[i];

		if (!dst->apic || !is_target(dst, &ipi, dst == src))
			continue;
		if (ipi.mode == LAPIC_DM_LOWEST)
			lowest[nr_lowest++] = dst;
		else
			deliver(dst, &ipi);
	}
	if (nr_lowest) {
		pick = ipi.vector % nr_lowest;
		deliver(lowest[pick], &ipi);
	}
}

/* The vCPU whose APIC has physical ID @id and is on (hardware-enabled), or NULL. */
static struct kvmini_vcpu *by_apic_id(struct kvmini_vm *vm, unsigned int n, u32 id)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct kvmini_lapic *apic = vm->vcpus[i]->apic;
		unsigned long flags;
		bool hit;

		if (!apic)
			continue;
		raw_spin_lock_irqsave(&apic->lock, flags);
		hit = lapic_hw_enabled(&apic->m) && lapic_id(&apic->m) == id;
		raw_spin_unlock_irqrestore(&apic->lock, flags);
		if (hit)
			return vm->vcpus[i];
	}
	return NULL;
}

/**
 * vlapic_pv_send_ipi - KVM_HC_SEND_IPI, KVM's paravirtual IPI to many vCPUs
 * @src: the caller
 * @bitmap: two words: bit i of the first names APIC ID @min + i, of the
 *          second @min + @cluster + i
 * @min: the first APIC ID
 * @cluster: the bits of each word (64, or 32 outside 64-bit mode)
 * @icr: the ICR's low half: vector, delivery mode, level and trigger
 *
 * As KVM's kvm_pv_send_ipi(): no destination mode or shorthand, physical
 * IDs only, each delivered as the ICR would deliver it.
 *
 * Return: the number of vCPUs it went to, or -KVMINI_HC_EINVAL.
 */
long vlapic_pv_send_ipi(struct kvmini_vcpu *src, const unsigned long *bitmap, u32 min,
			unsigned int cluster, u32 icr)
{
	struct kvmini_vm *vm = src->vm;
	/* Pairs with kvmini_vcpu_create()'s release: every counted slot is set. */
	unsigned int n = smp_load_acquire(&vm->nr_vcpus), w, bit;
	struct lapic_ipi ipi = {
		.vector = icr & LAPIC_VECTOR_MASK,
		.mode = icr & LAPIC_DM_MASK,
		.level = icr & LAPIC_ICR_LEVEL,
		.assert = icr & LAPIC_ICR_ASSERT,
	};
	long count = 0;

	if (icr & (LAPIC_ICR_LOGICAL | LAPIC_SHORT_MASK))
		return -KVMINI_HC_EINVAL;
	for (w = 0; w < 2; w++) {
		for_each_set_bit(bit, &bitmap[w], cluster) {
			u64 id = (u64)min + w * cluster + bit;
			struct kvmini_vcpu *dst = id > U32_MAX ? NULL : by_apic_id(vm, n, id);

			if (dst) {
				deliver(dst, &ipi);
				count++;
			}
		}
	}
	return count;
}

bool vlapic_events_pending(struct kvmini_vcpu *vcpu)
{
	return READ_ONCE(vcpu->apic->events);
}

/* KVM_GET/SET_VCPU_EVENTS' smi.latched_init: an INIT not taken yet. */
bool vlapic_init_latched(struct kvmini_vcpu *vcpu)
{
	return test_bit(VLAPIC_EV_INIT, &vcpu->apic->events);
}

void vlapic_latch_init(struct kvmini_vcpu *vcpu, bool latched)
{
	if (latched)
		set_bit(VLAPIC_EV_INIT, &vcpu->apic->events);
	else
		clear_bit(VLAPIC_EV_INIT, &vcpu->apic->events);
}

/**
 * vlapic_accept_events - take a pending INIT or SIPI
 * @vcpu: the vCPU, in its own thread, its VMCS loaded
 *
 * INIT resets the vCPU and its APIC (not the base): the BSP runs on from
 * the reset vector, an AP waits for a SIPI.  A SIPI starts a waiting AP
 * at vector << 12; in any other state it is dropped.
 *
 * Return: true when the vCPU's state changed.
 */
bool vlapic_accept_events(struct kvmini_vcpu *vcpu)
{
	struct kvmini_lapic *apic = vcpu->apic;
	bool changed = false;

	if (test_and_clear_bit(VLAPIC_EV_INIT, &apic->events)) {
		vmx_vcpu_init_signal(vcpu);
		vcpu->mp_state = vlapic_base(vcpu) & LAPIC_BASE_BSP ? KVM_MP_STATE_RUNNABLE :
				 KVM_MP_STATE_INIT_RECEIVED;
		changed = true;
	}
	if (test_and_clear_bit(VLAPIC_EV_SIPI, &apic->events) &&
	    vcpu->mp_state == KVM_MP_STATE_INIT_RECEIVED) {
		/* Pairs with vlapic_set_sipi(): the bit was set after the vector. */
		smp_mb__after_atomic();
		vmx_vcpu_sipi(vcpu, READ_ONCE(apic->sipi_vector));
		vcpu->mp_state = KVM_MP_STATE_RUNNABLE;
		changed = true;
	}
	return changed;
}
