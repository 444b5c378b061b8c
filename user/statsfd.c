// SPDX-License-Identifier: GPL-2.0
/*
 * KVM's binary statistics (KVM_GET_STATS_FD), read whole: the same code
 * reads KVM's counters and kvmini's, which is the point of the format.
 * For `kvmini run --stats`: "stats: vcpuN NAME VALUE" lines.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kvmini.h"
#include "vmstats.h"

int statsfd_read(int fd, struct kv *out, int max)
{
	struct kvm_stats_header h;
	size_t dsize;
	char *descs = NULL;
	int n = 0;
	uint32_t i;

	if (pread(fd, &h, sizeof(h), 0) != sizeof(h) || h.num_desc > 4096 ||
	    h.name_size == 0 || h.name_size > 256)
		return -EINVAL;
	dsize = sizeof(struct kvm_stats_desc) + h.name_size;
	descs = malloc(dsize * h.num_desc);
	if (!descs)
		return -ENOMEM;
	if (pread(fd, descs, dsize * h.num_desc, h.desc_offset) != (ssize_t)(dsize * h.num_desc)) {
		free(descs);
		return -EIO;
	}
	for (i = 0; i < h.num_desc && n < max; i++) {
		struct kvm_stats_desc *d = (void *)(descs + i * dsize);
		uint64_t v;

		/* Histograms and arrays are not counters to print in a line. */
		if (d->size != 1 || strnlen(d->name, h.name_size) >= KV_NAME_MAX)
			continue;
		if (pread(fd, &v, sizeof(v), h.data_offset + d->offset) != sizeof(v))
			continue;
		memcpy(out[n].name, d->name, strnlen(d->name, h.name_size) + 1);
		out[n].value = v;
		n++;
	}
	free(descs);
	return n;
}

void statsfd_print(int vcpu_fd, unsigned int id)
{
	struct kv kv[KV_MAX];
	int fd = ioctl(vcpu_fd, KVM_GET_STATS_FD, NULL);
	int i, n;

	if (fd < 0) {
		note("note: no counters from the device: KVM_GET_STATS_FD: %s", strerror(errno));
		return;
	}
	n = statsfd_read(fd, kv, KV_MAX);
	close(fd);
	for (i = 0; i < n; i++)
		printf("stats: vcpu%u %s %llu\n", id, kv[i].name, (unsigned long long)kv[i].value);
}
