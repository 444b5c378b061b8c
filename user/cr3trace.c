// SPDX-License-Identifier: GPL-2.0
/*
 * kvmini run --trace-cr3[=FILE] (issue 14): the module makes every MOV to
 * CR3 an exit (KVMINI_CAP_TRACE_CR3, include/uapi/kvmini_abi.h); cr3track.c
 * infers processes from them.  Events go to FILE as CSV, the counts to
 * stdout at the end.  One lock: vCPU threads report loads concurrently.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "../include/uapi/kvmini_abi.h"
#include "cr3track.h"
#include "kvmini.h"

/* Look at every live process again after this many loads. */
#define SWEEP_EVERY	16

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct cr3_track track;
static FILE *csv;
static bool all_loads;	/* --cr3-targets=off */
static bool log_loads;	/* KVMINI_TRACE_CR3_LOADS=1: every load in the CSV too */
static uint64_t last_tsc;	/* of the last exit: the final sweep's time */

static bool read_gpa(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	struct vm *vm = ctx;

	if (gpa > vm->mem_size || len > vm->mem_size - gpa)
		return false;
	memcpy(buf, vm->mem + gpa, len);
	return true;
}

static void emit(void *ctx, uint64_t tsc, unsigned int vcpu, enum cr3_event ev, uint64_t key)
{
	(void)ctx;
	if (!csv)
		return;
	if (vcpu < CR3TRACK_MAX_VCPUS)
		fprintf(csv, "%" PRIu64 ",%u,%s,0x%" PRIx64 "\n", tsc, vcpu, cr3_event_name(ev), key);
	else
		fprintf(csv, "%" PRIu64 ",,%s,0x%" PRIx64 "\n", tsc, cr3_event_name(ev), key);
}

/*
 * After vm_create(): asks the device, and opens FILE (NULL: no CSV).
 * @all: every load exits, no CR3-target list.
 */
void cr3trace_start(struct vm *vm, const char *file, bool all)
{
	struct kvm_enable_cap cap = {
		.cap = KVMINI_CAP_TRACE_CR3,
		.args = { all ? KVMINI_TRACE_CR3_ALL : KVMINI_TRACE_CR3_SWITCHES },
	};

	if (ioctl(vm->vm_fd, KVM_ENABLE_CAP, &cap) < 0)
		die("--trace-cr3: %s cannot trace CR3 loads (%s): a kvmini extension",
		    vm->device, strerror(errno));
	all_loads = all;
	log_loads = getenv("KVMINI_TRACE_CR3_LOADS") && !strcmp(getenv("KVMINI_TRACE_CR3_LOADS"), "1");
	track.read_gpa = read_gpa;
	track.emit = emit;
	track.ctx = vm;
	if (file) {
		csv = fopen(file, "w");
		if (!csv)
			die("--trace-cr3=%s: %s", file, strerror(errno));
		fprintf(csv, "tsc,vcpu,event,key\n");
	}
}

void cr3trace_exit(struct vcpu *vcpu, struct verdict *v)
{
	struct kvmini_exit_cr3 ev;

	memcpy(&ev, vcpu->run->padding, sizeof(ev));
	pthread_mutex_lock(&lock);
	last_tsc = ev.tsc;
	if (log_loads && csv)
		fprintf(csv, "%" PRIu64 ",%u,load,0x%" PRIx64 "\n", (uint64_t)ev.tsc, vcpu->id,
			(uint64_t)ev.cr3);
	if (cr3_track_load(&track, vcpu->id, ev.tsc, ev.cr3) < 0)
		verdict_fail(v, false, "--trace-cr3: out of memory");
	else if (track.loads % SWEEP_EVERY == 0)
		cr3_track_sweep(&track, ev.tsc);
	pthread_mutex_unlock(&lock);
}

/*
 * The summary; with --stats the same counts as "stats: trace-cr3 NAME N".
 * What the target list saves is not seen in a run that has it (the CPU
 * counts no target hits); with --cr3-targets=off every load exits, and the
 * repeated loads of the table already loaded are what the list avoids.
 */
void cr3trace_finish(bool stats)
{
	const char *names[] = { "cr3_exits", "created", "exited", "alive", "switches",
				"kernel_loads", "repeat_loads" };
	uint64_t n[7];
	unsigned int i;

	if (!track.read_gpa)
		return;
	pthread_mutex_lock(&lock);
	cr3_track_sweep(&track, last_tsc);
	n[0] = track.loads;
	n[1] = track.created;
	n[2] = track.exited;
	n[3] = cr3_track_alive(&track);
	n[4] = track.switches;
	n[5] = track.kernel_loads;
	n[6] = track.repeats;
	printf("trace-cr3: %" PRIu64 " CR3 exits, %" PRIu64 " processes created, %" PRIu64
	       " exited, %" PRIu64 " alive, %" PRIu64 " switches, %" PRIu64
	       " loads of the kernel's table, %" PRIu64 " repeated loads%s, target list %s\n",
	       n[0], n[1], n[2], n[3], n[4], n[5], n[6],
	       all_loads ? " (the exits a target list avoids)" : "", all_loads ? "off" : "on");
	for (i = 0; stats && i < 7; i++)
		printf("stats: trace-cr3 %s %" PRIu64 "\n", names[i], n[i]);
	if (csv && fclose(csv))
		fprintf(stderr, "kvmini: --trace-cr3: writing the CSV: %s\n", strerror(errno));
	csv = NULL;
	cr3_track_free(&track);
	pthread_mutex_unlock(&lock);
}
