// SPDX-License-Identifier: GPL-2.0
/*
 * kvmini: a small VMM, in the role QEMU or kvmtool plays for KVM, for the
 * kvmini module (or KVM itself, with --device /dev/kvm).  This file only
 * dispatches: each command (run.c, info.c, vmstats.c) owns its help and
 * its argument errors, and `kvmini --help` puts their help together.
 */
#include <string.h>

#include "kvmini.h"

static const struct command *const commands[] = {
	&run_command, &info_command, &stats_command,
};
#define NR_COMMANDS	(sizeof(commands) / sizeof(commands[0]))

/* Every command's synopsis, then each one's own help. */
static void usage(FILE *f)
{
	unsigned int i;

	for (i = 0; i < NR_COMMANDS; i++)
		fprintf(f, "%s kvmini %s\n", i ? "      " : "usage:", commands[i]->synopsis);
	fputs("       kvmini --help\n", f);
	for (i = 0; i < NR_COMMANDS; i++) {
		fputc('\n', f);
		commands[i]->help(f);
	}
}

int main(int argc, char **argv)
{
	unsigned int i;

	if (argc < 2) {
		usage(stderr);
		return EXIT_SETUP;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	for (i = 0; i < NR_COMMANDS; i++)
		if (!strcmp(argv[1], commands[i]->name))
			return commands[i]->main(argc - 1, argv + 1);
	die("unknown command '%s' (run, info or stats; see kvmini --help)", argv[1]);
}
