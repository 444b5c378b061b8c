// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/kvmini: what the tests and curious users look at.
 * "vmx" reads CR4.VMXE on every online CPU, so it shows what the
 * hardware is doing, not what kvmini believes.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "kvmini.h"
#include "stats.h"
#include "../vm/mem.h"
#include "../vm/vm.h"
#include "../vmx/exits.h"
#include "../vmx/vcpu.h"
#include "../vmx/vmx.h"

static struct dentry *kvmini_debugfs_dir;

static int vmx_show(struct seq_file *m, void *unused)
{
	vmx_root_show(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vmx);

static int vms_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "%u\n", kvmini_vm_count());
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vms);

/* What the CPU's VMX offers and the controls kvmini derived (kvmini info). */
static int caps_show(struct seq_file *m, void *unused)
{
	const struct vmx_caps *c = &kvmini_caps;

	seq_printf(m, "revision %#x\nvmcs_size %u\ntrue_controls %d\n",
		   c->revision_id, c->vmcs_size, c->true_ctls);
	seq_printf(m, "pin_controls %#010x\nproc_controls %#010x\nproc2_controls %#010x\n",
		   c->pin_ctls, c->proc_ctls, c->proc2_ctls);
	seq_printf(m, "exit_controls %#010x\nentry_controls %#010x\n", c->exit_ctls, c->entry_ctls);
	seq_printf(m, "ept_vpid_cap %#llx\nept_2m %d\nept_ad %d\ninvept_single %d\n",
		   c->ept_vpid, vmx_has_ept_2m(c), vmx_has_ept_ad(c), vmx_has_invept_single(c));
	seq_printf(m, "unrestricted_guest %d\nvpid %d\n", vmx_has_unrestricted_guest(c),
		   vmx_has_vpid(c));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(caps);

/* Pages kvmini allocated and guest pages its EPTs map: both 0 with no VM. */
static int memory_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "pages %ld\nmapped %ld\n", kvmini_mem_pages(),
		   kvmini_mem_mapped_pages());
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(memory);

/* One VM: the settings and what its EPT holds. */
static int vm_stats_show(struct seq_file *m, void *unused)
{
	struct kvmini_vm *vm = m->private;
	unsigned int i;

	seq_printf(m, "pid %d\nvcpus %u\n", vm->pid, READ_ONCE(vm->nr_vcpus));
	for (i = 0; i < kvmini_nr_vm_stats; i++)
		seq_printf(m, "%s %llu\n", kvmini_vm_stats[i].name, kvmini_vm_stat(vm, i));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vm_stats);

/* One vCPU: its counters, then its exits by SDM reason (those seen). */
static int vcpu_stats_show(struct seq_file *m, void *unused)
{
	struct kvmini_vcpu *vcpu = m->private;
	unsigned int i;

	for (i = 0; i < kvmini_nr_vcpu_stats; i++)
		seq_printf(m, "%s %llu\n", kvmini_vcpu_stats[i].name, kvmini_vcpu_stat(vcpu, i));
	for (i = 0; i < VMX_NR_EXIT_REASONS; i++) {
		u64 n = READ_ONCE(vcpu->stats.exit_reasons[i]);

		if (n)
			seq_printf(m, "exit.%s %llu\n", vmx_exit_name(i), n);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vcpu_stats);

/**
 * kvmini_debugfs_vm_add - a directory for a new VM, named like KVM's
 * ("<pid>-<fd>"), with a file "vm"
 * @vm: the VM
 * @fd: its fd in the creating process
 */
void kvmini_debugfs_vm_add(struct kvmini_vm *vm, int fd)
{
	struct dentry *old;
	char name[32];

	snprintf(name, sizeof(name), "%d-%d", vm->pid, fd);
	/*
	 * An earlier VM of this process that lives on through a vCPU's
	 * kvm_run mapping may hold the name of a closed fd.  As KVM: the new
	 * VM goes without a directory, and says so once in a while.
	 */
	old = debugfs_lookup(name, kvmini_debugfs_dir);
	if (old) {
		dput(old);
		pr_warn_ratelimited("kvmini: debugfs: duplicate directory %s\n", name);
		return;
	}
	vm->debugfs = debugfs_create_dir(name, kvmini_debugfs_dir);
	debugfs_create_file("vm", 0400, vm->debugfs, vm, &vm_stats_fops);
}

/* A file "vcpu<id>" in its VM's directory, if it has one. */
void kvmini_debugfs_vcpu_add(struct kvmini_vcpu *vcpu)
{
	char name[16];

	/* A NULL parent would put the file at the top of debugfs. */
	if (IS_ERR_OR_NULL(vcpu->vm->debugfs))
		return;
	snprintf(name, sizeof(name), "vcpu%u", vcpu->id);
	debugfs_create_file(name, 0400, vcpu->vm->debugfs, vcpu, &vcpu_stats_fops);
}

/* Waits for readers of the VM's files to leave them; NULL is fine. */
void kvmini_debugfs_vm_remove(struct kvmini_vm *vm)
{
	debugfs_remove_recursive(vm->debugfs);
}

/* debugfs is a debugging aid: kvmini works without it. */
void kvmini_debugfs_init(void)
{
	kvmini_debugfs_dir = debugfs_create_dir("kvmini", NULL);
	debugfs_create_file("vmx", 0400, kvmini_debugfs_dir, NULL, &vmx_fops);
	debugfs_create_file("vms", 0400, kvmini_debugfs_dir, NULL, &vms_fops);
	debugfs_create_file("memory", 0400, kvmini_debugfs_dir, NULL, &memory_fops);
	debugfs_create_file("caps", 0400, kvmini_debugfs_dir, NULL, &caps_fops);
}

void kvmini_debugfs_exit(void)
{
	debugfs_remove_recursive(kvmini_debugfs_dir);
}
