// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_EXIT_IO: port accesses of 1, 2 or 4 bytes, possibly a string
 * (rep ins/outs: run->io.count accesses packed at data_offset).  A wide
 * access is a run of byte accesses at consecutive ports, as on an ISA
 * bus, except on the 0xe9 debug port, which prints every byte it is
 * given.  A 4-byte access to HC_PORT is a hypercall (hcall.c), one to
 * DISK_PORT a disk request (disk.c).  fw_cfg (fwcfg.c) and QEMU's
 * isa-debug-exit and pc-testdev's register (testdev.c) take whole accesses too: fw_cfg's selector is one
 * 16-bit register, and debug-exit's value is the 1, 2 or 4 bytes
 * written, as QEMU's `-device isa-debug-exit,iobase=0xf4,iosize=0x4`
 * (the exit status (value << 1) | 1).  The other devices are the VM's
 * table of port ranges (vm->ports: the test console's, or the PC's);
 * ports nobody decodes read as all ones and drop writes, and --stats
 * marks them unhandled.
 */
#include <pthread.h>
#include <string.h>

#include "kvmini.h"

static pthread_mutex_t hcall_lock = PTHREAD_MUTEX_INITIALIZER;
/* One fw_cfg for every vCPU: its selected item and offset are the machine's. */
static pthread_mutex_t fwcfg_lock = PTHREAD_MUTEX_INITIALIZER;

#define DEBUG_PORT	0xe9
#define DEBUG_EXIT_PORT	0xf4
#define DEBUG_EXIT_SIZE	4

/* The first access of a string is the one that counts: the run ends there. */
static void debug_exit(struct kvm_run *run, uint8_t *data, struct verdict *v)
{
	uint32_t value = 0;
	unsigned int i;

	if (run->io.direction == KVM_EXIT_IO_IN) {
		/* QEMU's reads as 0. */
		memset(data, 0, (size_t)run->io.size * run->io.count);
		return;
	}
	for (i = 0; i < run->io.size; i++)
		value |= (uint32_t)data[i] << (8 * i);
	v->kind = VERDICT_EXIT;
	v->exit_status = (int)((value << 1) | 1);
}

static const struct port_range *find(const struct vm *vm, uint16_t port)
{
	unsigned int i;

	for (i = 0; i < vm->nr_ports; i++)
		if (port >= vm->ports[i].first && port <= vm->ports[i].last)
			return &vm->ports[i];
	return NULL;
}

static bool port_access(struct vcpu *vcpu, uint16_t port, bool out, uint8_t *data,
			unsigned int size, struct verdict *v)
{
	bool handled = false;
	unsigned int i;

	for (i = 0; i < size; i++) {
		uint16_t p = port == DEBUG_PORT ? port : (uint16_t)(port + i);
		const struct port_range *dev = find(vcpu->vm, p);

		if (dev) {
			dev->access(vcpu, dev, p, out, &data[i], v);
			handled = true;
		} else if (!out) {
			data[i] = 0xff;
		}
	}
	return handled;
}

void io_exit(struct vcpu *vcpu, struct verdict *v)
{
	struct kvm_run *run = vcpu->run;
	bool out = run->io.direction == KVM_EXIT_IO_OUT;
	unsigned int size = run->io.size, i;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;

	if (size != 1 && size != 2 && size != 4) {
		verdict_fail(v, false, "KVM_EXIT_IO with size %u at port 0x%x", size,
			     run->io.port);
		return;
	}
	if ((uint64_t)run->io.data_offset + (uint64_t)size * run->io.count >
	    vcpu->vm->run_size) {
		verdict_fail(v, false,
			     "KVM_EXIT_IO data (offset %llu, %u x %u bytes) lies outside the vCPU mapping",
			     (unsigned long long)run->io.data_offset, run->io.count, size);
		return;
	}
	if (run->io.port == HC_PORT && !vcpu->vm->pc && !vcpu->vm->shared_ram) {
		bool handled;

		/* The share and its open files are the VM's, for every vCPU thread. */
		pthread_mutex_lock(&hcall_lock);
		handled = hcall_io(&vcpu->hcall, run, data, v);
		pthread_mutex_unlock(&hcall_lock);
		if (handled) {
			stats_port(run->io.port, out, true);
			return;
		}
	}
	if (vcpu->vm->debug_exit && run->io.port >= DEBUG_EXIT_PORT &&
	    run->io.port < DEBUG_EXIT_PORT + DEBUG_EXIT_SIZE) {
		debug_exit(run, data, v);
		stats_port(run->io.port, out, true);
		return;
	}
	if (vcpu->vm->fwcfg && (run->io.port == FWCFG_PORT_SEL || run->io.port == FWCFG_PORT_DATA)) {
		pthread_mutex_lock(&fwcfg_lock);
		for (i = 0; i < run->io.count; i++)
			fwcfg_io(vcpu->vm->fwcfg, run->io.port, out, size, data + i * size);
		pthread_mutex_unlock(&fwcfg_lock);
		stats_port(run->io.port, out, true);
		return;
	}
	if (vcpu->vm->testdev &&
	    testdev_io(vcpu->vm->testdev, run->io.port, out, data, size)) {
		for (i = 1; i < run->io.count; i++)
			testdev_io(vcpu->vm->testdev, run->io.port, out, data + i * size, size);
		stats_port(run->io.port, out, true);
		return;
	}
	if (run->io.port == DISK_PORT &&
	    disk_port(&vcpu->vm->disk, vcpu->vm->mem, vcpu->vm->mem_size, out, size,
		      run->io.count, data)) {
		stats_port(run->io.port, out, true);
		return;
	}
	for (i = 0; i < run->io.count && v->kind == VERDICT_RUN; i++) {
		bool handled = port_access(vcpu, run->io.port, out, data + i * size, size, v);

		stats_port(run->io.port, out, handled);
	}
}
