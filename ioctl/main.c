// SPDX-License-Identifier: GPL-2.0
/*
 * kvmini: a small Intel VT-x hypervisor behind /dev/kvmini, which speaks
 * the subset of the KVM API it implements.  Module load checks the CPU
 * once and registers the device; VMX itself is turned on only while VMs
 * exist (vmx/root.c).
 */
#include <linux/init.h>
#include <linux/module.h>

#include "kvmini.h"
#include "../vmx/cpuid.h"
#include "../vmx/spec.h"
#include "../vmx/vmx.h"

static int __init kvmini_init(void)
{
	int err;

	err = vmx_caps_init();
	if (err)
		return err;
	vmx_cpuid_init();
	vmx_spec_init();
	vmx_vcpu_percpu_init();
	err = vmx_msr_init();
	if (err)
		return err;
	err = vmx_root_init();
	if (err)
		goto out_msr;
	kvmini_debugfs_init();
	err = kvmini_dev_init();
	if (err)
		goto out_debugfs;
	return 0;

out_debugfs:
	kvmini_debugfs_exit();
	vmx_root_exit();
out_msr:
	vmx_msr_exit();
	return err;
}

static void __exit kvmini_exit(void)
{
	kvmini_dev_exit();
	kvmini_debugfs_exit();
	vmx_root_exit();
	vmx_msr_exit();
}

module_init(kvmini_init);
module_exit(kvmini_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kvmini: a small VT-x hypervisor with a KVM-compatible /dev/kvmini");
MODULE_AUTHOR("The kvmini developers");
