// SPDX-License-Identifier: GPL-2.0
/*
 * Issue 10: what an unmodified Linux reads and writes of the CPU at boot,
 * answered as KVM answers it.  A real-mode guest (rmvm.h) runs one
 * RDMSR, WRMSR, RDTSC or CPUID at a time with registers the host sets,
 * and reports by port: 0x10 done, 0x11 #GP, 0x12 #UD (IVT handlers).
 *
 * Both devices get the same kind of CPUID: the device's supported CPUID
 * with what a VMM with a userspace irqchip and no nested VMX hides (APIC,
 * x2APIC, TSC deadline, VMX).  The expectations are KVM's answers for a
 * vCPU with that CPUID; where KVM's answer depends on the CPUID (SPEC_CTRL,
 * PRED_CMD, FLUSH_CMD, XSS, PERF_CAPABILITIES, TSX_CTRL) the test asks the
 * CPUID, as KVM does.  Where kvmini differs on purpose the check says so
 * (label "kvmini" or "kvm" in the name).
 *
 *   cpuid_*    the device's supported CPUID: kvmini's allow-list (APIC and
 *              x2APIC offered as KVM; RDPID and RDTSCP as the host has them
 *              (TSC_AUX switched); MONITOR, PDCM hidden; TSC_ADJUST and
 *              ARCH_CAPABILITIES offered; 0x15/0x16 give the TSC frequency),
 *              and the guest's CPUID instruction answering from the table
 *   msr_*      each MSR of the list: value at reset, writes
 *              accepted or refused with #GP, what reads back
 *   cpuid_dep_* a second vCPU whose CPUID lacks TSC_ADJUST and
 *              ARCH_CAPABILITIES: TSC_ADJUST writes dropped, ARCH_CAPABILITIES
 *              #GP, as KVM
 *   quirks_*   KVM_CAP_DISABLE_QUIRKS2: MONITOR/MWAIT #UD without
 *              MWAIT_NEVER_UD_FAULTS, IA32_MISC_ENABLE's MWAIT bit puts
 *              MWAIT in CPUID without MISC_ENABLE_NO_MWAIT (KVM's
 *              monitor_mwait_test); back on with an empty set (KVM 6.1;
 *              KVM 6.12 keeps them off, which is let be)
 *   insn_*     MONITOR and MWAIT run as NOPs (KVM's default quirk), CPUID
 *              faulting: CPUID at CPL 3 (flat protected mode, no IDT, so
 *              the #GP ends in a triple fault: KVM_EXIT_SHUTDOWN)
 *   spin_*     (only with --spin*) a guest spinning with interrupts off, in
 *              a PAUSE loop and in a plain `jmp .`: a signal still ends
 *              KVM_RUN with EINTR, within SPIN_MAX_ALARMS timer periods.
 *              --spin-ple runs the PAUSE loop only (on kvmini with the
 *              timer off: the vCPU's debugfs must count PAUSE exits);
 *              --spin-timer the plain loop only (on kvmini with the timer
 *              on: PREEMPTION_TIMER exits); --spin both, counting nothing
 *              (KVM, outside Bochs).  A vCPU that never notices the signal
 *              never returns: the script runs this under `timeout`.
 *
 * Usage: cpumodel_test [--spin|--spin-ple|--spin-timer] DEVICE LABEL
 */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <sys/time.h>
#include <time.h>

#include "ktest.h"
#include "kstats.h"
#include "rmvm.h"

#define CPUID_MAX_ENTRIES	256

#define PORT_DONE	0x10
#define PORT_GP		0x11
#define PORT_UD		0x12

enum { STUB_RDMSR = 0x1000, STUB_WRMSR = 0x1010, STUB_CPUID = 0x1020, STUB_RDTSC = 0x1040,
       HANDLER_GP = 0x1030, HANDLER_UD = 0x1038, SPIN_PAUSE = 0x1050, SPIN_JMP = 0x1060,
       STUB_MONITOR = 0x1070, STUB_MWAIT = 0x1080, STUB_RDTSCP = 0x1090 };

/* The guest's code, at 0x1000 in real mode: small stubs, each ending in OUT and HLT. */
static unsigned char code[0x100];

static void put(unsigned int addr, const unsigned char *bytes, size_t n)
{
	memcpy(code + addr - RMVM_ENTRY, bytes, n);
}

static void build_code(void)
{
	static const unsigned char rdmsr[] = { 0x0f, 0x32, 0xe6, PORT_DONE, 0xf4 };
	static const unsigned char wrmsr[] = { 0x0f, 0x30, 0xe6, PORT_DONE, 0xf4 };
	static const unsigned char cpuid[] = { 0x0f, 0xa2, 0xe6, PORT_DONE, 0xf4 };
	static const unsigned char rdtsc[] = { 0x0f, 0x31, 0xe6, PORT_DONE, 0xf4 };
	static const unsigned char gp[] = { 0xe6, PORT_GP, 0xf4 };
	static const unsigned char ud[] = { 0xe6, PORT_UD, 0xf4 };
	/* cli; 1: pause; jmp 1b */
	static const unsigned char spin_pause[] = { 0xfa, 0xf3, 0x90, 0xeb, 0xfc };
	/* cli; jmp . */
	static const unsigned char spin_jmp[] = { 0xfa, 0xeb, 0xfe };
	static const unsigned char monitor[] = { 0x0f, 0x01, 0xc8, 0xe6, PORT_DONE, 0xf4 };
	static const unsigned char mwait[] = { 0x0f, 0x01, 0xc9, 0xe6, PORT_DONE, 0xf4 };
	static const unsigned char rdtscp[] = { 0x0f, 0x01, 0xf9, 0xe6, PORT_DONE, 0xf4 };

	memset(code, 0xf4, sizeof(code));
	put(STUB_RDMSR, rdmsr, sizeof(rdmsr));
	put(STUB_WRMSR, wrmsr, sizeof(wrmsr));
	put(STUB_CPUID, cpuid, sizeof(cpuid));
	put(STUB_RDTSC, rdtsc, sizeof(rdtsc));
	put(HANDLER_GP, gp, sizeof(gp));
	put(HANDLER_UD, ud, sizeof(ud));
	put(SPIN_PAUSE, spin_pause, sizeof(spin_pause));
	put(SPIN_JMP, spin_jmp, sizeof(spin_jmp));
	put(STUB_MONITOR, monitor, sizeof(monitor));
	put(STUB_MWAIT, mwait, sizeof(mwait));
	put(STUB_RDTSCP, rdtscp, sizeof(rdtscp));
}

static struct onevm vm;
static const char *vm_dev;
static bool on_kvmini;
static struct kvm_cpuid2 *cpuid;	/* what the vCPU was given */

enum outcome { DONE, GP, UD, BROKEN };

/* Runs the stub at @rip with RAX, RCX, RDX; the registers after it in @out. */
static enum outcome run_stub(unsigned int rip, uint64_t rax, uint64_t rcx, uint64_t rdx,
			     struct kvm_regs *out)
{
	struct kvm_regs r = { .rip = rip, .rsp = RMVM_STACK, .rflags = 2,
			      .rax = rax, .rcx = rcx, .rdx = rdx };

	if (ioctl(vm.vcpu, KVM_SET_REGS, &r) || ioctl(vm.vcpu, KVM_RUN, 0))
		return BROKEN;
	if (vm.run->exit_reason != KVM_EXIT_IO)
		return BROKEN;
	/* Complete the OUT, which leaves the guest at its HLT. */
	if (ioctl(vm.vcpu, KVM_GET_REGS, out))
		return BROKEN;
	switch (vm.run->io.port) {
	case PORT_DONE:
		return DONE;
	case PORT_GP:
		return GP;
	case PORT_UD:
		return UD;
	}
	return BROKEN;
}

static enum outcome rdmsr(uint32_t msr, uint64_t *val)
{
	struct kvm_regs r;
	enum outcome o = run_stub(STUB_RDMSR, 0, msr, 0, &r);

	*val = (uint32_t)r.rax | (r.rdx << 32);
	return o;
}

static enum outcome wrmsr(uint32_t msr, uint64_t val)
{
	struct kvm_regs r;

	return run_stub(STUB_WRMSR, (uint32_t)val, msr, val >> 32, &r);
}

static uint64_t guest_rdtsc(void)
{
	struct kvm_regs r;

	if (run_stub(STUB_RDTSC, 0, 0, 0, &r) != DONE)
		return 0;
	return (uint32_t)r.rax | (r.rdx << 32);
}

static const char *outcome_name(enum outcome o)
{
	static const char * const names[] = { "done", "#GP", "#UD", "broken" };

	return names[o];
}

/* RDMSR must give @want, or #GP when @gp. */
static void expect_read(const char *name, uint32_t msr, bool gp, uint64_t want)
{
	uint64_t val = 0;
	enum outcome o = rdmsr(msr, &val);

	if (gp) {
		if (o == GP)
			ktest_pass(name);
		else
			ktest_fail(name, "RDMSR %#x: %s (%#llx), expected #GP", msr,
				   outcome_name(o), (unsigned long long)val);
		return;
	}
	if (o == DONE && val == want)
		ktest_pass(name);
	else
		ktest_fail(name, "RDMSR %#x: %s %#llx, expected %#llx", msr, outcome_name(o),
			   (unsigned long long)val, (unsigned long long)want);
}

static void expect_write(const char *name, uint32_t msr, uint64_t val, bool gp)
{
	enum outcome o = wrmsr(msr, val);

	if (o == (gp ? GP : DONE))
		ktest_pass(name);
	else
		ktest_fail(name, "WRMSR %#x <- %#llx: %s, expected %s", msr,
			   (unsigned long long)val, outcome_name(o), gp ? "#GP" : "done");
}

static struct kvm_cpuid_entry2 *find(struct kvm_cpuid2 *c, uint32_t fn, uint32_t idx)
{
	for (uint32_t i = 0; i < c->nent; i++)
		if (c->entries[i].function == fn &&
		    (!(c->entries[i].flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) ||
		     c->entries[i].index == idx))
			return &c->entries[i];
	return NULL;
}

/* A bit of the vCPU's CPUID: @reg 0-3 for EAX-EDX. */
static bool has(uint32_t fn, uint32_t idx, int reg, int bit)
{
	struct kvm_cpuid_entry2 *e = find(cpuid, fn, idx);
	uint32_t regs[4];

	if (!e)
		return false;
	regs[0] = e->eax;
	regs[1] = e->ebx;
	regs[2] = e->ecx;
	regs[3] = e->edx;
	return regs[reg] & (1U << bit);
}

enum { EAX, EBX, ECX, EDX };

/* Whether the machine the test runs on lists @flag in /proc/cpuinfo. */
static bool cpuinfo_has(const char *flag)
{
	char line[4096], word[64];
	FILE *f = fopen("/proc/cpuinfo", "r");
	bool found = false;

	if (!f)
		return false;
	snprintf(word, sizeof(word), " %s", flag);
	while (!found && fgets(line, sizeof(line), f)) {
		char *p;

		if (strncmp(line, "flags", 5))
			continue;
		for (p = strstr(line, word); p && !found; p = strstr(p + 1, word))
			found = p[strlen(word)] == ' ' || p[strlen(word)] == '\n';
		break;
	}
	fclose(f);
	return found;
}

/* KVM_GET_SUPPORTED_CPUID with room for @room entries; NULL with errno on failure. */
static struct kvm_cpuid2 *get_supported_n(int sys, unsigned int room)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + room * sizeof(c->entries[0]));
	int err;

	if (!c)
		return NULL;
	c->nent = room;
	if (ioctl(sys, KVM_GET_SUPPORTED_CPUID, c)) {
		err = errno;
		free(c);
		errno = err;
		return NULL;
	}
	return c;
}

static struct kvm_cpuid2 *get_supported(int sys)
{
	return get_supported_n(sys, CPUID_MAX_ENTRIES);
}

/* Room for exactly the entries offered is enough; one less is E2BIG. */
static void test_supported_nent(int sys, unsigned int n)
{
	struct kvm_cpuid2 *c = get_supported_n(sys, n);

	if (on_kvmini) {
		KTEST_CHECK("cpuid_supported_exact_nent", c && c->nent == n);
	} else {
		printf("KTEST INFO %skvm with exactly nent=%u: %s\n", ktest_prefix, n,
		       c ? "ok" : strerror(errno));
	}
	free(c);
	c = get_supported_n(sys, n - 1);
	KTEST_CHECK("cpuid_supported_one_short_e2big", !c && errno == E2BIG);
	free(c);
}

/* What the device offers: kvmini's allow-list (on KVM, informational only). */
static void test_supported(struct kvm_cpuid2 *s)
{
	struct kvm_cpuid_entry2 *l1 = find(s, 1, 0), *l7 = find(s, 7, 0), *l15 = find(s, 0x15, 0);
	struct kvm_cpuid_entry2 *l16 = find(s, 0x16, 0), *l0 = find(s, 0, 0);
	struct kvm_cpuid_entry2 *e1 = find(s, 0x80000001, 0);

	if (!l1 || !l7 || !l0 || !e1) {
		ktest_fail("cpuid_supported", "leaf 0, 1, 7 or 0x80000001 missing");
		return;
	}
	/* KVM offers these as it emulates them; so must kvmini. */
	KTEST_CHECK("cpuid_tsc_adjust_offered", l7->ebx & (1U << 1));
	KTEST_CHECK("cpuid_arch_caps_offered", l7->edx & (1U << 29));
	/* KVM 6.1 leaves the hypervisor bit to the VMM. */
	KTEST_CHECK("cpuid_hypervisor_bit_left_to_vmm", !(l1->ecx & (1U << 31)));
	if (!on_kvmini) {
		printf("KTEST INFO %skvm offers APIC %d x2APIC %d RDPID %d RDTSCP %d max leaf %#x\n",
		       ktest_prefix, !!(l1->edx & (1U << 9)), !!(l1->ecx & (1U << 21)),
		       !!(l7->ecx & (1U << 22)), !!(e1->edx & (1U << 27)), l0->eax);
		return;
	}
	/* As KVM: the APIC and x2APIC are offered (issue 12), TSC deadline is the VMM's. */
	KTEST_CHECK("cpuid_kvmini_apic_x2apic", (l1->edx & (1U << 9)) && (l1->ecx & (1U << 21)));
	KTEST_CHECK("cpuid_kvmini_no_deadline", !(l1->ecx & (1U << 24)));
	KTEST_CHECK("cpuid_kvmini_no_monitor_vmx_pdcm",
		    !(l1->ecx & ((1U << 3) | (1U << 5) | (1U << 15))));
	/* With its TSC_AUX switched, where VMX runs them: wherever the host has them. */
	KTEST_CHECK("cpuid_kvmini_rdpid_as_host", !!(l7->ecx & (1U << 22)) == cpuinfo_has("rdpid"));
	KTEST_CHECK("cpuid_kvmini_rdtscp_as_host", !!(e1->edx & (1U << 27)) == cpuinfo_has("rdtscp"));
	KTEST_CHECK("cpuid_kvmini_no_spec_ctrl", !(l7->edx & ((1U << 26) | (1U << 27) | (1U << 31))));
	KTEST_CHECK("cpuid_kvmini_max_leaf_0x16", l0->eax >= 0x16);
	KTEST_CHECK("cpuid_kvmini_tsc_leaf_complete", l15 && l15->eax && l15->ebx && l15->ecx);
	KTEST_CHECK("cpuid_kvmini_freq_leaf", l16 && l16->eax);
	KTEST_CHECK("cpuid_kvmini_no_pmu_leaf", !find(s, 0xa, 0));
}

/* A userspace-irqchip VMM without nested VMX: no APIC, x2APIC, TSC deadline, VMX. */
static void vmm_mask(struct kvm_cpuid2 *c)
{
	struct kvm_cpuid_entry2 *l1 = find(c, 1, 0);

	if (l1) {
		l1->edx &= ~(1U << 9);
		l1->ecx &= ~((1U << 21) | (1U << 24) | (1U << 5));
	}
}

/* The guest's CPUID instruction answers from the table (leaf 1's OSXSAVE aside). */
static void test_guest_cpuid(void)
{
	static const uint32_t leaves[][2] = { { 0, 0 }, { 1, 0 }, { 7, 0 }, { 0x15, 0 },
					      { 0x16, 0 }, { 0x80000001, 0 }, { 0x80000008, 0 } };
	int bad = 0;

	for (unsigned int i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
		struct kvm_cpuid_entry2 *e = find(cpuid, leaves[i][0], leaves[i][1]);
		struct kvm_regs r;
		uint32_t want[4] = { 0 };

		if (e) {
			want[0] = e->eax;
			want[1] = e->ebx;
			want[2] = e->ecx;
			want[3] = e->edx;
		}
		if (leaves[i][0] == 1)
			want[2] &= ~(1U << 27);
		/*
		 * CPUID.1:EDX.APIC follows APIC_BASE.EN (1 at reset) whatever
		 * the table says, on KVM and, since kvm-unit-tests' apic asked
		 * for it, on kvmini.
		 */
		if (leaves[i][0] == 1)
			want[3] |= 1U << 9;
		if (run_stub(STUB_CPUID, leaves[i][0], leaves[i][1], 0, &r) != DONE ||
		    (uint32_t)r.rax != want[0] || (uint32_t)r.rbx != want[1] ||
		    ((uint32_t)r.rcx & ~(leaves[i][0] == 1 ? 1U << 27 : 0)) != want[2] ||
		    (uint32_t)r.rdx != want[3]) {
			printf("     leaf %#x: %08x %08x %08x %08x, table %08x %08x %08x %08x\n",
			       leaves[i][0], (uint32_t)r.rax, (uint32_t)r.rbx, (uint32_t)r.rcx,
			       (uint32_t)r.rdx, want[0], want[1], want[2], want[3]);
			bad++;
		}
	}
	KTEST_CHECK("cpuid_guest_answers_from_table_apic_follows_apic_base", !bad);
}

#define MSR_TSC			0x10
#define MSR_PLATFORM_ID		0x17
#define MSR_APIC_BASE		0x1b
#define MSR_EBC_FREQ		0x2c
#define MSR_SMI_COUNT		0x34
#define MSR_FEAT_CTL		0x3a
#define MSR_TSC_ADJUST		0x3b
#define MSR_SPEC_CTRL		0x48
#define MSR_PRED_CMD		0x49
#define MSR_UCODE_REV		0x8b
#define MSR_SMBASE		0x9e
#define MSR_FSB_FREQ		0xcd
#define MSR_PLATFORM_INFO	0xce
#define MSR_MTRRCAP		0xfe
#define MSR_ARCH_CAPS		0x10a
#define MSR_FLUSH_CMD		0x10b
#define MSR_BBL_CR_CTL3		0x11e
#define MSR_TSX_CTRL		0x122
#define MSR_MISC_FEATURES	0x140
#define MSR_MCG_CAP		0x179
#define MSR_MCG_STATUS		0x17a
#define MSR_MCG_CTL		0x17b
#define MSR_P6_EVNTSEL0		0x186
#define MSR_PERF_STATUS		0x198
#define MSR_MISC_ENABLE		0x1a0
#define MISC_ENABLE_MWAIT	(1ULL << 18)
#define MSR_DEBUGCTL		0x1d9
#define MSR_POWER_CTL		0x1fc
#define MSR_MTRR_BASE0		0x200
#define MSR_MTRR_MASK0		0x201
#define MSR_MTRR_BASE8		0x210
#define MSR_MTRR_FIX64K		0x250
#define MSR_PAT			0x277
#define MSR_MC0_CTL2		0x280
#define MSR_MTRR_DEFTYPE	0x2ff
#define MSR_PERF_CAPS		0x345
#define MSR_MC0_CTL		0x400
#define MSR_MC0_STATUS		0x401
#define MSR_MC31_MISC		0x47f
#define MSR_MC32_CTL		0x480
#define MSR_RAPL_UNIT		0x606
#define MSR_TSC_DEADLINE	0x6e0
#define MSR_X2APIC_ID		0x802
#define MSR_XSS			0xda0
#define MSR_EFER		0xc0000080
#define MSR_TSC_AUX		0xc0000103

static void test_msrs(void)
{
	uint64_t caps = 0, t0, t1, adj;

	/* APIC_BASE: a register without an APIC behind it, as KVM keeps it. */
	expect_read("msr_apic_base_reset", MSR_APIC_BASE, false, 0xfee00900);
	expect_write("msr_apic_base_write", MSR_APIC_BASE, 0xfee00800, false);
	expect_read("msr_apic_base_reads_back", MSR_APIC_BASE, false, 0xfee00800);
	expect_write("msr_apic_base_x2apic_gp", MSR_APIC_BASE, 0xfee00c00, true);
	expect_write("msr_apic_base_reserved_gp", MSR_APIC_BASE, 0xfee00901 | 0x100, true);
	expect_write("msr_apic_base_restore", MSR_APIC_BASE, 0xfee00900, false);

	/* MISC_ENABLE: KVM starts at 0x1800 (its VMM sets fast strings); kvmini sets them. */
	expect_read("msr_misc_enable_reset", MSR_MISC_ENABLE, false, on_kvmini ? 0x1801 : 0x1800);
	expect_write("msr_misc_enable_ro_bits_gp", MSR_MISC_ENABLE, 0x1, true);
	expect_write("msr_misc_enable_emon_dropped", MSR_MISC_ENABLE, 0x1881, false);
	expect_read("msr_misc_enable_after", MSR_MISC_ENABLE, false, 0x1801);

	expect_read("msr_platform_id", MSR_PLATFORM_ID, false, 0);
	expect_read("msr_ucode_rev", MSR_UCODE_REV, false, 0x100000000ULL);
	expect_write("msr_ucode_rev_write_dropped", MSR_UCODE_REV, 0, false);
	expect_read("msr_ucode_rev_unchanged", MSR_UCODE_REV, false, 0x100000000ULL);
	expect_write("msr_ucode_write_accepted", 0x79, 0, false);

	/* FEATURE_CONTROL: 0, the guest may lock it once (no VMX in its CPUID). */
	expect_read("msr_feat_ctl_reset", MSR_FEAT_CTL, false, 0);
	expect_write("msr_feat_ctl_vmx_gp", MSR_FEAT_CTL, 0x5, true);
	expect_write("msr_feat_ctl_lock", MSR_FEAT_CTL, 0x1, false);
	expect_read("msr_feat_ctl_locked", MSR_FEAT_CTL, false, 1);
	expect_write("msr_feat_ctl_locked_gp", MSR_FEAT_CTL, 0x1, true);

	/* PLATFORM_INFO says CPUID faulting; MISC_FEATURES_ENABLES turns it on. */
	expect_read("msr_platform_info", MSR_PLATFORM_INFO, false, 1ULL << 31);
	expect_write("msr_platform_info_gp", MSR_PLATFORM_INFO, 0, true);
	expect_read("msr_misc_features_reset", MSR_MISC_FEATURES, false, 0);
	expect_write("msr_misc_features_cpuid_fault", MSR_MISC_FEATURES, 1, false);
	expect_write("msr_misc_features_reserved_gp", MSR_MISC_FEATURES, 2, true);
	expect_write("msr_misc_features_off", MSR_MISC_FEATURES, 0, false);

	/* TSC_ADJUST and TSC: writes move the guest's TSC, and each other. */
	expect_read("msr_tsc_adjust_reset", MSR_TSC_ADJUST, false, 0);
	t0 = guest_rdtsc();
	expect_write("msr_tsc_adjust_write", MSR_TSC_ADJUST, 1000000000, false);
	t1 = guest_rdtsc();
	expect_read("msr_tsc_adjust_reads_back", MSR_TSC_ADJUST, false, 1000000000);
	KTEST_CHECK("msr_tsc_adjust_moves_tsc", t1 - t0 >= 1000000000ULL);
	t0 = guest_rdtsc();
	expect_write("msr_tsc_write", MSR_TSC, t0 + 2000000000ULL, false);
	rdmsr(MSR_TSC_ADJUST, &adj);
	/*
	 * 1e9 + what the TSC write moved: 2e9 less the ticks between the
	 * RDTSC and the WRMSR (two KVM_RUN round trips).  In Bochs
	 * (clock: sync=none) a round trip is about 3000 ticks of emulated
	 * work; on hardware some microseconds, more if the host preempts
	 * the test.  A window of 0.5e9 ticks below 3e9 (a quarter second
	 * even at 2 GHz) only fails if the write was not added.
	 */
	KTEST_CHECK("msr_tsc_write_moves_adjust",
		    adj > 2500000000ULL && adj <= 3000000000ULL);
	expect_write("msr_tsc_adjust_back", MSR_TSC_ADJUST, 0, false);

	/* ARCH_CAPABILITIES: emulated, read-only; never TSX_CTRL or IBRS_ALL on kvmini. */
	expect_write("msr_arch_caps_write_gp", MSR_ARCH_CAPS, 0, true);
	if (rdmsr(MSR_ARCH_CAPS, &caps) == DONE) {
		ktest_pass("msr_arch_caps_readable");
		KTEST_CHECK("msr_arch_caps_pschange_mc_no", caps & (1ULL << 6));
		if (on_kvmini)
			KTEST_CHECK("msr_arch_caps_kvmini_no_tsx_ctrl_ibrs_all",
				    !(caps & ((1ULL << 7) | (1ULL << 1))));
	} else {
		ktest_fail("msr_arch_caps_readable", "RDMSR ARCH_CAPABILITIES faulted");
	}
	printf("KTEST INFO %sarch_capabilities %#llx\n", ktest_prefix, (unsigned long long)caps);

	/* The speculation MSRs exist only where the vCPU's CPUID says so. */
	expect_read("msr_spec_ctrl", MSR_SPEC_CTRL, !has(7, 0, EDX, 26) && !has(0x80000008, 0, EBX, 14) &&
		    !has(0x80000008, 0, EBX, 15) && !has(0x80000008, 0, EBX, 24), 0);
	expect_write("msr_pred_cmd", MSR_PRED_CMD, 1, !has(7, 0, EDX, 26) && !has(0x80000008, 0, EBX, 12));
	expect_write("msr_flush_cmd", MSR_FLUSH_CMD, 1, !has(7, 0, EDX, 28));
	expect_read("msr_tsx_ctrl", MSR_TSX_CTRL, !(caps & (1ULL << 7)), 0);
	expect_read("msr_xss", MSR_XSS, !has(0xd, 1, EAX, 3), 0);
	if (!has(1, 0, ECX, 15))
		expect_read("msr_perf_caps_gp", MSR_PERF_CAPS, true, 0);

	/* Machine check: 32 banks, no MCG_CTL, no CMCI, as KVM's default vCPU. */
	expect_read("msr_mcg_cap", MSR_MCG_CAP, false, 32);
	expect_read("msr_mcg_status", MSR_MCG_STATUS, false, 0);
	expect_write("msr_mcg_status_write", MSR_MCG_STATUS, 0, false);
	expect_read("msr_mcg_ctl_gp", MSR_MCG_CTL, true, 0);
	expect_write("msr_mcg_cap_write_gp", MSR_MCG_CAP, 32, true);
	expect_read("msr_mc0_ctl_reset", MSR_MC0_CTL, false, 0);
	expect_write("msr_mc0_ctl_all_ones", MSR_MC0_CTL, ~0ULL, false);
	expect_read("msr_mc0_ctl_reads_back", MSR_MC0_CTL, false, ~0ULL);
	expect_write("msr_mc0_ctl_other_gp", MSR_MC0_CTL, 0x5, true);
	expect_write("msr_mc0_status_clear", MSR_MC0_STATUS, 0, false);
	expect_write("msr_mc0_status_set_gp", MSR_MC0_STATUS, 1, true);
	expect_read("msr_mc31_misc", MSR_MC31_MISC, false, 0);
	expect_read("msr_mc32_ctl_gp", MSR_MC32_CTL, true, 0);
	expect_read("msr_mc0_ctl2_gp", MSR_MC0_CTL2, true, 0);

	/* MTRRs: 8 variable ranges, fixed ranges, WC; written values checked. */
	expect_read("msr_mtrrcap", MSR_MTRRCAP, false, 0x508);
	expect_read("msr_mtrr_deftype_reset", MSR_MTRR_DEFTYPE, false, 0);
	expect_write("msr_mtrr_deftype_write", MSR_MTRR_DEFTYPE, 0xc06, false);
	expect_read("msr_mtrr_deftype_reads_back", MSR_MTRR_DEFTYPE, false, 0xc06);
	expect_write("msr_mtrr_deftype_bad_type_gp", MSR_MTRR_DEFTYPE, 0x2, true);
	expect_write("msr_mtrr_deftype_reserved_gp", MSR_MTRR_DEFTYPE, 0x1006, true);
	expect_write("msr_mtrr_base0", MSR_MTRR_BASE0, 0x80000006, false);
	expect_write("msr_mtrr_base0_reserved_gp", MSR_MTRR_BASE0, 0x106, true);
	expect_write("msr_mtrr_mask0", MSR_MTRR_MASK0, 0xf80000800ULL, false);
	expect_write("msr_mtrr_mask0_reserved_gp", MSR_MTRR_MASK0, 0x801, true);
	expect_read("msr_mtrr_mask0_reads_back", MSR_MTRR_MASK0, false, 0xf80000800ULL);
	expect_write("msr_mtrr_fix64k", MSR_MTRR_FIX64K, 0x0606060606060606ULL, false);
	expect_write("msr_mtrr_fix64k_bad_type_gp", MSR_MTRR_FIX64K, 0x0202020202020202ULL, true);
	expect_read("msr_mtrr_base8_gp", MSR_MTRR_BASE8, true, 0);

	/*
	 * TSC_AUX, RDTSCP's ECX: 0 at reset, 32 bits on Intel, and only
	 * with RDTSCP or RDPID in the CPUID, as KVM.
	 */
	if (has(0x80000001, 0, EDX, 27) || has(7, 0, ECX, 22)) {
		struct kvm_regs r;

		expect_read("msr_tsc_aux_reset", MSR_TSC_AUX, false, 0);
		expect_write("msr_tsc_aux_write", MSR_TSC_AUX, 0x12345, false);
		expect_read("msr_tsc_aux_reads_back", MSR_TSC_AUX, false, 0x12345);
		expect_write("msr_tsc_aux_high_gp", MSR_TSC_AUX, 1ULL << 32, true);
		if (has(0x80000001, 0, EDX, 27))
			KTEST_CHECK("rdtscp_ecx_is_tsc_aux",
				    run_stub(STUB_RDTSCP, 0, 0, 0, &r) == DONE && r.rcx == 0x12345);
		expect_write("msr_tsc_aux_back", MSR_TSC_AUX, 0, false);
	} else {
		expect_read("msr_tsc_aux_gp", MSR_TSC_AUX, true, 0);
	}
	expect_read("msr_pat_reset", MSR_PAT, false, 0x0007040600070406ULL);
	expect_read("msr_efer_real_mode", MSR_EFER, false, 0);
	expect_write("msr_debugctl_zero", MSR_DEBUGCTL, 0, false);
	expect_write("msr_debugctl_btf_dropped", MSR_DEBUGCTL, 2, false);
	expect_read("msr_debugctl_reads_zero", MSR_DEBUGCTL, false, 0);
	expect_write("msr_debugctl_tr_gp", MSR_DEBUGCTL, 0x40, true);
	expect_read("msr_tsc_deadline", MSR_TSC_DEADLINE, false, 0);
	expect_write("msr_tsc_deadline_dropped", MSR_TSC_DEADLINE, 5, false);
	expect_write("msr_power_ctl_write", MSR_POWER_CTL, 3, false);
	expect_read("msr_power_ctl_reads_back", MSR_POWER_CTL, false, 3);
	expect_read("msr_smi_count", MSR_SMI_COUNT, false, 0);
	expect_read("msr_smbase_gp", MSR_SMBASE, true, 0);
	expect_read("msr_fsb_freq", MSR_FSB_FREQ, false, 3);
	expect_read("msr_ebc_freq", MSR_EBC_FREQ, false, 1ULL << 24);
	expect_read("msr_perf_status", MSR_PERF_STATUS, false, 1000ULL | (4ULL << 40));
	expect_read("msr_bbl_cr_ctl3", MSR_BBL_CR_CTL3, false, 0xbe702111);
	expect_write("msr_bbl_cr_ctl3_write_dropped", MSR_BBL_CR_CTL3, 0, false);
	expect_read("msr_bbl_cr_ctl3_unchanged", MSR_BBL_CR_CTL3, false, 0xbe702111);
	expect_read("msr_rapl_unit", MSR_RAPL_UNIT, false, 0);
	expect_read("msr_x2apic_gp", MSR_X2APIC_ID, true, 0);
	expect_read("msr_unknown_gp", 0x12345, true, 0);
	/* With a PMU the P6 event selects are the PMU's; without one they read 0. */
	if (!find(cpuid, 0xa, 0) || !(find(cpuid, 0xa, 0)->eax & 0xff))
		expect_read("msr_p6_evntsel_no_pmu", MSR_P6_EVNTSEL0, false, 0);
}

/* A second vCPU whose CPUID lacks TSC_ADJUST and ARCH_CAPABILITIES: KVM's answers then. */
static void test_cpuid_dependent(void)
{
	uint64_t t0, t1;

	expect_write("cpuid_dep_tsc_adjust_write_dropped", MSR_TSC_ADJUST, 1000000000, false);
	expect_read("cpuid_dep_tsc_adjust_reads_0", MSR_TSC_ADJUST, false, 0);
	t0 = guest_rdtsc();
	expect_write("cpuid_dep_tsc_adjust_write_again", MSR_TSC_ADJUST, 1000000000, false);
	t1 = guest_rdtsc();
	KTEST_CHECK("cpuid_dep_tsc_not_moved", t1 - t0 < 1000000000ULL);
	expect_read("cpuid_dep_arch_caps_gp", MSR_ARCH_CAPS, true, 0);
	expect_write("cpuid_dep_arch_caps_write_gp", MSR_ARCH_CAPS, 0, true);
}

/* MONITOR and MWAIT, not in the guest's CPUID: NOPs (KVM's MWAIT_NEVER_UD_FAULTS). */
static void test_monitor_mwait(void)
{
	struct kvm_regs r;
	enum outcome o;

	o = run_stub(STUB_MONITOR, 0x2000, 0, 0, &r);
	if (o == DONE)
		ktest_pass("insn_monitor_nop");
	else
		ktest_fail("insn_monitor_nop", "MONITOR: %s (exit reason %u)", outcome_name(o),
			   vm.run->exit_reason);
	o = run_stub(STUB_MWAIT, 0, 0, 0, &r);
	if (o == DONE)
		ktest_pass("insn_mwait_nop");
	else
		ktest_fail("insn_mwait_nop", "MWAIT: %s (exit reason %u)", outcome_name(o),
			   vm.run->exit_reason);
}

static enum outcome monitor_and_mwait(void)
{
	struct kvm_regs r;
	enum outcome a = run_stub(STUB_MONITOR, 0x2000, 0, 0, &r);
	enum outcome b = run_stub(STUB_MWAIT, 0, 0, 0, &r);

	return a == b ? a : BROKEN;
}

static int disable_quirks(uint64_t quirks)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_DISABLE_QUIRKS2, .args = { quirks } };

	return ioctl(vm.fd, KVM_ENABLE_CAP, &cap);
}

/*
 * KVM_CAP_DISABLE_QUIRKS2 (issue 12, KVM's monitor_mwait_test), the
 * vCPU's CPUID without MWAIT: with MWAIT_NEVER_UD_FAULTS off MONITOR and
 * MWAIT #UD; with MISC_ENABLE_NO_MWAIT off IA32_MISC_ENABLE's MWAIT bit
 * puts MWAIT in CPUID, and they run again.  Last, both quirks back on.
 */
static void test_quirks(void)
{
	const uint64_t never_ud = KVM_X86_QUIRK_MWAIT_NEVER_UD_FAULTS;
	const uint64_t misc = KVM_X86_QUIRK_MISC_ENABLE_NO_MWAIT;
	int cap = ioctl(vm.sys, KVM_CHECK_EXTENSION, KVM_CAP_DISABLE_QUIRKS2);
	uint64_t misc_enable = 0;

	KTEST_CHECK("quirks_cap", cap > 0 && (cap & never_ud) && (cap & misc));
	KTEST_ERRNO("quirks_flags", ({
		struct kvm_enable_cap c = { .cap = KVM_CAP_DISABLE_QUIRKS2, .flags = 1 };
		ioctl(vm.fd, KVM_ENABLE_CAP, &c); }), EINVAL);
	KTEST_CHECK("quirks_mwait_ud", !disable_quirks(never_ud) && monitor_and_mwait() == UD);
	if (rdmsr(MSR_MISC_ENABLE, &misc_enable) != DONE)
		ktest_fail("quirks_misc_enable", "RDMSR IA32_MISC_ENABLE failed");
	KTEST_CHECK("quirks_misc_enable_mwait", !disable_quirks(never_ud | misc) &&
		    wrmsr(MSR_MISC_ENABLE, misc_enable | MISC_ENABLE_MWAIT) == DONE &&
		    monitor_and_mwait() == DONE);
	KTEST_CHECK("quirks_misc_enable_off", wrmsr(MSR_MISC_ENABLE, misc_enable) == DONE &&
		    monitor_and_mwait() == UD);
	/*
	 * KVM 6.1 replaces the set, as kvmini does; KVM 6.12 was seen not to
	 * turn the quirks back on (CI, 2026-12-03): MONITOR #UDs there.
	 */
	if (on_kvmini) {
		KTEST_CHECK("quirks_back_on", !disable_quirks(0) && monitor_and_mwait() == DONE);
	} else {
		enum outcome o = disable_quirks(0) ? BROKEN : monitor_and_mwait();

		KTEST_CHECK("quirks_back_on", o == DONE || o == UD);
	}
}

/* A flat 32-bit segment for KVM_SET_SREGS: @type, DPL 3, selector RPL 3. */
static struct kvm_segment ring3_seg(uint16_t sel, uint8_t type)
{
	struct kvm_segment s = { .base = 0, .limit = 0xffffffff, .selector = sel,
				 .type = type, .present = 1, .dpl = 3, .db = 1, .s = 1, .g = 1 };

	return s;
}

/*
 * CPUID at CPL 3 in flat protected mode (IOPL 3, so OUT works), no IDT:
 * DONE when CPUID does not fault; a #GP becomes a triple fault,
 * KVM_EXIT_SHUTDOWN.  Returns the exit, or -1 when the set-up failed.
 */
static int cpuid_at_cpl3(const struct kvm_sregs *real)
{
	struct kvm_sregs s = *real;
	struct kvm_regs r = { .rip = STUB_CPUID, .rsp = RMVM_STACK, .rflags = 0x3002 };

	s.cr0 |= 0x11;			/* PE, ET */
	s.cs = ring3_seg(0x1b, 0xb);	/* code, execute/read, accessed */
	s.ss = ring3_seg(0x23, 0x3);	/* data, read/write, accessed */
	s.ds = s.ss;
	s.es = s.ss;
	s.fs = s.ss;
	s.gs = s.ss;
	s.tr.selector = 0x28;
	s.tr.type = 0xb;		/* busy 32-bit TSS */
	s.tr.present = 1;
	s.tr.s = 0;
	s.tr.base = 0x3000;
	s.tr.limit = 0x67;
	s.tr.g = 0;
	s.idt.base = 0;
	s.idt.limit = 0;
	if (ioctl(vm.vcpu, KVM_SET_SREGS, &s) || ioctl(vm.vcpu, KVM_SET_REGS, &r) ||
	    ioctl(vm.vcpu, KVM_RUN, 0))
		return -1;
	if (vm.run->exit_reason == KVM_EXIT_IO && vm.run->io.port == PORT_DONE)
		return KVM_EXIT_IO;
	return vm.run->exit_reason;
}

/* CPUID faulting (MISC_FEATURES_ENABLES bit 0): #GP at CPL > 0 only.  Ends the vCPU. */
static void test_cpuid_faulting(void)
{
	struct kvm_sregs real;
	struct kvm_regs r;
	int x;

	if (ioctl(vm.vcpu, KVM_GET_SREGS, &real)) {
		ktest_fail("insn_cpuid_cpl3", "KVM_GET_SREGS: %s", strerror(errno));
		return;
	}
	x = cpuid_at_cpl3(&real);
	if (x == KVM_EXIT_IO)
		ktest_pass("insn_cpuid_cpl3_no_fault");
	else
		ktest_fail("insn_cpuid_cpl3_no_fault", "exit %d, expected the OUT after CPUID", x);
	if (ioctl(vm.vcpu, KVM_SET_SREGS, &real)) {
		ktest_fail("insn_cpuid_cpl3", "KVM_SET_SREGS back to real mode: %s", strerror(errno));
		return;
	}
	expect_write("insn_cpuid_fault_on", MSR_MISC_FEATURES, 1, false);
	KTEST_CHECK("insn_cpuid_fault_cpl0_runs", run_stub(STUB_CPUID, 0, 0, 0, &r) == DONE);
	x = cpuid_at_cpl3(&real);
	if (x == KVM_EXIT_SHUTDOWN)
		ktest_pass("insn_cpuid_fault_cpl3_gp");
	else
		ktest_fail("insn_cpuid_fault_cpl3_gp", "exit %d, expected a triple fault (%d)",
			   x, KVM_EXIT_SHUTDOWN);
}

/*
 * The timer fires every SPIN_PERIOD_US; KVM_RUN must return at the
 * first one it notices, at the latest SPIN_MAX_ALARMS periods after
 * the first.  (A signal handler runs only once KVM_RUN has returned,
 * so a vCPU that never notices cannot be failed from here: `timeout`
 * in t_cpumodel.sh does that.)
 */
#define SPIN_PERIOD_US	100000
#define SPIN_MAX_ALARMS	20

static void on_alarm(int sig)
{
	(void)sig;
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/*
 * A guest spinning with IF=0 at @rip: a signal must still end KVM_RUN
 * with EINTR.  On kvmini, @exit_stat (a debugfs counter, or NULL) must
 * have grown (check @stat_check): the exits that took the guest back.
 */
static void spin_test(const char *name, unsigned int rip, const char *exit_stat,
		      const char *stat_check)
{
	struct itimerval it = { .it_value = { .tv_usec = SPIN_PERIOD_US },
				.it_interval = { .tv_usec = SPIN_PERIOD_US } };
	struct itimerval off = { 0 };
	struct kvm_regs r = { .rip = rip, .rsp = RMVM_STACK, .rflags = 2 };
	struct sigaction sa = { .sa_handler = on_alarm };
	long long before = 0, after;
	uint64_t t0, waited;
	int ret, err;

	sigaction(SIGALRM, &sa, NULL);
	if (ioctl(vm.vcpu, KVM_SET_REGS, &r)) {
		ktest_fail(name, "KVM_SET_REGS: %s", strerror(errno));
		return;
	}
	if (on_kvmini && exit_stat)
		before = debugfs_value(vm.fd, "vcpu0", exit_stat, 0);
	t0 = now_us();
	setitimer(ITIMER_REAL, &it, NULL);
	ret = ioctl(vm.vcpu, KVM_RUN, 0);
	err = errno;
	setitimer(ITIMER_REAL, &off, NULL);
	waited = now_us() - t0;
	if (ret != -1 || err != EINTR || vm.run->exit_reason != KVM_EXIT_INTR)
		ktest_fail(name, "KVM_RUN returned %d (%s), exit reason %u", ret,
			   ret ? strerror(err) : "-", vm.run->exit_reason);
	else if (waited > (uint64_t)SPIN_PERIOD_US * (SPIN_MAX_ALARMS + 1))
		ktest_fail(name, "KVM_RUN returned after %llu ms, more than %d timer periods",
			   (unsigned long long)waited / 1000, SPIN_MAX_ALARMS);
	else
		ktest_pass(name);
	if (!on_kvmini || !exit_stat)
		return;
	after = debugfs_value(vm.fd, "vcpu0", exit_stat, 0);
	if (before >= 0 && after > before)
		ktest_pass(stat_check);
	else
		ktest_fail(stat_check, "debugfs %s: %lld before, %lld after (-1: no file)",
			   exit_stat, before, after);
}

/* A fresh VM for the tests that need a vCPU that has not run, with @c as its CPUID. */
static int new_vm(struct kvm_cpuid2 *c)
{
	if (rmvm_create(&vm, vm_dev, code, sizeof(code), 0))
		return -1;
	/* The IVT: #UD and #GP to their handlers at 0000:handler. */
	((uint16_t *)vm.mem)[6 * 2] = HANDLER_UD;
	((uint16_t *)vm.mem)[6 * 2 + 1] = 0;
	((uint16_t *)vm.mem)[13 * 2] = HANDLER_GP;
	((uint16_t *)vm.mem)[13 * 2 + 1] = 0;
	if (c && ioctl(vm.vcpu, KVM_SET_CPUID2, c))
		return -1;
	return 0;
}

/*
 * KVM 6.1's rule, kept by kvmini since issue 10: once the vCPU has run,
 * KVM_SET_CPUID2 takes the same table again and refuses any other.
 */
static void test_cpuid_fixed_after_run(void)
{
	struct kvm_cpuid_entry2 *l1 = find(cpuid, 1, 0);
	int r, err;

	KTEST_CHECK("cpuid_same_table_after_run", ioctl(vm.vcpu, KVM_SET_CPUID2, cpuid) == 0);
	if (!l1)
		return;
	l1->ecx ^= 1U << 0;	/* SSE3 */
	r = ioctl(vm.vcpu, KVM_SET_CPUID2, cpuid);
	err = errno;
	l1->ecx ^= 1U << 0;
	if (r == -1 && err == EINVAL)
		ktest_pass("cpuid_other_table_after_run_einval");
	else
		ktest_fail("cpuid_other_table_after_run_einval", "KVM_SET_CPUID2 returned %d (%s)",
			   r, r ? strerror(err) : "-");
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 && !strncmp(argv[1], "--spin", 6) ? argv[1] : NULL;
	const char *dev = ktest_args(argc - !!mode, argv + !!mode);
	struct kvm_cpuid2 *supported;

	if (!dev)
		return 2;
	vm_dev = dev;
	on_kvmini = strstr(dev, "kvmini") != NULL;
	build_code();
	if (new_vm(NULL)) {
		ktest_fail("setup", "VM: %s", strerror(errno));
		onevm_destroy(&vm);
		return ktest_exit();
	}
	supported = get_supported(vm.sys);
	if (!supported) {
		ktest_fail("setup", "KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
		onevm_destroy(&vm);
		return ktest_exit();
	}
	if (mode) {
		bool ple = strcmp(mode, "--spin-timer"), timer = strcmp(mode, "--spin-ple");

		if (ioctl(vm.vcpu, KVM_SET_CPUID2, supported))
			ktest_fail("setup", "KVM_SET_CPUID2: %s", strerror(errno));
		if (ple)
			spin_test("spin_pause_loop_if0", SPIN_PAUSE, timer ? NULL : "exit.PAUSE",
				  "spin_kvmini_pause_exits");
		if (timer)
			spin_test("spin_jmp_if0", SPIN_JMP, ple ? NULL : "exit.PREEMPTION_TIMER",
				  "spin_kvmini_preemption_timer_exits");
		free(supported);
		onevm_destroy(&vm);
		return ktest_exit();
	}
	test_supported(supported);
	test_supported_nent(vm.sys, supported->nent);
	cpuid = get_supported(vm.sys);
	vmm_mask(cpuid);
	if (ioctl(vm.vcpu, KVM_SET_CPUID2, cpuid)) {
		ktest_fail("setup", "KVM_SET_CPUID2: %s", strerror(errno));
	} else {
		test_guest_cpuid();
		test_msrs();
		test_monitor_mwait();
		test_quirks();
	}

	test_cpuid_fixed_after_run();

	/* KVM refuses a different CPUID once a vCPU ran: a new VM for each. */
	onevm_destroy(&vm);
	find(cpuid, 7, 0)->ebx &= ~(1U << 1);
	find(cpuid, 7, 0)->edx &= ~(1U << 29);
	if (new_vm(cpuid))
		ktest_fail("setup", "second VM: %s", strerror(errno));
	else
		test_cpuid_dependent();
	onevm_destroy(&vm);
	find(cpuid, 7, 0)->ebx |= 1U << 1;
	find(cpuid, 7, 0)->edx |= 1U << 29;
	if (new_vm(cpuid))
		ktest_fail("setup", "third VM: %s", strerror(errno));
	else
		test_cpuid_faulting();
	free(supported);
	free(cpuid);
	onevm_destroy(&vm);
	return ktest_exit();
}
