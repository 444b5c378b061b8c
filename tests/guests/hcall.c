// SPDX-License-Identifier: GPL-2.0
/*
 * hcall (long mode, and paged mode as hcall-paged): every hypercall of
 * the kvmini tool, checked by what comes back.  The guest maps pages of
 * its own so the tool must walk its page tables: at ALIAS, 4 KiB pages
 * in swapped order (a string crossing them is not contiguous in RAM),
 * a hole, a read-only page, a page and a table outside RAM; a large page
 * (2 MiB, or 4 MiB in paged mode) and in long mode a 1 GiB page
 * aliasing RAM from 0.
 *
 * With `--share DIR` holding in.txt ("from the host\n"), a directory sub/,
 * a symbolic link `link` to a file outside DIR and `inlink` to in.txt,
 * it reads and writes files (out.txt ends as "hcall: written by the
 * guest\nappended\n", bad.txt empty) and is refused every way out.
 * Without --share, every open must fail with -ENODEV.
 * Lines: "hcall: FAIL <what> got <value>" for each failure, the exits()
 * result ("hcall: exits ok" or "hcall: exits SKIP ..."), whether a CPUID
 * exit was counted ("hcall: exits CPUID counted" or "... delta N want 2"),
 * then "hcall: ok" or "hcall: ok (no share)" when nothing failed.
 */
#include "hcall.h"

#define PAGE		4096
#define PTE_P		0x1
#define PTE_RW		0x2
#define PTE_PS		0x80
#define OUTSIDE_RAM	0x40000000UL	/* 1 GiB: identity-mapped, past any --mem used here */

#ifdef __x86_64__
typedef uint64_t pte_t;
#define MODE		"long"
#define ALIAS		0x0000008000000000UL	/* PML4 entry 1 */
#define BIG		(ALIAS + (2UL << 20))	/* PD entry 1: a 2 MiB page at 0 */
#define BIG_NAME	"2M"
#define GIANT		(ALIAS + (1UL << 30))	/* PDPT entry 1: a 1 GiB page at 0 */
#define NO_TABLE	(ALIAS + (4UL << 20))	/* PD entry 2: a PT outside RAM */
#else
typedef uint32_t pte_t;
#define MODE		"paged"
#define ALIAS		0xc0000000UL		/* PD entry 768 */
#define BIG		0xc0400000UL		/* PD entry 769: a 4 MiB page at 0 */
#define BIG_NAME	"4M"
#define NO_TABLE	0xc0800000UL		/* PD entry 770: a PT outside RAM */
#endif
#define VPAGE(i)	(ALIAS + (i) * PAGE)

#define ENTRIES		(PAGE / sizeof(pte_t))
static pte_t pt[ENTRIES] __attribute__((aligned(PAGE)));
#ifdef __x86_64__
static pte_t pdpt[ENTRIES] __attribute__((aligned(PAGE)));
static pte_t pd[ENTRIES] __attribute__((aligned(PAGE)));
#endif
/* VPAGE(0) is pages[1], VPAGE(1) pages[0], VPAGE(3) pages[2] read-only. */
static uint8_t pages[3][PAGE] __attribute__((aligned(PAGE)));
static char longstr[HC_PRINT_MAX + 64];
static char longpath[HC_PATH_MAX + 64];

static int failed;

/* Loops through volatile: no memcpy or memset the compiler could call. */
static unsigned long str_len(const char *s)
{
	const volatile char *p = s;
	unsigned long n = 0;

	while (p[n])
		n++;
	return n;
}

static void mem_cpy(void *dst, const void *src, unsigned long n)
{
	volatile uint8_t *d = dst;
	const volatile uint8_t *s = src;

	while (n--)
		*d++ = *s++;
}

static void mem_set(void *dst, uint8_t v, unsigned long n)
{
	volatile uint8_t *d = dst;

	while (n--)
		*d++ = v;
}

static bool mem_eq(const void *a, const void *b, unsigned long n)
{
	const volatile uint8_t *x = a, *y = b;

	while (n--)
		if (*x++ != *y++)
			return false;
	return true;
}

static void put_i64(int64_t v)
{
	uint64_t u = v;

	if (v < 0) {
		putc('-');
		u = -(uint64_t)v;
	}
	if (u >> 32)
		puthex(u);
	else
		putdec((uint32_t)u);
}

static void expect(const char *what, int64_t got, int64_t want)
{
	if (got == want)
		return;
	failed = 1;
	puts("hcall: FAIL ");
	puts(what);
	puts(" got ");
	put_i64(got);
	puts(" want ");
	put_i64(want);
	putc('\n');
}

static void expect_true(const char *what, bool ok)
{
	expect(what, ok, 1);
}

static unsigned long read_cr3(void)
{
	unsigned long v;

	asm volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static unsigned long read_cr0(void)
{
	unsigned long v;

	asm volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static void write_cr3(unsigned long v)
{
	asm volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

static __attribute__((unused)) bool has_1g_pages(void)
{
	uint32_t r[4];

	cpuid(0x80000000, 0, r);
	if (r[0] < 0x80000001)
		return false;
	cpuid(0x80000001, 0, r);
	return r[3] & (1u << 26);
}

/*
 * The tool's tables map the low 4 GiB one to one; this adds ALIAS and
 * the large pages beside them (addresses of our .bss are physical ones).
 */
static bool map_aliases(void)
{
	pte_t *top = (pte_t *)(read_cr3() & ~0xfffUL);
	bool giant = false;

	pt[0] = (uintptr_t)pages[1] | PTE_P | PTE_RW;
	pt[1] = (uintptr_t)pages[0] | PTE_P | PTE_RW;
	pt[2] = 0;
	pt[3] = (uintptr_t)pages[2] | PTE_P;
	pt[4] = OUTSIDE_RAM | PTE_P | PTE_RW;
#ifdef __x86_64__
	top[1] = (uintptr_t)pdpt | PTE_P | PTE_RW;
	pdpt[0] = (uintptr_t)pd | PTE_P | PTE_RW;
	giant = has_1g_pages();
	if (giant)
		pdpt[1] = 0 | PTE_P | PTE_RW | PTE_PS;
	pd[0] = (uintptr_t)pt | PTE_P | PTE_RW;
	pd[1] = 0 | PTE_P | PTE_RW | PTE_PS;
	pd[2] = OUTSIDE_RAM | PTE_P | PTE_RW;
#else
	top[768] = (uintptr_t)pt | PTE_P | PTE_RW;
	top[769] = 0 | PTE_P | PTE_RW | PTE_PS;
	top[770] = OUTSIDE_RAM | PTE_P | PTE_RW;
#endif
	write_cr3(read_cr3());
	return giant;
}

/* A string that starts @before bytes short of the end of VPAGE(0). */
static const char *across(const char *s, unsigned long before)
{
	unsigned long n = str_len(s) + 1;

	mem_cpy(pages[1] + PAGE - before, s, before);
	mem_cpy(pages[0], s + before, n - before);
	return (const char *)(VPAGE(1) - before);
}

static void test_print(bool giant)
{
	static const char hello[] = "hcall: print in " MODE " mode\n";
	static const char big[] = "hcall: print through a " BIG_NAME " page\n";
	static const char msg[] = "hcall: print across 4K pages\n";
	const char *s;

	expect("print", hc_print(hello), sizeof(hello) - 1);
	/* What a tool reading RAM straight on would print instead. */
	mem_cpy(pages[2], "WRONG PAGE\n", 12);
	s = across(msg, 20);
	expect("print across pages", hc_print(s), sizeof(msg) - 1);
	expect("print large page", hc_print((const char *)(BIG + (uintptr_t)big)),
	       sizeof(big) - 1);
#ifdef __x86_64__
	if (giant) {
		static const char g[] = "hcall: print through a 1G page\n";

		expect("print 1G page", hc_print((const char *)(GIANT + (uintptr_t)g)),
		       sizeof(g) - 1);
	} else {
		puts("hcall: no 1G pages in CPUID, not tried\n");
	}
#else
	(void)giant;
#endif
	expect("print empty", hc_print(""), 0);

	/* Bad pointers: the call fails, the tool goes on. */
	expect("print unmapped", hcall(HC_PRINT, VPAGE(2), 0, 0, 0), -HC_EFAULT);
	expect("print outside RAM", hcall(HC_PRINT, OUTSIDE_RAM, 0, 0, 0), -HC_EFAULT);
	expect("print page outside RAM", hcall(HC_PRINT, VPAGE(4), 0, 0, 0), -HC_EFAULT);
	expect("print table outside RAM", hcall(HC_PRINT, NO_TABLE, 0, 0, 0), -HC_EFAULT);
#ifdef __x86_64__
	expect("print non-canonical", hcall(HC_PRINT, 0x0000800000000000UL, 0, 0, 0),
	       -HC_EFAULT);
	expect("print non-canonical high", hcall(HC_PRINT, 0xfff0000000000000UL, 0, 0, 0),
	       -HC_EFAULT);
#endif
	/* No NUL before the hole. */
	mem_set(pages[0] + PAGE - 16, 'x', 16);
	expect("print into a hole", hcall(HC_PRINT, VPAGE(2) - 16, 0, 0, 0), -HC_EFAULT);
	mem_set(longstr, 'y', HC_PRINT_MAX + 1);
	longstr[HC_PRINT_MAX + 1] = 0;
	expect("print too long", hc_print(longstr), -HC_E2BIG);
	expect("unknown call", hcall(0x1234, 0, 0, 0, 0), -HC_ENOSYS);
}

/*
 * exits() between two exits(), @prints print calls in between, or a
 * CPUID (which the kernel handles) with @prints < 0: 0 when the delta was
 * exactly one per call, else the delta seen.  Host interrupts add exits,
 * so the exact count only has to show up once in a few tries; a delta
 * below it (returned at once) is never right.
 */
static int64_t exits_delta(int prints, int64_t *want)
{
	int64_t d = 0;
	int tries, i;

	*want = 1 + (prints < 0 ? 1 : prints);
	for (tries = 1; tries <= 20; tries++) {
		int64_t a = hc_exits(), b;

		if (prints < 0) {
			uint32_t r[4];

			cpuid(0, 0, r);
		}
		for (i = 0; i < prints; i++)
			hc_print("");
		b = hc_exits();
		d = b - a;
		if (d <= *want)
			return d == *want ? 0 : d;
	}
	return d;
}

static void exits_exact(const char *what, int prints)
{
	int64_t want, d = exits_delta(prints, &want);

	if (d)
		expect(what, d, want);
}

/*
 * The CPUID line is the script's to judge: a KVM without VMX (kvm_pvm)
 * may answer CPUID without an exit it counts.
 */
static void test_exits(void)
{
	int64_t first = hc_exits(), before = failed, want, d;

	if (first == -HC_EOPNOTSUPP) {
		puts("hcall: exits SKIP: the device has no KVM_GET_STATS_FD \"exits\"\n");
		return;
	}
	expect_true("exits positive", first > 0);
	exits_exact("exits: exits()", 0);
	exits_exact("exits: one print", 1);
	exits_exact("exits: three prints", 3);
	if (failed == before)
		puts("hcall: exits ok\n");
	d = exits_delta(-1, &want);
	if (d) {
		puts("hcall: exits CPUID delta ");
		put_i64(d);
		puts(" want ");
		put_i64(want);
		putc('\n');
	} else {
		puts("hcall: exits CPUID counted\n");
	}
}

static int64_t read_all(const char *path, void *buf, unsigned long len)
{
	int64_t fd = hc_open(path, HC_O_READ), n;

	if (fd < 0)
		return fd;
	n = hc_read(fd, buf, len);
	expect("close after read_all", hc_close(fd), 0);
	return n;
}

static void test_files(void)
{
	static const char host[] = "from the host\n";
	static const char text[] = "hcall: written by the guest\n";
	static const char whole[] = "hcall: written by the guest\nappended\n";
	static uint8_t buf[256];
	int64_t in, out, fds[HC_MAX_FILES + 1];
	const char *s;
	int i, n;

	/* Host to guest. */
	in = hc_open("in.txt", HC_O_READ);
	expect_true("open in.txt", in >= 0 && in < HC_MAX_FILES);
	expect("read in.txt", hc_read(in, buf, sizeof(buf)), sizeof(host) - 1);
	expect_true("in.txt content", mem_eq(buf, host, sizeof(host) - 1));
	expect("read at the end", hc_read(in, buf, sizeof(buf)), 0);

	/* Guest to host, from a buffer across swapped pages, two files open. */
	out = hc_open("out.txt", HC_O_WRITE | HC_O_CREATE | HC_O_TRUNC);
	expect_true("open out.txt", out >= 0 && out < HC_MAX_FILES && out != in);
	s = across(text, 7);
	expect("write across pages", hc_write(out, s, sizeof(text) - 1), sizeof(text) - 1);
	expect("write to a read-only fd", hc_write(in, text, 4), -HC_EBADF);
	expect("close out.txt", hc_close(out), 0);
	expect("close in.txt", hc_close(in), 0);
	expect("close twice", hc_close(in), -HC_EBADF);

	/* Read back into a buffer across the pages: each byte where it belongs. */
	mem_set(pages[1] + PAGE - 64, 0, 64);
	mem_set(pages[0], 0, 64);
	in = hc_open("out.txt", HC_O_READ);
	expect("read across pages", hc_read(in, (void *)(VPAGE(1) - 10), sizeof(text) - 1),
	       sizeof(text) - 1);
	expect_true("read across pages: first page",
		    mem_eq(pages[1] + PAGE - 10, text, 10));
	expect_true("read across pages: second page",
		    mem_eq(pages[0], text + 10, sizeof(text) - 11));
	expect("close", hc_close(in), 0);

	out = hc_open("out.txt", HC_O_WRITE | HC_O_APPEND);
	expect("append", hc_write(out, "appended\n", 9), 9);
	expect("close appended", hc_close(out), 0);
	mem_set(buf, 0, sizeof(buf));
	expect("read back", read_all("out.txt", buf, sizeof(buf)), sizeof(whole) - 1);
	expect_true("read back content", mem_eq(buf, whole, sizeof(whole) - 1));

	/* Buffers that are not all there: nothing moves, nothing is written. */
	in = hc_open("in.txt", HC_O_READ);
	mem_set(pages[0] + PAGE - 100, 0x5a, 100);
	expect("read into a hole", hc_read(in, (void *)(VPAGE(2) - 100), 200), -HC_EFAULT);
	for (n = 0, i = 0; i < 100; i++)
		n += pages[0][PAGE - 100 + i] == 0x5a;
	expect("read into a hole wrote nothing", n, 100);
	expect("read into a read-only page", hc_read(in, (void *)VPAGE(3), 4), -HC_EFAULT);
	expect("read outside RAM", hc_read(in, (void *)OUTSIDE_RAM, 4), -HC_EFAULT);
	mem_set(buf, 0, sizeof(buf));
	expect("read after the faults", hc_read(in, buf, 4), 4);
	expect_true("the faults did not move the offset", mem_eq(buf, host, 4));
	expect("close in.txt again", hc_close(in), 0);
	out = hc_open("bad.txt", HC_O_WRITE | HC_O_CREATE | HC_O_TRUNC);
	expect("write from a hole", hc_write(out, (void *)(VPAGE(2) - 100), 200), -HC_EFAULT);
	expect("write from outside RAM", hc_write(out, (void *)OUTSIDE_RAM, 8), -HC_EFAULT);
	expect("close bad.txt", hc_close(out), 0);
	expect("bad.txt stayed empty", read_all("bad.txt", buf, sizeof(buf)), 0);

	/* Descriptors. */
	expect("read fd 15 (not open)", hc_read(15, buf, 1), -HC_EBADF);
	expect("read fd 99", hc_read(99, buf, 1), -HC_EBADF);
	expect("read fd -1", hc_read(-1, buf, 1), -HC_EBADF);
	expect("close fd 16", hc_close(HC_MAX_FILES), -HC_EBADF);
	for (i = 0; i < HC_MAX_FILES; i++) {
		fds[i] = hc_open("in.txt", HC_O_READ);
		expect_true("open many", fds[i] >= 0 && fds[i] < HC_MAX_FILES);
	}
	expect("one too many", hc_open("in.txt", HC_O_READ), -HC_EMFILE);
	expect("one too many does not create", hc_open("new.txt", HC_O_WRITE | HC_O_CREATE),
	       -HC_EMFILE);
	for (i = 0; i < HC_MAX_FILES; i++)
		expect("close many", hc_close(fds[i]), 0);

	/* Flags. */
	expect("flags 0", hc_open("in.txt", 0), -HC_EINVAL);
	expect("flags read|create", hc_open("in.txt", HC_O_READ | HC_O_CREATE), -HC_EINVAL);
	expect("flags unknown bit", hc_open("in.txt", HC_O_READ | 0x100), -HC_EINVAL);
	expect("missing file", hc_open("missing.txt", HC_O_READ), -HC_ENOENT);
	expect("a directory", hc_open("sub", HC_O_READ), -HC_EISDIR);
	expect("path through sub/..", read_all("sub/../in.txt", buf, sizeof(buf)),
	       sizeof(host) - 1);

	/* The way out: none. */
	expect("escape ..", hc_open("../escape.txt", HC_O_WRITE | HC_O_CREATE), -HC_EXDEV);
	expect("escape sub/../..", hc_open("sub/../../escape.txt", HC_O_READ), -HC_EXDEV);
	expect("escape absolute", hc_open("/etc/passwd", HC_O_READ), -HC_EXDEV);
	expect("escape symlink", hc_open("link", HC_O_READ), -HC_ELOOP);
	expect("escape symlink writing", hc_open("link", HC_O_WRITE | HC_O_TRUNC), -HC_ELOOP);
	expect("symlink inside", hc_open("inlink", HC_O_READ), -HC_ELOOP);

	/* Paths the tool cannot read. */
	expect("path unmapped", hcall(HC_OPEN, VPAGE(2), HC_O_READ, 0, 0), -HC_EFAULT);
	mem_set(longpath, 'a', HC_PATH_MAX + 1);
	longpath[HC_PATH_MAX + 1] = 0;
	expect("path too long", hc_open(longpath, HC_O_READ), -HC_ENAMETOOLONG);

	/* Left open: the tool closes it at the end of the run. */
	expect_true("left open", hc_open("in.txt", HC_O_READ) >= 0);
}

void guest_main(void)
{
	bool giant;
	int64_t r;

	if (!(read_cr0() & 0x80000000UL)) {
		puts("hcall: FAIL wrong mode: paging is off\n");
		return;
	}
	if (!hc_present()) {
		puts("hcall: FAIL no hypercall signature at the port\n");
		return;
	}
	giant = map_aliases();
	test_print(giant);
	test_exits();
	r = hc_open("in.txt", HC_O_READ);
	if (r == -HC_ENODEV) {
		expect("no share: create", hc_open("out.txt", HC_O_WRITE | HC_O_CREATE),
		       -HC_ENODEV);
		expect("no share: escape", hc_open("../x", HC_O_READ), -HC_ENODEV);
		if (!failed)
			puts("hcall: ok (no share)\n");
		return;
	}
	expect_true("first open", r >= 0);
	expect("first close", hc_close(r), 0);
	test_files();
	if (!failed)
		puts("hcall: ok\n");
}
