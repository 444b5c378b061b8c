// SPDX-License-Identifier: GPL-2.0
/*
 * pager (long mode, one vCPU, --disk FILE of 2 MiB or more): a guest
 * that does demand paging of its own, as an operating system does, to
 * the tool's disk (docs/disk.md).  It is the guest half of the double
 * paging experiment (docs/memory-double-paging.md): run under a host that
 * also pages, its page-outs read frames the host may have swapped out.
 *
 * Its virtual memory at VBASE is as large as the disk (up to 32 MiB,
 * 8192 pages) and lives in half as many frames at 4 MiB, through page
 * tables of its own: the disk's size sets the experiment's.  A page that
 * is not present faults (#PF); page_fault() takes a free frame, or
 * evicts one with the clock algorithm (the A bit gives a recently used
 * page a second round), writes the victim to the disk when it is dirty
 * or was never written there, and reads the faulting page back from the
 * disk (or zeroes it, the first time).  Page vpn lives at sectors
 * vpn * 8 to vpn * 8 + 7: no swap slots to allocate.
 *
 * The work: fill every page with a pattern of its own, then rewrite them
 * in a scattered order after checking each, then check them all again;
 * a checksum per page, kept outside the paged memory, catches a page the
 * disk or a hypervisor lost or mixed up.  Prints "pager: FAIL ..." and
 * stops at the first problem, else a line of figures and then
 * "pager: ok pageouts=N pageins=M".
 */
#include "guest.h"
#include "idt.h"
#include "../../user/disk_abi.h"

#define PAGE		4096ULL
#define VBASE		(1ULL << 40)	/* PML4 slot 2: nothing of the tool's is there */
#define MAX_VPAGES	8192u		/* virtual: at most 32 MiB, ... */
#define MAX_FRAMES	(MAX_VPAGES / 2)	/* ... resident: half of it */
#define MIN_VPAGES	512u		/* a disk of 2 MiB */
#define FRAME_BASE	(4ULL << 20)	/* above the image, below the tool's tables */
#define PAGE_SECTORS	(PAGE / DISK_SECTOR)
#define SCATTER		2741u		/* k * SCATTER % vpages visits every page once */

#define PTE_P		(1ULL << 0)
#define PTE_W		(1ULL << 1)
#define PTE_A		(1ULL << 5)
#define PTE_D		(1ULL << 6)
#define PTE_ADDR	0x000ffffffffff000ULL
#define PF_PRESENT	(1ULL << 0)

extern const char pf_entry[];
void page_fault(uint64_t addr, uint64_t error);
void unexpected_exception(uint64_t vector, uint64_t error, uint64_t rip);

static struct idt_gate idt[32] __attribute__((aligned(16)));

/* Pages and frames in use, from the disk's size. */
static uint32_t vpages, frames;

/* The paged region's tables: pt[vpn] is page vpn's entry (16 tables back to back). */
static uint64_t pml4[512] __attribute__((aligned(4096)));
static uint64_t pdpt[512] __attribute__((aligned(4096)));
static uint64_t pd[512] __attribute__((aligned(4096)));
static uint64_t pt[MAX_VPAGES] __attribute__((aligned(4096)));

static uint32_t frame_vpn[MAX_FRAMES];	/* which page each frame holds */
static uint32_t frames_used, hand;
static bool on_disk[MAX_VPAGES];		/* the disk holds a copy of the page */
static uint64_t sums[MAX_VPAGES];		/* each page's checksum, as last written */
static uint32_t faults, pageouts, pageins, zerofills, clean_drops;
static struct disk_req req;

static __attribute__((noreturn)) void fail(const char *what, uint64_t a, uint64_t b)
{
	puts("pager: FAIL ");
	puts(what);
	putc(' ');
	puthex(a);
	putc(' ');
	puthex(b);
	putc('\n');
	halt();
}

void unexpected_exception(uint64_t vector, uint64_t error, uint64_t rip)
{
	report_exception("pager", vector, error, rip);
}

static uint64_t *page(uint32_t vpn)
{
	return (uint64_t *)(VBASE + vpn * PAGE);
}

static uint64_t frame_addr(uint32_t f)
{
	return FRAME_BASE + f * PAGE;
}

static void invlpg(uint32_t vpn)
{
	asm volatile("invlpg (%0)" : : "r"(page(vpn)) : "memory");
}

/* One request, done when the OUT returns; the memory clobber orders req around it. */
static void disk(uint32_t op, uint32_t vpn, uint64_t frame)
{
	req.op = op;
	req.count = PAGE_SECTORS;
	req.sector = (uint64_t)vpn * PAGE_SECTORS;
	req.addr = frame;
	req.status = DISK_ST_PENDING;
	asm volatile("outl %0, %1" : : "a"((uint32_t)(uintptr_t)&req), "Nd"(DISK_PORT)
		     : "memory");
	if (req.status != DISK_ST_OK)
		fail(op == DISK_OP_READ ? "disk read: page, status" : "disk write: page, status",
		     vpn, req.status);
}

/*
 * The frame's page leaves memory: unmapped first (and out of the TLB), so
 * its D bit is final, then written out unless the disk has it already.
 * The guest never reads the frame for this: the tool does, from its own
 * mapping of guest RAM, and that is where a host that swapped the frame
 * out must bring it back in.
 */
static void page_out(uint32_t f)
{
	uint32_t vpn = frame_vpn[f];
	uint64_t pte = pt[vpn];

	pt[vpn] = 0;
	invlpg(vpn);
	if ((pte & PTE_D) || !on_disk[vpn]) {
		disk(DISK_OP_WRITE, vpn, frame_addr(f));
		on_disk[vpn] = true;
		pageouts++;
	} else {
		clean_drops++;
	}
}

/* A free frame, or the clock's victim: the first whose page was not used since the hand last passed. */
static uint32_t frame_take(void)
{
	for (;;) {
		uint32_t f, vpn;

		if (frames_used < frames)
			return frames_used++;
		f = hand;
		hand = (hand + 1) % frames;
		vpn = frame_vpn[f];
		if (pt[vpn] & PTE_A) {
			pt[vpn] &= ~PTE_A;
			invlpg(vpn);
			continue;
		}
		page_out(f);
		return f;
	}
}

void page_fault(uint64_t addr, uint64_t error)
{
	uint32_t vpn, f;

	if (addr < VBASE || addr >= VBASE + vpages * PAGE || (error & PF_PRESENT))
		fail("page fault outside the paged region, or not for a missing page: address, error",
		     addr, error);
	vpn = (addr - VBASE) / PAGE;
	faults++;
	f = frame_take();
	if (on_disk[vpn]) {
		disk(DISK_OP_READ, vpn, frame_addr(f));
		pageins++;
	} else {
		uint64_t *p = (uint64_t *)frame_addr(f);
		uint32_t i;

		for (i = 0; i < PAGE / 8; i++)
			p[i] = 0;
		zerofills++;
	}
	frame_vpn[f] = vpn;
	pt[vpn] = frame_addr(f) | PTE_P | PTE_W;
}

static void idt_install(void)
{
	idt_set_stubs(idt);
	idt_set_gate(&idt[14], (uint64_t)pf_entry);
	idt_load(idt, 32);
}

/*
 * Our own top-level table: the tool's identity map of low memory (its
 * PML4 slot 0: code, data, frames, the disk's buffers all at GPA = VA),
 * and the paged region, empty, in slot 2.
 */
static void tables_install(void)
{
	uint64_t cr3, i;

	asm volatile("mov %%cr3, %0" : "=r"(cr3));
	/* The tool keeps its tables at the top of RAM: the frames must end below. */
	if ((cr3 & PTE_ADDR) < frame_addr(frames))
		fail("RAM too small for the frames (--mem 24M is enough): CR3, frames' end",
		     cr3, frame_addr(frames));
	pml4[0] = ((uint64_t *)(cr3 & PTE_ADDR))[0];
	pml4[VBASE >> 39] = (uint64_t)pdpt | PTE_P | PTE_W;
	pdpt[0] = (uint64_t)pd | PTE_P | PTE_W;
	for (i = 0; i < MAX_VPAGES / 512; i++)
		pd[i] = (uint64_t)&pt[i * 512] | PTE_P | PTE_W;
	asm volatile("mov %0, %%cr3" : : "r"((uint64_t)pml4) : "memory");
}

static uint64_t pattern(uint32_t vpn, uint32_t i, uint32_t round)
{
	return ((uint64_t)vpn << 32 | i) * 0x9e3779b97f4a7c15ULL + round;
}

/* FNV-1a over 64-bit words. */
static uint64_t mix(uint64_t h, uint64_t w)
{
	return (h ^ w) * 0x100000001b3ULL;
}

#define SUM_START	0xcbf29ce484222325ULL

static void fill(uint32_t vpn, uint32_t round)
{
	uint64_t *p = page(vpn), h = SUM_START;
	uint32_t i;

	for (i = 0; i < PAGE / 8; i++) {
		p[i] = pattern(vpn, i, round);
		h = mix(h, p[i]);
	}
	sums[vpn] = h;
}

static void check(uint32_t vpn, const char *when)
{
	const uint64_t *p = page(vpn);
	uint64_t h = SUM_START;
	uint32_t i;

	for (i = 0; i < PAGE / 8; i++)
		h = mix(h, p[i]);
	if (h != sums[vpn]) {
		puts("pager: page ");
		putdec(vpn);
		puts(" bad ");
		puts(when);
		putc('\n');
		fail("checksum: got, want", h, sums[vpn]);
	}
}

void guest_main(void)
{
	struct disk_req info = { .op = DISK_OP_INFO, .status = DISK_ST_PENDING };
	uint32_t k;

	if (inl(DISK_PORT) != DISK_SIGNATURE)
		fail("no disk at port 0xec (kvmini run --disk FILE): read, want",
		     inl(DISK_PORT), DISK_SIGNATURE);
	asm volatile("outl %0, %1" : : "a"((uint32_t)(uintptr_t)&info), "Nd"(DISK_PORT)
		     : "memory");
	if (info.status != DISK_ST_OK || info.sector < MIN_VPAGES * PAGE_SECTORS)
		fail("disk too small (2 MiB needed): status, sectors", info.status, info.sector);
	vpages = info.sector / PAGE_SECTORS < MAX_VPAGES ? info.sector / PAGE_SECTORS : MAX_VPAGES;
	/* SCATTER is prime: below it, or not a multiple of it, k * SCATTER is a permutation. */
	if (vpages % SCATTER == 0)
		vpages--;
	frames = vpages / 2;
	idt_install();
	tables_install();

	for (k = 0; k < vpages; k++)
		fill(k, 0);
	for (k = 0; k < vpages; k++) {
		uint32_t vpn = k * SCATTER % vpages;

		check(vpn, "before its rewrite");
		fill(vpn, 1);
	}
	for (k = 0; k < vpages; k++)
		check(k, "at the end");

	puts("pager: ");
	putdec(vpages);
	puts(" pages in ");
	putdec(frames);
	puts(" frames: faults=");
	putdec(faults);
	puts(" zerofills=");
	putdec(zerofills);
	puts(" clean_drops=");
	putdec(clean_drops);
	puts("\npager: ok pageouts=");
	putdec(pageouts);
	puts(" pageins=");
	putdec(pageins);
	putc('\n');
}
