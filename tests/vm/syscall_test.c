// SPDX-License-Identifier: GPL-2.0
/*
 * syscall_test DEV LABEL: SYSCALL in 32-bit protected mode, which Intel
 * CPUs refuse with #UD and AMD CPUs run.  A guest whose CPUID says
 * AuthenticAMD gets AMD's instruction, carried out by the hypervisor as
 * KVM's emulator does; one that says GenuineIntel gets the #UD.  Guards
 * vmx/syscall.c (found by kvm-unit-tests' syscall test, which QEMU runs
 * with -cpu ...,vendor=AuthenticAMD).
 *
 * The guest, flat 32-bit segments at CPL 0 with EFER.SCE set, runs
 * SYSCALL at 0x1000; STAR sends it to 0x1010 (OUT 0x10) with CS 0x18.
 * Its IDT sends #DB to OUT 0x11 and #UD to OUT 0x12.
 *   amd_syscall     AMD: OUT 0x10, ECX the next EIP, CS 0x18 and SS 0x20
 *                   flat 32-bit at DPL 0, IF cleared, TF kept
 *   amd_no_sce      AMD with EFER.SCE clear: #UD
 *   amd_single_step AMD, TF set by POPF just before: the #DB comes after
 *                   SYSCALL, at 0x1010 (legacy mode keeps TF)
 *   intel_ud        Intel: #UD, nothing changed (EIP 0x1000 pushed)
 */
#include <stdint.h>
#include <stdlib.h>

#include "ktest.h"
#include "rmvm.h"

#define ENTRY		0x1000
#define ENTRY_TF	0x1040	/* PUSHF; OR TF; POPF; SYSCALL */
#define TARGET		0x1010
#define GDT_GPA		0x500
#define IDT_GPA		0x800
#define STACK		0x9000
#define STAR_CS		0x18
#define EFER_SCE	1ULL
#define MSR_STAR	0xc0000081
#define EFLAGS_IF	0x200

/* See the top of this file; assembled from AT&T .code32, at 0x1000. */
static const unsigned char guest[] = {
	0x0f, 0x05, 0xf4, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xe6, 0x10, 0xf4, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xe6, 0x11, 0xf4, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xe6, 0x12, 0xf4, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x9c, 0x81, 0x0c, 0x24, 0x00, 0x01, 0x00, 0x00,
	0x9d, 0x0f, 0x05, 0xf4,
};

static int set_vendor(struct onevm *v, const char *vendor)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + 256 * sizeof(c->entries[0]));
	unsigned int i;
	int r = -1;

	if (!c)
		return -1;
	c->nent = 256;
	if (ioctl(v->sys, KVM_GET_SUPPORTED_CPUID, c))
		goto out;
	for (i = 0; i < c->nent; i++)
		if (c->entries[i].function == 0) {
			memcpy(&c->entries[i].ebx, vendor, 4);
			memcpy(&c->entries[i].edx, vendor + 4, 4);
			memcpy(&c->entries[i].ecx, vendor + 8, 4);
		}
	r = ioctl(v->vcpu, KVM_SET_CPUID2, c);
out:
	free(c);
	return r;
}

/* A 32-bit interrupt gate to @handler in CS 8. */
static void gate(struct onevm *v, int vector, uint32_t handler)
{
	uint8_t *g = v->mem + IDT_GPA + 8 * vector;

	g[0] = handler;
	g[1] = handler >> 8;
	g[2] = 8;
	g[3] = 0;
	g[4] = 0;
	g[5] = 0x8e;
	g[6] = handler >> 16;
	g[7] = handler >> 24;
}

/* Runs the guest to its first OUT; returns the port, or -1 (failure reported). */
static int run(const char *dev, const char *name, const char *vendor, uint64_t efer,
	       uint64_t entry, struct onevm *v, struct kvm_regs *regs, struct kvm_sregs *s)
{
	struct kvm_segment flat = {
		.limit = 0xffffffff, .selector = 0x10, .type = 3, .present = 1,
		.db = 1, .s = 1, .g = 1,
	};
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} star = { .h.nmsrs = 1, .e.index = MSR_STAR, .e.data = (uint64_t)STAR_CS << 32 | TARGET };

	/* IF on, to see SYSCALL clear it. */
	*regs = (struct kvm_regs){ .rip = entry, .rsp = STACK, .rflags = 0x202 };
	if (onevm_create(v, dev, RMVM_MEM, guest, sizeof(guest), ENTRY) ||
	    set_vendor(v, vendor) || ioctl(v->vcpu, KVM_GET_SREGS, s)) {
		ktest_fail(name, "VM: %s", strerror(errno));
		return -1;
	}
	/* Flat 32-bit code at 8 and 0x18, data at 0x10 and 0x20, for the gates' CS. */
	for (int i = 1; i < 5; i++) {
		uint64_t d = i & 1 ? 0x00cf9b000000ffffULL : 0x00cf93000000ffffULL;

		memcpy(v->mem + GDT_GPA + 8 * i, &d, 8);
	}
	gate(v, 1, ENTRY + 0x20);
	gate(v, 6, ENTRY + 0x30);
	s->cr0 |= 1;
	s->efer = efer;
	s->ds = s->es = s->fs = s->gs = s->ss = flat;
	s->cs = flat;
	s->cs.selector = 8;
	s->cs.type = 0xb;
	s->gdt.base = GDT_GPA;
	s->gdt.limit = 8 * 5 - 1;
	s->idt.base = IDT_GPA;
	s->idt.limit = 8 * 7 - 1;
	if (ioctl(v->vcpu, KVM_SET_SREGS, s) || ioctl(v->vcpu, KVM_SET_REGS, regs) ||
	    ioctl(v->vcpu, KVM_SET_MSRS, &star) != 1) {
		ktest_fail(name, "state: %s", strerror(errno));
		return -1;
	}
	if (ioctl(v->vcpu, KVM_RUN, 0) || v->run->exit_reason != KVM_EXIT_IO ||
	    ioctl(v->vcpu, KVM_GET_REGS, regs) || ioctl(v->vcpu, KVM_GET_SREGS, s)) {
		ktest_fail(name, "KVM_RUN: %s, exit reason %u", strerror(errno),
			   v->run->exit_reason);
		return -1;
	}
	return v->run->io.port;
}

static uint32_t pushed_eip(const struct onevm *v, const struct kvm_regs *regs)
{
	uint32_t eip;

	memcpy(&eip, v->mem + (uint32_t)regs->rsp, 4);
	return eip;
}

int main(int argc, char **argv)
{
	const char *dev = ktest_args(argc, argv);
	struct kvm_sregs s;
	struct kvm_regs r;
	struct onevm v;
	int port;

	if (!dev)
		return 2;

	port = run(dev, "amd_syscall", "AuthenticAMD", EFER_SCE, ENTRY, &v, &r, &s);
	if (port >= 0) {
		if (port == 0x10 && r.rcx == ENTRY + 2 && s.cs.selector == STAR_CS &&
		    s.cs.db && !s.cs.l && !s.cs.dpl && s.cs.type == 0xb && s.cs.base == 0 &&
		    s.cs.limit == 0xffffffff && s.ss.selector == STAR_CS + 8 && s.ss.db &&
		    !s.ss.dpl && !(r.rflags & EFLAGS_IF))
			ktest_pass("amd_syscall");
		else
			ktest_fail("amd_syscall",
				   "port %#x rcx %#llx cs %#x db %u l %u dpl %u type %u ss %#x rflags %#llx",
				   port, (unsigned long long)r.rcx, s.cs.selector, s.cs.db, s.cs.l,
				   s.cs.dpl, s.cs.type, s.ss.selector, (unsigned long long)r.rflags);
	}
	onevm_destroy(&v);

	port = run(dev, "amd_no_sce", "AuthenticAMD", 0, ENTRY, &v, &r, &s);
	if (port >= 0) {
		if (port == 0x12 && pushed_eip(&v, &r) == ENTRY)
			ktest_pass("amd_no_sce");
		else
			ktest_fail("amd_no_sce", "port %#x, pushed EIP %#x; want the #UD at %#x",
				   port, pushed_eip(&v, &r), ENTRY);
	}
	onevm_destroy(&v);

	port = run(dev, "amd_single_step", "AuthenticAMD", EFER_SCE, ENTRY_TF, &v, &r, &s);
	if (port >= 0) {
		if (port == 0x11 && pushed_eip(&v, &r) == TARGET)
			ktest_pass("amd_single_step");
		else
			ktest_fail("amd_single_step", "port %#x, pushed EIP %#x; want #DB at %#x",
				   port, pushed_eip(&v, &r), TARGET);
	}
	onevm_destroy(&v);

	port = run(dev, "intel_ud", "GenuineIntel", EFER_SCE, ENTRY, &v, &r, &s);
	if (port >= 0) {
		if (port == 0x12 && pushed_eip(&v, &r) == ENTRY && s.cs.selector == 8)
			ktest_pass("intel_ud");
		else
			ktest_fail("intel_ud", "port %#x, pushed EIP %#x, cs %#x; want #UD at %#x",
				   port, pushed_eip(&v, &r), s.cs.selector, ENTRY);
	}
	onevm_destroy(&v);
	return ktest_exit();
}
