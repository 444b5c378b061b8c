// SPDX-License-Identifier: GPL-2.0
/*
 * Files for the guest, confined to the shared directory by the kernel
 * rather than by string checks: every open is openat2(2) relative to an
 * O_PATH fd of the directory with RESOLVE_BENEATH (no "..", absolute path
 * or link may lead out; EXDEV), RESOLVE_NO_SYMLINKS (no symbolic link
 * anywhere on the path, even one that stays inside; ELOOP) and
 * RESOLVE_NO_MAGICLINKS (/proc-style links).  There is no fallback to
 * plain openat(): a kernel without openat2 (before 5.6) gets no files.
 * Only regular files: the open is non-blocking so a FIFO cannot hang
 * the tool, and whatever is not a regular file is closed again.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "share.h"

int share_init(struct share *s, const char *dir)
{
	unsigned int i;

	s->dirfd = -1;
	for (i = 0; i < HC_MAX_FILES; i++)
		s->fds[i] = -1;
	pthread_mutex_init(&s->lock, NULL);
	if (!dir)
		return 0;
	s->dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return s->dirfd < 0 ? -errno : 0;
}

void share_fini(struct share *s)
{
	unsigned int i;

	for (i = 0; i < HC_MAX_FILES; i++) {
		if (s->fds[i] >= 0)
			close(s->fds[i]);
		s->fds[i] = -1;
	}
	if (s->dirfd >= 0)
		close(s->dirfd);
	s->dirfd = -1;
	pthread_mutex_destroy(&s->lock);
}

/* HC_O_* to O_*, or -EINVAL for a combination the ABI does not offer. */
static int host_flags(uint32_t flags)
{
	int o;

	if (flags & ~HC_O_ALL)
		return -EINVAL;
	switch (flags & (HC_O_READ | HC_O_WRITE)) {
	case HC_O_READ:
		if (flags & (HC_O_CREATE | HC_O_TRUNC | HC_O_APPEND))
			return -EINVAL;
		o = O_RDONLY;
		break;
	case HC_O_WRITE:
		o = O_WRONLY;
		break;
	case HC_O_READ | HC_O_WRITE:
		o = O_RDWR;
		break;
	default:
		return -EINVAL;
	}
	if (flags & HC_O_CREATE)
		o |= O_CREAT;
	if (flags & HC_O_TRUNC)
		o |= O_TRUNC;
	if (flags & HC_O_APPEND)
		o |= O_APPEND;
	return o | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
}

static int open_beneath(int dirfd, const char *path, int oflags)
{
	struct open_how how;
	int fd;

	memset(&how, 0, sizeof(how));
	how.flags = oflags;
	how.mode = oflags & O_CREAT ? 0644 : 0;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
	do {
		fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	} while (fd < 0 && errno == EINTR);
	return fd < 0 ? -errno : fd;
}

/* 0 for a regular file, else why not. */
static int regular(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	return S_ISREG(st.st_mode) ? 0 : -EINVAL;
}

int share_open(struct share *s, const char *path, uint32_t flags)
{
	int oflags = host_flags(flags), slot, fd, r;

	if (oflags < 0)
		return oflags;
	pthread_mutex_lock(&s->lock);
	if (s->dirfd < 0) {
		r = -ENODEV;
		goto out;
	}
	/* A full table fails before the open can create or truncate anything. */
	for (slot = 0; slot < HC_MAX_FILES && s->fds[slot] >= 0; slot++)
		;
	if (slot == HC_MAX_FILES) {
		r = -EMFILE;
		goto out;
	}
	fd = open_beneath(s->dirfd, path, oflags);
	if (fd < 0) {
		r = fd;
		goto out;
	}
	r = regular(fd);
	if (r) {
		close(fd);
		goto out;
	}
	s->fds[slot] = fd;
	r = slot;
out:
	pthread_mutex_unlock(&s->lock);
	return r;
}

static bool valid(int fd)
{
	return fd >= 0 && fd < HC_MAX_FILES;
}

int share_close(struct share *s, int fd)
{
	int r = -EBADF;

	pthread_mutex_lock(&s->lock);
	if (valid(fd) && s->fds[fd] >= 0) {
		/* Linux frees the fd even when close reports an error. */
		r = close(s->fds[fd]) < 0 && errno != EINTR ? -errno : 0;
		s->fds[fd] = -1;
	}
	pthread_mutex_unlock(&s->lock);
	return r;
}

/* The lock is held across the system call so a close cannot slip in. */
ssize_t share_read(struct share *s, int fd, void *buf, size_t len)
{
	ssize_t n = -EBADF;

	pthread_mutex_lock(&s->lock);
	if (valid(fd) && s->fds[fd] >= 0) {
		do {
			n = read(s->fds[fd], buf, len);
		} while (n < 0 && errno == EINTR);
		if (n < 0)
			n = -errno;
	}
	pthread_mutex_unlock(&s->lock);
	return n;
}

ssize_t share_write(struct share *s, int fd, const void *buf, size_t len)
{
	ssize_t n = -EBADF;

	pthread_mutex_lock(&s->lock);
	if (valid(fd) && s->fds[fd] >= 0) {
		do {
			n = write(s->fds[fd], buf, len);
		} while (n < 0 && errno == EINTR);
		if (n < 0)
			n = -errno;
	}
	pthread_mutex_unlock(&s->lock);
	return n;
}
