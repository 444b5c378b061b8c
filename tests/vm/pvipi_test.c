// SPDX-License-Identifier: GPL-2.0
/*
 * pvipi_test DEV LABEL: KVM's paravirtual IPI, KVM_HC_SEND_IPI with
 * KVM_FEATURE_PV_SEND_IPI, and KVM_CAP_ENFORCE_PV_FEATURE_CPUID, which
 * makes it follow the vCPU's CPUID (issue 12: KVM's kvm_pv_test).
 *
 * A real-mode guest with DS based at the APIC page turns the APIC on,
 * and with interrupts on calls KVM_HC_SEND_IPI for APIC ID 0 (itself)
 * with the ICR the VMM left at 0x500, then says RAX with OUT 0x10.  The
 * handler of vector 0x40 EOIs and says OUT 0x11.
 *   cap_enforce            KVM_CHECK_EXTENSION says it is there
 *   enable_cap_flags       KVM_ENABLE_CAP on a vCPU with flags: EINVAL
 *   enable_cap_unknown     ... for a capability it does not enable: EINVAL
 *   cpuid_offers           KVM_GET_SUPPORTED_CPUID's 0x40000001 has the bit
 *   send_ipi               enforced, with the bit: 1 vCPU, the handler ran
 *   enforced_enosys        enforced, without it: -KVM_ENOSYS, no IPI
 *   not_enforced           without enforcement the bit is not needed
 *   bad_icr                a destination shorthand: -KVM_EINVAL, no IPI
 *   no_irqchip             no in-kernel APIC: -EOPNOTSUPP, as KVM
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "ktest.h"
#include "onevm.h"

#define MEM_SIZE	0x10000
#define ENTRY		0x1000
#define STACK		0x9000
#define ICR_AT		0x500
#define PV_SEND_IPI	(1U << 11)
#define ICR_FIXED_40	0x40U
#define ICR_SELF	(1U << 18)

/* See the top of this file; assembled from AT&T .code16, at 0x1000. */
static const unsigned char guest[] = {
	0x2e, 0xc7, 0x06, 0x00, 0x01, 0x39, 0x10, 0x2e, 0xc7, 0x06, 0x02, 0x01,
	0x00, 0x00, 0x66, 0xc7, 0x06, 0xf0, 0x00, 0xff, 0x01, 0x00, 0x00, 0xfb,
	0x66, 0xb8, 0x0a, 0x00, 0x00, 0x00, 0x66, 0xbb, 0x01, 0x00, 0x00, 0x00,
	0x66, 0x31, 0xc9, 0x66, 0x31, 0xd2, 0x2e, 0x66, 0x8b, 0x36, 0x00, 0x05,
	0x0f, 0x01, 0xc1, 0x90, 0x66, 0xe7, 0x10, 0xeb, 0xdf, 0x50, 0x66, 0xc7,
	0x06, 0xb0, 0x00, 0x00, 0x00, 0x00, 0x00, 0xb0, 0x40, 0xe6, 0x11, 0x58,
	0xcf,
};

static const char *dev;

static struct kvm_cpuid2 *supported(int sys)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + 256 * sizeof(c->entries[0]));

	if (!c)
		return NULL;
	c->nent = 256;
	if (ioctl(sys, KVM_GET_SUPPORTED_CPUID, c)) {
		free(c);
		return NULL;
	}
	return c;
}

static struct kvm_cpuid_entry2 *pv_leaf(struct kvm_cpuid2 *c)
{
	unsigned int i;

	for (i = 0; i < c->nent; i++)
		if (c->entries[i].function == 0x40000001)
			return &c->entries[i];
	return NULL;
}

/*
 * One VM, one pass of the guest: the OUTs ("11 " for the handler, then
 * "10:RAX") in @log.  Return: 0, or -1 with @log saying why.
 */
static int one(bool irqchip, bool pv_bit, bool enforce, uint32_t icr, char *log, size_t room)
{
	struct kvm_regs regs = { .rip = ENTRY, .rsp = STACK, .rflags = 2 };
	struct kvm_enable_cap cap = { .cap = KVM_CAP_ENFORCE_PV_FEATURE_CPUID, .args = { 1 } };
	struct kvm_cpuid2 *c = NULL;
	struct kvm_cpuid_entry2 *pv;
	struct kvm_sregs s;
	struct onevm v;
	size_t n = 0;
	int i, ret = -1;

	snprintf(log, room, "setup: %s", "?");
	if (onevm_create_chip(&v, dev, MEM_SIZE, guest, sizeof(guest), ENTRY, irqchip))
		goto out;
	c = supported(v.sys);
	pv = c ? pv_leaf(c) : NULL;
	if (!pv)
		goto out;
	pv->eax = pv_bit ? pv->eax | PV_SEND_IPI : pv->eax & ~PV_SEND_IPI;
	if (ioctl(v.vcpu, KVM_SET_CPUID2, c) || (enforce && ioctl(v.vcpu, KVM_ENABLE_CAP, &cap)) ||
	    ioctl(v.vcpu, KVM_GET_SREGS, &s))
		goto out;
	memcpy(v.mem + ICR_AT, &icr, sizeof(icr));
	s.cs.base = 0;
	s.cs.selector = 0;
	s.ds.base = 0xfee00000;
	if (ioctl(v.vcpu, KVM_SET_SREGS, &s) || ioctl(v.vcpu, KVM_SET_REGS, &regs))
		goto out;
	log[0] = 0;
	for (i = 0; i < 16; i++) {
		if (ioctl(v.vcpu, KVM_RUN, 0)) {
			snprintf(log + n, room - n, "KVM_RUN: %s", strerror(errno));
			goto out;
		}
		/* Without an irqchip the APIC page is the VMM's: nothing there. */
		if (v.run->exit_reason == KVM_EXIT_MMIO)
			continue;
		if (v.run->exit_reason != KVM_EXIT_IO) {
			snprintf(log + n, room - n, "exit %u", v.run->exit_reason);
			goto out;
		}
		if (v.run->io.port == 0x11) {
			n += snprintf(log + n, room - n, "11 ");
			continue;
		}
		snprintf(log + n, room - n, "%x:%u", v.run->io.port,
			 *(uint32_t *)((char *)v.run + v.run->io.data_offset));
		ret = 0;
		goto out;
	}
	snprintf(log + n, room - n, "no OUT 0x10");
out:
	if (ret && !strncmp(log, "setup", 5))
		snprintf(log, room, "setup: %s", strerror(errno));
	free(c);
	onevm_destroy(&v);
	return ret;
}

static void expect(const char *name, bool irqchip, bool pv_bit, bool enforce, uint32_t icr,
		   const char *want)
{
	char log[128];

	if (one(irqchip, pv_bit, enforce, icr, log, sizeof(log)) || strcmp(log, want))
		ktest_fail(name, "got \"%s\", expected \"%s\"", log, want);
	else
		ktest_pass(name);
}

int main(int argc, char **argv)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_ENFORCE_PV_FEATURE_CPUID, .flags = 1 };
	struct kvm_cpuid_entry2 *pv;
	struct kvm_cpuid2 *c;
	int sys, vm, vcpu;

	dev = ktest_args(argc, argv);
	if (!dev)
		return 2;
	sys = open(dev, O_RDWR | O_CLOEXEC);
	vm = sys < 0 ? -1 : ioctl(sys, KVM_CREATE_VM, 0);
	vcpu = vm < 0 ? -1 : ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0) {
		ktest_fail("setup", "%s", strerror(errno));
		return ktest_exit();
	}
	KTEST_CHECK("cap_enforce", ioctl(sys, KVM_CHECK_EXTENSION,
					 KVM_CAP_ENFORCE_PV_FEATURE_CPUID) == 1);
	KTEST_ERRNO("enable_cap_flags", ioctl(vcpu, KVM_ENABLE_CAP, &cap), EINVAL);
	cap.flags = 0;
	cap.cap = KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2;
	KTEST_ERRNO("enable_cap_unknown", ioctl(vcpu, KVM_ENABLE_CAP, &cap), EINVAL);
	c = supported(sys);
	pv = c ? pv_leaf(c) : NULL;
	KTEST_CHECK("cpuid_offers", pv && (pv->eax & PV_SEND_IPI));
	free(c);
	close(vcpu);
	close(vm);
	close(sys);

	expect("send_ipi", true, true, true, ICR_FIXED_40, "11 10:1");
	expect("enforced_enosys", true, false, true, ICR_FIXED_40, "10:4294966296");
	expect("not_enforced", true, false, false, ICR_FIXED_40, "11 10:1");
	expect("bad_icr", true, true, true, ICR_FIXED_40 | ICR_SELF, "10:4294967274");
	expect("no_irqchip", false, true, true, ICR_FIXED_40, "10:4294967201");
	return ktest_exit();
}
