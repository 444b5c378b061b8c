// SPDX-License-Identifier: GPL-2.0
/*
 * VM file descriptors.  A VM holds VMX root operation on every CPU for as
 * long as it exists (vmx_root_get/put), like KVM on 6.1.  It is counted:
 * its fd and each of its vCPU fds hold a reference, and the last one
 * frees the vCPUs, the guest memory mappings and the EPT.
 */
#include <linux/anon_inodes.h>
#include <linux/atomic.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/preempt.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/msr.h>

#include "kvmini.h"
#include "../include/uapi/kvmini_abi.h"
#include "stats.h"
#include "../vm/settings.h"
#include "../vm/vm.h"
#include "../vmx/spec.h"
#include "../vmx/vmx.h"

static atomic_t vm_count = ATOMIC_INIT(0);
static DEFINE_IDA(vm_ids);

unsigned int kvmini_vm_count(void)
{
	return atomic_read(&vm_count);
}

static void vm_destroy(struct kvmini_vm *vm)
{
	unsigned int i;

	kvmini_debugfs_vm_remove(vm);
	for (i = 0; i < vm->nr_vcpus; i++)
		kvmini_vcpu_destroy(vm->vcpus[i]);
	kvmini_mmu_notifier_unregister(vm);
	ept_destroy(&vm->ept);
	kvmini_slots_free(vm);
	ida_free(&vm_ids, vm->id);
	mmdrop(vm->mm);
	kfree(vm);
	atomic_dec(&vm_count);
	preempt_notifier_dec();
	vmx_root_put();
}

void kvmini_vm_get(struct kvmini_vm *vm)
{
	refcount_inc(&vm->refs);
}

void kvmini_vm_put(struct kvmini_vm *vm)
{
	if (refcount_dec_and_test(&vm->refs))
		vm_destroy(vm);
}

static int vm_release(struct inode *inode, struct file *filp)
{
	kvmini_vm_put(filp->private_data);
	return 0;
}

static long vm_set_memory_region(struct kvmini_vm *vm, void __user *argp)
{
	struct kvm_userspace_memory_region mem;

	if (copy_from_user(&mem, argp, sizeof(mem)))
		return -EFAULT;
	return kvmini_set_memory_region(vm, &mem);
}

/* As KVM: the TSS may not overlap the last three pages below 4 GiB. */
static long vm_set_tss_addr(struct kvmini_vm *vm, unsigned long addr)
{
	if (addr > (unsigned int)(-3 * PAGE_SIZE))
		return -EINVAL;
	vm->tss_addr = addr;
	return 0;
}

/*
 * KVM needs these two pages to run real mode without unrestricted guest;
 * kvmini requires unrestricted guest, so it only records them.
 */
static long vm_set_identity_map_addr(struct kvmini_vm *vm, void __user *argp)
{
	u64 addr;
	long r = -EINVAL;

	mutex_lock(&vm->lock);
	if (vm->nr_vcpus)
		goto out_unlock;
	r = -EFAULT;
	if (copy_from_user(&addr, argp, sizeof(addr)))
		goto out_unlock;
	vm->identity_map_addr = addr;
	r = 0;
out_unlock:
	mutex_unlock(&vm->lock);
	return r;
}

/*
 * Which vCPU gets APIC_BASE.BSP at its reset.  As KVM 6.1: not once a
 * vCPU exists (it has been reset already), and any id is taken, truncated
 * to 32 bits as KVM stores it.
 */
static long vm_set_boot_cpu_id(struct kvmini_vm *vm, unsigned long id)
{
	long r = -EBUSY;

	mutex_lock(&vm->lock);
	if (!vm->nr_vcpus) {
		vm->bsp_vcpu_id = (u32)id;
		r = 0;
	}
	mutex_unlock(&vm->lock);
	return r;
}

/*
 * KVM_CREATE_IRQCHIP: a local APIC in the kernel for each vCPU created
 * from now on, in KVM's order of checks (EEXIST, then EINVAL once a vCPU
 * exists).  KVM also makes a PIC and an IOAPIC; kvmini has neither, so
 * KVM_IRQ_LINE and KVM_GET/SET_IRQCHIP answer ENXIO (docs/api.md).
 */
static long vm_create_irqchip(struct kvmini_vm *vm)
{
	long r = -EEXIST;

	mutex_lock(&vm->lock);
	if (vm->irqchip)
		goto out_unlock;
	r = -EINVAL;
	if (vm->nr_vcpus)
		goto out_unlock;
	vm->irqchip = true;
	r = 0;
out_unlock:
	mutex_unlock(&vm->lock);
	return r;
}

static long vm_set_nr_mmu_pages(struct kvmini_vm *vm, unsigned long n)
{
	if (n < VM_MIN_MMU_PAGES)
		return -EINVAL;
	/* Under the lock slot changes hold when they update the default. */
	spin_lock(&vm->mmu_lock);
	vm->n_max_mmu_pages = n;
	vm->n_requested_mmu_pages = n;
	spin_unlock(&vm->mmu_lock);
	return 0;
}

/* The count is the ioctl's return value, as on KVM, however large the VMM set it. */
static long vm_get_nr_mmu_pages(struct kvmini_vm *vm)
{
	unsigned long n;

	spin_lock(&vm->mmu_lock);
	n = vm->n_max_mmu_pages;
	spin_unlock(&vm->mmu_lock);
	return n;
}

/*
 * KVM_ENABLE_CAP on the VM: KVM_CAP_MAX_VCPU_ID, KVM_CAP_MSR_PLATFORM_INFO,
 * KVM_CAP_DISABLE_QUIRKS2, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, and kvmini's
 * own CR3 tracing (kvmini_abi.h).  KVM answers a capability it cannot
 * enable, and any flags, with EINVAL.
 */
static long vm_enable_cap_trace_cr3(struct kvmini_vm *vm, const struct kvm_enable_cap *cap)
{
	if (cap->args[0] > KVMINI_TRACE_CR3_ALL || cap->args[1] || cap->args[2] || cap->args[3])
		return -EINVAL;
	if (!kvmini_caps.can_cr3_load_exiting)
		return -EINVAL;
	WRITE_ONCE(vm->trace_cr3, cap->args[0]);
	return 0;
}

static long vm_enable_cap(struct kvmini_vm *vm, void __user *argp)
{
	struct kvm_enable_cap cap;
	long r;

	if (copy_from_user(&cap, argp, sizeof(cap)))
		return -EFAULT;
	if (cap.flags)
		return -EINVAL;
	switch (cap.cap) {
	case KVM_CAP_MAX_VCPU_ID:
		mutex_lock(&vm->lock);
		r = vm_set_max_vcpu_ids(&vm->max_vcpu_ids, cap.args[0], KVMINI_MAX_VCPU_ID);
		mutex_unlock(&vm->lock);
		return r;
	case KVMINI_CAP_TRACE_CR3:
		return vm_enable_cap_trace_cr3(vm, &cap);
	case KVM_CAP_MSR_PLATFORM_INFO:
		/* As KVM: any non-zero argument turns the guest's reads on. */
		WRITE_ONCE(vm->platform_info_hidden, !cap.args[0]);
		return 0;
	case KVM_CAP_DISABLE_QUIRKS2:
		/* The set replaces the last one, as KVM; a quirk kvmini lacks is EINVAL. */
		if (cap.args[0] & ~KVMINI_QUIRKS)
			return -EINVAL;
		WRITE_ONCE(vm->disabled_quirks, cap.args[0]);
		return 0;
	case KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2:
		return kvmini_enable_manual_dirty_log(vm, cap.args[0]);
	default:
		return -EINVAL;
	}
}

static long vm_ioctl(struct file *filp, unsigned int ioctl, unsigned long arg)
{
	struct kvmini_vm *vm = filp->private_data;
	void __user *argp = (void __user *)arg;

	/* KVM refuses a VM fd inherited by another process the same way. */
	if (vm->mm != current->mm)
		return -EIO;

	switch (ioctl) {
	case KVM_CHECK_EXTENSION:
		return kvmini_check_extension(vm, arg);
	case KVM_SET_USER_MEMORY_REGION:
		return vm_set_memory_region(vm, argp);
	case KVM_GET_DIRTY_LOG:
		return kvmini_get_dirty_log(vm, argp);
	case KVM_CLEAR_DIRTY_LOG:
		return kvmini_clear_dirty_log(vm, argp);
	case KVM_CREATE_VCPU:
		return kvmini_vcpu_create(vm, arg);
	case KVM_SET_TSS_ADDR:
		return vm_set_tss_addr(vm, arg);
	case KVM_SET_IDENTITY_MAP_ADDR:
		return vm_set_identity_map_addr(vm, argp);
	case KVM_GET_STATS_FD:
		return kvmini_get_stats_fd(vm, NULL);
	case KVM_SET_BOOT_CPU_ID:
		return vm_set_boot_cpu_id(vm, arg);
	case KVM_SET_NR_MMU_PAGES:
		return vm_set_nr_mmu_pages(vm, arg);
	case KVM_GET_NR_MMU_PAGES:
		return vm_get_nr_mmu_pages(vm);
	case KVM_ENABLE_CAP:
		return vm_enable_cap(vm, argp);
	case KVM_CREATE_IRQCHIP:
		return vm_create_irqchip(vm);
	case KVM_IRQ_LINE:
	case KVM_IRQ_LINE_STATUS:
	case KVM_GET_IRQCHIP:
	case KVM_SET_IRQCHIP:
		/* No PIC or IOAPIC: what KVM answers without them. */
		return -ENXIO;
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
	struct file *file;
	int err, fd;

	if (type)
		return -EINVAL;
	err = vmx_spec_vm_allowed();
	if (err)
		return err;

	err = vmx_root_get();
	if (err)
		return err;

	err = -ENOMEM;
	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		goto out_put_root;
	err = ida_alloc(&vm_ids, GFP_KERNEL);
	if (err < 0)
		goto out_free_vm;
	vm->id = err;
	err = ept_init(&vm->ept);
	if (err)
		goto out_free_id;
	refcount_set(&vm->refs, 1);
	mutex_init(&vm->lock);
	mutex_init(&vm->slots_lock);
	spin_lock_init(&vm->mmu_lock);
	mmgrab(current->mm);
	vm->mm = current->mm;
	vm->pid = task_pid_nr(current);
	/*
	 * The guest's TSC counts from 0 at VM creation, the same on each
	 * vCPU (KVM syncs its vCPUs' offsets the same way at creation).
	 */
	vm->tsc_offset = -rdtsc();
	err = kvmini_mmu_notifier_register(vm);
	if (err)
		goto out_free_ept;
	/* vCPUs need the scheduler to tell them when they lose their CPU. */
	preempt_notifier_inc();
	atomic_inc(&vm_count);

	/* The fd number names the debugfs directory before the fd is live. */
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		vm_destroy(vm);
		return fd;
	}
	file = anon_inode_getfile("kvmini-vm", &vm_fops, vm, O_RDWR);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		vm_destroy(vm);
		return PTR_ERR(file);
	}
	kvmini_debugfs_vm_add(vm, fd);
	fd_install(fd, file);
	return fd;

out_free_ept:
	mmdrop(vm->mm);
	ept_destroy(&vm->ept);
out_free_id:
	ida_free(&vm_ids, vm->id);
out_free_vm:
	kfree(vm);
out_put_root:
	vmx_root_put();
	return err;
}
