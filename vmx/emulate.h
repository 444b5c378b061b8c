/* SPDX-License-Identifier: GPL-2.0 */
/* MMIO through the instruction emulator (emulate.c, emul/). */
#ifndef KVMINI_VMX_EMULATE_H
#define KVMINI_VMX_EMULATE_H

#include <linux/types.h>

/* Enough for two 16-byte operands that each straddle a page. */
#define EMU_MAX_PIECES	8

/* One MMIO access of at most 8 bytes, the most struct kvm_run carries. */
struct emu_piece {
	u64 gpa;
	u8 len;
	u8 data[8];
};

/* An emulated instruction across exits to userspace. */
struct emu_state {
	unsigned long linear_rip;	/* of the instruction a read waits for */
	u8 nreads;			/* reads asked for, the last one pending */
	u8 nwrites, next_write;		/* writes to hand out, in order */
	struct emu_piece reads[EMU_MAX_PIECES];
	struct emu_piece writes[EMU_MAX_PIECES];
};

struct kvmini_vcpu;
int vmx_emulate_mmio(struct kvmini_vcpu *vcpu);
int vmx_complete_mmio(struct kvmini_vcpu *vcpu);
int vmx_complete_mmio_write(struct kvmini_vcpu *vcpu);
bool vmx_emulate_store(struct kvmini_vcpu *vcpu, unsigned long gla, const void *data,
		       unsigned int len, int *ret);
int vmx_emulate_hand_out(struct kvmini_vcpu *vcpu);

#endif /* KVMINI_VMX_EMULATE_H */
