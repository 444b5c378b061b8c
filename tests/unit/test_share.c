// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of user/share.c: what opens inside a shared directory and
 * what is refused.  A temporary tree holds a file outside the share,
 * symbolic links out of it (relative and absolute) and inside it, a
 * subdirectory and a FIFO; the checks cover "..", absolute paths, every
 * link, the flags subset, the fd table and its limit, and that no host
 * descriptor is left behind.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../user/share.h"
#include "unit.h"

static char root[PATH_MAX], dir[PATH_MAX + 16];

static void path_of(char *out, const char *name)
{
	snprintf(out, PATH_MAX + 64, "%s/%s", root, name);
}

static void put_file(const char *name, const char *text)
{
	char p[PATH_MAX + 64];
	FILE *f;

	path_of(p, name);
	f = fopen(p, "w");
	if (!f || fputs(text, f) < 0 || fclose(f)) {
		perror(p);
		exit(2);
	}
}

/* The file's whole content ("" when missing, with *exists false). */
static const char *content(const char *name, bool *exists)
{
	static char buf[256];
	char p[PATH_MAX + 64];
	ssize_t n;
	int fd;

	path_of(p, name);
	buf[0] = 0;
	fd = open(p, O_RDONLY);
	if (exists)
		*exists = fd >= 0;
	if (fd < 0)
		return buf;
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	close(fd);
	return buf;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n++;
	closedir(d);
	return n;
}

static void make_tree(void)
{
	char p[PATH_MAX + 64], q[PATH_MAX + 64];

	snprintf(root, sizeof(root), "%s/kvmini-share.XXXXXX", getenv("TMPDIR") ?: "/tmp");
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		exit(2);
	}
	snprintf(dir, sizeof(dir), "%s/share", root);
	path_of(p, "share/sub");
	if (mkdir(dir, 0755) || mkdir(p, 0755)) {
		perror("mkdir");
		exit(2);
	}
	put_file("secret.txt", "secret\n");
	put_file("share/in.txt", "from the host\n");
	put_file("share/sub/deep.txt", "deep\n");
	path_of(p, "share/link");
	path_of(q, "share/abslink");
	path_of(p + PATH_MAX / 2, "secret.txt");
	if (symlink("../secret.txt", p) || symlink(p + PATH_MAX / 2, q)) {
		perror("symlink");
		exit(2);
	}
	path_of(p, "share/inlink");
	path_of(q, "share/sublink");
	if (symlink("in.txt", p) || symlink("sub", q)) {
		perror("symlink");
		exit(2);
	}
	path_of(p, "share/dangling");
	path_of(q, "share/fifo");
	if (symlink("../created-by-link.txt", p) || mkfifo(q, 0644)) {
		perror("symlink/mkfifo");
		exit(2);
	}
}

static void remove_tree(void)
{
	static const char *const names[] = {
		"share/sub/deep.txt", "share/sub", "share/in.txt", "share/link",
		"share/abslink", "share/inlink", "share/sublink", "share/dangling",
		"share/fifo", "share/new.txt", "share", "secret.txt",
	};
	char p[PATH_MAX + 64];
	unsigned int i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		path_of(p, names[i]);
		if (remove(p) && errno != ENOENT)
			printf("FAIL cleanup: cannot remove %s\n", p);
	}
	if (rmdir(root))
		printf("FAIL cleanup: cannot remove %s\n", root);
}

static void test_no_share(void)
{
	struct share s;

	CHECK(share_init(&s, NULL) == 0, "no share: init");
	CHECK(share_open(&s, "in.txt", HC_O_READ) == -ENODEV, "no share: open is -ENODEV");
	CHECK(share_open(&s, "x", HC_O_WRITE | HC_O_CREATE) == -ENODEV, "no share: create is -ENODEV");
	CHECK(share_read(&s, 0, NULL, 0) == -EBADF, "no share: read is -EBADF");
	share_fini(&s);

	CHECK(share_init(&s, "/nonexistent/kvmini") == -ENOENT, "init: missing directory");
	share_fini(&s);
	{
		char p[PATH_MAX + 64];

		path_of(p, "secret.txt");
		CHECK(share_init(&s, p) == -ENOTDIR, "init: a file is not a directory");
		share_fini(&s);
	}
}

static void test_confined(struct share *s)
{
	char abs_in[PATH_MAX + 64];
	bool exists;
	int fd;

	fd = share_open(s, "in.txt", HC_O_READ);
	CHECK(fd == 0, "open: the first fd is 0");
	CHECK(share_close(s, fd) == 0, "open: close");
	fd = share_open(s, "sub/deep.txt", HC_O_READ);
	CHECK(fd >= 0, "open: a file in a subdirectory");
	share_close(s, fd);
	fd = share_open(s, "sub/../in.txt", HC_O_READ);
	CHECK(fd >= 0, "open: .. that stays inside");
	share_close(s, fd);
	fd = share_open(s, "./sub//deep.txt", HC_O_READ);
	CHECK(fd >= 0, "open: . and //");
	share_close(s, fd);

	CHECK(share_open(s, "../secret.txt", HC_O_READ) == -EXDEV, "refused: ../");
	CHECK(share_open(s, "sub/../../secret.txt", HC_O_READ) == -EXDEV, "refused: sub/../../");
	CHECK(share_open(s, "/etc/passwd", HC_O_READ) == -EXDEV, "refused: absolute path");
	path_of(abs_in, "share/in.txt");
	CHECK(share_open(s, abs_in, HC_O_READ) == -EXDEV, "refused: absolute path into the share");
	CHECK(share_open(s, "link", HC_O_READ) == -ELOOP, "refused: relative symlink out");
	CHECK(share_open(s, "abslink", HC_O_READ) == -ELOOP, "refused: absolute symlink out");
	CHECK(share_open(s, "inlink", HC_O_READ) == -ELOOP, "refused: symlink inside");
	CHECK(share_open(s, "sublink/deep.txt", HC_O_READ) == -ELOOP,
	      "refused: symlinked directory on the path");
	CHECK(share_open(s, "link", HC_O_WRITE | HC_O_TRUNC) == -ELOOP,
	      "refused: truncating through a symlink");
	CHECK(!strcmp(content("secret.txt", NULL), "secret\n"), "the file outside is intact");
	CHECK(share_open(s, "dangling", HC_O_WRITE | HC_O_CREATE) == -ELOOP,
	      "refused: creating through a dangling symlink");
	content("created-by-link.txt", &exists);
	CHECK(!exists, "nothing created through the dangling symlink");
	CHECK(share_open(s, "../created.txt", HC_O_WRITE | HC_O_CREATE) == -EXDEV,
	      "refused: creating in the parent");
	content("created.txt", &exists);
	CHECK(!exists, "nothing created in the parent");

	CHECK(share_open(s, "sub", HC_O_READ) == -EISDIR, "refused: a directory");
	CHECK(share_open(s, "fifo", HC_O_READ) == -EINVAL, "refused: a FIFO, without blocking");
	CHECK(share_open(s, "missing.txt", HC_O_READ) == -ENOENT, "missing file: -ENOENT");
	CHECK(share_open(s, "", HC_O_READ) == -ENOENT, "empty path: -ENOENT");
}

static void test_flags(struct share *s)
{
	char buf[64];
	struct stat st;
	char p[PATH_MAX + 64];
	int fd;

	CHECK(share_open(s, "in.txt", 0) == -EINVAL, "flags: neither read nor write");
	CHECK(share_open(s, "in.txt", HC_O_READ | HC_O_CREATE) == -EINVAL, "flags: create needs write");
	CHECK(share_open(s, "in.txt", HC_O_READ | HC_O_TRUNC) == -EINVAL, "flags: truncate needs write");
	CHECK(share_open(s, "in.txt", HC_O_READ | HC_O_APPEND) == -EINVAL, "flags: append needs write");
	CHECK(share_open(s, "in.txt", HC_O_READ | 0x20) == -EINVAL, "flags: an unknown bit");
	CHECK(share_open(s, "in.txt", HC_O_READ | 0x80000000u) == -EINVAL, "flags: bit 31");

	CHECK(share_open(s, "new.txt", HC_O_WRITE) == -ENOENT, "flags: write without create");
	fd = share_open(s, "new.txt", HC_O_WRITE | HC_O_CREATE);
	CHECK(fd >= 0, "flags: create");
	CHECK(share_write(s, fd, "one\n", 4) == 4, "write: 4 bytes");
	CHECK(share_read(s, fd, buf, sizeof(buf)) == -EBADF, "read on a write-only fd");
	CHECK(share_close(s, fd) == 0, "close the new file");
	path_of(p, "share/new.txt");
	CHECK(stat(p, &st) == 0 && (st.st_mode & 0777) == 0644, "create: mode 0644");
	CHECK(!strcmp(content("share/new.txt", NULL), "one\n"), "create: content on the host");

	fd = share_open(s, "new.txt", HC_O_WRITE | HC_O_APPEND);
	CHECK(share_write(s, fd, "two\n", 4) == 4, "append: write");
	share_close(s, fd);
	CHECK(!strcmp(content("share/new.txt", NULL), "one\ntwo\n"), "append: added at the end");

	fd = share_open(s, "new.txt", HC_O_READ | HC_O_WRITE);
	CHECK(share_write(s, fd, "ONE", 3) == 3, "read-write: write at the start");
	CHECK(share_read(s, fd, buf, sizeof(buf)) == 5 && !memcmp(buf, "\ntwo\n", 5),
	      "read-write: read on from there");
	share_close(s, fd);

	fd = share_open(s, "new.txt", HC_O_WRITE | HC_O_TRUNC);
	share_close(s, fd);
	CHECK(!strcmp(content("share/new.txt", NULL), ""), "truncate: empty");

	fd = share_open(s, "in.txt", HC_O_READ);
	CHECK(share_write(s, fd, "x", 1) == -EBADF, "write on a read-only fd");
	CHECK(share_read(s, fd, buf, 4) == 4 && !memcmp(buf, "from", 4), "read: 4 bytes");
	CHECK(share_read(s, fd, buf, sizeof(buf)) == 10, "read: the rest, short");
	CHECK(share_read(s, fd, buf, sizeof(buf)) == 0, "read: end of file");
	share_close(s, fd);
}

static void test_table(struct share *s)
{
	int fds[HC_MAX_FILES], i, distinct = 1;
	bool exists;

	for (i = 0; i < HC_MAX_FILES; i++) {
		fds[i] = share_open(s, "in.txt", HC_O_READ);
		if (fds[i] != i)
			distinct = 0;
	}
	CHECK(distinct, "table: 16 files open, fds 0 to 15");
	CHECK(share_open(s, "in.txt", HC_O_READ) == -EMFILE, "table: the 17th is -EMFILE");
	CHECK(share_open(s, "full.txt", HC_O_WRITE | HC_O_CREATE) == -EMFILE,
	      "table: a full table creates nothing");
	content("share/full.txt", &exists);
	CHECK(!exists, "table: full.txt does not exist");
	CHECK(share_close(s, 5) == 0, "table: close one");
	CHECK(share_open(s, "in.txt", HC_O_READ) == 5, "table: its slot is reused");
	for (i = 0; i < HC_MAX_FILES; i++)
		share_close(s, fds[i]);
	CHECK(share_close(s, 0) == -EBADF, "close: twice");
	CHECK(share_close(s, -1) == -EBADF, "close: -1");
	CHECK(share_close(s, HC_MAX_FILES) == -EBADF, "close: 16");
	CHECK(share_read(s, 3, NULL, 0) == -EBADF, "read: a closed fd");
	CHECK(share_write(s, 99, "x", 1) == -EBADF, "write: fd 99");
}

int main(void)
{
	struct share s;
	int before;

	umask(022);
	make_tree();
	before = count_fds();
	test_no_share();
	CHECK(share_init(&s, dir) == 0, "init: the share");
	test_confined(&s);
	test_flags(&s);
	test_table(&s);
	/* Files left open are closed by share_fini. */
	share_open(&s, "in.txt", HC_O_READ);
	share_open(&s, "sub/deep.txt", HC_O_READ);
	share_fini(&s);
	CHECK(count_fds() == before, "no host fd left behind");
	remove_tree();
	return unit_done("test_share");
}
