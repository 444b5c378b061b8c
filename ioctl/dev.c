// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/kvmini and its system ioctls, with the numbers, structs and
 * errnos of <linux/kvm.h> (Documentation/virt/kvm/api.rst, "system
 * ioctls").  Root-only by default, like a fresh /dev/kvm without udev.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "kvmini.h"
#include "../vmx/cpuid.h"

/* As KVM: nent in, nent out; E2BIG when the caller's array is too small. */
static long get_supported_cpuid(struct kvm_cpuid2 __user *argp)
{
	struct kvm_cpuid_entry2 *e;
	struct kvm_cpuid2 c;
	long n;

	if (copy_from_user(&c, argp, sizeof(c)))
		return -EFAULT;
	if (c.nent < 1)
		return -E2BIG;
	c.nent = min_t(u32, c.nent, KVMINI_MAX_CPUID_ENTRIES);
	e = kcalloc(c.nent, sizeof(*e), GFP_KERNEL);
	if (!e)
		return -ENOMEM;
	n = vmx_supported_cpuid(e, c.nent);
	if (n >= 0) {
		c.nent = n;
		if (copy_to_user(argp, &c, sizeof(c)) ||
		    copy_to_user(argp->entries, e, n * sizeof(*e)))
			n = -EFAULT;
	}
	kfree(e);
	return n < 0 ? n : 0;
}

static long dev_ioctl(struct file *filp, unsigned int ioctl, unsigned long arg)
{
	switch (ioctl) {
	case KVM_GET_API_VERSION:
		if (arg)
			return -EINVAL;
		return KVM_API_VERSION;
	case KVM_CREATE_VM:
		return kvmini_vm_create(arg);
	case KVM_CHECK_EXTENSION:
		return kvmini_check_extension(NULL, arg);
	case KVM_GET_VCPU_MMAP_SIZE:
		if (arg)
			return -EINVAL;
		return KVMINI_VCPU_MMAP_SIZE;
	case KVM_GET_SUPPORTED_CPUID:
		return get_supported_cpuid((void __user *)arg);
	case KVM_GET_MSR_INDEX_LIST:
		return kvmini_get_msr_list((void __user *)arg, false);
	case KVM_GET_MSR_FEATURE_INDEX_LIST:
		return kvmini_get_msr_list((void __user *)arg, true);
	case KVM_GET_MSRS:
		return kvmini_msr_io(NULL, (void __user *)arg, false);
	default:
		/* What KVM answers to a system ioctl it does not know. */
		return -EINVAL;
	}
}

static const struct file_operations dev_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = dev_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice kvmini_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "kvmini",
	.fops = &dev_fops,
	.mode = 0600,
};

int kvmini_dev_init(void)
{
	int err = misc_register(&kvmini_misc);

	if (err)
		pr_err("kvmini: cannot register /dev/kvmini: %d\n", err);
	return err;
}

void kvmini_dev_exit(void)
{
	misc_deregister(&kvmini_misc);
}
