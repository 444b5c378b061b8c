// SPDX-License-Identifier: GPL-2.0
/*
 * Booting a bzImage by the 64-bit boot protocol (Documentation/arch/x86/
 * boot.rst, "64-bit Boot Protocol"): the protected-mode kernel at its
 * preferred address, a zero page (struct boot_params) holding the setup
 * header from the file, an e820 map, the command line and the initrd,
 * and the CPU in long mode with identity paging (x86_setup.c's, which
 * maps the low 4 GiB), RSI pointing at the zero page and RIP at the load
 * address + 0x200.  Guest memory:
 *   0x10000  the zero page           0x20000  the command line
 *   pref_address (16 MiB for Debian)  the kernel, init_size bytes reserved
 *   under the tool's area (or initrd_addr_max)  the initrd, page-aligned
 *   the top 64 KiB                   x86_setup.c's GDT and page tables (e820 reserved)
 * Everything below 1 MiB but the BIOS hole is RAM: Linux wants its
 * real-mode trampoline there.
 *
 * --kernel also takes the kernel's own ELF (vmlinux, which
 * tests/guests/linux/extract-vmlinux.sh gets out of a bzImage), as
 * Firecracker does: its segments at their physical addresses, its entry
 * (startup_64) entered the same way, the zero page's header made up here.
 * That skips the guest's decompression, most of a boot's instructions.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bzimage.h"
#include "kvmini.h"

#define ZERO_PAGE		0x10000ULL
#define CMDLINE_ADDR		0x20000ULL
#define LOW_RAM_END		0xa0000ULL	/* the VGA hole and the BIOS above */
#define HIGH_RAM		0x100000ULL
#define ENTRY_64_OFFSET		0x200

/* boot_params, beyond the setup header (arch/x86/include/uapi/asm/bootparam.h). */
#define BP_EXT_RAMDISK_IMAGE	0x0c0
#define BP_EXT_RAMDISK_SIZE	0x0c4
#define BP_EXT_CMD_LINE_PTR	0x0c8
#define BP_E820_ENTRIES		0x1e8
#define BP_E820_TABLE		0x2d0
#define E820_RAM		1
#define E820_RESERVED		2
#define LOADER_UNDEFINED	0xff
/* What a vmlinux gets in place of a bzImage's setup header. */
#define VMLINUX_VERSION		0x020f
#define VMLINUX_CMDLINE_SIZE	2048	/* x86's COMMAND_LINE_SIZE */
#define VMLINUX_ALIGN		0x200000

const char linux_default_cmdline[] =
	"console=ttyS0 earlyprintk=serial,ttyS0 noapic nolapic acpi=off reboot=k i8042.noaux";

static uint8_t *slurp(const char *path, size_t *size)
{
	struct stat st;
	uint8_t *buf;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		die("%s: not a regular file", path);
	if ((uint64_t)st.st_size > MEM_MAX)
		die("%s: %lld bytes is more than any guest RAM", path, (long long)st.st_size);
	buf = malloc(st.st_size ? st.st_size : 1);
	if (!buf)
		die("out of memory");
	if (st.st_size && !pread_all(fd, buf, st.st_size, 0))
		die("%s: read: %s", path, strerror(errno));
	close(fd);
	*size = st.st_size;
	return buf;
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void e820_add(uint8_t *zp, uint64_t addr, uint64_t size, uint32_t type)
{
	uint8_t *e = zp + BP_E820_TABLE + zp[BP_E820_ENTRIES]++ * 20;

	memcpy(e, &addr, 8);
	memcpy(e + 8, &size, 8);
	put32(e + 16, type);
}

/* A vmlinux: load.c puts its segments in place; the header a bzImage would have had. */
static uint64_t load_vmlinux(struct vm *vm, const char *path, uint8_t *zp,
			     struct bzimage *bz, uint64_t *entry)
{
	struct image img;
	uint16_t v;

	image_load(vm, path, &img);
	if (img.kind != IMAGE_ELF64)
		die("%s: an ELF, but not a 64-bit kernel", path);
	*entry = img.entry;
	memset(bz, 0, sizeof(*bz));
	bz->initrd_addr_max = 0x7fffffff;
	bz->cmdline_size = VMLINUX_CMDLINE_SIZE;
	v = 0xaa55;
	memcpy(zp + BZ_BOOT_FLAG, &v, 2);
	memcpy(zp + BZ_HEADER, "HdrS", 4);
	v = VMLINUX_VERSION;
	memcpy(zp + BZ_VERSION, &v, 2);
	zp[BZ_LOADFLAGS] = BZ_LOADED_HIGH;
	put32(zp + BZ_INITRD_ADDR_MAX, bz->initrd_addr_max);
	put32(zp + BZ_KERNEL_ALIGNMENT, VMLINUX_ALIGN);
	put32(zp + BZ_CMDLINE_SIZE, VMLINUX_CMDLINE_SIZE - 1);
	return img.hi;
}

/* A bzImage: its protected-mode part at its preferred address, its header into the zero page. */
static uint64_t load_bzimage(struct vm *vm, const char *path, const uint8_t *buf, size_t size,
			     uint8_t *zp, struct bzimage *bz, uint64_t *entry)
{
	uint64_t load, end;
	char err[200];

	if (!bzimage_parse(buf, size, bz, err, sizeof(err)))
		die("%s: %s", path, err);
	load = bz->pref_address ? bz->pref_address : HIGH_RAM;
	end = load + (bz->init_size > bz->kernel_size ? bz->init_size : bz->kernel_size);
	if (end > tool_area_base(vm))
		die("%s: the kernel needs RAM up to 0x%llx: give it more --mem than %lluM",
		    path, (unsigned long long)end, (unsigned long long)(vm->mem_size >> 20));
	memcpy(vm->mem + load, buf + bz->kernel_offset, bz->kernel_size);
	memcpy(zp + BZ_SETUP_SECTS, buf + BZ_SETUP_SECTS, bz->header_end - BZ_SETUP_SECTS);
	*entry = load + ENTRY_64_OFFSET;
	return end;
}

void linux_load(struct vm *vm, const struct linux_boot *lb, uint64_t *entry)
{
	uint64_t area = tool_area_base(vm), kernel_end, initrd = 0, top;
	uint8_t *zp = vm->mem + ZERO_PAGE;
	size_t size, initrd_size = 0;
	struct bzimage bz;
	char *cmdline;
	uint8_t *buf = slurp(lb->kernel, &size);

	memset(zp, 0, 4096);
	if (size >= SELFMAG && !memcmp(buf, ELFMAG, SELFMAG))
		kernel_end = load_vmlinux(vm, lb->kernel, zp, &bz, entry);
	else
		kernel_end = load_bzimage(vm, lb->kernel, buf, size, zp, &bz, entry);
	free(buf);
	zp[BZ_TYPE_OF_LOADER] = LOADER_UNDEFINED;

	if (asprintf(&cmdline, "%s%s%s", linux_default_cmdline, lb->append ? " " : "",
		     lb->append ? lb->append : "") < 0)
		die("out of memory");
	if (strlen(cmdline) + 1 > bz.cmdline_size)
		die("the command line is %zu bytes, the kernel takes %u: shorten --append",
		    strlen(cmdline), bz.cmdline_size - 1);
	strcpy((char *)vm->mem + CMDLINE_ADDR, cmdline);
	free(cmdline);
	put32(zp + BZ_CMD_LINE_PTR, CMDLINE_ADDR);
	put32(zp + BP_EXT_CMD_LINE_PTR, CMDLINE_ADDR >> 32);

	if (lb->initrd) {
		buf = slurp(lb->initrd, &initrd_size);
		top = (uint64_t)bz.initrd_addr_max + 1 < area ? (uint64_t)bz.initrd_addr_max + 1 :
								 area;
		initrd = (top - initrd_size) & ~0xfffULL;
		if (initrd_size > top || initrd < kernel_end)
			die("%s: %zu bytes do not fit between the kernel (to 0x%llx) and 0x%llx: "
			    "give more --mem", lb->initrd, initrd_size,
			    (unsigned long long)kernel_end, (unsigned long long)top);
		memcpy(vm->mem + initrd, buf, initrd_size);
		free(buf);
		put32(zp + BZ_RAMDISK_IMAGE, initrd);
		put32(zp + BP_EXT_RAMDISK_IMAGE, initrd >> 32);
		put32(zp + BZ_RAMDISK_SIZE, initrd_size);
		put32(zp + BP_EXT_RAMDISK_SIZE, (uint64_t)initrd_size >> 32);
	}

	e820_add(zp, 0, LOW_RAM_END, E820_RAM);
	e820_add(zp, HIGH_RAM, area - HIGH_RAM, E820_RAM);
	e820_add(zp, area, vm->mem_size - area, E820_RESERVED);
}

/* After x86_setup() in long mode: the protocol's RSI. */
void linux_setup_vcpu(struct vcpu *vcpu)
{
	struct kvm_regs regs;

	if (ioctl(vcpu->fd, KVM_GET_REGS, &regs) < 0)
		die("%s: KVM_GET_REGS: %s", vcpu->vm->device, strerror(errno));
	regs.rsi = ZERO_PAGE;
	vcpu_set_regs(vcpu, &regs);
}
