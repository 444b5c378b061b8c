/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The balloon hypercall (docs/hypercalls.md): a guest gives pages of its
 * RAM back to the host.  Pure code over the guest's RAM and page tables
 * (gva.h), so the host unit test runs it on a buffer of its own.
 */
#ifndef KVMINI_BALLOON_H
#define KVMINI_BALLOON_H

#include <stdint.h>

#include "gva.h"

/*
 * Gives back the RAM behind the guest's virtual range [@gva, @gva + @len):
 * 0, -EINVAL (not whole pages, or longer than RAM) or -EFAULT (a page not
 * mapped writable RAM, or the range wraps); on an error nothing is given
 * back.  The pages read as zeroes afterwards.
 */
int64_t balloon_give_back(const struct gva_mmu *m, uint64_t gva, uint64_t len);

#endif
