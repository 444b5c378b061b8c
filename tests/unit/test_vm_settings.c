// SPDX-License-Identifier: GPL-2.0
/*
 * vm/settings.h: KVM 6.1's rules for KVM_ENABLE_CAP(KVM_CAP_MAX_VCPU_ID),
 * the vCPU ids KVM_CREATE_VCPU then allows, and the MMU page count KVM
 * derives from the slots (issue 12).  Guards: a bound above the limit is
 * EINVAL; the bound is set once (the same again succeeds, another is
 * EINVAL); creating a vCPU fixes an unset bound at the limit, so that
 * afterwards only the limit itself is accepted; 0 while unset changes
 * nothing; the default page count is a fiftieth of the slots' pages,
 * never below 64, with no overflow for the largest slots.
 */
#include "../../vm/settings.h"
#include "unit.h"

#define LIMIT	255

static void test_max_vcpu_ids(void)
{
	u32 max = 0;

	CHECK(vm_set_max_vcpu_ids(&max, LIMIT + 1, LIMIT) == -EINVAL && max == 0,
	      "above the limit: EINVAL, nothing set");
	CHECK(vm_set_max_vcpu_ids(&max, 1ULL << 32, LIMIT) == -EINVAL && max == 0,
	      "a 64-bit argument is not truncated");
	CHECK(vm_set_max_vcpu_ids(&max, 0, LIMIT) == 0 && max == 0, "0 while unset: nothing set");
	CHECK(vm_set_max_vcpu_ids(&max, 4, LIMIT) == 0 && max == 4, "set once");
	CHECK(vm_set_max_vcpu_ids(&max, 4, LIMIT) == 0 && max == 4, "the same again: 0");
	CHECK(vm_set_max_vcpu_ids(&max, 5, LIMIT) == -EINVAL && max == 4, "another: EINVAL");
	CHECK(vm_set_max_vcpu_ids(&max, LIMIT, LIMIT) == -EINVAL && max == 4,
	      "even the limit, once set lower: EINVAL");
	CHECK(vm_vcpu_id_allowed(&max, 3, LIMIT), "an id below the bound");
	CHECK(!vm_vcpu_id_allowed(&max, 4, LIMIT) && max == 4, "the bound itself: refused");

	max = 0;
	CHECK(vm_set_max_vcpu_ids(&max, LIMIT, LIMIT) == 0 && max == LIMIT, "the limit itself");

	max = 0;
	CHECK(vm_vcpu_id_allowed(&max, 0, LIMIT) && max == LIMIT,
	      "the first vCPU fixes an unset bound at the limit");
	CHECK(vm_set_max_vcpu_ids(&max, 8, LIMIT) == -EINVAL && max == LIMIT,
	      "after a vCPU: a smaller bound is EINVAL");
	CHECK(vm_set_max_vcpu_ids(&max, LIMIT, LIMIT) == 0, "after a vCPU: the limit again is 0");
	CHECK(vm_vcpu_id_allowed(&max, LIMIT - 1, LIMIT), "the highest id");
}

static void test_mmu_pages(void)
{
	CHECK(vm_default_mmu_pages(0) == 64, "no slots: 64");
	CHECK(vm_default_mmu_pages(512) == 64, "2 MiB: 10, raised to 64");
	CHECK(vm_default_mmu_pages(3250) == 65, "3250 pages: 65");
	CHECK(vm_default_mmu_pages(16384) == 327, "64 MiB: 327, rounded down");
	CHECK(vm_default_mmu_pages(32ULL * ((1ULL << 31) - 1)) == 32ULL * ((1ULL << 31) - 1) / 50,
	      "32 slots of the largest size");
}

int main(void)
{
	test_max_vcpu_ids();
	test_mmu_pages();
	return unit_done("test_vm_settings");
}
