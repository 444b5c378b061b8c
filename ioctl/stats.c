// SPDX-License-Identifier: GPL-2.0
/*
 * Statistics: one table of counters per VM and per vCPU, shown two ways.
 * KVM_GET_STATS_FD gives a file in KVM's binary format (header, id,
 * descriptors, data; Documentation/virt/kvm/api.rst), so a client that
 * reads KVM's statistics reads kvmini's; debugfs shows the same counters
 * as text (debugfs.c).  Counters that KVM also has carry KVM's names.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kvm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/stddef.h>
#include <linux/uaccess.h>

#include "kvmini.h"
#include "stats.h"
#include "../vm/vm.h"
#include "../vmx/vcpu.h"

/* The header says how long names are; KVM's are 48 bytes, NUL included. */
#define STATS_NAME_SIZE	48

#define CUMULATIVE	(KVM_STATS_TYPE_CUMULATIVE | KVM_STATS_UNIT_NONE | KVM_STATS_BASE_POW10)
#define INSTANT		(KVM_STATS_TYPE_INSTANT | KVM_STATS_UNIT_NONE | KVM_STATS_BASE_POW10)
#define CYCLES		(KVM_STATS_TYPE_CUMULATIVE | KVM_STATS_UNIT_CYCLES | KVM_STATS_BASE_POW10)

#define VCPU_STAT(field, fl) \
	{ .name = #field, .flags = (fl), .offset = offsetof(struct vcpu_stats, field) }

const struct kvmini_stat kvmini_vcpu_stats[] = {
	VCPU_STAT(exits, CUMULATIVE),
	VCPU_STAT(io_exits, CUMULATIVE),
	VCPU_STAT(mmio_exits, CUMULATIVE),
	VCPU_STAT(halt_exits, CUMULATIVE),
	VCPU_STAT(irq_exits, CUMULATIVE),
	VCPU_STAT(irq_window_exits, CUMULATIVE),
	VCPU_STAT(request_irq_exits, CUMULATIVE),
	VCPU_STAT(signal_exits, CUMULATIVE),
	VCPU_STAT(hypercalls, CUMULATIVE),
	VCPU_STAT(exits_to_user, CUMULATIVE),
	VCPU_STAT(entries, CUMULATIVE),
	VCPU_STAT(entry_failures, CUMULATIVE),
	VCPU_STAT(ept_faults, CUMULATIVE),
	VCPU_STAT(migrations, CUMULATIVE),
	VCPU_STAT(cr3_exits, CUMULATIVE),
	VCPU_STAT(guest_cycles, CYCLES),
	VCPU_STAT(handler_cycles, CYCLES),
};

const unsigned int kvmini_nr_vcpu_stats = ARRAY_SIZE(kvmini_vcpu_stats);

u64 kvmini_vcpu_stat(const struct kvmini_vcpu *vcpu, unsigned int i)
{
	return READ_ONCE(*(const u64 *)((const char *)&vcpu->stats + kvmini_vcpu_stats[i].offset));
}

#define VM_STAT(stat, field, fl) \
	{ .name = stat, .flags = (fl), .offset = offsetof(struct kvmini_vm, field) }

/*
 * What the VM's EPT holds right now (pages_4k and pages_2m as in KVM),
 * then what the MMU notifier did to it (vm/notifier.c).  Every field is
 * 64 bits wide.
 */
const struct kvmini_stat kvmini_vm_stats[] = {
	VM_STAT("pages_4k", ept.mapped_pages, INSTANT),
	VM_STAT("pages_2m", ept.mapped_2m, INSTANT),
	VM_STAT("ept_table_pages", ept.table_pages, INSTANT),
	VM_STAT("mmu_invalidations", mmu_stats.mmu_invalidations, CUMULATIVE),
	VM_STAT("mmu_zapped_4k", mmu_stats.mmu_zapped_4k, CUMULATIVE),
	VM_STAT("mmu_zapped_2m", mmu_stats.mmu_zapped_2m, CUMULATIVE),
	VM_STAT("mmu_fault_retries", mmu_stats.mmu_fault_retries, CUMULATIVE),
	VM_STAT("mmu_refaults", mmu_stats.mmu_refaults, CUMULATIVE),
};

const unsigned int kvmini_nr_vm_stats = ARRAY_SIZE(kvmini_vm_stats);

u64 kvmini_vm_stat(const struct kvmini_vm *vm, unsigned int i)
{
	return READ_ONCE(*(const u64 *)((const char *)vm + kvmini_vm_stats[i].offset));
}

/* One open statistics file: a VM's, or one of its vCPUs'. */
struct stats_file {
	struct kvmini_vm *vm;
	struct kvmini_vcpu *vcpu;	/* NULL for the VM's */
	char id[STATS_NAME_SIZE];
};

/* The whole file, built at each read so the data part is current. */
static void *stats_build(const struct stats_file *sf, size_t *len)
{
	const struct kvmini_stat *table = sf->vcpu ? kvmini_vcpu_stats : kvmini_vm_stats;
	unsigned int i, n = sf->vcpu ? kvmini_nr_vcpu_stats : kvmini_nr_vm_stats;
	/* Not sizeof: 6.12's kernel-side kvm_stats_desc holds the name itself. */
	size_t desc_size = offsetof(struct kvm_stats_desc, name) + STATS_NAME_SIZE;
	struct kvm_stats_header *h;
	u64 *data;
	char *buf;

	*len = sizeof(*h) + STATS_NAME_SIZE + n * desc_size + n * sizeof(u64);
	buf = kzalloc(*len, GFP_KERNEL_ACCOUNT);
	if (!buf)
		return NULL;
	h = (struct kvm_stats_header *)buf;
	h->name_size = STATS_NAME_SIZE;
	h->num_desc = n;
	h->id_offset = sizeof(*h);
	h->desc_offset = h->id_offset + STATS_NAME_SIZE;
	h->data_offset = h->desc_offset + n * desc_size;
	memcpy(buf + h->id_offset, sf->id, sizeof(sf->id));
	data = (u64 *)(buf + h->data_offset);
	for (i = 0; i < n; i++) {
		struct kvm_stats_desc *d = (void *)(buf + h->desc_offset + i * desc_size);

		d->flags = table[i].flags;
		d->size = 1;
		d->offset = i * sizeof(u64);
		strscpy(d->name, table[i].name, STATS_NAME_SIZE);
		data[i] = sf->vcpu ? kvmini_vcpu_stat(sf->vcpu, i) : kvmini_vm_stat(sf->vm, i);
	}
	return buf;
}

static ssize_t stats_read(struct file *file, char __user *ubuf, size_t size, loff_t *pos)
{
	size_t len;
	ssize_t r;
	void *buf = stats_build(file->private_data, &len);

	if (!buf)
		return -ENOMEM;
	r = simple_read_from_buffer(ubuf, size, pos, buf, len);
	kfree(buf);
	return r;
}

static int stats_release(struct inode *inode, struct file *file)
{
	struct stats_file *sf = file->private_data;

	kvmini_vm_put(sf->vm);
	kfree(sf);
	return 0;
}

static const struct file_operations stats_fops = {
	.owner = THIS_MODULE,
	.read = stats_read,
	.release = stats_release,
	.llseek = noop_llseek,
};

/**
 * kvmini_get_stats_fd - KVM_GET_STATS_FD on a VM fd or a vCPU fd
 * @vm: the VM
 * @vcpu: the vCPU, or NULL for the VM's statistics
 *
 * Return: a read-only fd that holds a reference on the VM, or -errno.
 */
int kvmini_get_stats_fd(struct kvmini_vm *vm, struct kvmini_vcpu *vcpu)
{
	struct stats_file *sf;
	struct file *file;
	int fd, err;

	sf = kzalloc(sizeof(*sf), GFP_KERNEL_ACCOUNT);
	if (!sf)
		return -ENOMEM;
	sf->vm = vm;
	sf->vcpu = vcpu;
	if (vcpu)
		snprintf(sf->id, sizeof(sf->id), "kvmini-%d/vcpu-%u",
			 task_pid_nr(current), vcpu->id);
	else
		snprintf(sf->id, sizeof(sf->id), "kvmini-%d", task_pid_nr(current));
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		err = fd;
		goto out_free;
	}
	file = anon_inode_getfile("kvmini-stats", &stats_fops, sf, O_RDONLY);
	if (IS_ERR(file)) {
		err = PTR_ERR(file);
		goto out_put_fd;
	}
	/* Readers use pread(), as with KVM's statistics files. */
	file->f_mode |= FMODE_PREAD;
	kvmini_vm_get(vm);
	fd_install(fd, file);
	return fd;

out_put_fd:
	put_unused_fd(fd);
out_free:
	kfree(sf);
	return err;
}
