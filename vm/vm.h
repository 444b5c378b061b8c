/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A VM: its memory slots, its EPT, its vCPUs.  mmu_lock orders every
 * change of the slots and the EPT against the vCPUs' EPT faults.
 *
 * The one object every layer shares: ioctl/ creates, changes and frees
 * it, vmx/ runs its vCPUs, ept/ maps its slots.  So it lives below all
 * three, and vmx/ and ept/ never include ioctl/.
 */
#ifndef KVMINI_VM_VM_H
#define KVMINI_VM_VM_H

#include <linux/kvm.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/types.h>

#include "../ept/ept.h"

#define KVMINI_MAX_SLOTS	32
#define KVMINI_MAX_VCPUS	8
#define KVMINI_MAX_VCPU_ID	255

struct kvmini_vcpu;

struct kvmini_slot {
	u64 gpa;		/* page aligned; size 0 means unused */
	u64 size;
	unsigned long hva;	/* the VMM's memory behind it */
	u32 flags;		/* KVM_MEM_READONLY */
};

struct kvmini_vm {
	struct mm_struct *mm;	/* the creator's; only it may use the VM */
	pid_t pid;		/* the creator's, for debugfs */
	unsigned int id;
	struct dentry *debugfs;	/* <pid>-<fd>/ */
	refcount_t refs;	/* the VM fd and each vCPU fd */

	struct mutex lock;	/* vCPU creation and the VM's settings */
	struct kvmini_vcpu *vcpus[KVMINI_MAX_VCPUS];
	unsigned int nr_vcpus;
	u64 tss_addr;
	u64 identity_map_addr;
	u64 tsc_offset;		/* every vCPU's TSC_OFFSET at creation */

	struct mutex mmu_lock;
	struct kvmini_slot slots[KVMINI_MAX_SLOTS];
	struct kvmini_ept ept;
};

/* Returns the slot holding @gpa, or NULL; mmu_lock held (vm.c). */
struct kvmini_slot *kvmini_find_slot(struct kvmini_vm *vm, u64 gpa);

#endif /* KVMINI_VM_VM_H */
