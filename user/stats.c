// SPDX-License-Identifier: GPL-2.0
/*
 * Counting what the guest made us do, for --stats: exits by reason, port
 * accesses by port and direction, MMIO accesses.  One "stats: ..." line
 * per item, fixed format, so tests can grep for exact counts.  Totals over
 * all vCPUs, counted atomically from their threads.
 */
#include "kvmini.h"

#define NR_REASONS	64

static unsigned long exits[NR_REASONS];
static unsigned long exits_other;
static unsigned long port_in[65536], port_out[65536];
static bool port_unhandled[65536];
static unsigned long mmio_count[2][2];	/* [scratch][write] */

#define NAME(x) [KVM_EXIT_##x] = "KVM_EXIT_" #x
static const char *const names[NR_REASONS] = {
	NAME(UNKNOWN), NAME(EXCEPTION), NAME(IO), NAME(HYPERCALL), NAME(DEBUG),
	NAME(HLT), NAME(MMIO), NAME(IRQ_WINDOW_OPEN), NAME(SHUTDOWN),
	NAME(FAIL_ENTRY), NAME(INTR), NAME(SET_TPR), NAME(TPR_ACCESS),
	NAME(NMI), NAME(INTERNAL_ERROR), NAME(SYSTEM_EVENT), NAME(IOAPIC_EOI),
	NAME(HYPERV), NAME(X86_RDMSR), NAME(X86_WRMSR), NAME(DIRTY_RING_FULL),
	NAME(X86_BUS_LOCK), NAME(NOTIFY),
};

const char *exit_reason_name(uint32_t reason)
{
	if (reason < NR_REASONS && names[reason])
		return names[reason];
	return "KVM_EXIT_?";
}

void stats_exit(uint32_t reason)
{
	if (reason < NR_REASONS)
		__atomic_fetch_add(&exits[reason], 1, __ATOMIC_RELAXED);
	else
		__atomic_fetch_add(&exits_other, 1, __ATOMIC_RELAXED);
}

void stats_port(uint16_t port, bool out, bool handled)
{
	__atomic_fetch_add(out ? &port_out[port] : &port_in[port], 1, __ATOMIC_RELAXED);
	if (!handled)
		__atomic_store_n(&port_unhandled[port], true, __ATOMIC_RELAXED);
}

void stats_mmio(bool scratch, bool write)
{
	__atomic_fetch_add(&mmio_count[scratch][write], 1, __ATOMIC_RELAXED);
}

void stats_print(void)
{
	unsigned int i;

	for (i = 0; i < NR_REASONS; i++)
		if (exits[i])
			printf("stats: exit %s %lu\n", exit_reason_name(i), exits[i]);
	if (exits_other)
		printf("stats: exit other %lu\n", exits_other);
	for (i = 0; i < 65536; i++)
		if (port_in[i] || port_out[i])
			printf("stats: port 0x%04x in %lu out %lu%s\n", i, port_in[i],
			       port_out[i], port_unhandled[i] ? " unhandled" : "");
	if (mmio_count[1][0] || mmio_count[1][1])
		printf("stats: mmio scratch reads %lu writes %lu\n",
		       mmio_count[1][0], mmio_count[1][1]);
	if (mmio_count[0][0] || mmio_count[0][1])
		printf("stats: mmio unbacked reads %lu writes %lu\n",
		       mmio_count[0][0], mmio_count[0][1]);
}
