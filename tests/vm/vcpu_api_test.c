// SPDX-License-Identifier: GPL-2.0
/*
 * vcpu_api_test DEV LABEL: the VM and vCPU ioctls of the run-guests API
 * with good and bad arguments: memory slots (KVM's create, move, delete
 * and refusal rules), vCPU ids, the mmap of struct kvm_run, SET_SREGS
 * validation, CPUID sizes, KVM_RUN's immediate_exit.  The expectations
 * are KVM's: the same program runs on /dev/kvm (LABEL names the device).
 */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "ktest.h"

#define MB (1UL << 20)

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

static void test_vcpu(int sys, int vm)
{
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
	{
		static struct { struct kvm_cpuid2 c; struct kvm_cpuid_entry2 e[256]; } cpuid;
		unsigned int i;

		cpuid.c.nent = 256;
		if (ioctl(sys, KVM_GET_SUPPORTED_CPUID, &cpuid)) {
			ktest_fail("supported_cpuid", "%s", strerrorname_np(errno));
		} else {
			for (i = 0; i < cpuid.c.nent; i++)
				if (cpuid.e[i].function == 1)
					cpuid.e[i].ecx &= ~(1u << 5);
			KTEST_CHECK("set_cpuid", ioctl(vcpu, KVM_SET_CPUID2, &cpuid) == 0);
		}
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
	one.c.nent = 100000;
	KTEST_ERRNO("set_cpuid_too_big", ioctl(vcpu, KVM_SET_CPUID2, &one), E2BIG);

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
	test_slots(vm);
	test_vm_settings(vm);
	test_vcpu(sys, vm);
	close(vm);
	close(sys);
	return ktest_exit();
}
