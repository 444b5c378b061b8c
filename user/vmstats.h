/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `kvmini stats` (vmstats.c): the "name value" lines of the module's
 * debugfs files, parsed without trusting them.
 */
#ifndef KVMINI_VMSTATS_H
#define KVMINI_VMSTATS_H

#include <stdint.h>
#include <stdio.h>

#define KV_NAME_MAX	48
#define KV_MAX		128	/* counters per file */
#define KV_MAX_VCPUS	16

struct kv {
	char name[KV_NAME_MAX];
	uint64_t value;
};

/* Parses "name value" lines into @out; skips lines that are not that. Returns the count. */
int kv_parse(const char *text, struct kv *out, int max);
/* The index of @name in @kv, or -1. */
int kv_find(const struct kv *kv, int n, const char *name);

/* Every VM's table under @root (the module's debugfs directory); returns the VM count. */
int vmstats_print(const char *root, FILE *out);

/*
 * statsfd.c: where the counter @name is in the statistics file @fd (its
 * offset and KVM_STATS_* flags): NULL, or why not.
 */
const char *statsfd_find(int fd, const char *name, uint64_t *pos, uint32_t *flags);
/* KVM_GET_STATS_FD's counters as name/value pairs, or -errno. */
int statsfd_read(int fd, struct kv *out, int max);
/*
 * "stats: WHO NAME VALUE" for each counter the device keeps for the VM
 * or vCPU of @fd: WHO is "vm" for a VM fd (@id unused), "vcpuN" for vCPU N.
 */
void statsfd_print(int fd, bool vm, unsigned int id);

#endif
