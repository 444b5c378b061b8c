/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A vCPU: its VMCS, the guest state the VMCS does not hold, and what a
 * KVM_RUN left half done for userspace to finish.
 */
#ifndef KVMINI_VMX_VCPU_H
#define KVMINI_VMX_VCPU_H

#include <linux/kvm.h>
#include <linux/signal_types.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/preempt.h>
#include <linux/rcuwait.h>
#include <linux/types.h>
#include <asm/fpu/api.h>

#include "emulate.h"
#include "../ept/ept.h"
#include "vmcs_fields.h"

struct kvmini_vm;
struct kvmini_lapic;

/* Bits of kvmini_vcpu.requests, set by other threads before a kick (halt.c). */
#define VCPU_REQ_EVENT		0	/* look at the APIC before the next entry */

/* In x86 encoding order, so that instruction decoding can index them. */
enum vcpu_gpr {
	GPR_RAX, GPR_RCX, GPR_RDX, GPR_RBX, GPR_RSP, GPR_RBP, GPR_RSI, GPR_RDI,
	GPR_R8, GPR_R9, GPR_R10, GPR_R11, GPR_R12, GPR_R13, GPR_R14, GPR_R15,
	NR_GPRS
};

/* What userspace owes the guest when it calls KVM_RUN again. */
enum vcpu_pending {
	PENDING_NONE,
	PENDING_PIO_IN,		/* copy run's I/O data into RAX, skip the IN */
	PENDING_PIO_OUT,	/* skip the OUT */
	PENDING_MMIO,		/* a read: keep run->mmio.data, run the instruction again */
	PENDING_MMIO_WRITE,	/* a write: hand out the next piece, if any */
};

/*
 * Counters, read without locks by debugfs and KVM_GET_STATS_FD while the
 * vCPU runs.  The first fields carry KVM's names for the same things, so
 * one client reads both; ioctl/stats.c describes them in this order.
 */
struct vcpu_stats {
	u64 exits;		/* every VM exit */
	u64 io_exits;
	u64 mmio_exits;
	u64 halt_exits;
	u64 irq_exits;		/* host interrupts */
	u64 irq_window_exits;
	u64 request_irq_exits;	/* KVM_EXIT_IRQ_WINDOW_OPEN */
	u64 signal_exits;	/* KVM_EXIT_INTR */
	u64 hypercalls;
	u64 exits_to_user;
	u64 entries;
	u64 entry_failures;
	u64 ept_faults;
	u64 migrations;
	u64 cr3_exits;		/* --trace-cr3's KVMINI_EXIT_CR3 */
	u64 guest_cycles;	/* TSC from entry to exit */
	u64 handler_cycles;	/* TSC in the exit handlers */
	u64 exit_reasons[VMX_NR_EXIT_REASONS];
};

/* A port I/O instruction between its exit and its completion (io.c). */
struct pio_insn {
	unsigned long gla;	/* string: GUEST_LINEAR_ADDRESS at the exit */
	unsigned long mask;	/* string: the address size's mask */
	unsigned int count;	/* elements in the data page, at most a page's worth */
	unsigned long linear_rip;	/* CS.base + RIP of the instruction */
	u16 port;
	u8 size;		/* 1, 2 or 4 */
	bool in, string, rep, down;
	bool mmio;		/* string IN to what is not RAM: one element, emulated */
};

/* An event to deliver at entry: VM-entry interruption information. */
struct vmx_event {
	u32 info;		/* 0: none */
	u32 error_code;
	u32 instr_len;
};

/* The MSRs the guest uses directly while it runs; switched lazily. */
struct vcpu_syscall_msrs {
	u64 star, lstar, cstar, sfmask, kernel_gs_base;
	u64 tsc_aux;	/* with RDTSCP: the host's is its CPU and node number */
};

/* As KVM's default for a vCPU (KVM_MAX_MCE_BANKS): MCG_CAP reports 32 banks. */
#define KVMINI_MCE_BANKS	32
#define KVMINI_MTRR_VAR		8
#define KVMINI_MTRR_FIXED	11

/* The MSRs kvmini emulates for the guest (msr.c), as KVM keeps them. */
struct vcpu_msr_state {
	u64 apic_base;
	u64 feat_ctl;
	u64 misc_enable;
	u64 misc_features;	/* MSR_MISC_FEATURES_ENABLES: CPUID faulting */
	u64 power_ctl;
	u64 tsc_adjust;		/* wraps, as the guest's TSC does */
	u64 mcg_status;
	u64 mtrr_def_type;
	u64 arch_caps;		/* what the guest reads; the VMM may set another */
	u64 ucode_rev;
	u64 platform_info;
	u64 smi_count;		/* no SMIs: only the VMM changes it */
};

/* The emulated MSRs that are arrays: large, and rarely used. */
struct vcpu_msr_banks {
	u64 mce[KVMINI_MCE_BANKS * 4];	/* CTL, STATUS, ADDR, MISC */
	u64 mtrr_fixed[KVMINI_MTRR_FIXED];
	u64 mtrr_var[KVMINI_MTRR_VAR * 2];	/* base, mask */
};

/* Features of the vCPU's CPUID that MSR accesses depend on, as on KVM. */
#define VCPU_CPUID_TSC_ADJUST	BIT(0)
#define VCPU_CPUID_ARCH_CAPS	BIT(1)
#define VCPU_CPUID_X2APIC	BIT(2)
#define VCPU_CPUID_TSC_DEADLINE	BIT(3)
#define VCPU_CPUID_TSC_AUX	BIT(4)	/* RDTSCP or RDPID */
#define VCPU_CPUID_SYSCALL_LEGACY BIT(5)	/* AMD vendor: SYSCALL outside 64-bit mode */

struct kvmini_vcpu {
	struct kvmini_vm *vm;
	unsigned int id;
	struct mutex lock;		/* one vCPU ioctl at a time, as in KVM */
	struct kvm_run *run;		/* mmap'ed at page 0 */
	void *pio_data;			/* mmap'ed at KVM_PIO_PAGE_OFFSET */

	void *vmcs;
	int cpu;			/* where the VMCS is active, or -1 */
	bool launched;			/* VMRESUME rather than VMLAUNCH */
	bool has_run;			/* entered once: CPUID is fixed (as KVM) */
	struct list_head loaded_node;	/* on that CPU's list of active VMCSs */
	struct preempt_notifier pn;
	unsigned long host_cr3, host_cr4;	/* what HOST_CR3/CR4 hold */
	u64 host_debugctl;		/* read at load: a VM exit clears it */
	u16 host_ldt_sel;		/* read at load: a VM exit clears LDTR */
	u32 proc_ctls;			/* what CPU_BASED_VM_EXEC_CONTROL holds */

	unsigned long regs[NR_GPRS];
	unsigned long cr2;
	unsigned long dr[4];
	unsigned long dr6;
	unsigned long dr7;		/* in GUEST_DR7 while it arms a breakpoint (run.c) */
	bool breakpoints_armed;		/* at the last entry */
	/* KVM_SET_SIGNAL_MASK: the thread's signal mask inside KVM_RUN (ioctl/vcpu.c). */
	sigset_t sigset;
	bool sigset_active;
	u8 cr8;				/* the guest's TPR: never the host's */
	u64 xcr0;
	struct vcpu_syscall_msrs guest_msrs, host_msrs;
	bool guest_msrs_loaded;
	u64 tsc_offset;			/* what TSC_OFFSET holds (two's complement) */
	u64 exit_tsc;			/* the host's TSC at the last VM exit */
	u32 ptimer_us;			/* preemption timer period in the VMCS; 0: off */
	u8 trace_cr3;			/* the KVMINI_TRACE_CR3_* mode in the VMCS */
	struct fpu_guest fpu;
	bool fpu_loaded;

	struct kvm_cpuid_entry2 *cpuid;
	int cpuid_nent;
	u32 cpuid_caps;			/* VCPU_CPUID_*, from the table */
	u32 pv_features;		/* KVM_FEATURE_* in the table's 0x40000001 EAX */
	bool pv_enforce;		/* KVM_CAP_ENFORCE_PV_FEATURE_CPUID (hypercall.c) */
	u8 maxphyaddr;			/* the table's CPUID.0x80000008:EAX[7:0] */
	struct vcpu_msr_state msr;

	enum vcpu_pending pending;
	unsigned int pending_len;	/* instruction to skip on completion */
	struct pio_insn pio;		/* the pending port I/O */
	struct emu_state emu;		/* the instruction MMIO interrupted */

	/*
	 * KVM_CREATE_IRQCHIP's local APIC (lapic/), or NULL: then userspace
	 * is the interrupt controller, and the state is always RUNNABLE.
	 */
	struct kvmini_lapic *apic;
	u32 mp_state;			/* KVM_MP_STATE_* */
	unsigned long requests;		/* VCPU_REQ_* */
	/* NMIs sent by any thread, not yet counted in nmi_pending (events.c). */
	atomic_t nmi_queued;
	u8 nmi_pending;			/* NMIs waiting for injection: 0 to 2 */
	int guest_cpu;			/* the CPU it runs the guest on, or -1 */
	struct rcuwait wait;		/* where it waits in HLT or for SIPI */

	bool irq_queued;		/* KVM_INTERRUPT's vector waits */
	u8 irq_vector;
	struct vmx_event reinject;	/* delivery an exit cut short */

	/* Read once right after each exit. */
	u32 exit_reason;
	unsigned long exit_qual;
	u32 exit_intr_info;
	u32 exit_instr_len;

	struct ept_cache ept_cache;	/* tables for the next EPT fault */
	struct vcpu_stats stats;

	struct vcpu_msr_banks msr_banks;	/* last: large, and cold */
};

int vmx_vcpu_init(struct kvmini_vcpu *vcpu);
void vmx_vcpu_uninit(struct kvmini_vcpu *vcpu);
int vmx_vcpu_run(struct kvmini_vcpu *vcpu);
void vmx_vcpu_load(struct kvmini_vcpu *vcpu);
void vmx_vcpu_put(struct kvmini_vcpu *vcpu);

int vmx_get_regs(struct kvmini_vcpu *vcpu, struct kvm_regs *regs);
int vmx_set_regs(struct kvmini_vcpu *vcpu, const struct kvm_regs *regs);
int vmx_get_sregs(struct kvmini_vcpu *vcpu, struct kvm_sregs *sregs);
int vmx_set_sregs(struct kvmini_vcpu *vcpu, const struct kvm_sregs *sregs,
		  const u64 *pdptes);
void vmx_vcpu_reset(struct kvmini_vcpu *vcpu);
void vmx_update_exception_bitmap(struct kvmini_vcpu *vcpu);
void vmx_vcpu_preempt_init(struct kvmini_vcpu *vcpu);

/* Registers and control registers as the guest sees them (cr.c). */
unsigned long vcpu_read_gpr(struct kvmini_vcpu *vcpu, int reg);
void vcpu_write_gpr(struct kvmini_vcpu *vcpu, int reg, unsigned long val);
unsigned long vcpu_cr0(void);
unsigned long vcpu_cr4(void);
unsigned long vcpu_cr4_allowed(void);
bool vcpu_cr_valid(unsigned long cr0, unsigned long cr4, u64 efer);
u8 vcpu_cr8(struct kvmini_vcpu *vcpu);
void vcpu_set_cr8(struct kvmini_vcpu *vcpu, u8 cr8);
u64 vmx_apic_base(struct kvmini_vcpu *vcpu);
int vmx_set_apic_base(struct kvmini_vcpu *vcpu, u64 val, bool host);
int vmx_set_tsc_offset(struct kvmini_vcpu *vcpu, u64 offset);
void vmx_explain_invalid_state(struct kvmini_vcpu *vcpu);

#endif /* KVMINI_VMX_VCPU_H */
