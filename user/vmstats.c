// SPDX-License-Identifier: GPL-2.0
/*
 * `kvmini stats [--watch] [--dir DIR]`: the module's counters for every
 * running VM, from debugfs (/sys/kernel/debug/kvmini/<pid>-<fd>/: a file
 * "vm" and one "vcpuN" per vCPU, each "name value" lines).  One table per
 * VM, a column per vCPU.  --watch redraws it every second until ^C.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvmini.h"
#include "vmstats.h"

#define DEBUGFS_DIR	"/sys/kernel/debug/kvmini"

int kv_parse(const char *text, struct kv *out, int max)
{
	int n = 0;

	while (*text && n < max) {
		const char *eol = strchr(text, '\n');
		size_t len = eol ? (size_t)(eol - text) : strlen(text);
		char line[KV_NAME_MAX + 32], *sp, *end;

		if (len < sizeof(line)) {
			memcpy(line, text, len);
			line[len] = '\0';
			sp = strchr(line, ' ');
			if (sp && sp != line && (size_t)(sp - line) < KV_NAME_MAX) {
				*sp = '\0';
				errno = 0;
				out[n].value = strtoull(sp + 1, &end, 10);
				if (!errno && end != sp + 1 && !*end && isdigit((unsigned char)sp[1])) {
					strcpy(out[n].name, line);
					n++;
				}
			}
		}
		text += len + (eol ? 1 : 0);
	}
	return n;
}

int kv_find(const struct kv *kv, int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(kv[i].name, name))
			return i;
	return -1;
}

/* Reads a whole small file into @buf; false when it cannot. */
static bool slurp(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t len;

	if (!f)
		return false;
	len = fread(buf, 1, size - 1, f);
	buf[len] = '\0';
	fclose(f);
	return true;
}

static int vcpu_id_cmp(const void *a, const void *b)
{
	return atoi(*(char *const *)a + 4) - atoi(*(char *const *)b + 4);
}

/* One VM's table; false when the VM went away while we read it. */
static bool print_vm(const char *root, const char *name, FILE *out)
{
	static char text[16384];
	static struct kv vm[KV_MAX], vc[KV_MAX_VCPUS][KV_MAX], rows[KV_MAX];
	char path[512], *vcpus[KV_MAX_VCPUS];
	int nvm, nvc[KV_MAX_VCPUS], nrows = 0, ncpu = 0, i, j;
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%s/vm", root, name);
	if (!slurp(path, text, sizeof(text)))
		return false;
	nvm = kv_parse(text, vm, KV_MAX);
	snprintf(path, sizeof(path), "%s/%s", root, name);
	d = opendir(path);
	if (!d)
		return false;
	while ((e = readdir(d)) && ncpu < KV_MAX_VCPUS)
		if (!strncmp(e->d_name, "vcpu", 4) && isdigit((unsigned char)e->d_name[4]) &&
		    (vcpus[ncpu] = strdup(e->d_name)))
			ncpu++;
	closedir(d);
	qsort(vcpus, ncpu, sizeof(vcpus[0]), vcpu_id_cmp);

	fprintf(out, "VM %s:", name);
	for (i = 0; i < nvm; i++)
		fprintf(out, " %s %llu", vm[i].name, (unsigned long long)vm[i].value);
	fputc('\n', out);
	/* Rows in the order the module lists them; a reason seen on any vCPU. */
	for (i = 0; i < ncpu; i++) {
		snprintf(path, sizeof(path), "%s/%s/%s", root, name, vcpus[i]);
		nvc[i] = slurp(path, text, sizeof(text)) ? kv_parse(text, vc[i], KV_MAX) : 0;
		for (j = 0; j < nvc[i]; j++)
			if (kv_find(rows, nrows, vc[i][j].name) < 0 && nrows < KV_MAX)
				rows[nrows++] = vc[i][j];
	}
	fprintf(out, "  %-20s", "counter");
	for (i = 0; i < ncpu; i++)
		fprintf(out, " %14s", vcpus[i]);
	fputc('\n', out);
	for (j = 0; j < nrows; j++) {
		fprintf(out, "  %-20s", rows[j].name);
		for (i = 0; i < ncpu; i++) {
			int k = kv_find(vc[i], nvc[i], rows[j].name);

			fprintf(out, " %14llu", k < 0 ? 0ULL : (unsigned long long)vc[i][k].value);
		}
		fputc('\n', out);
	}
	for (i = 0; i < ncpu; i++)
		free(vcpus[i]);
	return true;
}

int vmstats_print(const char *root, FILE *out)
{
	struct dirent *e;
	int n = 0;
	DIR *d = opendir(root);

	if (!d)
		die("cannot read %s: %s (is kvmini loaded, debugfs mounted, and are you root?)",
		    root, strerror(errno));
	while ((e = readdir(d))) {
		/* VM directories are "<pid>-<fd>"; the module's own files are not. */
		if (!isdigit((unsigned char)e->d_name[0]) || !strchr(e->d_name, '-'))
			continue;
		if (print_vm(root, e->d_name, out))
			n++;
	}
	closedir(d);
	if (!n)
		fprintf(out, "no kvmini VMs running\n");
	return n;
}

static volatile sig_atomic_t stop;

static void on_int(int sig)
{
	(void)sig;
	stop = 1;
}

static void help(FILE *f)
{
	fputs("stats options:\n"
	      "  --watch         redraw every second until interrupted\n"
	      "  --dir DIR       read DIR instead of " DEBUGFS_DIR "\n", f);
}

static int stats_main(int argc, char **argv)
{
	enum { O_WATCH = 256, O_DIR, O_HELP };
	static const struct option longopts[] = {
		{ "watch", no_argument, NULL, O_WATCH },
		{ "dir", required_argument, NULL, O_DIR },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 }
	};
	const char *root = DEBUGFS_DIR;
	bool watch = false;
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case O_WATCH:
			watch = true;
			break;
		case O_DIR:
			root = optarg;
			break;
		case O_HELP:
		case 'h':
			command_help(&stats_command, stdout);
			return 0;
		case ':':
			die("stats: option '%s' needs an argument (see kvmini stats --help)",
			    argv[optind - 1]);
		default:
			die("stats: unknown option '%s' (see kvmini stats --help)", argv[optind - 1]);
		}
	}
	if (optind != argc)
		die("stats: unexpected argument '%s'", argv[optind]);
	if (!watch) {
		vmstats_print(root, stdout);
		return 0;
	}
	signal(SIGINT, on_int);
	signal(SIGTERM, on_int);
	while (!stop) {
		/* Home and clear: a table that redraws in place. */
		fputs("\033[H\033[J", stdout);
		vmstats_print(root, stdout);
		fflush(stdout);
		sleep(1);
	}
	return 0;
}

const struct command stats_command = {
	.name = "stats",
	.synopsis = "stats [--watch]         the module's counters for every running VM",
	.help = help,
	.main = stats_main,
};
