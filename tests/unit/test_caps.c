// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of vmx/caps_derive.c: the allowed-0/allowed-1 rule, the
 * CR0/CR4 fixed bits, and which CPUs kvmini accepts or refuses, with
 * the capability MSRs of a Skylake server as the base case.
 */
#include <string.h>

#include "../../vmx/caps.h"
#include "unit.h"

#define BIT64(n) (1ULL << (n))

/* What a Skylake-SP reports (IA32_VMX_* read on real hardware). */
static const struct vmx_msrs skylake = {
	.basic = 0x00da040000000004ULL,
	.pin_ctls = 0x000000ff00000016ULL,
	.proc_ctls = 0xfff9fffe04006172ULL,
	.proc2_ctls = 0x00551cfe00000000ULL,
	.exit_ctls = 0x01ffffff00036dfbULL,
	.entry_ctls = 0x0003ffff000011fbULL,
	.misc = 0x7004c1e7ULL,
	.ept_vpid = 0x00000f0106734141ULL,
	.cr0_fixed0 = 0x80000021ULL,
	.cr0_fixed1 = 0xffffffffULL,
	.cr4_fixed0 = 0x2000ULL,
	.cr4_fixed1 = 0x3767ffULL,
};

static void test_adjust(void)
{
	u32 out, missing;

	/* bits 31:0 must be 1, bits 63:32 may be 1 */
	missing = vmx_adjust_ctl(0x4, 0x10, 0x0000001f00000001ULL, &out);
	CHECK(missing == 0, "adjust: min and opt both allowed");
	CHECK(out == (0x4 | 0x10 | 0x1), "adjust: must-be-one bit forced on");

	missing = vmx_adjust_ctl(0x4, 0x20, 0x0000000f00000000ULL, &out);
	CHECK(missing == 0 && !(out & 0x20), "adjust: opt bit the CPU forbids is dropped");

	missing = vmx_adjust_ctl(0x24, 0, 0x0000000f00000000ULL, &out);
	CHECK(missing == 0x20, "adjust: a forbidden min bit is reported as missing");

	missing = vmx_adjust_ctl(0, 0, 0xffffffff00000006ULL, &out);
	CHECK(out == 0x6, "adjust: nothing asked, default-1 bits still set");
}

static void test_fixed(void)
{
	const u64 pe_ne_pg = 0x80000021ULL, vmxe = 0x2000ULL;

	CHECK(vmx_cr_fixed_ok(pe_ne_pg | 0x10, skylake.cr0_fixed0, skylake.cr0_fixed1),
	      "fixed: host CR0 with PE, NE, PG passes");
	CHECK(!vmx_cr_fixed_ok(0x80000001ULL, skylake.cr0_fixed0, skylake.cr0_fixed1),
	      "fixed: CR0 without NE fails");
	CHECK(!vmx_cr_fixed_ok(0x6f0ULL, skylake.cr4_fixed0, skylake.cr4_fixed1),
	      "fixed: CR4 without VMXE fails");
	CHECK(vmx_cr_fixed_ok(0x6f0ULL | vmxe, skylake.cr4_fixed0, skylake.cr4_fixed1),
	      "fixed: CR4 with VMXE passes");
	CHECK(!vmx_cr_fixed_ok(vmxe | BIT64(24), skylake.cr4_fixed0, skylake.cr4_fixed1),
	      "fixed: CR4 bit that fixed1 forbids fails");
}

static int derive(const struct vmx_msrs *m, struct vmx_caps *c, const char **why)
{
	*why = NULL;
	return vmx_caps_derive(m, c, why);
}

static void test_derive_skylake(void)
{
	struct vmx_caps c;
	const char *why;

	CHECK(derive(&skylake, &c, &why) == 0, "derive: Skylake is accepted");
	CHECK(c.revision_id == 4 && c.vmcs_size == 1024, "derive: revision id and VMCS size from BASIC");
	CHECK(c.true_ctls, "derive: TRUE controls noticed");
	CHECK((c.pin_ctls & (PIN_EXTERNAL_INTERRUPT_EXITING | PIN_NMI_EXITING)) ==
	      (PIN_EXTERNAL_INTERRUPT_EXITING | PIN_NMI_EXITING), "derive: interrupts and NMIs exit");
	CHECK(c.pin_ctls & PIN_VIRTUAL_NMIS, "derive: virtual NMIs taken when offered");
	CHECK((c.pin_ctls & 0x16) == 0x16, "derive: pin default-1 bits kept");
	CHECK(c.proc_ctls & PROC_HLT_EXITING, "derive: HLT exits");
	CHECK(c.proc_ctls & PROC_UNCONDITIONAL_IO_EXITING, "derive: I/O exits");
	CHECK(c.proc_ctls & PROC_USE_MSR_BITMAPS, "derive: MSR bitmaps used");
	CHECK(!(c.proc_ctls & (PROC_CR3_LOAD_EXITING | PROC_CR3_STORE_EXITING)),
	      "derive: TRUE controls let CR3 accesses run without exits");
	CHECK(c.proc2_ctls & PROC2_ENABLE_EPT, "derive: EPT on");
	CHECK(vmx_has_unrestricted_guest(&c), "derive: unrestricted guest on");
	CHECK(!vmx_has_vpid(&c), "derive: VPID left off (no flush on migration yet)");
	CHECK(c.proc_ctls & PROC_MOV_DR_EXITING, "derive: MOV DR exits");
	CHECK((c.proc_ctls & (PROC_CR8_LOAD_EXITING | PROC_CR8_STORE_EXITING | PROC_RDPMC_EXITING)) ==
	      (PROC_CR8_LOAD_EXITING | PROC_CR8_STORE_EXITING | PROC_RDPMC_EXITING),
	      "derive: CR8 and RDPMC exit (issue 9, items 4 and 9)");
	CHECK(c.proc2_ctls & PROC2_WBINVD_EXITING, "derive: WBINVD exits (issue 9, item 9)");
	CHECK((c.entry_ctls & ENTRY_LOAD_DEBUG_CONTROLS) && (c.exit_ctls & EXIT_SAVE_DEBUG_CONTROLS),
	      "derive: debug controls switched (issue 9, item 9)");
	CHECK(c.exit_ctls & EXIT_HOST_ADDR_SPACE_SIZE, "derive: exits to a 64-bit host");
	CHECK((c.exit_ctls & (EXIT_LOAD_IA32_EFER | EXIT_SAVE_IA32_EFER)) ==
	      (EXIT_LOAD_IA32_EFER | EXIT_SAVE_IA32_EFER), "derive: EFER switched on exit");
	CHECK(c.entry_ctls & ENTRY_LOAD_IA32_EFER, "derive: EFER loaded on entry");
	CHECK(!(c.entry_ctls & ENTRY_IA32E_MODE_GUEST), "derive: IA-32e mode is per vCPU, not in the base");
	CHECK(c.can_intr_window, "derive: interrupt-window exiting available");
	CHECK(vmx_has_ept_2m(&c) && vmx_has_ept_ad(&c) && vmx_has_invept_single(&c),
	      "derive: EPT 2M, A/D and single-context INVEPT seen");
	CHECK(c.cr4_fixed0 == 0x2000, "derive: fixed bits copied");
}

/* Each refusal takes the Skylake MSRs, breaks one thing, and expects a reason. */
static void expect_refused(const struct vmx_msrs *m, const char *what)
{
	struct vmx_caps c;
	const char *why;
	int err = derive(m, &c, &why);

	CHECK(err == -EOPNOTSUPP && why && *why, what);
	if (why)
		printf("     (reason given: %s)\n", why);
}

static void test_derive_refusals(void)
{
	struct vmx_msrs m;

	m = skylake; m.basic = 0;
	expect_refused(&m, "refuse: BASIC reads 0");
	m = skylake; m.basic &= ~(0xfULL << 50);
	expect_refused(&m, "refuse: VMCS memory type not write-back");
	m = skylake; m.basic |= 0x1fffULL << 32;
	expect_refused(&m, "refuse: VMCS region over 4 KiB");
	m = skylake; m.basic |= BIT64(48);
	expect_refused(&m, "refuse: 32-bit physical addresses only");
	m = skylake; m.pin_ctls &= ~(BIT64(32 + 3));
	expect_refused(&m, "refuse: no NMI exiting");
	m = skylake; m.proc_ctls &= ~(BIT64(32 + 7));
	expect_refused(&m, "refuse: no HLT exiting");
	m = skylake; m.proc_ctls &= ~(BIT64(32 + 23));
	expect_refused(&m, "refuse: no MOV-DR exiting");
	m = skylake; m.proc_ctls &= ~(BIT64(32 + 31));
	m.proc2_ctls = 0;
	expect_refused(&m, "refuse: no secondary controls");
	m = skylake; m.proc2_ctls &= ~(BIT64(32 + 1));
	expect_refused(&m, "refuse: no EPT");
	m = skylake; m.proc2_ctls &= ~(BIT64(32 + 7));
	expect_refused(&m, "refuse: no unrestricted guest");
	m = skylake; m.exit_ctls &= ~(BIT64(32 + 9));
	expect_refused(&m, "refuse: cannot exit to a 64-bit host");
	m = skylake; m.entry_ctls &= ~(BIT64(32 + 15));
	expect_refused(&m, "refuse: cannot load guest EFER");
	m = skylake; m.entry_ctls &= ~(BIT64(32 + 9));
	expect_refused(&m, "refuse: no IA-32e mode guest");
	m = skylake; m.ept_vpid &= ~BIT64(6);
	expect_refused(&m, "refuse: EPT without a 4-level walk");
	m = skylake; m.ept_vpid &= ~BIT64(14);
	expect_refused(&m, "refuse: EPT without write-back");
	m = skylake; m.ept_vpid &= ~BIT64(20);
	expect_refused(&m, "refuse: no INVEPT");
	m = skylake; m.ept_vpid &= ~(BIT64(25) | BIT64(26));
	expect_refused(&m, "refuse: INVEPT with no usable type");
	/* Issue 9, item 9: a VMXON must be able to drop every stale EPT translation. */
	m = skylake; m.ept_vpid &= ~BIT64(26);
	expect_refused(&m, "refuse: single-context INVEPT alone (no flush at VMXON)");
	/* Issue 9, item 9: INS/OUTS need their instruction information. */
	m = skylake; m.basic &= ~BIT64(54);
	expect_refused(&m, "refuse: no INS/OUTS instruction information");
	/* Issue 9, item 4: without CR8 exiting the guest writes the host's TPR. */
	m = skylake; m.proc_ctls &= ~(BIT64(32 + 19));
	expect_refused(&m, "refuse: no CR8-load exiting");
	m = skylake; m.proc_ctls &= ~(BIT64(32 + 11));
	expect_refused(&m, "refuse: no RDPMC exiting");
	m = skylake; m.proc2_ctls &= ~(BIT64(32 + 6));
	expect_refused(&m, "refuse: no WBINVD exiting");
	/* Issue 9, item 9: the guest must not run under the host's DR7. */
	m = skylake; m.entry_ctls &= ~(BIT64(32 + 2));
	expect_refused(&m, "refuse: cannot load guest debug controls");
	m = skylake; m.exit_ctls &= ~(BIT64(32 + 2));
	expect_refused(&m, "refuse: cannot save guest debug controls");
}

static void test_derive_degrades(void)
{
	struct vmx_msrs m = skylake;
	struct vmx_caps c;
	const char *why;

	m = skylake;
	m.ept_vpid &= ~BIT64(25);
	CHECK(derive(&m, &c, &why) == 0 && !vmx_has_invept_single(&c),
	      "degrade: all-context INVEPT alone is enough");

	m = skylake;
	m.pin_ctls &= ~BIT64(32 + 5);
	CHECK(derive(&m, &c, &why) == 0 && !(c.pin_ctls & PIN_VIRTUAL_NMIS) &&
	      !c.can_nmi_window, "degrade: no virtual NMIs, no NMI window");

	/* Without TRUE controls the default-1 CR3 exiting bits must stay set. */
	m = skylake;
	m.basic &= ~BIT64(55);
	m.proc_ctls = 0xfff9fffe0401e172ULL;
	CHECK(derive(&m, &c, &why) == 0 && !c.true_ctls &&
	      (c.proc_ctls & PROC_CR3_LOAD_EXITING),
	      "degrade: default controls keep their default-1 bits");
}

/* Issue 10: PAUSE-loop exiting and the VMX-preemption timer, derived like the rest. */
static void test_derive_spin_exits(void)
{
	struct vmx_msrs m;
	struct vmx_caps c;
	const char *why;

	CHECK(derive(&skylake, &c, &why) == 0 && vmx_has_ple(&c),
	      "spin: PAUSE-loop exiting on where offered, as KVM");
	CHECK(c.proc_ctls & PROC_USE_TSC_OFFSETTING, "spin: TSC offsetting on (TSC_ADJUST)");
	CHECK(c.can_preemption_timer && !(c.pin_ctls & PIN_PREEMPTION_TIMER),
	      "spin: preemption timer available, off in the base controls");
	CHECK(c.preemption_timer_rate == 7, "spin: timer rate from IA32_VMX_MISC[4:0]");

	m = skylake;
	m.proc2_ctls &= ~BIT64(32 + 10);
	CHECK(derive(&m, &c, &why) == 0 && !vmx_has_ple(&c),
	      "spin: no PAUSE-loop exiting, still accepted");
	m = skylake;
	m.pin_ctls &= ~BIT64(32 + 6);
	CHECK(derive(&m, &c, &why) == 0 && !c.can_preemption_timer,
	      "spin: no preemption timer, still accepted");
	m = skylake;
	m.cpuid_1_eax = 0x000106a5;	/* Xeon 5500 D0: timer erratum AAK139 */
	CHECK(derive(&m, &c, &why) == 0 && !c.can_preemption_timer,
	      "spin: no preemption timer on a CPU with the timer erratum, as KVM");
	m.cpuid_1_eax = 0xf00106a5 | (3U << 14);
	CHECK(derive(&m, &c, &why) == 0 && !c.can_preemption_timer,
	      "spin: erratum signature matched with reserved bits set");
	m.cpuid_1_eax = 0x000306a9;	/* Ivy Bridge, another stepping */
	CHECK(derive(&m, &c, &why) == 0 && c.can_preemption_timer,
	      "spin: timer kept on a stepping without the erratum");
	m = skylake;
	m.proc_ctls &= ~BIT64(32 + 3);
	expect_refused(&m, "refuse: no TSC offsetting");
	CHECK(derive(&m, &c, &why) && why && strstr(why, "TSC offsetting"),
	      "refuse: the reason names TSC offsetting");
}

/* Issue 14: CR3-load exiting for --trace-cr3, off in the base controls, and the target count. */
static void test_derive_cr3_trace(void)
{
	struct vmx_msrs m;
	struct vmx_caps c;
	const char *why;

	CHECK(derive(&skylake, &c, &why) == 0 && c.can_cr3_load_exiting &&
	      !(c.proc_ctls & PROC_CR3_LOAD_EXITING), "cr3: load exiting available, off with EPT");
	CHECK(c.cr3_targets == 4, "cr3: 4 CR3-target values from IA32_VMX_MISC[24:16]");
	m = skylake;
	m.misc = (m.misc & ~(0x1ffULL << 16)) | (9ULL << 16);
	CHECK(derive(&m, &c, &why) == 0 && c.cr3_targets == 4, "cr3: more targets: 4 used");
	m.misc &= ~(0x1ffULL << 16);
	CHECK(derive(&m, &c, &why) == 0 && c.cr3_targets == 0, "cr3: no targets: every load exits");
	m = skylake;
	m.proc_ctls &= ~BIT64(32 + 15);
	CHECK(derive(&m, &c, &why) == 0 && !c.can_cr3_load_exiting,
	      "cr3: no load exiting offered: no tracing, still accepted");
}

int main(void)
{
	test_adjust();
	test_fixed();
	test_derive_skylake();
	test_derive_refusals();
	test_derive_degrades();
	test_derive_spin_exits();
	test_derive_cr3_trace();
	return unit_done("test_caps");
}
