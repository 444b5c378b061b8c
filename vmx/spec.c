// SPDX-License-Identifier: GPL-2.0
/*
 * What the host kernel's mitigation settings ask of a hypervisor, decided
 * once at load, as KVM 6.1 decides them:
 * - L1TF: an L1D flush before VM entry, where the CPU has the bug, does
 *   not say it needs none (ARCH_CAPABILITIES) and l1tf= is not off.  KVM
 *   flushes after some exits only ("cond") unless l1tf=full; kvmini
 *   flushes before every entry, and only with IA32_FLUSH_CMD: on a CPU
 *   that would need KVM's software flush it refuses to create VMs.
 * - MDS, TAA, MMIO stale data, RFDS: VERW before entry when the kernel
 *   clears CPU buffers (X86_FEATURE_CLEAR_CPU_BUF, vmenter.S).
 * - Spectre v2: the RSB refilled after exit (RSB_VMEXIT, or one entry
 *   with eIBRS against PBRSB), IBRS written again after exit on legacy
 *   IBRS parts, the branch history cleared (BHI), IBPB when another
 *   vCPU's VMCS is loaded on a CPU (vcpu.c), IBPB before the VMM next
 *   runs (VMSCAPE, run.c).
 * The guest cannot write SPEC_CTRL or PRED_CMD: both stay intercepted.
 */
#include <linux/cpu.h>
#include <linux/printk.h>
#include <linux/sched/smt.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>
#include <asm/processor.h>

#include "spec.h"

DEFINE_STATIC_KEY_FALSE(vmx_l1d_flush);

/* Why VMs cannot be created here, or NULL. */
static const char *refusal;

static bool l1tf_needs_flush(void)
{
	u64 caps = 0;

	if (!boot_cpu_has_bug(X86_BUG_L1TF) || l1tf_mitigation == L1TF_MITIGATION_OFF)
		return false;
	if (boot_cpu_has(X86_FEATURE_ARCH_CAPABILITIES))
		rdmsrl(MSR_IA32_ARCH_CAPABILITIES, caps);
	return !(caps & ARCH_CAP_SKIP_VMENTRY_L1DFLUSH);
}

void vmx_spec_init(void)
{
	if (!l1tf_needs_flush())
		return;
	if (!boot_cpu_has(X86_FEATURE_FLUSH_L1D)) {
		refusal = "L1TF needs an L1D flush and the CPU has no IA32_FLUSH_CMD";
		return;
	}
	static_branch_enable(&vmx_l1d_flush);
}

/**
 * vmx_spec_vm_allowed - whether a VM may be created with the mitigations
 * this CPU and kernel need
 *
 * Return: 0, or -EOPNOTSUPP with a dmesg line naming what is missing.
 */
int vmx_spec_vm_allowed(void)
{
	if (refusal) {
		pr_err_ratelimited("kvmini: cannot create a VM: %s\n", refusal);
		return -EOPNOTSUPP;
	}
	/* As KVM: the flush does not help against the sibling thread. */
	if (static_branch_unlikely(&vmx_l1d_flush) && sched_smt_active() &&
	    l1tf_mitigation != L1TF_MITIGATION_FLUSH_NOWARN &&
	    l1tf_mitigation != L1TF_MITIGATION_FULL_FORCE)
		pr_warn_once("kvmini: L1TF CPU bug present and SMT on, data leak possible\n");
	return 0;
}
