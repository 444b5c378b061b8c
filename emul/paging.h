/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest's page tables walked as the CPU walks them for an access the
 * hypervisor carries out in its place (SDM Vol. 3A chapter 4): presence,
 * reserved bits, the U/S, R/W and XD rights with CR0.WP, SMEP and SMAP,
 * and the accessed and dirty bits set on the way, as KVM's
 * paging_tmpl.h walker does for its emulator.  Hardware made these checks
 * when the guest's instruction ran; an instruction the hypervisor
 * finishes must make them again, or a guest's user code could write its
 * kernel's memory through MMIO emulation.
 *
 * Pure code: the VMM reads the entries through a callback, so the same
 * walk runs in the module and in tests/unit/test_paging.c.
 */
#ifndef KVMINI_EMUL_PAGING_H
#define KVMINI_EMUL_PAGING_H

#include "alu.h"	/* u8..u64 in both worlds */

/* #PF error code bits (SDM Vol. 3A 4.7); the first four also describe an access. */
#define EMU_PF_PRESENT	0x1u	/* a right was missing, not a page */
#define EMU_PF_WRITE	0x2u
#define EMU_PF_USER	0x4u	/* CPL 3, and not an implicit supervisor access */
#define EMU_PF_RSVD	0x8u
#define EMU_PF_FETCH	0x10u

/* What an access is: EMU_PF_WRITE, EMU_PF_USER, EMU_PF_FETCH, and this. */
#define EMU_ACC_IMPLICIT	0x10000u	/* descriptor tables, TSS: SMAP whatever AC says */

/* The registers that decide a walk, as they are in the guest when it runs. */
struct emu_paging {
	u64 cr3;
	u64 pdpte[4];		/* PAE outside long mode: the CPU's loaded copies */
	u8 maxphyaddr;
	bool pg, pae, pse, lma, nxe, wp, smep, smap, ac;
};

struct emu_walk_ops {
	/* An entry of 8 bytes (@wide) or 4 at @gpa; non-zero if not in RAM. */
	int (*read_pte)(void *opaque, u64 gpa, bool wide, u64 *pte);
	/*
	 * Replace @old by @new atomically, as the CPU sets A and D: 0 if
	 * done (or the entry is in read-only memory, which keeps its bits),
	 * 1 if the entry is no longer @old, negative if it cannot be reached.
	 */
	int (*set_pte)(void *opaque, u64 gpa, bool wide, u64 old, u64 new);
	/* Called before a walk runs again after a lost race: a chance to reschedule. */
	void (*relax)(void *opaque);
};

enum emu_walk_result {
	EMU_WALK_OK,
	EMU_WALK_FAULT,		/* a #PF; its error code is in *pf_code */
	EMU_WALK_NO_RAM,	/* an entry outside guest RAM: not the guest's fault */
};

int emu_walk(const struct emu_paging *m, const struct emu_walk_ops *ops, void *opaque,
	     u64 gla, u32 access, u64 *gpa, u32 *pf_code);

#endif /* KVMINI_EMUL_PAGING_H */
