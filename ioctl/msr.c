// SPDX-License-Identifier: GPL-2.0
/*
 * The MSR ioctls, as KVM 6.1's msr_io() and kvm_arch_dev_ioctl() answer
 * them: KVM_GET/SET_MSRS on a vCPU fd, KVM_GET_MSRS on the system fd
 * (the feature MSRs), KVM_GET_MSR_INDEX_LIST and
 * KVM_GET_MSR_FEATURE_INDEX_LIST.  A batch is copied in once, done in
 * order up to the first MSR that fails, and its count is the answer:
 * the VMM learns which MSR stopped it without an errno.
 */
#include <linux/err.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "kvmini.h"
#include "../vmx/msr.h"
#include "../vmx/vcpu.h"

/* The vCPU is loaded; nothing here sleeps. */
static long vcpu_msr_batch(struct kvmini_vcpu *vcpu, struct kvm_msr_entry *e, u32 n, bool set)
{
	u32 i;
	int r;

	for (i = 0; i < n; i++) {
		if (set) {
			r = vmx_set_msr(vcpu, e[i].index, e[i].data, true);
		} else {
			r = vmx_get_msr(vcpu, e[i].index, &e[i].data, true);
			/* As KVM: an MSR it does not know reads as 0 as it ends the batch. */
			if (r == -ENOENT)
				e[i].data = 0;
		}
		if (r)
			break;
	}
	return i;
}

static long feature_msr_batch(struct kvm_msr_entry *e, u32 n)
{
	u32 i;

	for (i = 0; i < n; i++) {
		/* As KVM's do_get_msr_feature(): the one that ends the batch reads 0. */
		if (vmx_get_msr_feature(e[i].index, &e[i].data)) {
			e[i].data = 0;
			break;
		}
	}
	return i;
}

/**
 * kvmini_msr_io - KVM_GET_MSRS and KVM_SET_MSRS
 * @vcpu: the vCPU, its lock held; NULL for KVM_GET_MSRS on the system fd
 * @argp: struct kvm_msrs and its entries
 * @set: KVM_SET_MSRS
 *
 * The entries of a GET go back whole, those after the MSR that stopped
 * the batch as they came (as KVM).
 *
 * Return: the number of MSRs done, from 0 to nmsrs; -E2BIG for an nmsrs
 * of KVMINI_MAX_IO_MSRS or more, -EFAULT, -ENOMEM.
 */
long kvmini_msr_io(struct kvmini_vcpu *vcpu, struct kvm_msrs __user *argp, bool set)
{
	struct kvm_msr_entry *e;
	struct kvm_msrs h;
	size_t size;
	long n;

	if (copy_from_user(&h, argp, sizeof(h)))
		return -EFAULT;
	if (h.nmsrs >= KVMINI_MAX_IO_MSRS)
		return -E2BIG;
	size = array_size(h.nmsrs, sizeof(*e));
	e = memdup_user(argp->entries, size);
	if (IS_ERR(e))
		return PTR_ERR(e);
	if (vcpu)
		n = WITH_VMCS(vcpu, vcpu_msr_batch(vcpu, e, h.nmsrs, set));
	else
		n = feature_msr_batch(e, h.nmsrs);
	if (!set && copy_to_user(argp->entries, e, size))
		n = -EFAULT;
	kfree(e);
	return n;
}

/**
 * kvmini_get_msr_list - KVM_GET_MSR_INDEX_LIST and
 * KVM_GET_MSR_FEATURE_INDEX_LIST
 * @argp: struct kvm_msr_list: nmsrs the room in indices (in), the
 *	  list's length (out, always, as KVM)
 * @features: the feature list
 *
 * Return: 0; -E2BIG when the room is too small (nmsrs says how much is
 * needed), -EFAULT.
 */
long kvmini_get_msr_list(struct kvm_msr_list __user *argp, bool features)
{
	struct kvm_msr_list l;
	const u32 *list;
	unsigned int n;
	u32 room;

	if (copy_from_user(&l, argp, sizeof(l)))
		return -EFAULT;
	list = features ? vmx_msr_feature_list(&n) : vmx_msr_save_list(&n);
	room = l.nmsrs;
	l.nmsrs = n;
	if (copy_to_user(argp, &l, sizeof(l)))
		return -EFAULT;
	if (room < n)
		return -E2BIG;
	if (copy_to_user(argp->indices, list, array_size(n, sizeof(*list))))
		return -EFAULT;
	return 0;
}
