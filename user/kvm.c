// SPDX-License-Identifier: GPL-2.0
/*
 * The device, the VM and its vCPUs, through the KVM ioctls kvmini
 * implements and nothing else, so a run on /dev/kvm proves the tool and
 * a run on /dev/kvmini tests the module.  Failures here are setup errors:
 * one line naming the ioctl, and what to do when the cause is common.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvm_para.h>

#include "kvmini.h"

#define CPUID_1_ECX_VMX		(1u << 5)
#define CPUID_1_ECX_CX16	(1u << 13)
#define CPUID_1_ECX_HYPERVISOR	(1u << 31)
#define CPUID_1_ECX_X2APIC	(1u << 21)
#define CPUID_1_EDX_APIC	(1u << 9)

/* What the tool needs beyond KVM_GET_API_VERSION 12, which every KVM since 2.6.22 says. */
static const struct { int cap; const char *name; } required_caps[] = {
	{ KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY" },
	{ KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR" },
	{ KVM_CAP_SET_IDENTITY_MAP_ADDR, "KVM_CAP_SET_IDENTITY_MAP_ADDR" },
	{ KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID" },
	/* Without it a kick between two KVM_RUNs is lost (vcpu.c). */
	{ KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT" },
};

static const char *load_hint(const char *device)
{
	if (strstr(device, "kvmini"))
		return "is the module loaded? (insmod kvmini.ko)";
	if (strstr(device, "kvm"))
		return "is KVM loaded? (modprobe kvm_intel or kvm_amd)";
	return "is the module loaded?";
}

/*
 * The messages a user meets first, each one line (without "kvmini: ")
 * that names the device and what to do; apart from the ioctls so the
 * unit tests can hold every one of them to that.
 */
void open_error(char *buf, size_t size, const char *device, int err)
{
	switch (err) {
	case ENOENT:
	case ENODEV:
	case ENXIO:
		snprintf(buf, size, "%s: no such device -- %s", device, load_hint(device));
		break;
	case EACCES:
	case EPERM:
		/* kvm is the group Debian's udev gives /dev/kvm; README gives kvmini's node the same. */
		snprintf(buf, size, "%s: permission denied -- add your user to group kvm "
			 "(usermod -aG kvm USER; log in again) with %s in group kvm, mode 0660 "
			 "(README: a udev rule), or run as root", device, device);
		break;
	default:
		snprintf(buf, size, "%s: %s", device, strerror(err));
	}
}

/* @version as KVM_GET_API_VERSION returned it, @err its errno when negative. */
void api_error(char *buf, size_t size, const char *device, int version, int err)
{
	if (version < 0)
		snprintf(buf, size, "%s: KVM_GET_API_VERSION: %s -- not a KVM-compatible device?",
			 device, strerror(err));
	else if (version < KVM_API_VERSION)
		snprintf(buf, size, "%s: KVM API version %d, older than the %d this tool speaks "
			 "-- the kernel (or module) is too old for this tool", device, version,
			 KVM_API_VERSION);
	else
		snprintf(buf, size, "%s: KVM API version %d, newer than the %d this tool speaks "
			 "-- the kernel (or module) is too new for this tool: rebuild it against "
			 "that kernel's headers", device, version, KVM_API_VERSION);
}

void cap_error(char *buf, size_t size, const char *device, const char *cap)
{
	snprintf(buf, size, "%s: no %s -- the kernel (or module) is too old for this tool, "
		 "which needs it", device, cap);
}

int kvm_open(const char *device)
{
	char msg[512];
	int fd = open(device, O_RDWR | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	open_error(msg, sizeof(msg), device, errno);
	die("%s", msg);
}

void kvm_check_api(int sys_fd, const char *device)
{
	char msg[512];
	int v = ioctl(sys_fd, KVM_GET_API_VERSION, 0);

	if (v == KVM_API_VERSION)
		return;
	api_error(msg, sizeof(msg), device, v, errno);
	die("%s", msg);
}

/* Before anything else is asked of the device, so a kernel too old is said first. */
static void check_caps(int sys_fd, const char *device)
{
	char msg[512];
	unsigned int i;

	for (i = 0; i < sizeof(required_caps) / sizeof(required_caps[0]); i++) {
		if (ioctl(sys_fd, KVM_CHECK_EXTENSION, required_caps[i].cap) > 0)
			continue;
		cap_error(msg, sizeof(msg), device, required_caps[i].name);
		die("%s", msg);
	}
}

/*
 * The host's CPUID as KVM would offer it, minus VMX and with the
 * hypervisor bit, as QEMU does: KVM offers nested VMX and kvmini does
 * not, and KVM on 6.1 leaves the hypervisor bit to the VMM; the guests
 * must see the same CPU on both.
 */
/* Linux 5.8's; older uapi headers lack it. */
#ifndef KVM_FEATURE_ASYNC_PF_INT
#define KVM_FEATURE_ASYNC_PF_INT	14
#endif

/*
 * The x2APIC ID is in EDX of leaf 0xB, whatever the subleaf.  A device
 * that offers no topology (kvmini) has no entry for it: one with the ID
 * alone (EBX 0: no levels described), as the leaf reads on a CPU whose
 * topology is not enumerated, so a guest still finds its ID there.
 */
static struct kvm_cpuid2 *add_x2apic_id_leaf(struct kvm_cpuid2 *cpuid)
{
	unsigned int i, max_basic = 0;

	for (i = 0; i < cpuid->nent; i++) {
		if (cpuid->entries[i].function == 0xb)
			return cpuid;
		if (cpuid->entries[i].function == 0)
			max_basic = cpuid->entries[i].eax;
	}
	if (max_basic < 0xb)
		return cpuid;
	cpuid = realloc(cpuid, sizeof(*cpuid) + (cpuid->nent + 1) * sizeof(cpuid->entries[0]));
	if (!cpuid)
		die("out of memory");
	cpuid->entries[cpuid->nent++] = (struct kvm_cpuid_entry2){ .function = 0xb };
	return cpuid;
}

static void set_cpuid(struct vm *vm, struct vcpu *vcpu)
{
	struct kvm_cpuid2 *cpuid = NULL;
	unsigned int n = 64, i;
	uint32_t hide = CPUID_1_ECX_VMX, hide_edx = 0;

	for (;;) {
		cpuid = realloc(cpuid, sizeof(*cpuid) + n * sizeof(cpuid->entries[0]));
		if (!cpuid)
			die("out of memory");
		memset(cpuid, 0, sizeof(*cpuid) + n * sizeof(cpuid->entries[0]));
		cpuid->nent = n;
		if (ioctl(vm->sys_fd, KVM_GET_SUPPORTED_CPUID, cpuid) == 0)
			break;
		if (errno != E2BIG || n >= 4096)
			die("%s: KVM_GET_SUPPORTED_CPUID: %s", vm->device, strerror(errno));
		n *= 2;
	}
	/*
	 * kvm_pvm (a software KVM some development hosts have) runs a guest
	 * kernel through KVM's instruction emulator, which cannot do
	 * CMPXCHG16B, which Linux's SLUB uses when CPUID offers it.  (Nor
	 * XRSTOR, but hiding XSAVE here did not reach the guest: boot it
	 * with `--append noxsave` there; docs/linux-guest.md.)
	 */
	if (vm->pc && access("/sys/module/kvm_pvm", F_OK) == 0 && strstr(vm->device, "/kvm"))
		hide |= CPUID_1_ECX_CX16;
	/*
	 * Without the device's irqchip this VMM has no local APIC (its PIC
	 * is all there is), so the guest is not told of one, as QEMU's
	 * -cpu ...,-apic.
	 */
	if (!vm->irqchip) {
		hide |= CPUID_1_ECX_X2APIC;
		hide_edx |= CPUID_1_EDX_APIC;
	}
	cpuid = add_x2apic_id_leaf(cpuid);
	for (i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		/* Leaf 0 spells the vendor in EBX, EDX, ECX. */
		if (e->function == 0 && vm->cpu_vendor) {
			memcpy(&e->ebx, vm->cpu_vendor, 4);
			memcpy(&e->edx, vm->cpu_vendor + 4, 4);
			memcpy(&e->ecx, vm->cpu_vendor + 8, 4);
		}
		if (e->function == 1) {
			e->ecx = (e->ecx & ~hide) | CPUID_1_ECX_HYPERVISOR;
			e->edx &= ~hide_edx;
			/* The initial APIC ID is the vCPU's, as its APIC's (QEMU fills it too). */
			e->ebx = (e->ebx & 0x00ffffffu) | vcpu->id << 24;
		}
		/* The x2APIC ID of the topology leaves, every subleaf. */
		if (e->function == 0xb || e->function == 0x1f)
			e->edx = vcpu->id;
		/*
		 * KVM's paravirtual features that need its in-kernel local
		 * APIC, which this VMM never creates (as QEMU with
		 * kernel-irqchip=off drops PV_UNHALT): Linux would write
		 * their MSRs and get a #GP ("unchecked MSR access error").
		 */
		if (e->function == KVM_CPUID_FEATURES)
			e->eax &= ~(1u << KVM_FEATURE_ASYNC_PF | 1u << KVM_FEATURE_PV_EOI |
				    1u << KVM_FEATURE_PV_UNHALT | 1u << KVM_FEATURE_PV_SEND_IPI |
				    1u << KVM_FEATURE_ASYNC_PF_INT);
	}
	if (ioctl(vcpu->fd, KVM_SET_CPUID2, cpuid) < 0)
		die("%s: KVM_SET_CPUID2: %s", vm->device, strerror(errno));
	free(cpuid);
}

/* Before vm_create(), so a bad image is reported before the device is opened. */
void ram_alloc(struct vm *vm, uint64_t mem_size)
{
	/* Anonymous memory reads as zeroes: guests may rely on a clean .bss. */
	vm->mem_size = mem_size;
	vm->mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->mem == MAP_FAILED)
		die("cannot allocate %llu bytes of guest RAM: %s",
		    (unsigned long long)mem_size, strerror(errno));
}

void vm_create(struct vm *vm, const char *device)
{
	struct kvm_userspace_memory_region region;
	long size;

	vm->device = device;
	vm->sys_fd = kvm_open(device);
	kvm_check_api(vm->sys_fd, device);
	check_caps(vm->sys_fd, device);

	vm->vm_fd = ioctl(vm->sys_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0) {
		if (errno == EBUSY)
			die("%s: KVM_CREATE_VM: busy -- VMX is held by another "
			    "hypervisor (KVM or VirtualBox?): stop its VMs or unload it", device);
		die("%s: KVM_CREATE_VM: %s", device, strerror(errno));
	}

	/* Both must come before the first vCPU, as with QEMU. */
	if (ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, KVM_TSS_ADDR) < 0)
		die("%s: KVM_SET_TSS_ADDR: %s", device, strerror(errno));
	{
		__u64 addr = KVM_IDENTITY_MAP_ADDR;

		if (ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &addr) < 0)
			die("%s: KVM_SET_IDENTITY_MAP_ADDR: %s", device, strerror(errno));
	}

	memset(&region, 0, sizeof(region));
	region.slot = 0;
	region.guest_phys_addr = 0;
	region.memory_size = vm->mem_size;
	region.userspace_addr = (uintptr_t)vm->mem;
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		die("%s: KVM_SET_USER_MEMORY_REGION: %s", device, strerror(errno));

	size = ioctl(vm->sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size < (long)sizeof(struct kvm_run))
		die("%s: KVM_GET_VCPU_MMAP_SIZE: %s", device,
		    size < 0 ? strerror(errno) : "smaller than struct kvm_run");
	vm->run_size = size;
	vm->stop_cause = -1;
	pthread_mutex_init(&vm->stop_lock, NULL);
}

/* vCPU @id, with its slice of RAM (vm->slice_size must be set). */
void vcpu_create(struct vm *vm, unsigned int id)
{
	struct vcpu *vcpu = &vm->vcpus[id];

	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->base = vm->shared_ram ? 0 : id * vm->slice_size;
	vcpu->mem = vm->mem + vcpu->base;
	if (vm->nr_vcpus > 1 && !vm->shared_ram)
		snprintf(vcpu->prefix, sizeof(vcpu->prefix), "[%u] ", id);
	vcpu->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, id);
	if (vcpu->fd < 0)
		die("%s: KVM_CREATE_VCPU %u: %s%s", vm->device, id, strerror(errno),
		    errno == EINVAL && id ? " (fewer --vcpus?)" : "");
	vcpu->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 vcpu->fd, 0);
	if (vcpu->run == MAP_FAILED)
		die("%s: mmap of vCPU %u: %s", vm->device, id, strerror(errno));
	pthread_mutex_init(&vcpu->lock, NULL);
	vcpu->irq_lock = &vcpu->lock;
	pthread_cond_init(&vcpu->wake, NULL);
	set_cpuid(vm, vcpu);
}

/*
 * The device's PIC, IOAPIC and local APICs, as QEMU's kernel-irqchip=on:
 * KVM then handles HLT, INIT and SIPI itself, and this VM's interrupts
 * never go through KVM_INTERRUPT.
 */
void vm_create_irqchip(struct vm *vm)
{
	if (ioctl(vm->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_IRQCHIP) <= 0)
		die("%s: no KVM_CAP_IRQCHIP -- the device has no in-kernel interrupt "
		    "controller for --irqchip=kernel", vm->device);
	if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0)
		die("%s: KVM_CREATE_IRQCHIP: %s -- the device refused --irqchip=kernel",
		    vm->device, strerror(errno));
	vm->irqchip = true;
}

/*
 * What QEMU's kvm_arch_reset_vcpu() gives an AP with an in-kernel
 * irqchip: UNINITIALIZED, in which KVM_RUN blocks in the kernel until
 * INIT and SIPI come through the local APIC.  KVM already creates APs so
 * (kvm_arch_vcpu_create); a device that refuses the state (EINVAL) gets
 * one note and its own initial state.
 */
void vcpu_wait_for_sipi(struct vcpu *vcpu)
{
	struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_UNINITIALIZED };
	static bool noted;

	if (ioctl(vcpu->fd, KVM_SET_MP_STATE, &mp) == 0)
		return;
	if (errno != EINVAL)
		die("%s: KVM_SET_MP_STATE of vCPU %u: %s", vcpu->vm->device, vcpu->id,
		    strerror(errno));
	if (!noted)
		note("note: %s: KVM_SET_MP_STATE UNINITIALIZED: %s -- the APs keep the state "
		     "the device created them in", vcpu->vm->device, strerror(errno));
	noted = true;
}

/* After every vCPU thread is gone. */
void vm_destroy(struct vm *vm)
{
	unsigned int i;

	for (i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *vcpu = &vm->vcpus[i];

		if (vcpu->run && vcpu->run != MAP_FAILED)
			munmap(vcpu->run, vm->run_size);
		if (vcpu->fd > 0)
			close(vcpu->fd);
		pthread_mutex_destroy(&vcpu->lock);
		pthread_cond_destroy(&vcpu->wake);
	}
	close(vm->vm_fd);
	close(vm->sys_fd);
	munmap(vm->mem, vm->mem_size);
	pthread_mutex_destroy(&vm->stop_lock);
}

void vcpu_set_regs(struct vcpu *vcpu, const struct kvm_regs *regs)
{
	if (ioctl(vcpu->fd, KVM_SET_REGS, regs) < 0)
		die("%s: KVM_SET_REGS: %s", vcpu->vm->device, strerror(errno));
}

void vcpu_get_sregs(struct vcpu *vcpu, struct kvm_sregs *sregs)
{
	if (ioctl(vcpu->fd, KVM_GET_SREGS, sregs) < 0)
		die("%s: KVM_GET_SREGS: %s", vcpu->vm->device, strerror(errno));
}

void vcpu_set_sregs(struct vcpu *vcpu, const struct kvm_sregs *sregs)
{
	if (ioctl(vcpu->fd, KVM_SET_SREGS, sregs) < 0)
		die("%s: KVM_SET_SREGS: %s", vcpu->vm->device, strerror(errno));
}
