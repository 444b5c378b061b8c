/* SPDX-License-Identifier: GPL-2.0 */
/* Segment loads for the instruction emulator (segment.c). */
#ifndef KVMINI_VMX_SEGMENT_H
#define KVMINI_VMX_SEGMENT_H

#include <linux/types.h>

struct kvmini_vcpu;
struct emu_ctxt;

int vmx_load_segment(struct kvmini_vcpu *vcpu, struct emu_ctxt *c, unsigned int seg, u16 sel);

#endif /* KVMINI_VMX_SEGMENT_H */
