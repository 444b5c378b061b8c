/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The directory `kvmini run --share DIR` lends the guest, and the guest's
 * open files in it: a small table of host fds, indexed by the small
 * integers the guest sees.  One per VM, locked, so vCPU threads may share
 * it.  Pure host code (no KVM), unit-tested on the host.
 */
#ifndef KVMINI_SHARE_H
#define KVMINI_SHARE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "hcall_abi.h"

struct share {
	int dirfd;			/* O_PATH of DIR; -1 without --share */
	int fds[HC_MAX_FILES];		/* host fds; -1 when free */
	pthread_mutex_t lock;
};

/* @dir NULL: a share that refuses every open.  0 or -errno. */
int share_init(struct share *s, const char *dir);
/* Closes every file the guest left open, and the directory. */
void share_fini(struct share *s);

/*
 * @path relative to the share, never leaving it (no "..", absolute path
 * or symbolic link resolves out; no symbolic link at all), HC_O_* @flags:
 * a guest fd, or -errno (-ENODEV without a share).
 */
int share_open(struct share *s, const char *path, uint32_t flags);
int share_close(struct share *s, int fd);
/* At most @len bytes, as read(2) and write(2): a count or -errno. */
ssize_t share_read(struct share *s, int fd, void *buf, size_t len);
ssize_t share_write(struct share *s, int fd, const void *buf, size_t len);

#endif
