// SPDX-License-Identifier: GPL-2.0
/*
 * Issue 13: what the tool says when the device cannot be used stays one
 * line that names the device and what to do: the node missing (module
 * not loaded), no permission (the kvm group), a kernel too old or too
 * new (API version, a required capability).  The messages are checked as
 * kvm.c builds them, and the first three again from the built tool
 * (user/kvmini, run from the top of the tree as `make check` does), on
 * a missing path, a mode-000 file opened as nobody (root passes any
 * permission check, and CI runs as root) and /dev/null (ENOTTY).  Too
 * old and too new need a kernel that says so: those are checked as built.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../user/kvmini.h"
#include "unit.h"

#define TOOL		"user/kvmini"
#define NOBODY		65534

/* What util.c uses from the rest of the tool. */
void console_flush(void)
{
}

static bool one_line(const char *s)
{
	return *s && !strchr(s, '\n');
}

static bool has(const char *s, const char *part)
{
	return strstr(s, part) != NULL;
}

static void messages_as_built(void)
{
	char m[512];

	open_error(m, sizeof(m), "/dev/kvmini", ENOENT);
	CHECK(!strcmp(m, "/dev/kvmini: no such device -- is the module loaded? "
		      "(insmod kvmini.ko)"), "issue 13: missing /dev/kvmini: load the module");
	open_error(m, sizeof(m), "/dev/kvm", ENOENT);
	CHECK(one_line(m) && has(m, "modprobe kvm_intel"), "issue 13: missing /dev/kvm: load KVM");

	open_error(m, sizeof(m), "/dev/kvmini", EACCES);
	CHECK(one_line(m), "issue 13: permission denied is one line");
	CHECK(!strncmp(m, "/dev/kvmini: permission denied", 30) && has(m, "with /dev/kvmini in"),
	      "issue 13: permission denied names the device");
	CHECK(has(m, "usermod -aG kvm") && has(m, "group kvm, mode 0660"),
	      "issue 13: permission denied suggests the kvm group");
	open_error(m, sizeof(m), "/dev/kvm", EPERM);
	CHECK(has(m, "/dev/kvm: permission denied"), "issue 13: EPERM is said as EACCES");

	api_error(m, sizeof(m), "/dev/kvmini", 11, 0);
	CHECK(one_line(m) && has(m, "/dev/kvmini: KVM API version 11") && has(m, "too old"),
	      "issue 13: an older API version: kernel too old, one line");
	api_error(m, sizeof(m), "/dev/kvmini", 13, 0);
	CHECK(one_line(m) && has(m, "/dev/kvmini: KVM API version 13") && has(m, "too new"),
	      "issue 13: a newer API version: kernel too new, one line");
	api_error(m, sizeof(m), "/dev/null", -1, ENOTTY);
	CHECK(!strcmp(m, "/dev/null: KVM_GET_API_VERSION: Inappropriate ioctl for device -- "
		      "not a KVM-compatible device?"), "issue 13: not a KVM device, one line");
	cap_error(m, sizeof(m), "/dev/kvmini", "KVM_CAP_IMMEDIATE_EXIT");
	CHECK(one_line(m) && has(m, "/dev/kvmini: no KVM_CAP_IMMEDIATE_EXIT") && has(m, "too old"),
	      "issue 13: a missing capability: kernel too old, one line");
}

/*
 * The tool's stderr for ARGS, its exit status in *status; as nobody
 * when @drop (and we are root).  NULL when it could not be run.
 */
static char *tool(bool drop, int *status, char *const args[])
{
	static char err[4096];
	int fds[2], wst;
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	if (pipe(fds) < 0)
		return NULL;
	pid = fork();
	if (pid < 0)
		return NULL;
	if (!pid) {
		dup2(fds[1], 2);
		close(fds[0]);
		if (drop && !geteuid() &&
		    (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY)))
			_exit(126);
		execv(args[0], args);
		_exit(127);
	}
	close(fds[1]);
	while (len < sizeof(err) - 1 && (n = read(fds[0], err + len, sizeof(err) - 1 - len)) > 0)
		len += n;
	err[len] = '\0';
	close(fds[0]);
	if (waitpid(pid, &wst, 0) < 0 || !WIFEXITED(wst))
		return NULL;
	*status = WEXITSTATUS(wst);
	return err;
}

/* The whole of stderr is "kvmini: " and @want, one line, and the status is 1. */
static bool says(const char *err, int status, const char *want)
{
	size_t n = err ? strlen(err) : 0;

	return status == 1 && n > 9 && !strncmp(err, "kvmini: ", 8) &&
	       err[n - 1] == '\n' && !memchr(err, '\n', n - 1) &&
	       strlen(want) == n - 9 && !strncmp(err + 8, want, n - 9);
}

/* A directory everyone may enter, holding a copy of the tool nobody may run. */
static bool setup(char *dir, char *tool_copy, char *image, char *locked)
{
	char cmd[512];
	int fd;

	if (!mkdtemp(dir) || chmod(dir, 0755))
		return false;
	sprintf(tool_copy, "%s/kvmini", dir);
	sprintf(image, "%s/hlt.bin", dir);
	sprintf(locked, "%s/kvm", dir);
	snprintf(cmd, sizeof(cmd), "cp %s %s && chmod 755 %s", TOOL, tool_copy, tool_copy);
	if (system(cmd))
		return false;
	/* Any file is a flat image; the device is opened after the image is read. */
	fd = open(image, O_WRONLY | O_CREAT, 0644);
	if (fd < 0 || write(fd, "\xf4", 1) != 1 || close(fd))
		return false;
	fd = open(locked, O_WRONLY | O_CREAT, 0);
	return fd >= 0 && !close(fd) && !chmod(locked, 0);
}

static void messages_from_the_tool(void)
{
	char dir[] = "/tmp/kvmini-test-device.XXXXXX";
	char kvmini[64], image[64], locked[64], missing[80], want[512];
	char *err;
	int status = -1;

	if (!setup(dir, kvmini, image, locked)) {
		CHECK(false, "issue 13: set up a copy of " TOOL " (is it built?)");
		return;
	}
	sprintf(missing, "%s/none/kvmini", dir);

	open_error(want, sizeof(want), missing, ENOENT);
	err = tool(false, &status, (char *[]){ kvmini, "run", "--device", missing, image, NULL });
	CHECK(says(err, status, want), "issue 13: kvmini run, no device node: one line, status 1");
	err = tool(false, &status, (char *[]){ kvmini, "info", "--device", missing, NULL });
	CHECK(says(err, status, want), "issue 13: kvmini info, no device node: one line, status 1");

	open_error(want, sizeof(want), locked, EACCES);
	err = tool(true, &status, (char *[]){ kvmini, "run", "--device", locked, image, NULL });
	CHECK(says(err, status, want),
	      "issue 13: kvmini run as nobody, device mode 000: one line naming the kvm group");
	err = tool(true, &status, (char *[]){ kvmini, "info", "--device", locked, NULL });
	CHECK(says(err, status, want),
	      "issue 13: kvmini info as nobody, device mode 000: one line naming the kvm group");

	api_error(want, sizeof(want), "/dev/null", -1, ENOTTY);
	err = tool(false, &status, (char *[]){ kvmini, "run", "--device", "/dev/null", image, NULL });
	CHECK(says(err, status, want), "issue 13: kvmini run on /dev/null: one line, status 1");

	snprintf(want, sizeof(want), "rm -rf %s", dir);
	if (system(want))
		CHECK(false, "issue 13: remove the test's directory");
}

int main(void)
{
	messages_as_built();
	messages_from_the_tool();
	return unit_done("test_device");
}
