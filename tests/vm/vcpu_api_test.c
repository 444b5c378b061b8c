// SPDX-License-Identifier: GPL-2.0
/*
 * vcpu_api_test DEV LABEL: the VM and vCPU ioctls of the run-guests API
 * with good and bad arguments: memory slots (KVM's create, move, delete
 * and refusal rules), vCPU ids, the mmap of struct kvm_run, SET_SREGS
 * validation, CPUID sizes, KVM_RUN's immediate_exit.  The expectations
 * are KVM's: the same program runs on /dev/kvm (LABEL names the device).
 *
 * Issue 12, what every KVM selftest's VM creation needs, each check named
 * after the ioctl it guards:
 *   get_cpuid2_*      KVM_GET_CPUID2: E2BIG with nent untouched, the table
 *                     as set with its runtime bits (OSXSAVE from CR4, the
 *                     XSAVE sizes of leaf 0xD from XCR0), before and after
 *                     a guest changed them; KVM_SET_CPUID2 after KVM_RUN
 *                     takes the table back
 *   mp_state_*        KVM_GET/SET_MP_STATE without an in-kernel APIC: only
 *                     RUNNABLE, before and after the guest's HLT
 *   boot_cpu_id_*     KVM_SET_BOOT_CPU_ID: which vCPU gets APIC_BASE.BSP;
 *                     EBUSY once a vCPU exists
 *   nr_mmu_pages_*    KVM_SET/GET_NR_MMU_PAGES: EINVAL below 64, the count
 *                     KVM derives from the slots until one is set (GET is
 *                     gone after 6.1: skipped where it answers ENOTTY)
 *   max_vcpu_id_*     KVM_ENABLE_CAP(KVM_CAP_MAX_VCPU_ID): the limit, set
 *                     once, fixed by the first vCPU; KVM_CREATE_VCPU
 *                     honours it
 *   set_cpuid_va_*    KVM_SET_CPUID2 refuses a leaf 0x80000008 whose virtual
 *                     address width is not 0, 48 or 57
 *   tsc_attr_*        KVM_VCPU_TSC_OFFSET (KVM_{HAS,GET,SET}_DEVICE_ATTR):
 *                     errnos, read back, and the guest's RDTSC follows it
 * Where KVM 6.1 and 6.12 answer differently, a check takes either answer
 * (its comment says which).
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <x86intrin.h>
#include <linux/kvm.h>

#include "ktest.h"
#include "rmvm.h"

#define MB (1UL << 20)

#define CPUID_MAX	256

struct cpuid_table {
	struct kvm_cpuid2 c;
	struct kvm_cpuid_entry2 e[CPUID_MAX];
};

static const char *dev;

static int set_slot(int vm, __u32 slot, __u32 flags, __u64 gpa, __u64 size, void *hva)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot, .flags = flags, .guest_phys_addr = gpa,
		.memory_size = size, .userspace_addr = (unsigned long)hva,
	};

	return ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r);
}

static void test_slots(int vm)
{
	char *mem = mmap(NULL, 4 * MB, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	KTEST_CHECK("slot_create", set_slot(vm, 0, 0, 0, 2 * MB, mem) == 0);
	KTEST_CHECK("slot_same_again", set_slot(vm, 0, 0, 0, 2 * MB, mem) == 0);
	KTEST_ERRNO("slot_overlap", set_slot(vm, 1, 0, MB, 2 * MB, mem + 2 * MB), EEXIST);
	KTEST_CHECK("slot_second", set_slot(vm, 1, 0, 4 * MB, 2 * MB, mem + 2 * MB) == 0);
	KTEST_ERRNO("slot_resize", set_slot(vm, 0, 0, 0, MB, mem), EINVAL);
	KTEST_ERRNO("slot_new_hva", set_slot(vm, 0, 0, 0, 2 * MB, mem + 4096), EINVAL);
	KTEST_CHECK("slot_move", set_slot(vm, 0, 0, 8 * MB, 2 * MB, mem) == 0);
	KTEST_ERRNO("slot_move_onto_other", set_slot(vm, 0, 0, 5 * MB, 2 * MB, mem), EEXIST);
	KTEST_ERRNO("slot_readonly_flip", set_slot(vm, 0, KVM_MEM_READONLY, 8 * MB, 2 * MB, mem),
		    EINVAL);
	KTEST_CHECK("slot_delete", set_slot(vm, 0, 0, 0, 0, NULL) == 0);
	KTEST_ERRNO("slot_delete_twice", set_slot(vm, 0, 0, 0, 0, NULL), EINVAL);
	KTEST_CHECK("slot_readonly", set_slot(vm, 2, KVM_MEM_READONLY, 16 * MB, MB, mem) == 0);
	KTEST_ERRNO("slot_bad_flag", set_slot(vm, 3, 0x80, 32 * MB, MB, mem), EINVAL);
	KTEST_ERRNO("slot_unaligned_gpa", set_slot(vm, 3, 0, 32 * MB + 1, MB, mem), EINVAL);
	KTEST_ERRNO("slot_unaligned_size", set_slot(vm, 3, 0, 32 * MB, MB + 1, mem), EINVAL);
	KTEST_ERRNO("slot_unaligned_hva", set_slot(vm, 3, 0, 32 * MB, MB, mem + 1), EINVAL);
	KTEST_ERRNO("slot_kernel_hva", set_slot(vm, 3, 0, 32 * MB, MB, (void *)(-4096UL * 256)), EINVAL);
	KTEST_ERRNO("slot_wraps", set_slot(vm, 3, 0, -MB, 2 * MB, mem), EINVAL);
	KTEST_ERRNO("slot_id_too_big", set_slot(vm, 0x7fff, 0, 32 * MB, MB, mem), EINVAL);
	KTEST_ERRNO("slot_bad_pointer", ioctl(vm, KVM_SET_USER_MEMORY_REGION, (void *)8), EFAULT);
	set_slot(vm, 1, 0, 0, 0, NULL);
	set_slot(vm, 2, 0, 0, 0, NULL);
	munmap(mem, 4 * MB);
}

static void test_vm_settings(int vm)
{
	__u64 addr = 0xfeffc000;

	KTEST_CHECK("tss_addr", ioctl(vm, KVM_SET_TSS_ADDR, 0xfffbd000UL) == 0);
	KTEST_ERRNO("tss_addr_too_high", ioctl(vm, KVM_SET_TSS_ADDR, 0xfffff000UL), EINVAL);
	KTEST_CHECK("identity_map_addr", ioctl(vm, KVM_SET_IDENTITY_MAP_ADDR, &addr) == 0);
	KTEST_ERRNO("identity_map_bad_pointer", ioctl(vm, KVM_SET_IDENTITY_MAP_ADDR, (void *)8),
		    EFAULT);
}

#define CPUID1_ECX_VMX		(1U << 5)
#define CPUID1_ECX_XSAVE	(1U << 26)
#define CPUID1_ECX_OSXSAVE	(1U << 27)
#define CPUIDD1_EAX_COMPACTED	((1U << 1) | (1U << 3))	/* XSAVEC, XSAVES */
/* The XSAVE legacy area and header: the size for XCR0 = x87 or x87|SSE. */
#define XSAVE_MIN_SIZE		576

/* The supported CPUID without VMX, as a VMM without nested guests sets it. */
static int vmm_cpuid(int sys, struct cpuid_table *t)
{
	unsigned int i;

	t->c.nent = CPUID_MAX;
	if (ioctl(sys, KVM_GET_SUPPORTED_CPUID, t))
		return -1;
	for (i = 0; i < t->c.nent; i++)
		if (t->e[i].function == 1)
			t->e[i].ecx &= ~CPUID1_ECX_VMX;
	return 0;
}

/* KVM's lookup: the index matters only for entries flagged as indexed. */
static struct kvm_cpuid_entry2 *entry(struct cpuid_table *t, __u32 fn, __u32 idx)
{
	unsigned int i;

	for (i = 0; i < t->c.nent; i++)
		if (t->e[i].function == fn &&
		    (!(t->e[i].flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) || t->e[i].index == idx))
			return &t->e[i];
	return NULL;
}

/* Where entry() finds it, or -1. */
static int entry_index(struct cpuid_table *t, __u32 fn, __u32 idx)
{
	struct kvm_cpuid_entry2 *e = entry(t, fn, idx);

	return e ? (int)(e - t->e) : -1;
}

/* The entry, appended (indexed, zeros) when the table lacks it. */
static struct kvm_cpuid_entry2 *entry_or_add(struct cpuid_table *t, __u32 fn, __u32 idx)
{
	struct kvm_cpuid_entry2 *e = entry(t, fn, idx);

	if (e || t->c.nent >= CPUID_MAX)
		return e;
	e = &t->e[t->c.nent++];
	memset(e, 0, sizeof(*e));
	e->function = fn;
	e->index = idx;
	e->flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
	return e;
}

static bool host_xsave(struct cpuid_table *t)
{
	struct kvm_cpuid_entry2 *l1 = entry(t, 1, 0);

	return l1 && (l1->ecx & CPUID1_ECX_XSAVE);
}

/*
 * @got, as KVM_GET_CPUID2 returned it, is @set, as KVM_SET_CPUID2 took
 * it, but for the bits KVM rewrites from the guest's state: OSXSAVE
 * follows CR4 (@osxsave) on a host with XSAVE, leaf 0xD.0 EBX is the
 * XSAVE size for XCR0 (@size), 0xD.1 EBX the compacted one (@csize)
 * where XSAVEC or XSAVES is in the table.
 */
static bool table_as_set(struct cpuid_table *got, struct cpuid_table *set, bool osxsave,
			 __u32 size, __u32 csize)
{
	int l1 = entry_index(set, 1, 0), d0 = entry_index(set, 0xd, 0);
	int d1 = entry_index(set, 0xd, 1);
	struct kvm_cpuid_entry2 want[CPUID_MAX];
	struct kvm_cpuid_entry2 *e;
	int i;

	if (got->c.nent != set->c.nent) {
		printf("     nent %u, set %u\n", got->c.nent, set->c.nent);
		return false;
	}
	memcpy(want, set->e, set->c.nent * sizeof(want[0]));
	for (i = 0; i < (int)set->c.nent; i++) {
		e = &want[i];
		if (i == l1 && host_xsave(set))
			e->ecx = (e->ecx & ~CPUID1_ECX_OSXSAVE) | (osxsave ? CPUID1_ECX_OSXSAVE : 0);
		if (i == d0)
			e->ebx = size;
		if (i == d1 && (e->eax & CPUIDD1_EAX_COMPACTED))
			e->ebx = csize;
		if (memcmp(e, &got->e[i], sizeof(*e))) {
			printf("     entry %u (leaf %#x.%u): %08x %08x %08x %08x, want %08x %08x %08x %08x\n",
			       i, e->function, e->index, got->e[i].eax, got->e[i].ebx, got->e[i].ecx,
			       got->e[i].edx, e->eax, e->ebx, e->ecx, e->edx);
			return false;
		}
	}
	return true;
}

/* KVM_GET_CPUID2 on a vCPU that has not run: CR4 and XCR0 at their reset values. */
static void test_get_cpuid2(int vcpu, struct cpuid_table *set)
{
	static struct cpuid_table got, mod;
	unsigned int n = set->c.nent;
	const unsigned char *rest;
	struct kvm_cpuid_entry2 *e;
	bool untouched = true;
	size_t i;
	long r;

	memset(&got, 0, sizeof(got));
	got.c.nent = n - 1;
	KTEST_ERRNO("get_cpuid2_too_small", ioctl(vcpu, KVM_GET_CPUID2, &got), E2BIG);
	/* Both KVM 6.1 and 6.12 leave nent alone on E2BIG. */
	KTEST_CHECK("get_cpuid2_too_small_nent_kept", got.c.nent == n - 1);
	got.c.nent = 0;
	KTEST_ERRNO("get_cpuid2_nent_0", ioctl(vcpu, KVM_GET_CPUID2, &got), E2BIG);
	KTEST_ERRNO("get_cpuid2_bad_pointer", ioctl(vcpu, KVM_GET_CPUID2, (void *)8), EFAULT);

	got.c.nent = n;
	r = ioctl(vcpu, KVM_GET_CPUID2, &got);
	KTEST_CHECK("get_cpuid2", r == 0 && got.c.nent == n);
	KTEST_CHECK("get_cpuid2_as_set_at_reset",
		    !r && table_as_set(&got, set, false, XSAVE_MIN_SIZE, XSAVE_MIN_SIZE));

	if (n + 2 <= CPUID_MAX) {
		memset(&got, 0xa5, sizeof(got));
		got.c.nent = n + 2;
		r = ioctl(vcpu, KVM_GET_CPUID2, &got);
		/* KVM 6.1 leaves nent as given on success; 6.12, as kvmini, sets the table's size. */
		KTEST_CHECK("get_cpuid2_more_room",
			    r == 0 && (got.c.nent == n || got.c.nent == n + 2));
		rest = (const unsigned char *)&got.e[n];
		for (i = 0; i < 2 * sizeof(got.e[0]); i++)
			untouched &= rest[i] == 0xa5;
		KTEST_CHECK("get_cpuid2_more_room_rest_untouched", untouched);
	}

	/* Runtime bits the VMM sets wrong are rewritten by KVM_SET_CPUID2 itself. */
	mod = *set;
	e = entry(&mod, 1, 0);
	if (e)
		e->ecx |= CPUID1_ECX_OSXSAVE;
	e = entry_or_add(&mod, 0xd, 0);
	e->ebx = 0x1234;
	e = entry_or_add(&mod, 0xd, 1);
	e->eax |= 1U << 1;	/* XSAVEC: 0xD.1 EBX becomes the compacted size */
	e->ebx = 0x4321;
	KTEST_CHECK("get_cpuid2_set_wrong_runtime_bits", ioctl(vcpu, KVM_SET_CPUID2, &mod) == 0);
	/* Exactly the room needed: KVM 6.1 would leave a larger nent as it is. */
	got.c.nent = mod.c.nent;
	r = ioctl(vcpu, KVM_GET_CPUID2, &got);
	e = entry(&got, 1, 0);
	KTEST_CHECK("get_cpuid2_osxsave_follows_cr4",
		    !r && e && !!(e->ecx & CPUID1_ECX_OSXSAVE) == !host_xsave(set));
	e = entry(&got, 0xd, 0);
	KTEST_CHECK("get_cpuid2_xsave_size_follows_xcr0", !r && e && e->ebx == XSAVE_MIN_SIZE);
	e = entry(&got, 0xd, 1);
	KTEST_CHECK("get_cpuid2_compacted_size_follows_xcr0",
		    !r && e && e->ebx == XSAVE_MIN_SIZE);
	KTEST_CHECK("get_cpuid2_set_again", ioctl(vcpu, KVM_SET_CPUID2, set) == 0);
}

static void test_mp_state_ioctls(int vcpu)
{
	/* The states of an in-kernel APIC, and the other architectures' states. */
	static const __u32 refused[] = {
		KVM_MP_STATE_UNINITIALIZED, KVM_MP_STATE_INIT_RECEIVED, KVM_MP_STATE_HALTED,
		KVM_MP_STATE_SIPI_RECEIVED, KVM_MP_STATE_AP_RESET_HOLD, KVM_MP_STATE_STOPPED,
		KVM_MP_STATE_CHECK_STOP, KVM_MP_STATE_OPERATING, KVM_MP_STATE_LOAD,
		KVM_MP_STATE_SUSPENDED, 0xffffffff,
	};
	struct kvm_mp_state mp = { .mp_state = 0xff };
	unsigned int i, bad = 0;

	KTEST_CHECK("mp_state_runnable_at_creation",
		    ioctl(vcpu, KVM_GET_MP_STATE, &mp) == 0 && mp.mp_state == KVM_MP_STATE_RUNNABLE);
	mp.mp_state = KVM_MP_STATE_RUNNABLE;
	KTEST_CHECK("mp_state_set_runnable", ioctl(vcpu, KVM_SET_MP_STATE, &mp) == 0);
	KTEST_ERRNO("mp_state_set_halted_without_lapic",
		    ioctl(vcpu, KVM_SET_MP_STATE, &(struct kvm_mp_state){ KVM_MP_STATE_HALTED }),
		    EINVAL);
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		mp.mp_state = refused[i];
		if (ioctl(vcpu, KVM_SET_MP_STATE, &mp) != -1 || errno != EINVAL) {
			printf("     mp_state %u: not EINVAL\n", refused[i]);
			bad++;
		}
	}
	KTEST_CHECK("mp_state_set_others_einval", !bad);
	mp.mp_state = 0xff;
	KTEST_CHECK("mp_state_still_runnable",
		    ioctl(vcpu, KVM_GET_MP_STATE, &mp) == 0 && mp.mp_state == KVM_MP_STATE_RUNNABLE);
	KTEST_ERRNO("mp_state_get_bad_pointer", ioctl(vcpu, KVM_GET_MP_STATE, (void *)8), EFAULT);
	KTEST_ERRNO("mp_state_set_bad_pointer", ioctl(vcpu, KVM_SET_MP_STATE, (void *)8), EFAULT);
}

/*
 * A guest that halts, then sets CR4.OSXSAVE and XCR0 (EDX:EAX from the
 * host) and halts again: hlt; mov %cr4,%ebx; or $0x40000,%ebx;
 * mov %ebx,%cr4; xsetbv; hlt.
 */
static const unsigned char xsave_guest[] = {
	0xf4, 0x0f, 0x20, 0xe3, 0x66, 0x81, 0xcb, 0x00, 0x00, 0x04, 0x00,
	0x0f, 0x22, 0xe3, 0x0f, 0x01, 0xd1, 0xf4,
};

/*
 * The MP state across the guest's HLT, then KVM_GET_CPUID2 once the guest
 * changed CR4 and XCR0, and KVM_SET_CPUID2 after KVM_RUN.
 */
static void test_runtime_after_run(int sys)
{
	static struct cpuid_table set, got;
	struct kvm_cpuid_entry2 *d0, *d2;
	struct kvm_mp_state mp = { .mp_state = 0xff };
	__u32 size = XSAVE_MIN_SIZE, csize = XSAVE_MIN_SIZE;
	struct kvm_regs regs;
	struct onevm v;
	__u64 xcr0 = 3;
	long r;

	if (rmvm_create(&v, dev, xsave_guest, sizeof(xsave_guest), 0) || vmm_cpuid(sys, &set) ||
	    ioctl(v.vcpu, KVM_SET_CPUID2, &set)) {
		ktest_fail("runtime_setup", "%s", strerrorname_np(errno));
		onevm_destroy(&v);
		return;
	}
	/* Without an in-kernel APIC HLT exits to userspace, and the vCPU stays RUNNABLE. */
	r = ioctl(v.vcpu, KVM_RUN, 0);
	KTEST_CHECK("mp_state_hlt_exits", r == 0 && v.run->exit_reason == KVM_EXIT_HLT);
	KTEST_CHECK("mp_state_runnable_after_hlt",
		    ioctl(v.vcpu, KVM_GET_MP_STATE, &mp) == 0 && mp.mp_state == KVM_MP_STATE_RUNNABLE);
	KTEST_ERRNO("mp_state_set_halted_after_hlt",
		    ioctl(v.vcpu, KVM_SET_MP_STATE, &(struct kvm_mp_state){ KVM_MP_STATE_HALTED }),
		    EINVAL);
	mp.mp_state = KVM_MP_STATE_RUNNABLE;
	KTEST_CHECK("mp_state_set_runnable_after_hlt", ioctl(v.vcpu, KVM_SET_MP_STATE, &mp) == 0);

	if (!host_xsave(&set)) {
		printf("KTEST SKIP %sget_cpuid2_after_run: no XSAVE in the supported CPUID\n",
		       ktest_prefix);
		onevm_destroy(&v);
		return;
	}
	/* AVX's state when offered, so that the size moves; else SSE's. */
	d0 = entry(&set, 0xd, 0);
	d2 = entry(&set, 0xd, 2);
	if (d0 && (d0->eax & 4) && d2 && d2->eax) {
		xcr0 = 7;
		if (d2->eax + d2->ebx > size)
			size = d2->eax + d2->ebx;
		csize = ((d2->ecx & 2) ? (XSAVE_MIN_SIZE + 63) & ~63U : XSAVE_MIN_SIZE) + d2->eax;
	}
	if (ioctl(v.vcpu, KVM_GET_REGS, &regs)) {
		ktest_fail("runtime_regs", "%s", strerrorname_np(errno));
		onevm_destroy(&v);
		return;
	}
	regs.rax = xcr0;
	regs.rdx = 0;
	regs.rcx = 0;
	r = ioctl(v.vcpu, KVM_SET_REGS, &regs) ?: ioctl(v.vcpu, KVM_RUN, 0) ?:
	    ioctl(v.vcpu, KVM_GET_REGS, &regs);
	/* SET_MP_STATE(RUNNABLE) leaves a runnable vCPU running on. */
	KTEST_CHECK("mp_state_runnable_runs_on",
		    !r && v.run->exit_reason == KVM_EXIT_HLT &&
		    regs.rip == RMVM_ENTRY + sizeof(xsave_guest));
	got.c.nent = set.c.nent;
	r = ioctl(v.vcpu, KVM_GET_CPUID2, &got);
	KTEST_CHECK("get_cpuid2_after_guest_set_cr4_and_xcr0",
		    !r && table_as_set(&got, &set, true, size, csize));

	/* After KVM_RUN the runtime bits take no part in the comparison. */
	KTEST_CHECK("set_cpuid2_after_run_as_got", ioctl(v.vcpu, KVM_SET_CPUID2, &got) == 0);
	KTEST_CHECK("set_cpuid2_after_run_as_first_set", ioctl(v.vcpu, KVM_SET_CPUID2, &set) == 0);
	set.e[0].ebx ^= 1;
	KTEST_ERRNO("set_cpuid2_after_run_other_table", ioctl(v.vcpu, KVM_SET_CPUID2, &set), EINVAL);
	onevm_destroy(&v);
}

/*
 * Issue 12 (KVM's system_counter_offset_test): the vCPU attribute
 * KVM_VCPU_TSC_CTRL/KVM_VCPU_TSC_OFFSET.  Its errnos as KVM 6.1's, the
 * offset read back as set, and a guest's RDTSC that follows it: the host's
 * TSC plus the offset, between two host reads around KVM_RUN.
 */
static void test_tsc_offset_attr(int sys)
{
	static const unsigned char rdtsc_hlt[] = { 0x0f, 0x31, 0xf4 };	/* rdtsc; hlt */
	const __u64 offset = (1ULL << 50) - __rdtsc();
	__u64 got = 0, before, after, guest;
	struct kvm_device_attr attr = {
		.group = KVM_VCPU_TSC_CTRL, .attr = KVM_VCPU_TSC_OFFSET, .addr = (__u64)(uintptr_t)&got,
	};
	struct kvm_device_attr bad;
	struct kvm_regs regs;
	struct onevm v;
	long r;

	KTEST_CHECK("tsc_attr_cap", ioctl(sys, KVM_CHECK_EXTENSION, KVM_CAP_VCPU_ATTRIBUTES) == 1);
	if (rmvm_create(&v, dev, rdtsc_hlt, sizeof(rdtsc_hlt), 0)) {
		ktest_fail("tsc_attr_setup", "%s", strerrorname_np(errno));
		return;
	}
	KTEST_CHECK("tsc_attr_has", ioctl(v.vcpu, KVM_HAS_DEVICE_ATTR, &attr) == 0);
	bad = attr;
	bad.attr = 1;
	KTEST_ERRNO("tsc_attr_has_other_attr", ioctl(v.vcpu, KVM_HAS_DEVICE_ATTR, &bad), ENXIO);
	KTEST_ERRNO("tsc_attr_get_other_attr", ioctl(v.vcpu, KVM_GET_DEVICE_ATTR, &bad), ENXIO);
	bad = attr;
	bad.group = 1;
	KTEST_ERRNO("tsc_attr_other_group", ioctl(v.vcpu, KVM_SET_DEVICE_ATTR, &bad), ENXIO);
	bad = attr;
	bad.addr = 8;
	KTEST_ERRNO("tsc_attr_bad_address", ioctl(v.vcpu, KVM_GET_DEVICE_ATTR, &bad), EFAULT);

	got = offset;
	KTEST_CHECK("tsc_attr_set", ioctl(v.vcpu, KVM_SET_DEVICE_ATTR, &attr) == 0);
	got = 0;
	KTEST_CHECK("tsc_attr_get_as_set",
		    ioctl(v.vcpu, KVM_GET_DEVICE_ATTR, &attr) == 0 && got == offset);
	before = __rdtsc();
	r = ioctl(v.vcpu, KVM_RUN, 0);
	after = __rdtsc();
	if (r || v.run->exit_reason != KVM_EXIT_HLT || ioctl(v.vcpu, KVM_GET_REGS, &regs)) {
		ktest_fail("tsc_attr_guest_sees_offset", "KVM_RUN: %s, exit %u",
			   strerrorname_np(errno), v.run->exit_reason);
	} else {
		guest = (regs.rdx & 0xffffffff) << 32 | (regs.rax & 0xffffffff);
		if (guest >= before + offset && guest <= after + offset)
			ktest_pass("tsc_attr_guest_sees_offset");
		else
			ktest_fail("tsc_attr_guest_sees_offset",
				   "guest TSC %#llx outside [%#llx, %#llx]", guest,
				   before + offset, after + offset);
	}
	onevm_destroy(&v);
}

/* Which vCPU is the BSP: APIC_BASE bit 8 at reset. */
static void test_boot_cpu_id(int sys)
{
	int vm = ioctl(sys, KVM_CREATE_VM, 0);
	struct kvm_sregs s0, s1;
	int v0, v1;

	if (vm < 0) {
		ktest_fail("boot_cpu_id_vm", "%s", strerrorname_np(errno));
		return;
	}
	KTEST_CHECK("boot_cpu_id_set", ioctl(vm, KVM_SET_BOOT_CPU_ID, 1UL) == 0);
	KTEST_CHECK("boot_cpu_id_set_again", ioctl(vm, KVM_SET_BOOT_CPU_ID, 1UL) == 0);
	v0 = ioctl(vm, KVM_CREATE_VCPU, 0);
	v1 = ioctl(vm, KVM_CREATE_VCPU, 1);
	KTEST_CHECK("boot_cpu_id_bsp_bit",
		    v0 >= 0 && v1 >= 0 && !ioctl(v0, KVM_GET_SREGS, &s0) &&
		    !ioctl(v1, KVM_GET_SREGS, &s1) && s0.apic_base == 0xfee00800 &&
		    s1.apic_base == 0xfee00900);
	KTEST_ERRNO("boot_cpu_id_after_vcpu", ioctl(vm, KVM_SET_BOOT_CPU_ID, 0UL), EBUSY);
	KTEST_ERRNO("boot_cpu_id_same_after_vcpu", ioctl(vm, KVM_SET_BOOT_CPU_ID, 1UL), EBUSY);
	if (v0 >= 0)
		close(v0);
	if (v1 >= 0)
		close(v1);
	close(vm);
}

static int add_slot(int vm, __u32 slot, __u64 gpa, __u64 size, void *hva)
{
	return set_slot(vm, slot, 0, gpa, size, hva);
}

/* The count is KVM_GET_NR_MMU_PAGES's return value. */
static void test_nr_mmu_pages(int sys)
{
	int vm = ioctl(sys, KVM_CREATE_VM, 0);
	char *mem = mmap(NULL, 66 * MB, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	bool get;

	if (vm < 0 || mem == MAP_FAILED) {
		ktest_fail("nr_mmu_pages_setup", "%s", strerrorname_np(errno));
		goto out;
	}
	KTEST_ERRNO("nr_mmu_pages_set_0", ioctl(vm, KVM_SET_NR_MMU_PAGES, 0UL), EINVAL);
	KTEST_ERRNO("nr_mmu_pages_set_below_64", ioctl(vm, KVM_SET_NR_MMU_PAGES, 63UL), EINVAL);

	/* KVM 6.1 has KVM_GET_NR_MMU_PAGES; later kernels answer ENOTTY. */
	get = !(ioctl(vm, KVM_GET_NR_MMU_PAGES, 0) == -1 && errno == ENOTTY);
	if (!get) {
		printf("KTEST SKIP %snr_mmu_pages_get: KVM_GET_NR_MMU_PAGES is gone (ENOTTY)\n",
		       ktest_prefix);
	} else {
		KTEST_CHECK("nr_mmu_pages_before_slots", ioctl(vm, KVM_GET_NR_MMU_PAGES, 0) == 0);
		add_slot(vm, 0, 0, 64 * MB, mem);
		KTEST_CHECK("nr_mmu_pages_follow_slots",
			    ioctl(vm, KVM_GET_NR_MMU_PAGES, 0) == 64 * 256 / 50);
		add_slot(vm, 1, 128 * MB, 2 * MB, mem + 64 * MB);
		KTEST_CHECK("nr_mmu_pages_follow_two_slots",
			    ioctl(vm, KVM_GET_NR_MMU_PAGES, 0) == 66 * 256 / 50);
		set_slot(vm, 0, 0, 0, 0, NULL);
		set_slot(vm, 1, 0, 0, 0, NULL);
		KTEST_CHECK("nr_mmu_pages_at_least_64", ioctl(vm, KVM_GET_NR_MMU_PAGES, 0) == 64);
	}
	KTEST_CHECK("nr_mmu_pages_set_64", ioctl(vm, KVM_SET_NR_MMU_PAGES, 64UL) == 0);
	KTEST_CHECK("nr_mmu_pages_set_1000", ioctl(vm, KVM_SET_NR_MMU_PAGES, 1000UL) == 0);
	if (get) {
		KTEST_CHECK("nr_mmu_pages_get_as_set", ioctl(vm, KVM_GET_NR_MMU_PAGES, 0) == 1000);
		add_slot(vm, 0, 0, 64 * MB, mem);
		KTEST_CHECK("nr_mmu_pages_set_outlives_slots",
			    ioctl(vm, KVM_GET_NR_MMU_PAGES, 0) == 1000);
		set_slot(vm, 0, 0, 0, 0, NULL);
	}
out:
	if (mem != MAP_FAILED)
		munmap(mem, 66 * MB);
	if (vm >= 0)
		close(vm);
}

static int enable_max_vcpu_id(int vm, __u64 max, __u32 flags)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_MAX_VCPU_ID, .flags = flags,
				      .args = { max } };

	return ioctl(vm, KVM_ENABLE_CAP, &cap);
}

/* The bound is the device's own KVM_CAP_MAX_VCPU_ID: 255 on kvmini, thousands on KVM. */
static void test_max_vcpu_id(int sys)
{
	long limit = ioctl(sys, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPU_ID);
	struct kvm_enable_cap other = { .cap = 0x7fffffff };
	int vm = ioctl(sys, KVM_CREATE_VM, 0);
	int vm2 = ioctl(sys, KVM_CREATE_VM, 0);
	int v;

	if (vm < 0 || vm2 < 0 || limit < 5) {
		ktest_fail("max_vcpu_id_setup", "limit %ld: %s", limit, strerrorname_np(errno));
		goto out;
	}
	KTEST_ERRNO("max_vcpu_id_above_limit", enable_max_vcpu_id(vm, limit + 1, 0), EINVAL);
	KTEST_ERRNO("max_vcpu_id_flags", enable_max_vcpu_id(vm, 4, 1), EINVAL);
	KTEST_ERRNO("enable_cap_unknown", ioctl(vm, KVM_ENABLE_CAP, &other), EINVAL);
	KTEST_ERRNO("enable_cap_bad_pointer", ioctl(vm, KVM_ENABLE_CAP, (void *)8), EFAULT);
	KTEST_CHECK("max_vcpu_id_set", enable_max_vcpu_id(vm, 4, 0) == 0);
	KTEST_CHECK("max_vcpu_id_same_again", enable_max_vcpu_id(vm, 4, 0) == 0);
	KTEST_ERRNO("max_vcpu_id_other_again", enable_max_vcpu_id(vm, 5, 0), EINVAL);
	KTEST_ERRNO("max_vcpu_id_create_at_bound", ioctl(vm, KVM_CREATE_VCPU, 4), EINVAL);
	v = ioctl(vm, KVM_CREATE_VCPU, 3);
	KTEST_CHECK("max_vcpu_id_create_below_bound", v >= 0);
	if (v >= 0)
		close(v);

	/* A VM's first vCPU fixes the bound at the limit. */
	v = ioctl(vm2, KVM_CREATE_VCPU, 0);
	KTEST_CHECK("max_vcpu_id_vm_with_vcpu", v >= 0);
	KTEST_ERRNO("max_vcpu_id_after_vcpu", enable_max_vcpu_id(vm2, 4, 0), EINVAL);
	KTEST_CHECK("max_vcpu_id_limit_after_vcpu", enable_max_vcpu_id(vm2, limit, 0) == 0);
	if (v >= 0)
		close(v);
out:
	if (vm >= 0)
		close(vm);
	if (vm2 >= 0)
		close(vm2);
}

static void test_vcpu(int sys, int vm)
{
	static struct cpuid_table cpuid;
	long size = ioctl(sys, KVM_GET_VCPU_MMAP_SIZE, 0);
	int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	struct kvm_sregs sregs, bad;
	struct kvm_run *run;
	struct { struct kvm_cpuid2 c; struct kvm_cpuid_entry2 e[1]; } one = { .c.nent = 0 };
	__u64 addr = 0;

	if (vcpu < 0) {
		ktest_fail("create_vcpu", "KVM_CREATE_VCPU: %s", strerrorname_np(errno));
		return;
	}
	ktest_pass("create_vcpu");
	KTEST_CHECK("vcpu_fd_cloexec", fcntl(vcpu, F_GETFD) & FD_CLOEXEC);
	KTEST_ERRNO("vcpu_duplicate_id", ioctl(vm, KVM_CREATE_VCPU, 0), EEXIST);
	KTEST_ERRNO("vcpu_id_too_big", ioctl(vm, KVM_CREATE_VCPU, 1UL << 20), EINVAL);
	KTEST_ERRNO("identity_map_after_vcpu", ioctl(vm, KVM_SET_IDENTITY_MAP_ADDR, &addr), EINVAL);

	run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	KTEST_CHECK("mmap_run", run != MAP_FAILED);
	KTEST_ERRNO("run_with_arg", ioctl(vcpu, KVM_RUN, 1), EINVAL);
	KTEST_ERRNO("unknown_vcpu_ioctl", ioctl(vcpu, _IO(KVMIO, 0xfe), 0), EINVAL);
	KTEST_ERRNO("get_regs_bad_pointer", ioctl(vcpu, KVM_GET_REGS, (void *)8), EFAULT);

	/* As a VMM does: the supported CPUID, without VMX (no nested guests). */
	if (vmm_cpuid(sys, &cpuid)) {
		ktest_fail("supported_cpuid", "%s", strerrorname_np(errno));
		cpuid.c.nent = 0;
	} else {
		KTEST_CHECK("set_cpuid", ioctl(vcpu, KVM_SET_CPUID2, &cpuid) == 0);
	}

	if (ioctl(vcpu, KVM_GET_SREGS, &sregs)) {
		ktest_fail("get_sregs", "%s", strerrorname_np(errno));
	} else {
		KTEST_CHECK("reset_cs", sregs.cs.selector == 0xf000 && sregs.cs.base == 0xffff0000);
		KTEST_CHECK("reset_cr0", sregs.cr0 == 0x60000010);
		bad = sregs;
		bad.cr0 |= 0x80000000;		/* PG without PE */
		KTEST_ERRNO("sregs_pg_without_pe", ioctl(vcpu, KVM_SET_SREGS, &bad), EINVAL);
		bad = sregs;
		bad.cr0 = 0x20000001;		/* NW without CD */
		KTEST_ERRNO("sregs_nw_without_cd", ioctl(vcpu, KVM_SET_SREGS, &bad), EINVAL);
		bad = sregs;
		bad.cr4 |= 0x2000;		/* VMXE: the guest has no VMX */
		KTEST_ERRNO("sregs_cr4_vmxe", ioctl(vcpu, KVM_SET_SREGS, &bad), EINVAL);
		bad = sregs;
		bad.efer |= 0x400;		/* LMA without LME and paging */
		KTEST_ERRNO("sregs_lma_alone", ioctl(vcpu, KVM_SET_SREGS, &bad), EINVAL);
		KTEST_CHECK("sregs_roundtrip", ioctl(vcpu, KVM_SET_SREGS, &sregs) == 0);
	}

	KTEST_ERRNO("supported_cpuid_too_small", ioctl(sys, KVM_GET_SUPPORTED_CPUID, &one), E2BIG);
	/* Issue 12: as KVM 6.1's kvm_check_cpuid(), only 48 or 57 virtual address bits (or 0). */
	if (cpuid.c.nent) {
		struct cpuid_table va = cpuid;
		struct kvm_cpuid_entry2 *e8 = entry_or_add(&va, 0x80000008, 0);

		e8->eax = (e8->eax & ~0xff00U) | (36 << 8);
		KTEST_ERRNO("set_cpuid_va_width_36", ioctl(vcpu, KVM_SET_CPUID2, &va), EINVAL);
		e8->eax = (e8->eax & ~0xff00U) | (57 << 8);
		KTEST_CHECK("set_cpuid_va_width_57", ioctl(vcpu, KVM_SET_CPUID2, &va) == 0);
		KTEST_CHECK("set_cpuid_back", ioctl(vcpu, KVM_SET_CPUID2, &cpuid) == 0);
	}
	one.c.nent = 100000;
	KTEST_ERRNO("set_cpuid_too_big", ioctl(vcpu, KVM_SET_CPUID2, &one), E2BIG);

	if (cpuid.c.nent)
		test_get_cpuid2(vcpu, &cpuid);
	test_mp_state_ioctls(vcpu);

	if (run != MAP_FAILED) {
		run->immediate_exit = 1;
		/* KVM leaves exit_reason alone here; only a signal sets KVM_EXIT_INTR. */
		KTEST_ERRNO("immediate_exit", ioctl(vcpu, KVM_RUN, 0), EINTR);
		munmap(run, size);
	}
	close(vcpu);
}

int main(int argc, char **argv)
{
	static char prefix[64];
	int sys, vm;

	if (argc != 3) {
		fprintf(stderr, "usage: vcpu_api_test DEV LABEL\n");
		return 2;
	}
	snprintf(prefix, sizeof(prefix), "vcpu_api.%s.", argv[2]);
	ktest_set_prefix(prefix);
	sys = open(argv[1], O_RDWR);
	if (sys < 0) {
		ktest_fail("open", "%s: %s", argv[1], strerrorname_np(errno));
		return ktest_exit();
	}
	vm = ioctl(sys, KVM_CREATE_VM, 0);
	if (vm < 0) {
		ktest_fail("create_vm", "%s", strerrorname_np(errno));
		return ktest_exit();
	}
	dev = argv[1];
	test_slots(vm);
	test_vm_settings(vm);
	test_vcpu(sys, vm);
	close(vm);
	test_runtime_after_run(sys);
	test_tsc_offset_attr(sys);
	test_boot_cpu_id(sys);
	test_nr_mmu_pages(sys);
	test_max_vcpu_id(sys);
	close(sys);
	return ktest_exit();
}
