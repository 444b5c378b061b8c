// SPDX-License-Identifier: GPL-2.0
/*
 * bench PATH DEVICE LABEL [REPS [ITERS]]: one micro-benchmark on one device
 * (/dev/kvmini or /dev/kvm), REPS timed repetitions (7 by default) after
 * one untimed warm-up, ITERS operations per guest run (the path's own
 * count by default; fewer for tracing), printed as one line the host
 * parses:
 *   BENCH <path> <label> median=<ticks> min= max= q1= q3= n= per=<unit>
 * or, where the device cannot do the operation,
 *   BENCH <path> <label> na why="..."
 * Ticks are TSC ticks per operation; in Bochs with clock sync=none the
 * TSC counts instructions, so they measure work, repeatably.
 *
 * Paths (ticks per operation):
 *   cpuid    CPUID exit handled in the kernel
 *   vmcall   VMCALL with an unknown number, answered in the kernel (-KVM_ENOSYS)
 *   pio      port write exiting to userspace and back (one KVM_RUN round trip)
 *   mmio     write to an address with no slot, exiting to userspace
 *   touch4k  first touch of a 4 KiB page of 64 MiB of guest RAM (EPT fault-in)
 *   touch2m  the same over hugetlbfs-backed RAM (2 MiB pages on the host)
 *   refault  touch of a 4 KiB page whose EPT entry the MMU notifier took
 *            away (the VMM madvise(MADV_DONTNEED)ed its shared RAM, which
 *            keeps the pages in the page cache): the guest's way back
 *            after the host's reclaim, migration or the VMM's own changes
 *   create   create a VM, its vCPU and 64 MiB slot, run to HLT, close (host TSC)
 *   loop     1000 iterations of a guest loop with no exits
 * and the memory paths (memory.c), one VM each, printed as BENCHMEM lines:
 *   mem64m mem1g mem64m_2m mem1g_2m
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench.h"

#define MAX_REPS	31

static unsigned int reps = 7;
static uint32_t iters_override;

struct path {
	const char *name;
	const unsigned char *op;
	uint32_t iters;		/* per guest run */
	double scale;		/* operations per tick count reported: ticks * scale / iters */
	const char *per;
	int (*measure)(const struct path *p, struct bench_dev *d, void *low, double *out);
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void report(const struct path *p, const char *label, double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	printf("BENCH %s %s median=%.1f min=%.1f max=%.1f q1=%.1f q3=%.1f n=%u per=%s\n",
	       p->name, label, v[n / 2], v[0], v[n - 1], v[n / 4], v[(3 * n) / 4], n, p->per);
}

static void report_na(const char *path, const char *label, const char *why)
{
	printf("BENCH %s %s na why=\"%s\"\n", path, label, why);
}

/* Ops in one VM: a warm-up run, then one run per repetition. */
static int measure_op(const struct path *p, struct bench_dev *d, void *low, double *out)
{
	struct run_result res;
	struct bench_vm vm;
	unsigned int i;
	int r = -1;

	if (vm_create(&vm, d, low))
		return -1;
	for (i = 0; i <= reps; i++) {
		if (vm_run_op(&vm, p->op, p->iters, 0, &res))
			goto out;
		if (res.end == RUN_FAULT) {
			/* kvmini before its VMCALL handler: #UD, as on a CPU without VMX. */
			r = res.vector == 6 && p->op == op_vmcall ? 1 : -1;
			if (r < 0)
				bench_err("%s: the guest took exception %u", p->name, res.vector);
			goto out;
		}
		if (p->op == op_vmcall && res.ebx != (uint32_t)-KVM_ENOSYS) {
			bench_err("vmcall: EAX %#x after the hypercall, expected -KVM_ENOSYS",
				  res.ebx);
			goto out;
		}
		if ((p->op == op_pio || p->op == op_mmio) ? res.exits_to_user != p->iters :
		    res.exits_to_user != 0) {
			bench_err("%s: %lu exits to userspace for %u operations", p->name,
				  res.exits_to_user, p->iters);
			goto out;
		}
		if (i > 0)
			out[i - 1] = (double)res.ticks * p->scale / p->iters;
	}
	r = 0;
out:
	vm_destroy(&vm);
	return r;
}

/* EPT exits and mappings of the last VM, when the device has KVM's statistics. */
static void touch_info(const struct path *p, struct bench_vm *vm, const char *label)
{
	struct bench_stats vs, cs;
	uint64_t exits = 0, p4k = 0, p2m = 0;

	if (stats_open(&vs, vm->fd)) {
		printf("BENCHINFO %s %s stats=none (KVM_GET_STATS_FD: %s)\n", p->name, label,
		       strerror(errno));
		return;
	}
	if (stats_open(&cs, vm->vcpu)) {
		stats_close(&vs);
		printf("BENCHINFO %s %s stats=none (vCPU KVM_GET_STATS_FD: %s)\n", p->name,
		       label, strerror(errno));
		return;
	}
	stats_get(&cs, "exits", &exits);
	stats_get(&vs, "pages_4k", &p4k);
	stats_get(&vs, "pages_2m", &p2m);
	printf("BENCHINFO %s %s exits=%llu pages_4k=%llu pages_2m=%llu\n", p->name, label,
	       (unsigned long long)exits, (unsigned long long)p4k, (unsigned long long)p2m);
	stats_close(&cs);
	stats_close(&vs);
}

static const char *label;

/* Each repetition a fresh VM: every page of the 64 MiB is touched for the first time. */
static int measure_touch(const struct path *p, struct bench_dev *d, void *low, double *out)
{
	bool huge = !strcmp(p->name, "touch2m");
	struct run_result res;
	struct bench_ram ram;
	struct bench_vm vm;
	unsigned int i;
	int r = -1;

	if (ram_create(&ram, 1, huge))
		return -1;
	for (i = 0; i <= reps; i++) {
		if (vm_create(&vm, d, low))
			goto out_ram;
		if (vm_add_ram(&vm, &ram) ||
		    vm_run_op(&vm, op_touch, p->iters, BENCH_RAM_GPA, &res))
			goto out_vm;
		if (res.end != RUN_HLT) {
			bench_err("%s: the guest took exception %u", p->name, res.vector);
			goto out_vm;
		}
		if (i > 0)
			out[i - 1] = (double)res.ticks * p->scale / p->iters;
		if (i == reps)
			touch_info(p, &vm, label);
		vm_destroy(&vm);
	}
	r = 0;
	goto out_ram;
out_vm:
	vm_destroy(&vm);
out_ram:
	ram_destroy(&ram);
	return r;
}

/*
 * One VM for all repetitions: the guest touches its RAM once, then each
 * repetition the VMM drops its own mapping of all of it and the guest
 * touches it again.  The pages stay in the memfd, so each touch costs the
 * EPT fault and the VMM's minor fault, on both devices.
 */
static int measure_refault(const struct path *p, struct bench_dev *d, void *low, double *out)
{
	struct run_result res;
	struct bench_ram ram;
	struct bench_vm vm;
	unsigned int i;
	int r = -1;

	if (ram_create(&ram, 1, false))
		return -1;
	if (vm_create(&vm, d, low))
		goto out_ram;
	if (vm_add_ram(&vm, &ram))
		goto out_vm;
	for (i = 0; i <= reps + 1; i++) {
		if (i > 0 && madvise(ram.map[0], BENCH_SLOT_SIZE, MADV_DONTNEED)) {
			bench_err("%s: madvise(MADV_DONTNEED): %s", p->name, strerror(errno));
			goto out_vm;
		}
		if (vm_run_op(&vm, op_touch, p->iters, BENCH_RAM_GPA, &res))
			goto out_vm;
		if (res.end != RUN_HLT) {
			bench_err("%s: the guest took exception %u", p->name, res.vector);
			goto out_vm;
		}
		/* Run 0 maps for the first time, run 1 warms the refault path. */
		if (i > 1)
			out[i - 2] = (double)res.ticks * p->scale / p->iters;
	}
	touch_info(p, &vm, label);
	r = 0;
out_vm:
	vm_destroy(&vm);
out_ram:
	ram_destroy(&ram);
	return r;
}

/* Idle and I/O-wait time of all CPUs so far, in USER_HZ ticks, or -1. */
static long long idle_ticks(void)
{
	unsigned long long user, nice, sys, idle, iowait;
	FILE *f = fopen("/proc/stat", "r");
	int n;

	if (!f)
		return -1;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu", &user, &nice, &sys, &idle, &iowait);
	fclose(f);
	return n == 5 ? (long long)(idle + iowait) : -1;
}

/*
 * Host side: KVM_CREATE_VM to the last close, with the run to HLT between.
 * The TSC also runs while the CPU idles (waiting for RCU, a worker):
 * how much of the time was idle is said on a BENCHINFO line.
 */
static int measure_create(const struct path *p, struct bench_dev *d, void *low, double *out)
{
	struct run_result res;
	struct bench_ram ram;
	struct bench_vm vm;
	unsigned int i;
	long long idle0 = -1, idle1;
	uint64_t t0;
	int r = -1;

	if (ram_create(&ram, 1, false))
		return -1;
	for (i = 0; i <= reps; i++) {
		if (i == 1)
			idle0 = idle_ticks();
		t0 = rdtsc_host();
		if (vm_create(&vm, d, low))
			goto out;
		if (vm_add_ram(&vm, &ram) || vm_run_op(&vm, op_hlt, 0, 0, &res) ||
		    res.end != RUN_HLT) {
			bench_err("%s: the VM did not run to its HLT", p->name);
			vm_destroy(&vm);
			goto out;
		}
		vm_destroy(&vm);
		if (i > 0)
			out[i - 1] = (double)(rdtsc_host() - t0) * p->scale / p->iters;
	}
	idle1 = idle_ticks();
	if (idle0 >= 0 && idle1 >= 0)
		printf("BENCHINFO %s %s idle_ms_per_vm=%.1f\n", p->name, label,
		       (idle1 - idle0) * 1000.0 / sysconf(_SC_CLK_TCK) / reps);
	r = 0;
out:
	ram_destroy(&ram);
	return r;
}

static const struct path paths[] = {
	{ "cpuid", op_cpuid, 2000, 1, "exit", measure_op },
	{ "vmcall", op_vmcall, 2000, 1, "exit", measure_op },
	{ "pio", op_pio, 500, 1, "round-trip", measure_op },
	{ "mmio", op_mmio, 500, 1, "round-trip", measure_op },
	{ "touch4k", op_touch, BENCH_SLOT_SIZE / 4096, 1, "page", measure_touch },
	{ "touch2m", op_touch, BENCH_SLOT_SIZE / 4096, 1, "page", measure_touch },
	{ "refault", op_touch, BENCH_SLOT_SIZE / 4096, 1, "page", measure_refault },
	{ "create", op_hlt, 1, 1, "vm", measure_create },
	{ "loop", op_loop, 1000000, 1000, "1000-iterations", measure_op },
};

static const struct {
	const char *name;
	unsigned int maps;
	bool huge;
} mem_paths[] = {
	{ "mem64m", 1, false },
	{ "mem1g", 16, false },
	{ "mem64m_2m", 1, true },
	{ "mem1g_2m", 16, true },
};

static void usage(void)
{
	unsigned int i;

	fprintf(stderr, "usage: bench PATH DEVICE LABEL [REPS [ITERS]]\npaths:");
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		fprintf(stderr, " %s", paths[i].name);
	for (i = 0; i < sizeof(mem_paths) / sizeof(mem_paths[0]); i++)
		fprintf(stderr, " %s", mem_paths[i].name);
	fputc('\n', stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	double v[MAX_REPS];
	struct bench_dev d;
	struct path p;
	const char *name;
	unsigned int i;
	void *low;
	int r;

	if (argc < 4 || argc > 6)
		usage();
	name = argv[1];
	label = argv[3];
	if (argc >= 5) {
		reps = strtoul(argv[4], NULL, 10);
		if (reps < 1 || reps > MAX_REPS) {
			bench_err("REPS: 1 to %d", MAX_REPS);
			return 2;
		}
	}
	if (argc == 6) {
		iters_override = strtoul(argv[5], NULL, 10);
		if (iters_override < 1 || iters_override > 10000000) {
			bench_err("ITERS: 1 to 10000000");
			return 2;
		}
	}
	for (i = 0; i < sizeof(mem_paths) / sizeof(mem_paths[0]); i++) {
		if (strcmp(name, mem_paths[i].name))
			continue;
		if (dev_open(&d, argv[2]))
			return 1;
		r = mem_path(&d, label, name, mem_paths[i].maps, mem_paths[i].huge);
		dev_close(&d);
		return r ? 1 : 0;
	}
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (!strcmp(name, paths[i].name))
			break;
	if (i == sizeof(paths) / sizeof(paths[0]))
		usage();
	if (dev_open(&d, argv[2]))
		return 1;
	low = low_create();
	p = paths[i];
	if (iters_override && p.measure == measure_op)
		p.iters = iters_override;
	r = low ? p.measure(&p, &d, low, v) : -1;
	if (r == 0)
		report(&p, label, v, reps);
	else if (r > 0)
		report_na(name, label, "the guest got #UD on VMCALL: no hypercalls in the kernel");
	else
		printf("BENCH %s %s error\n", name, label);
	if (low)
		munmap(low, BENCH_LOW_SIZE);
	dev_close(&d);
	return r < 0 ? 1 : 0;
}
