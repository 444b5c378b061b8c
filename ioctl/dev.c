// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/kvmini and its system ioctls, with the numbers, structs and
 * errnos of <linux/kvm.h> (Documentation/virt/kvm/api.rst, "system
 * ioctls").  Root-only by default, like a fresh /dev/kvm without udev.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

#include "kvmini.h"

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
