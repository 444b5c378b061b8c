// SPDX-License-Identifier: GPL-2.0
/*
 * vCPU file descriptors: KVM_CREATE_VCPU on the VM fd makes one; its
 * ioctls (KVM_RUN, the register ioctls, CPUID, the MP state, MSRs: msr.c)
 * and its mmap of
 * struct kvm_run.  As in KVM, a vCPU lives as long as its VM: the fd holds
 * a reference on the VM, and the VM frees its vCPUs when it goes.
 */
#include <linux/anon_inodes.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/sched/signal.h>
#include <linux/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "kvmini.h"
#include "stats.h"
#include "../vm/mem.h"
#include "../vm/settings.h"
#include "../lapic/vlapic.h"
#include "../vm/vm.h"
#include "../vmx/cpuid.h"
#include "../vmx/events.h"
#include "../vmx/fpu.h"
#include "../vmx/guest_mem.h"
#include "../vmx/vcpu.h"
#include "../vmx/vmx.h"

static vm_fault_t vcpu_fault(struct vm_fault *vmf)
{
	struct kvmini_vcpu *vcpu = vmf->vma->vm_file->private_data;
	struct page *page;

	if (vmf->pgoff == 0)
		page = virt_to_page(vcpu->run);
	else if (vmf->pgoff == KVM_PIO_PAGE_OFFSET)
		page = virt_to_page(vcpu->pio_data);
	else
		return VM_FAULT_SIGBUS;
	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct vcpu_vm_ops = {
	.fault = vcpu_fault,
};

static int vcpu_mmap(struct file *filp, struct vm_area_struct *vma)
{
	vma->vm_ops = &vcpu_vm_ops;
	return 0;
}

static int vcpu_release(struct inode *inode, struct file *filp)
{
	struct kvmini_vcpu *vcpu = filp->private_data;

	kvmini_vm_put(vcpu->vm);
	return 0;
}

/* The entries are copied once, into the array the vCPU then keeps. */
static long vcpu_set_cpuid(struct kvmini_vcpu *vcpu, struct kvm_cpuid2 __user *argp)
{
	struct kvm_cpuid_entry2 *e = NULL;
	struct kvm_cpuid2 c;
	long r;

	if (copy_from_user(&c, argp, sizeof(c)))
		return -EFAULT;
	if (c.nent > KVMINI_MAX_CPUID_ENTRIES)
		return -E2BIG;
	if (c.nent) {
		/* Long-lived, so charged to the VMM's memory cgroup. */
		e = kmalloc_array(c.nent, sizeof(*e), GFP_KERNEL_ACCOUNT);
		if (!e)
			return -ENOMEM;
		r = -EFAULT;
		if (copy_from_user(e, argp->entries, array_size(c.nent, sizeof(*e))))
			goto out_free;
	}
	r = WITH_VMCS(vcpu, vmx_set_cpuid(vcpu, e, c.nent));
	if (!r)
		return 0;
out_free:
	kfree(e);
	return r;
}

/*
 * KVM_GET_CPUID2 as KVM: E2BIG, with the caller's nent left as it was,
 * when the table does not fit; else the table, runtime bits up to date,
 * and its size in nent (as later kernels: 6.1 leaves nent as given).
 */
static long vcpu_get_cpuid(struct kvmini_vcpu *vcpu, struct kvm_cpuid2 __user *argp)
{
	struct kvm_cpuid2 c;
	int n;

	if (copy_from_user(&c, argp, sizeof(c)))
		return -EFAULT;
	if (c.nent < (u32)vcpu->cpuid_nent)
		return -E2BIG;
	n = WITH_VMCS(vcpu, vmx_cpuid_refresh(vcpu));
	if (copy_to_user(argp->entries, vcpu->cpuid, array_size(n, sizeof(*vcpu->cpuid))))
		return -EFAULT;
	c.nent = n;
	if (copy_to_user(argp, &c, sizeof(c)))
		return -EFAULT;
	return 0;
}

/*
 * Without an in-kernel local APIC KVM lets userspace set only RUNNABLE:
 * INIT, SIPI and HALTED are the APIC's states, and HLT exits to
 * userspace (KVM_EXIT_HLT) instead of halting the vCPU.  With one, as
 * KVM, a pending INIT or SIPI is taken before the state is read.
 */
static long vcpu_get_mp_state(struct kvmini_vcpu *vcpu, void __user *argp)
{
	struct kvm_mp_state mp;

	if (vcpu->apic && vlapic_events_pending(vcpu))
		WITH_VMCS(vcpu, vlapic_accept_events(vcpu));
	mp.mp_state = vcpu->mp_state;
	return copy_to_user(argp, &mp, sizeof(mp)) ? -EFAULT : 0;
}

/*
 * With an APIC, the states x86 has (KVM takes any number, and a vCPU
 * in a state it never leaves would wait forever); SIPI_RECEIVED is
 * INIT_RECEIVED with the SIPI (its last vector) pending, as in KVM.
 */
static long vcpu_set_mp_state(struct kvmini_vcpu *vcpu, void __user *argp)
{
	struct kvm_mp_state mp;

	if (copy_from_user(&mp, argp, sizeof(mp)))
		return -EFAULT;
	if (mp.mp_state == KVM_MP_STATE_RUNNABLE) {
		vcpu->mp_state = mp.mp_state;
		return 0;
	}
	if (!vcpu->apic)
		return -EINVAL;
	switch (mp.mp_state) {
	case KVM_MP_STATE_UNINITIALIZED:
	case KVM_MP_STATE_INIT_RECEIVED:
	case KVM_MP_STATE_HALTED:
		vcpu->mp_state = mp.mp_state;
		return 0;
	case KVM_MP_STATE_SIPI_RECEIVED:
		vcpu->mp_state = KVM_MP_STATE_INIT_RECEIVED;
		vlapic_set_sipi(vcpu, READ_ONCE(vcpu->apic->sipi_vector));
		return 0;
	default:
		return -EINVAL;
	}
}

/* KVM_GET/SET_LAPIC: EINVAL without KVM_CREATE_IRQCHIP's APIC, as KVM. */
static long vcpu_lapic_state(struct kvmini_vcpu *vcpu, unsigned int ioctl, void __user *argp)
{
	struct kvm_lapic_state *s;
	long r = 0;

	if (!vcpu->apic)
		return -EINVAL;
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	if (ioctl == KVM_GET_LAPIC) {
		vlapic_get_state(vcpu, s);
		if (copy_to_user(argp, s, sizeof(*s)))
			r = -EFAULT;
	} else if (copy_from_user(s, argp, sizeof(*s))) {
		r = -EFAULT;
	} else {
		vlapic_set_state(vcpu, s);
	}
	kfree(s);
	return r;
}

/*
 * KVM_INTERRUPT: userspace's interrupt controller injects; with the
 * in-kernel one it may not, and KVM answers ENXIO (its PIC is there).
 */
static long vcpu_interrupt(struct kvmini_vcpu *vcpu, void __user *argp)
{
	struct kvm_interrupt irq;

	if (copy_from_user(&irq, argp, sizeof(irq)))
		return -EFAULT;
	/* KVM's order: a vector out of range is EINVAL before ENXIO. */
	if (irq.irq >= 256)
		return -EINVAL;
	if (vcpu->apic)
		return -ENXIO;
	return vmx_queue_interrupt(vcpu, irq.irq);
}

long kvmini_set_sregs(struct kvmini_vcpu *vcpu, const struct kvm_sregs *s)
{
	u64 pdptes[4];
	bool pae = (s->cr0 & X86_CR0_PG) && (s->cr4 & X86_CR4_PAE) && !(s->efer & EFER_LMA);

	/* Guest memory is read before the VMCS is loaded: reading may sleep. */
	if (pae)
		guest_read_pdptes(vcpu, s->cr3, pdptes);
	return WITH_VMCS(vcpu, vmx_set_sregs(vcpu, s, pae ? pdptes : NULL));
}

/*
 * KVM_{HAS,GET,SET}_DEVICE_ATTR on a vCPU: only the TSC offset
 * (KVM_VCPU_TSC_CTRL), as KVM 6.1's kvm_arch_tsc_*_attr(); any other
 * group or attribute is ENXIO.
 */
static long vcpu_device_attr(struct kvmini_vcpu *vcpu, unsigned int ioctl, void __user *argp)
{
	struct kvm_device_attr attr;
	u64 __user *uaddr;
	u64 offset;

	if (copy_from_user(&attr, argp, sizeof(attr)))
		return -EFAULT;
	if (attr.group != KVM_VCPU_TSC_CTRL)
		return -ENXIO;
	if (ioctl == KVM_HAS_DEVICE_ATTR)
		return attr.attr == KVM_VCPU_TSC_OFFSET ? 0 : -ENXIO;
	/* KVM looks at the address before the attribute. */
	uaddr = u64_to_user_ptr(attr.addr);
	if ((u64)(unsigned long)uaddr != attr.addr)
		return -EFAULT;
	if (attr.attr != KVM_VCPU_TSC_OFFSET)
		return -ENXIO;
	if (ioctl == KVM_GET_DEVICE_ATTR)
		return put_user(vcpu->tsc_offset, uaddr) ? -EFAULT : 0;
	if (get_user(offset, uaddr))
		return -EFAULT;
	return WITH_VMCS(vcpu, vmx_set_tsc_offset(vcpu, offset));
}

/* KVM_GET/SET_XSAVE: 4 KiB, off the stack. */
static long vcpu_xsave(struct kvmini_vcpu *vcpu, unsigned int ioctl, void __user *argp)
{
	struct kvm_xsave *xs;
	long r;

	if (ioctl == KVM_SET_XSAVE) {
		xs = memdup_user(argp, sizeof(*xs));
		if (IS_ERR(xs))
			return PTR_ERR(xs);
		r = vmx_set_xsave(vcpu, xs);
	} else {
		xs = kmalloc(sizeof(*xs), GFP_KERNEL_ACCOUNT);
		if (!xs)
			return -ENOMEM;
		r = vmx_get_xsave(vcpu, xs);
		if (!r && copy_to_user(argp, xs, sizeof(*xs)))
			r = -EFAULT;
	}
	kfree(xs);
	return r;
}

/*
 * KVM_SET_SIGNAL_MASK: the mask the thread runs the guest under, so a
 * VMM can leave a signal blocked everywhere but in KVM_RUN and kick a
 * vCPU with it.  As KVM, NULL drops the mask, SIGKILL and SIGSTOP are
 * never blocked, and the size is the kernel's sigset_t.
 */
static long vcpu_set_signal_mask(struct kvmini_vcpu *vcpu, void __user *argp)
{
	struct kvm_signal_mask __user *arg = argp;
	struct kvm_signal_mask m;
	sigset_t set;

	if (!argp) {
		vcpu->sigset_active = false;
		return 0;
	}
	if (copy_from_user(&m, arg, sizeof(m)))
		return -EFAULT;
	if (m.len != sizeof(set))
		return -EINVAL;
	if (copy_from_user(&set, arg->sigset, sizeof(set)))
		return -EFAULT;
	sigdelsetmask(&set, sigmask(SIGKILL) | sigmask(SIGSTOP));
	vcpu->sigset = set;
	vcpu->sigset_active = true;
	return 0;
}

/*
 * The thread's own mask is kept in real_blocked meanwhile, as KVM keeps
 * it: only this thread changes it, and it is always a subset of blocked.
 */
static long vcpu_run(struct kvmini_vcpu *vcpu)
{
	long r;

	if (vcpu->sigset_active)
		sigprocmask(SIG_SETMASK, &vcpu->sigset, &current->real_blocked);
	r = kvmini_vcpu_run(vcpu);
	if (vcpu->sigset_active) {
		sigprocmask(SIG_SETMASK, &current->real_blocked, NULL);
		sigemptyset(&current->real_blocked);
	}
	return r;
}

/*
 * KVM_ENABLE_CAP on a vCPU: KVM_CAP_ENFORCE_PV_FEATURE_CPUID, which
 * makes the paravirtual features follow the vCPU's CPUID (hypercall.c).
 * As KVM, flags or another capability are EINVAL.
 */
static long vcpu_enable_cap(struct kvmini_vcpu *vcpu, void __user *argp)
{
	struct kvm_enable_cap cap;

	if (copy_from_user(&cap, argp, sizeof(cap)))
		return -EFAULT;
	if (cap.flags || cap.cap != KVM_CAP_ENFORCE_PV_FEATURE_CPUID)
		return -EINVAL;
	vcpu->pv_enforce = cap.args[0];
	return 0;
}

static long vcpu_ioctl_locked(struct kvmini_vcpu *vcpu, unsigned int ioctl, void __user *argp,
			      unsigned long arg)
{
	union {
		struct kvm_regs regs;
		struct kvm_sregs sregs;
		struct kvm_vcpu_events events;
		struct kvm_xcrs xcrs;
		struct kvm_debugregs dbg;
	} u;

	switch (ioctl) {
	case KVM_RUN:
		if (arg)
			return -EINVAL;
		return vcpu_run(vcpu);
	case KVM_SET_SIGNAL_MASK:
		return vcpu_set_signal_mask(vcpu, argp);
	case KVM_ENABLE_CAP:
		return vcpu_enable_cap(vcpu, argp);
	case KVM_NMI:
		/* As KVM, with or without an irqchip; without virtual NMIs it is dropped. */
		vmx_queue_nmi(vcpu);
		return 0;
	case KVM_GET_REGS:
		WITH_VMCS(vcpu, vmx_get_regs(vcpu, &u.regs));
		return copy_to_user(argp, &u.regs, sizeof(u.regs)) ? -EFAULT : 0;
	case KVM_SET_REGS:
		if (copy_from_user(&u.regs, argp, sizeof(u.regs)))
			return -EFAULT;
		return WITH_VMCS(vcpu, vmx_set_regs(vcpu, &u.regs));
	case KVM_GET_SREGS:
		WITH_VMCS(vcpu, vmx_get_sregs(vcpu, &u.sregs));
		return copy_to_user(argp, &u.sregs, sizeof(u.sregs)) ? -EFAULT : 0;
	case KVM_SET_SREGS:
		if (copy_from_user(&u.sregs, argp, sizeof(u.sregs)))
			return -EFAULT;
		return kvmini_set_sregs(vcpu, &u.sregs);
	case KVM_GET_VCPU_EVENTS:
		WITH_VMCS(vcpu, (vmx_get_vcpu_events(vcpu, &u.events), 0));
		return copy_to_user(argp, &u.events, sizeof(u.events)) ? -EFAULT : 0;
	case KVM_SET_VCPU_EVENTS:
		if (copy_from_user(&u.events, argp, sizeof(u.events)))
			return -EFAULT;
		return WITH_VMCS(vcpu, vmx_set_vcpu_events(vcpu, &u.events));
	case KVM_GET_XSAVE:
	case KVM_SET_XSAVE:
		return vcpu_xsave(vcpu, ioctl, argp);
	case KVM_GET_XCRS:
		vmx_get_xcrs(vcpu, &u.xcrs);
		return copy_to_user(argp, &u.xcrs, sizeof(u.xcrs)) ? -EFAULT : 0;
	case KVM_SET_XCRS:
		if (copy_from_user(&u.xcrs, argp, sizeof(u.xcrs)))
			return -EFAULT;
		return vmx_set_xcrs(vcpu, &u.xcrs);
	case KVM_GET_DEBUGREGS:
		vmx_get_debugregs(vcpu, &u.dbg);
		return copy_to_user(argp, &u.dbg, sizeof(u.dbg)) ? -EFAULT : 0;
	case KVM_SET_DEBUGREGS:
		if (copy_from_user(&u.dbg, argp, sizeof(u.dbg)))
			return -EFAULT;
		return vmx_set_debugregs(vcpu, &u.dbg);
	case KVM_SET_CPUID2:
		return vcpu_set_cpuid(vcpu, argp);
	case KVM_GET_CPUID2:
		return vcpu_get_cpuid(vcpu, argp);
	case KVM_GET_MP_STATE:
		return vcpu_get_mp_state(vcpu, argp);
	case KVM_SET_MP_STATE:
		return vcpu_set_mp_state(vcpu, argp);
	case KVM_GET_LAPIC:
	case KVM_SET_LAPIC:
		return vcpu_lapic_state(vcpu, ioctl, argp);
	case KVM_GET_MSRS:
		return kvmini_msr_io(vcpu, argp, false);
	case KVM_SET_MSRS:
		return kvmini_msr_io(vcpu, argp, true);
	case KVM_GET_STATS_FD:
		return kvmini_get_stats_fd(vcpu->vm, vcpu);
	case KVM_HAS_DEVICE_ATTR:
	case KVM_GET_DEVICE_ATTR:
	case KVM_SET_DEVICE_ATTR:
		return vcpu_device_attr(vcpu, ioctl, argp);
	case KVM_INTERRUPT:
		return vcpu_interrupt(vcpu, argp);
	default:
		/* What KVM answers to a vCPU ioctl it does not know. */
		return -EINVAL;
	}
}

static long vcpu_ioctl(struct file *filp, unsigned int ioctl, unsigned long arg)
{
	struct kvmini_vcpu *vcpu = filp->private_data;
	long r;

	if (vcpu->vm->mm != current->mm)
		return -EIO;
	if (mutex_lock_killable(&vcpu->lock))
		return -EINTR;
	r = vcpu_ioctl_locked(vcpu, ioctl, (void __user *)arg, arg);
	mutex_unlock(&vcpu->lock);
	return r;
}

static const struct file_operations vcpu_fops = {
	.owner = THIS_MODULE,
	.release = vcpu_release,
	.unlocked_ioctl = vcpu_ioctl,
	.mmap = vcpu_mmap,
	.llseek = noop_llseek,
};

static void vcpu_free(struct kvmini_vcpu *vcpu)
{
	vlapic_destroy(vcpu);
	kfree(vcpu->cpuid);
	ept_cache_free(&vcpu->ept_cache);
	kvmini_free_page(vcpu->pio_data);
	kvmini_free_page(vcpu->run);
	kfree(vcpu);
}

/* Called by the VM's last reference: no fd of this vCPU is open. */
void kvmini_vcpu_destroy(struct kvmini_vcpu *vcpu)
{
	vmx_vcpu_uninit(vcpu);
	vcpu_free(vcpu);
}

/**
 * kvmini_vcpu_create - KVM_CREATE_VCPU
 * @vm: the VM
 * @id: the vCPU id, below KVMINI_MAX_VCPU_ID
 *
 * Return: the vCPU fd; -EINVAL for a bad id (at or above KVMINI_MAX_VCPU_ID
 * or the VM's KVM_CAP_MAX_VCPU_ID) or too many vCPUs, -EEXIST for an id
 * in use, -ENOMEM.
 */
int kvmini_vcpu_create(struct kvmini_vm *vm, unsigned long id)
{
	struct kvmini_vcpu *vcpu;
	char name[24];
	int i, r;

	if (id >= KVMINI_MAX_VCPU_ID)
		return -EINVAL;
	mutex_lock(&vm->lock);
	r = -EINVAL;
	if (vm->nr_vcpus >= KVMINI_MAX_VCPUS)
		goto out_unlock;
	if (!vm_vcpu_id_allowed(&vm->max_vcpu_ids, id, KVMINI_MAX_VCPU_ID))
		goto out_unlock;
	r = -EEXIST;
	for (i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i]->id == id)
			goto out_unlock;

	r = -ENOMEM;
	vcpu = kzalloc(sizeof(*vcpu), GFP_KERNEL_ACCOUNT);
	if (!vcpu)
		goto out_unlock;
	vcpu->vm = vm;
	vcpu->id = id;
	mutex_init(&vcpu->lock);
	vmx_vcpu_preempt_init(vcpu);
	vcpu->run = kvmini_alloc_page();
	vcpu->pio_data = kvmini_alloc_page();
	if (!vcpu->run || !vcpu->pio_data)
		goto out_free_vcpu;
	r = vmx_default_cpuid(vcpu);
	if (r)
		goto out_free_vcpu;
	/* As KVM: with an irqchip, the APs wait for INIT and SIPI. */
	vcpu->mp_state = KVM_MP_STATE_RUNNABLE;
	if (vm->irqchip) {
		r = vlapic_create(vcpu);
		if (r)
			goto out_free_vcpu;
		if (id != vm->bsp_vcpu_id)
			vcpu->mp_state = KVM_MP_STATE_UNINITIALIZED;
	}
	r = vmx_vcpu_init(vcpu);
	if (r)
		goto out_free_vcpu;

	snprintf(name, sizeof(name), "kvmini-vcpu:%lu", id);
	kvmini_vm_get(vm);
	r = anon_inode_getfd(name, &vcpu_fops, vcpu, O_RDWR | O_CLOEXEC);
	if (r < 0)
		goto out_put_vm;
	kvmini_debugfs_vcpu_add(vcpu);
	vm->vcpus[vm->nr_vcpus] = vcpu;
	/* Pairs with vlapic_send_ipi()'s acquire: the slot is set before it is counted. */
	smp_store_release(&vm->nr_vcpus, vm->nr_vcpus + 1);
	mutex_unlock(&vm->lock);
	return r;

out_put_vm:
	kvmini_vm_put(vm);
	vmx_vcpu_uninit(vcpu);
out_free_vcpu:
	vcpu_free(vcpu);
out_unlock:
	mutex_unlock(&vm->lock);
	return r;
}
