// SPDX-License-Identifier: GPL-2.0
/*
 * Guest page walks with the rights of the access (paging.h).  One loop
 * for the three table formats: 4-level and PAE entries are 8 bytes with
 * 9 index bits per level, 32-bit entries 4 bytes with 10.
 */
#ifdef __KERNEL__
#include <linux/bits.h>
#else
#define BIT_ULL(n)	(1ULL << (n))
#endif
#include "paging.h"

#define PTE_P		BIT_ULL(0)
#define PTE_RW		BIT_ULL(1)
#define PTE_US		BIT_ULL(2)
#define PTE_A		BIT_ULL(5)
#define PTE_D		BIT_ULL(6)
#define PTE_PS		BIT_ULL(7)
#define PTE_XD		BIT_ULL(63)
#define PTE_ADDR	0x000ffffffffff000ULL	/* bits 51:12 */
#define PTE32_ADDR	0xfffff000ULL
#define PDE32_4M_ADDR	0xffc00000ULL

struct walk {
	int levels;		/* left to walk; the leaf is level 1, or larger */
	bool wide;
	u64 table;
	u64 gla;
	u64 pte_gpa[4];		/* the entries used, top first, for A and D */
	u64 pte[4];
	int n;
	bool user, write, nx;	/* the rights all levels grant together */
};

static int shift_of(const struct walk *w, int level)
{
	return 12 + (w->wide ? 9 : 10) * (level - 1);
}

static u64 mask_bits(int hi, int lo)
{
	return (~0ULL >> (63 - hi)) & ~((1ULL << lo) - 1);
}

/* Bits of a present entry that must be 0 (SDM Vol. 3A 4.4.2 and 4.5.4); 32-bit has few. */
static u64 reserved_bits(const struct emu_paging *m, const struct walk *w, int level,
			 u64 pte)
{
	u64 rsvd = 0;

	if (!w->wide) {
		/* A 4 MiB page: bit 21, and PSE-36 address bits past MAXPHYADDR. */
		if (level == 2 && (pte & PTE_PS) && m->pse) {
			rsvd = 1ULL << 21;
			if (m->maxphyaddr >= 32 && m->maxphyaddr < 40)
				rsvd |= mask_bits(20, 13 + m->maxphyaddr - 32);
		}
		return rsvd;
	}
	/* PAE entries reserve bits 62:MAXPHYADDR; 4-level ones 51:MAXPHYADDR (62:52 are free). */
	if (!m->lma)
		rsvd |= mask_bits(62, m->maxphyaddr);
	else if (m->maxphyaddr < 52)
		rsvd |= mask_bits(51, m->maxphyaddr);
	if (!m->nxe)
		rsvd |= PTE_XD;
	if (level == 4)
		rsvd |= PTE_PS;
	else if (level > 1 && (pte & PTE_PS))
		rsvd |= mask_bits(shift_of(w, level) - 1, 13);	/* under a large page's base */
	return rsvd;
}

static bool is_leaf(const struct emu_paging *m, const struct walk *w, int level, u64 pte)
{
	if (level == 1)
		return true;
	if (!(pte & PTE_PS))
		return false;
	return w->wide ? level < 4 : m->pse;
}

static u64 leaf_gpa(const struct walk *w, int level, u64 pte)
{
	u64 off = w->gla & ((1ULL << shift_of(w, level)) - 1);

	if (w->wide)
		return ((pte & PTE_ADDR) & ~((1ULL << shift_of(w, level)) - 1)) | off;
	if (level == 2)		/* PSE-36: bits 20:13 are address bits 39:32 */
		return (pte & PDE32_4M_ADDR) | (((pte >> 13) & 0xff) << 32) | off;
	return (pte & PTE32_ADDR) | off;
}

static void start(const struct emu_paging *m, u64 gla, struct walk *w)
{
	*w = (struct walk){ .user = true, .write = true, .gla = gla };
	if (m->lma) {
		w->wide = true;
		w->levels = 4;
		w->table = m->cr3;
	} else if (m->pae) {
		/* The PDPTE was checked when it was loaded; it carries no rights. */
		w->wide = true;
		w->levels = 2;
		w->gla = (u32)gla;
		w->table = m->pdpte[(w->gla >> 30) & 3];
	} else {
		w->levels = 2;
		w->gla = (u32)gla;
		w->table = m->cr3;
	}
}

/* Whether the rights the walk gathered allow @access (SDM Vol. 3A 4.6.1). */
static bool allowed(const struct emu_paging *m, const struct walk *w, u32 access)
{
	bool write = access & EMU_PF_WRITE, fetch = access & EMU_PF_FETCH;
	bool smap;

	if (access & EMU_PF_USER)
		return w->user && !(write && !w->write) && !(fetch && w->nx);
	if (fetch)
		return !w->nx && !(m->smep && w->user);
	smap = m->smap && w->user && ((access & EMU_ACC_IMPLICIT) || !m->ac);
	return !smap && !(write && !w->write && m->wp);
}

static u32 fault_code(const struct emu_paging *m, u32 access, u32 why)
{
	u32 code = why | (access & (EMU_PF_WRITE | EMU_PF_USER));

	/* I/D is reported only where a fetch can be refused for being one. */
	if ((access & EMU_PF_FETCH) && ((m->nxe && (m->pae || m->lma)) || m->smep))
		code |= EMU_PF_FETCH;
	return code;
}

/*
 * 0 once A (and D on a written leaf) are in every entry used; 1 if one
 * changed meanwhile; negative if one cannot be reached.
 */
static int set_accessed(const struct emu_walk_ops *ops, void *opaque, const struct walk *w,
			bool write)
{
	int i, r;

	for (i = 0; i < w->n; i++) {
		u64 want = w->pte[i] | PTE_A;

		if (i == w->n - 1 && write)
			want |= PTE_D;
		if (want == w->pte[i])
			continue;
		r = ops->set_pte(opaque, w->pte_gpa[i], w->wide, w->pte[i], want);
		if (r)
			return r;
	}
	return 0;
}

/**
 * emu_walk - translate @gla for @access as the CPU would
 * @m: the paging registers
 * @ops: how entries are read and updated
 * @opaque: for @ops
 * @gla: the linear address
 * @access: EMU_PF_WRITE, EMU_PF_USER, EMU_PF_FETCH, EMU_ACC_IMPLICIT
 * @gpa: the guest-physical address, on EMU_WALK_OK
 * @pf_code: the #PF error code, on EMU_WALK_FAULT
 *
 * Return: an enum emu_walk_result.
 */
int emu_walk(const struct emu_paging *m, const struct emu_walk_ops *ops, void *opaque,
	     u64 gla, u32 access, u64 *gpa, u32 *pf_code)
{
	struct walk w;
	u64 pte = 0;
	int level;

	if (!m->pg) {
		*gpa = (u32)gla;
		return EMU_WALK_OK;
	}
	/*
	 * An entry that changed while A or D went in is walked again, for as
	 * long as it takes, as KVM's walk_addr_generic(): an access that goes
	 * on without its dirty bit would be a write the guest never sees.
	 */
	for (;; ops->relax ? ops->relax(opaque) : (void)0) {
		int r;

		start(m, gla, &w);
		if (m->pae && !m->lma && !(w.table & PTE_P))
			goto not_present;
		for (level = w.levels; ; level--) {
			int bits = w.wide ? 9 : 10;
			u64 idx = (w.gla >> shift_of(&w, level)) & ((1ULL << bits) - 1);
			u64 at = (w.table & (w.wide ? PTE_ADDR : PTE32_ADDR)) +
				 idx * (w.wide ? 8 : 4);

			if (ops->read_pte(opaque, at, w.wide, &pte))
				return EMU_WALK_NO_RAM;
			if (!(pte & PTE_P))
				goto not_present;
			if (pte & reserved_bits(m, &w, level, pte)) {
				*pf_code = fault_code(m, access, EMU_PF_PRESENT | EMU_PF_RSVD);
				return EMU_WALK_FAULT;
			}
			w.user &= !!(pte & PTE_US);
			w.write &= !!(pte & PTE_RW);
			w.nx |= w.wide && m->nxe && (pte & PTE_XD);
			w.pte_gpa[w.n] = at;
			w.pte[w.n++] = pte;
			if (is_leaf(m, &w, level, pte))
				break;
			w.table = pte;
		}
		if (!allowed(m, &w, access)) {
			*pf_code = fault_code(m, access, EMU_PF_PRESENT);
			return EMU_WALK_FAULT;
		}
		r = set_accessed(ops, opaque, &w, access & EMU_PF_WRITE);
		if (r < 0)
			return EMU_WALK_NO_RAM;
		if (!r)
			break;
	}
	*gpa = leaf_gpa(&w, level, pte);
	return EMU_WALK_OK;

not_present:
	*pf_code = fault_code(m, access, 0);
	return EMU_WALK_FAULT;
}
