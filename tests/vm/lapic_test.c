// SPDX-License-Identifier: GPL-2.0
/*
 * lapic_test DEV LABEL: the in-kernel local APIC of KVM_CREATE_IRQCHIP
 * (issue 12), with KVM 6.1's answers: the same program runs on /dev/kvm
 * (t_lapic.sh).  Each check guards:
 *   no_irqchip_get_lapic   KVM_GET_LAPIC without an irqchip: EINVAL
 *   irqchip_after_vcpu     KVM_CREATE_IRQCHIP once a vCPU exists: EINVAL
 *   irqchip, irqchip_twice the first one works, a second is EEXIST
 *   cap_irqchip            KVM_CHECK_EXTENSION(KVM_CAP_IRQCHIP) says so
 *   mp_state_bsp/ap        vCPU 0 starts RUNNABLE, vCPU 1 UNINITIALIZED
 *   apic_base_bsp/ap       APIC_BASE at reset: enabled, BSP on vCPU 0 only
 *   reset_*                KVM_GET_LAPIC at reset: ID, version, SPIV, LVTT
 *   interrupt_enxio        KVM_INTERRUPT is the kernel's with an irqchip
 *   interrupt_range_einval a vector over 255 is EINVAL first, as in KVM
 *   irq_line_enxio         (kvmini) no PIC or IOAPIC behind KVM_IRQ_LINE
 *   tpr_is_cr8             KVM_SET_LAPIC's TPR is what KVM_GET_SREGS.cr8 says
 *   guest_version          the guest reads the xAPIC page (an MMIO exit
 *                          served in the kernel, not KVM_EXIT_MMIO)
 *   sw_disabled_drops_ipi  a self IPI sent while SPIV says disabled is
 *                          dropped, not left in IRR (review finding)
 *   self_ipi               a self IPI through the ICR reaches the guest's
 *                          handler, which EOIs
 *   timer_wakes_hlt        HLT waits in the kernel until the one-shot
 *                          timer's interrupt (no KVM_EXIT_HLT)
 *   hlt_signal_*           a vCPU halted with IF=0 stays in the kernel
 *                          until a signal: EINTR, KVM_EXIT_INTR, HALTED
 *   lvtt_mode_keeps_count  a one-shot countdown that a write of LVTT turns
 *                          periodic goes on from where it was, as KVM's
 *                          apic_update_lvtt(): kvmini restarted it from
 *                          TMICT (kvm-unit-tests' apic "TMCCT should not
 *                          be reset to TMICT value")
 * The guest runs in real mode with DS based at the APIC page (a segment
 * base KVM_SET_SREGS may give), so the xAPIC is at DS:0.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ktest.h"
#include "onevm.h"

#define MEM_SIZE	0x10000
#define ENTRY		0x1000
#define STACK		0x9000
#define COUNTERS	0x2000	/* the IPI handler's count, then the timer's */
#define IPI_VECTOR	0x40
#define TIMER_VECTOR	0x41
#define DROPPED_VECTOR	0x42	/* no handler: it must never be delivered */
#define IPI_HANDLER	0x1800
#define TIMER_HANDLER	0x1820

#define LVTT_GUEST	0x3000
#define LVTT_TMICT	0x7fffffffU	/* about 2.1 s at divide by 1 */
#define PORT_LVTT_ARMED	0x14	/* not 0x20: the PIC KVM_CREATE_IRQCHIP gives KVM */
#define PORT_LVTT_TMCCT	0x15
#define PORT_VERSION	0x10
#define PORT_IPIS	0x11
#define PORT_TIMER	0x12
#define PORT_DROPPED	0x13

/* Real mode, DS = the APIC page, counters through CS (0). */
static const unsigned char guest[] = {
	0x66, 0xa1, 0x30, 0x00,					/* mov eax, [0x30]: version */
	0x66, 0xe7, PORT_VERSION,				/* out PORT_VERSION, eax */
	0x66, 0xc7, 0x06, 0x00, 0x03, DROPPED_VECTOR, 0x00, 0x04, 0x00, /* ICR: self, fixed */
	0x66, 0xa1, 0x20, 0x02,					/* mov eax, [0x220]: IRR 0x40-0x5f */
	0x66, 0xe7, PORT_DROPPED,				/* out PORT_DROPPED, eax */
	0x66, 0xc7, 0x06, 0xf0, 0x00, 0xff, 0x01, 0x00, 0x00,	/* SPIV: enabled */
	0x66, 0xc7, 0x06, 0x00, 0x03, IPI_VECTOR, 0x00, 0x04, 0x00, /* ICR: self, fixed */
	0xfb, 0x90,						/* sti; nop */
	0x2e, 0xa1, COUNTERS & 0xff, COUNTERS >> 8,		/* mov ax, cs:[ipis] */
	0xe7, PORT_IPIS,					/* out PORT_IPIS, ax */
	0x66, 0xc7, 0x06, 0xe0, 0x03, 0x0b, 0x00, 0x00, 0x00,	/* TDCR: divide by 1 */
	0x66, 0xc7, 0x06, 0x20, 0x03, TIMER_VECTOR, 0x00, 0x00, 0x00, /* LVTT: one-shot */
	0x66, 0xc7, 0x06, 0x80, 0x03, 0x40, 0x42, 0x0f, 0x00,	/* TMICT: 1000000 */
	0xf4,							/* hlt (IF=1) */
	0x2e, 0xa1, (COUNTERS + 2) & 0xff, (COUNTERS + 2) >> 8,	/* mov ax, cs:[timer] */
	0xe7, PORT_TIMER,					/* out PORT_TIMER, ax */
	0xfa, 0xf4,						/* cli; hlt: for good */
};

/* TDCR 1; LVTT one-shot, masked; TMICT; out; LVTT periodic, masked; out TMCCT; cli; hlt */
static const unsigned char lvtt_guest[] = {
	0x66, 0xc7, 0x06, 0xe0, 0x03, 0x0b, 0x00, 0x00, 0x00,
	0x66, 0xc7, 0x06, 0x20, 0x03, TIMER_VECTOR, 0x00, 0x01, 0x00,
	0x66, 0xc7, 0x06, 0x80, 0x03, 0xff, 0xff, 0xff, 0x7f,
	0xe6, PORT_LVTT_ARMED,
	0x66, 0xc7, 0x06, 0x20, 0x03, TIMER_VECTOR, 0x00, 0x03, 0x00,
	0x66, 0xa1, 0x90, 0x03,
	0x66, 0xe7, PORT_LVTT_TMCCT,
	0xfa, 0xf4,
};

/* inc word cs:[COUNTER]; EOI; iret */
#define HANDLER(counter) {						\
	0x2e, 0xff, 0x06, (counter) & 0xff, (counter) >> 8,		\
	0x66, 0xc7, 0x06, 0xb0, 0x00, 0x00, 0x00, 0x00, 0x00,		\
	0xcf,								\
}
static const unsigned char ipi_handler[] = HANDLER(COUNTERS);
static const unsigned char timer_handler[] = HANDLER(COUNTERS + 2);

static const char *dev_path;
static bool on_kvmini;

static void on_alarm(int sig)
{
	(void)sig;
}

static int get_lapic(int vcpu, struct kvm_lapic_state *s)
{
	return ioctl(vcpu, KVM_GET_LAPIC, s);
}

static uint32_t reg(const struct kvm_lapic_state *s, unsigned int off)
{
	uint32_t v;

	memcpy(&v, &s->regs[off], sizeof(v));
	return v;
}

/* KVM_RUN bounded by an alarm: a module that never returns is a failure, not a hang. */
static int run(int vcpu, unsigned int secs)
{
	int r;

	alarm(secs);
	r = ioctl(vcpu, KVM_RUN, 0);
	alarm(0);
	return r;
}

/* The errors around the irqchip, on VMs of their own. */
static void test_errnos(int sys)
{
	struct kvm_lapic_state s;
	int vm = ioctl(sys, KVM_CREATE_VM, 0);
	int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);

	if (vm < 0 || vcpu < 0) {
		ktest_fail("errnos_setup", "%s", strerrorname_np(errno));
		return;
	}
	KTEST_ERRNO("no_irqchip_get_lapic", get_lapic(vcpu, &s), EINVAL);
	KTEST_ERRNO("irqchip_after_vcpu", ioctl(vm, KVM_CREATE_IRQCHIP, 0), EINVAL);
	close(vcpu);
	close(vm);
	KTEST_CHECK("cap_irqchip", ioctl(sys, KVM_CHECK_EXTENSION, KVM_CAP_IRQCHIP) > 0);
}

static int create_vcpu(struct onevm *v, int id)
{
	int fd = ioctl(v->fd, KVM_CREATE_VCPU, id);

	return fd;
}

/* The state of both vCPUs before anything ran. */
static void test_reset(struct onevm *v, int ap)
{
	struct kvm_mp_state mp;
	struct kvm_lapic_state s;
	struct kvm_sregs sr;
	struct kvm_interrupt irq = { .irq = 0x30 };
	struct kvm_interrupt bad = { .irq = 256 };
	struct kvm_irq_level line = { .irq = 4, .level = 1 };

	KTEST_CHECK("mp_state_bsp", !ioctl(v->vcpu, KVM_GET_MP_STATE, &mp) &&
		    mp.mp_state == KVM_MP_STATE_RUNNABLE);
	KTEST_CHECK("mp_state_ap", !ioctl(ap, KVM_GET_MP_STATE, &mp) &&
		    mp.mp_state == KVM_MP_STATE_UNINITIALIZED);
	KTEST_CHECK("apic_base_bsp", !ioctl(v->vcpu, KVM_GET_SREGS, &sr) &&
		    sr.apic_base == 0xfee00900);
	KTEST_CHECK("apic_base_ap", !ioctl(ap, KVM_GET_SREGS, &sr) && sr.apic_base == 0xfee00800);
	if (get_lapic(ap, &s)) {
		ktest_fail("reset_get_lapic", "%s", strerrorname_np(errno));
		return;
	}
	KTEST_CHECK("reset_id", reg(&s, 0x20) == 1U << 24);
	KTEST_CHECK("reset_version", (reg(&s, 0x30) & 0xff) == 0x14 &&
		    ((reg(&s, 0x30) >> 16) & 0xff) >= 4);
	KTEST_CHECK("reset_spiv", reg(&s, 0xf0) == 0xff);
	KTEST_CHECK("reset_lvtt_masked", reg(&s, 0x320) & 0x10000);
	KTEST_CHECK("reset_dfr", reg(&s, 0xe0) == 0xffffffff);
	KTEST_ERRNO("interrupt_enxio", ioctl(v->vcpu, KVM_INTERRUPT, &irq), ENXIO);
	KTEST_ERRNO("interrupt_range_einval", ioctl(v->vcpu, KVM_INTERRUPT, &bad), EINVAL);
	/* KVM has a PIC and an IOAPIC behind it; kvmini has neither. */
	if (on_kvmini)
		KTEST_ERRNO("irq_line_enxio", ioctl(v->fd, KVM_IRQ_LINE, &line), ENXIO);
}

static void test_tpr(struct onevm *v)
{
	struct kvm_lapic_state s;
	struct kvm_sregs sr;
	uint32_t tpr = 0x20;

	if (get_lapic(v->vcpu, &s)) {
		ktest_fail("tpr_is_cr8", "KVM_GET_LAPIC: %s", strerrorname_np(errno));
		return;
	}
	memcpy(&s.regs[0x80], &tpr, sizeof(tpr));
	KTEST_CHECK("tpr_is_cr8", !ioctl(v->vcpu, KVM_SET_LAPIC, &s) &&
		    !ioctl(v->vcpu, KVM_GET_SREGS, &sr) && sr.cr8 == 2);
	tpr = 0;
	memcpy(&s.regs[0x80], &tpr, sizeof(tpr));
	if (ioctl(v->vcpu, KVM_SET_LAPIC, &s))
		ktest_fail("tpr_back", "%s", strerrorname_np(errno));
}

/* One KVM_RUN that must end in an OUT to @port; returns its data, or ~0. */
static uint32_t expect_out(struct onevm *v, const char *name, uint16_t port)
{
	uint32_t val = 0;

	if (run(v->vcpu, 10)) {
		ktest_fail(name, "KVM_RUN: %s", strerrorname_np(errno));
		return ~0U;
	}
	if (v->run->exit_reason != KVM_EXIT_IO || v->run->io.port != port ||
	    v->run->io.direction != KVM_EXIT_IO_OUT) {
		ktest_fail(name, "exit %u (port %#x), expected an OUT to %#x", v->run->exit_reason,
			   v->run->exit_reason == KVM_EXIT_IO ? v->run->io.port : 0, port);
		return ~0U;
	}
	memcpy(&val, (char *)v->run + v->run->io.data_offset, v->run->io.size);
	return val;
}

static void test_guest(struct onevm *v)
{
	struct kvm_regs regs = { .rip = ENTRY, .rsp = STACK, .rflags = 2 };
	struct kvm_mp_state mp;
	struct kvm_sregs s;
	uint32_t val;
	int r;

	memcpy(v->mem + ENTRY, guest, sizeof(guest));
	memcpy(v->mem + IPI_HANDLER, ipi_handler, sizeof(ipi_handler));
	memcpy(v->mem + TIMER_HANDLER, timer_handler, sizeof(timer_handler));
	/* The real-mode IVT: offset, then segment 0. */
	v->mem[IPI_VECTOR * 4] = IPI_HANDLER & 0xff;
	v->mem[IPI_VECTOR * 4 + 1] = IPI_HANDLER >> 8;
	v->mem[TIMER_VECTOR * 4] = TIMER_HANDLER & 0xff;
	v->mem[TIMER_VECTOR * 4 + 1] = TIMER_HANDLER >> 8;
	if (ioctl(v->vcpu, KVM_GET_SREGS, &s)) {
		ktest_fail("guest_setup", "%s", strerrorname_np(errno));
		return;
	}
	s.cs.base = 0;
	s.cs.selector = 0;
	s.ds.base = 0xfee00000;
	if (ioctl(v->vcpu, KVM_SET_SREGS, &s) || ioctl(v->vcpu, KVM_SET_REGS, &regs)) {
		ktest_fail("guest_setup", "%s", strerrorname_np(errno));
		return;
	}
	val = expect_out(v, "guest_version", PORT_VERSION);
	KTEST_CHECK("guest_version", (val & 0xff) == 0x14);
	val = expect_out(v, "sw_disabled_drops_ipi", PORT_DROPPED);
	KTEST_CHECK("sw_disabled_drops_ipi", val != ~0U && !(val & 1U << (DROPPED_VECTOR & 31)));
	val = expect_out(v, "self_ipi", PORT_IPIS);
	KTEST_CHECK("self_ipi", (val & 0xffff) == 1);
	val = expect_out(v, "timer_wakes_hlt", PORT_TIMER);
	KTEST_CHECK("timer_wakes_hlt", (val & 0xffff) == 1);

	/* cli; hlt: only a signal brings KVM_RUN back. */
	r = run(v->vcpu, 2);
	KTEST_CHECK("hlt_signal_eintr", r == -1 && errno == EINTR);
	KTEST_CHECK("hlt_signal_exit_intr", v->run->exit_reason == KVM_EXIT_INTR);
	KTEST_CHECK("hlt_signal_halted", !ioctl(v->vcpu, KVM_GET_MP_STATE, &mp) &&
		    mp.mp_state == KVM_MP_STATE_HALTED);
}

/* The same vCPU, made runnable again at LVTT_GUEST; 200 ms pass between its OUTs. */
static void test_lvtt_mode(struct onevm *v)
{
	struct kvm_regs regs = { .rip = LVTT_GUEST, .rsp = STACK, .rflags = 2 };
	struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_RUNNABLE };
	uint32_t val;

	memcpy(v->mem + LVTT_GUEST, lvtt_guest, sizeof(lvtt_guest));
	if (ioctl(v->vcpu, KVM_SET_MP_STATE, &mp) || ioctl(v->vcpu, KVM_SET_REGS, &regs)) {
		ktest_fail("lvtt_mode_keeps_count", "setup: %s", strerrorname_np(errno));
		return;
	}
	if (expect_out(v, "lvtt_mode_keeps_count", PORT_LVTT_ARMED) == ~0U)
		return;
	usleep(200000);
	val = expect_out(v, "lvtt_mode_keeps_count", PORT_LVTT_TMCCT);
	if (val == ~0U)
		return;
	/* Not 0 either: a timer the switch stopped would read 0. */
	if (val && val < LVTT_TMICT - 100000000U)
		ktest_pass("lvtt_mode_keeps_count");
	else
		ktest_fail("lvtt_mode_keeps_count", "TMCCT %#x after 200 ms of a count from %#x (want less, not 0)",
			   val, LVTT_TMICT);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct kvm_userspace_memory_region r = { .memory_size = MEM_SIZE };
	struct onevm v = { .sys = -1, .fd = -1, .vcpu = -1, .run = MAP_FAILED,
			   .mem = MAP_FAILED, .mem_size = MEM_SIZE };
	static char prefix[64];
	long size;
	int ap;

	if (argc != 3) {
		fprintf(stderr, "usage: lapic_test DEV LABEL\n");
		return 2;
	}
	snprintf(prefix, sizeof(prefix), "lapic.%s.", argv[2]);
	ktest_set_prefix(prefix);
	dev_path = argv[1];
	on_kvmini = !strcmp(argv[2], "kvmini");
	/* No SA_RESTART: the alarm must end a KVM_RUN with EINTR. */
	sigaction(SIGALRM, &sa, NULL);

	v.sys = open(dev_path, O_RDWR | O_CLOEXEC);
	if (v.sys < 0) {
		ktest_fail("open", "%s: %s", dev_path, strerrorname_np(errno));
		return ktest_exit();
	}
	test_errnos(v.sys);
	v.fd = ioctl(v.sys, KVM_CREATE_VM, 0);
	KTEST_CHECK("irqchip", v.fd >= 0 && !ioctl(v.fd, KVM_CREATE_IRQCHIP, 0));
	KTEST_ERRNO("irqchip_twice", ioctl(v.fd, KVM_CREATE_IRQCHIP, 0), EEXIST);
	v.mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	r.userspace_addr = (unsigned long)v.mem;
	v.vcpu = create_vcpu(&v, 0);
	ap = create_vcpu(&v, 1);
	size = ioctl(v.sys, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (v.mem == MAP_FAILED || ioctl(v.fd, KVM_SET_USER_MEMORY_REGION, &r) || v.vcpu < 0 ||
	    ap < 0 || size <= 0) {
		ktest_fail("setup", "%s", strerrorname_np(errno));
		onevm_destroy(&v);
		return ktest_exit();
	}
	v.run_size = size;
	v.run = mmap(NULL, v.run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v.vcpu, 0);
	if (v.run == MAP_FAILED) {
		ktest_fail("setup", "mmap: %s", strerrorname_np(errno));
		close(ap);
		onevm_destroy(&v);
		return ktest_exit();
	}
	test_reset(&v, ap);
	test_tpr(&v);
	test_guest(&v);
	test_lvtt_mode(&v);
	close(ap);
	onevm_destroy(&v);
	return ktest_exit();
}
