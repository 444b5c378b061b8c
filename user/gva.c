// SPDX-License-Identifier: GPL-2.0
/*
 * The page walks of SDM Vol. 3A chapter 4 (4.3 32-bit, 4.4 PAE, 4.5
 * 4/5-level), reading entries out of guest RAM.  A table or an entry
 * that lies outside RAM, a non-present entry, a non-canonical address,
 * a PS bit where none may be, or a final address outside RAM: -EFAULT.
 * Work is done in 4 KiB steps whatever the page size, so a buffer is
 * translated page by page and never assumed contiguous in RAM.
 * Reserved bits and U/S, NX are not checked: the guests run at CPL 0 and
 * a CPU would fault on reserved bits before the guest could call us.
 */
#include <errno.h>
#include <string.h>

#include "gva.h"

#define CR0_WP		(1ULL << 16)
#define CR0_PG		(1ULL << 31)
#define CR4_PSE		(1ULL << 4)
#define CR4_PAE		(1ULL << 5)
#define CR4_LA57	(1ULL << 12)
#define EFER_LMA	(1ULL << 10)

#define PTE_P		(1ULL << 0)
#define PTE_RW		(1ULL << 1)
#define PTE_PS		(1ULL << 7)
/* Bits 51:12 of 64-bit entries; the CPU's MAXPHYADDR is at most 52. */
#define PTE_ADDR	0x000ffffffffff000ULL

#define PAGE		4096ULL

void gva_mmu_init(struct gva_mmu *m, const struct kvm_sregs *s,
		  uint8_t *mem, uint64_t mem_size)
{
	memset(m, 0, sizeof(*m));
	m->mem = mem;
	m->mem_size = mem_size;
	m->cr3 = s->cr3;
	m->wp = s->cr0 & CR0_WP;
	m->pse = s->cr4 & CR4_PSE;
	if (!(s->cr0 & CR0_PG))
		m->paging = GVA_NONE;
	else if (s->efer & EFER_LMA)
		m->paging = s->cr4 & CR4_LA57 ? GVA_LONG5 : GVA_LONG4;
	else if (s->cr4 & CR4_PAE)
		m->paging = GVA_PAE;
	else
		m->paging = GVA_32;
}

static bool in_ram(const struct gva_mmu *m, uint64_t gpa, uint64_t len)
{
	return gpa <= m->mem_size && len <= m->mem_size - gpa;
}

static bool entry64(const struct gva_mmu *m, uint64_t gpa, uint64_t *e)
{
	if (!in_ram(m, gpa, 8))
		return false;
	memcpy(e, m->mem + gpa, 8);
	return true;
}

static bool entry32(const struct gva_mmu *m, uint64_t gpa, uint32_t *e)
{
	if (!in_ram(m, gpa, 4))
		return false;
	memcpy(e, m->mem + gpa, 4);
	return true;
}

static bool writable(const struct gva_mmu *m, uint64_t e, bool write)
{
	return !write || !m->wp || (e & PTE_RW);
}

/*
 * Levels @level down to 1 of 64-bit entries, 9 bits each, from @table.
 * PS makes a page at levels 2 (2 MiB) and 3 (1 GiB); at 4 and 5 it is
 * reserved, at 1 it is PAT.
 */
static int walk64(const struct gva_mmu *m, uint64_t table, uint64_t gva,
		  bool write, int level, uint64_t *gpa)
{
	for (; level >= 1; level--) {
		unsigned int shift = 12 + 9 * (level - 1);
		uint64_t e, size;

		if (!entry64(m, table + ((gva >> shift) & 511) * 8, &e))
			return -EFAULT;
		if (!(e & PTE_P) || !writable(m, e, write))
			return -EFAULT;
		if (level > 1 && !(e & PTE_PS)) {
			table = e & PTE_ADDR;
			continue;
		}
		if (level > 3)
			return -EFAULT;
		size = 1ULL << shift;
		*gpa = (e & PTE_ADDR & ~(size - 1)) | (gva & (size - 1));
		return 0;
	}
	return -EFAULT;
}

static int walk_long(const struct gva_mmu *m, uint64_t gva, bool write,
		     int levels, uint64_t *gpa)
{
	unsigned int bits = 12 + 9 * levels;
	uint64_t canonical = (uint64_t)((int64_t)(gva << (64 - bits)) >> (64 - bits));

	if (canonical != gva)
		return -EFAULT;
	return walk64(m, m->cr3 & PTE_ADDR, gva, write, levels, gpa);
}

/* The CPU loads the 4 PDPTEs at MOV to CR3; reading them now is close enough. */
static int walk_pae(const struct gva_mmu *m, uint64_t gva, bool write, uint64_t *gpa)
{
	uint64_t pdpte;

	if (!entry64(m, (m->cr3 & 0xffffffe0) + ((gva >> 30) & 3) * 8, &pdpte) ||
	    !(pdpte & PTE_P))
		return -EFAULT;
	/* PDPTEs have no R/W bit: the PD and PT decide. */
	return walk64(m, pdpte & PTE_ADDR, gva, write, 2, gpa);
}

static int walk_32(const struct gva_mmu *m, uint64_t gva, bool write, uint64_t *gpa)
{
	uint32_t pde, pte;

	if (!entry32(m, (m->cr3 & 0xfffff000) + (gva >> 22) * 4, &pde) ||
	    !(pde & PTE_P) || !writable(m, pde, write))
		return -EFAULT;
	if ((pde & PTE_PS) && m->pse) {
		/* PSE-36: PDE bits 20:13 are physical address bits 39:32. */
		uint64_t base = (pde & 0xffc00000) | ((uint64_t)((pde >> 13) & 0xff) << 32);

		*gpa = base | (gva & 0x3fffff);
		return 0;
	}
	if (!entry32(m, (pde & 0xfffff000) + ((gva >> 12) & 0x3ff) * 4, &pte) ||
	    !(pte & PTE_P) || !writable(m, pte, write))
		return -EFAULT;
	*gpa = (pte & 0xfffff000) | (gva & 0xfff);
	return 0;
}

int gva_to_gpa(const struct gva_mmu *m, uint64_t gva, bool write, uint64_t *gpa)
{
	uint64_t pa;
	int r;

	switch (m->paging) {
	case GVA_NONE:
		r = gva >> 32 ? -EFAULT : 0;
		pa = gva;
		break;
	case GVA_32:
		r = gva >> 32 ? -EFAULT : walk_32(m, gva, write, &pa);
		break;
	case GVA_PAE:
		r = gva >> 32 ? -EFAULT : walk_pae(m, gva, write, &pa);
		break;
	case GVA_LONG4:
		r = walk_long(m, gva, write, 4, &pa);
		break;
	case GVA_LONG5:
		r = walk_long(m, gva, write, 5, &pa);
		break;
	default:
		r = -EFAULT;
	}
	if (r)
		return r;
	if (!in_ram(m, pa, 1))
		return -EFAULT;
	*gpa = pa;
	return 0;
}

/* Bytes from @gva to the end of its 4 KiB page, at most @len. */
static uint64_t chunk(uint64_t gva, uint64_t len)
{
	uint64_t left = PAGE - (gva & (PAGE - 1));

	return len < left ? len : left;
}

/* One piece of a buffer: @gva's page, as far as @len goes, all in RAM. */
static int piece(const struct gva_mmu *m, uint64_t gva, uint64_t len, bool write,
		 uint64_t *gpa, uint64_t *n)
{
	int r = gva_to_gpa(m, gva, write, gpa);

	if (r)
		return r;
	*n = chunk(gva, len);
	return in_ram(m, *gpa, *n) ? 0 : -EFAULT;
}

static bool wraps(uint64_t gva, uint64_t len)
{
	return len && gva + (len - 1) < gva;
}

int gva_check(const struct gva_mmu *m, uint64_t gva, uint64_t len, bool write)
{
	uint64_t gpa, n;
	int r;

	if (wraps(gva, len))
		return -EFAULT;
	for (; len; gva += n, len -= n) {
		r = piece(m, gva, len, write, &gpa, &n);
		if (r)
			return r;
	}
	return 0;
}

int gva_read(const struct gva_mmu *m, uint64_t gva, void *buf, size_t len)
{
	uint8_t *out = buf;
	uint64_t gpa, n;
	int r;

	if (wraps(gva, len))
		return -EFAULT;
	for (; len; gva += n, len -= n, out += n) {
		r = piece(m, gva, len, false, &gpa, &n);
		if (r)
			return r;
		memcpy(out, m->mem + gpa, n);
	}
	return 0;
}

int gva_write(const struct gva_mmu *m, uint64_t gva, const void *buf, size_t len)
{
	const uint8_t *in = buf;
	uint64_t gpa, n;
	int r;

	if (wraps(gva, len))
		return -EFAULT;
	for (; len; gva += n, len -= n, in += n) {
		r = piece(m, gva, len, true, &gpa, &n);
		if (r)
			return r;
		memcpy(m->mem + gpa, in, n);
	}
	return 0;
}

long gva_read_string(const struct gva_mmu *m, uint64_t gva, char *buf, size_t size)
{
	size_t done = 0;

	while (done < size) {
		uint64_t gpa, n;
		const uint8_t *nul;
		int r;

		/* Never past the page the NUL is on: the next may be unmapped. */
		r = piece(m, gva, size - done, false, &gpa, &n);
		if (r)
			return r;
		nul = memchr(m->mem + gpa, 0, n);
		if (nul)
			n = nul - (m->mem + gpa) + 1;
		memcpy(buf + done, m->mem + gpa, n);
		done += n;
		if (nul)
			return done - 1;
		if (gva + n < gva)
			return -EFAULT;
		gva += n;
	}
	return -E2BIG;
}
