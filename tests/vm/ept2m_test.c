// SPDX-License-Identifier: GPL-2.0
/*
 * ept2m_test DEV LABEL: guest RAM backed by 2 MiB pages is mapped with
 * 2 MiB EPT entries.  64 MiB of guest RAM, backed by 4 KiB pages (THP
 * turned off for it), then by THP and by hugetlbfs 2 MiB pages (each
 * skipped, saying why, where the kernel gives none), each run by a
 * 32-bit guest that reads a word the host wrote in every 4 KiB page and
 * writes one back.  Then the VM's statistics (KVM_GET_STATS_FD):
 * pages_4k and pages_2m, and the EPT faults and table pages, printed as
 * "KTEST DATA" lines.  Then the slot is deleted and added back, and the
 * guest runs again.
 *   memory_*        the guest saw the host's words and the host sees the guest's
 *   pages_*         the EPT maps the RAM with the leaves its backing allows
 *   fewer_*         2 MiB backing takes far fewer faults and table pages
 *   slot_deleted_*  no leaf and no pin is left when the slot goes
 *   same_leaves_*   the slot added back is mapped as before
 *   pool_back_*     every hugetlbfs page went back to the pool (none stays held)
 * kvmini's counts are exact: one fault per leaf, a root, one table per
 * level above and one level-1 table per 2 MiB mapped with 4 KiB leaves.
 * On /dev/kvm the faults are pf_taken (pf_fixed before 6.1) and the table
 * pages the growth of SecPageTables in /proc/meminfo, shown but not
 * checked: that count is batched per CPU, so it is only roughly right.
 * KVM may also split the 2 MiB the guest runs code from (NX huge pages),
 * hence looser checks there.
 */
#include <fcntl.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "ktest.h"
#include "memtest.h"
#include "kstats.h"

#define RAM_SIZE	(64UL << 20)
#define SZ_2M		(2UL << 20)
#define PAGE		4096UL
#define NR_PAGES	(RAM_SIZE / PAGE)
#define NR_2M		(RAM_SIZE / SZ_2M)
#define ENTRY		0x1000
/* Where in each page the host and the guest leave their words. */
#define HOST_WORD	0xff8
#define GUEST_WORD	0xffc
#define HOST_XOR	0x12345678u
#define GUEST_ADD	0x5a5u

/*
 * 32-bit protected mode, flat, no paging; ESI counts the pages whose host
 * word is wrong:
 *	xor %edi,%edi; xor %esi,%esi
 * 1:	mov 0xff8(%edi),%eax; xor $0x12345678,%eax; cmp %edi,%eax; je 2f; inc %esi
 * 2:	lea 0x5a5(%edi),%eax; mov %eax,0xffc(%edi)
 *	add $0x1000,%edi; cmp $0x4000000,%edi; jb 1b
 *	out %al,$0x80; hlt
 */
static const unsigned char guest_code[] = {
	0x31, 0xff, 0x31, 0xf6, 0x8b, 0x87, 0xf8, 0x0f, 0x00, 0x00, 0x35, 0x78,
	0x56, 0x34, 0x12, 0x39, 0xf8, 0x74, 0x01, 0x46, 0x8d, 0x87, 0xa5, 0x05,
	0x00, 0x00, 0x89, 0x87, 0xfc, 0x0f, 0x00, 0x00, 0x81, 0xc7, 0x00, 0x10,
	0x00, 0x00, 0x81, 0xff, 0x00, 0x00, 0x00, 0x04, 0x72, 0xd6, 0xe6, 0x80,
	0xf4,
};

static const char *dev;
static int on_kvmini;

enum backing { SMALL, THP, HUGETLB };
static const char *const backing_name[] = { "4k", "thp", "hugetlb" };

struct ram {
	unsigned char *mem;	/* RAM_SIZE, 2 MiB aligned */
	enum backing kind;
	unsigned long huge;	/* 2 MiB pages behind it */
};

/* What one run left in the VM's statistics; -1 where there is none. */
struct counts {
	int64_t pages_4k, pages_2m, faults, tables;
};

/* The 2 MiB pages in @kb kB; none when smaps had no such line. */
static unsigned long pages_2m_in(long kb)
{
	return kb > 0 ? kb * 1024 / SZ_2M : 0;
}

/* RAM_SIZE of private anonymous memory, 2 MiB aligned. */
static unsigned char *map_aligned(void)
{
	unsigned char *p = mmap_2m_aligned(RAM_SIZE);

	return p == MAP_FAILED ? NULL : p;
}

/* The host writes its word into every page (allocating them) and the code. */
static void ram_fill(struct ram *r)
{
	unsigned long gpa;

	for (gpa = 0; gpa < RAM_SIZE; gpa += PAGE)
		*(uint32_t *)(r->mem + gpa + HOST_WORD) = gpa ^ HOST_XOR;
	memcpy(r->mem + ENTRY, guest_code, sizeof(guest_code));
}

/* Writes @n to /proc/sys/vm/nr_hugepages; -1 when it cannot. */
static int set_nr_hugepages(long n)
{
	char num[32];
	int fd = open("/proc/sys/vm/nr_hugepages", O_WRONLY);
	int ret;

	if (fd < 0)
		return -1;
	snprintf(num, sizeof(num), "%ld", n);
	ret = write(fd, num, strlen(num)) == (ssize_t)strlen(num) ? 0 : -1;
	close(fd);
	return ret;
}

static long nr_hugepages_before = -1;

static void ram_free(struct ram *r)
{
	munmap(r->mem, RAM_SIZE);
	r->mem = NULL;
	if (r->kind == HUGETLB && set_nr_hugepages(nr_hugepages_before))
		fprintf(stderr, "ept2m_test: cannot restore nr_hugepages to %ld\n",
			nr_hugepages_before);
}

static int ram_small(struct ram *r)
{
	r->kind = SMALL;
	r->mem = map_aligned();
	/* THP may be "always": this memory must stay in 4 KiB pages. */
	if (!r->mem || madvise(r->mem, RAM_SIZE, MADV_NOHUGEPAGE))
		return -1;
	ram_fill(r);
	r->huge = pages_2m_in(smaps_kb(r->mem, "AnonHugePages:"));
	return 0;
}

/* 0 with at least one THP behind the RAM; -1 with why in @why. */
static int ram_thp(struct ram *r, char *why, size_t len)
{
	char mode[128] = "";
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");

	if (f) {
		if (!fgets(mode, sizeof(mode), f))
			mode[0] = '\0';
		fclose(f);
	}
	if (!strstr(mode, "[always]") && !strstr(mode, "[madvise]")) {
		snprintf(why, len, "THP is off (enabled: %s)", f ? strtok(mode, "\n") : "missing");
		return -1;
	}
	r->kind = THP;
	r->mem = map_aligned();
	if (!r->mem || madvise(r->mem, RAM_SIZE, MADV_HUGEPAGE)) {
		snprintf(why, len, "mmap or MADV_HUGEPAGE: %s", strerrorname_np(errno));
		if (r->mem)
			munmap(r->mem, RAM_SIZE);
		return -1;
	}
	ram_fill(r);
	r->huge = pages_2m_in(smaps_kb(r->mem, "AnonHugePages:"));
	if (!r->huge) {
		snprintf(why, len, "THP gave no huge pages");
		munmap(r->mem, RAM_SIZE);
		return -1;
	}
	return 0;
}

static int ram_hugetlb(struct ram *r, char *why, size_t len)
{
	if (file_value("/proc/meminfo", "Hugepagesize:") != 2048) {
		snprintf(why, len, "hugetlbfs pages are not 2 MiB");
		return -1;
	}
	nr_hugepages_before = file_value("/proc/sys/vm/nr_hugepages", "");
	if (nr_hugepages_before < 0 || set_nr_hugepages(nr_hugepages_before + NR_2M)) {
		snprintf(why, len, "cannot set nr_hugepages: %s", strerrorname_np(errno));
		return -1;
	}
	r->kind = HUGETLB;
	/* A private mapping reserves its huge pages now, or fails now. */
	r->mem = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (r->mem == MAP_FAILED) {
		snprintf(why, len, "MAP_HUGETLB: %s", strerrorname_np(errno));
		set_nr_hugepages(nr_hugepages_before);
		return -1;
	}
	ram_fill(r);
	r->huge = pages_2m_in(smaps_kb(r->mem, "Private_Hugetlb:"));
	return 0;
}

/* Reads what the run left; the VM and its vCPU are still there. */
static void read_counts(int vm, int vcpu, long sec_kb_before, struct counts *c)
{
	int vmsfd = ioctl(vm, KVM_GET_STATS_FD, NULL);
	int sfd = ioctl(vcpu, KVM_GET_STATS_FD, NULL);
	long sec_kb = file_value("/proc/meminfo", "SecPageTables:");

	c->pages_4k = stat_value(vmsfd, "pages_4k");
	c->pages_2m = stat_value(vmsfd, "pages_2m");
	if (on_kvmini) {
		c->faults = stat_value(sfd, "ept_faults");
		c->tables = stat_value(vmsfd, "ept_table_pages");
	} else {
		c->faults = stat_value(sfd, "pf_taken");
		if (c->faults < 0)
			c->faults = stat_value(sfd, "pf_fixed");
		c->tables = sec_kb >= 0 && sec_kb_before >= 0 ? (sec_kb - sec_kb_before) / 4 : -1;
	}
	if (vmsfd >= 0)
		close(vmsfd);
	if (sfd >= 0)
		close(sfd);
}

/* A check named WHAT_KIND, e.g. pages_2m_thp; its failure shows the condition. */
static void check_at(int line, const char *what, const char *kind, int ok, const char *cond)
{
	char name[64];

	snprintf(name, sizeof(name), "%s_%s", what, kind);
	if (ok)
		ktest_pass(name);
	else
		ktest_fail_at(__FILE__, line, name, "expected %s", cond);
}

#define CHECK(what, kind, cond) check_at(__LINE__, what, kind, cond, #cond)

struct vm {
	int sys, fd, vcpu;
	struct kvm_run *run;
	long run_size;
};

static int set_ram(struct vm *v, const struct ram *r, unsigned long size)
{
	struct kvm_userspace_memory_region region = {
		.memory_size = size, .userspace_addr = (unsigned long)r->mem,
	};

	return ioctl(v->fd, KVM_SET_USER_MEMORY_REGION, &region);
}

/* A VM with @r as its RAM at 0 and a vCPU in flat 32-bit protected mode. */
static int vm_open(struct vm *v, const struct ram *r)
{
	struct kvm_segment data = {
		.limit = 0xffffffff, .selector = 0x10, .type = 3, .present = 1,
		.db = 1, .s = 1, .g = 1,
	};
	struct kvm_sregs s;

	*v = (struct vm){ .fd = -1, .vcpu = -1, .run = MAP_FAILED };
	v->sys = open(dev, O_RDWR | O_CLOEXEC);
	v->fd = v->sys < 0 ? -1 : ioctl(v->sys, KVM_CREATE_VM, 0);
	if (v->fd < 0 || set_ram(v, r, RAM_SIZE))
		return -1;
	v->vcpu = ioctl(v->fd, KVM_CREATE_VCPU, 0);
	v->run_size = v->vcpu < 0 ? -1 : ioctl(v->sys, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (v->run_size <= 0)
		return -1;
	v->run = mmap(NULL, v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->vcpu, 0);
	if (v->run == MAP_FAILED || ioctl(v->vcpu, KVM_GET_SREGS, &s))
		return -1;
	s.cr0 |= 1;
	s.cs = data;
	s.cs.selector = 0x8;
	s.cs.type = 0xb;
	s.ds = s.es = s.fs = s.gs = s.ss = data;
	return ioctl(v->vcpu, KVM_SET_SREGS, &s);
}

static void vm_close(struct vm *v)
{
	if (v->run != MAP_FAILED)
		munmap(v->run, v->run_size);
	if (v->vcpu >= 0)
		close(v->vcpu);
	if (v->fd >= 0)
		close(v->fd);
	if (v->sys >= 0)
		close(v->sys);
}

/* Runs the guest from its start; checks (named after @kind) that it ran and what it saw. */
static int guest_run(struct vm *v, const struct ram *r, const char *kind)
{
	struct kvm_regs regs = { .rip = ENTRY, .rflags = 2 };
	unsigned long gpa, bad = 0;

	if (ioctl(v->vcpu, KVM_SET_REGS, &regs) || ioctl(v->vcpu, KVM_RUN, 0) ||
	    v->run->exit_reason != KVM_EXIT_IO || v->run->io.port != 0x80 ||
	    ioctl(v->vcpu, KVM_GET_REGS, &regs)) {
		CHECK("guest_ran", kind, 0);
		printf("# KVM_RUN: %s, exit reason %u\n", strerrorname_np(errno),
		       v->run->exit_reason);
		return -1;
	}
	CHECK("guest_ran", kind, 1);
	for (gpa = 0; gpa < RAM_SIZE; gpa += PAGE)
		bad += *(uint32_t *)(r->mem + gpa + GUEST_WORD) != gpa + GUEST_ADD;
	CHECK("memory", kind, regs.rsi == 0 && bad == 0);
	if (regs.rsi || bad)
		printf("# the guest read %llu wrong host words, the host %lu wrong guest words\n",
		       (unsigned long long)regs.rsi, bad);
	return 0;
}

/*
 * Runs the guest over @r and fills @c; then deletes the RAM's slot (its
 * leaves must go, and kvmini's pins with them), adds it back and runs the
 * guest again, which must map the RAM as before.
 * Return: 0 when the guest ran, -1 (with a FAIL line) when not.
 */
static int run_guest(struct ram *r, struct counts *c)
{
	const char *kind = backing_name[r->kind];
	long sec_kb = file_value("/proc/meminfo", "SecPageTables:");
	struct counts again;
	unsigned long gpa;
	char rerun[32];
	struct vm v;
	int ret = -1;

	if (vm_open(&v, r)) {
		ktest_fail(kind, "set-up: %s", strerrorname_np(errno));
		goto out;
	}
	if (guest_run(&v, r, kind))
		goto out;
	read_counts(v.fd, v.vcpu, sec_kb, c);
	printf("KTEST DATA %s%s: pages_4k %lld pages_2m %lld faults %lld table_pages %lld host_2m_pages %lu\n",
	       ktest_prefix, kind, (long long)c->pages_4k, (long long)c->pages_2m,
	       (long long)c->faults, (long long)c->tables, r->huge);
	fflush(stdout);
	ret = 0;

	if (set_ram(&v, r, 0)) {
		ktest_fail(kind, "deleting the slot: %s", strerrorname_np(errno));
		goto out;
	}
	read_counts(v.fd, v.vcpu, sec_kb, &again);
	if (on_kvmini)
		CHECK("slot_deleted", kind, again.pages_4k == 0 && again.pages_2m == 0 &&
		      file_value("/sys/kernel/debug/kvmini/memory", "mapped ") == 0);
	if (set_ram(&v, r, RAM_SIZE)) {
		ktest_fail(kind, "adding the slot back: %s", strerrorname_np(errno));
		goto out;
	}
	/* So that the second run must write them all again. */
	for (gpa = 0; gpa < RAM_SIZE; gpa += PAGE)
		*(uint32_t *)(r->mem + gpa + GUEST_WORD) = 0;
	snprintf(rerun, sizeof(rerun), "%s_again", kind);
	if (guest_run(&v, r, rerun))
		goto out;
	read_counts(v.fd, v.vcpu, sec_kb, &again);
	if (on_kvmini)
		CHECK("same_leaves", rerun, again.pages_4k == c->pages_4k &&
		      again.pages_2m == c->pages_2m && again.faults == 2 * c->faults);
out:
	vm_close(&v);
	return ret;
}

/* Whether the CPU under kvmini has 2 MiB EPT pages (kvmini's caps file). */
static int kvmini_has_ept_2m(void)
{
	return file_value("/sys/kernel/debug/kvmini/caps", "ept_2m ") == 1;
}

static void check_small(const struct counts *c)
{
	if (on_kvmini) {
		CHECK("pages", "4k", c->pages_4k == (int64_t)NR_PAGES && c->pages_2m == 0);
		CHECK("faults", "4k", c->faults == (int64_t)NR_PAGES);
		/* root, one level-3 and one level-2 table, a level-1 table per 2 MiB */
		CHECK("table_pages", "4k", c->tables == 3 + (int64_t)NR_2M);
	} else {
		CHECK("pages", "4k", c->pages_4k >= (int64_t)NR_PAGES && c->pages_2m == 0);
	}
}

static void check_huge(const struct ram *r, const struct counts *c, const struct counts *small)
{
	const char *kind = backing_name[r->kind];
	int64_t huge = r->huge, rest = NR_2M - huge;

	if (on_kvmini && !kvmini_has_ept_2m()) {
		printf("KTEST SKIP %spages_2m_%s: the CPU has no 2 MiB EPT pages\n", ktest_prefix, kind);
		CHECK("no_2m_without_cap", kind, c->pages_2m == 0);
		return;
	}
	if (on_kvmini) {
		CHECK("pages_2m", kind, c->pages_2m == huge && c->pages_4k == rest * 512);
		CHECK("faults_2m", kind, c->faults == huge + rest * 512);
		CHECK("table_pages_2m", kind, c->tables == 3 + rest);
	} else {
		CHECK("pages_2m", kind, c->pages_2m >= 1 && c->pages_2m >= huge - 1);
	}
	/* Meaningful when most of the RAM is huge; kvmini's exact counts cover the rest. */
	if (huge < (int64_t)NR_2M * 3 / 4) {
		printf("KTEST SKIP %sfewer_%s: only %lld of %lu 2 MiB pages are huge\n", ktest_prefix,
		       kind, (long long)huge, NR_2M);
		return;
	}
	CHECK("fewer_faults", kind, c->faults >= 0 && c->faults * 8 < small->faults);
	if (on_kvmini)
		CHECK("fewer_table_pages", kind, c->tables < small->tables);
}

/* The run with 2 MiB pages from @get, or a SKIP line saying why there are none. */
static int run_huge(int (*get)(struct ram *r, char *why, size_t len), const char *kind,
		    const struct counts *small)
{
	struct counts c = { 0 };
	struct ram r = { 0 };
	char why[160];
	int ran;

	if (get(&r, why, sizeof(why))) {
		printf("KTEST SKIP %s%s: %s\n", ktest_prefix, kind, why);
		return 0;
	}
	ran = !run_guest(&r, &c);
	ram_free(&r);
	if (ran)
		check_huge(&r, &c, small);
	/* A page the module still held would stay in the pool as a surplus page. */
	if (r.kind == HUGETLB)
		CHECK("pool_back", kind, file_value("/proc/meminfo", "HugePages_Total:") ==
		      nr_hugepages_before);
	return 1;
}

int main(int argc, char **argv)
{
	struct counts small = { 0 };
	struct ram r = { 0 };
	int huge_runs;

	dev = ktest_args(argc, argv);
	if (!dev)
		return 2;
	on_kvmini = !!strstr(dev, "kvmini");

	if (ram_small(&r)) {
		ktest_fail("4k", "cannot map 64 MiB of 4 KiB pages: %s", strerrorname_np(errno));
		return ktest_exit();
	}
	KTEST_CHECK("host_4k_backing", r.huge == 0);
	if (!run_guest(&r, &small))
		check_small(&small);
	ram_free(&r);

	huge_runs = run_huge(ram_thp, "thp", &small);
	huge_runs += run_huge(ram_hugetlb, "hugetlb", &small);
	if (!huge_runs)
		printf("KTEST SKIP %s2m: neither THP nor hugetlbfs gives 2 MiB pages here\n",
		       ktest_prefix);
	return ktest_exit();
}
