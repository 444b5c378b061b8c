// SPDX-License-Identifier: GPL-2.0
/*
 * Multiboot v1 (multiboot.h): every number an image gives is checked
 * against the file and guest RAM before anything is copied, with 64-bit
 * arithmetic so no sum wraps; a refusal is one line naming the field.
 */
#include <elf.h>
#include <stdio.h>
#include <string.h>

#include "elfload.h"
#include "multiboot.h"

#define LOW_RAM_END	0xa0000ULL	/* where a PC's VGA hole begins */
#define HIGH_RAM	0x100000ULL

static uint32_t get32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

int mb_find_header(const uint8_t *buf, size_t size, struct mb_header *h, char *err,
		   size_t err_size)
{
	size_t end = size < MB_SEARCH ? size : MB_SEARCH, i, bad = 0;
	bool bad_seen = false;
	uint32_t unmet;

	memset(h, 0, sizeof(*h));
	for (i = 0; i + 12 <= end; i += 4) {
		uint32_t flags = get32(buf + i + 4);

		if (get32(buf + i) != MB_HEADER_MAGIC)
			continue;
		/* A checksum that does not add up: maybe data that looks like one; look on. */
		if (MB_HEADER_MAGIC + flags + get32(buf + i + 8) != 0) {
			if (!bad_seen)
				bad = i;
			bad_seen = true;
			continue;
		}
		h->offset = i;
		h->flags = flags;
		unmet = flags & 0xffff & ~MB_FLAGS_MET;
		if (unmet) {
			snprintf(err, err_size, "multiboot header asks for what this loader does "
				 "not give (flags 0x%x%s)", unmet,
				 unmet & MB_FLAG_VIDEO ? ": a video mode" : "");
			return -1;
		}
		if (!(flags & MB_FLAG_AOUT))
			return 1;
		if (size - i < MB_HEADER_SIZE) {
			snprintf(err, err_size, "multiboot header at 0x%zx: its address fields "
				 "lie past the end of the file", i);
			return -1;
		}
		h->header_addr = get32(buf + i + 12);
		h->load_addr = get32(buf + i + 16);
		h->load_end_addr = get32(buf + i + 20);
		h->bss_end_addr = get32(buf + i + 24);
		h->entry_addr = get32(buf + i + 28);
		return 1;
	}
	if (bad_seen) {
		snprintf(err, err_size, "multiboot header at 0x%zx has a bad checksum", bad);
		return -1;
	}
	snprintf(err, err_size, "no multiboot header in the first %d bytes", MB_SEARCH);
	return 0;
}

/* [gpa, gpa + len) inside [lo, hi), without overflow. */
static bool in_ram(uint64_t gpa, uint64_t len, uint64_t lo, uint64_t hi)
{
	return gpa >= lo && gpa <= hi && len <= hi - gpa;
}

static bool add_segment(struct mb_plan *p, uint64_t gpa, uint64_t off, uint64_t filesz,
			uint64_t memsz, uint64_t lo, uint64_t hi, char *err, size_t err_size)
{
	struct mb_segment *s;

	if (!in_ram(gpa, memsz, lo, hi)) {
		snprintf(err, err_size, "segment at 0x%llx-0x%llx is outside the RAM an "
			 "image may use, 0x%llx-0x%llx", (unsigned long long)gpa,
			 (unsigned long long)(gpa + memsz), (unsigned long long)lo,
			 (unsigned long long)hi);
		return false;
	}
	if (p->nseg == MB_MAX_SEGMENTS) {
		snprintf(err, err_size, "more than %d segments to load", MB_MAX_SEGMENTS);
		return false;
	}
	s = &p->seg[p->nseg++];
	s->gpa = gpa;
	s->offset = off;
	s->filesz = filesz;
	s->memsz = memsz;
	if (gpa < p->lo)
		p->lo = gpa;
	if (gpa + memsz > p->hi)
		p->hi = gpa + memsz;
	return true;
}

/* The a.out kludge: one segment from the header's addresses, the header's own place fixing the offset. */
static bool plan_aout(size_t size, const struct mb_header *h, uint64_t lo, uint64_t hi,
		      struct mb_plan *p, char *err, size_t err_size)
{
	uint64_t skip, off, filesz, memsz;

	if (h->header_addr < h->load_addr) {
		snprintf(err, err_size, "multiboot header_addr 0x%x is below load_addr 0x%x",
			 h->header_addr, h->load_addr);
		return false;
	}
	skip = h->header_addr - h->load_addr;
	if (skip > h->offset) {
		snprintf(err, err_size, "multiboot load_addr 0x%x would start 0x%llx bytes "
			 "before the file", h->load_addr,
			 (unsigned long long)(skip - h->offset));
		return false;
	}
	off = h->offset - skip;
	if (!h->load_end_addr) {
		filesz = size - off;
	} else {
		if (h->load_end_addr <= h->load_addr ||
		    h->load_end_addr - h->load_addr > size - off) {
			snprintf(err, err_size, "multiboot load_end_addr 0x%x is not inside the "
				 "file (%zu bytes from load_addr 0x%x)", h->load_end_addr,
				 (size_t)(size - off), h->load_addr);
			return false;
		}
		filesz = h->load_end_addr - h->load_addr;
	}
	memsz = filesz;
	if (h->bss_end_addr) {
		if (h->bss_end_addr < h->load_addr + filesz) {
			snprintf(err, err_size, "multiboot bss_end_addr 0x%x is below the end of "
				 "what is loaded (0x%llx)", h->bss_end_addr,
				 (unsigned long long)(h->load_addr + filesz));
			return false;
		}
		memsz = h->bss_end_addr - h->load_addr;
	}
	if (!memsz) {
		snprintf(err, err_size, "multiboot image loads nothing");
		return false;
	}
	if (!add_segment(p, h->load_addr, off, filesz, memsz, lo, hi, err, err_size))
		return false;
	p->entry = h->entry_addr;
	return true;
}

/* The ELF's PT_LOAD segments at their physical addresses, as load.c does for a plain image. */
static bool plan_elf(const uint8_t *buf, size_t size, uint64_t lo, uint64_t hi,
		     struct mb_plan *p, char *err, size_t err_size)
{
	struct elf_image e;
	unsigned int i;

	if (size < SELFMAG || memcmp(buf, ELFMAG, SELFMAG)) {
		snprintf(err, err_size, "not an ELF, and its multiboot header has no load "
			 "addresses (flag 16)");
		return false;
	}
	if (!elf_parse(buf, size, &e, err, err_size))
		return false;
	for (i = 0; i < e.nseg; i++) {
		const struct elf_segment *s = &e.seg[i];

		if (!add_segment(p, s->paddr, s->off, s->filesz, s->memsz, lo, hi, err, err_size))
			return false;
	}
	for (i = 0; i < p->nseg; i++)
		if (e.entry >= p->seg[i].gpa && e.entry - p->seg[i].gpa < p->seg[i].memsz)
			break;
	if (i == p->nseg) {
		snprintf(err, err_size, "ELF entry 0x%llx is outside the loaded segments",
			 (unsigned long long)e.entry);
		return false;
	}
	p->entry = e.entry;
	return true;
}

bool mb_plan_load(const uint8_t *buf, size_t size, const struct mb_header *h,
		  uint64_t ram_lo, uint64_t ram_hi, struct mb_plan *plan, char *err,
		  size_t err_size)
{
	memset(plan, 0, sizeof(*plan));
	plan->lo = ~0ULL;
	if (h->flags & MB_FLAG_AOUT) {
		if (!plan_aout(size, h, ram_lo, ram_hi, plan, err, err_size))
			return false;
		if (plan->entry < plan->lo || plan->entry >= plan->hi) {
			snprintf(err, err_size, "multiboot entry_addr 0x%x is outside what is "
				 "loaded (0x%llx-0x%llx)", plan->entry,
				 (unsigned long long)plan->lo, (unsigned long long)plan->hi);
			return false;
		}
		return true;
	}
	return plan_elf(buf, size, ram_lo, ram_hi, plan, err, err_size);
}

/* Space for @len bytes at the cursor, 8-byte aligned: its offset in the area, or -1. */
static long take(uint32_t *cursor, uint32_t size, uint64_t len)
{
	uint32_t at = (*cursor + 7) & ~7u;

	if (at > size || len > size - at)
		return -1;
	*cursor = at + len;
	return at;
}

static long put_string(uint8_t *area, uint32_t *cursor, uint32_t size, const char *s)
{
	size_t len = strlen(s) + 1;
	long at = take(cursor, size, len);

	if (at >= 0)
		memcpy(area + at, s, len);
	return at;
}

static void mmap_entry(uint8_t *e, uint64_t base, uint64_t len, uint32_t type)
{
	put32(e, MB_MMAP_ENTRY - 4);	/* the size field does not count itself */
	put64(e + 4, base);
	put64(e + 12, len);
	put32(e + 20, type);
}

bool mb_write_info(uint8_t *area, uint32_t base, uint32_t size, const struct mb_boot *b,
		   uint32_t *info, char *err, size_t err_size)
{
	unsigned int nmap = b->mem_size > b->ram_end ? 3 : 2, i;
	uint32_t cursor = 0;
	long mbi, map, mods, s;

	if (b->ram_end <= HIGH_RAM || b->mem_size < b->ram_end || b->mem_size > 0xffffffffULL ||
	    b->nmods > MB_MAX_MODULES) {
		snprintf(err, err_size, "no multiboot information for this memory layout");
		return false;
	}
	mbi = take(&cursor, size, MBI_SIZE);
	map = take(&cursor, size, nmap * MB_MMAP_ENTRY);
	mods = take(&cursor, size, (uint64_t)b->nmods * MB_MOD_SIZE);
	if (mbi < 0 || map < 0 || mods < 0)
		goto full;
	memset(area + mbi, 0, MBI_SIZE);

	/* What a PC without a BIOS of its own has: low RAM, then RAM from 1 MiB. */
	put32(area + mbi + MBI_MEM_LOWER, LOW_RAM_END >> 10);
	put32(area + mbi + MBI_MEM_UPPER, (b->ram_end - HIGH_RAM) >> 10);
	mmap_entry(area + map, 0, LOW_RAM_END, MB_MMAP_RAM);
	mmap_entry(area + map + MB_MMAP_ENTRY, HIGH_RAM, b->ram_end - HIGH_RAM, MB_MMAP_RAM);
	if (nmap == 3)
		mmap_entry(area + map + 2 * MB_MMAP_ENTRY, b->ram_end, b->mem_size - b->ram_end,
			   MB_MMAP_RESERVED);
	put32(area + mbi + MBI_MMAP_LENGTH, nmap * MB_MMAP_ENTRY);
	put32(area + mbi + MBI_MMAP_ADDR, base + map);

	s = put_string(area, &cursor, size, b->cmdline ? b->cmdline : "");
	if (s < 0)
		goto full;
	put32(area + mbi + MBI_CMDLINE, base + s);

	for (i = 0; i < b->nmods; i++) {
		uint8_t *m = area + mods + i * MB_MOD_SIZE;

		s = put_string(area, &cursor, size, b->mods[i].cmdline ? b->mods[i].cmdline : "");
		if (s < 0)
			goto full;
		put32(m, b->mods[i].start);
		put32(m + 4, b->mods[i].end);
		put32(m + 8, base + s);
		put32(m + 12, 0);
	}
	put32(area + mbi + MBI_MODS_COUNT, b->nmods);
	put32(area + mbi + MBI_MODS_ADDR, base + mods);

	s = put_string(area, &cursor, size, b->loader ? b->loader : "");
	if (s < 0)
		goto full;
	put32(area + mbi + MBI_LOADER_NAME, base + s);

	put32(area + mbi + MBI_FLAGS, MBI_FLAG_MEM | MBI_FLAG_CMDLINE | MBI_FLAG_MODS |
	      MBI_FLAG_MMAP | MBI_FLAG_LOADER);
	*info = base + mbi;
	return true;
full:
	snprintf(err, err_size, "the multiboot information (command lines included) does not "
		 "fit in its %u bytes at 0x%x: shorten --append", size, base);
	return false;
}
