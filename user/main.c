// SPDX-License-Identifier: GPL-2.0
/*
 * kvmini: a small VMM, in the role QEMU or kvmtool plays for KVM, for the
 * kvmini module (or KVM itself, with --device /dev/kvm).  This file only
 * dispatches and says how to use it.
 */
#include <string.h>

#include "kvmini.h"
#include "vmstats.h"

void usage(FILE *f)
{
	fputs(
"usage: kvmini run [OPTIONS] IMAGE     run IMAGE as a guest\n"
"       kvmini info [--device PATH]    what the device and the CPU offer\n"
"       kvmini stats [--watch]         the module's counters for every running VM\n"
"       kvmini --help\n"
"\n"
"run options:\n"
"  --device PATH   KVM-compatible device (default " DEFAULT_DEVICE ", or /dev/kvm)\n"
"  --mode MODE     real, protected (32-bit, no paging), paged (32-bit, 4 MiB\n"
"                  pages) or long (64-bit, 2 MiB pages); default: long for an\n"
"                  ELF64, protected for an ELF32, real for a flat binary\n"
"  --mem SIZE      guest RAM at address 0, K/M/G suffix (default 32M, 1M-3G)\n"
"  --timeout SEC   stop the guest after SEC seconds (0.25: a quarter)\n"
"  --vcpus N       N vCPUs (1-8), a thread each, each running its own copy of\n"
"                  IMAGE in its own slice of RAM (--mem / N, whole 4 MiB; the\n"
"                  default --mem is then 16M per vCPU); output lines prefixed\n"
"                  \"[k] \"; not in real mode\n"
"  --timer HZ[,VECTOR]\n"
"                  a periodic interrupt (1-10000 Hz, vector 32-255, default\n"
"                  0x20) to every vCPU; hlt with interrupts on then waits for it\n"
"  --regs          print the final general registers (\"reg rax 0x...\")\n"
"  --peek GPA      print the 64-bit word at GPA afterwards (repeatable)\n"
"  --stats         print exits by reason and the I/O ports used\n"
"  --share DIR     the directory the guest's open() hypercall may use\n"
"                  (nothing outside it; without --share, open fails)\n"
"\n"
"IMAGE is a static x86 ELF (32 or 64-bit; PT_LOAD segments at p_paddr, entry\n"
"e_entry) or a flat binary, loaded and entered at 0x8000 (real mode: CS=0).\n"
"Guest memory: 0-0xfff the guest's own; the stack starts at 0x8000 going\n"
"down; the top 64 KiB of RAM holds the tool's GDT, TSS and page tables,\n"
"which identity-map the low 4 GiB. Interrupts start off; the IDT is empty\n"
"(real mode: the IVT at 0), so set one before taking exceptions.\n"
"With N vCPUs, vCPU k's slice starts at GPA k * --mem / N and all of the\n"
"above is per slice: paging maps virtual addresses below the slice size onto\n"
"the slice, those above RAM onto themselves (MMIO), nothing else; protected\n"
"mode without paging gets segments based at the slice and limited to it\n"
"(which a guest loading its own GDT can escape). --peek takes GPAs. Each\n"
"vCPU has its own UART and MMIO scratch device; --stats adds up all vCPUs.\n"
"Devices: port 0xe9 and a 16550 at 0x3f8 print to stdout; MMIO scratch at\n"
"0xd0000000-0xd0000fff reads back what was written; port 0xea takes\n"
"hypercalls (print, exits, open, read, write, close: docs/hypercalls.md);\n"
"other ports and addresses read as all ones and ignore writes.\n"
"\n"
"stats options:\n"
"  --watch         redraw every second until interrupted\n"
"  --dir DIR       read DIR instead of /sys/kernel/debug/kvmini\n"
"\n"
"Exit status: 0 every vCPU halted with interrupts off (cli; hlt); 1 usage\n"
"or setup error; 2 a guest failed (triple fault, entry failure, internal\n"
"error, unexpected exit, hlt with interrupts on and no --timer), which stops\n"
"the others too; 3 timeout; 4 stopped by SIGINT, SIGTERM or SIGHUP. Each\n"
"vCPU that did not finish well gets a line on stderr (\"vCPU k: ...\" with\n"
"several), the one that failed last.\n", f);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_SETUP;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(argv[1], "info"))
		return cmd_info(argc - 1, argv + 1);
	if (!strcmp(argv[1], "stats"))
		return cmd_stats(argc - 1, argv + 1);
	die("unknown command '%s' (run, info or stats; see kvmini --help)", argv[1]);
}
