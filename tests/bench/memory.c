// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel memory one VM costs: its VMCS, EPT tables and bookkeeping, with
 * one vCPU and all of its RAM touched by the guest.  The guest RAM is
 * allocated and written by the host before the first reading, so its
 * pages are in neither difference.  Two readings, each after a 3 s
 * pause (memory cgroup statistics are flushed every 2 s; freed objects
 * wait for RCU):
 *   memcg   memory.stat "kernel" of this process's cgroup (cgroup v2):
 *           every page and slab object the kernel charged to the VMM with
 *           __GFP_ACCOUNT, which KVM and kvmini both use; exact.
 *   free    MemFree of /proc/meminfo: everything, charged or not, but
 *           off by the per-CPU page lists (a few hundred KiB).
 * And, for the breakdown, the differences of the meminfo lines Slab,
 * SecPageTables (KVM's EPT tables), VmallocUsed, Percpu and KernelStack,
 * and kvmini's own count of the pages it allocated (debugfs).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "bench.h"

#define KVMINI_MEMORY	"/sys/kernel/debug/kvmini/memory"

enum { M_FREE, M_SLAB, M_SECPT, M_VMALLOC, M_PERCPU, M_KSTACK, M_MEMCG, M_KVMINI, M_NR };

static const char *const meminfo_keys[] = {
	[M_FREE] = "MemFree:", [M_SLAB] = "Slab:", [M_SECPT] = "SecPageTables:",
	[M_VMALLOC] = "VmallocUsed:", [M_PERCPU] = "Percpu:", [M_KSTACK] = "KernelStack:",
};

/* Each in KiB; -1 when this kernel or device does not have it. */
struct reading {
	long long v[M_NR];
};

/* The value after @key in a "key value" file, or -1. */
static long long file_value(const char *path, const char *key)
{
	char line[256], k[128];
	long long val, found = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%127s %lld", k, &val) == 2 && !strcmp(k, key)) {
			found = val;
			break;
		}
	}
	fclose(f);
	return found;
}

/* memory.stat of the cgroup (v2) this process is in, or "" when none. */
static void memcg_stat_path(char *buf, size_t len)
{
	char line[256];
	FILE *f = fopen("/proc/self/cgroup", "r");

	buf[0] = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = 0;
		snprintf(buf, len, "/sys/fs/cgroup%s/memory.stat", line + 3);
		break;
	}
	fclose(f);
	if (buf[0] && access(buf, R_OK))
		buf[0] = 0;
}

static void take_reading(struct reading *r, const char *memcg)
{
	long long v;
	unsigned int i;

	sleep(3);
	for (i = 0; i < M_MEMCG; i++)
		r->v[i] = file_value("/proc/meminfo", meminfo_keys[i]);
	v = memcg[0] ? file_value(memcg, "kernel") : -1;
	r->v[M_MEMCG] = v < 0 ? -1 : v / 1024;
	v = file_value(KVMINI_MEMORY, "pages");
	r->v[M_KVMINI] = v < 0 ? -1 : v * 4;
}

/* "name=<after - before>" in KiB (MemFree counts down), or "name=na". */
static void print_delta(const char *name, const struct reading *a, const struct reading *b,
			int i)
{
	if (a->v[i] < 0 || b->v[i] < 0)
		printf(" %s=na", name);
	else
		printf(" %s=%lld", name, i == M_FREE ? a->v[i] - b->v[i] : b->v[i] - a->v[i]);
}

static void print_stats(struct bench_vm *vm)
{
	struct bench_stats vs, cs;
	uint64_t exits = 0, p4k = 0, p2m = 0;

	if (stats_open(&vs, vm->fd)) {
		printf(" stats=na");
		return;
	}
	if (stats_open(&cs, vm->vcpu)) {
		stats_close(&vs);
		printf(" stats=na");
		return;
	}
	stats_get(&cs, "exits", &exits);
	stats_get(&vs, "pages_4k", &p4k);
	stats_get(&vs, "pages_2m", &p2m);
	printf(" exits=%llu pages_4k=%llu pages_2m=%llu", (unsigned long long)exits,
	       (unsigned long long)p4k, (unsigned long long)p2m);
	stats_close(&cs);
	stats_close(&vs);
}

/*
 * One VM with @maps x 64 MiB of guest RAM (one memfd mapped @maps times:
 * 1 GiB of guest address space costs the host 64 MiB), every page
 * touched by the guest.  Prints
 *   BENCHMEM <name> <label> memcg=<KiB> free=<KiB> slab= secpt= vmalloc= percpu= kstack= kvmini_pages=<KiB> [exits= pages_4k= pages_2m=]
 */
int mem_path(struct bench_dev *d, const char *label, const char *name, unsigned int maps,
	     bool huge)
{
	struct reading before, after;
	struct run_result res;
	struct bench_ram ram;
	struct bench_vm vm;
	char memcg[512];
	void *low;
	int r = -1;

	memcg_stat_path(memcg, sizeof(memcg));
	low = low_create();
	if (!low)
		return -1;
	if (ram_create(&ram, maps, huge))
		goto out_low;
	take_reading(&before, memcg);
	if (vm_create(&vm, d, low))
		goto out_ram;
	if (vm_add_ram(&vm, &ram) ||
	    vm_run_op(&vm, op_touch, maps * (BENCH_SLOT_SIZE / 4096), BENCH_RAM_GPA, &res))
		goto out_vm;
	if (res.end != RUN_HLT) {
		bench_err("%s: the guest took exception %u", name, res.vector);
		goto out_vm;
	}
	take_reading(&after, memcg);
	printf("BENCHMEM %s %s", name, label);
	print_delta("memcg", &before, &after, M_MEMCG);
	print_delta("free", &before, &after, M_FREE);
	print_delta("slab", &before, &after, M_SLAB);
	print_delta("secpt", &before, &after, M_SECPT);
	print_delta("vmalloc", &before, &after, M_VMALLOC);
	print_delta("percpu", &before, &after, M_PERCPU);
	print_delta("kstack", &before, &after, M_KSTACK);
	print_delta("kvmini_pages", &before, &after, M_KVMINI);
	print_stats(&vm);
	printf(" touch_ticks=%llu\n", (unsigned long long)res.ticks);
	r = 0;
out_vm:
	vm_destroy(&vm);
out_ram:
	ram_destroy(&ram);
out_low:
	munmap(low, BENCH_LOW_SIZE);
	return r;
}
