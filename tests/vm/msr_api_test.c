// SPDX-License-Identifier: GPL-2.0
/*
 * msr_api_test DEV LABEL: the MSR ioctls of issue 12, which KVM's
 * selftests use to save and restore a vCPU and to read feature MSRs.
 * The expectations are KVM 6.1's: the same program runs on /dev/kvm
 * (t_api.sh), and LABEL names the device.  Each check guards:
 *   cap_get_msr_features   KVM_CHECK_EXTENSION(KVM_CAP_GET_MSR_FEATURES) is 1
 *   msr_list_*, feature_list_*
 *                          the two system lists: E2BIG with the true count
 *                          written back when the room is short, the list
 *                          when it is not, nothing written past it; the
 *                          MSRs both devices must list (kvmini lists fewer
 *                          than KVM: only those, the rest is not compared)
 *   sys_get_msrs_*         KVM_GET_MSRS on the system fd: the feature list
 *                          reads whole, a batch stops at the first MSR not
 *                          in it, the vCPU's ARCH_CAPABILITIES starts at
 *                          the feature value
 *   get_msrs_list, set_msrs_common_back
 *                          what vcpu_save_state/vcpu_load_state do: the
 *                          whole list read in one batch, the common part
 *                          written back as read
 *   roundtrip_*            SET then GET of each common MSR (and EFER,
 *                          FS_BASE, APIC_BASE) with a value KVM takes too
 *   refused_*              a value KVM refuses: SET does 0 MSRs and the
 *                          MSR keeps its value (no bad value reaches the
 *                          VMCS); SYSENTER addresses made canonical instead
 *   batch_*, nmsrs_*       processing stops at the first failure and says
 *                          how far it got; an unknown MSR reads as 0 as it
 *                          stops a GET; nmsrs of 256 and more is E2BIG; 0
 *                          does nothing; bad pointers are EFAULT
 *   host_*                 what the VMM may do and the guest may not:
 *                          unlock FEATURE_CONTROL, set PLATFORM_INFO, but
 *                          not take CPUID faulting away while it is on; a
 *                          TSC write leaves TSC_ADJUST alone
 *   guest_rdmsr_*          a guest's RDMSR returns what KVM_SET_MSRS set:
 *                          the value reached the guest, not just the ioctl
 *   guest_wrmsr_*          KVM_GET_MSRS returns what the guest's WRMSR wrote
 *   cap_platform_info, platform_info_*
 *                          KVM_CAP_MSR_PLATFORM_INFO (issue 12, KVM's
 *                          platform_info_test): off, the guest's RDMSR
 *                          faults and the VMM's does not
 */
#include <stdbool.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "ktest.h"
#include "rmvm.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define MSR_TSC			0x10
#define MSR_PLATFORM_ID		0x17
#define MSR_APIC_BASE		0x1b
#define MSR_FEAT_CTL		0x3a
#define MSR_TSC_ADJUST		0x3b
#define MSR_SMI_COUNT		0x34
#define MSR_UCODE_REV		0x8b
#define MSR_PERF_CAPS		0x345
#define MSR_ARCH_CAPS		0x10a
#define MSR_PLATFORM_INFO	0xce
#define MSR_MISC_FEATURES	0x140
#define MSR_SYSENTER_CS		0x174
#define MSR_SYSENTER_ESP	0x175
#define MSR_SYSENTER_EIP	0x176
#define MSR_MCG_CAP		0x179
#define MSR_MCG_STATUS		0x17a
#define MSR_MISC_ENABLE		0x1a0
#define MSR_MTRR_DEF_TYPE	0x2ff
#define MSR_PAT			0x277
#define MSR_MC0_CTL		0x400
#define MSR_POWER_CTL		0x1fc
#define MSR_EFER		0xc0000080
#define MSR_STAR		0xc0000081
#define MSR_LSTAR		0xc0000082
#define MSR_CSTAR		0xc0000083
#define MSR_SYSCALL_MASK	0xc0000084
#define MSR_FS_BASE		0xc0000100
#define MSR_KERNEL_GS_BASE	0xc0000102
/* No CPU has it and KVM handles nothing there. */
#define MSR_UNKNOWN		0xdeadbeef

#define CPUID_FAULT		(1ULL << 31)
#define CPUID_MAX		256
#define MAX_IO_MSRS		256	/* KVM's limit: nmsrs must stay below it */
#define LIST_MAX		1024

/* The MSRs both devices list: kvmini's whole list, a part of KVM's. */
static const uint32_t common[] = {
	MSR_SYSENTER_CS, MSR_SYSENTER_ESP, MSR_SYSENTER_EIP, MSR_STAR, MSR_CSTAR,
	MSR_KERNEL_GS_BASE, MSR_SYSCALL_MASK, MSR_LSTAR, MSR_TSC, MSR_PAT, MSR_FEAT_CTL,
	MSR_TSC_ADJUST, MSR_ARCH_CAPS, MSR_PERF_CAPS, MSR_MISC_ENABLE, MSR_MCG_STATUS,
	MSR_SMI_COUNT, MSR_PLATFORM_INFO, MSR_MISC_FEATURES, MSR_POWER_CTL, MSR_UCODE_REV,
};

static const uint32_t common_features[] = { MSR_UCODE_REV, MSR_ARCH_CAPS, MSR_PERF_CAPS };

struct msrs {
	struct kvm_msrs h;
	struct kvm_msr_entry e[MAX_IO_MSRS + 1];
};

struct msr_list {
	struct kvm_msr_list h;
	uint32_t idx[LIST_MAX];
};

static struct msrs io;
static const char *dev_path;

/* Where KVM's later kernels answer otherwise, kvmini is held to 6.1's answer. */
static bool on_kvmini(void)
{
	return strstr(dev_path, "kvmini") != NULL;
}


/* One batch of @n MSRs, data from @vals (NULL: zeros). Returns the ioctl's result. */
static int batch(int fd, unsigned long req, const uint32_t *idx, const uint64_t *vals,
		 unsigned int n)
{
	unsigned int i;

	memset(&io, 0, sizeof(io));
	io.h.nmsrs = n;
	for (i = 0; i < n; i++) {
		io.e[i].index = idx[i];
		io.e[i].data = vals ? vals[i] : 0;
	}
	return ioctl(fd, req, &io);
}

static int set_msr(int fd, uint32_t msr, uint64_t val)
{
	return batch(fd, KVM_SET_MSRS, &msr, &val, 1);
}

/* The value, or ~0 with a line saying why it could not be read. */
static uint64_t get_msr(int fd, uint32_t msr)
{
	int r = batch(fd, KVM_GET_MSRS, &msr, NULL, 1);

	if (r != 1) {
		printf("     GET of %#x returned %d\n", msr, r);
		return ~0ULL;
	}
	return io.e[0].data;
}

static bool in_list(const struct msr_list *l, uint32_t msr)
{
	unsigned int i;

	for (i = 0; i < l->h.nmsrs && i < LIST_MAX; i++)
		if (l->idx[i] == msr)
			return true;
	return false;
}

/* Every one of @want in @l; names the first missing. */
static bool has_all(const struct msr_list *l, const uint32_t *want, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!in_list(l, want[i])) {
			printf("     MSR %#x is not listed\n", want[i]);
			return false;
		}
	return true;
}

static bool no_duplicates(const struct msr_list *l)
{
	unsigned int i, j;

	for (i = 0; i < l->h.nmsrs && i < LIST_MAX; i++)
		for (j = i + 1; j < l->h.nmsrs && j < LIST_MAX; j++)
			if (l->idx[i] == l->idx[j])
				return false;
	return true;
}

/* KVM_GET_MSR_INDEX_LIST or KVM_GET_MSR_FEATURE_INDEX_LIST into @l, checking the protocol. */
static bool get_list(int sys, unsigned long req, const char *name, struct msr_list *l)
{
	char what[64];
	uint32_t n;
	unsigned int i;
	bool untouched = true;
	int r;

	memset(l, 0, sizeof(*l));
	snprintf(what, sizeof(what), "%s_e2big", name);
	KTEST_ERRNO(what, ioctl(sys, req, l), E2BIG);
	n = l->h.nmsrs;
	snprintf(what, sizeof(what), "%s_count_written_back", name);
	KTEST_CHECK(what, n > 0 && n + 8 <= LIST_MAX);
	if (!n || n + 8 > LIST_MAX)
		return false;
	l->h.nmsrs = n - 1;
	snprintf(what, sizeof(what), "%s_short_e2big", name);
	r = ioctl(sys, req, l);
	KTEST_CHECK(what, r == -1 && errno == E2BIG && l->h.nmsrs == n);

	memset(l->idx, 0xa5, sizeof(l->idx));
	l->h.nmsrs = n + 8;
	r = ioctl(sys, req, l);
	for (i = n; i < n + 8; i++)
		untouched &= l->idx[i] == 0xa5a5a5a5;
	snprintf(what, sizeof(what), "%s", name);
	KTEST_CHECK(what, r == 0 && l->h.nmsrs == n);
	snprintf(what, sizeof(what), "%s_rest_untouched", name);
	KTEST_CHECK(what, untouched);
	snprintf(what, sizeof(what), "%s_no_duplicates", name);
	KTEST_CHECK(what, no_duplicates(l));
	snprintf(what, sizeof(what), "%s_bad_pointer", name);
	KTEST_ERRNO(what, ioctl(sys, req, (void *)8), EFAULT);
	return r == 0;
}

static void test_system(int sys, struct msr_list *list, struct msr_list *features)
{
	static const uint32_t mixed[] = { MSR_ARCH_CAPS, MSR_LSTAR, MSR_UCODE_REV };
	int r;

	KTEST_CHECK("cap_get_msr_features",
		    ioctl(sys, KVM_CHECK_EXTENSION, KVM_CAP_GET_MSR_FEATURES) == 1);
	if (get_list(sys, KVM_GET_MSR_INDEX_LIST, "msr_list", list))
		KTEST_CHECK("msr_list_has_common", has_all(list, common, ARRAY_SIZE(common)));
	else
		list->h.nmsrs = 0;
	if (get_list(sys, KVM_GET_MSR_FEATURE_INDEX_LIST, "feature_list", features)) {
		KTEST_CHECK("feature_list_has_common",
			    has_all(features, common_features, ARRAY_SIZE(common_features)));
		r = batch(sys, KVM_GET_MSRS, features->idx, NULL, features->h.nmsrs);
		KTEST_CHECK("sys_get_msrs_features", r == (int)features->h.nmsrs);
	}
	/*
	 * KVM 6.1, and kvmini, stop at an MSR that is no feature MSR; later
	 * kernels (6.12, seen in Bochs) read one they list for save and
	 * restore, as LSTAR, as 0 and go on.
	 */
	r = batch(sys, KVM_GET_MSRS, mixed + 1, NULL, 1);
	KTEST_CHECK("sys_get_msrs_not_feature", r == 0 || (!on_kvmini() && r == 1));
	r = batch(sys, KVM_GET_MSRS, mixed, NULL, 3);
	KTEST_CHECK("sys_get_msrs_stops_at_not_feature", r == 1 || (!on_kvmini() && r == 3));
	KTEST_CHECK("sys_get_msrs_none", batch(sys, KVM_GET_MSRS, mixed, NULL, 0) == 0);
	io.h.nmsrs = MAX_IO_MSRS;
	KTEST_ERRNO("sys_get_msrs_256", ioctl(sys, KVM_GET_MSRS, &io), E2BIG);
	KTEST_ERRNO("sys_get_msrs_bad_pointer", ioctl(sys, KVM_GET_MSRS, (void *)8), EFAULT);
}

/* The supported CPUID without VMX, as a VMM without nested guests sets it. */
static int set_vmm_cpuid(int sys, int vcpu, bool *tsc_adjust)
{
	static struct { struct kvm_cpuid2 c; struct kvm_cpuid_entry2 e[CPUID_MAX]; } t;
	unsigned int i;

	t.c.nent = CPUID_MAX;
	if (ioctl(sys, KVM_GET_SUPPORTED_CPUID, &t))
		return -1;
	*tsc_adjust = false;
	for (i = 0; i < t.c.nent; i++) {
		if (t.e[i].function == 1)
			t.e[i].ecx &= ~(1U << 5);
		if (t.e[i].function == 7 && t.e[i].index == 0)
			*tsc_adjust = t.e[i].ebx & (1U << 1);
	}
	return ioctl(vcpu, KVM_SET_CPUID2, &t);
}

/* What a restore does: the whole list read in one batch, written back. */
static void test_save_restore(int vcpu, const struct msr_list *list)
{
	static uint64_t vals[ARRAY_SIZE(common)];
	unsigned int n = list->h.nmsrs < MAX_IO_MSRS ? list->h.nmsrs : MAX_IO_MSRS - 1;
	unsigned int i;
	int r;

	r = batch(vcpu, KVM_GET_MSRS, list->idx, NULL, n);
	KTEST_CHECK("get_msrs_list", r == (int)n);
	if (r != (int)n && r >= 0 && (unsigned int)r < n)
		printf("     stopped at %#x\n", list->idx[r]);
	/*
	 * KVM without an in-kernel APIC refuses some of its paravirtual MSRs
	 * even as read: only the common part goes back.
	 */
	r = batch(vcpu, KVM_GET_MSRS, common, NULL, ARRAY_SIZE(common));
	for (i = 0; i < ARRAY_SIZE(common); i++)
		vals[i] = io.e[i].data;
	KTEST_CHECK("get_msrs_common", r == (int)ARRAY_SIZE(common));
	r = batch(vcpu, KVM_SET_MSRS, common, vals, ARRAY_SIZE(common));
	KTEST_CHECK("set_msrs_common_back", r == (int)ARRAY_SIZE(common));
	if (r >= 0 && r < (int)ARRAY_SIZE(common))
		printf("     stopped at %#x\n", common[r]);
}

struct trip {
	const char *name;
	uint32_t msr;
	uint64_t val;
};

/* Values KVM 6.1 takes from the VMM as well. */
static const struct trip trips[] = {
	{ "roundtrip_sysenter_cs", MSR_SYSENTER_CS, 0x10 },
	{ "roundtrip_sysenter_esp", MSR_SYSENTER_ESP, 0xffffffff81234560ULL },
	{ "roundtrip_sysenter_eip", MSR_SYSENTER_EIP, 0xffffffff81000000ULL },
	{ "roundtrip_star", MSR_STAR, 0x0023001000000000ULL },
	{ "roundtrip_cstar", MSR_CSTAR, 0xffffffff81000100ULL },
	{ "roundtrip_kernel_gs_base", MSR_KERNEL_GS_BASE, 0xffff888000001000ULL },
	{ "roundtrip_syscall_mask", MSR_SYSCALL_MASK, 0x47700 },
	{ "roundtrip_lstar", MSR_LSTAR, 0xffffffff81000200ULL },
	{ "roundtrip_pat", MSR_PAT, 0x0007010600070106ULL },
	{ "roundtrip_feat_ctl", MSR_FEAT_CTL, 1 },
	{ "roundtrip_arch_caps_0", MSR_ARCH_CAPS, 0 },
	{ "roundtrip_perf_caps_0", MSR_PERF_CAPS, 0 },
	{ "roundtrip_misc_enable", MSR_MISC_ENABLE, 0x1801 },
	{ "roundtrip_mcg_status", MSR_MCG_STATUS, 5 },
	{ "roundtrip_smi_count", MSR_SMI_COUNT, 7 },
	{ "roundtrip_platform_info", MSR_PLATFORM_INFO, CPUID_FAULT | 0xff00 },
	{ "roundtrip_misc_features", MSR_MISC_FEATURES, 1 },
	{ "roundtrip_misc_features_off", MSR_MISC_FEATURES, 0 },
	{ "roundtrip_power_ctl", MSR_POWER_CTL, 0x12345 },
	{ "roundtrip_ucode_rev", MSR_UCODE_REV, 0x4200000000ULL },
	{ "roundtrip_efer_sce", MSR_EFER, 1 },
	{ "roundtrip_fs_base", MSR_FS_BASE, 0x00007f0000001000ULL },
	{ "roundtrip_mtrr_def_type", MSR_MTRR_DEF_TYPE, 0xc06 },
	{ "roundtrip_mc0_status", MSR_MC0_CTL + 1, 0xb200000000000005ULL },
	{ "roundtrip_apic_base", MSR_APIC_BASE, 0xfee00900 },
};

/* Values KVM 6.1 refuses from the VMM too. */
static const struct trip refused[] = {
	{ "refused_pat_type_2", MSR_PAT, 0x0007040600070402ULL },
	{ "refused_lstar_noncanonical", MSR_LSTAR, 0x0000800000000000ULL },
	{ "refused_kernel_gs_base_noncanonical", MSR_KERNEL_GS_BASE, 0x8000000000000000ULL },
	{ "refused_fs_base_noncanonical", MSR_FS_BASE, 0x0001000000000000ULL },
	{ "refused_efer_reserved", MSR_EFER, 2 },
	{ "refused_misc_features_bit_1", MSR_MISC_FEATURES, 2 },
	{ "refused_mtrr_def_type_reserved", MSR_MTRR_DEF_TYPE, 0x1006 },
	{ "refused_mc0_ctl_some_bits", MSR_MC0_CTL, 5 },
	{ "refused_mcg_cap", MSR_MCG_CAP, 0 },
	{ "refused_platform_id", MSR_PLATFORM_ID, 0 },
};

static void test_values(int vcpu)
{
	uint64_t before, got;
	unsigned int i;
	int r;

	for (i = 0; i < ARRAY_SIZE(trips); i++) {
		r = set_msr(vcpu, trips[i].msr, trips[i].val);
		got = get_msr(vcpu, trips[i].msr);
		if (r == 1 && got == trips[i].val)
			ktest_pass(trips[i].name);
		else
			ktest_fail(trips[i].name, "SET returned %d, read %#llx back, want %#llx", r,
				   (unsigned long long)got, (unsigned long long)trips[i].val);
	}
	for (i = 0; i < ARRAY_SIZE(refused); i++) {
		before = get_msr(vcpu, refused[i].msr);
		r = set_msr(vcpu, refused[i].msr, refused[i].val);
		got = get_msr(vcpu, refused[i].msr);
		if (r == 0 && got == before)
			ktest_pass(refused[i].name);
		else
			ktest_fail(refused[i].name, "SET returned %d, %#llx became %#llx", r,
				   (unsigned long long)before, (unsigned long long)got);
	}
	/*
	 * FEATURE_CONTROL's VMX bit without VMX in the CPUID: KVM 6.1, and
	 * kvmini, refuse it; 6.12 lets the VMM set it (seen in Bochs).
	 */
	before = get_msr(vcpu, MSR_FEAT_CTL);
	r = set_msr(vcpu, MSR_FEAT_CTL, 5);
	got = get_msr(vcpu, MSR_FEAT_CTL);
	if ((r == 0 && got == before) || (!on_kvmini() && r == 1 && got == 5))
		ktest_pass("refused_feat_ctl_vmx");
	else
		ktest_fail("refused_feat_ctl_vmx", "SET returned %d, %#llx became %#llx", r,
			   (unsigned long long)before, (unsigned long long)got);
	/* KVM makes these canonical rather than refusing them (AMD lets a guest write them). */
	r = set_msr(vcpu, MSR_SYSENTER_EIP, 0x0000900000000000ULL);
	KTEST_CHECK("refused_sysenter_eip_made_canonical",
		    r == 1 && get_msr(vcpu, MSR_SYSENTER_EIP) == 0xffff900000000000ULL);
	r = set_msr(vcpu, MSR_SYSENTER_CS, 0x100000010ULL);
	KTEST_CHECK("refused_sysenter_cs_32_bits",
		    r == 1 && get_msr(vcpu, MSR_SYSENTER_CS) == 0x10);
}

static void test_batches(int vcpu)
{
	const uint32_t stop_set[] = { MSR_STAR, MSR_PAT, MSR_SYSENTER_CS };
	const uint64_t stop_vals[] = { 0x0033002000000000ULL, 2, 0x18 };
	const uint32_t stop_get[] = { MSR_TSC, MSR_UNKNOWN, MSR_PAT };
	uint64_t cs = get_msr(vcpu, MSR_SYSENTER_CS);
	unsigned char *p;
	unsigned int i;
	int r;

	r = batch(vcpu, KVM_SET_MSRS, stop_set, stop_vals, 3);
	KTEST_CHECK("batch_set_stops_at_refused", r == 1);
	KTEST_CHECK("batch_set_did_first", get_msr(vcpu, MSR_STAR) == stop_vals[0]);
	KTEST_CHECK("batch_set_left_rest", get_msr(vcpu, MSR_SYSENTER_CS) == cs);

	memset(&io, 0, sizeof(io));
	io.h.nmsrs = 3;
	io.e[0].index = stop_get[0];
	io.e[1].index = stop_get[1];
	io.e[1].data = 0x1234;
	io.e[2].index = stop_get[2];
	io.e[2].data = 0x5678;
	r = ioctl(vcpu, KVM_GET_MSRS, &io);
	KTEST_CHECK("batch_get_stops_at_unknown", r == 1);
	KTEST_CHECK("batch_get_unknown_reads_0", io.e[1].data == 0);
	KTEST_CHECK("batch_get_rest_as_given", io.e[2].data == 0x5678);
	KTEST_CHECK("batch_set_stops_at_unknown",
		    batch(vcpu, KVM_SET_MSRS, stop_get + 1, stop_vals, 1) == 0);

	KTEST_CHECK("nmsrs_0", batch(vcpu, KVM_GET_MSRS, stop_get, NULL, 0) == 0);
	memset(&io, 0, sizeof(io));
	for (i = 0; i < MAX_IO_MSRS; i++)
		io.e[i].index = MSR_TSC;
	io.h.nmsrs = MAX_IO_MSRS - 1;
	KTEST_CHECK("nmsrs_255", ioctl(vcpu, KVM_GET_MSRS, &io) == MAX_IO_MSRS - 1);
	io.h.nmsrs = MAX_IO_MSRS;
	KTEST_ERRNO("nmsrs_256_get", ioctl(vcpu, KVM_GET_MSRS, &io), E2BIG);
	KTEST_ERRNO("nmsrs_256_set", ioctl(vcpu, KVM_SET_MSRS, &io), E2BIG);
	io.h.nmsrs = 0x80000000U;
	KTEST_ERRNO("nmsrs_huge", ioctl(vcpu, KVM_SET_MSRS, &io), E2BIG);
	KTEST_ERRNO("nmsrs_bad_pointer", ioctl(vcpu, KVM_GET_MSRS, (void *)8), EFAULT);

	/* The header readable, the entries it announces past the end of the mapping. */
	p = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p != MAP_FAILED) {
		struct kvm_msrs *h = (void *)(p + 4096 - sizeof(*h) - sizeof(struct kvm_msr_entry));

		mprotect(p + 4096, 4096, PROT_NONE);
		h->nmsrs = 4;
		h->entries[0].index = MSR_TSC;
		KTEST_ERRNO("nmsrs_entries_fault", ioctl(vcpu, KVM_GET_MSRS, h), EFAULT);
		munmap(p, 2 * 4096);
	}
}

static void test_host_rules(int vcpu, bool tsc_adjust)
{
	const uint64_t t = 1ULL << 50;
	uint64_t adj, tsc;

	KTEST_CHECK("host_feat_ctl_lock", set_msr(vcpu, MSR_FEAT_CTL, 1) == 1);
	KTEST_CHECK("host_feat_ctl_unlock",
		    set_msr(vcpu, MSR_FEAT_CTL, 0) == 1 && get_msr(vcpu, MSR_FEAT_CTL) == 0);

	KTEST_CHECK("host_platform_info_no_faulting", set_msr(vcpu, MSR_PLATFORM_INFO, 0) == 1);
	KTEST_CHECK("host_misc_features_needs_platform_info",
		    set_msr(vcpu, MSR_MISC_FEATURES, 1) == 0);
	KTEST_CHECK("host_platform_info_faulting",
		    set_msr(vcpu, MSR_PLATFORM_INFO, CPUID_FAULT) == 1 &&
		    set_msr(vcpu, MSR_MISC_FEATURES, 1) == 1);
	KTEST_CHECK("host_platform_info_kept_while_faulting",
		    set_msr(vcpu, MSR_PLATFORM_INFO, 0) == 0 &&
		    get_msr(vcpu, MSR_PLATFORM_INFO) == CPUID_FAULT);
	set_msr(vcpu, MSR_MISC_FEATURES, 0);

	/* Where the vCPU's CPUID lacks TSC_ADJUST, KVM drops the write. */
	KTEST_CHECK("host_tsc_adjust",
		    set_msr(vcpu, MSR_TSC_ADJUST, 1ULL << 40) == 1 &&
		    get_msr(vcpu, MSR_TSC_ADJUST) == (tsc_adjust ? 1ULL << 40 : 0));
	adj = get_msr(vcpu, MSR_TSC_ADJUST);
	KTEST_CHECK("host_tsc_set", set_msr(vcpu, MSR_TSC, t) == 1);
	tsc = get_msr(vcpu, MSR_TSC);
	KTEST_CHECK("host_tsc_reads_back", tsc >= t && tsc - t < (1ULL << 40));
	KTEST_CHECK("host_tsc_leaves_tsc_adjust", get_msr(vcpu, MSR_TSC_ADJUST) == adj);
	if (tsc_adjust) {
		set_msr(vcpu, MSR_TSC_ADJUST, 0);
		tsc = get_msr(vcpu, MSR_TSC);
		KTEST_CHECK("host_tsc_adjust_leaves_tsc", tsc >= t && tsc - t < (1ULL << 40));
	}
}

#define GP_HANDLER	0xf00

/* rdmsr; hlt at 0x1000, wrmsr; hlt at 0x1008: ECX, EAX and EDX from KVM_SET_REGS. */
static const unsigned char msr_guest[] = {
	0x0f, 0x32, 0xf4, 0x90, 0x90, 0x90, 0x90, 0x90,
	0x0f, 0x30, 0xf4,
};

/* One RDMSR (@write false) or WRMSR by the guest. Returns 0 with EDX:EAX in *@val. */
static int guest_msr(struct onevm *v, bool write, uint32_t msr, uint64_t *val)
{
	struct kvm_regs regs = {
		.rip = RMVM_ENTRY + (write ? 8 : 0), .rsp = RMVM_STACK, .rflags = 2,
		.rcx = msr, .rax = (uint32_t)*val, .rdx = *val >> 32,
	};

	if (ioctl(v->vcpu, KVM_SET_REGS, &regs) || ioctl(v->vcpu, KVM_RUN, 0) ||
	    v->run->exit_reason != KVM_EXIT_HLT || ioctl(v->vcpu, KVM_GET_REGS, &regs))
		return -1;
	if (regs.rip != RMVM_ENTRY + (write ? 11 : 3))
		return -1;	/* a #GP: real mode goes through the IVT */
	*val = (uint32_t)regs.rax | (regs.rdx << 32);
	return 0;
}

/*
 * KVM_CAP_MSR_PLATFORM_INFO (KVM's platform_info_test): on by default;
 * off, the guest's RDMSR of PLATFORM_INFO is a #GP and the VMM's reads
 * still work; on again, the guest reads it.
 */
static void test_platform_info_cap(int sys, struct onevm *v)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_MSR_PLATFORM_INFO };
	uint64_t val = 0;

	KTEST_CHECK("cap_platform_info", ioctl(sys, KVM_CHECK_EXTENSION, KVM_CAP_MSR_PLATFORM_INFO) == 1);
	KTEST_CHECK("platform_info_guest_reads_by_default",
		    !guest_msr(v, false, MSR_PLATFORM_INFO, &val));
	KTEST_CHECK("platform_info_cap_off", !ioctl(v->fd, KVM_ENABLE_CAP, &cap));
	KTEST_CHECK("platform_info_off_guest_gp", guest_msr(v, false, MSR_PLATFORM_INFO, &val));
	KTEST_CHECK("platform_info_off_vmm_reads", get_msr(v->vcpu, MSR_PLATFORM_INFO) != ~0ULL);
	cap.args[0] = 1;
	KTEST_CHECK("platform_info_cap_on", !ioctl(v->fd, KVM_ENABLE_CAP, &cap));
	KTEST_CHECK("platform_info_on_guest_reads", !guest_msr(v, false, MSR_PLATFORM_INFO, &val));
}

static void test_guest(int sys)
{
	static const struct trip seen[] = {
		{ "guest_rdmsr_lstar", MSR_LSTAR, 0xffffffff81000300ULL },
		{ "guest_rdmsr_sysenter_eip", MSR_SYSENTER_EIP, 0xffffffff81000400ULL },
		{ "guest_rdmsr_misc_enable", MSR_MISC_ENABLE, 0x1800 },
		{ "guest_rdmsr_ucode_rev", MSR_UCODE_REV, 0x4200000000ULL },
		{ "guest_rdmsr_mcg_status", MSR_MCG_STATUS, 4 },
	};
	static const struct trip written[] = {
		{ "guest_wrmsr_lstar", MSR_LSTAR, 0xffffffff81000500ULL },
		{ "guest_wrmsr_sysenter_cs", MSR_SYSENTER_CS, 0x20 },
		{ "guest_wrmsr_mtrr_def_type", MSR_MTRR_DEF_TYPE, 0x806 },
	};
	const uint64_t t = 1ULL << 50;
	struct onevm v;
	bool tsc_adjust;
	unsigned int i;
	uint64_t val;

	if (rmvm_create(&v, dev_path, msr_guest, sizeof(msr_guest), 0) ||
	    set_vmm_cpuid(sys, v.vcpu, &tsc_adjust)) {
		ktest_fail("guest_setup", "%s", strerrorname_np(errno));
		onevm_destroy(&v);
		return;
	}
	/* Every real-mode vector to a hlt of its own: a #GP shows as a RIP, not a loop. */
	v.mem[GP_HANDLER] = 0xf4;
	for (i = 0; i < 32; i++) {
		v.mem[4 * i] = GP_HANDLER & 0xff;
		v.mem[4 * i + 1] = GP_HANDLER >> 8;
	}
	for (i = 0; i < ARRAY_SIZE(seen); i++) {
		val = 0;
		if (set_msr(v.vcpu, seen[i].msr, seen[i].val) != 1 ||
		    guest_msr(&v, false, seen[i].msr, &val))
			ktest_fail(seen[i].name, "SET or the guest's RDMSR failed");
		else if (val != seen[i].val)
			ktest_fail(seen[i].name, "guest read %#llx, want %#llx",
				   (unsigned long long)val, (unsigned long long)seen[i].val);
		else
			ktest_pass(seen[i].name);
	}
	val = 0;
	KTEST_CHECK("guest_rdmsr_tsc",
		    set_msr(v.vcpu, MSR_TSC, t) == 1 && !guest_msr(&v, false, MSR_TSC, &val) &&
		    val >= t && val - t < (1ULL << 40));
	for (i = 0; i < ARRAY_SIZE(written); i++) {
		val = written[i].val;
		if (guest_msr(&v, true, written[i].msr, &val))
			ktest_fail(written[i].name, "the guest's WRMSR failed");
		else
			KTEST_CHECK(written[i].name, get_msr(v.vcpu, written[i].msr) == written[i].val);
	}
	test_platform_info_cap(sys, &v);
	onevm_destroy(&v);
}

/* A vCPU as KVM's selftests make it: the whole supported CPUID (VMX too, on KVM). */
static void test_vcpu_as_selftests(int sys, int vm, const struct msr_list *list)
{
	static struct { struct kvm_cpuid2 c; struct kvm_cpuid_entry2 e[CPUID_MAX]; } t;
	uint64_t feature;
	int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	uint32_t msr = MSR_ARCH_CAPS;

	t.c.nent = CPUID_MAX;
	if (vcpu < 0 || ioctl(sys, KVM_GET_SUPPORTED_CPUID, &t) || ioctl(vcpu, KVM_SET_CPUID2, &t)) {
		ktest_fail("selftests_vcpu", "%s", strerrorname_np(errno));
		goto out;
	}
	feature = batch(sys, KVM_GET_MSRS, &msr, NULL, 1) == 1 ? io.e[0].data : ~0ULL;
	KTEST_CHECK("sys_get_msrs_arch_caps_is_vcpus", get_msr(vcpu, MSR_ARCH_CAPS) == feature);
	KTEST_CHECK("ucode_rev_at_creation", get_msr(vcpu, MSR_UCODE_REV) == 0x100000000ULL);
	if (list->h.nmsrs)
		test_save_restore(vcpu, list);
out:
	if (vcpu >= 0)
		close(vcpu);
}

/* A vCPU as a VMM without nested guests makes it: no VMX in its CPUID. */
static void test_vcpu(int sys, int vm)
{
	int vcpu = ioctl(vm, KVM_CREATE_VCPU, 1);
	bool tsc_adjust;

	if (vcpu < 0 || set_vmm_cpuid(sys, vcpu, &tsc_adjust)) {
		ktest_fail("vmm_vcpu", "%s", strerrorname_np(errno));
		goto out;
	}
	test_values(vcpu);
	test_batches(vcpu);
	test_host_rules(vcpu, tsc_adjust);
out:
	if (vcpu >= 0)
		close(vcpu);
}

int main(int argc, char **argv)
{
	static struct msr_list list, features;
	static char prefix[64];
	int sys, vm;

	if (argc != 3) {
		fprintf(stderr, "usage: msr_api_test DEV LABEL\n");
		return 2;
	}
	snprintf(prefix, sizeof(prefix), "msr_api.%s.", argv[2]);
	ktest_set_prefix(prefix);
	dev_path = argv[1];
	sys = open(dev_path, O_RDWR);
	if (sys < 0) {
		ktest_fail("open", "%s: %s", dev_path, strerrorname_np(errno));
		return ktest_exit();
	}
	test_system(sys, &list, &features);
	vm = ioctl(sys, KVM_CREATE_VM, 0);
	if (vm < 0) {
		ktest_fail("create_vm", "%s", strerrorname_np(errno));
		return ktest_exit();
	}
	test_vcpu_as_selftests(sys, vm, &list);
	test_vcpu(sys, vm);
	close(vm);
	test_guest(sys);
	close(sys);
	return ktest_exit();
}
