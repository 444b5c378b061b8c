// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/kvmini: what the tests and curious users look at.
 * "vmx" reads CR4.VMXE on every online CPU, so it shows what the
 * hardware is doing, not what kvmini believes.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "kvmini.h"
#include "mem.h"
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

/* Pages kvmini allocated and guest pages it pins: both 0 with no VM. */
static int memory_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "pages %ld\npinned %ld\n", kvmini_mem_pages(), kvmini_mem_pinned());
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(memory);

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
