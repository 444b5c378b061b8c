// SPDX-License-Identifier: GPL-2.0
/*
 * kv_parse and `kvmini stats` against a made-up debugfs tree: what the
 * module writes is parsed, anything else is skipped, and the table shows
 * each vCPU's column.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"
#include "../../user/kvmini.h"
#include "../../user/vmstats.h"

/* What util.c uses from the rest of the tool. */
void console_flush(void)
{
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		perror(path);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
}

int main(void)
{
	struct kv kv[8];
	char tmpl[] = "/tmp/test_vmstats.XXXXXX", path[256], out[4096], *root;
	FILE *f;
	int n;

	n = kv_parse("exits 12\nexit.CPUID 10\n", kv, 8);
	CHECK(n == 2 && !strcmp(kv[0].name, "exits") && kv[0].value == 12 &&
	      !strcmp(kv[1].name, "exit.CPUID") && kv[1].value == 10, "two counters parsed");
	n = kv_parse("noval\nx -3\ny 1z\n 5\nbig 18446744073709551615\nover 18446744073709551616", kv, 8);
	CHECK(n == 1 && !strcmp(kv[0].name, "big") && kv[0].value == UINT64_MAX,
	      "malformed lines, negative and overflowing values skipped");
	n = kv_parse("a 1\nb 2\nc 3\n", kv, 2);
	CHECK(n == 2, "no more than max entries");
	n = kv_parse("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa 1\nb 2\n", kv, 8);
	CHECK(n == 1 && !strcmp(kv[0].name, "b"), "a name too long is skipped");
	CHECK(kv_find(kv, n, "b") == 0 && kv_find(kv, n, "c") == -1, "kv_find");

	root = mkdtemp(tmpl);
	if (!root)
		return 1;
	snprintf(path, sizeof(path), "%s/123-4", root);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/123-4/vm", root);
	write_file(path, "pid 123\nvcpus 2\npages_4k 7\n");
	snprintf(path, sizeof(path), "%s/123-4/vcpu0", root);
	write_file(path, "exits 5\nexit.HLT 1\n");
	snprintf(path, sizeof(path), "%s/123-4/vcpu1", root);
	write_file(path, "exits 9\nexit.CPUID 8\n");
	snprintf(path, sizeof(path), "%s/vms", root);
	write_file(path, "1\n");

	f = fmemopen(out, sizeof(out), "w");
	if (!f)
		return 1;
	CHECK(vmstats_print(root, f) == 1, "one VM found");
	fclose(f);
	CHECK(strstr(out, "VM 123-4: pid 123 vcpus 2 pages_4k 7"), "VM line");
	CHECK(strstr(out, "vcpu0          vcpu1"), "a column per vCPU, in id order");
	CHECK(strstr(out, "exits                             5              9"), "exits row");
	CHECK(strstr(out, "exit.CPUID                        0              8"), "a reason seen on one vCPU only");
	CHECK(!strstr(out, "vms"), "the module's own files are not VMs");
	snprintf(path, sizeof(path), "rm -rf '%s'", root);
	if (system(path))
		return 1;
	return unit_done("test_vmstats");
}
