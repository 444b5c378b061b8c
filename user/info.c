// SPDX-License-Identifier: GPL-2.0
/*
 * `kvmini info`: what a device says about itself through the system
 * ioctls, next to what the CPU and the module say, to tell at a glance
 * why a guest might not run.
 */
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kvmini.h"

#define CAPS_FILE "/sys/kernel/debug/kvmini/caps"

#define CAP(x) { KVM_CAP_##x, "KVM_CAP_" #x }
static const struct { int cap; const char *name; } caps[] = {
	CAP(USER_MEMORY), CAP(SET_TSS_ADDR), CAP(SET_IDENTITY_MAP_ADDR),
	CAP(EXT_CPUID), CAP(NR_VCPUS), CAP(MAX_VCPUS), CAP(MAX_VCPU_ID),
	CAP(NR_MEMSLOTS), CAP(READONLY_MEM), CAP(IMMEDIATE_EXIT),
	CAP(CHECK_EXTENSION_VM), CAP(IRQCHIP), CAP(HLT), CAP(SYNC_MMU),
	CAP(COALESCED_MMIO), CAP(VCPU_EVENTS), CAP(XSAVE), CAP(XCRS),
	CAP(DEBUGREGS), CAP(X86_DISABLE_EXITS),
};

/* The first line of /proc/cpuinfo starting with @key, value only. */
static void cpuinfo_line(const char *key, const char *label, const char *missing)
{
	char line[8192];
	size_t klen = strlen(key);
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (f) {
		while (fgets(line, sizeof(line), f)) {
			char *colon;

			if (strncmp(line, key, klen) || !(colon = strchr(line, ':')))
				continue;
			colon += 1 + (colon[1] == ' ');
			printf("%s: %s", label, colon);
			if (!strchr(colon, '\n'))
				putchar('\n');
			fclose(f);
			return;
		}
		fclose(f);
	}
	printf("%s: %s\n", label, missing);
}

static void module_caps(void)
{
	char buf[4096];
	size_t n;
	FILE *f = fopen(CAPS_FILE, "r");

	if (!f) {
		printf("kvmini caps: %s not readable (%s): module not loaded, "
		       "debugfs not mounted, or not root\n", CAPS_FILE, strerror(errno));
		return;
	}
	printf("kvmini caps (%s):\n", CAPS_FILE);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, stdout);
	fclose(f);
}

static void help(FILE *f)
{
	fputs("info options:\n"
	      "  --device PATH   the device to ask (default " DEFAULT_DEVICE ")\n", f);
}

static int info_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *device = DEFAULT_DEVICE;
	unsigned int i;
	long size;
	int c, fd;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (c == 'd') {
			device = optarg;
		} else if (c == 'h') {
			command_help(&info_command, stdout);
			return 0;
		} else if (c == ':') {
			die("option '%s' needs an argument (see kvmini info --help)",
			    argv[optind - 1]);
		} else {
			die("unknown option '%s' (see kvmini info --help)", argv[optind - 1]);
		}
	}
	if (optind < argc)
		die("info: unexpected argument '%s'", argv[optind]);

	fd = kvm_open(device);
	kvm_check_api(fd, device);
	printf("device: %s\n", device);
	printf("api version: %d\n", KVM_API_VERSION);
	size = ioctl(fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size < 0)
		printf("vcpu mmap size: error %s\n", strerror(errno));
	else
		printf("vcpu mmap size: %ld\n", size);
	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		int r = ioctl(fd, KVM_CHECK_EXTENSION, caps[i].cap);

		if (r < 0)
			printf("cap %s: error %s\n", caps[i].name, strerror(errno));
		else
			printf("cap %s: %d\n", caps[i].name, r);
	}
	close(fd);
	cpuinfo_line("model name", "cpu", "unknown");
	cpuinfo_line("vmx flags", "vmx flags", "none (no VT-x, or the kernel does not list it)");
	module_caps();
	return 0;
}

const struct command info_command = {
	.name = "info",
	.synopsis = "info [--device PATH]    what the device and the CPU offer",
	.help = help,
	.main = info_main,
};
