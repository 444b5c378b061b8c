/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One counter from KVM's binary statistics (KVM_GET_STATS_FD), which
 * kvmini gives in the same format: the test programs read both alike.
 */
#ifndef KVMINI_KSTATS_H
#define KVMINI_KSTATS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/kvm.h>

/* The value of the statistic @name in the stats fd @fd, or -1. */
static inline int64_t stat_value(int fd, const char *name)
{
	struct kvm_stats_header h;
	size_t dsize;
	char *descs;
	int64_t val = -1;
	uint32_t i;

	if (pread(fd, &h, sizeof(h), 0) != sizeof(h))
		return -1;
	dsize = sizeof(struct kvm_stats_desc) + h.name_size;
	descs = malloc(dsize * h.num_desc);
	if (!descs)
		return -1;
	if (pread(fd, descs, dsize * h.num_desc, h.desc_offset) != (ssize_t)(dsize * h.num_desc))
		goto out;
	for (i = 0; i < h.num_desc; i++) {
		struct kvm_stats_desc *d = (void *)(descs + i * dsize);
		uint64_t v;

		if (strcmp(d->name, name))
			continue;
		if (pread(fd, &v, sizeof(v), h.data_offset + d->offset) == sizeof(v))
			val = v;
		break;
	}
out:
	free(descs);
	return val;
}

/*
 * kvmini's debugfs counter @name in the VM's @file ("vm", "vcpu0"...) of
 * this process's VM @vm_fd: @absent when the file has no such line (exit.*
 * lines appear at the first exit), -1 without the file.
 */
static inline long long debugfs_value(int vm_fd, const char *file, const char *name,
				      long long absent)
{
	char path[96], line[128];
	long long val = absent;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/debug/kvmini/%d-%d/%s", getpid(), vm_fd, file);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char key[64];
		long long v;

		if (sscanf(line, "%63s %lld", key, &v) == 2 && !strcmp(key, name))
			val = v;
	}
	fclose(f);
	return val;
}

#endif
