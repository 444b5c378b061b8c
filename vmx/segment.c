// SPDX-License-Identifier: GPL-2.0
/*
 * Loading a segment register for the instruction emulator, as the CPU
 * does for MOV to a segment register, LTR and a far JMP (SDM Vol. 2,
 * those instructions' "Operation", and Vol. 3A 5.5-5.8): the descriptor
 * from the GDT or LDT, the privilege and type checks with their faults,
 * the accessed (or TSS busy) bit set in the table, and the register's
 * VMCS fields.  KVM's __load_segment_descriptor() in miniature: no
 * gates, no task switches.
 */
#include <linux/kvm.h>
#include <asm/trapnr.h>

#include "emulate.h"
#include "exits.h"
#include "guest_mem.h"
#include "segment.h"
#include "vcpu.h"
#include "vmcs.h"
#include "../emul/emul.h"

#define NP_VECTOR	11
#define SS_VECTOR	12
#define GP_VECTOR	13

#define DESC_S		BIT_ULL(44)
#define DESC_P		BIT_ULL(47)
#define DESC_L		BIT_ULL(53)
#define DESC_DB		BIT_ULL(54)
#define DESC_TYPE(d)	(((d) >> 40) & 0xf)
#define DESC_DPL(d)	(((d) >> 45) & 3)
#define TYPE_CODE	BIT(3)
#define TYPE_CONFORMING	BIT(2)	/* code */
#define TYPE_RW		BIT(1)	/* readable code, writable data */
#define TYPE_ACCESSED	BIT(0)
#define TYPE_TSS_AVAIL	9
#define TYPE_TSS_BUSY	11
#define AR_UNUSABLE	BIT(16)

static int fault(struct emu_ctxt *c, u8 vector, u16 sel)
{
	return emu_fault(c, vector, true, sel & 0xfffc);
}

/*
 * Eight bytes of a descriptor table, an implicit supervisor access
 * whatever the CPL (SDM Vol. 3A 4.6): a page the walk refuses is the
 * guest's #PF.
 */
static int desc_rw(struct kvmini_vcpu *vcpu, struct emu_ctxt *c, unsigned long where,
		   u64 *desc, bool write)
{
	struct guest_pf pf;
	int err = write ? guest_linear_write(vcpu, where, desc, 8, EMU_ACC_IMPLICIT, &pf) :
			  guest_linear_read(vcpu, where, desc, 8, EMU_ACC_IMPLICIT, &pf);

	if (err == -ENOENT) {
		c->fault = (struct emu_fault){
			.vector = X86_TRAP_PF, .has_code = true, .addr = pf.addr, .code = pf.code,
		};
		return EMU_FAULT;
	}
	return err ? EMU_UNHANDLED : EMU_DONE;
}

/* The descriptor @sel names, and where it is, or a #GP(selector). */
static int read_desc(struct kvmini_vcpu *vcpu, struct emu_ctxt *c, u16 sel, u64 *desc,
		     unsigned long *where)
{
	unsigned long base = vmcs_readl(GUEST_GDTR_BASE);
	u32 limit = vmcs_read32(GUEST_GDTR_LIMIT);

	if (sel & 4) {
		if (vmcs_read32(GUEST_LDTR_AR_BYTES) & AR_UNUSABLE)
			return fault(c, GP_VECTOR, sel);
		base = vmcs_readl(GUEST_LDTR_BASE);
		limit = vmcs_read32(GUEST_LDTR_LIMIT);
	}
	if ((sel | 7) > limit)
		return fault(c, GP_VECTOR, sel);
	*where = base + (sel & ~7);
	if (!c->long64)
		*where = (u32)*where;
	return desc_rw(vcpu, c, *where, desc, false);
}

static void write_seg(unsigned int seg, u16 sel, u64 base, u64 desc)
{
	u32 limit = (desc & 0xffff) | ((desc >> 32) & 0xf0000);

	if (desc & BIT_ULL(55))
		limit = (limit << 12) | 0xfff;
	vmcs_write16(GUEST_ES_SELECTOR + 2 * seg, sel);
	vmcs_writel(GUEST_ES_BASE + 2 * seg, base);
	vmcs_write32(GUEST_ES_LIMIT + 2 * seg, limit);
	vmcs_write32(GUEST_ES_AR_BYTES + 2 * seg, (desc >> 40) & 0xf0ff);
}

static u64 desc_base(u64 desc)
{
	return ((desc >> 16) & 0xffffff) | ((desc >> 32) & 0xff000000);
}

/* A null selector: allowed in DS, ES, FS, GS, and in SS only in 64-bit mode below CPL 3. */
static int load_null(struct emu_ctxt *c, unsigned int seg, u16 sel)
{
	if (seg == SEG_CS || seg == EMU_SEG_TR ||
	    (seg == SEG_SS && (!c->long64 || c->cpl == 3 || (sel & 3) != c->cpl)))
		return emu_fault(c, GP_VECTOR, true, 0);
	/* Unusable, keeping SS.DPL, which is the CPL to VMX. */
	vmcs_write16(GUEST_ES_SELECTOR + 2 * seg, sel);
	vmcs_write32(GUEST_ES_AR_BYTES + 2 * seg,
		     AR_UNUSABLE | (seg == SEG_SS ? c->cpl << 5 : 0));
	return EMU_DONE;
}

static int check_data(struct emu_ctxt *c, unsigned int seg, u16 sel, u64 desc)
{
	unsigned int type = DESC_TYPE(desc), dpl = DESC_DPL(desc), rpl = sel & 3;

	if (!(desc & DESC_S))
		return fault(c, GP_VECTOR, sel);
	if (seg == SEG_SS) {
		if ((type & TYPE_CODE) || !(type & TYPE_RW) || rpl != c->cpl || dpl != c->cpl)
			return fault(c, GP_VECTOR, sel);
		return (desc & DESC_P) ? EMU_DONE : fault(c, SS_VECTOR, sel);
	}
	if ((type & TYPE_CODE) && !(type & TYPE_RW))
		return fault(c, GP_VECTOR, sel);
	if ((!(type & TYPE_CODE) || !(type & TYPE_CONFORMING)) && (dpl < c->cpl || dpl < rpl))
		return fault(c, GP_VECTOR, sel);
	return (desc & DESC_P) ? EMU_DONE : fault(c, NP_VECTOR, sel);
}

static int check_code(struct emu_ctxt *c, u16 sel, u64 desc)
{
	unsigned int type = DESC_TYPE(desc), dpl = DESC_DPL(desc);

	if (!(desc & DESC_S))
		return EMU_UNHANDLED;		/* a gate or a TSS: a task switch */
	if (!(type & TYPE_CODE))
		return fault(c, GP_VECTOR, sel);
	if ((type & TYPE_CONFORMING) ? dpl > c->cpl : ((sel & 3) > c->cpl || dpl != c->cpl))
		return fault(c, GP_VECTOR, sel);
	/* L and D together are reserved in IA-32e mode; VM entry refuses them too. */
	if ((vmcs_read64(GUEST_IA32_EFER) & EFER_LMA) && (desc & DESC_L) && (desc & DESC_DB))
		return fault(c, GP_VECTOR, sel);
	return (desc & DESC_P) ? EMU_DONE : fault(c, NP_VECTOR, sel);
}

static int load_tr(struct kvmini_vcpu *vcpu, struct emu_ctxt *c, u16 sel, u64 desc,
		   unsigned long where)
{
	u64 base = desc_base(desc), high = 0;
	int r;

	if (c->cpl)
		return emu_fault(c, GP_VECTOR, true, 0);
	if (sel & 4 || (desc & DESC_S) || DESC_TYPE(desc) != TYPE_TSS_AVAIL)
		return fault(c, GP_VECTOR, sel);
	if (!(desc & DESC_P))
		return fault(c, NP_VECTOR, sel);
	/* In long mode a TSS descriptor is 16 bytes: the base's upper half follows. */
	if (c->long64 || (vmcs_read64(GUEST_IA32_EFER) & EFER_LMA)) {
		if ((sel | 15) > vmcs_read32(GUEST_GDTR_LIMIT))
			return fault(c, GP_VECTOR, sel);
		r = desc_rw(vcpu, c, where + 8, &high, false);
		if (r)
			return r;
		base |= (u64)(u32)high << 32;
		/* A non-canonical base is a #GP for LTR, and a failed VM entry otherwise. */
		if (!emu_canonical(base))
			return fault(c, GP_VECTOR, sel);
	}
	desc |= (u64)(TYPE_TSS_BUSY ^ TYPE_TSS_AVAIL) << 40;
	r = desc_rw(vcpu, c, where, &desc, true);
	if (r)
		return r;
	write_seg(EMU_SEG_TR, sel, base, desc);
	return EMU_DONE;
}

/**
 * vmx_load_segment - load @seg from @sel for an emulated instruction
 * @vcpu: the vCPU, loaded
 * @c: the emulator's context: mode and CPL, and where a fault goes
 * @seg: SEG_ES..SEG_GS, or EMU_SEG_TR
 * @sel: the selector
 *
 * The last step of the instructions that call it: it writes the VMCS
 * only once every check has passed.
 * Return: EMU_DONE, EMU_FAULT with c->fault set, or EMU_UNHANDLED.
 */
int vmx_load_segment(struct kvmini_vcpu *vcpu, struct emu_ctxt *c, unsigned int seg, u16 sel)
{
	unsigned long where;
	u64 desc;
	int r;

	if (!(sel & ~3))
		return load_null(c, seg, sel);
	r = read_desc(vcpu, c, sel, &desc, &where);
	if (r)
		return r;
	if (seg == EMU_SEG_TR)
		return load_tr(vcpu, c, sel, desc, where);
	r = seg == SEG_CS ? check_code(c, sel, desc) : check_data(c, seg, sel, desc);
	if (r)
		return r;
	if (!(DESC_TYPE(desc) & TYPE_ACCESSED)) {
		desc |= (u64)TYPE_ACCESSED << 40;
		r = desc_rw(vcpu, c, where, &desc, true);
		if (r)
			return r;
	}
	/* A far JMP keeps the CPL: CS.RPL becomes it. */
	if (seg == SEG_CS)
		sel = (sel & ~3) | c->cpl;
	write_seg(seg, sel, desc_base(desc), desc);
	return EMU_DONE;
}
