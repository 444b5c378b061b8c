// SPDX-License-Identifier: GPL-2.0
/*
 * The hypercalls: decoding the registers, the calls themselves, the
 * result back in RAX.  Whatever the guest passes, the answer is an error
 * code for the guest, never a crash or a write outside the guest's
 * buffer: buffers are checked page by page through the guest's page
 * tables (gva.c) before any file is touched, and data moves through a
 * bounce buffer of the tool's.  Only a device that refuses
 * KVM_GET_REGS/KVM_SET_REGS mid-run ends the run (a verdict for the run
 * loop: the guest's registers are then nobody's to trust).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "balloon.h"
#include "gva.h"
#include "kvmini.h"
#include "vmstats.h"

#define EFER_LMA	(1ULL << 10)
#define CONSOLE_PORT	0xe9

_Static_assert(HC_EFAULT == EFAULT && HC_ENOSYS == ENOSYS && HC_EXDEV == EXDEV &&
	       HC_ELOOP == ELOOP && HC_ENODEV == ENODEV && HC_EOPNOTSUPP == EOPNOTSUPP &&
	       HC_EMFILE == EMFILE && HC_EBADF == EBADF && HC_E2BIG == E2BIG &&
	       HC_ENAMETOOLONG == ENAMETOOLONG && HC_EINVAL == EINVAL &&
	       HC_EISDIR == EISDIR && HC_ENOENT == ENOENT && HC_EACCES == EACCES &&
	       HC_EEXIST == EEXIST && HC_EPERM == EPERM,
	       "the ABI's error numbers are Linux's");

void hcall_vcpu_init(struct hcall_vcpu *h, struct vcpu *vcpu, int vcpu_fd, uint8_t *mem,
		     uint64_t mem_size, struct share *share)
{
	memset(h, 0, sizeof(*h));
	h->vcpu = vcpu;
	h->vcpu_fd = vcpu_fd;
	h->mem = mem;
	h->mem_size = mem_size;
	h->share = share;
	h->stats_fd = -1;
}

void hcall_vcpu_fini(struct hcall_vcpu *h)
{
	if (h->stats_fd >= 0)
		close(h->stats_fd);
	h->stats_fd = -1;
}

/* --- exits(): KVM's binary statistics (Documentation/virt/kvm/api.rst 4.133) */

static void stats_open(struct hcall_vcpu *h)
{
	const char *why;
	uint32_t flags;
	int fd;

	h->stats_tried = true;
	fd = ioctl(h->vcpu_fd, KVM_GET_STATS_FD, 0);
	if (fd < 0) {
		note("note: exits() hypercall: the device has no KVM_GET_STATS_FD (%s): "
		     "the guest gets -EOPNOTSUPP", strerror(errno));
		return;
	}
	why = statsfd_find(fd, "exits", &h->exits_pos, &flags);
	if (!why && (flags & KVM_STATS_TYPE_MASK) != KVM_STATS_TYPE_CUMULATIVE)
		why = "its \"exits\" statistic is not a cumulative counter";
	if (why) {
		note("note: exits() hypercall: KVM_GET_STATS_FD: %s: the guest gets -EOPNOTSUPP",
		     why);
		close(fd);
		return;
	}
	h->stats_fd = fd;
}

static int64_t hc_exits(struct hcall_vcpu *h)
{
	uint64_t v;

	if (!h->stats_tried)
		stats_open(h);
	if (h->stats_fd < 0)
		return -EOPNOTSUPP;
	if (!pread_all(h->stats_fd, &v, sizeof(v), h->exits_pos))
		return -EIO;
	return (int64_t)(v & INT64_MAX);
}

/* --- print and the files ------------------------------------------------ */

static int64_t hc_print(struct hcall_vcpu *h, const struct gva_mmu *m, uint64_t str)
{
	char buf[HC_PRINT_MAX + 1];
	long len = gva_read_string(m, str, buf, sizeof(buf));
	long i;

	if (len < 0)
		return len;
	for (i = 0; i < len; i++)
		console_port(h->vcpu, CONSOLE_PORT, true, (uint8_t *)&buf[i]);
	return len;
}

static int guest_fd(uint64_t fd)
{
	return fd < HC_MAX_FILES ? (int)fd : -1;
}

static int64_t hc_open(struct hcall_vcpu *h, const struct gva_mmu *m,
		       uint64_t path, uint64_t flags)
{
	char buf[HC_PATH_MAX + 1];
	long len = gva_read_string(m, path, buf, sizeof(buf));

	if (len == -E2BIG)
		return -ENAMETOOLONG;
	if (len < 0)
		return len;
	if (flags > UINT32_MAX)
		return -EINVAL;
	return share_open(h->share, buf, flags);
}

/* Every page is checked before the read, so the file moves only when all can land. */
static int64_t hc_read(struct hcall_vcpu *h, const struct gva_mmu *m,
		       uint64_t fd, uint64_t buf, uint64_t len)
{
	uint8_t *bounce;
	int64_t n;
	int r;

	if (len > HC_IO_MAX)
		len = HC_IO_MAX;
	r = gva_check(m, buf, len, true);
	if (r)
		return r;
	bounce = malloc(len ? len : 1);
	if (!bounce)
		return -ENOMEM;
	n = share_read(h->share, guest_fd(fd), bounce, len);
	/* Only if the guest changed its page tables meanwhile. */
	if (n > 0 && gva_write(m, buf, bounce, n))
		n = -EFAULT;
	free(bounce);
	return n;
}

static int64_t hc_write(struct hcall_vcpu *h, const struct gva_mmu *m,
			uint64_t fd, uint64_t buf, uint64_t len)
{
	uint8_t *bounce;
	int64_t n;

	if (len > HC_IO_MAX)
		len = HC_IO_MAX;
	bounce = malloc(len ? len : 1);
	if (!bounce)
		return -ENOMEM;
	n = gva_read(m, buf, bounce, len);
	if (!n)
		n = share_write(h->share, guest_fd(fd), bounce, len);
	free(bounce);
	return n;
}

static int64_t dispatch(struct hcall_vcpu *h, const struct gva_mmu *m, uint32_t nr,
			const uint64_t a[4])
{
	switch (nr) {
	case HC_PRINT:
		return hc_print(h, m, a[0]);
	case HC_EXITS:
		return hc_exits(h);
	case HC_OPEN:
		return hc_open(h, m, a[0], a[1]);
	case HC_READ:
		return hc_read(h, m, a[0], a[1], a[2]);
	case HC_WRITE:
		return hc_write(h, m, a[0], a[1], a[2]);
	case HC_CLOSE:
		return share_close(h->share, guest_fd(a[0]));
	case HC_BALLOON:
		return balloon_give_back(m, a[0], a[1]);
	default:
		return -ENOSYS;
	}
}

/* The number is what the OUT wrote: EAX for `outl %eax`. */
static void hypercall(struct hcall_vcpu *h, uint32_t nr, struct verdict *v)
{
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct gva_mmu m;
	uint64_t a[4], mask;
	int64_t ret;
	bool wide;

	if (ioctl(h->vcpu_fd, KVM_GET_REGS, &regs) < 0) {
		verdict_fail(v, false, "hypercall: KVM_GET_REGS: %s", strerror(errno));
		return;
	}
	if (ioctl(h->vcpu_fd, KVM_GET_SREGS, &sregs) < 0) {
		verdict_fail(v, false, "hypercall: KVM_GET_SREGS: %s", strerror(errno));
		return;
	}
	/* 32-bit code (compatibility mode too) owns only the low halves. */
	wide = (sregs.efer & EFER_LMA) && sregs.cs.l;
	mask = wide ? ~0ULL : 0xffffffffULL;
	a[0] = regs.rbx & mask;
	a[1] = regs.rcx & mask;
	a[2] = regs.rdx & mask;
	a[3] = regs.rsi & mask;
	gva_mmu_init(&m, &sregs, h->mem, h->mem_size);
	ret = dispatch(h, &m, nr, a);
	if (wide) {
		regs.rax = ret;
	} else {
		regs.rax = (uint32_t)ret;
		regs.rdx = (uint32_t)((uint64_t)ret >> 32);
	}
	/* RIP is untouched: the device moves it past the OUT on the next KVM_RUN. */
	if (ioctl(h->vcpu_fd, KVM_SET_REGS, &regs) < 0)
		verdict_fail(v, false, "hypercall: KVM_SET_REGS: %s", strerror(errno));
}

bool hcall_io(struct hcall_vcpu *h, const struct kvm_run *run, uint8_t *data,
	      struct verdict *v)
{
	uint32_t word = HC_SIGNATURE;

	if (run->io.size != 4 || run->io.count != 1)
		return false;
	if (run->io.direction == KVM_EXIT_IO_IN) {
		memcpy(data, &word, sizeof(word));
	} else {
		memcpy(&word, data, sizeof(word));
		hypercall(h, word, v);
	}
	return true;
}
