/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of ioctl/ share: the device, the VM fds and their
 * lifetime, slot changes, vCPU creation, the extension table, the MSR
 * ioctls and debugfs.
 */
#ifndef KVMINI_IOCTL_KVMINI_H
#define KVMINI_IOCTL_KVMINI_H

#include <linux/kvm.h>
#include <linux/mm.h>

/*
 * What a vCPU fd maps: struct kvm_run in the first page, the data of
 * port I/O in the page KVM puts it in (KVM_PIO_PAGE_OFFSET).
 */
#define KVMINI_VCPU_MMAP_PAGES	(KVM_PIO_PAGE_OFFSET + 1)
#define KVMINI_VCPU_MMAP_SIZE	(KVMINI_VCPU_MMAP_PAGES * PAGE_SIZE)

struct kvmini_vm;

int kvmini_dev_init(void);
void kvmini_dev_exit(void);

int kvmini_vm_create(unsigned long type);
unsigned int kvmini_vm_count(void);
void kvmini_vm_get(struct kvmini_vm *vm);
void kvmini_vm_put(struct kvmini_vm *vm);

int kvmini_set_memory_region(struct kvmini_vm *vm,
			     const struct kvm_userspace_memory_region *mem);
void kvmini_slots_free(struct kvmini_vm *vm);

long kvmini_get_dirty_log(struct kvmini_vm *vm, void __user *argp);
long kvmini_clear_dirty_log(struct kvmini_vm *vm, void __user *argp);
long kvmini_enable_manual_dirty_log(struct kvmini_vm *vm, u64 options);

long kvmini_check_extension(struct kvmini_vm *vm, long ext);

struct kvmini_vcpu;

/*
 * The ioctls on guest state need the VMCS current on this CPU, and the
 * guest's SYSCALL MSRs in it, for a moment; nothing in @expr may sleep.
 */
#define WITH_VMCS(vcpu, expr) ({			\
	long __r;					\
	preempt_disable();				\
	vmx_vcpu_load(vcpu);				\
	__r = (expr);					\
	vmx_vcpu_put(vcpu);				\
	preempt_enable();				\
	__r;						\
})

int kvmini_vcpu_create(struct kvmini_vm *vm, unsigned long id);

/* Largest nmsrs + 1 of KVM_GET/SET_MSRS, KVM's MAX_IO_MSRS. */
#define KVMINI_MAX_IO_MSRS	256

long kvmini_msr_io(struct kvmini_vcpu *vcpu, struct kvm_msrs __user *argp, bool set);
long kvmini_get_msr_list(struct kvm_msr_list __user *argp, bool features);
void kvmini_vcpu_destroy(struct kvmini_vcpu *vcpu);
long kvmini_set_sregs(struct kvmini_vcpu *vcpu, const struct kvm_sregs *s);
long kvmini_vcpu_run(struct kvmini_vcpu *vcpu);

void kvmini_debugfs_init(void);
void kvmini_debugfs_exit(void);
void kvmini_debugfs_vm_add(struct kvmini_vm *vm, int fd);
void kvmini_debugfs_vcpu_add(struct kvmini_vcpu *vcpu);
void kvmini_debugfs_vm_remove(struct kvmini_vm *vm);

#endif /* KVMINI_IOCTL_KVMINI_H */
