// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_GET/SET_REGS and KVM_GET/SET_SREGS.  Segments are converted between
 * struct kvm_segment and the VMCS access-rights format (SDM Vol. 3C
 * 25.4.1, table 25-2); control registers and EFER are checked with KVM's
 * rules (kvm_is_valid_sregs()), so an invalid state is refused with
 * EINVAL here rather than failing the next VM entry.
 */
#include <linux/kvm.h>
#include <asm/processor.h>
#include <asm/processor-flags.h>

#include "guest_mem.h"
#include "vcpu.h"
#include "vmcs.h"
#include "vmx.h"

/* Access-rights bit 16: the segment is unusable. */
#define AR_UNUSABLE	BIT(16)

enum seg { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_LDTR, SEG_TR };

static void get_segment(enum seg s, struct kvm_segment *v)
{
	unsigned long off = 2 * s;
	u32 ar = __vmcs_read(GUEST_ES_AR_BYTES + off);

	v->base = __vmcs_read(GUEST_ES_BASE + off);
	v->limit = __vmcs_read(GUEST_ES_LIMIT + off);
	v->selector = __vmcs_read(GUEST_ES_SELECTOR + off);
	v->unusable = !!(ar & AR_UNUSABLE);
	v->type = ar & 15;
	v->s = (ar >> 4) & 1;
	v->dpl = (ar >> 5) & 3;
	v->present = !v->unusable;
	v->avl = (ar >> 12) & 1;
	v->l = (ar >> 13) & 1;
	v->db = (ar >> 14) & 1;
	v->g = (ar >> 15) & 1;
	v->padding = 0;
}

static void set_segment(enum seg s, const struct kvm_segment *v)
{
	unsigned long off = 2 * s;
	u32 ar;

	if (v->unusable || !v->present) {
		ar = AR_UNUSABLE;
	} else {
		/* As KVM: with unrestricted guest, segments other than LDTR are marked accessed. */
		ar = (v->type | (s != SEG_LDTR ? 1 : 0)) | (v->s << 4) | (v->dpl << 5) |
		     (v->present << 7) | (v->avl << 12) | (v->l << 13) | (v->db << 14) |
		     (v->g << 15);
	}
	__vmcs_write(GUEST_ES_BASE + off, v->base);
	__vmcs_write(GUEST_ES_LIMIT + off, v->limit);
	__vmcs_write(GUEST_ES_SELECTOR + off, v->selector);
	__vmcs_write(GUEST_ES_AR_BYTES + off, ar);
}

int vmx_get_regs(struct kvmini_vcpu *vcpu, struct kvm_regs *r)
{
	unsigned long *g = vcpu->regs;

	r->rax = g[GPR_RAX]; r->rbx = g[GPR_RBX]; r->rcx = g[GPR_RCX];
	r->rdx = g[GPR_RDX]; r->rsi = g[GPR_RSI]; r->rdi = g[GPR_RDI];
	r->rbp = g[GPR_RBP]; r->r8 = g[GPR_R8]; r->r9 = g[GPR_R9];
	r->r10 = g[GPR_R10]; r->r11 = g[GPR_R11]; r->r12 = g[GPR_R12];
	r->r13 = g[GPR_R13]; r->r14 = g[GPR_R14]; r->r15 = g[GPR_R15];
	r->rsp = vmcs_readl(GUEST_RSP);
	r->rip = vmcs_readl(GUEST_RIP);
	r->rflags = vmcs_readl(GUEST_RFLAGS);
	return 0;
}

int vmx_set_regs(struct kvmini_vcpu *vcpu, const struct kvm_regs *r)
{
	unsigned long *g = vcpu->regs;

	g[GPR_RAX] = r->rax; g[GPR_RBX] = r->rbx; g[GPR_RCX] = r->rcx;
	g[GPR_RDX] = r->rdx; g[GPR_RSI] = r->rsi; g[GPR_RDI] = r->rdi;
	g[GPR_RBP] = r->rbp; g[GPR_R8] = r->r8; g[GPR_R9] = r->r9;
	g[GPR_R10] = r->r10; g[GPR_R11] = r->r11; g[GPR_R12] = r->r12;
	g[GPR_R13] = r->r13; g[GPR_R14] = r->r14; g[GPR_R15] = r->r15;
	vmcs_writel(GUEST_RSP, r->rsp);
	vmcs_writel(GUEST_RIP, r->rip);
	/* Bit 1 always reads 1, as KVM makes it. */
	vmcs_writel(GUEST_RFLAGS, r->rflags | X86_EFLAGS_FIXED);
	return 0;
}

int vmx_get_sregs(struct kvmini_vcpu *vcpu, struct kvm_sregs *s)
{
	memset(s, 0, sizeof(*s));
	get_segment(SEG_CS, &s->cs);
	get_segment(SEG_DS, &s->ds);
	get_segment(SEG_ES, &s->es);
	get_segment(SEG_FS, &s->fs);
	get_segment(SEG_GS, &s->gs);
	get_segment(SEG_SS, &s->ss);
	get_segment(SEG_TR, &s->tr);
	get_segment(SEG_LDTR, &s->ldt);
	s->gdt.base = vmcs_readl(GUEST_GDTR_BASE);
	s->gdt.limit = vmcs_read32(GUEST_GDTR_LIMIT);
	s->idt.base = vmcs_readl(GUEST_IDTR_BASE);
	s->idt.limit = vmcs_read32(GUEST_IDTR_LIMIT);
	s->cr0 = vcpu_cr0();
	s->cr2 = vcpu->cr2;
	s->cr3 = vmcs_readl(GUEST_CR3);
	s->cr4 = vcpu_cr4();
	s->efer = vmcs_read64(GUEST_IA32_EFER);
	s->cr8 = vcpu_cr8(vcpu);
	s->apic_base = vmx_apic_base(vcpu);
	return 0;
}

/* KVM's kvm_is_valid_sregs() and kvm_valid_efer(). */
static bool sregs_valid(const struct kvmini_vcpu *vcpu, const struct kvm_sregs *s)
{
	if (s->efer & ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX))
		return false;
	if ((s->efer & EFER_LME) && (s->cr0 & X86_CR0_PG)) {
		if (!(s->cr4 & X86_CR4_PAE) || !(s->efer & EFER_LMA))
			return false;
		/* No bit 63 (PCID no-flush) nor any other beyond the vCPU's MAXPHYADDR. */
		if (s->cr3 >> min_t(u8, vcpu->maxphyaddr, boot_cpu_data.x86_phys_bits))
			return false;
	} else if ((s->efer & EFER_LMA) || s->cs.l) {
		return false;
	}
	return vcpu_cr_valid(s->cr0, s->cr4, s->efer);
}

/**
 * vmx_set_sregs - KVM_SET_SREGS; the VMCS is current
 * @vcpu: the vCPU
 * @s: the new state
 * @pdptes: for PAE paging outside long mode, the PDPTEs read from s->cr3
 *
 * Return: 0, or -EINVAL for a state KVM would refuse too (nothing set).
 */
int vmx_set_sregs(struct kvmini_vcpu *vcpu, const struct kvm_sregs *s, const u64 *pdptes)
{
	if (!sregs_valid(vcpu, s))
		return -EINVAL;
	/* As KVM: APIC_BASE as a host-initiated write, refused with EINVAL. */
	if (vmx_set_apic_base(vcpu, s->apic_base, true))
		return -EINVAL;
	set_segment(SEG_CS, &s->cs);
	set_segment(SEG_DS, &s->ds);
	set_segment(SEG_ES, &s->es);
	set_segment(SEG_FS, &s->fs);
	set_segment(SEG_GS, &s->gs);
	set_segment(SEG_SS, &s->ss);
	set_segment(SEG_TR, &s->tr);
	set_segment(SEG_LDTR, &s->ldt);
	vmcs_writel(GUEST_GDTR_BASE, s->gdt.base);
	vmcs_write32(GUEST_GDTR_LIMIT, s->gdt.limit);
	vmcs_writel(GUEST_IDTR_BASE, s->idt.base);
	vmcs_write32(GUEST_IDTR_LIMIT, s->idt.limit);
	vcpu->cr2 = s->cr2;
	/* As KVM: a TPR out of range is ignored, not refused. */
	if (s->cr8 <= 0xf)
		vcpu_set_cr8(vcpu, s->cr8);
	vmcs_writel(GUEST_CR3, s->cr3);
	vmx_set_guest_efer(s->efer);
	vmx_set_guest_cr0(s->cr0);
	vmx_set_guest_cr4(s->cr4);
	/* PAE paging outside long mode takes its PDPTEs from the VMCS. */
	if (pdptes)
		guest_write_pdptes(pdptes);
	/* --trace-cr3's targets named the old page tables: the next load refills them. */
	vmcs_write32(CR3_TARGET_COUNT, 0);
	return 0;
}
