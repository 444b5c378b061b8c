// SPDX-License-Identifier: GPL-2.0
/*
 * VMX root operation, the way KVM does it on 6.1: every online CPU
 * enters it (CR4.VMXE, VMXON) when the first VM is created and leaves it
 * (VMXOFF, CR4.VMXE cleared) when the last VM is gone, so that kvmini and
 * kvm_intel can both be loaded and take turns.  A CPU that comes online
 * meanwhile enters VMX operation before it runs anything else of ours; one
 * that goes offline leaves it.  Reboot and panic take every CPU out of VMX
 * operation, because a CPU in VMX root operation blocks INIT (SDM Vol. 3C
 * 24.8) and a kexec'd kernel could not start it again.
 */
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/gfp.h>
#include <linux/irqflags.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/panic_notifier.h>
#include <linux/percpu.h>
#include <linux/reboot.h>
#include <linux/smp.h>
#include <asm/io.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>

#include "vmx.h"
#include "vmx_ops.h"

/* SDM Vol. 3C 25.11.5: a 4 KiB aligned region starting with the revision id. */
static DEFINE_PER_CPU(struct page *, vmxon_region);
/* This CPU is in VMX root operation because kvmini put it there. */
static DEFINE_PER_CPU(bool, vmx_on);

/* Serialises users, the hotplug state and the reboot flag. */
static DEFINE_MUTEX(root_lock);
static unsigned int root_users;
static int root_hp_state;
static bool root_shutting_down;

static int vmx_cpu_on(unsigned int cpu)
{
	u64 phys = page_to_phys(per_cpu(vmxon_region, cpu));
	unsigned long cr0 = read_cr0();
	unsigned long cr4, flags;
	int err;

	*(u32 *)page_address(per_cpu(vmxon_region, cpu)) = kvmini_caps.revision_id;

	/*
	 * With interrupts off, nobody else can take this CPU's VMX between
	 * the look at CR4.VMXE and VMXON: KVM turns VMX on from IPIs too.
	 */
	local_irq_save(flags);
	cr4 = cr4_read_shadow();
	if (cr4 & X86_CR4_VMXE) {
		local_irq_restore(flags);
		pr_err("kvmini: CPU %u is already in VMX operation: another hypervisor (kvm_intel?) holds VT-x\n",
		       cpu);
		return -EBUSY;
	}
	if (!vmx_cr_fixed_ok(cr0, kvmini_caps.cr0_fixed0, kvmini_caps.cr0_fixed1) ||
	    !vmx_cr_fixed_ok(cr4 | X86_CR4_VMXE, kvmini_caps.cr4_fixed0,
			     kvmini_caps.cr4_fixed1)) {
		local_irq_restore(flags);
		pr_err("kvmini: CPU %u: CR0 %#lx or CR4 %#lx breaks VMX's fixed bits\n",
		       cpu, cr0, cr4);
		return -EIO;
	}
	cr4_set_bits_irqsoff(X86_CR4_VMXE);
	err = vmx_vmxon(phys);
	if (err) {
		cr4_clear_bits_irqsoff(X86_CR4_VMXE);
		local_irq_restore(flags);
		pr_err("kvmini: VMXON %s on CPU %u\n",
		       err == -EFAULT ? "faulted" : "failed (VMfail)", cpu);
		return -EIO;
	}
	/*
	 * EPT translations outlive VMXOFF: another hypervisor's, or ours from
	 * before this CPU went offline, could match an EPTP of ours.
	 */
	vmx_invept(INVEPT_ALL_CONTEXT, 0);
	this_cpu_write(vmx_on, true);
	local_irq_restore(flags);
	return 0;
}

/* Safe in any context, on a CPU that may or may not be ours. */
static void vmx_cpu_off_this(void)
{
	unsigned long flags;

	local_irq_save(flags);
	if (this_cpu_read(vmx_on)) {
		if (vmx_vmxoff())
			pr_err("kvmini: VMXOFF failed on CPU %u\n", smp_processor_id());
		cr4_clear_bits_irqsoff(X86_CR4_VMXE);
		this_cpu_write(vmx_on, false);
	}
	local_irq_restore(flags);
}

/* A CPU going offline (or the last VM gone): its VMCSs are written back first. */
static int vmx_cpu_off(unsigned int cpu)
{
	vmx_clear_loaded_vmcss();
	vmx_cpu_off_this();
	return 0;
}

bool vmx_root_this_cpu_on(void)
{
	return this_cpu_read(vmx_on);
}

/* Reboot or kexec has begun: VMX is, or is about to be, off everywhere. */
bool vmx_root_going_down(void)
{
	return READ_ONCE(root_shutting_down);
}

static void vmx_cpu_off_ipi(void *unused)
{
	vmx_cpu_off_this();
}

/**
 * vmx_root_get - make sure every online CPU is in VMX root operation
 *
 * Return: 0; -EBUSY when another hypervisor holds VMX on some CPU or the
 * system is going down; -EIO when VMXON fails.  Nothing is left on when
 * it fails.
 */
int vmx_root_get(void)
{
	int ret = 0;

	mutex_lock(&root_lock);
	if (root_shutting_down) {
		ret = -EBUSY;
		goto out_unlock;
	}
	if (!root_users) {
		ret = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "kvmini/vmx:online",
					vmx_cpu_on, vmx_cpu_off);
		if (ret < 0)
			goto out_unlock;
		root_hp_state = ret;
		ret = 0;
		pr_info("kvmini: VMX root operation on, CPUs %*pbl\n",
			cpumask_pr_args(cpu_online_mask));
	}
	root_users++;
out_unlock:
	mutex_unlock(&root_lock);
	return ret;
}

/**
 * vmx_root_put - drop a reference taken by vmx_root_get(); the last one
 * takes every CPU out of VMX operation
 */
void vmx_root_put(void)
{
	mutex_lock(&root_lock);
	if (!WARN_ON_ONCE(!root_users) && !--root_users) {
		cpuhp_remove_state(root_hp_state);
		pr_info("kvmini: VMX root operation off on every CPU\n");
	}
	mutex_unlock(&root_lock);
}

static int vmx_reboot_notify(struct notifier_block *nb, unsigned long code,
			     void *unused)
{
	mutex_lock(&root_lock);
	WRITE_ONCE(root_shutting_down, true);
	mutex_unlock(&root_lock);
	on_each_cpu(vmx_cpu_off_ipi, NULL, 1);
	return NOTIFY_OK;
}

/*
 * By the time panic notifiers run the other CPUs are stopped, so only
 * this one can still leave VMX operation; the others are reset by the
 * platform reset that follows (documented in README).
 */
static int vmx_panic_notify(struct notifier_block *nb, unsigned long code,
			    void *unused)
{
	vmx_cpu_off_this();
	return NOTIFY_DONE;
}

static struct notifier_block vmx_reboot_nb = {
	.notifier_call = vmx_reboot_notify,
};

static struct notifier_block vmx_panic_nb = {
	.notifier_call = vmx_panic_notify,
};

static void vmxe_read_ipi(void *vmxe)
{
	*(bool *)vmxe = __read_cr4() & X86_CR4_VMXE;
}

/**
 * vmx_root_show - per online CPU, what CR4.VMXE reads on that CPU and
 * whether kvmini owns it: what debugfs shows to the tests
 * @m: the debugfs file
 */
void vmx_root_show(struct seq_file *m)
{
	unsigned int cpu;
	bool vmxe;

	mutex_lock(&root_lock);
	seq_printf(m, "users %u\n", root_users);
	cpus_read_lock();
	for_each_online_cpu(cpu) {
		if (smp_call_function_single(cpu, vmxe_read_ipi, &vmxe, 1))
			continue;
		seq_printf(m, "cpu%u vmxe %d kvmini %d\n", cpu, vmxe,
			   per_cpu(vmx_on, cpu));
	}
	cpus_read_unlock();
	mutex_unlock(&root_lock);
}

static void free_vmxon_regions(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		if (per_cpu(vmxon_region, cpu))
			__free_page(per_cpu(vmxon_region, cpu));
		per_cpu(vmxon_region, cpu) = NULL;
	}
}

/**
 * vmx_root_init - allocate a VMXON region for every possible CPU, so a CPU
 * coming online never has to allocate, and hook reboot and panic
 */
int vmx_root_init(void)
{
	unsigned int cpu;
	int err;

	for_each_possible_cpu(cpu) {
		struct page *page = alloc_pages_node(cpu_to_node(cpu),
						     GFP_KERNEL | __GFP_ZERO, 0);

		if (!page) {
			err = -ENOMEM;
			goto out_free_regions;
		}
		per_cpu(vmxon_region, cpu) = page;
	}
	err = register_reboot_notifier(&vmx_reboot_nb);
	if (err)
		goto out_free_regions;
	atomic_notifier_chain_register(&panic_notifier_list, &vmx_panic_nb);
	return 0;

out_free_regions:
	free_vmxon_regions();
	return err;
}

/* Runs after the last VM is gone: the module cannot unload before. */
void vmx_root_exit(void)
{
	atomic_notifier_chain_unregister(&panic_notifier_list, &vmx_panic_nb);
	unregister_reboot_notifier(&vmx_reboot_nb);
	WARN_ON_ONCE(root_users);
	free_vmxon_regions();
}
