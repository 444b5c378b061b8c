/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hypercall ABI between a guest and the kvmini tool, shared by both
 * sides (the tool in user/, the guest library tests/guests/hcall.h), so
 * the numbers exist once.  docs/hypercalls.md explains it; in short: the
 * guest puts the call number in EAX and does `outl %eax, $HC_PORT`, the
 * arguments in RBX, RCX, RDX, RSI as KVM's VMCALL takes them, the result
 * comes back in RAX (EDX:EAX for 32-bit guests), negative on failure.
 * Plain macros only: the guests are freestanding.
 */
#ifndef KVMINI_HCALL_ABI_H
#define KVMINI_HCALL_ABI_H

/* Below 0x100, so the immediate form of OUT reaches it and DX stays free. */
#define HC_PORT			0xea
/* What a 4-byte IN from HC_PORT reads: "KVMh", hypercalls are there. */
#define HC_SIGNATURE		0x684d564bu

#define HC_PRINT		1	/* (str) */
#define HC_EXITS		2	/* () */
#define HC_OPEN			3	/* (path, flags) */
#define HC_READ			4	/* (fd, buf, len) */
#define HC_WRITE		5	/* (fd, buf, len) */
#define HC_CLOSE		6	/* (fd) */
#define HC_BALLOON		7	/* (addr, len): give the RAM behind it back */

/* open() flags: the guest's own, not the host's O_* values. */
#define HC_O_READ		0x01
#define HC_O_WRITE		0x02
#define HC_O_CREATE		0x04	/* with HC_O_WRITE; mode 0644 */
#define HC_O_TRUNC		0x08	/* with HC_O_WRITE */
#define HC_O_APPEND		0x10	/* with HC_O_WRITE */
#define HC_O_ALL		0x1f

/* Limits. */
#define HC_PRINT_MAX		4096	/* bytes before the NUL */
#define HC_PATH_MAX		1023	/* bytes before the NUL */
#define HC_IO_MAX		(1u << 20)	/* one read/write moves at most this */
#define HC_MAX_FILES		16	/* open at once per VM; fds 0-15 */

/*
 * Errors, as -HC_Exxx in RAX: Linux's x86 errno numbers.  These are the
 * ones the tool itself returns; open, read and write also pass on what
 * the host's system call said (docs/hypercalls.md lists the usual ones).
 */
#define HC_EPERM		1
#define HC_ENOENT		2
#define HC_E2BIG		7	/* print: no NUL within HC_PRINT_MAX + 1 bytes */
#define HC_EBADF		9	/* not an open guest fd */
#define HC_EACCES		13
#define HC_EFAULT		14	/* a pointer or buffer is not mapped guest RAM */
#define HC_EEXIST		17
#define HC_EXDEV		18	/* open: the path leaves the share (.., absolute) */
#define HC_ENODEV		19	/* open: no --share directory */
#define HC_EISDIR		21	/* open: a directory */
#define HC_EINVAL		22	/* bad flags; not a regular file; balloon: not whole pages */
#define HC_EMFILE		24	/* HC_MAX_FILES already open */
#define HC_ENAMETOOLONG		36	/* open: path longer than HC_PATH_MAX */
#define HC_ENOSYS		38	/* unknown call number */
#define HC_ELOOP		40	/* open: a symbolic link on the path */
#define HC_EOPNOTSUPP		95	/* exits: the device has no KVM_GET_STATS_FD "exits" */

#endif
