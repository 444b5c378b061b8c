// SPDX-License-Identifier: GPL-2.0
/*
 * A vCPU's VMCS: built once from kvmini_caps, then kept active on one CPU
 * at a time.  A VMCS must be VMCLEARed on the CPU where it is active
 * before another CPU loads it (SDM Vol. 3C 25.11.1), so each CPU keeps a
 * list of the VMCSs active on it; loading on a new CPU clears the old one
 * by IPI, and a CPU going offline clears its whole list.
 */
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <asm/debugreg.h>
#include <asm/desc.h>
#include <asm/io.h>
#include <asm/fpu/api.h>
#include <asm/msr.h>
#include <asm/nospec-branch.h>
#include <asm/processor.h>
#include <asm/segment.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>
#include <asm/trapnr.h>

#include "halt.h"
#include "vcpu.h"
#include "vmcs.h"
#include "vmx.h"
#include "vmx_ops.h"
#include "../lapic/vlapic.h"
#include "../vm/mem.h"
#include "../vm/vm.h"

static DEFINE_PER_CPU(struct list_head, loaded_vmcss);
static DEFINE_PER_CPU(struct kvmini_vcpu *, current_vmcs);

/* CR0 bits the host keeps for itself: the guest sees its own values in the shadow. */
#define CR0_HOST_OWNED	(X86_CR0_NE | X86_CR0_CD | X86_CR0_NW)
/*
 * CR4 bits a guest changes without an exit, as in KVM: those that only
 * change how the guest's own instructions behave.  Every other bit
 * exits and is checked (cr.c), so a guest cannot turn on what kvmini
 * does not switch for it, such as PKE (the host's PKRU would be live).
 */
#define CR4_GUEST_OWNED	(X86_CR4_PVI | X86_CR4_DE | X86_CR4_PCE | X86_CR4_OSFXSR | \
			 X86_CR4_OSXMMEXCPT | X86_CR4_PGE | X86_CR4_TSD | X86_CR4_FSGSBASE)

/*
 * PAUSE-loop exiting (SDM Vol. 3C 26.1.3): PAUSEs at most this many TSC
 * ticks apart are one loop, and a loop longer than the window exits.
 * KVM's defaults; KVM also grows the window per vCPU, kvmini keeps it.
 */
#define KVMINI_PLE_GAP		128
#define KVMINI_PLE_WINDOW	4096

/* DR7 after RESET: bit 10 reads as 1. */
#define GUEST_DR7_INIT	0x400
/* DR6 after RESET: reserved bits read as 1. */
#define GUEST_DR6_INIT	0xffff0ff0UL

/*
 * One reporter per instruction, out of line: VMfail here is a kvmini bug.
 * VMREAD's comes through vmread_error_trampoline (vmenter.S).
 */
__visible noinline void vmread_report(unsigned long field, unsigned long fault)
{
	if (fault)
		vmcs_fault("VMREAD", field);
	else
		pr_err_ratelimited("kvmini: VMREAD of field %#lx failed\n", field);
}

noinline void vmwrite_error(unsigned long field, unsigned long value)
{
	pr_err_ratelimited("kvmini: VMWRITE of %#lx to field %#lx failed, VM-instruction error %u\n",
			   value, field, (u32)__vmcs_read(VM_INSTRUCTION_ERROR));
}

/*
 * Once reboot has begun, a vCPU that an IPI took out of VMX operation may
 * still touch its VMCS before KVM_RUN sees the flag: expected, and the
 * values no longer matter.  At any other time it is a kvmini bug.
 */
noinline void vmcs_fault(const char *insn, unsigned long field)
{
	WARN_ONCE(!vmx_root_going_down(),
		  "kvmini: %s of field %#lx faulted outside VMX operation\n", insn, field);
}

void vmx_vcpu_percpu_init(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		INIT_LIST_HEAD(&per_cpu(loaded_vmcss, cpu));
}

/* Whether a vCPU of @vm still has its VMCS loaded on this CPU; interrupts off. */
static bool vm_loaded_here(struct kvmini_vm *vm)
{
	struct kvmini_vcpu *v;

	list_for_each_entry(v, this_cpu_ptr(&loaded_vmcss), loaded_node)
		if (v->vm == vm)
			return true;
	return false;
}

static void vmcs_clear_local(void *arg)
{
	struct kvmini_vcpu *vcpu = arg;

	if (vcpu->cpu != smp_processor_id())
		return;
	if (vmx_vmclear(virt_to_phys(vcpu->vmcs)) && !vmx_root_going_down())
		pr_err("kvmini: VMCLEAR failed for vCPU %u\n", vcpu->id);
	if (this_cpu_read(current_vmcs) == vcpu)
		this_cpu_write(current_vmcs, NULL);
	list_del(&vcpu->loaded_node);
	if (!vm_loaded_here(vcpu->vm))
		ept_cpu_leave(&vcpu->vm->ept);
	/* The next CPU may load it only once it is clear here. */
	smp_wmb();
	WRITE_ONCE(vcpu->cpu, -1);
	vcpu->launched = false;
}

static void vmcs_clear(struct kvmini_vcpu *vcpu)
{
	int cpu = READ_ONCE(vcpu->cpu);

	if (cpu >= 0)
		smp_call_function_single(cpu, vmcs_clear_local, vcpu, 1);
}

/* Called on a CPU about to leave VMX operation (it goes offline). */
void vmx_clear_loaded_vmcss(void)
{
	struct kvmini_vcpu *vcpu, *tmp;
	unsigned long flags;

	local_irq_save(flags);
	list_for_each_entry_safe(vcpu, tmp, this_cpu_ptr(&loaded_vmcss), loaded_node)
		vmcs_clear_local(vcpu);
	local_irq_restore(flags);
}

/* The TSS base out of this CPU's GDT: a 16-byte system descriptor. */
static unsigned long host_tr_base(const struct desc_ptr *gdt)
{
	const struct ldttss_desc *d = (void *)(gdt->address + GDT_ENTRY_TSS * 8);

	return d->base0 | ((unsigned long)d->base1 << 16) |
	       ((unsigned long)d->base2 << 24) | ((unsigned long)d->base3 << 32);
}

static void write_host_percpu_state(void)
{
	struct desc_ptr gdt;
	u64 val;

	native_store_gdt(&gdt);
	vmcs_writel(HOST_GDTR_BASE, gdt.address);
	vmcs_writel(HOST_TR_BASE, host_tr_base(&gdt));
	rdmsrl(MSR_IA32_SYSENTER_ESP, val);
	vmcs_writel(HOST_IA32_SYSENTER_ESP, val);
}

static void syscall_msrs_read(struct vcpu_syscall_msrs *m)
{
	rdmsrl(MSR_STAR, m->star);
	rdmsrl(MSR_LSTAR, m->lstar);
	rdmsrl(MSR_CSTAR, m->cstar);
	rdmsrl(MSR_SYSCALL_MASK, m->sfmask);
	rdmsrl(MSR_KERNEL_GS_BASE, m->kernel_gs_base);
	if (vmx_has_rdtscp(&kvmini_caps))
		rdmsrl(MSR_TSC_AUX, m->tsc_aux);
}

static void syscall_msrs_write(const struct vcpu_syscall_msrs *m)
{
	wrmsrl(MSR_STAR, m->star);
	wrmsrl(MSR_LSTAR, m->lstar);
	wrmsrl(MSR_CSTAR, m->cstar);
	wrmsrl(MSR_SYSCALL_MASK, m->sfmask);
	wrmsrl(MSR_KERNEL_GS_BASE, m->kernel_gs_base);
	if (vmx_has_rdtscp(&kvmini_caps))
		wrmsrl(MSR_TSC_AUX, m->tsc_aux);
}

/**
 * vmx_vcpu_load - make @vcpu's VMCS current on this CPU and give the CPU
 * the guest's SYSCALL MSRs; preemption disabled
 * @vcpu: the vCPU
 *
 * The guest's STAR, LSTAR, CSTAR, SFMASK, KERNEL_GS_BASE and TSC_AUX stay
 * in the CPU between exits: nothing in the kernel uses them until it
 * returns to userspace or switches task, and vmx_vcpu_put() runs before
 * either.  (The kernel's entry code finds its CPU with LSL, not RDPID,
 * so that an NMI meanwhile does not take the guest's TSC_AUX for it.)
 */
void vmx_vcpu_load(struct kvmini_vcpu *vcpu)
{
	int cpu = smp_processor_id();
	unsigned long flags;
	u64 fs, gs;

	if (vcpu->cpu != cpu) {
		if (vcpu->cpu >= 0)
			vcpu->stats.migrations++;
		vmcs_clear(vcpu);
		/* Pairs with the smp_wmb() in vmcs_clear_local(). */
		smp_rmb();
		local_irq_save(flags);
		list_add(&vcpu->loaded_node, this_cpu_ptr(&loaded_vmcss));
		vcpu->cpu = cpu;
		/* The VM's EPT zaps flush this CPU from now on (ept/ept.c). */
		ept_cpu_enter(&vcpu->vm->ept);
		local_irq_restore(flags);
	}
	if (this_cpu_read(current_vmcs) != vcpu) {
		if (vmx_vmptrld(virt_to_phys(vcpu->vmcs)) && !vmx_root_going_down())
			pr_err("kvmini: VMPTRLD failed for vCPU %u on CPU %d\n", vcpu->id, cpu);
		this_cpu_write(current_vmcs, vcpu);
		write_host_percpu_state();
		/* As KVM: what one guest taught the branch predictors, the next must not use. */
		indirect_branch_prediction_barrier();
	}
	/* As KVM: once per load, not per entry; perf changes it rarely. */
	vcpu->host_debugctl = get_debugctlmsr();
	/* A VM exit leaves LDTR null; the VMM's LDT comes back in vmx_vcpu_put(). */
	store_ldt(vcpu->host_ldt_sel);
	rdmsrl(MSR_FS_BASE, fs);
	rdmsrl(MSR_GS_BASE, gs);
	vmcs_writel(HOST_FS_BASE, fs);
	vmcs_writel(HOST_GS_BASE, gs);

	if (!vcpu->guest_msrs_loaded) {
		syscall_msrs_read(&vcpu->host_msrs);
		syscall_msrs_write(&vcpu->guest_msrs);
		vcpu->guest_msrs_loaded = true;
	}
}

/*
 * Gives the CPU back what a VM exit left wrong for anything but the vCPU
 * thread in the kernel, before the thread returns to userspace or another
 * task runs here; preemption disabled:
 * - the GDT limit, which a VM exit sets to 0xffff: a user's LSL or LAR on a
 *   high selector would make the CPU read past the GDT;
 * - the LDT, which a VM exit unloads;
 * - the SYSCALL MSRs.
 * As KVM, not after every exit: exits handled in the kernel stay fast.
 */
void vmx_vcpu_put(struct kvmini_vcpu *vcpu)
{
	load_fixmap_gdt(smp_processor_id());
	if (vcpu->host_ldt_sel)
		asm volatile("lldt %0" : : "rm" (vcpu->host_ldt_sel));
	if (vcpu->guest_msrs_loaded) {
		syscall_msrs_read(&vcpu->guest_msrs);
		syscall_msrs_write(&vcpu->host_msrs);
		vcpu->guest_msrs_loaded = false;
	}
}

static void setup_host_state(void)
{
	struct desc_ptr idt;
	u64 val;

	vmcs_writel(HOST_CR0, read_cr0());
	vmcs_write16(HOST_CS_SELECTOR, __KERNEL_CS);
	vmcs_write16(HOST_SS_SELECTOR, __KERNEL_DS);
	vmcs_write16(HOST_DS_SELECTOR, 0);
	vmcs_write16(HOST_ES_SELECTOR, 0);
	vmcs_write16(HOST_FS_SELECTOR, 0);
	vmcs_write16(HOST_GS_SELECTOR, 0);
	vmcs_write16(HOST_TR_SELECTOR, GDT_ENTRY_TSS * 8);
	store_idt(&idt);
	vmcs_writel(HOST_IDTR_BASE, idt.address);
	vmcs_writel(HOST_RIP, (unsigned long)vmx_vmexit);
	rdmsrl(MSR_IA32_SYSENTER_CS, val);
	vmcs_write32(HOST_IA32_SYSENTER_CS, val);
	rdmsrl(MSR_IA32_SYSENTER_EIP, val);
	vmcs_writel(HOST_IA32_SYSENTER_EIP, val);
	rdmsrl(MSR_EFER, val);
	vmcs_write64(HOST_IA32_EFER, val);
	rdmsrl(MSR_IA32_CR_PAT, val);
	vmcs_write64(HOST_IA32_PAT, val);
}

/**
 * vmx_update_exception_bitmap - the exceptions that exit, from the CPUID
 * @vcpu: the vCPU, its VMCS current
 *
 * #AC and #DB can be raised by their own delivery (CVE-2015-5307,
 * CVE-2015-8104) and loop in the CPU forever: they exit, and are
 * reflected.  A machine check is the host's (exits.c).  #UD exits only
 * for a guest told it runs on AMD, whose SYSCALL kvmini carries out
 * where Intel's CPU refuses it (syscall.c).
 */
void vmx_update_exception_bitmap(struct kvmini_vcpu *vcpu)
{
	u32 eb = BIT(X86_TRAP_DB) | BIT(X86_TRAP_AC) | BIT(X86_TRAP_MC);

	if (vcpu->cpuid_caps & VCPU_CPUID_SYSCALL_LEGACY)
		eb |= BIT(X86_TRAP_UD);
	vmcs_write32(EXCEPTION_BITMAP, eb);
}

static void setup_controls(struct kvmini_vcpu *vcpu)
{
	const struct vmx_caps *c = &kvmini_caps;

	vmcs_write32(PIN_BASED_VM_EXEC_CONTROL, c->pin_ctls);
	vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, c->proc_ctls);
	vcpu->proc_ctls = c->proc_ctls;
	vmcs_write32(SECONDARY_VM_EXEC_CONTROL, c->proc2_ctls);
	vmcs_write32(VM_EXIT_CONTROLS, c->exit_ctls);
	vmcs_write32(VM_ENTRY_CONTROLS, c->entry_ctls);
	vmx_update_exception_bitmap(vcpu);
	vmcs_write32(PAGE_FAULT_ERROR_CODE_MASK, 0);
	vmcs_write32(PAGE_FAULT_ERROR_CODE_MATCH, 0);
	vmcs_write32(CR3_TARGET_COUNT, 0);
	vmcs_write32(VM_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write32(VM_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write32(VM_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, 0);
	vmcs_write64(MSR_BITMAP, vmx_msr_bitmap_phys());
	/* The VM's TSC, until the guest writes TSC or TSC_ADJUST (msr.c). */
	vcpu->tsc_offset = READ_ONCE(vcpu->vm->tsc_offset);
	vmcs_write64(TSC_OFFSET, vcpu->tsc_offset);
	if (vmx_has_ple(c)) {
		vmcs_write32(PLE_GAP, KVMINI_PLE_GAP);
		vmcs_write32(PLE_WINDOW, KVMINI_PLE_WINDOW);
	}
	vcpu->ptimer_us = 0;
	vmcs_write64(EPT_POINTER, vcpu->vm->ept.eptp);
	vmcs_write64(VMCS_LINK_POINTER, -1ULL);
	vmcs_writel(CR0_GUEST_HOST_MASK, CR0_HOST_OWNED);
	vmcs_writel(CR4_GUEST_HOST_MASK, ~(unsigned long)CR4_GUEST_OWNED);
}

/*
 * What the hardware's CR0/CR4 must hold for the guest's @cr0/@cr4: the
 * host keeps NE (and VMXE, MCE) set and CD/NW clear whatever the guest
 * wants; the read shadows tell the guest what it wrote.
 */
unsigned long vmx_hw_cr0(unsigned long cr0)
{
	return (cr0 & ~(X86_CR0_CD | X86_CR0_NW)) | X86_CR0_NE;
}

unsigned long vmx_hw_cr4(unsigned long cr4)
{
	return (cr4 & ~(X86_CR4_SMXE)) | X86_CR4_VMXE | X86_CR4_MCE;
}

void vmx_set_guest_cr0(unsigned long cr0)
{
	vmcs_writel(CR0_READ_SHADOW, cr0);
	vmcs_writel(GUEST_CR0, vmx_hw_cr0(cr0));
}

void vmx_set_guest_cr4(unsigned long cr4)
{
	vmcs_writel(CR4_READ_SHADOW, cr4);
	vmcs_writel(GUEST_CR4, vmx_hw_cr4(cr4));
}

/* EFER decides whether the next entry is into IA-32e mode. */
void vmx_set_guest_efer(u64 efer)
{
	vmcs_write64(GUEST_IA32_EFER, efer);
	if (efer & EFER_LMA)
		vmcs_set_bits32(VM_ENTRY_CONTROLS, ENTRY_IA32E_MODE_GUEST);
	else
		vmcs_clear_bits32(VM_ENTRY_CONTROLS, ENTRY_IA32E_MODE_GUEST);
}

static void seg_reset(enum vmcs_field sel, u16 selector, unsigned long base, u32 ar)
{
	/* The selector, limit, AR and base fields of one segment are evenly spaced. */
	vmcs_write16(sel, selector);
	__vmcs_write(sel - GUEST_ES_SELECTOR + GUEST_ES_LIMIT, 0xffff);
	__vmcs_write(sel - GUEST_ES_SELECTOR + GUEST_ES_AR_BYTES, ar);
	__vmcs_write((sel - GUEST_ES_SELECTOR) + GUEST_ES_BASE, base);
}

/* The registers as RESET and INIT leave them alike (SDM Vol. 3A table 10-1). */
static void reset_registers(struct kvmini_vcpu *vcpu)
{
	seg_reset(GUEST_CS_SELECTOR, 0xf000, 0xffff0000, 0x9b);
	seg_reset(GUEST_DS_SELECTOR, 0, 0, 0x93);
	seg_reset(GUEST_ES_SELECTOR, 0, 0, 0x93);
	seg_reset(GUEST_SS_SELECTOR, 0, 0, 0x93);
	seg_reset(GUEST_FS_SELECTOR, 0, 0, 0x93);
	seg_reset(GUEST_GS_SELECTOR, 0, 0, 0x93);
	seg_reset(GUEST_LDTR_SELECTOR, 0, 0, 0x82);
	seg_reset(GUEST_TR_SELECTOR, 0, 0, 0x8b);
	vmcs_writel(GUEST_GDTR_BASE, 0);
	vmcs_write32(GUEST_GDTR_LIMIT, 0xffff);
	vmcs_writel(GUEST_IDTR_BASE, 0);
	vmcs_write32(GUEST_IDTR_LIMIT, 0xffff);

	vmcs_writel(GUEST_RIP, 0xfff0);
	vmcs_writel(GUEST_RSP, 0);
	vmcs_writel(GUEST_RFLAGS, X86_EFLAGS_FIXED);
	vmx_set_guest_cr0(X86_CR0_ET | X86_CR0_CD | X86_CR0_NW);
	vmx_set_guest_cr4(0);
	vmcs_writel(GUEST_CR3, 0);
	vmx_set_guest_efer(0);
	vmcs_write64(GUEST_IA32_PAT, 0x0007040600070406ULL);
	/* The guest's DR7 lives in kvmini (cr.c); run.c loads it when it arms a breakpoint. */
	vmcs_writel(GUEST_DR7, GUEST_DR7_INIT);
	vcpu->dr7 = GUEST_DR7_INIT;
	vcpu->cr8 = 0;
	vmcs_write64(GUEST_IA32_DEBUGCTL, 0);
	vmcs_write32(GUEST_SYSENTER_CS, 0);
	vmcs_writel(GUEST_SYSENTER_ESP, 0);
	vmcs_writel(GUEST_SYSENTER_EIP, 0);
	vmcs_write32(GUEST_INTERRUPTIBILITY_INFO, 0);
	vmcs_write32(GUEST_ACTIVITY_STATE, 0);
	vmcs_writel(GUEST_PENDING_DBG_EXCEPTIONS, 0);

	memset(vcpu->regs, 0, sizeof(vcpu->regs));
	/* EDX holds the processor signature after RESET. */
	vcpu->regs[GPR_RDX] = 0x600;
	vcpu->cr2 = 0;
	memset(vcpu->dr, 0, sizeof(vcpu->dr));
	vcpu->dr6 = GUEST_DR6_INIT;
	vcpu->xcr0 = XFEATURE_MASK_FP;
	vcpu->guest_msrs = (struct vcpu_syscall_msrs){ 0 };
	/* INIT and RESET drop a waiting NMI, as KVM's kvm_vcpu_reset(). */
	vcpu->nmi_pending = 0;
	atomic_set(&vcpu->nmi_queued, 0);
}

/**
 * vmx_vcpu_reset - the state of an x86 CPU after RESET (SDM Vol. 3A
 * 10.1.1), as KVM gives a new vCPU; the VMCS is current
 * @vcpu: the vCPU
 */
void vmx_vcpu_reset(struct kvmini_vcpu *vcpu)
{
	reset_registers(vcpu);
	vmx_msr_reset(vcpu);
	if (vcpu->apic)
		vlapic_reset(vcpu, false);
}

/**
 * vmx_vcpu_init_signal - INIT, sent by another vCPU's APIC (or its own):
 * the registers as RESET leaves them, the MSRs and the APIC's base and
 * mode kept, events in flight dropped (SDM Vol. 3A 10.1.1)
 * @vcpu: the vCPU, with an APIC, loaded, in its own thread
 */
void vmx_vcpu_init_signal(struct kvmini_vcpu *vcpu)
{
	reset_registers(vcpu);
	vcpu->reinject.info = 0;
	vcpu->irq_queued = false;
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, 0);
	vlapic_reset(vcpu, true);
}

/*
 * A SIPI starts a vCPU waiting after INIT in real mode at vector << 12
 * (SDM Vol. 3A 8.4.4.1).
 */
void vmx_vcpu_sipi(struct kvmini_vcpu *vcpu, u8 vector)
{
	seg_reset(GUEST_CS_SELECTOR, vector << 8, (unsigned long)vector << 12, 0x9b);
	vmcs_writel(GUEST_RIP, 0);
}

/**
 * vmx_vcpu_init - allocate @vcpu's VMCS and guest FPU state and set up
 * the VMCS; @vcpu->vm and @vcpu->id are set
 * @vcpu: the vCPU
 *
 * Return: 0, -ENOMEM.
 */
int vmx_vcpu_init(struct kvmini_vcpu *vcpu)
{
	vcpu->cpu = -1;
	vcpu->guest_cpu = -1;
	rcuwait_init(&vcpu->wait);
	INIT_LIST_HEAD(&vcpu->loaded_node);
	vcpu->vmcs = kvmini_alloc_page();
	if (!vcpu->vmcs)
		return -ENOMEM;
	*(u32 *)vcpu->vmcs = kvmini_caps.revision_id;
	if (!fpu_alloc_guest_fpstate(&vcpu->fpu)) {
		kvmini_free_page(vcpu->vmcs);
		vcpu->vmcs = NULL;
		return -ENOMEM;
	}

	preempt_disable();
	vmx_vcpu_load(vcpu);
	setup_host_state();
	setup_controls(vcpu);
	vmx_vcpu_reset(vcpu);
	vmx_vcpu_put(vcpu);
	preempt_enable();
	return 0;
}

void vmx_vcpu_uninit(struct kvmini_vcpu *vcpu)
{
	vmcs_clear(vcpu);
	fpu_free_guest_fpstate(&vcpu->fpu);
	kvmini_free_page(vcpu->vmcs);
	vcpu->vmcs = NULL;
}

/**
 * vmx_set_tsc_offset - KVM_VCPU_TSC_OFFSET: the guest's TSC is the host's plus @offset
 * @vcpu: the vCPU, its VMCS current
 * @offset: any value (two's complement); TSC_ADJUST is not moved, as KVM
 *	moves it only for the guest's own TSC writes
 */
int vmx_set_tsc_offset(struct kvmini_vcpu *vcpu, u64 offset)
{
	vcpu->tsc_offset = offset;
	vmcs_write64(TSC_OFFSET, offset);
	/* KVM makes it the VM's too: a vCPU created later starts with it. */
	WRITE_ONCE(vcpu->vm->tsc_offset, offset);
	return 0;
}
