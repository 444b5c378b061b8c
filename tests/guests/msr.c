// SPDX-License-Identifier: GPL-2.0
/*
 * msr (long mode): MSRs a hypervisor must emulate or pass through.  Each
 * writable one takes two values and must read both back; EFER must show
 * long mode; the TSC must move forward; and what no CPU has, or values
 * no CPU accepts, must raise #GP (caught through our own IDT) and leave
 * the MSR as it was.  Prints "msr: FAIL <msr> ..." per failure, then
 * "msr: ok" when there was none.
 */
#include "guest.h"
#include "idt.h"

#define RFLAGS_RF		(1ULL << 16)

#define MSR_TSC			0x10
#define MSR_SYSENTER_CS		0x174
#define MSR_SYSENTER_ESP	0x175
#define MSR_SYSENTER_EIP	0x176
#define MSR_PAT			0x277
#define MSR_EFER		0xc0000080
#define MSR_STAR		0xc0000081
#define MSR_LSTAR		0xc0000082
#define MSR_CSTAR		0xc0000083
#define MSR_FMASK		0xc0000084
#define MSR_FS_BASE		0xc0000100
#define MSR_GS_BASE		0xc0000101
#define MSR_KERNEL_GS_BASE	0xc0000102
#define PAT_DEFAULT		0x0007040600070406ULL

static struct idt_gate idt[32] __attribute__((aligned(16)));
static int failures;

void unexpected_exception(uint64_t vector, uint64_t error, uint64_t rip);
void unexpected_exception(uint64_t vector, uint64_t error, uint64_t rip)
{
	report_exception("msr", vector, error, rip);
}

static void idt_install(void)
{
	idt_set_stubs(idt);
	idt_load(idt, 32);
}

/* RDMSR/WRMSR that report a #GP instead of dying of it. */
static uint64_t rdmsr(uint32_t msr, bool *gp)
{
	uint32_t lo = 0, hi = 0, before = gp_count;

	gp_expected = 1;
	asm volatile("rdmsr" : "+a"(lo), "+d"(hi) : "c"(msr) : "memory");
	gp_expected = 0;
	*gp = gp_count != before;
	return lo | (uint64_t)hi << 32;
}

static bool wrmsr(uint32_t msr, uint64_t v)
{
	uint32_t before = gp_count;

	gp_expected = 1;
	asm volatile("wrmsr" : : "a"((uint32_t)v), "d"((uint32_t)(v >> 32)), "c"(msr)
		     : "memory");
	gp_expected = 0;
	return gp_count != before;
}

static void fail(const char *name, uint32_t msr, const char *what, uint64_t v)
{
	failures++;
	puts("msr: FAIL ");
	puts(name);
	puts(" (");
	puthex(msr);
	puts(") ");
	puts(what);
	puthex(v);
	putc('\n');
}

static void read_write(const char *name, uint32_t msr, uint64_t a, uint64_t b)
{
	uint64_t v, vals[2] = { a, b };
	bool gp;
	int i;

	rdmsr(msr, &gp);
	if (gp) {
		fail(name, msr, "rdmsr raised #GP, ecx ", msr);
		return;
	}
	for (i = 0; i < 2; i++) {
		if (wrmsr(msr, vals[i])) {
			fail(name, msr, "wrmsr raised #GP writing ", vals[i]);
			return;
		}
		v = rdmsr(msr, &gp);
		if (gp || v != vals[i]) {
			fail(name, msr, "read back ", v);
			return;
		}
	}
}

static void must_gp_read(const char *name, uint32_t msr)
{
	bool gp;

	rdmsr(msr, &gp);
	if (!gp)
		fail(name, msr, "rdmsr did not raise #GP, ecx ", msr);
	/*
	 * A fault pushes RFLAGS with RF set, one the hypervisor injects too
	 * (kvmini did not set it before kvm-unit-tests' idt_test found it).
	 */
	else if (!(gp_rflags & RFLAGS_RF))
		fail(name, msr, "#GP pushed RFLAGS without RF: ", gp_rflags);
}

static void must_gp_write(const char *name, uint32_t msr, uint64_t v)
{
	bool gp;
	uint64_t before = rdmsr(msr, &gp), after;

	if (!wrmsr(msr, v))
		fail(name, msr, "wrmsr did not raise #GP writing ", v);
	after = rdmsr(msr, &gp);
	if (after != before)
		fail(name, msr, "changed by a refused write: ", after);
}

void guest_main(void)
{
	uint64_t t1, t2, t3;
	uint32_t lo, hi;
	bool gp;

	idt_install();

	/* 32-bit values for SYSENTER_ESP/EIP: AMD keeps only those. */
	read_write("IA32_SYSENTER_CS", MSR_SYSENTER_CS, 0x1008, 0x10);
	read_write("IA32_SYSENTER_ESP", MSR_SYSENTER_ESP, 0x8badf00d, 0x7000);
	read_write("IA32_SYSENTER_EIP", MSR_SYSENTER_EIP, 0x12345678, 0x100000);
	read_write("IA32_PAT", MSR_PAT, 0x0007010600070106ULL, PAT_DEFAULT);
	read_write("STAR", MSR_STAR, 0x0023001000000000ULL, 0x001b000800000000ULL);
	read_write("LSTAR", MSR_LSTAR, 0xffffffff81000000ULL, 0x00007fffffffe000ULL);
	read_write("CSTAR", MSR_CSTAR, 0xffffffff81000100ULL, 0x1000);
	read_write("SFMASK", MSR_FMASK, 0x47700, 0x700);
	read_write("KERNEL_GS_BASE", MSR_KERNEL_GS_BASE, 0xffff888012345000ULL, 0x5000);
	read_write("FS_BASE", MSR_FS_BASE, 0x00007f0000001000ULL, 0);
	read_write("GS_BASE", MSR_GS_BASE, 0xffff888000002000ULL, 0);

	t1 = rdmsr(MSR_EFER, &gp);
	if (gp || (t1 & 0x500) != 0x500)
		fail("IA32_EFER", MSR_EFER, "LME|LMA not set: ", t1);

	t1 = rdmsr(MSR_TSC, &gp);
	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	t2 = lo | (uint64_t)hi << 32;
	t3 = rdmsr(MSR_TSC, &gp);
	if (gp || t2 < t1 || t3 < t2 || t3 == t1)
		fail("IA32_TSC", MSR_TSC, "not monotonic: third read ", t3);

	/* Nothing at these indices, in and out of the MSR-bitmap ranges. */
	must_gp_read("reserved MSR", 0x1234);
	must_gp_write("reserved MSR", 0x1234, 0);
	must_gp_read("bogus MSR", 0xdeadbeef);
	must_gp_write("bogus MSR", 0xdeadbeef, 1);
	/* Values no CPU takes. */
	must_gp_write("LSTAR non-canonical", MSR_LSTAR, 0x8000000000000000ULL);
	must_gp_write("IA32_PAT memory type 2", MSR_PAT, 0x0007040600070402ULL);

	if (!failures)
		puts("msr: ok\n");
}
