// SPDX-License-Identifier: GPL-2.0
/*
 * vcpu_state_test DEV LABEL: a vCPU's state between runs, as a VMM saves
 * and restores it: KVM_GET/SET_VCPU_EVENTS, KVM_CAP_SYNC_REGS, _XSAVE,
 * _XCRS and _DEBUGREGS (issue 12: KVM's state_test and sync_regs_test need
 * them), with KVM 6.1's answers; the same program runs on /dev/kvm
 * (t_events.sh).  Each check:
 *   caps                  KVM_CAP_VCPU_EVENTS 1, KVM_CAP_SYNC_REGS 7
 *   reset                 a new vCPU: nothing in delivery, the flags KVM sets
 *   queued_is_injected    a KVM_INTERRUPT vector reads as interrupt.injected
 *   set_interrupt         interrupt.injected set: the guest's handler runs
 *                         before its first instruction
 *   set_exception         exception.injected #UD: the IVT's handler runs
 *   shadow_nmi_roundtrip  the STI shadow and NMI masking read back as set
 *   shadow_both_mov_ss    STI and MOV SS asked for together: MOV SS, as KVM
 *   bad_*                 EINVAL: an unknown flag, an exception vector over
 *                         31, the NMI vector as an exception
 *   smm_einval            (kvmini) no SMM to enter: EINVAL, not a silent 0
 *   sync_bad_*            a bit KVM does not know in kvm_valid_regs or
 *                         kvm_dirty_regs: EINVAL
 *   sync_valid            kvm_valid_regs: run->s holds what KVM_GET_REGS,
 *                         _SREGS and _VCPU_EVENTS say after the run
 *   sync_dirty_regs       kvm_dirty_regs: the guest ran with run->s's RBX,
 *                         and the bit is cleared
 *   sync_clean_ignored    without the dirty bit run->s is not read
 *   sync_dirty_events     an interrupt put in run->s.events is delivered
 *   caps_state            KVM_CAP_DEBUGREGS and KVM_CAP_XSAVE 1, KVM_CAP_INTR_SHADOW 0
 *                         (KVM 6.1's answers; XCRS follows the host's XSAVE)
 *   debugregs_*           DR0-3, DR6, DR7 read back as set; flags, or DR6 or
 *                         DR7 over 32 bits: EINVAL
 *   xcrs_*                XCR0 x87|SSE reads back; XCR0 without x87: EINVAL;
 *                         without host XSAVE: no XCR, and SET is EINVAL
 *   xsave_guest_sees      XMM0 written with KVM_SET_XSAVE is what the guest's
 *                         MOVD reads, and KVM_GET_XSAVE gives it back
 *   xsave_bad_header      an XSAVE header with a component no CPU has: EINVAL
 * The guest runs in real mode: its handler counts at COUNTER.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ktest.h"
#include "rmvm.h"

#define HANDLER		0x1100
#define COUNTER		0x600
#define VECTOR		0x20
#define PORT		0x10

/* KVM_VCPUEVENT_VALID_NMI_PENDING | _SHADOW | _SMM: what KVM 6.1's GET says. */
#define GET_FLAGS	0xd

static const char *dev;
static bool on_kvmini;

/* 1: mov ax, [COUNTER]; out PORT, ax; inc bx; jmp 1b */
static const unsigned char guest[] = {
	0xa1, COUNTER & 0xff, COUNTER >> 8, 0xe7, PORT, 0x43, 0xeb, 0xf8,
};

/* inc word [COUNTER]; iret: for VECTOR and for #UD (6). */
static const unsigned char handler[] = { 0xff, 0x06, COUNTER & 0xff, COUNTER >> 8, 0xcf };

static int vm_create(struct onevm *v)
{
	if (rmvm_create(v, dev, guest, sizeof(guest), 0))
		return -1;
	memcpy(v->mem + HANDLER, handler, sizeof(handler));
	v->mem[VECTOR * 4] = HANDLER & 0xff;
	v->mem[VECTOR * 4 + 1] = HANDLER >> 8;
	v->mem[6 * 4] = HANDLER & 0xff;
	v->mem[6 * 4 + 1] = HANDLER >> 8;
	return 0;
}

/* One run that must end at the guest's OUT; returns the counter it wrote, or -1. */
static int run_out(struct onevm *v, const char *name)
{
	uint16_t val;

	if (ioctl(v->vcpu, KVM_RUN, 0) || v->run->exit_reason != KVM_EXIT_IO ||
	    v->run->io.port != PORT) {
		ktest_fail(name, "KVM_RUN: %s, exit %u", strerrorname_np(errno),
			   v->run->exit_reason);
		return -1;
	}
	memcpy(&val, (char *)v->run + v->run->io.data_offset, sizeof(val));
	return val;
}

static void test_events(void)
{
	struct kvm_interrupt irq = { .irq = VECTOR };
	struct kvm_vcpu_events ev, zero = { .flags = GET_FLAGS };
	struct kvm_regs regs;
	struct onevm v;

	if (vm_create(&v)) {
		ktest_fail("events_setup", "%s", strerrorname_np(errno));
		goto out;
	}
	KTEST_CHECK("caps", ioctl(v.sys, KVM_CHECK_EXTENSION, KVM_CAP_VCPU_EVENTS) == 1 &&
		    ioctl(v.sys, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS) == 7);
	KTEST_CHECK("reset", !ioctl(v.vcpu, KVM_GET_VCPU_EVENTS, &ev) &&
		    !memcmp(&ev, &zero, sizeof(ev)));
	KTEST_CHECK("queued_is_injected", !ioctl(v.vcpu, KVM_INTERRUPT, &irq) &&
		    !ioctl(v.vcpu, KVM_GET_VCPU_EVENTS, &ev) && ev.interrupt.injected &&
		    ev.interrupt.nr == VECTOR && !ev.exception.injected);

	/* The one queued above is replaced: nothing in delivery... */
	memset(&ev, 0, sizeof(ev));
	KTEST_CHECK("set_clears", !ioctl(v.vcpu, KVM_SET_VCPU_EVENTS, &ev) &&
		    !ioctl(v.vcpu, KVM_GET_VCPU_EVENTS, &ev) && !ev.interrupt.injected);
	/* ...then an interrupt in delivery, with IF=1: taken before the first OUT. */
	if (ioctl(v.vcpu, KVM_GET_REGS, &regs))
		goto out;
	regs.rflags = 0x202;
	ev.interrupt.injected = 1;
	ev.interrupt.nr = VECTOR;
	if (ioctl(v.vcpu, KVM_SET_REGS, &regs) || ioctl(v.vcpu, KVM_SET_VCPU_EVENTS, &ev)) {
		ktest_fail("set_interrupt", "%s", strerrorname_np(errno));
		goto out;
	}
	KTEST_CHECK("set_interrupt", run_out(&v, "set_interrupt") == 1);

	memset(&ev, 0, sizeof(ev));
	ev.exception.injected = 1;
	ev.exception.nr = 6;
	KTEST_CHECK("set_exception", !ioctl(v.vcpu, KVM_SET_VCPU_EVENTS, &ev) &&
		    run_out(&v, "set_exception") == 2);

	memset(&ev, 0, sizeof(ev));
	ev.flags = KVM_VCPUEVENT_VALID_SHADOW;
	ev.interrupt.shadow = KVM_X86_SHADOW_INT_STI;
	ev.nmi.masked = 1;
	KTEST_CHECK("shadow_nmi_roundtrip", !ioctl(v.vcpu, KVM_SET_VCPU_EVENTS, &ev) &&
		    !ioctl(v.vcpu, KVM_GET_VCPU_EVENTS, &ev) &&
		    ev.interrupt.shadow == KVM_X86_SHADOW_INT_STI && ev.nmi.masked);
	/* Both shadows asked for: MOV SS is kept (hostile review). */
	ev.interrupt.shadow = KVM_X86_SHADOW_INT_STI | KVM_X86_SHADOW_INT_MOV_SS;
	KTEST_CHECK("shadow_both_mov_ss", !ioctl(v.vcpu, KVM_SET_VCPU_EVENTS, &ev) &&
		    !ioctl(v.vcpu, KVM_GET_VCPU_EVENTS, &ev) &&
		    ev.interrupt.shadow == KVM_X86_SHADOW_INT_MOV_SS);
	ev.nmi.masked = 0;
	ev.interrupt.shadow = 0;
	if (ioctl(v.vcpu, KVM_SET_VCPU_EVENTS, &ev))
		ktest_fail("shadow_back", "%s", strerrorname_np(errno));

	memset(&ev, 0, sizeof(ev));
	ev.flags = 0x80;
	KTEST_ERRNO("bad_flag", ioctl(v.vcpu, KVM_SET_VCPU_EVENTS, &ev), EINVAL);
	memset(&ev, 0, sizeof(ev));
	ev.exception.injected = 1;
	ev.exception.nr = 32;
	KTEST_ERRNO("bad_vector", ioctl(v.vcpu, KVM_SET_VCPU_EVENTS, &ev), EINVAL);
	ev.exception.nr = 2;
	KTEST_ERRNO("bad_nmi_vector", ioctl(v.vcpu, KVM_SET_VCPU_EVENTS, &ev), EINVAL);
	if (on_kvmini) {
		memset(&ev, 0, sizeof(ev));
		ev.flags = KVM_VCPUEVENT_VALID_SMM;
		ev.smi.smm = 1;
		KTEST_ERRNO("smm_einval", ioctl(v.vcpu, KVM_SET_VCPU_EVENTS, &ev), EINVAL);
	}
out:
	onevm_destroy(&v);
}

static void test_sync_regs(void)
{
	struct kvm_run *run;
	struct kvm_vcpu_events ev;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct onevm v;
	int before;

	if (vm_create(&v)) {
		ktest_fail("sync_setup", "%s", strerrorname_np(errno));
		goto out;
	}
	run = v.run;
	run->kvm_valid_regs = 0x80000000;
	KTEST_ERRNO("sync_bad_valid", ioctl(v.vcpu, KVM_RUN, 0), EINVAL);
	run->kvm_valid_regs = 0;
	run->kvm_dirty_regs = 0x80000000 | KVM_SYNC_X86_REGS;
	KTEST_ERRNO("sync_bad_dirty", ioctl(v.vcpu, KVM_RUN, 0), EINVAL);
	run->kvm_dirty_regs = 0;

	run->kvm_valid_regs = KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS | KVM_SYNC_X86_EVENTS;
	before = run_out(&v, "sync_valid");
	KTEST_CHECK("sync_valid", before == 0 && !ioctl(v.vcpu, KVM_GET_REGS, &regs) &&
		    !ioctl(v.vcpu, KVM_GET_SREGS, &sregs) &&
		    !ioctl(v.vcpu, KVM_GET_VCPU_EVENTS, &ev) &&
		    !memcmp(&regs, &run->s.regs.regs, sizeof(regs)) &&
		    !memcmp(&sregs, &run->s.regs.sregs, sizeof(sregs)) &&
		    !memcmp(&ev, &run->s.regs.events, sizeof(ev)));

	run->s.regs.regs.rbx = 0x1234;
	run->kvm_dirty_regs = KVM_SYNC_X86_REGS;
	run_out(&v, "sync_dirty_regs");
	KTEST_CHECK("sync_dirty_regs", run->s.regs.regs.rbx == 0x1235 && !run->kvm_dirty_regs);

	run->s.regs.regs.rbx = 0xdead;
	run_out(&v, "sync_clean_ignored");
	KTEST_CHECK("sync_clean_ignored", run->s.regs.regs.rbx == 0x1236);

	run->s.regs.regs.rflags |= 0x200;
	run->s.regs.events.interrupt.injected = 1;
	run->s.regs.events.interrupt.nr = VECTOR;
	run->kvm_dirty_regs = KVM_SYNC_X86_REGS | KVM_SYNC_X86_EVENTS;
	KTEST_CHECK("sync_dirty_events", run_out(&v, "sync_dirty_events") == 1 &&
		    !run->s.regs.events.interrupt.injected);
out:
	onevm_destroy(&v);
}

/* movd eax, xmm0; out PORT, eax; hlt (CR4.OSFXSR lets real mode run SSE) */
static const unsigned char xmm_guest[] = { 0x66, 0x0f, 0x7e, 0xc0, 0x66, 0xe7, PORT, 0xf4 };

#define XSAVE_XMM0	160	/* FXSAVE layout, SDM Vol. 1 table 10-2 */
#define XSAVE_XSTATE_BV	512	/* the XSAVE header's first word */

static void test_fpu_state(void)
{
	struct kvm_debugregs d = { .db = { 1, 2, 3, 4 }, .dr6 = 0xffff0ff1, .dr7 = 0x401 };
	struct kvm_debugregs back;
	struct kvm_xcrs x = { .nr_xcrs = 1, .xcrs = { { .xcr = 0, .value = 3 } } };
	static struct kvm_xsave xs, xs2;
	uint32_t val = 0x5eed1e55, got;
	struct onevm v;
	bool has_xsave;

	if (rmvm_create(&v, dev, xmm_guest, sizeof(xmm_guest), 1U << 9)) {
		ktest_fail("state_setup", "%s", strerrorname_np(errno));
		goto out;
	}
	/* KVM_CAP_XSAVE is 1 even without XSAVE (the x87/SSE area); XCRS needs XSAVE. */
	has_xsave = ioctl(v.sys, KVM_CHECK_EXTENSION, KVM_CAP_XCRS) > 0;
	KTEST_CHECK("caps_state", ioctl(v.sys, KVM_CHECK_EXTENSION, KVM_CAP_DEBUGREGS) == 1 &&
		    ioctl(v.sys, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE) == 1 &&
		    !ioctl(v.sys, KVM_CHECK_EXTENSION, KVM_CAP_INTR_SHADOW));

	KTEST_CHECK("debugregs_roundtrip", !ioctl(v.vcpu, KVM_SET_DEBUGREGS, &d) &&
		    !ioctl(v.vcpu, KVM_GET_DEBUGREGS, &back) && !memcmp(back.db, d.db, sizeof(d.db)) &&
		    back.dr6 == d.dr6 && back.dr7 == d.dr7 && !back.flags);
	d.flags = 1;
	KTEST_ERRNO("debugregs_flags", ioctl(v.vcpu, KVM_SET_DEBUGREGS, &d), EINVAL);
	d.flags = 0;
	d.dr6 |= 1ULL << 32;
	KTEST_ERRNO("debugregs_dr6_wide", ioctl(v.vcpu, KVM_SET_DEBUGREGS, &d), EINVAL);
	d.dr6 = 0xffff0ff0;
	d.dr7 = 1ULL << 40;
	KTEST_ERRNO("debugregs_dr7_wide", ioctl(v.vcpu, KVM_SET_DEBUGREGS, &d), EINVAL);

	if (has_xsave) {
		KTEST_CHECK("xcrs_roundtrip", !ioctl(v.vcpu, KVM_SET_XCRS, &x) &&
			    !ioctl(v.vcpu, KVM_GET_XCRS, &x) && x.nr_xcrs == 1 &&
			    x.xcrs[0].xcr == 0 && x.xcrs[0].value == 3);
		x.xcrs[0].value = 2;
		KTEST_ERRNO("xcrs_no_x87", ioctl(v.vcpu, KVM_SET_XCRS, &x), EINVAL);
	} else {
		/* A host without XSAVE (Bochs' here) has no XCR0 to give. */
		KTEST_CHECK("xcrs_none", !ioctl(v.vcpu, KVM_GET_XCRS, &x) && !x.nr_xcrs);
		KTEST_ERRNO("xcrs_no_xsave", ioctl(v.vcpu, KVM_SET_XCRS, &x), EINVAL);
	}

	if (ioctl(v.vcpu, KVM_GET_XSAVE, &xs)) {
		ktest_fail("xsave_guest_sees", "KVM_GET_XSAVE: %s", strerrorname_np(errno));
		goto out;
	}
	memcpy((char *)xs.region + XSAVE_XMM0, &val, sizeof(val));
	if (ioctl(v.vcpu, KVM_SET_XSAVE, &xs) || ioctl(v.vcpu, KVM_GET_XSAVE, &xs2)) {
		ktest_fail("xsave_guest_sees", "KVM_SET/GET_XSAVE: %s", strerrorname_np(errno));
		goto out;
	}
	memcpy(&got, (char *)xs2.region + XSAVE_XMM0, sizeof(got));
	KTEST_CHECK("xsave_guest_sees", got == val && run_out(&v, "xsave_guest_sees") ==
		    (int)(val & 0xffff) && !memcmp((char *)v.run + v.run->io.data_offset, &val, 4));
	memset((char *)xs.region + XSAVE_XSTATE_BV + 7, 0x80, 1);
	KTEST_ERRNO("xsave_bad_header", ioctl(v.vcpu, KVM_SET_XSAVE, &xs), EINVAL);
out:
	onevm_destroy(&v);
}

int main(int argc, char **argv)
{
	dev = ktest_args(argc, argv);
	if (!dev)
		return 2;
	on_kvmini = strstr(argv[2], "kvmini");
	test_events();
	test_sync_regs();
	test_fpu_state();
	return ktest_exit();
}
