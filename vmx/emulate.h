/* SPDX-License-Identifier: GPL-2.0 */
/* The MMIO instruction decoder (emulate.c). */
#ifndef KVMINI_VMX_EMULATE_H
#define KVMINI_VMX_EMULATE_H

#ifdef __KERNEL__
#include <linux/types.h>
#endif

struct mmio_insn {
	unsigned int len;		/* of the whole instruction */
	unsigned int size;		/* bytes moved to or from memory */
	unsigned int dst_size;		/* register bytes written by a read */
	bool write;			/* to memory */
	bool has_imm;
	bool sign_extend;		/* MOVSX */
	bool high_byte;			/* AH, CH, DH or BH */
	int reg;			/* x86 register number */
	u64 imm;
};

int mmio_decode(const u8 *b, unsigned int avail, bool lma, u32 cs_ar, struct mmio_insn *m);

struct kvmini_vcpu;
int vmx_emulate_mmio(struct kvmini_vcpu *vcpu, u64 gpa);

#endif /* KVMINI_VMX_EMULATE_H */
