/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The counters of a VM and of its vCPUs, by name (stats.c), for the
 * binary statistics fd and for debugfs.
 */
#ifndef KVMINI_IOCTL_STATS_H
#define KVMINI_IOCTL_STATS_H

#include <linux/types.h>

struct kvmini_vm;
struct kvmini_vcpu;

struct kvmini_stat {
	const char *name;
	u32 flags;		/* KVM_STATS_TYPE_*, _UNIT_*, _BASE_* */
	size_t offset;		/* in struct vcpu_stats, or kvmini_vm for a VM */
};

extern const struct kvmini_stat kvmini_vcpu_stats[];
extern const unsigned int kvmini_nr_vcpu_stats;
extern const struct kvmini_stat kvmini_vm_stats[];
extern const unsigned int kvmini_nr_vm_stats;

u64 kvmini_vcpu_stat(const struct kvmini_vcpu *vcpu, unsigned int i);
u64 kvmini_vm_stat(const struct kvmini_vm *vm, unsigned int i);
int kvmini_get_stats_fd(struct kvmini_vm *vm, struct kvmini_vcpu *vcpu);

#endif /* KVMINI_IOCTL_STATS_H */
