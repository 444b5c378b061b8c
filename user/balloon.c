// SPDX-License-Identifier: GPL-2.0
/*
 * The balloon hypercall: the guest names a range of its own virtual
 * addresses and the tool drops the host memory behind it with
 * madvise(MADV_DONTNEED), so the host can use it for something else.
 * The guest's next access finds a fresh zero page, as after a balloon
 * driver gives a page back and takes it again.
 *
 * Virtual, not physical, addresses: the same rule as every pointer of
 * the ABI, and a vCPU can then give back only what its own page tables
 * reach (with several vCPUs, its slice of RAM).
 *
 * That the guest's view really changes is the device's business: KVM's
 * MMU notifier drops its EPT entries for the range, while a hypervisor
 * that pins guest pages keeps mapping the old ones, and the memory is
 * not freed either (the point of tests/vm/t_balloon.sh).
 */
#include <errno.h>
#include <sys/mman.h>

#include "balloon.h"

#define PAGE	4096ULL

/* madvise() over the host copy of guest-physical [@gpa, @gpa + @len). */
static int drop(const struct gva_mmu *m, uint64_t gpa, uint64_t len)
{
	if (madvise(m->mem + gpa, len, MADV_DONTNEED) < 0)
		return -errno;
	return 0;
}

int64_t balloon_give_back(const struct gva_mmu *m, uint64_t gva, uint64_t len)
{
	uint64_t run_gpa = 0, run_len = 0, gpa, done;
	int r;

	if (gva % PAGE || len % PAGE)
		return -EINVAL;
	/* More than RAM could only be aliases: refused rather than walked. */
	if (len > m->mem_size)
		return -EINVAL;
	if (!len)
		return 0;
	/* All or nothing: a range that fails halfway must not have lost pages. */
	r = gva_check(m, gva, len, true);
	if (r)
		return r;
	/*
	 * One madvise per run of contiguous GPAs (the guest's tables may
	 * scatter the range).  Translated again rather than remembered:
	 * another vCPU may have changed the tables since the check, and
	 * gva_to_gpa() gives only GPAs in RAM, so such a race can do no more
	 * than give back the pages the tables name now.
	 */
	for (done = 0; done < len; done += PAGE) {
		r = gva_to_gpa(m, gva + done, true, &gpa);
		if (r)
			return r;
		if (run_len && gpa == run_gpa + run_len) {
			run_len += PAGE;
			continue;
		}
		if (run_len) {
			r = drop(m, run_gpa, run_len);
			if (r)
				return r;
		}
		run_gpa = gpa;
		run_len = PAGE;
	}
	return drop(m, run_gpa, run_len);
}
