// SPDX-License-Identifier: GPL-2.0
/*
 * Putting the image into guest RAM: a static ELF (32 or 64-bit x86, its
 * PT_LOAD segments at their physical addresses) or, for anything not
 * starting with the ELF magic, a flat binary at FLAT_LOAD_ADDR.  Nothing
 * may reach into the tool's area at the top of RAM.  Addresses are those
 * of the first vCPU's slice (all of RAM with one vCPU); the caller copies
 * the image into the other slices.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elfload.h"
#include "kvmini.h"
#include "multiboot.h"

/*
 * --multiboot: the boot information, memory map and strings in low
 * memory, where QEMU's multiboot option ROM puts them (0x9000), above the
 * stack x86_setup() leaves under 0x8000; an image may not load below its end.
 */
#define MB_INFO_BASE	0x9000U
#define MB_INFO_END	0x10000U
#define PAGE_ALIGN(x)	(((x) + 0xfffULL) & ~0xfffULL)

/* Where the tool's area starts in each slice, as an offset from the slice. */
uint64_t tool_area_base(const struct vm *vm)
{
	return vm->slice_size - TOOL_AREA_SIZE;
}

/* The whole of @path; an empty file only when @empty_ok (a module may be one). */
static uint8_t *read_file(const char *path, size_t *size, bool empty_ok)
{
	struct stat st;
	uint8_t *buf;
	size_t done = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0)
		die("%s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		die("%s: not a regular file", path);
	if (st.st_size == 0 && !empty_ok)
		die("%s: empty image", path);
	if ((uint64_t)st.st_size > MEM_MAX)
		die("%s: %lld bytes is more than any guest RAM (max %llu MiB)",
		    path, (long long)st.st_size, MEM_MAX >> 20);
	buf = malloc(st.st_size ? st.st_size : 1);
	if (!buf)
		die("out of memory");
	while (done < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + done, st.st_size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("%s: read: %s", path, n ? strerror(errno) : "file shrank");
		done += n;
	}
	close(fd);
	*size = done;
	return buf;
}

/* [gpa, gpa + len) must lie in RAM below the tool's area. */
static void place(struct vm *vm, const char *path, const char *what,
		  uint64_t gpa, uint64_t len)
{
	uint64_t limit = tool_area_base(vm);

	if (gpa > limit || len > limit - gpa) {
		if (vm->nr_vcpus > 1)
			die("%s: %s at 0x%llx-0x%llx does not fit in a vCPU's slice of guest "
			    "RAM: must end by 0x%llx with --mem %lluK and --vcpus %u (the top "
			    "64 KiB of each slice is the tool's)", path, what,
			    (unsigned long long)gpa, (unsigned long long)(gpa + len),
			    (unsigned long long)limit, (unsigned long long)(vm->mem_size >> 10),
			    vm->nr_vcpus);
		die("%s: %s at 0x%llx-0x%llx does not fit in guest RAM: must end "
		    "by 0x%llx with --mem %lluK (the top 64 KiB is the tool's)",
		    path, what, (unsigned long long)gpa,
		    (unsigned long long)(gpa + len), (unsigned long long)limit,
		    (unsigned long long)(vm->mem_size >> 10));
	}
}

static void widen(struct image *img, uint64_t lo, uint64_t hi)
{
	if (lo < img->lo)
		img->lo = lo;
	if (hi > img->hi)
		img->hi = hi;
}

static void load_elf(struct vm *vm, const char *path, const uint8_t *buf,
		     size_t size, struct image *img)
{
	struct elf_image e;
	char err[160];
	unsigned int i;

	if (!elf_parse(buf, size, &e, err, sizeof(err)))
		die("%s: not a valid ELF: %s", path, err);
	img->kind = e.is64 ? IMAGE_ELF64 : IMAGE_ELF32;
	img->entry = e.entry;
	img->lo = ~0ULL;
	img->hi = 0;
	for (i = 0; i < e.nseg; i++) {
		const struct elf_segment *s = &e.seg[i];

		place(vm, path, "a segment", s->paddr, s->memsz);
		/* The rest of memsz is .bss: already zero in fresh RAM. */
		memcpy(vm->mem + s->paddr, buf + s->off, s->filesz);
		widen(img, s->paddr, s->paddr + s->memsz);
	}
	if (img->entry < img->lo || img->entry >= img->hi)
		die("%s: not a valid ELF: entry 0x%llx is outside the loaded segments",
		    path, (unsigned long long)img->entry);
}

void image_load(struct vm *vm, const char *path, struct image *img)
{
	size_t size;
	uint8_t *buf = read_file(path, &size, false);

	memset(img, 0, sizeof(*img));
	if (size >= SELFMAG && !memcmp(buf, ELFMAG, SELFMAG)) {
		load_elf(vm, path, buf, size, img);
	} else {
		img->kind = IMAGE_FLAT;
		place(vm, path, "the flat image", FLAT_LOAD_ADDR, size);
		memcpy(vm->mem + FLAT_LOAD_ADDR, buf, size);
		img->entry = FLAT_LOAD_ADDR;
		img->lo = FLAT_LOAD_ADDR;
		img->hi = FLAT_LOAD_ADDR + size;
	}
	free(buf);
}

/*
 * As QEMU's -kernel does with an image that has a multiboot header: the
 * image by its ELF program headers (or the header's a.out addresses),
 * each module page-aligned after it, the command line "FILE APPEND"
 * (kvm-unit-tests takes its argv from it, argv[0] the file), the memory
 * map of RAM below the tool's area.
 */
void multiboot_load(struct vm *vm, const struct multiboot_boot *mb, uint32_t *entry,
		    uint32_t *info)
{
	uint64_t area = tool_area_base(vm), next;
	struct mb_module mods[MB_MAX_MODULES];
	struct mb_header h;
	struct mb_plan plan;
	struct mb_boot b;
	char err[300], *cmdline;
	unsigned int i;
	size_t size;
	uint8_t *buf = read_file(mb->kernel, &size, false);
	int found = mb_find_header(buf, size, &h, err, sizeof(err));

	_Static_assert(MULTIBOOT_MAX_MODULES <= MB_MAX_MODULES, "module limits");
	if (found <= 0)
		die("%s: not a multiboot image: %s", mb->kernel, err);
	if (!mb_plan_load(buf, size, &h, MB_INFO_END, area, &plan, err, sizeof(err)))
		die("%s: %s (--mem %lluK, the top 64 KiB the tool's)", mb->kernel, err,
		    (unsigned long long)(vm->mem_size >> 10));
	for (i = 0; i < plan.nseg; i++) {
		const struct mb_segment *s = &plan.seg[i];

		memcpy(vm->mem + s->gpa, buf + s->offset, s->filesz);
		memset(vm->mem + s->gpa + s->filesz, 0, s->memsz - s->filesz);
	}
	free(buf);

	next = PAGE_ALIGN(plan.hi);
	for (i = 0; i < mb->nmodules; i++) {
		buf = read_file(mb->modules[i], &size, true);
		if (next > area || size > area - next)
			die("%s: %zu bytes do not fit in guest RAM after the image (module at "
			    "0x%llx, RAM to 0x%llx): give more --mem", mb->modules[i], size,
			    (unsigned long long)next, (unsigned long long)area);
		memcpy(vm->mem + next, buf, size);
		free(buf);
		mods[i].start = next;
		mods[i].end = next + size;
		mods[i].cmdline = mb->modules[i];
		next = PAGE_ALIGN(next + size);
	}

	if (asprintf(&cmdline, "%s%s%s", mb->kernel, mb->append ? " " : "",
		     mb->append ? mb->append : "") < 0)
		die("out of memory");
	memset(&b, 0, sizeof(b));
	b.ram_end = area;
	b.mem_size = vm->mem_size;
	b.cmdline = cmdline;
	b.loader = "kvmini";
	b.nmods = mb->nmodules;
	b.mods = mods;
	if (!mb_write_info(vm->mem + MB_INFO_BASE, MB_INFO_BASE, MB_INFO_END - MB_INFO_BASE, &b,
			   info, err, sizeof(err))) {
		free(cmdline);
		die("%s: %s", mb->kernel, err);
	}
	free(cmdline);
	*entry = plan.entry;
}

/*
 * The state the specification promises: 32-bit protected mode, paging
 * off, flat 4 GiB CS, DS, ES, SS (x86_setup()'s), interrupts off, EAX the
 * boot magic, EBX the boot information.  A20 is always on under KVM.
 */
void multiboot_setup_vcpu(struct vcpu *vcpu, uint32_t entry, uint32_t info)
{
	struct kvm_regs regs;

	x86_setup(vcpu, MODE_PROTECTED, entry);
	if (ioctl(vcpu->fd, KVM_GET_REGS, &regs) < 0)
		die("%s: KVM_GET_REGS: %s", vcpu->vm->device, strerror(errno));
	regs.rax = MB_BOOT_MAGIC;
	regs.rbx = info;
	vcpu_set_regs(vcpu, &regs);
}
