// SPDX-License-Identifier: GPL-2.0
/*
 * pageable_test DEV LABEL [STRESS_MS]: guest memory follows the VMM's
 * mapping at once, as with KVM's MMU notifiers.  Guards issue 11 ("Guest
 * memory the host can page out: MMU notifiers instead of pins"): with
 * pins, a page the VMM unmaps, drops or moves stays the guest's until the
 * slot is set again, so the guest reads stale data and its writes land in
 * a page the VMM no longer sees (or one the allocator took back).
 *
 * munmap_remap is the plainest case: with pins the guest reads the pages
 * from before the munmap.
 *
 * Each check does something to the memory behind slot 1 WITHOUT touching
 * the slot, then makes the guest read or write there.  The guest is a few
 * 32-bit routines (flat, no paging) that the VMM starts at a chosen RIP
 * with EBX, ECX and EDX set; each ends with an OUT to port 0x10, EAX
 * holding its result:
 *   munmap_remap      munmap + mmap(MAP_FIXED) other content: the guest reads it
 *   dontneed          MADV_DONTNEED: the guest reads zeros, its writes reach the VMM
 *   mremap            the memory moved away, fresh memory at the old address
 *   fork_cow_write    the guest's write after fork(): the VMM sees it, the child does not
 *   cow_zero_page     read of the shared zero page, then a write: no other zero page changes
 *   cow_file          read of a MAP_PRIVATE file page, then a write: the file keeps its data
 *   cow_fork_read     after fork(), a read then a write: write permission follows the host
 *   thp_split         4 KiB dropped and 4 KiB replaced inside a THP the guest uses
 *   thp_collapse      MADV_COLLAPSE of 4 KiB pages the guest uses into a THP
 *   migrate           the pages moved (compaction, move_pages, or soft offline)
 *   ksm               two pages merged by KSM, then one written by the guest
 *   hugetlb_remap     a 2 MiB hugetlbfs page replaced by another
 *   hugetlb_dontneed  a 2 MiB hugetlbfs page dropped
 *   stress            two vCPUs checksum pages while the VMM drops, remaps,
 *                     moves, protects, collapses and compacts them (STRESS_MS
 *                     milliseconds, default 400: Bochs costs about a minute of
 *                     wall time per emulated second)
 *   mmu_stats         kvmini describes the five mmu_* statistics
 *   CHECK_mmu_*       kvmini's counters moved (kvmini only: KVM has other names)
 * Where the host cannot do the thing (no THP, no KSM, no hugetlbfs pool, no
 * second CPU, compaction moved nothing) the check is a SKIP saying why.
 */
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "ktest.h"
#include "memtest.h"
#include "kstats.h"

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE		25
#endif
#ifndef MADV_SOFT_OFFLINE
#define MADV_SOFT_OFFLINE	101
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP	4
#endif
#ifndef MPOL_MF_MOVE
#define MPOL_MF_MOVE		2
#endif

#define PAGE		4096UL
#define SZ_2M		(2UL << 20)
#define PAGES_2M	(SZ_2M / PAGE)
#define CODE_SIZE	0x10000UL
/* 2 MiB aligned, so that a 2 MiB host page can be one 2 MiB EPT leaf. */
#define DATA_GPA	0x10000000UL
#define DONE_PORT	0x10

/* Where each routine sits in the code slot. */
#define G_READ		0x1000	/* EAX = [EBX] */
#define G_WRITE		0x1010	/* [EBX] = ECX */
#define G_SUMFILL	0x1020	/* ECX pages from EBX: EAX += word 0, word 0 = EDX++ */
#define G_COMPARE	0x1040	/* ECX pages from EBX: word 0 against EDX[]; see below */
/* Where the VMM leaves G_COMPARE's expected words, in the code slot. */
#define EXPECT_GPA	0x4000
#define EXPECT_MAX	((CODE_SIZE - EXPECT_GPA) / 4)

static const unsigned char g_read[] = {
	0x8b, 0x03,			/* mov (%ebx),%eax */
	0xe6, DONE_PORT, 0xf4,		/* out %al,$0x10; hlt */
};

static const unsigned char g_write[] = {
	0x89, 0x0b,			/* mov %ecx,(%ebx) */
	0xe6, DONE_PORT, 0xf4,
};

static const unsigned char g_sumfill[] = {
	0x31, 0xc0,			/* xor %eax,%eax */
	0x03, 0x03,			/* 1: add (%ebx),%eax */
	0x89, 0x13,			/* mov %edx,(%ebx) */
	0x42,				/* inc %edx */
	0x81, 0xc3, 0x00, 0x10, 0x00, 0x00, /* add $0x1000,%ebx */
	0xe2, 0xf3,			/* loop 1b */
	0xe6, DONE_PORT, 0xf4,
};

/* EAX = 0 when all match, else the first page that differs + 1, ESI what it holds. */
static const unsigned char g_compare[] = {
	0x31, 0xff,			/* xor %edi,%edi */
	0x8b, 0x33,			/* 1: mov (%ebx),%esi */
	0x3b, 0x34, 0xba,		/* cmp (%edx,%edi,4),%esi */
	0x75, 0x10,			/* jne 2f */
	0x47,				/* inc %edi */
	0x81, 0xc3, 0x00, 0x10, 0x00, 0x00, /* add $0x1000,%ebx */
	0x39, 0xcf,			/* cmp %ecx,%edi */
	0x72, 0xee,			/* jb 1b */
	0x31, 0xc0,			/* xor %eax,%eax */
	0xe6, DONE_PORT, 0xf4,
	0x8d, 0x47, 0x01,		/* 2: lea 1(%edi),%eax */
	0xe6, DONE_PORT, 0xf4,
};

static const char *dev;
static int on_kvmini;

struct vm {
	int sys, fd, stats;
	int vcpu[2];
	struct kvm_run *run[2];
	size_t run_size;
	unsigned char *code;
};

static struct vm vm = { .sys = -1, .fd = -1, .stats = -1, .vcpu = { -1, -1 } };

/* Why the current check failed or was skipped, and the line that said so. */
static char why[512];
static int why_line;

enum { PASS, FAIL, SKIP };

#define FAILED(...) do {						\
	why_line = __LINE__;						\
	snprintf(why, sizeof(why), __VA_ARGS__);			\
	return FAIL;							\
} while (0)

#define SKIPPED(...) do {						\
	snprintf(why, sizeof(why), __VA_ARGS__);			\
	return SKIP;							\
} while (0)

/* A guest call that failed has said why already. */
#define TRY(call) do {							\
	if (call) {							\
		why_line = __LINE__;					\
		return FAIL;						\
	}								\
} while (0)

static void skip_line(const char *name, const char *reason)
{
	printf("KTEST SKIP %s%s: %s\n", ktest_prefix, name, reason);
	fflush(stdout);
}

/* ---- kvmini's counters ---- */

enum { INVAL, ZAP_4K, ZAP_2M, RETRIES, REFAULTS, NR_MMU };
static const char *const mmu_name[NR_MMU] = {
	"mmu_invalidations", "mmu_zapped_4k", "mmu_zapped_2m", "mmu_fault_retries",
	"mmu_refaults",
};
/* All five are there (kvmini after issue 11); none is checked otherwise. */
static int have_mmu;

struct mmu {
	int64_t v[NR_MMU];
};

static void mmu_read(struct mmu *m)
{
	int i;

	for (i = 0; i < NR_MMU; i++)
		m->v[i] = have_mmu ? stat_value(vm.stats, mmu_name[i]) : -1;
}

/* CHECK_STAT passes when the counter grew by at least @least since @before. */
static void mmu_check(const char *check, const struct mmu *before, int which, int64_t least)
{
	char name[96];
	int64_t now;

	if (!have_mmu)
		return;
	now = stat_value(vm.stats, mmu_name[which]);
	snprintf(name, sizeof(name), "%s_%s", check, mmu_name[which]);
	if (now - before->v[which] >= least)
		ktest_pass(name);
	else
		ktest_fail(name, "%s went from %lld to %lld, want at least %lld more",
			   mmu_name[which], (long long)before->v[which], (long long)now,
			   (long long)least);
}

/* How the counters moved during a check, for whoever reads the log. */
static void mmu_data(const char *check, const struct mmu *before)
{
	struct mmu now;
	int i;

	if (!have_mmu)
		return;
	mmu_read(&now);
	printf("KTEST DATA %s%s:", ktest_prefix, check);
	for (i = 0; i < NR_MMU; i++)
		printf(" %s +%lld", mmu_name[i], (long long)(now.v[i] - before->v[i]));
	printf("\n");
	fflush(stdout);
}

static int64_t vm_stat(const char *name)
{
	return stat_value(vm.stats, name);
}

/* ---- the VM ---- */

/* vCPU @i in flat 32-bit protected mode, no paging. */
static int vcpu_add(int i)
{
	struct kvm_segment data = {
		.limit = 0xffffffff, .selector = 0x10, .type = 3, .present = 1,
		.db = 1, .s = 1, .g = 1,
	};
	struct kvm_sregs s;

	vm.vcpu[i] = ioctl(vm.fd, KVM_CREATE_VCPU, i);
	if (vm.vcpu[i] < 0)
		return -1;
	vm.run[i] = mmap(NULL, vm.run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vm.vcpu[i], 0);
	if (vm.run[i] == MAP_FAILED || ioctl(vm.vcpu[i], KVM_GET_SREGS, &s))
		return -1;
	s.cr0 |= 1;
	s.cs = data;
	s.cs.selector = 0x8;
	s.cs.type = 0xb;
	s.ds = s.es = s.fs = s.gs = s.ss = data;
	return ioctl(vm.vcpu[i], KVM_SET_SREGS, &s);
}

static int vm_open(void)
{
	struct kvm_userspace_memory_region code = { .slot = 0, .memory_size = CODE_SIZE };
	long size;

	vm.run[0] = vm.run[1] = MAP_FAILED;
	vm.sys = open(dev, O_RDWR | O_CLOEXEC);
	if (vm.sys < 0)
		return -1;
	vm.fd = ioctl(vm.sys, KVM_CREATE_VM, 0);
	size = ioctl(vm.sys, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vm.fd < 0 || size <= 0)
		return -1;
	vm.run_size = size;
	/* Shared, so that a fork()ed child never makes the code COW. */
	vm.code = mmap(NULL, CODE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (vm.code == MAP_FAILED)
		return -1;
	memcpy(vm.code + G_READ, g_read, sizeof(g_read));
	memcpy(vm.code + G_WRITE, g_write, sizeof(g_write));
	memcpy(vm.code + G_SUMFILL, g_sumfill, sizeof(g_sumfill));
	memcpy(vm.code + G_COMPARE, g_compare, sizeof(g_compare));
	code.userspace_addr = (unsigned long)vm.code;
	if (ioctl(vm.fd, KVM_SET_USER_MEMORY_REGION, &code) || vcpu_add(0))
		return -1;
	vm.stats = ioctl(vm.fd, KVM_GET_STATS_FD, NULL);
	return 0;
}

static void vm_close(void)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (vm.run[i] != MAP_FAILED)
			munmap(vm.run[i], vm.run_size);
		if (vm.vcpu[i] >= 0)
			close(vm.vcpu[i]);
	}
	if (vm.stats >= 0)
		close(vm.stats);
	if (vm.fd >= 0)
		close(vm.fd);
	if (vm.sys >= 0)
		close(vm.sys);
}

/* Slot 1 at DATA_GPA over @size bytes at @mem; @size 0 deletes it. */
static int slot_set(void *mem, size_t size)
{
	struct kvm_userspace_memory_region r = {
		.slot = 1, .guest_phys_addr = DATA_GPA, .memory_size = size,
		.userspace_addr = (unsigned long)mem,
	};

	return ioctl(vm.fd, KVM_SET_USER_MEMORY_REGION, &r);
}

/* Slot 1 as the current check set it (size 0: none), deleted after the check. */
static void *slot_mem;
static size_t slot_size;

/* The check's slot 1, or a FAIL. */
#define SLOT(mem, size) do {						\
	if (slot_set(mem, size))					\
		FAILED("setting slot 1: %s", strerrorname_np(errno));	\
	slot_mem = mem;							\
	slot_size = size;						\
} while (0)

/*
 * Runs the routine at @entry on vCPU @i; EAX after its OUT in *@eax, ESI
 * in *@esi (either may be NULL).
 * Return: 0, or -1 with why in @err.
 */
static int guest_call(int i, unsigned long entry, uint32_t ebx, uint32_t ecx, uint32_t edx,
		      uint32_t *eax, uint32_t *esi, char *err, size_t len)
{
	struct kvm_regs regs = {
		.rip = entry, .rflags = 2, .rbx = ebx, .rcx = ecx, .rdx = edx,
	};
	struct kvm_run *run = vm.run[i];
	int ret;

	if (ioctl(vm.vcpu[i], KVM_SET_REGS, &regs)) {
		snprintf(err, len, "KVM_SET_REGS: %s", strerrorname_np(errno));
		return -1;
	}
	do
		ret = ioctl(vm.vcpu[i], KVM_RUN, 0);
	while (ret && errno == EINTR);
	if (ret || run->exit_reason != KVM_EXIT_IO || run->io.port != DONE_PORT) {
		snprintf(err, len, "vCPU %d, routine %#lx at GPA %#x: KVM_RUN returned %d (%s), exit %u%s",
			 i, entry, ebx, ret, ret ? strerrorname_np(errno) : "-", run->exit_reason,
			 run->exit_reason == KVM_EXIT_MMIO ? " (MMIO: no slot there?)" : "");
		return -1;
	}
	if (ioctl(vm.vcpu[i], KVM_GET_REGS, &regs)) {
		snprintf(err, len, "KVM_GET_REGS: %s", strerrorname_np(errno));
		return -1;
	}
	if (eax)
		*eax = regs.rax;
	if (esi)
		*esi = regs.rsi;
	return 0;
}

static uint32_t gpa_of(unsigned long page, unsigned long off)
{
	return DATA_GPA + page * PAGE + off;
}

/* The guest's 32-bit read at byte @off of page @page of slot 1. */
static int g_rd(unsigned long page, unsigned long off, uint32_t *val)
{
	return guest_call(0, G_READ, gpa_of(page, off), 0, 0, val, NULL, why, sizeof(why));
}

static int g_wr(unsigned long page, unsigned long off, uint32_t val)
{
	return guest_call(0, G_WRITE, gpa_of(page, off), val, 0, NULL, NULL, why, sizeof(why));
}

/*
 * The guest reads word 0 of pages [@first, @first + @n) and must find
 * @want[k] in page @first + k; -1 with why at the first page that differs.
 * One guest call: in Bochs each exit to the VMM costs real time.
 */
static int g_expect(unsigned long first, unsigned long n, const uint32_t *want, const char *what)
{
	uint32_t bad, val;

	if (n > EXPECT_MAX) {
		snprintf(why, sizeof(why), "g_expect: %lu pages, at most %lu", n, EXPECT_MAX);
		return -1;
	}
	memcpy(vm.code + EXPECT_GPA, want, n * sizeof(*want));
	if (guest_call(0, G_COMPARE, gpa_of(first, 0), n, EXPECT_GPA, &bad, &val, why, sizeof(why)))
		return -1;
	if (bad) {
		snprintf(why, sizeof(why), "the guest reads %#x in page %lu, want %#x (%s)",
			 val, first + bad - 1, want[bad - 1], what);
		return -1;
	}
	return 0;
}

/* The guest writes @seed + k to word 0 of page @first + k; the VMM must read each through @mem. */
static int g_fill_seen(unsigned char *mem, unsigned long first, unsigned long n, uint32_t seed)
{
	unsigned long k;
	uint32_t sum;

	if (guest_call(0, G_SUMFILL, gpa_of(first, 0), n, seed, &sum, NULL, why, sizeof(why)))
		return -1;
	for (k = 0; k < n; k++) {
		uint32_t val = *(volatile uint32_t *)(mem + (first + k) * PAGE);

		if (val != seed + k) {
			snprintf(why, sizeof(why),
				 "the VMM reads %#x in page %lu after the guest wrote %#x there: the guest's write went to a page the VMM's mapping no longer has",
				 val, first + k, seed + (uint32_t)k);
			return -1;
		}
	}
	return 0;
}

/* ---- host memory ---- */

static uint32_t pattern(uint32_t tag, unsigned long page)
{
	return (tag * 0x01000193u) ^ ((uint32_t)(page + 1) * 0x9e3779b9u);
}

/* The VMM writes pattern(@tag) to word 0 of @n pages and notes it in @want. */
static void host_fill(unsigned char *mem, unsigned long n, uint32_t tag, uint32_t *want)
{
	unsigned long k;

	for (k = 0; k < n; k++) {
		*(volatile uint32_t *)(mem + k * PAGE) = pattern(tag, k);
		if (want)
			want[k] = pattern(tag, k);
	}
}

/* Mappings a check made, unmapped after it whatever happened. */
static struct {
	void *p;
	size_t len;
} maps[12];

static void *track(void *p, size_t len)
{
	unsigned int i;

	if (p == MAP_FAILED)
		return p;
	for (i = 0; i < sizeof(maps) / sizeof(maps[0]); i++)
		if (!maps[i].p) {
			maps[i].p = p;
			maps[i].len = len;
			break;
		}
	return p;
}

static void untrack_all(void)
{
	unsigned int i;

	for (i = 0; i < sizeof(maps) / sizeof(maps[0]); i++)
		if (maps[i].p) {
			munmap(maps[i].p, maps[i].len);
			maps[i].p = NULL;
		}
}

/* @pages of private anonymous memory kept in 4 KiB pages (THP may be "always"). */
static unsigned char *anon_4k(unsigned long pages)
{
	unsigned char *p = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p != MAP_FAILED)
		madvise(p, pages * PAGE, MADV_NOHUGEPAGE);
	return track(p, pages * PAGE);
}

/* @size of private anonymous memory, 2 MiB aligned. */
static unsigned char *anon_2m_aligned(size_t size)
{
	return track(mmap_2m_aligned(size), size);
}

/* The page frame behind @addr (/proc/self/pagemap; root only), or 0. */
static uint64_t pfn_of(const void *addr)
{
	uint64_t e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		return 0;
	if (pread(fd, &e, sizeof(e), (unsigned long)addr / PAGE * sizeof(e)) != sizeof(e))
		e = 0;
	close(fd);
	return e >> 63 ? e & ((1ULL << 55) - 1) : 0;
}

/* "always" or "madvise" THP, or -1 with the mode in @mode. */
static int thp_usable(char *mode, size_t len)
{
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");

	snprintf(mode, len, "missing");
	if (!f)
		return -1;
	if (!fgets(mode, len, f))
		mode[0] = '\0';
	fclose(f);
	mode[strcspn(mode, "\n")] = '\0';
	return strstr(mode, "[always]") || strstr(mode, "[madvise]") ? 0 : -1;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the checks ---- */

/*
 * munmap_remap: the VMM unmaps the slot's memory and maps other memory,
 * with other content, at the same address.  The guest must read the new
 * content, and its writes must reach the new pages.  Issue 11: with pins
 * the guest keeps reading the pages from before the munmap.
 */
static int check_munmap_remap(void)
{
	const unsigned long n = 16;
	uint32_t old[16], want[16];
	unsigned char *mem = anon_4k(n), *again;
	struct mmu before;

	if (mem == MAP_FAILED)
		FAILED("mmap: %s", strerrorname_np(errno));
	host_fill(mem, n, 1, old);
	SLOT(mem, n * PAGE);
	TRY(g_expect(0, n, old, "before the munmap"));
	mmu_read(&before);
	munmap(mem, n * PAGE);
	again = mmap(mem, n * PAGE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (again != mem)
		FAILED("mmap(MAP_FIXED) at the old address: %s", strerrorname_np(errno));
	madvise(mem, n * PAGE, MADV_NOHUGEPAGE);
	host_fill(mem, n, 2, want);
	if (g_expect(0, n, want, "after munmap + mmap")) {
		why_line = __LINE__;
		if (strstr(why, "want") && old[0] != want[0])
			strncat(why, "; the slot still maps the pages from before the munmap?",
				sizeof(why) - strlen(why) - 1);
		return FAIL;
	}
	TRY(g_fill_seen(mem, 0, n, 0x1000));
	mmu_check("munmap_remap", &before, INVAL, 1);
	mmu_check("munmap_remap", &before, ZAP_4K, n);
	mmu_check("munmap_remap", &before, REFAULTS, 1);
	mmu_data("munmap_remap", &before);
	return PASS;
}

/*
 * dontneed: MADV_DONTNEED on private anonymous memory the guest has read.
 * The guest must then read zeros, and what it writes after must be seen
 * by the VMM through its mapping (issue 11: with pins the guest reads and
 * writes the dropped pages, which nobody else sees).
 */
static int check_dontneed(void)
{
	const unsigned long n = 16;
	uint32_t want[16] = { 0 };
	unsigned char *mem = anon_4k(n);
	struct mmu before;

	if (mem == MAP_FAILED)
		FAILED("mmap: %s", strerrorname_np(errno));
	host_fill(mem, n, 3, want);
	SLOT(mem, n * PAGE);
	TRY(g_expect(0, n, want, "before MADV_DONTNEED"));
	mmu_read(&before);
	if (madvise(mem, n * PAGE, MADV_DONTNEED))
		FAILED("MADV_DONTNEED: %s", strerrorname_np(errno));
	memset(want, 0, sizeof(want));
	TRY(g_expect(0, n, want, "after MADV_DONTNEED"));
	TRY(g_fill_seen(mem, 0, n, 0x2000));
	mmu_check("dontneed", &before, INVAL, 1);
	mmu_check("dontneed", &before, ZAP_4K, n);
	mmu_check("dontneed", &before, REFAULTS, 1);
	mmu_data("dontneed", &before);
	return PASS;
}

/*
 * mremap: the VMM moves the slot's memory to another address
 * (MREMAP_MAYMOVE | MREMAP_FIXED) and maps fresh memory at the old one.
 * The guest must see the fresh memory, and its writes must land there,
 * not in the pages that moved away (issue 11).
 */
static int check_mremap(void)
{
	const unsigned long n = 16;
	uint32_t old[16], want[16];
	unsigned char *mem = anon_4k(n), *spare = anon_4k(n), *moved, *again;
	struct mmu before;
	unsigned long k;

	if (mem == MAP_FAILED || spare == MAP_FAILED)
		FAILED("mmap: %s", strerrorname_np(errno));
	host_fill(mem, n, 4, old);
	SLOT(mem, n * PAGE);
	TRY(g_expect(0, n, old, "before the mremap"));
	mmu_read(&before);
	moved = mremap(mem, n * PAGE, n * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, spare);
	if (moved != spare)
		FAILED("mremap: %s", strerrorname_np(errno));
	again = mmap(mem, n * PAGE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (again != mem)
		FAILED("mmap(MAP_FIXED) at the old address: %s", strerrorname_np(errno));
	madvise(mem, n * PAGE, MADV_NOHUGEPAGE);
	host_fill(mem, n, 5, want);
	TRY(g_expect(0, n, want, "the fresh memory at the old address"));
	TRY(g_fill_seen(mem, 0, n, 0x3000));
	for (k = 0; k < n; k++)
		if (*(uint32_t *)(moved + k * PAGE) != old[k])
			FAILED("page %lu of the memory that moved away holds %#x, want %#x: the guest wrote into it",
			       k, *(uint32_t *)(moved + k * PAGE), old[k]);
	mmu_check("mremap", &before, INVAL, 1);
	mmu_check("mremap", &before, REFAULTS, 1);
	mmu_data("mremap", &before);
	return PASS;
}

/*
 * A child of fork() that waits for a byte on @go, then sends word 0 of
 * page 0 of @mem on @back: what the child's copy holds.
 */
static pid_t fork_reader(unsigned char *mem, int go[2], int back[2])
{
	pid_t pid;

	if (pipe(go) || pipe(back))
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		uint32_t val;
		char c;

		if (read(go[0], &c, 1) != 1)
			_exit(1);
		val = *(volatile uint32_t *)mem;
		_exit(write(back[1], &val, sizeof(val)) == sizeof(val) ? 0 : 1);
	}
	return pid;
}

/* What the child of fork_reader() read; closes the pipes and reaps it. */
static int fork_reader_value(pid_t pid, int go[2], int back[2], uint32_t *val)
{
	int ok = write(go[1], "g", 1) == 1 && read(back[0], val, sizeof(*val)) == sizeof(*val);

	close(go[0]);
	close(go[1]);
	close(back[0]);
	close(back[1]);
	waitpid(pid, NULL, 0);
	return ok ? 0 : -1;
}

/*
 * fork_cow_write and cow_fork_read: after fork() the parent's anonymous
 * pages are shared with the child until written.  The guest writes page 0
 * (after reading it when @read_first): the parent VMM must see the write
 * and the child must still see the value from before the fork.  Issue 11:
 * the fork must take write access from the guest's mapping, and the
 * guest's next write must break COW in the parent.
 */
static int check_fork(const char *name, int read_first)
{
	unsigned char *mem = anon_4k(4);
	int go[2], back[2];
	uint32_t child_val, val;
	struct mmu before;
	pid_t pid;

	if (mem == MAP_FAILED)
		FAILED("mmap: %s", strerrorname_np(errno));
	host_fill(mem, 4, 6, NULL);
	SLOT(mem, 4 * PAGE);
	/* So that the guest holds page 0 writable before the fork. */
	TRY(g_wr(0, 0, 0xf00d0001));
	if (*(volatile uint32_t *)mem != 0xf00d0001)
		FAILED("the VMM reads %#x before the fork, want the guest's 0xf00d0001",
		       *(uint32_t *)mem);
	mmu_read(&before);
	pid = fork_reader(mem, go, back);
	if (pid < 0)
		FAILED("fork: %s", strerrorname_np(errno));
	if (read_first) {
		if (g_rd(0, 0, &val)) {
			fork_reader_value(pid, go, back, &child_val);
			why_line = __LINE__;
			return FAIL;
		}
		if (val != 0xf00d0001) {
			fork_reader_value(pid, go, back, &child_val);
			FAILED("the guest reads %#x after the fork, want 0xf00d0001", val);
		}
	}
	if (g_wr(0, 0, 0xf00d0002)) {
		fork_reader_value(pid, go, back, &child_val);
		why_line = __LINE__;
		return FAIL;
	}
	val = *(volatile uint32_t *)mem;
	if (fork_reader_value(pid, go, back, &child_val))
		FAILED("the child did not answer");
	if (val != 0xf00d0002)
		FAILED("the VMM reads %#x after the guest wrote 0xf00d0002: the guest wrote into the page shared with the child (child reads %#x)",
		       val, child_val);
	if (child_val != 0xf00d0001)
		FAILED("the child reads %#x, want 0xf00d0001 from before the fork: the guest's write reached the child's copy",
		       child_val);
	if (read_first) {
		TRY(g_rd(0, 0, &val));
		if (val != 0xf00d0002)
			FAILED("the guest reads %#x after its own write of 0xf00d0002", val);
	}
	mmu_check(name, &before, INVAL, 1);
	mmu_data(name, &before);
	return PASS;
}

static int check_fork_cow_write(void)
{
	return check_fork("fork_cow_write", 0);
}

static int check_cow_fork_read(void)
{
	return check_fork("cow_fork_read", 1);
}

/*
 * cow_zero_page: the guest reads never-written anonymous memory (the
 * host's shared zero page, which the VMM has read too), then writes it.
 * It must read 0, the VMM must see its write, and the zero page must stay
 * zero: a write mapped through the read fault's read-only mapping would
 * change every zero page in the system.  Issue 11: write permission
 * follows the host's mapping.
 */
static int check_cow_zero_page(void)
{
	unsigned char *mem = anon_4k(4), *other = anon_4k(1);
	uint32_t val;

	if (mem == MAP_FAILED || other == MAP_FAILED)
		FAILED("mmap: %s", strerrorname_np(errno));
	/* The VMM's own reads map the zero page here. */
	if (*(volatile uint32_t *)mem || *(volatile uint32_t *)(mem + PAGE) ||
	    *(volatile uint32_t *)other)
		FAILED("fresh anonymous memory is not zero");
	SLOT(mem, 4 * PAGE);
	TRY(g_rd(0, 0, &val));
	if (val)
		FAILED("the guest reads %#x in never-written memory, want 0", val);
	TRY(g_wr(0, 0, 0x5eed0001));
	if (*(volatile uint32_t *)mem != 0x5eed0001)
		FAILED("the VMM reads %#x after the guest wrote 0x5eed0001", *(uint32_t *)mem);
	if (*(volatile uint32_t *)(mem + PAGE) || *(volatile uint32_t *)other)
		FAILED("another zero page now reads %#x / %#x: the guest wrote into the shared zero page",
		       *(uint32_t *)(mem + PAGE), *(uint32_t *)other);
	TRY(g_rd(1, 0, &val));
	if (val)
		FAILED("the guest reads %#x in page 1, never written, want 0", val);
	return PASS;
}

/*
 * cow_file: a MAP_PRIVATE mapping of a file (memfd).  The guest reads a
 * page (read fault: the page cache's page, read-only) and then writes it:
 * the write must go to the VMM's private copy, never into the file.
 * Issue 11: write permission follows the host's mapping.
 */
static int check_cow_file(void)
{
	unsigned char *mem;
	uint32_t val, words[4], file_word;
	unsigned long k;
	int fd = memfd_create("pageable", MFD_CLOEXEC);

	if (fd < 0)
		SKIPPED("memfd_create: %s", strerrorname_np(errno));
	for (k = 0; k < 4; k++)
		words[k] = pattern(7, k);
	if (ftruncate(fd, 4 * PAGE)) {
		close(fd);
		FAILED("ftruncate: %s", strerrorname_np(errno));
	}
	for (k = 0; k < 4; k++)
		if (pwrite(fd, &words[k], 4, k * PAGE) != 4) {
			close(fd);
			FAILED("pwrite: %s", strerrorname_np(errno));
		}
	mem = track(mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0), 4 * PAGE);
	if (mem == MAP_FAILED) {
		close(fd);
		FAILED("mmap of the memfd: %s", strerrorname_np(errno));
	}
	if (slot_set(mem, 4 * PAGE)) {
		close(fd);
		FAILED("setting slot 1: %s", strerrorname_np(errno));
	}
	slot_mem = mem;
	slot_size = 4 * PAGE;
	if (g_rd(1, 0, &val) || (val != words[1] &&
				 snprintf(why, sizeof(why), "the guest reads %#x in the file's page 1, want %#x",
					  val, words[1])) ||
	    g_wr(1, 0, 0xc0de0001)) {
		close(fd);
		why_line = __LINE__;
		return FAIL;
	}
	k = pread(fd, &file_word, 4, PAGE);
	close(fd);
	if (k != 4)
		FAILED("pread: %s", strerrorname_np(errno));
	if (file_word != words[1])
		FAILED("the file's page 1 now holds %#x, want %#x: the guest wrote into the page cache",
		       file_word, words[1]);
	if (*(volatile uint32_t *)(mem + PAGE) != 0xc0de0001)
		FAILED("the VMM reads %#x after the guest wrote 0xc0de0001", *(uint32_t *)(mem + PAGE));
	TRY(g_rd(1, 0, &val));
	if (val != 0xc0de0001)
		FAILED("the guest reads %#x after its own write of 0xc0de0001", val);
	TRY(g_rd(2, 0, &val));
	if (val != words[2])
		FAILED("the guest reads %#x in the file's page 2, want %#x", val, words[2]);
	return PASS;
}

/*
 * thp_split: a 2 MiB THP the guest has read (2 MiB EPT leaf where the CPU
 * has them).  The VMM drops one 4 KiB of it (MADV_DONTNEED) and maps
 * fresh memory over another (mmap MAP_FIXED), splitting the host's huge
 * page.  The guest must read zeros in those two and its data everywhere
 * else, and its writes anywhere in the 2 MiB must reach the VMM.
 * Issue 11: 2 MiB leaves follow the host's mapping level.
 */
static int check_thp_split(void)
{
	static uint32_t want[PAGES_2M];
	const unsigned long dropped = 100, replaced = 300;
	unsigned char *mem, *p;
	struct mmu before;
	int64_t leaves_2m;
	char mode[128];
	long kb;

	if (thp_usable(mode, sizeof(mode)))
		SKIPPED("THP is off (transparent_hugepage/enabled: %s)", mode);
	mem = anon_2m_aligned(SZ_2M);
	if (mem == MAP_FAILED || madvise(mem, SZ_2M, MADV_HUGEPAGE))
		FAILED("mmap or MADV_HUGEPAGE: %s", strerrorname_np(errno));
	host_fill(mem, PAGES_2M, 8, want);
	kb = smaps_kb(mem, "AnonHugePages:");
	if (kb < 2048)
		SKIPPED("THP gave no huge page (AnonHugePages: %ld kB)", kb);
	SLOT(mem, SZ_2M);
	TRY(g_expect(0, PAGES_2M, want, "the THP before the split"));
	leaves_2m = vm_stat("pages_2m");
	mmu_read(&before);
	if (madvise(mem + dropped * PAGE, PAGE, MADV_DONTNEED))
		FAILED("MADV_DONTNEED of one 4 KiB: %s", strerrorname_np(errno));
	p = mmap(mem + replaced * PAGE, PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (p != mem + replaced * PAGE)
		FAILED("mmap(MAP_FIXED) over one 4 KiB: %s", strerrorname_np(errno));
	want[dropped] = want[replaced] = 0;
	TRY(g_expect(0, PAGES_2M, want, "after 4 KiB of the THP were dropped and replaced"));
	TRY(g_fill_seen(mem, 0, PAGES_2M, 0x4000));
	mmu_check("thp_split", &before, INVAL, 1);
	/* Where kvmini mapped the THP with one 2 MiB leaf, the split must zap it. */
	if (on_kvmini && leaves_2m > 0)
		mmu_check("thp_split", &before, ZAP_2M, 1);
	else if (have_mmu)
		skip_line("thp_split_mmu_zapped_2m", "no 2 MiB EPT leaf before the split");
	mmu_check("thp_split", &before, REFAULTS, 1);
	mmu_data("thp_split", &before);
	return PASS;
}

/*
 * thp_collapse: 4 KiB pages the guest has read and written are collapsed
 * into one THP (MADV_COLLAPSE, Linux 6.1 and later): the guest must still
 * read its data, and its writes must reach the new huge page.  Issue 11:
 * pins would also make the collapse fail (EAGAIN, extra references).
 */
static int check_thp_collapse(void)
{
	static uint32_t want[PAGES_2M];
	unsigned char *mem;
	struct mmu before;
	int tries, ret = -1;
	char mode[128];
	unsigned long k;
	long kb;

	if (thp_usable(mode, sizeof(mode)))
		SKIPPED("THP is off (transparent_hugepage/enabled: %s)", mode);
	mem = anon_2m_aligned(SZ_2M);
	if (mem == MAP_FAILED || madvise(mem, SZ_2M, MADV_NOHUGEPAGE))
		FAILED("mmap or MADV_NOHUGEPAGE: %s", strerrorname_np(errno));
	SLOT(mem, SZ_2M);
	TRY(g_fill_seen(mem, 0, PAGES_2M, 0x5000));
	for (k = 0; k < PAGES_2M; k++)
		want[k] = 0x5000 + k;
	if (madvise(mem, SZ_2M, MADV_HUGEPAGE))
		FAILED("MADV_HUGEPAGE: %s", strerrorname_np(errno));
	mmu_read(&before);
	for (tries = 0; tries < 5; tries++) {
		ret = madvise(mem, SZ_2M, MADV_COLLAPSE);
		if (!ret || errno != EAGAIN)
			break;
		usleep(10000);
	}
	if (ret && errno == EINVAL)
		SKIPPED("MADV_COLLAPSE: EINVAL (Linux before 6.1?)");
	if (ret && errno == ENOMEM)
		SKIPPED("MADV_COLLAPSE: ENOMEM (no free 2 MiB page)");
	if (ret)
		FAILED("MADV_COLLAPSE: %s%s", strerrorname_np(errno),
		       errno == EAGAIN ? " five times: pages with extra references (pinned?)" : "");
	kb = smaps_kb(mem, "AnonHugePages:");
	TRY(g_expect(0, PAGES_2M, want, "after MADV_COLLAPSE"));
	TRY(g_fill_seen(mem, 0, PAGES_2M, 0x6000));
	printf("KTEST DATA %sthp_collapse: AnonHugePages %ld kB after MADV_COLLAPSE\n",
	       ktest_prefix, kb);
	mmu_check("thp_collapse", &before, INVAL, 1);
	mmu_check("thp_collapse", &before, ZAP_4K, PAGES_2M);
	mmu_data("thp_collapse", &before);
	return PASS;
}

/* The page frames behind @n pages at @mem in @pfn (0 where not known). */
static void pfns_of(const unsigned char *mem, unsigned long n, uint64_t *pfn)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	unsigned long k;
	ssize_t got = -1;

	if (fd >= 0) {
		got = pread(fd, pfn, n * sizeof(*pfn), (unsigned long)mem / PAGE * sizeof(*pfn));
		close(fd);
	}
	for (k = 0; k < n; k++)
		pfn[k] = got == (ssize_t)(n * sizeof(*pfn)) && pfn[k] >> 63 ?
			 pfn[k] & ((1ULL << 55) - 1) : 0;
}

/*
 * Compaction moves the pages it finds below where its two scanners meet,
 * which depends on where the allocator put them: with 8 MiB some are
 * there (on a host of mostly free memory, from 1 in 512 to half).
 */
#define MIGRATE_PAGES	2048

/* How many of @n pages at @mem are no longer at the frames in @pfn. */
static unsigned long pages_moved(const unsigned char *mem, unsigned long n, const uint64_t *pfn)
{
	static uint64_t now[MIGRATE_PAGES];
	unsigned long k, moved = 0;

	pfns_of(mem, n, now);
	for (k = 0; k < n; k++)
		moved += now[k] != pfn[k];
	return moved;
}

/* Another online NUMA node than @node, or -1. */
static int other_node(int node)
{
	char path[64];
	int i;

	for (i = 0; i < 64; i++) {
		snprintf(path, sizeof(path), "/sys/devices/system/node/node%d", i);
		if (i != node && !access(path, F_OK))
			return i;
	}
	return -1;
}

/*
 * migrate: the guest has written pages, then the kernel migrates them to
 * other frames: compaction (/proc/sys/vm/compact_memory), else
 * move_pages(2) to another NUMA node, else MADV_SOFT_OFFLINE of one page
 * (which takes its old frame out of use for good; move_pages(2) to the
 * page's own node migrates nothing).  Then the guest writes and the VMM
 * must read it through its own mapping (a guest still writing the old
 * frame would be invisible to it), and the VMM writes and the guest must
 * read it.  Issue 11: pins forbid migration; notifiers follow it.
 */
static int check_migrate(void)
{
	const unsigned long n = MIGRATE_PAGES;
	static uint64_t pfn[MIGRATE_PAGES];
	static uint32_t want[MIGRATE_PAGES];
	unsigned char *mem = anon_4k(n);
	char compact[64] = "compaction moved none", offline[64] = "MADV_SOFT_OFFLINE moved none";
	const char *how = "nothing";
	unsigned long moved = 0, k;
	struct mmu before;
	int tries;

	if (mem == MAP_FAILED)
		FAILED("mmap: %s", strerrorname_np(errno));
	SLOT(mem, n * PAGE);
	for (k = 0; k < n; k++)
		want[k] = 0x7000 + k;
	mmu_read(&before);
	/*
	 * Pages compaction left where they were are likely to stay there on
	 * the next run: the next round gives the guest new ones, keeping the
	 * old (moved away with MREMAP_DONTUNMAP) so that the new come from
	 * elsewhere.
	 */
	for (tries = 0; tries < 4 && !moved; tries++) {
		if (tries) {
			unsigned char *old = anon_4k(n);

			if (old == MAP_FAILED ||
			    mremap(mem, n * PAGE, n * PAGE,
				   MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP, old) != old)
				FAILED("mremap(MREMAP_DONTUNMAP) of the pages compaction left: %s",
				       strerrorname_np(errno));
		}
		TRY(g_fill_seen(mem, 0, n, 0x7000));
		pfns_of(mem, n, pfn);
		if (!pfn[0])
			SKIPPED("no page frame numbers in /proc/self/pagemap (not root?): cannot see a migration");
		if (file_write("/proc/sys/vm/compact_memory", "1")) {
			snprintf(compact, sizeof(compact), "compact_memory: %s", strerrorname_np(errno));
			break;
		}
		moved = pages_moved(mem, n, pfn);
		how = "compaction";
	}
	if (!moved) {
		int status = -1, node, to;
		void *page = mem;

		if (!syscall(SYS_move_pages, 0, 1, &page, NULL, &status, 0) && status >= 0 &&
		    (to = other_node(status)) >= 0) {
			node = to;
			syscall(SYS_move_pages, 0, 1, &page, &node, &status, MPOL_MF_MOVE);
			moved = pages_moved(mem, n, pfn);
			how = "move_pages";
		}
	}
	if (!moved) {
		if (madvise(mem + 5 * PAGE, PAGE, MADV_SOFT_OFFLINE))
			snprintf(offline, sizeof(offline), "MADV_SOFT_OFFLINE: %s", strerrorname_np(errno));
		moved = pages_moved(mem, n, pfn);
		how = "MADV_SOFT_OFFLINE";
	}
	if (!moved)
		SKIPPED("no page moved: %s, one NUMA node or move_pages moved none, %s", compact, offline);
	printf("KTEST DATA %smigrate: %lu of %lu pages moved by %s (round %d)\n", ktest_prefix, moved,
	       n, how, tries);
	TRY(g_expect(0, n, want, "after the migration"));
	TRY(g_fill_seen(mem, 0, n, 0x8000));
	host_fill(mem, n, 9, want);
	TRY(g_expect(0, n, want, "the VMM's writes after the migration"));
	mmu_check("migrate", &before, INVAL, 1);
	mmu_data("migrate", &before);
	return PASS;
}

#define KSM	"/sys/kernel/mm/ksm/"

/*
 * ksm: two identical pages the guest has written, merged by KSM into one
 * read-only frame; then the guest writes one of them.  The VMM must see
 * the write, and the other page must keep its content.  Issue 11: KSM
 * must take write access from the guest's mapping before merging (pins
 * forbid the merge).
 */
static int check_ksm(void)
{
	long run, sleep_ms, scan, shared_before, shared = 0;
	unsigned char *mem = anon_4k(2);
	uint32_t salt = (uint32_t)getpid() * 2654435761u ^ (uint32_t)now_ms(), val;
	struct mmu before;
	int merged = 0, ret = FAIL;
	long end;
	unsigned long k;

	if (access(KSM "run", F_OK))
		SKIPPED("no KSM here (no " KSM "run)");
	if (mem == MAP_FAILED)
		FAILED("mmap: %s", strerrorname_np(errno));
	/* Content no other page in the system has, the same in both pages. */
	for (k = 0; k < PAGE / 4; k++)
		((uint32_t *)mem)[k] = ((uint32_t *)(mem + PAGE))[k] = pattern(salt, k);
	SLOT(mem, 2 * PAGE);
	/* The guest holds both pages writable before the merge. */
	TRY(g_wr(0, 16, pattern(salt, 4)));
	TRY(g_wr(1, 16, pattern(salt, 4)));
	run = file_value(KSM "run", "");
	sleep_ms = file_value(KSM "sleep_millisecs", "");
	scan = file_value(KSM "pages_to_scan", "");
	shared_before = file_value(KSM "pages_shared", "");
	mmu_read(&before);
	if (madvise(mem, 2 * PAGE, MADV_MERGEABLE))
		SKIPPED("MADV_MERGEABLE: %s", strerrorname_np(errno));
	if (file_write(KSM "sleep_millisecs", "10") || file_write(KSM "pages_to_scan", "2000") ||
	    file_write(KSM "run", "1")) {
		snprintf(why, sizeof(why), "cannot start ksmd (%s): not root?", strerrorname_np(errno));
		ret = SKIP;
		goto restore;
	}
	/*
	 * Two or three scans merge them where no other process has
	 * mergeable memory (the test machine): tens of milliseconds.  On a
	 * shared host a scan can take a second.
	 */
	for (end = now_ms() + 5000; now_ms() < end; usleep(20000)) {
		uint64_t a = pfn_of(mem), b = pfn_of(mem + PAGE);

		shared = file_value(KSM "pages_shared", "");
		if (a && b ? a == b : shared > shared_before) {
			merged = 1;
			break;
		}
	}
	if (!merged) {
		snprintf(why, sizeof(why), "KSM did not merge the two pages in 5 s (pages_shared %ld)",
			 shared);
		ret = SKIP;
		goto restore;
	}
	if (g_wr(0, 16, 0x4b534d01) || g_rd(1, 16, &val)) {
		why_line = __LINE__;
		goto restore;
	}
	why_line = __LINE__;
	if (*(volatile uint32_t *)(mem + 16) != 0x4b534d01)
		snprintf(why, sizeof(why), "the VMM reads %#x in page 0 after the guest wrote 0x4b534d01",
			 *(uint32_t *)(mem + 16));
	else if (*(volatile uint32_t *)(mem + PAGE + 16) != pattern(salt, 4) || val != pattern(salt, 4))
		snprintf(why, sizeof(why),
			 "page 1 reads %#x (VMM) / %#x (guest), want %#x: the guest wrote into the merged page",
			 *(uint32_t *)(mem + PAGE + 16), val, pattern(salt, 4));
	else
		ret = PASS;
restore:
	if (run >= 0)
		file_write_long(KSM "run", run);
	if (sleep_ms >= 0)
		file_write_long(KSM "sleep_millisecs", sleep_ms);
	if (scan >= 0)
		file_write_long(KSM "pages_to_scan", scan);
	if (ret == PASS) {
		mmu_check("ksm", &before, INVAL, 1);
		mmu_data("ksm", &before);
	}
	return ret;
}

static unsigned char *hugetlb_2m(void *at)
{
	return mmap(at, SZ_2M, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | (at ? MAP_FIXED : 0), -1, 0);
}

/*
 * hugetlb_remap and hugetlb_dontneed: munmap_remap and dontneed on one
 * 2 MiB hugetlbfs page, which kvmini maps with one 2 MiB EPT leaf where
 * the CPU has them: that leaf must go too (issue 11).  Two pages are added
 * to the pool (/proc/sys/vm/nr_hugepages) for the check, as the new
 * mapping may come before the old page is back, and taken out after.
 */
static int check_hugetlb(int remap)
{
	static uint32_t want[PAGES_2M];
	const char *name = remap ? "hugetlb_remap" : "hugetlb_dontneed";
	long pool = file_value("/proc/sys/vm/nr_hugepages", "");
	unsigned char *mem = MAP_FAILED;
	int64_t leaves_2m = 0;
	struct mmu before;
	int ret = FAIL;

	if (file_value("/proc/meminfo", "Hugepagesize:") != 2048)
		SKIPPED("hugetlbfs pages are not 2 MiB here");
	if (pool < 0 || file_write_long("/proc/sys/vm/nr_hugepages", pool + 2))
		SKIPPED("cannot add to /proc/sys/vm/nr_hugepages: %s", strerrorname_np(errno));
	if (file_value("/proc/meminfo", "HugePages_Free:") < 2) {
		snprintf(why, sizeof(why), "the kernel found no two free 2 MiB pages for the pool");
		ret = SKIP;
		goto out;
	}
	mem = hugetlb_2m(NULL);
	if (mem == MAP_FAILED) {
		why_line = __LINE__;
		snprintf(why, sizeof(why), "MAP_HUGETLB: %s", strerrorname_np(errno));
		goto out;
	}
	host_fill(mem, PAGES_2M, 10, want);
	why_line = __LINE__;
	if (slot_set(mem, SZ_2M)) {
		snprintf(why, sizeof(why), "setting slot 1: %s", strerrorname_np(errno));
		goto out;
	}
	slot_mem = mem;
	slot_size = SZ_2M;
	why_line = __LINE__;
	if (g_expect(0, PAGES_2M, want, "the hugetlbfs page"))
		goto out;
	leaves_2m = vm_stat("pages_2m");
	mmu_read(&before);
	if (remap) {
		munmap(mem, SZ_2M);
		why_line = __LINE__;
		if (hugetlb_2m(mem) != mem) {
			snprintf(why, sizeof(why), "MAP_HUGETLB | MAP_FIXED at the old address: %s%s",
				 strerrorname_np(errno),
				 errno == ENOMEM ? " (the old page is still held?)" : "");
			mem = MAP_FAILED;
			goto out;
		}
		host_fill(mem, PAGES_2M, 11, want);
	} else {
		if (madvise(mem, SZ_2M, MADV_DONTNEED)) {
			snprintf(why, sizeof(why), "MADV_DONTNEED on hugetlbfs: %s (Linux before 5.18?)",
				 strerrorname_np(errno));
			ret = SKIP;
			goto out;
		}
		memset(want, 0, sizeof(want));
	}
	why_line = __LINE__;
	if (g_expect(0, PAGES_2M, want, remap ? "the new hugetlbfs page" : "after MADV_DONTNEED") ||
	    g_fill_seen(mem, 0, PAGES_2M, 0x9000))
		goto out;
	ret = PASS;
	mmu_check(name, &before, INVAL, 1);
	if (on_kvmini && leaves_2m > 0)
		mmu_check(name, &before, ZAP_2M, 1);
	mmu_check(name, &before, REFAULTS, 1);
	mmu_data(name, &before);
out:
	if (slot_size)
		slot_set(mem, 0);
	slot_size = 0;
	if (mem != MAP_FAILED)
		munmap(mem, SZ_2M);
	file_write_long("/proc/sys/vm/nr_hugepages", pool);
	return ret;
}

static int check_hugetlb_remap(void)
{
	return check_hugetlb(1);
}

static int check_hugetlb_dontneed(void)
{
	return check_hugetlb(0);
}

/* ---- stress ---- */

#define ST_SIZE		(4UL << 20)
#define ST_PAGES	(ST_SIZE / PAGE)
#define ST_CHUNK	16	/* pages */
#define ST_CHUNKS	(ST_PAGES / ST_CHUNK)

enum { OP_DONTNEED, OP_DONTNEED_PAGE, OP_REMAP, OP_MREMAP, OP_WRITE, OP_MPROTECT, NR_LOCKED_OPS,
	OP_FORK = NR_LOCKED_OPS, OP_COLLAPSE, OP_COMPACT, NR_OPS };
static const char *const op_name[NR_OPS] = {
	"dontneed", "dontneed_page", "remap", "mremap", "write", "mprotect", "fork", "collapse",
	"compact",
};

static struct {
	unsigned char *mem, *spare;
	/* Held by a vCPU for its guest call on a chunk, by the VMM to change one. */
	pthread_mutex_t lock[ST_CHUNKS];
	uint32_t shadow[ST_PAGES];	/* what word 0 of each page must hold */
	int last_op[ST_CHUNKS];
	int stop, errors;
	long iters[2], ops[NR_OPS];
	pthread_mutex_t err_lock;
	char err[384];
} st;

static void st_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void st_error(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&st.err_lock);
	if (!st.errors++) {
		va_start(ap, fmt);
		vsnprintf(st.err, sizeof(st.err), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&st.err_lock);
	__atomic_store_n(&st.stop, 1, __ATOMIC_RELEASE);
}

static uint32_t xorshift(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/*
 * A vCPU: on a random chunk, the guest sums word 0 of its pages and
 * writes new values there; the sum must be the shadow's, and the VMM must
 * then read the new values through its mapping.
 */
static void *st_vcpu(void *arg)
{
	int i = (long)arg;
	uint32_t rnd = 0x9e3779b9u * (i + 1), sum, want, seed;
	char err[256];
	unsigned long c, k;

	while (!__atomic_load_n(&st.stop, __ATOMIC_ACQUIRE)) {
		c = xorshift(&rnd) % ST_CHUNKS;
		seed = xorshift(&rnd);
		pthread_mutex_lock(&st.lock[c]);
		for (want = 0, k = 0; k < ST_CHUNK; k++)
			want += st.shadow[c * ST_CHUNK + k];
		if (guest_call(i, G_SUMFILL, gpa_of(c * ST_CHUNK, 0), ST_CHUNK, seed, &sum, NULL,
			       err, sizeof(err))) {
			pthread_mutex_unlock(&st.lock[c]);
			st_error("%s", err);
			break;
		}
		if (sum != want)
			st_error("vCPU %d, chunk %lu: the guest summed %#x, the shadow says %#x (the VMM's last change there: %s)",
				 i, c, sum, want, op_name[st.last_op[c]]);
		for (k = 0; k < ST_CHUNK; k++) {
			unsigned long p = c * ST_CHUNK + k;
			uint32_t val = *(volatile uint32_t *)(st.mem + p * PAGE);

			st.shadow[p] = seed + k;
			if (val != seed + k)
				st_error("vCPU %d, page %lu: the VMM reads %#x after the guest wrote %#x (the VMM's last change there: %s)",
					 i, p, val, seed + (uint32_t)k, op_name[st.last_op[c]]);
		}
		pthread_mutex_unlock(&st.lock[c]);
		st.iters[i]++;
	}
	return NULL;
}

/* One change by the VMM to chunk @c, which it holds. */
static int st_change(unsigned long c, int op, uint32_t tag)
{
	unsigned char *at = st.mem + c * ST_CHUNK * PAGE;
	uint32_t *shadow = st.shadow + c * ST_CHUNK;
	const size_t len = ST_CHUNK * PAGE;
	unsigned long k;
	void *p;

	switch (op) {
	case OP_DONTNEED:
		if (madvise(at, len, MADV_DONTNEED))
			return -1;
		memset(shadow, 0, ST_CHUNK * sizeof(*shadow));
		return 0;
	case OP_DONTNEED_PAGE:
		k = tag % ST_CHUNK;
		if (madvise(at + k * PAGE, PAGE, MADV_DONTNEED))
			return -1;
		shadow[k] = 0;
		return 0;
	case OP_REMAP:
		/* MAP_FIXED replaces the old pages without a hole another thread could take. */
		p = mmap(at, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
			 -1, 0);
		if (p != at)
			return -1;
		break;
	case OP_MREMAP:
		/* DONTUNMAP leaves the old range mapped, empty: no hole either. */
		p = mremap(at, len, len, MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP, st.spare);
		if (p != st.spare)
			return -1;
		break;
	case OP_WRITE:
		break;
	case OP_MPROTECT:
		if (mprotect(at, len, PROT_READ) || mprotect(at, len, PROT_READ | PROT_WRITE))
			return -1;
		return 0;
	}
	for (k = 0; k < ST_CHUNK; k++) {
		shadow[k] = pattern(tag, c * ST_CHUNK + k);
		*(volatile uint32_t *)(at + k * PAGE) = shadow[k];
	}
	return 0;
}

/* fork(): for a moment every anonymous page of this process is COW. */
static void st_fork(void)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		usleep(2000);
		_exit(0);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

/*
 * stress: two vCPUs check and rewrite the 1024 pages of slot 1 in chunks
 * of 16 while the VMM, on random chunks, drops them, maps new memory over
 * them, moves them away, writes them and write-protects them (each with
 * the chunk held, keeping a shadow of what each page must hold), and,
 * without holding anything, forks, collapses 2 MiB into a THP and
 * compacts memory: none of those may change what a page holds, so a
 * guest write lost in an old frame shows as a wrong sum or a VMM read.
 * Issue 11: notifiers against faults and invalidations racing on other
 * CPUs, for @ms milliseconds.
 */
static int check_stress(long ms)
{
	uint32_t rnd = 0x2545f491u, sum;
	int can_compact, can_collapse = 1, threads = 0, i;
	pthread_t thread[2];
	struct mmu before;
	unsigned long c;
	char mode[128];
	long end, next_compact, compact_every;
	long n = 0;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIPPED("needs 2 CPUs, has %ld", sysconf(_SC_NPROCESSORS_ONLN));
	if (vm.vcpu[1] < 0 && vcpu_add(1))
		FAILED("the second vCPU: %s", strerrorname_np(errno));
	memset(&st, 0, sizeof(st));
	st.mem = anon_2m_aligned(ST_SIZE);
	st.spare = anon_4k(ST_CHUNK);
	if (st.mem == MAP_FAILED || st.spare == MAP_FAILED)
		FAILED("mmap: %s", strerrorname_np(errno));
	if (thp_usable(mode, sizeof(mode)))
		can_collapse = 0;
	else
		madvise(st.mem, ST_SIZE, MADV_HUGEPAGE);
	for (c = 0; c < ST_CHUNKS; c++)
		pthread_mutex_init(&st.lock[c], NULL);
	pthread_mutex_init(&st.err_lock, NULL);
	host_fill(st.mem, ST_PAGES, 12, st.shadow);
	SLOT(st.mem, ST_SIZE);
	TRY(guest_call(0, G_SUMFILL, DATA_GPA, ST_PAGES, 0, &sum, NULL, why, sizeof(why)));
	for (c = 0; c < ST_PAGES; c++)
		st.shadow[c] = c;
	can_compact = !access("/proc/sys/vm/compact_memory", W_OK);
	mmu_read(&before);
	for (i = 0; i < 2; i++)
		if (!pthread_create(&thread[i], NULL, st_vcpu, (void *)(long)i))
			threads++;
	if (threads < 2)
		st_error("pthread_create failed");
	end = now_ms() + ms;
	/* A whole-memory compaction is slow in Bochs: a few per run, at most one a second. */
	compact_every = ms / 4 < 1000 ? ms / 4 : 1000;
	next_compact = now_ms() + compact_every;
	while (!__atomic_load_n(&st.stop, __ATOMIC_ACQUIRE) && now_ms() < end) {
		int op = xorshift(&rnd) % NR_LOCKED_OPS;

		n++;
		c = xorshift(&rnd) % ST_CHUNKS;
		/*
		 * New mappings split the region into VMAs that never merge
		 * again (each has its own anon_vma), and MADV_COLLAPSE wants
		 * one VMA: they stay out of the first 2 MiB, which collapses.
		 */
		if (op == OP_REMAP || op == OP_MREMAP)
			c |= ST_CHUNKS / 2;
		pthread_mutex_lock(&st.lock[c]);
		if (st_change(c, op, xorshift(&rnd)))
			st_error("the VMM's %s of chunk %lu: %s", op_name[op], c, strerrorname_np(errno));
		st.last_op[c] = op;
		pthread_mutex_unlock(&st.lock[c]);
		st.ops[op]++;
		if (n % 64 == 0) {
			st_fork();
			st.ops[OP_FORK]++;
		}
		if (can_collapse && n % 128 == 32) {
			if (!madvise(st.mem, SZ_2M, MADV_COLLAPSE))
				st.ops[OP_COLLAPSE]++;
		}
		if (can_compact && now_ms() >= next_compact) {
			file_write("/proc/sys/vm/compact_memory", "1");
			st.ops[OP_COMPACT]++;
			next_compact = now_ms() + compact_every;
		}
		/* Let the vCPUs take the chunk locks too. */
		if (n % 8 == 0)
			sched_yield();
	}
	__atomic_store_n(&st.stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < threads; i++)
		pthread_join(thread[i], NULL);
	printf("KTEST DATA %sstress: %ld ms, vCPU iterations %ld %ld, VMM changes", ktest_prefix, ms,
	       st.iters[0], st.iters[1]);
	for (i = 0; i < NR_OPS; i++)
		printf(" %s %ld", op_name[i], st.ops[i]);
	printf("%s%s\n", can_compact ? "" : " (compact_memory not writable)",
	       can_collapse ? "" : " (THP off: no collapse)");
	fflush(stdout);
	mmu_data("stress", &before);
	if (st.errors)
		FAILED("%d error(s), the first: %s", st.errors, st.err);
	if (!st.iters[0] || !st.iters[1])
		FAILED("a vCPU made no iteration (%ld, %ld)", st.iters[0], st.iters[1]);
	mmu_check("stress", &before, INVAL, 1);
	return PASS;
}

/* ---- main ---- */

static long stress_ms = 400;

static int run_stress(void)
{
	return check_stress(stress_ms);
}

static const struct {
	const char *name;
	int (*fn)(void);
} checks[] = {
	{ "munmap_remap", check_munmap_remap },
	{ "dontneed", check_dontneed },
	{ "mremap", check_mremap },
	{ "fork_cow_write", check_fork_cow_write },
	{ "cow_zero_page", check_cow_zero_page },
	{ "cow_file", check_cow_file },
	{ "cow_fork_read", check_cow_fork_read },
	{ "thp_split", check_thp_split },
	{ "thp_collapse", check_thp_collapse },
	{ "migrate", check_migrate },
	{ "ksm", check_ksm },
	{ "hugetlb_remap", check_hugetlb_remap },
	{ "hugetlb_dontneed", check_hugetlb_dontneed },
	{ "stress", run_stress },
};

/*
 * mmu_stats: kvmini describes the five counters of issue 11 in its VM
 * statistics.  On KVM, which has its own names, the counter checks are
 * left out.
 */
static void find_mmu_stats(void)
{
	int i, found = 0;

	for (i = 0; i < NR_MMU; i++)
		found += stat_value(vm.stats, mmu_name[i]) >= 0;
	have_mmu = found == NR_MMU;
	if (!on_kvmini)
		skip_line("mmu_stats", "not kvmini: KVM names its MMU counters otherwise");
	else if (have_mmu)
		ktest_pass("mmu_stats");
	else
		ktest_fail("mmu_stats", "%d of the %d mmu_* statistics in KVM_GET_STATS_FD (fd %d)",
			   found, NR_MMU, vm.stats);
}

int main(int argc, char **argv)
{
	unsigned int i;

	dev = ktest_args(argc > 3 ? 3 : argc, argv);
	if (!dev)
		return 2;
	if (argc > 3)
		stress_ms = strtol(argv[3], NULL, 10);
	if (argc > 4 || stress_ms <= 0) {
		fprintf(stderr, "usage: %s DEVICE LABEL [STRESS_MS]\n", argv[0]);
		return 2;
	}
	on_kvmini = !!strstr(dev, "kvmini");
	/* A child of fork() that dies early must not kill the parent's write. */
	signal(SIGPIPE, SIG_IGN);
	if (vm_open()) {
		ktest_fail("vm", "set-up on %s: %s", dev, strerrorname_np(errno));
		vm_close();
		return ktest_exit();
	}
	find_mmu_stats();
	for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		int ret;

		why[0] = '\0';
		why_line = 0;
		ret = checks[i].fn();
		if (ret == PASS)
			ktest_pass(checks[i].name);
		else if (ret == SKIP)
			skip_line(checks[i].name, why);
		else
			ktest_fail_at(__FILE__, why_line, checks[i].name, "%s", why);
		if (slot_size && slot_set(slot_mem, 0))
			ktest_fail(checks[i].name, "deleting slot 1: %s", strerrorname_np(errno));
		slot_size = 0;
		untrack_all();
	}
	vm_close();
	return ktest_exit();
}
