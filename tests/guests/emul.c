// SPDX-License-Identifier: GPL-2.0
/*
 * emul (long mode): instructions other than MOV on MMIO, which the
 * hypervisor's instruction emulator carries out (emul/, issue 12), on
 * the kvmini tool's 4 KiB scratch device at 0xd0000000 (reads return
 * what was written): read-modify-write arithmetic and its flags, INC,
 * DEC, NEG, NOT, XCHG, XADD, CMPXCHG, BT*, BSF, BSR, IMUL, MUL, DIV,
 * shifts, SHLD, CMOVcc, SETcc, REP string instructions between MMIO and
 * RAM, and PUSH, POP, CALL and RET with the stack on MMIO; and the
 * guest's page rights on the RAM side of such an instruction (a #PF for
 * a write to a read-only page, the dirty bit set).  The same guest
 * passes on KVM.  Prints "emul: FAIL <what> ..." per failure, or
 * "emul: ok".
 */
#include "guest.h"
#include "idt.h"

#define SCR	0xd0000000ULL
#define CF	0x001ULL
#define ZF	0x040ULL
#define SF	0x080ULL
#define OF	0x800ULL
#define CR0_WP		0x10000ULL
#define PTE_RW		0x2ULL
#define PTE_A		0x20ULL
#define PTE_D		0x40ULL
#define PAGE_ADDR	0x000ffffffffff000ULL
/* Two 2 MiB pages of RAM below 16 MiB, the tool's memory with several vCPUs. */
#define RIGHTS_RO	0x800000ULL
#define RIGHTS_RW	0xa00000ULL

static int failures;

static void expect(const char *what, uint64_t got, uint64_t want)
{
	if (got == want)
		return;
	failures++;
	puts("emul: FAIL ");
	puts(what);
	puts(": got ");
	puthex(got);
	puts(" want ");
	puthex(want);
	putc('\n');
}

void unexpected_exception(uint64_t vector, uint64_t error, uint64_t rip);
void unexpected_exception(uint64_t vector, uint64_t error, uint64_t rip)
{
	report_exception("emul", vector, error, rip);
}

static volatile uint64_t *const scr = (volatile uint64_t *)SCR;

static void arithmetic(void)
{
	uint64_t v, fl;

	scr[0] = 0x1234;
	asm volatile("orl %0, (%1)" : : "r"(0x8001), "r"(scr) : "memory", "cc");
	expect("or", scr[0], 0x9235);
	asm volatile("addl $2, (%0)\n\t"
		     "xorl %1, (%0)\n\t"
		     "subl $0x26, (%0)" : : "r"(scr), "r"(0x1111) : "memory", "cc");
	expect("add, xor, sub", scr[0], 0x8300);
	asm volatile("stc\n\tadcl $0x100, (%0)\n\tstc\n\tsbbl $0, (%0)"
		     : : "r"(scr) : "memory", "cc");
	expect("adc and sbb with CF", scr[0], 0x8400);
	asm volatile("andl $0xfe77, (%1)\n\tpushfq\n\tpopq %0" : "=r"(fl) : "r"(scr) : "memory", "cc");
	expect("and", scr[0], 0x8400);
	expect("and's flags (ZF, SF, CF, OF clear)", fl & (CF | ZF | SF | OF), 0);
	asm volatile("cmpq $0x8401, (%1)\n\tpushfq\n\tpopq %0" : "=r"(fl) : "r"(scr) : "memory", "cc");
	expect("cmp below: CF and SF", fl & (CF | ZF | SF | OF), CF | SF);
	asm volatile("testw $0x8000, (%1)\n\tpushfq\n\tpopq %0" : "=r"(fl) : "r"(scr) : "memory", "cc");
	expect("test: SF", fl & (ZF | SF), SF);
	scr[1] = 0x7fffffff;
	asm volatile("incl 8(%1)\n\tpushfq\n\tpopq %0" : "=r"(fl) : "r"(scr) : "memory", "cc");
	expect("inc to 0x80000000", scr[1], 0x80000000);
	expect("inc's OF", fl & OF, OF);
	asm volatile("decq 8(%0)\n\tnegq 8(%0)\n\tnotb 8(%0)" : : "r"(scr) : "memory", "cc");
	expect("dec, neg, not", scr[1], 0xffffffff800000feULL);
	asm volatile("movq (%1), %0\n\timulq $3, (%1), %0" : "=&r"(v) : "r"(scr) : "memory", "cc");
	expect("imul imm", v, 0x8400 * 3);
	scr[2] = 7;
	asm volatile("mulq 16(%2)" : "=a"(v), "=d"(fl) : "r"(scr), "a"(~0ULL) : "memory", "cc");
	expect("mul: low half", v, (uint64_t)-7);
	expect("mul: high half", fl, 6);
	asm volatile("divq 16(%2)" : "=a"(v), "=d"(fl) : "r"(scr), "a"(100ULL), "d"(0ULL)
		     : "memory", "cc");
	expect("div: quotient and remainder", v * 100 + fl, 14 * 100 + 2);
	scr[3] = 0x0000123480000001ULL;
	asm volatile("shll $4, 24(%0)\n\tsarb 24(%0)\n\trorw $4, 28(%0)" : : "r"(scr) : "memory", "cc");
	expect("shl, sar, ror", scr[3], 0x0000412300000008ULL);
}

static void exchanges(void)
{
	uint64_t v, fl;

	scr[4] = 0x0123456789abcdefULL;
	v = 0xfedcba9876543210ULL;
	asm volatile("xchgq %0, 32(%1)" : "+r"(v) : "r"(scr) : "memory");
	expect("xchg: register", v, 0x0123456789abcdefULL);
	expect("xchg: memory", scr[4], 0xfedcba9876543210ULL);
	v = 1;
	asm volatile("xaddq %0, 32(%1)" : "+r"(v) : "r"(scr) : "memory", "cc");
	expect("xadd: register", v, 0xfedcba9876543210ULL);
	expect("xadd: memory", scr[4], 0xfedcba9876543211ULL);
	v = 0xfedcba9876543211ULL;
	asm volatile("lock cmpxchgq %2, 32(%3)\n\tpushfq\n\tpopq %1"
		     : "+a"(v), "=r"(fl) : "r"(5ULL), "r"(scr) : "memory", "cc");
	expect("cmpxchg equal: memory", scr[4], 5);
	expect("cmpxchg equal: ZF", fl & ZF, ZF);
	asm volatile("cmpxchgq %1, 32(%2)" : "+a"(v) : "r"(6ULL), "r"(scr) : "memory", "cc");
	expect("cmpxchg different: accumulator", v, 5);
}

static void bits(void)
{
	uint64_t v, fl;

	scr[5] = 0;
	scr[6] = 0;
	asm volatile("btsq %2, (%1)\n\tpushfq\n\tpopq %0" : "=r"(fl) : "r"(&scr[5]), "r"(67ULL)
		     : "memory", "cc");
	expect("bts 67: bit 3 of the next quadword", scr[6], 8);
	expect("bts 67: CF was 0", fl & CF, 0);
	asm volatile("btcl $3, (%1)\n\tbtl $3, 8(%1)\n\tpushfq\n\tpopq %0" : "=r"(fl) : "r"(&scr[5])
		     : "memory", "cc");
	expect("btc imm", scr[5], 8);
	expect("bt: CF", fl & CF, CF);
	asm volatile("btrq $3, 8(%0)" : : "r"(&scr[5]) : "memory", "cc");
	expect("btr", scr[6], 0);
	scr[7] = 0x00f0000000000000ULL;
	asm volatile("bsfq 56(%1), %0" : "=r"(v) : "r"(scr) : "memory", "cc");
	expect("bsf", v, 52);
	asm volatile("bsrq 56(%1), %0" : "=r"(v) : "r"(scr) : "memory", "cc");
	expect("bsr", v, 55);
	scr[8] = 0x12345678;
	asm volatile("shldl $4, %1, 64(%0)" : : "r"(scr), "r"(0xa0000000U) : "memory", "cc");
	expect("shld", scr[8], 0x2345678a);
	v = 0x1234567812345678ULL;
	asm volatile("cmpl %%eax, %%eax\n\tcmovnel 64(%1), %%eax" : "+a"(v) : "r"(scr) : "memory", "cc");
	expect("cmovne not taken still zero-extends", v, 0x12345678);
	asm volatile("cmpl $1, %%eax\n\tsetne 72(%0)" : : "r"(scr), "a"(0) : "memory", "cc");
	expect("setne", scr[9] & 0xff, 1);
}

static uint8_t ram_buf[64];

static void strings(void)
{
	uint64_t rcx, rsi, rdi;
	int i;

	for (i = 0; i < 64; i++)
		ram_buf[i] = i;
	rsi = (uint64_t)ram_buf;
	rdi = SCR + 0x100;
	rcx = 64;
	asm volatile("cld\n\trep movsb" : "+S"(rsi), "+D"(rdi), "+c"(rcx) : : "memory");
	expect("rep movsb RAM to MMIO: the last byte", *(volatile uint8_t *)(SCR + 0x13f), 63);
	expect("rep movsb: RDI", rdi, SCR + 0x140);
	ram_buf[40] = 99;
	rsi = SCR + 0x100;
	rdi = (uint64_t)ram_buf;
	rcx = 64;
	asm volatile("repe cmpsb" : "+S"(rsi), "+D"(rdi), "+c"(rcx) : : "memory", "cc");
	expect("repe cmpsb MMIO against RAM stops after the difference", rcx, 64 - 41);
	rdi = SCR + 0x100;
	rcx = 64;
	asm volatile("repne scasb" : "+D"(rdi), "+c"(rcx) : "a"(20) : "memory", "cc");
	expect("repne scasb finds 20", rdi, SCR + 0x100 + 21);
	rdi = SCR + 0x200;
	rcx = 4;
	asm volatile("rep stosq" : "+D"(rdi), "+c"(rcx) : "a"(0x5a5a5a5a5a5a5a5aULL) : "memory");
	expect("rep stosq", *(volatile uint64_t *)(SCR + 0x218), 0x5a5a5a5a5a5a5a5aULL);
	rsi = SCR + 0x218;
	asm volatile("std\n\tlodsl\n\tcld" : "+S"(rsi), "=a"(rcx) : : "memory");
	expect("lodsl downwards", rcx, 0x5a5a5a5a);
	expect("lodsl downwards: RSI", rsi, SCR + 0x214);
}

static void stack(void)
{
	uint64_t v, w;

	/* The stack on MMIO: push, call, ret, pop, with a pushed memory operand. */
	scr[10] = 0xabcdef;
	asm volatile("movq %%rsp, %%r8\n\t"
		     "leaq 0x800(%2), %%rsp\n\t"
		     "pushq $-7\n\t"
		     "pushq 80(%2)\n\t"
		     "call 1f\n\t"
		     "jmp 2f\n"
		     "1:\tret\n"
		     "2:\tpopq %0\n\t"
		     "popq %1\n\t"
		     "movq %%r8, %%rsp"
		     : "=&r"(v), "=&r"(w) : "r"(scr) : "r8", "memory");
	expect("pop of a pushed MMIO operand", v, 0xabcdef);
	expect("pop of an immediate", w, (uint64_t)-7);
}

/*
 * The PDE of the tool's identity map (2 MiB pages, `kvmini run --help`)
 * for @va: its tables are in RAM that the same map makes reachable.
 */
static volatile uint64_t *pde_of(uint64_t va)
{
	uint64_t cr3, *pml4, *pdpt, *pd;

	asm volatile("mov %%cr3, %0" : "=r"(cr3));
	pml4 = (uint64_t *)(cr3 & PAGE_ADDR);
	pdpt = (uint64_t *)(pml4[(va >> 39) & 511] & PAGE_ADDR);
	pd = (uint64_t *)(pdpt[(va >> 30) & 511] & PAGE_ADDR);
	return &pd[(va >> 21) & 511];
}

static void set_pde(volatile uint64_t *pde, uint64_t val, uint64_t va)
{
	*pde = val;
	asm volatile("invlpg (%0)" : : "r"(va) : "memory");
}

/*
 * An instruction the hypervisor carries out (MOVSQ from MMIO) writes RAM
 * through the guest's page tables with the guest's rights: a write to a
 * read-only page with CR0.WP set is the guest's #PF (P|W, CR2 the
 * destination) and leaves the page alone; a permitted write sets the
 * accessed and dirty bits, as the CPU does.  kvmini before emul/paging.c
 * wrote the read-only page and set neither bit.
 */
static void page_rights(void)
{
	volatile uint64_t *pde = pde_of(RIGHTS_RW);
	volatile uint64_t *ro = (volatile uint64_t *)RIGHTS_RO;
	volatile uint64_t *rw = (volatile uint64_t *)RIGHTS_RW;
	uint64_t old = *pde, bits, cr0, src, dst, faults = pf_count;

	scr[0] = 0x5555;
	/* Read the PDE before the page: the guest's own read would set A. */
	set_pde(pde, old & ~(PTE_A | PTE_D), RIGHTS_RW);
	src = SCR;
	dst = RIGHTS_RW;
	asm volatile("movsq" : "+S"(src), "+D"(dst) : : "memory");
	bits = *pde & (PTE_A | PTE_D);
	expect("MOVSQ from MMIO to a writable page", *rw, 0x5555);
	expect("accessed and dirty set in its PDE", bits, PTE_A | PTE_D);

	asm volatile("mov %%cr0, %0\n\tor %1, %0\n\tmov %0, %%cr0"
		     : "=&r"(cr0) : "i"(CR0_WP));
	*ro = 0x1111;
	pde = pde_of(RIGHTS_RO);
	old = *pde;
	set_pde(pde, old & ~PTE_RW, RIGHTS_RO);
	src = SCR;
	dst = RIGHTS_RO;
	pf_expected = 1;
	asm volatile("movsq" : "+S"(src), "+D"(dst) : : "memory");
	pf_expected = 0;
	set_pde(pde, old, RIGHTS_RO);
	expect("its error code: present, write, supervisor", pf_error, 3);
	expect("its CR2: the destination", pf_cr2, RIGHTS_RO);
	expect("RDI not advanced by the faulting MOVSQ", dst, RIGHTS_RO);
	expect("the read-only page unchanged", *ro, 0x1111);
	expect("MOVSQ from MMIO to a read-only page: one #PF", pf_count - faults, 1);
}

void guest_main(void)
{
	static struct idt_gate idt[32] __attribute__((aligned(16)));

	idt_set_stubs(idt);
	idt_load(idt, 32);
	arithmetic();
	exchanges();
	bits();
	strings();
	stack();
	page_rights();
	if (!failures)
		puts("emul: ok\n");
}
