// SPDX-License-Identifier: GPL-2.0
/*
 * VM file descriptors.  A VM holds VMX root operation on every CPU for
 * as long as its fd is open (vmx_root_get/put), like KVM on 6.1.
 */
#include <linux/anon_inodes.h>
#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "kvmini.h"
#include "../vmx/vmx.h"

struct kvmini_vm {
	/* The process that created the VM; only it may use the VM fd. */
	struct mm_struct *mm;
};

static atomic_t vm_count = ATOMIC_INIT(0);

unsigned int kvmini_vm_count(void)
{
	return atomic_read(&vm_count);
}

static void vm_destroy(struct kvmini_vm *vm)
{
	mmdrop(vm->mm);
	kfree(vm);
	atomic_dec(&vm_count);
	vmx_root_put();
}

static int vm_release(struct inode *inode, struct file *filp)
{
	vm_destroy(filp->private_data);
	return 0;
}

static long vm_ioctl(struct file *filp, unsigned int ioctl, unsigned long arg)
{
	struct kvmini_vm *vm = filp->private_data;

	/* KVM refuses a VM fd inherited by another process the same way. */
	if (vm->mm != current->mm)
		return -EIO;

	switch (ioctl) {
	case KVM_CHECK_EXTENSION:
		return kvmini_check_extension(vm, arg);
	default:
		/* What KVM answers to a VM ioctl it does not know. */
		return -ENOTTY;
	}
}

static const struct file_operations vm_fops = {
	.owner = THIS_MODULE,
	.release = vm_release,
	.unlocked_ioctl = vm_ioctl,
	.llseek = noop_llseek,
};

/**
 * kvmini_vm_create - KVM_CREATE_VM
 * @type: the machine type; like KVM on x86, only 0 exists
 *
 * Return: the new VM fd, or -EINVAL, -ENOMEM, -EBUSY (VMX held by another
 * hypervisor), -EIO (VMXON failed).
 */
int kvmini_vm_create(unsigned long type)
{
	struct kvmini_vm *vm;
	int err, fd;

	if (type)
		return -EINVAL;

	err = vmx_root_get();
	if (err)
		return err;

	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm) {
		err = -ENOMEM;
		goto out_put_root;
	}
	mmgrab(current->mm);
	vm->mm = current->mm;
	atomic_inc(&vm_count);

	fd = anon_inode_getfd("kvmini-vm", &vm_fops, vm, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		vm_destroy(vm);
		return fd;
	}
	return fd;

out_put_root:
	vmx_root_put();
	return err;
}
