// SPDX-License-Identifier: GPL-2.0
/*
 * KVM's binary statistics (KVM_GET_STATS_FD; Documentation/virt/kvm/api.rst):
 * the same code reads KVM's counters and kvmini's, which is the point of
 * the format.  The exits() hypercall finds one counter; `kvmini run
 * --stats` prints them all as "stats: vm NAME VALUE" and "stats: vcpuN
 * NAME VALUE" lines (the VM's: EPT pages, MMU notifier work).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kvmini.h"
#include "vmstats.h"

/*
 * The header and all descriptors of @fd: NULL, or why not.  The caller
 * frees *descs; each descriptor is sizeof(kvm_stats_desc) + name_size.
 */
static const char *read_descs(int fd, struct kvm_stats_header *h, uint8_t **descs)
{
	size_t size;

	if (!pread_all(fd, h, sizeof(*h), 0))
		return "cannot read the statistics header";
	/* KVM's names are 48 bytes and its vCPUs have a few dozen counters. */
	if (!h->name_size || h->name_size > 4096 || h->num_desc > 65536)
		return "implausible statistics header";
	size = (sizeof(struct kvm_stats_desc) + h->name_size) * h->num_desc;
	*descs = malloc(size + 1);
	if (!*descs)
		return "out of memory";
	if (!pread_all(fd, *descs, size, h->desc_offset)) {
		free(*descs);
		return "cannot read the statistics descriptors";
	}
	return NULL;
}

static const struct kvm_stats_desc *desc_at(const struct kvm_stats_header *h,
					    const uint8_t *descs, uint32_t i)
{
	return (const void *)(descs + i * (sizeof(struct kvm_stats_desc) + h->name_size));
}

const char *statsfd_find(int fd, const char *name, uint64_t *pos, uint32_t *flags)
{
	struct kvm_stats_header h;
	const char *why;
	uint8_t *descs;
	uint32_t i;

	why = read_descs(fd, &h, &descs);
	if (why)
		return why;
	why = "no such counter among its statistics";
	for (i = 0; i < h.num_desc; i++) {
		const struct kvm_stats_desc *d = desc_at(&h, descs, i);

		if (strnlen(d->name, h.name_size) == h.name_size || strcmp(d->name, name) ||
		    d->size < 1)
			continue;
		*pos = (uint64_t)h.data_offset + d->offset;
		*flags = d->flags;
		why = NULL;
		break;
	}
	free(descs);
	return why;
}

int statsfd_read(int fd, struct kv *out, int max)
{
	struct kvm_stats_header h;
	uint8_t *descs;
	int n = 0;
	uint32_t i;

	if (read_descs(fd, &h, &descs))
		return -EINVAL;
	for (i = 0; i < h.num_desc && n < max; i++) {
		const struct kvm_stats_desc *d = desc_at(&h, descs, i);
		size_t len = strnlen(d->name, h.name_size);
		uint64_t v;

		/* Histograms and arrays are not counters to print in a line. */
		if (d->size != 1 || len >= KV_NAME_MAX)
			continue;
		if (!pread_all(fd, &v, sizeof(v), (uint64_t)h.data_offset + d->offset))
			continue;
		memcpy(out[n].name, d->name, len);
		out[n].name[len] = '\0';
		out[n].value = v;
		n++;
	}
	free(descs);
	return n;
}

void statsfd_print(int owner_fd, bool vm, unsigned int id)
{
	struct kv kv[KV_MAX];
	int fd = ioctl(owner_fd, KVM_GET_STATS_FD, NULL);
	char who[16];
	int i, n;

	if (fd < 0) {
		note("note: no counters from the device: KVM_GET_STATS_FD: %s", strerror(errno));
		return;
	}
	n = statsfd_read(fd, kv, KV_MAX);
	close(fd);
	if (n < 0)
		note("note: the device's statistics file cannot be read");
	if (vm)
		snprintf(who, sizeof(who), "vm");
	else
		snprintf(who, sizeof(who), "vcpu%u", id);
	for (i = 0; i < n; i++)
		printf("stats: %s %s %llu\n", who, kv[i].name, (unsigned long long)kv[i].value);
}
