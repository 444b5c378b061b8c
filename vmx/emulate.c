// SPDX-License-Identifier: GPL-2.0
/*
 * MMIO: an instruction that touched a guest-physical address with no RAM
 * behind it (or wrote to a read-only slot) is carried out here by the
 * instruction emulator (emul/), as KVM's x86_emulate_instruction() does.
 * This file is the emulator's view of the vCPU: registers from and back
 * to the VMCS, guest memory through the guest's page tables, and MMIO
 * through the in-kernel APIC or KVM_EXIT_MMIO.
 *
 * A read userspace must answer ends the exit with KVM_EXIT_MMIO; the
 * next KVM_RUN keeps the answer in the kernel and runs the instruction
 * again from its first byte, now served from what userspace answered
 * (KVM's read cache).  Writes are collected while it runs and go out
 * when it is done: to RAM at once, to userspace one KVM_EXIT_MMIO of at
 * most 8 bytes each.  Anything the emulator does not carry out stops the
 * vCPU with KVM_EXIT_INTERNAL_ERROR (KVM_INTERNAL_ERROR_EMULATION).
 */
#include <linux/kvm.h>
#include <linux/mm.h>

#include "emulate.h"
#include "exits.h"
#include "fpu.h"
#include "guest_mem.h"
#include "segment.h"
#include "vcpu.h"
#include "vmcs.h"
#include "vmx.h"
#include "../emul/emul.h"
#include "../lapic/vlapic.h"

#define PF_VECTOR	14

/* One run of the emulator over the vCPU: what it has read and would write. */
struct emu_glue {
	struct emu_ctxt c;
	struct kvmini_vcpu *vcpu;
	unsigned int next_read;		/* of vcpu->emu.reads, in order */
	unsigned int nwrites;
	struct emu_piece writes[EMU_MAX_PIECES];
	bool write_ram[EMU_MAX_PIECES];
	const char *error;		/* why EMU_UNHANDLED, if not the instruction */
};

static int translate(struct emu_glue *g, u64 gla, bool write, u64 *gpa)
{
	u32 access = (write ? EMU_PF_WRITE : 0) | (g->c.cpl == 3 ? EMU_PF_USER : 0);
	u32 code;
	int err = guest_linear_to_phys(g->vcpu, gla, access, gpa, &code);

	if (err == -ENOENT) {
		g->c.fault = (struct emu_fault){
			.vector = PF_VECTOR, .has_code = true, .addr = gla, .code = code,
		};
		return EMU_FAULT;
	}
	if (err) {
		g->error = "guest page tables outside guest RAM";
		return EMU_UNHANDLED;
	}
	return EMU_DONE;
}

/* A piece of at most 8 bytes within one page, from the APIC or userspace. */
static int mmio_read(struct emu_glue *g, u64 gpa, u8 *buf, unsigned int len)
{
	struct kvmini_vcpu *vcpu = g->vcpu;
	struct emu_state *emu = &vcpu->emu;
	struct emu_piece *p;
	u64 val = 0;

	if (vcpu->apic && vlapic_mmio(vcpu, gpa, len, false, &val)) {
		memcpy(buf, &val, len);
		return EMU_DONE;
	}
	if (g->next_read >= EMU_MAX_PIECES) {
		g->error = "too many MMIO reads for one instruction";
		return EMU_UNHANDLED;
	}
	p = &emu->reads[g->next_read++];
	if (g->next_read > emu->nreads) {
		emu->nreads = g->next_read;
		p->gpa = gpa;
		p->len = len;
		return EMU_IO;
	}
	if (p->gpa != gpa || p->len != len) {
		g->error = "the instruction's MMIO reads changed while userspace answered them";
		return EMU_UNHANDLED;
	}
	memcpy(buf, p->data, len);
	return EMU_DONE;
}

static int glue_read(struct emu_ctxt *c, u64 gla, void *buf, unsigned int len, bool stack)
{
	struct emu_glue *g = container_of(c, struct emu_glue, c);
	u8 *out = buf;

	while (len) {
		unsigned int n = min_t(unsigned int, len, PAGE_SIZE - offset_in_page(gla));
		unsigned int done;
		u64 gpa;
		int r = translate(g, gla, false, &gpa);

		if (r)
			return r;
		if (guest_phys_is_ram(g->vcpu, gpa, false)) {
			if (guest_phys_read(g->vcpu, gpa, out, n)) {
				g->error = "guest RAM the VMM cannot read";
				return EMU_UNHANDLED;
			}
		} else {
			for (done = 0; done < n; done += 8) {
				r = mmio_read(g, gpa + done, out + done, min(n - done, 8U));
				if (r)
					return r;
			}
		}
		gla += n;
		out += n;
		len -= n;
	}
	return EMU_DONE;
}

/* Writes are kept, page and 8-byte pieces, until the instruction is done. */
static int glue_write(struct emu_ctxt *c, u64 gla, const void *buf, unsigned int len,
		      bool stack)
{
	struct emu_glue *g = container_of(c, struct emu_glue, c);
	const u8 *in = buf;

	while (len) {
		unsigned int n = min3(len, 8U, (unsigned int)(PAGE_SIZE - offset_in_page(gla)));
		struct emu_piece *p;
		u64 gpa;
		int r = translate(g, gla, true, &gpa);

		if (r)
			return r;
		if (g->nwrites >= EMU_MAX_PIECES) {
			g->error = "too many writes for one instruction";
			return EMU_UNHANDLED;
		}
		g->write_ram[g->nwrites] = guest_phys_is_ram(g->vcpu, gpa, true);
		p = &g->writes[g->nwrites++];
		p->gpa = gpa;
		p->len = n;
		memcpy(p->data, in, n);
		gla += n;
		in += n;
		len -= n;
	}
	return EMU_DONE;
}

static void glue_get_vec(struct emu_ctxt *c, unsigned int reg, bool mmx, void *buf)
{
	vmx_guest_vec_read(reg, mmx, buf);
}

static int glue_load_seg(struct emu_ctxt *c, unsigned int seg, u16 sel)
{
	struct emu_glue *g = container_of(c, struct emu_glue, c);
	int r = vmx_load_segment(g->vcpu, c, seg, sel);

	if (r == EMU_UNHANDLED)
		g->error = "a descriptor table outside guest RAM";
	return r;
}

static const struct emu_ops glue_ops = {
	.read = glue_read,
	.write = glue_write,
	.get_vec = glue_get_vec,
	.load_seg = glue_load_seg,
};

static void load_context(struct kvmini_vcpu *vcpu, struct emu_ctxt *c)
{
	u32 cs_ar = vmcs_read32(GUEST_CS_AR_BYTES);
	int i;

	c->ops = &glue_ops;
	for (i = 0; i < NR_GPRS; i++)
		c->regs[i] = vcpu_read_gpr(vcpu, i);
	c->rip = vmcs_readl(GUEST_RIP);
	c->rflags = vmcs_readl(GUEST_RFLAGS);
	for (i = 0; i < NR_EMU_SEGS; i++) {
		c->seg_base[i] = vmcs_readl(GUEST_ES_BASE + 2 * i);
		c->seg_sel[i] = vmcs_read16(GUEST_ES_SELECTOR + 2 * i);
	}
	c->cr0 = vcpu_cr0();
	c->long64 = vmx_guest_64bit_code();
	c->code32 = (vmcs_readl(GUEST_CR0) & X86_CR0_PE) && (cs_ar & BIT(14));
	c->stack32 = (vmcs_readl(GUEST_CR0) & X86_CR0_PE) &&
		     (vmcs_read32(GUEST_SS_AR_BYTES) & BIT(14));
	c->cpl = vmx_guest_cpl();
}

/*
 * Up to 15 bytes at RIP, fewer where the page after RIP's cannot be
 * read.  -ENOENT: the guest's tables refuse the fetch now (another vCPU
 * changed them since the CPU fetched it), a #PF described in @pf.
 */
static int fetch(struct kvmini_vcpu *vcpu, u8 *b, unsigned int *avail, struct guest_pf *pf)
{
	unsigned long gla = vmx_guest_linear_rip();
	u32 access = EMU_PF_FETCH | guest_cpl_access();
	int err;

	*avail = EMU_MAX_INSN;
	err = guest_linear_read(vcpu, gla, b, *avail, access, pf);
	if (err && PAGE_SIZE - offset_in_page(gla) < EMU_MAX_INSN) {
		*avail = PAGE_SIZE - offset_in_page(gla);
		err = guest_linear_read(vcpu, gla, b, *avail, access, pf);
	}
	return err;
}

/* One piece to userspace; the data of a write is the kernel's copy. */
static int mmio_exit(struct kvmini_vcpu *vcpu, const struct emu_piece *p, bool write)
{
	struct kvm_run *run = vcpu->run;

	vcpu->stats.mmio_exits++;
	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = p->gpa;
	run->mmio.len = p->len;
	run->mmio.is_write = write;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	if (write)
		memcpy(run->mmio.data, p->data, p->len);
	vcpu->pending = write ? PENDING_MMIO_WRITE : PENDING_MMIO;
	return 0;
}

static int mmio_write_exit(struct kvmini_vcpu *vcpu)
{
	return mmio_exit(vcpu, &vcpu->emu.writes[vcpu->emu.next_write++], true);
}

static int mmio_read_exit(struct kvmini_vcpu *vcpu)
{
	return mmio_exit(vcpu, &vcpu->emu.reads[vcpu->emu.nreads - 1], false);
}

/*
 * Writes go out in the order the instruction made them: RAM at once (the
 * only ones that can still fail, so they go first), the APIC's in the
 * kernel, the rest kept for userspace, a KVM_EXIT_MMIO each.
 */
static int stage_writes(struct emu_glue *g)
{
	struct kvmini_vcpu *vcpu = g->vcpu;
	struct emu_state *emu = &vcpu->emu;
	unsigned int i;

	for (i = 0; i < g->nwrites; i++)
		if (g->write_ram[i] &&
		    guest_phys_write(vcpu, g->writes[i].gpa, g->writes[i].data, g->writes[i].len))
			return -EFAULT;
	emu->nwrites = 0;
	emu->next_write = 0;
	for (i = 0; i < g->nwrites; i++) {
		u64 val = 0;

		if (g->write_ram[i])
			continue;
		memcpy(&val, g->writes[i].data, g->writes[i].len);
		if (vcpu->apic &&
		    vlapic_mmio(vcpu, g->writes[i].gpa, g->writes[i].len, true, &val))
			continue;
		emu->writes[emu->nwrites++] = g->writes[i];
	}
	return 0;
}

/* After stage_writes(): the first write for userspace, if there is one. */
static int hand_out_writes(struct kvmini_vcpu *vcpu)
{
	return vcpu->emu.nwrites ? mmio_write_exit(vcpu) : 1;
}

/* The instruction is done (or one element of a REP): memory, then registers. */
static int commit(struct emu_glue *g, bool done)
{
	struct kvmini_vcpu *vcpu = g->vcpu;
	unsigned long rflags = vmcs_readl(GUEST_RFLAGS);
	unsigned int i;

	if (stage_writes(g))
		return vmx_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION,
					  "guest RAM the VMM cannot write");
	for (i = 0; i < NR_GPRS; i++)
		vcpu_write_gpr(vcpu, i, g->c.regs[i]);
	vmcs_writel(GUEST_RFLAGS, (rflags & ~EFL_ARITH) | (g->c.rflags & EFL_ARITH));
	if (g->c.vec_load)
		vmx_guest_vec_write(g->c.vec_reg, g->c.vec_mmx, g->c.vec);
	if (done) {
		vmcs_writel(GUEST_RIP, g->c.rip);
		vcpu->exit_instr_len = 0;
		if (g->c.mov_ss)
			vmx_skip_instruction_mov_ss(vcpu);
		else
			vmx_skip_instruction(vcpu);
	}
	return hand_out_writes(vcpu);
}

static void inject_fault(struct kvmini_vcpu *vcpu, const struct emu_fault *f)
{
	if (f->vector == PF_VECTOR)
		vmx_inject_page_fault(vcpu, f->addr, f->code);
	else
		vmx_inject_exception(vcpu, f->vector, f->has_code, f->code);
}

/**
 * vmx_emulate_store - store what a string IN read to guest memory that may be MMIO
 * @vcpu: the vCPU, loaded
 * @gla: where, a guest linear address
 * @data: the bytes
 * @len: how many
 *
 * @ret: if not stored, what the exit handler returns: 1 with a fault
 *	injected, 0 with KVM_EXIT_INTERNAL_ERROR filled in
 *
 * RAM is written at once; MMIO is kept for vmx_emulate_hand_out().
 * Return: whether it was stored.
 */
bool vmx_emulate_store(struct kvmini_vcpu *vcpu, unsigned long gla, const void *data,
		       unsigned int len, int *ret)
{
	struct emu_glue g = { .vcpu = vcpu, .c.cpl = vmx_guest_cpl() };
	int r = glue_write(&g.c, gla, data, len, false);

	if (r == EMU_FAULT)
		inject_fault(vcpu, &g.c.fault);
	if (r == EMU_DONE && stage_writes(&g))
		r = EMU_UNHANDLED;
	if (r == EMU_UNHANDLED)
		*ret = vmx_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION,
					  "INS to memory that is neither RAM nor MMIO");
	else
		*ret = 1;
	return r == EMU_DONE;
}

int vmx_emulate_hand_out(struct kvmini_vcpu *vcpu)
{
	return hand_out_writes(vcpu);
}

static int emulate(struct kvmini_vcpu *vcpu)
{
	struct emu_glue g = { .vcpu = vcpu };
	struct guest_pf pf;
	unsigned int avail;
	u8 b[EMU_MAX_INSN];
	int r;

	r = fetch(vcpu, b, &avail, &pf);
	if (r == -ENOENT) {
		vmx_inject_page_fault(vcpu, pf.addr, pf.code);
		return 1;
	}
	if (r)
		return vmx_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION,
					  "cannot fetch the instruction that touched MMIO");
	load_context(vcpu, &g.c);
	r = emu_run(&g.c, b, avail);
	switch (r) {
	case EMU_DONE:
	case EMU_AGAIN:
		return commit(&g, r == EMU_DONE);
	case EMU_IO:
		vcpu->emu.linear_rip = vmx_guest_linear_rip();
		return mmio_read_exit(vcpu);
	case EMU_FAULT:
		inject_fault(vcpu, &g.c.fault);
		return 1;
	}
	return vmx_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION,
				  g.error ?: "MMIO by an instruction kvmini does not carry out");
}

/* An EPT violation on MMIO: a new instruction, nothing answered yet. */
int vmx_emulate_mmio(struct kvmini_vcpu *vcpu)
{
	vcpu->emu.nreads = 0;
	return emulate(vcpu);
}

/*
 * KVM_RUN after a KVM_EXIT_MMIO read: its data, no more than was asked
 * for, is kept in the kernel and the instruction runs again.  If
 * userspace moved the vCPU meanwhile (KVM_SET_REGS), the instruction is
 * abandoned, as an I/O instruction is (io.c).
 */
int vmx_complete_mmio(struct kvmini_vcpu *vcpu)
{
	struct emu_state *emu = &vcpu->emu;
	struct emu_piece *p;

	if (!emu->nreads || vmx_guest_linear_rip() != emu->linear_rip)
		return 1;
	p = &emu->reads[emu->nreads - 1];
	memcpy(p->data, vcpu->run->mmio.data, p->len);
	return emulate(vcpu);
}

/* KVM_RUN after a KVM_EXIT_MMIO write: the next piece, if any. */
int vmx_complete_mmio_write(struct kvmini_vcpu *vcpu)
{
	struct emu_state *emu = &vcpu->emu;

	if (emu->next_write < emu->nwrites)
		return mmio_write_exit(vcpu);
	return 1;
}
