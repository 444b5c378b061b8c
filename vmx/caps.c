// SPDX-License-Identifier: GPL-2.0
/*
 * Reads the VMX capability MSRs once, at module load, into kvmini_caps.
 * Everything else asks kvmini_caps; nothing reads these MSRs again.
 */
#include <linux/kernel.h>
#include <linux/printk.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/tsc.h>

#include "caps.h"
#include "vmx.h"

struct vmx_caps kvmini_caps __ro_after_init;

#define CPUID1_ECX_VMX	(1U << 5)

static int read_msr(u32 msr, u64 *val)
{
	if (rdmsrl_safe(msr, val)) {
		pr_err("kvmini: reading VMX capability MSR 0x%x faulted\n", msr);
		return -EOPNOTSUPP;
	}
	return 0;
}

static int read_vmx_msrs(struct vmx_msrs *m)
{
	bool t;
	int err;
	int i;

	err = read_msr(MSR_IA32_VMX_BASIC, &m->basic);
	if (err)
		return err;
	t = m->basic & BASIC_TRUE_CTLS;

	{
		const struct { u32 msr; u64 *val; } regs[] = {
			{ t ? MSR_IA32_VMX_TRUE_PINBASED_CTLS : MSR_IA32_VMX_PINBASED_CTLS, &m->pin_ctls },
			{ t ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS : MSR_IA32_VMX_PROCBASED_CTLS, &m->proc_ctls },
			{ t ? MSR_IA32_VMX_TRUE_EXIT_CTLS : MSR_IA32_VMX_EXIT_CTLS, &m->exit_ctls },
			{ t ? MSR_IA32_VMX_TRUE_ENTRY_CTLS : MSR_IA32_VMX_ENTRY_CTLS, &m->entry_ctls },
			{ MSR_IA32_VMX_MISC, &m->misc },
			{ MSR_IA32_VMX_CR0_FIXED0, &m->cr0_fixed0 },
			{ MSR_IA32_VMX_CR0_FIXED1, &m->cr0_fixed1 },
			{ MSR_IA32_VMX_CR4_FIXED0, &m->cr4_fixed0 },
			{ MSR_IA32_VMX_CR4_FIXED1, &m->cr4_fixed1 },
		};

		for (i = 0; i < ARRAY_SIZE(regs); i++) {
			err = read_msr(regs[i].msr, regs[i].val);
			if (err)
				return err;
		}
	}

	/* SDM Vol. 3D A.3.3: the secondary MSR exists only where bit 63 says so. */
	if ((m->proc_ctls >> 32) & PROC_ACTIVATE_SECONDARY) {
		err = read_msr(MSR_IA32_VMX_PROCBASED_CTLS2, &m->proc2_ctls);
		if (err)
			return err;
		/*
		 * Enabling RDTSCP means switching IA32_TSC_AUX around the
		 * guest: a host without the MSR (a nested or emulated CPU that
		 * offers the control anyway) must not get the control, as
		 * KVM checks the host's RDTSCP/RDPID.  Found by review.
		 */
		if (!boot_cpu_has(X86_FEATURE_RDTSCP) && !boot_cpu_has(X86_FEATURE_RDPID))
			m->proc2_ctls &= ~((u64)PROC2_ENABLE_RDTSCP << 32);
	}
	if ((m->proc2_ctls >> 32) & (PROC2_ENABLE_EPT | PROC2_ENABLE_VPID))
		return read_msr(MSR_IA32_VMX_EPT_VPID_CAP, &m->ept_vpid);
	return 0;
}

/*
 * Firmware decides whether VMXON may run at all: IA32_FEATURE_CONTROL
 * must be locked with "VMX outside SMX" set, or VMXON raises #GP.
 */
static int check_feature_control(void)
{
	u64 feat;

	if (rdmsrl_safe(MSR_IA32_FEAT_CTL, &feat) ||
	    !(feat & FEAT_CTL_LOCKED) ||
	    !(feat & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX)) {
		pr_err("kvmini: VMX is disabled by the firmware (IA32_FEATURE_CONTROL locked without VMX); enable VT-x in the BIOS\n");
		return -EPERM;
	}
	return 0;
}

static void print_summary(const struct vmx_caps *c)
{
	pr_info("kvmini: VMX revision %#x, VMCS %u bytes, %s controls, EPT 4-level WB%s%s, INVEPT %s, VPID %s, unrestricted guest%s\n",
		c->revision_id, c->vmcs_size, c->true_ctls ? "true" : "default",
		vmx_has_ept_2m(c) ? " 2M" : "", vmx_has_ept_ad(c) ? " A/D" : "",
		vmx_has_invept_single(c) ? "single+all" : "all",
		vmx_has_vpid(c) ? "yes" : "no",
		c->can_preemption_timer && tsc_khz ? ", preemption timer" : "");
}

int vmx_caps_init(void)
{
	struct vmx_msrs msrs = { 0 };
	const char *why = NULL;
	int err;

	if (!(cpuid_ecx(1) & CPUID1_ECX_VMX)) {
		pr_err("kvmini: this CPU has no VMX (CPUID.1:ECX.VMX[bit 5] is 0); kvmini needs Intel VT-x\n");
		return -ENODEV;
	}
	err = check_feature_control();
	if (err)
		return err;
	err = read_vmx_msrs(&msrs);
	if (err)
		return err;
	msrs.cpuid_1_eax = cpuid_eax(1);
	err = vmx_caps_derive(&msrs, &kvmini_caps, &why);
	if (err) {
		pr_err("kvmini: this CPU's VMX lacks what kvmini needs: %s\n", why);
		return err;
	}
	print_summary(&kvmini_caps);
	return 0;
}
