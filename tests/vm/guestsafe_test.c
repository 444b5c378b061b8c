// SPDX-License-Identifier: GPL-2.0
/*
 * guestsafe_test DEV LABEL: what a guest must not be able to do to the
 * host, with small guests whose code is in this file (64-bit ones in long
 * mode at CPL 0, with page tables, GDT and IDT written by the VMM, one
 * 32-bit one at CPL 3).  The expectations are KVM's without an in-kernel
 * irqchip, so the same program runs on /dev/kvm.  The checks, with the
 * bug each one guards:
 *
 * item4: CR8 must not reach the host's APIC TPR (the vCPU keeps its own)
 *   item4_cr8_exit        after `mov $15,%cr8; out`, run->cr8 is 15
 *   item4_cr8_read        `mov %cr8,%rbx` then reads 15
 *   item4_set_tpr_exit    lowering CR8 to 0 returns KVM_EXIT_SET_TPR with
 *                         run->cr8 0 (KVM does so without an in-kernel APIC)
 *   item4_cr8_gp          `mov %rax,%cr8` with 16 raises #GP(0) at that
 *                         instruction in the guest
 *   item4_cr8_gp_kept     ... and leaves the TPR (5) alone
 *   item4_sregs_get       KVM_GET_SREGS.cr8 follows the guest's value (5)
 *   item4_sregs_set       KVM_SET_SREGS with cr8 7: KVM_GET_SREGS says 7
 *   item4_run_cr8         run->cr8 = 9 written before KVM_RUN is the TPR
 *                         the guest reads (KVM sets it at each KVM_RUN)
 *   item4_run_cr8_einval  run->cr8 = 16: KVM_RUN fails with EINVAL
 *   item4_host_irq        the guest sets CR8 to 15 and spins with
 *                         interrupts on: a 50 ms SIGALRM still ends KVM_RUN
 *                         with EINTR / KVM_EXIT_INTR.  With the guest's
 *                         CR8 in the real TPR the host CPU takes no more
 *                         interrupts and the machine hangs here.
 * item5: #AC and #DB intercepted and reflected
 *   item5_ac_loop         (CVE-2015-5307) at CPL 3 with CR0.AM, EFLAGS.AC
 *                         and a misaligned stack, the delivery of #AC
 *                         raises #AC again, forever: KVM_RUN must come
 *                         back, either at a 100 ms SIGALRM with EINTR /
 *                         KVM_EXIT_INTR (the #ACs reflected one after the
 *                         other) or with KVM_EXIT_INTERNAL_ERROR /
 *                         KVM_INTERNAL_ERROR_SIMUL_EX (what KVM on VT-x
 *                         says at the first #AC that interrupts the
 *                         delivery of the reflected one).  Without the
 *                         intercept the CPU loops in microcode and the
 *                         host never gets it back.
 *   item5_db_step         EFLAGS.TF over two NOPs: the guest's #DB handler
 *                         runs twice, after each NOP (saved RIPs checked)
 *   item5_db_dr6_bs       the guest then reads DR6 with BS (bit 14) set
 *   item5_icebp           `icebp` reaches the guest's #DB handler once,
 *                         with the saved RIP just after the icebp byte
 *                         (a reflected privileged software exception
 *                         re-delivered as a fault would loop on it)
 * item6: CR4 bits the guest may not set (CPUID without PKU)
 *   item6_pke_gp          setting CR4.PKE raises #GP at the MOV to CR4
 *   item6_pke_cr4         ... and CR4 reads back without PKE
 *   item6_la57_gp         setting CR4.LA57 in long mode raises #GP and CR4
 *                         reads back without it
 *   item6_pcide_gp        setting CR4.PCIDE with CR3[11:0] != 0 raises #GP
 *                         and CR4 reads back without it (only when the
 *                         supported CPUID has PCID; a PASS note otherwise)
 *   item6_pcide_ok        ... and with CR3[11:0] == 0 it is set: the #GP
 *                         above was for the CR3 bits, not for PCIDE itself
 * (item8, host NMIs, is t_nmi.sh.)
 */
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "ktest.h"
#include "onevm.h"

/* Guest-physical memory, identity mapped by one 2 MiB page in long mode. */
#define MEM_SIZE	0x200000
#define PML4		0x1000
#define PDPT		0x2000
#define PD		0x3000
#define GDT		0x4000
#define TSS		0x4800
#define IDT		0x5000
#define STACK_TOP	0x9000
#define DATA		0x9000	/* what the guests' handlers write for the VMM */
#define STUBS		0xa000	/* one reporting stub per exception vector */
#define GP_HANDLER	0xb000
#define CODE		0x10000

/* The guests' OUTs: a step done (registers tell), an exception taken. */
#define PORT_STEP	0x10
#define PORT_EXC	0x11

#define SEL_CODE64	0x08
#define SEL_DATA	0x10
#define SEL_CODE32_U	0x1b
#define SEL_DATA_U	0x23
#define SEL_TSS		0x28

#define CR0_PE		(1ULL << 0)
#define CR0_MP		(1ULL << 1)
#define CR0_ET		(1ULL << 4)
#define CR0_NE		(1ULL << 5)
#define CR0_AM		(1ULL << 18)
#define CR0_PG		(1ULL << 31)
#define CR4_PAE		(1ULL << 5)
#define CR4_LA57	(1ULL << 12)
#define CR4_PCIDE	(1ULL << 17)
#define CR4_PKE		(1ULL << 22)
#define EFER_LME	(1ULL << 8)
#define EFER_LMA	(1ULL << 10)
#define RFLAGS_IOPL3	0x3000
#define RFLAGS_AC	(1ULL << 18)
#define DR6_BS		(1ULL << 14)

#define XS(x)		STR(x)
#define STR(x)		#x

/*
 * A guest's code, assembled with this file: @name[] to @name_end[] is
 * copied to CODE, so it must not refer to itself other than relatively.
 * Labels inside it are addresses in this program: guest_addr() turns
 * them into the guest's.
 */
#define GUEST(name, body)						\
	extern const unsigned char name[], name##_end[];		\
	__asm__(".pushsection .rodata\n" #name ":\n" body "\n"		\
		#name "_end:\n.popsection\n")

/*
 * The #GP handler of the 64-bit guests: reports the error code (RBX) and
 * the faulting RIP (RCX) on PORT_EXC with 13 in RAX, then resumes at the
 * address the guest left in R15.
 */
GUEST(gp_handler,
	".code64\n"
	"mov (%rsp), %rbx\n"
	"mov 8(%rsp), %rcx\n"
	"mov $13, %eax\n"
	"out %al, $" XS(PORT_EXC) "\n"
	"add $8, %rsp\n"
	"mov %r15, (%rsp)\n"
	"iretq\n");

static const char *dev;
static struct kvm_cpuid2 *cpuid;
static uint32_t cpuid7_ecx;	/* CPUID.(7,0):ECX as supported, PKU in bit 3 */

/*
 * kvm_pvm, the build machine's KVM (without VMX or SVM, every privileged
 * instruction emulated), differs from KVM on VT-x in four places here: no
 * KVM_EXIT_SET_TPR, no alignment checking at all (the misaligned PUSH just
 * works), `icebp` is an emulation failure, and CR4.PKE is taken without
 * PKU in CPUID.  Those checks say so in a PASS note there: what they guard
 * cannot be seen on it.  Everywhere else, and on any other device, the
 * expectation is KVM's on VT-x.
 */
static bool on_pvm;

static uint64_t guest_addr(const struct onevm *v, const unsigned char *label)
{
	return CODE + (label - v->code);
}

/* A flat 4 GiB code or data descriptor with DPL @dpl; @l for 64-bit code. */
static uint64_t desc(unsigned int type, unsigned int dpl, bool l)
{
	return 0x008f00000000ffffULL | (uint64_t)(0x90 | dpl << 5 | type) << 40 |
	       (l ? 1ULL << 53 : 1ULL << 54);
}

static void seg(struct kvm_segment *s, uint16_t sel, unsigned int type, bool l)
{
	memset(s, 0, sizeof(*s));
	s->limit = 0xffffffff;
	s->selector = sel;
	s->type = type;
	s->present = 1;
	s->dpl = sel & 3;
	s->s = 1;
	s->l = l;
	s->db = !l;
	s->g = 1;
}

/*
 * Every exception vector goes to a stub that says which it was (RAX) with
 * the two words on top of its stack (RBX, RCX: the error code and RIP, or
 * RIP and CS), then halts: an unexpected exception ends the run with a
 * message, not with a triple fault.  The 32-bit guest gets the same
 * without the REX prefixes.
 */
static void write_idt(struct onevm *v, bool lm, uint16_t sel)
{
	unsigned int i;

	for (i = 0; i < 32; i++) {
		unsigned char *p = v->mem + STUBS + 32 * i;
		uint64_t addr = STUBS + 32 * i;
		uint64_t *gate = (uint64_t *)(v->mem + IDT + (lm ? 16 : 8) * i);

		*p++ = 0xb8;			/* mov $i, %eax */
		memcpy(p, &i, 4);
		p += 4;
		if (lm)
			*p++ = 0x48;
		memcpy(p, "\x8b\x1c\x24", 3);	/* mov (%rsp), %rbx */
		p += 3;
		if (lm)
			*p++ = 0x48;
		memcpy(p, "\x8b\x4c\x24", 3);	/* mov 8(%rsp), %rcx (4 in 32-bit) */
		p += 3;
		*p++ = lm ? 8 : 4;
		*p++ = 0xe6;			/* out %al, $PORT_EXC */
		*p++ = PORT_EXC;
		*p++ = 0xf4;			/* 1: hlt */
		*p++ = 0xeb;			/* jmp 1b */
		*p++ = 0xfd;
		/* Interrupt gate, present, DPL 0. */
		gate[0] = (addr & 0xffff) | (uint64_t)sel << 16 | 0x8eULL << 40 |
			  (addr >> 16 & 0xffff) << 48;
		if (lm)
			gate[1] = addr >> 32;
	}
}

static void set_gate(struct onevm *v, unsigned int vec, uint64_t addr)
{
	uint64_t *gate = (uint64_t *)(v->mem + IDT + 16 * vec);

	gate[0] = (addr & 0xffff) | (uint64_t)SEL_CODE64 << 16 | 0x8eULL << 40 |
		  (addr >> 16 & 0xffff) << 48;
	gate[1] = addr >> 32;
}

/*
 * A onevm (onevm.h) with @code at CODE and its vCPU entering it: in long
 * mode at CPL 0 (@lm), or in 32-bit protected mode without paging at CPL 3
 * with IOPL 3.  KVM_SET_CPUID2 first, from the supported CPUID (without
 * PKU when @no_pku): 6.12's KVM refuses long mode in KVM_SET_SREGS before
 * it.  Return: 0, or -1 with errno from the call that failed;
 * onevm_destroy() either way.
 */
static int vm_create(struct onevm *v, const unsigned char *code, const unsigned char *end,
		     bool lm, bool no_pku)
{
	struct kvm_regs regs = { .rip = CODE, .rsp = STACK_TOP, .rflags = 2 };
	uint64_t *gdt, *tss_desc;
	struct kvm_sregs s;
	unsigned int i;

	if (onevm_create(v, dev, MEM_SIZE, code, end - code, CODE))
		return -1;
	memcpy(v->mem + GP_HANDLER, gp_handler, gp_handler_end - gp_handler);
	*(uint64_t *)(v->mem + PML4) = PDPT | 7;
	*(uint64_t *)(v->mem + PDPT) = PD | 7;
	*(uint64_t *)(v->mem + PD) = 0x87;	/* 2 MiB at 0: present, RW, user */
	gdt = (uint64_t *)(v->mem + GDT);
	gdt[SEL_CODE64 >> 3] = desc(0xb, 0, true);
	gdt[SEL_DATA >> 3] = desc(0x3, 0, false);
	gdt[SEL_CODE32_U >> 3] = desc(0xb, 3, false);
	gdt[SEL_DATA_U >> 3] = desc(0x3, 3, false);
	/* A busy TSS (type 11 in 32-bit and 64-bit mode alike): VM entry wants a usable TR. */
	tss_desc = gdt + (SEL_TSS >> 3);
	tss_desc[0] = 0x67 | (uint64_t)(TSS & 0xffff) << 16 | (uint64_t)(TSS >> 16 & 0xff) << 32 |
		      0x8bULL << 40;
	write_idt(v, lm, lm ? SEL_CODE64 : SEL_CODE32_U);
	if (lm)
		set_gate(v, 13, GP_HANDLER);
	for (i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		if (e->function == 7 && e->index == 0)
			e->ecx = no_pku ? cpuid7_ecx & ~(1u << 3) : cpuid7_ecx;
	}
	if (ioctl(v->vcpu, KVM_SET_CPUID2, cpuid) || ioctl(v->vcpu, KVM_GET_SREGS, &s))
		return -1;
	s.gdt.base = GDT;
	s.gdt.limit = SEL_TSS + 15;
	s.idt.base = IDT;
	s.idt.limit = lm ? 32 * 16 - 1 : 32 * 8 - 1;
	memset(&s.tr, 0, sizeof(s.tr));
	s.tr.base = TSS;
	s.tr.limit = 0x67;
	s.tr.selector = SEL_TSS;
	s.tr.type = 11;
	s.tr.present = 1;
	if (lm) {
		seg(&s.cs, SEL_CODE64, 0xb, true);
		seg(&s.ds, SEL_DATA, 0x3, false);
		s.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_PG;
		s.cr3 = PML4;
		s.cr4 = CR4_PAE;
		s.efer = EFER_LME | EFER_LMA;
	} else {
		seg(&s.cs, SEL_CODE32_U, 0xb, false);
		seg(&s.ds, SEL_DATA_U, 0x3, false);
		s.cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_AM;
		s.cr4 = 0;
		s.efer = 0;
		regs.rflags |= RFLAGS_IOPL3;
	}
	s.es = s.fs = s.gs = s.ss = s.ds;
	if (ioctl(v->vcpu, KVM_SET_SREGS, &s) || ioctl(v->vcpu, KVM_SET_REGS, &regs))
		return -1;
	return 0;
}

/* What the last KVM_RUN did, for a failure message. */
static const char *what(struct onevm *v, int r, int err)
{
	static char buf[192];
	struct kvm_regs regs;

	if (r)
		snprintf(buf, sizeof(buf), "KVM_RUN failed: %s", strerrorname_np(err));
	else if (v->run->exit_reason == KVM_EXIT_IO && v->run->io.port == PORT_EXC &&
		 !ioctl(v->vcpu, KVM_GET_REGS, &regs))
		snprintf(buf, sizeof(buf), "exception %llu in the guest (stack %#llx %#llx)",
			 regs.rax & 0xff, regs.rbx, regs.rcx);
	else if (v->run->exit_reason == KVM_EXIT_IO)
		snprintf(buf, sizeof(buf), "exit IO port %#x", v->run->io.port);
	else if (v->run->exit_reason == KVM_EXIT_INTERNAL_ERROR)
		snprintf(buf, sizeof(buf), "KVM_EXIT_INTERNAL_ERROR suberror %u",
			 v->run->internal.suberror);
	else
		snprintf(buf, sizeof(buf), "exit reason %u", v->run->exit_reason);
	return buf;
}

/*
 * Runs until the guest's next OUT to @port and reads its registers.
 * Return: 0, or -1 after failing @name with what happened instead.
 */
static int run_to(struct onevm *v, uint16_t port, struct kvm_regs *regs, const char *name)
{
	int r = ioctl(v->vcpu, KVM_RUN, 0);
	int err = errno;

	if (r || v->run->exit_reason != KVM_EXIT_IO || v->run->io.port != port ||
	    v->run->io.direction != KVM_EXIT_IO_OUT) {
		ktest_fail(name, "waiting for OUT to %#x: %s", port, what(v, r, err));
		return -1;
	}
	if (ioctl(v->vcpu, KVM_GET_REGS, regs)) {
		ktest_fail(name, "KVM_GET_REGS: %s", strerrorname_np(errno));
		return -1;
	}
	return 0;
}

/*
 * Runs to the guest's #GP handler, expected for the instruction at
 * @at.  Return: 0 when it came, 1 when the guest went on to its next
 * step instead on kvm_pvm and @pvm_note says why that is let go (passed
 * with the note), else -1 after failing @name.
 */
static int expect_gp(struct onevm *v, const unsigned char *at, const char *name,
		     const char *pvm_note)
{
	struct kvm_regs regs;
	int r = ioctl(v->vcpu, KVM_RUN, 0);
	int err = errno;

	if (on_pvm && pvm_note && !r && v->run->exit_reason == KVM_EXIT_IO &&
	    v->run->io.port == PORT_STEP) {
		char note[160];

		snprintf(note, sizeof(note), "%s (%s: not checked)", name, pvm_note);
		ktest_pass(note);
		return 1;
	}
	if (r || v->run->exit_reason != KVM_EXIT_IO || v->run->io.port != PORT_EXC ||
	    ioctl(v->vcpu, KVM_GET_REGS, &regs)) {
		ktest_fail(name, "no #GP: %s", what(v, r, err));
		return -1;
	}
	if ((regs.rax & 0xff) != 13 || regs.rbx != 0 || regs.rcx != guest_addr(v, at)) {
		ktest_fail(name, "exception %llu error code %#llx at %#llx, want #GP(0) at %#llx",
			   regs.rax & 0xff, regs.rbx, regs.rcx,
			   (unsigned long long)guest_addr(v, at));
		return -1;
	}
	return 0;
}

static void on_alarm(int sig)
{
	(void)sig;
}

/*
 * KVM_RUN with a SIGALRM every @ms milliseconds (repeating: one that
 * landed before KVM_RUN would be lost).  The handler is installed without
 * SA_RESTART, so the signal must bring KVM_RUN back here.
 */
static int run_alarmed(struct onevm *v, long ms, int *err)
{
	struct itimerval it = { .it_value = { .tv_usec = ms * 1000 },
				.it_interval = { .tv_usec = ms * 1000 } };
	struct sigaction sa = { .sa_handler = on_alarm };
	int r;

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) || setitimer(ITIMER_REAL, &it, NULL)) {
		*err = errno;
		return -2;
	}
	r = ioctl(v->vcpu, KVM_RUN, 0);
	*err = errno;
	it.it_value.tv_usec = it.it_interval.tv_usec = 0;
	setitimer(ITIMER_REAL, &it, NULL);
	return r;
}

/*
 * item4: each step ends with an OUT to PORT_STEP (or KVM_EXIT_SET_TPR,
 * or the #GP handler); the VMM looks at the registers there.  Interrupts
 * stay off until the last step.
 */
GUEST(cr8_guest,
	".code64\n"
	"mov $15, %eax\n"
	"mov %rax, %cr8\n"
	"out %al, $" XS(PORT_STEP) "\n"		/* run->cr8 15 */
	"mov %cr8, %rbx\n"
	"out %al, $" XS(PORT_STEP) "\n"		/* RBX 15 */
	"xor %eax, %eax\n"
	"mov %rax, %cr8\n"			/* KVM_EXIT_SET_TPR */
	"mov %cr8, %rbx\n"
	"out %al, $" XS(PORT_STEP) "\n"		/* RBX 0 */
	"mov $5, %eax\n"
	"mov %rax, %cr8\n"			/* raised: no exit */
	"lea 1f(%rip), %r15\n"
	"mov $16, %eax\n"
	"cr8_gp_at: mov %rax, %cr8\n"		/* #GP */
	"1: mov %cr8, %rbx\n"
	"out %al, $" XS(PORT_STEP) "\n"		/* RBX 5 */
	"mov %cr8, %rbx\n"
	"out %al, $" XS(PORT_STEP) "\n"		/* RBX: what run->cr8 said */
	"mov $15, %eax\n"
	"mov %rax, %cr8\n"
	"sti\n"
	"2: jmp 2b\n");
extern const unsigned char cr8_gp_at[];

static void test_cr8(void)
{
	struct kvm_sregs s;
	struct kvm_regs regs;
	struct onevm v;
	int r, err;

	if (vm_create(&v, cr8_guest, cr8_guest_end, true, false)) {
		ktest_fail("item4_cr8_exit", "set-up: %s", strerrorname_np(errno));
		goto out;
	}
	if (run_to(&v, PORT_STEP, &regs, "item4_cr8_exit"))
		goto out;
	if (v.run->cr8 != 15) {
		ktest_fail("item4_cr8_exit", "run->cr8 %llu, want 15", v.run->cr8);
		goto out;
	}
	ktest_pass("item4_cr8_exit");
	if (run_to(&v, PORT_STEP, &regs, "item4_cr8_read"))
		goto out;
	if (regs.rbx != 15) {
		ktest_fail("item4_cr8_read", "the guest read %llu, want 15", regs.rbx);
		goto out;
	}
	ktest_pass("item4_cr8_read");

	r = ioctl(v.vcpu, KVM_RUN, 0);
	err = errno;
	if (!r && v.run->exit_reason == KVM_EXIT_SET_TPR && v.run->cr8 == 0) {
		ktest_pass("item4_set_tpr_exit");
		if (run_to(&v, PORT_STEP, &regs, "item4_set_tpr_exit"))
			goto out;
	} else if (on_pvm && !r && v.run->exit_reason == KVM_EXIT_IO &&
		   v.run->io.port == PORT_STEP && v.run->cr8 == 0) {
		ktest_pass("item4_set_tpr_exit (kvm_pvm has no KVM_EXIT_SET_TPR: not checked)");
	} else {
		ktest_fail("item4_set_tpr_exit", "%s, run->cr8 %llu; want KVM_EXIT_SET_TPR, 0",
			   what(&v, r, err), v.run->cr8);
		goto out;
	}

	if (expect_gp(&v, cr8_gp_at, "item4_cr8_gp", NULL))
		goto out;
	ktest_pass("item4_cr8_gp");
	if (run_to(&v, PORT_STEP, &regs, "item4_cr8_gp_kept"))
		goto out;
	if (regs.rbx != 5 || v.run->cr8 != 5)
		ktest_fail("item4_cr8_gp_kept", "the guest read %llu, run->cr8 %llu, want 5 and 5",
			   regs.rbx, v.run->cr8);
	else
		ktest_pass("item4_cr8_gp_kept");

	if (ioctl(v.vcpu, KVM_GET_SREGS, &s)) {
		ktest_fail("item4_sregs_get", "KVM_GET_SREGS: %s", strerrorname_np(errno));
		goto out;
	}
	if (s.cr8 != 5)
		ktest_fail("item4_sregs_get", "cr8 %llu, want 5", s.cr8);
	else
		ktest_pass("item4_sregs_get");
	/*
	 * KVM_RUN sets the TPR from run->cr8 again when there is no
	 * in-kernel APIC, so a value given with KVM_SET_SREGS alone would
	 * not reach the guest: KVM_GET_SREGS is the check here, run->cr8
	 * the one that the guest reads below.
	 */
	s.cr8 = 7;
	if (ioctl(v.vcpu, KVM_SET_SREGS, &s) || ioctl(v.vcpu, KVM_GET_SREGS, &s) || s.cr8 != 7)
		ktest_fail("item4_sregs_set", "cr8 %llu after setting 7 (%s)", s.cr8,
			   strerrorname_np(errno));
	else
		ktest_pass("item4_sregs_set");

	v.run->cr8 = 9;
	if (run_to(&v, PORT_STEP, &regs, "item4_run_cr8"))
		goto out;
	if (regs.rbx != 9)
		ktest_fail("item4_run_cr8", "the guest read %llu, want 9 from run->cr8", regs.rbx);
	else
		ktest_pass("item4_run_cr8");

	v.run->cr8 = 16;
	KTEST_ERRNO("item4_run_cr8_einval", ioctl(v.vcpu, KVM_RUN, 0), EINVAL);
	v.run->cr8 = 9;

	r = run_alarmed(&v, 50, &err);
	if (r != -1 || err != EINTR || v.run->exit_reason != KVM_EXIT_INTR || v.run->cr8 != 15)
		ktest_fail("item4_host_irq", "KVM_RUN returned %d (%s), exit %u, run->cr8 %llu; "
			   "want EINTR, KVM_EXIT_INTR, 15", r, r ? strerrorname_np(err) : "-",
			   v.run->exit_reason, v.run->cr8);
	else
		ktest_pass("item4_host_irq");
out:
	onevm_destroy(&v);
}

/*
 * item5 (a), 32-bit at CPL 3 with ESP misaligned: the PUSH raises #AC,
 * and its delivery pushes on the same stack (the gate leads to a DPL 3
 * segment: no stack switch), which raises #AC again.  The OUT after it
 * and the stub of vector 17 are never reached.
 */
GUEST(ac_guest,
	".code32\n"
	"push %eax\n"
	"out %al, $" XS(PORT_STEP) "\n"
	".code64\n");

static void test_ac_loop(void)
{
	struct kvm_regs regs;
	struct onevm v;
	int r, err;

	if (vm_create(&v, ac_guest, ac_guest_end, false, false) ||
	    ioctl(v.vcpu, KVM_GET_REGS, &regs)) {
		ktest_fail("item5_ac_loop", "set-up: %s", strerrorname_np(errno));
		goto out;
	}
	regs.rsp = STACK_TOP - 15;
	regs.rflags |= RFLAGS_AC | 0x200;
	if (ioctl(v.vcpu, KVM_SET_REGS, &regs)) {
		ktest_fail("item5_ac_loop", "KVM_SET_REGS: %s", strerrorname_np(errno));
		goto out;
	}
	r = run_alarmed(&v, 100, &err);
	if ((r == -1 && err == EINTR && v.run->exit_reason == KVM_EXIT_INTR) ||
	    (r == 0 && v.run->exit_reason == KVM_EXIT_INTERNAL_ERROR &&
	     v.run->internal.suberror == KVM_INTERNAL_ERROR_SIMUL_EX))
		ktest_pass("item5_ac_loop");
	else if (on_pvm && !r && v.run->exit_reason == KVM_EXIT_IO && v.run->io.port == PORT_STEP)
		ktest_pass("item5_ac_loop (kvm_pvm has no alignment checks: not checked)");
	else
		ktest_fail("item5_ac_loop", "%s; want EINTR with KVM_EXIT_INTR, or "
			   "KVM_EXIT_INTERNAL_ERROR (SIMUL_EX)",
			   r == -2 ? "setitimer failed" : what(&v, r, err));
out:
	onevm_destroy(&v);
}

/*
 * item5 (b) and (c): a #DB handler that counts at DATA, keeps each saved
 * RIP at DATA + 8 * count, and clears TF in the saved RFLAGS at the
 * second.
 */
GUEST(step_guest,
	".code64\n"
	"pushfq\n"
	"orq $0x100, (%rsp)\n"
	"popfq\n"
	"nop\n"
	"step_after1: nop\n"
	"step_after2: mov %dr6, %rax\n"
	"out %al, $" XS(PORT_STEP) "\n"
	"step_db:\n"
	"incq " XS(DATA) "\n"
	"mov " XS(DATA) ", %rax\n"
	"mov (%rsp), %rcx\n"
	"mov %rcx, " XS(DATA) "(,%rax,8)\n"
	"cmp $2, %rax\n"
	"jb 1f\n"
	"andq $~0x100, 16(%rsp)\n"
	"1: iretq\n");
extern const unsigned char step_after1[], step_after2[], step_db[];

GUEST(icebp_guest,
	".code64\n"
	".byte 0xf1\n"
	"icebp_after: out %al, $" XS(PORT_STEP) "\n"
	"icebp_db:\n"
	"incq " XS(DATA) "\n"
	"mov " XS(DATA) ", %rax\n"
	"mov (%rsp), %rcx\n"
	"mov %rcx, " XS(DATA) "(,%rax,8)\n"
	"iretq\n");
extern const unsigned char icebp_after[], icebp_db[];

static void test_db(void)
{
	uint64_t *data;
	struct kvm_regs regs;
	struct onevm v;

	if (vm_create(&v, step_guest, step_guest_end, true, false)) {
		ktest_fail("item5_db_step", "set-up: %s", strerrorname_np(errno));
		goto icebp;
	}
	data = (uint64_t *)(v.mem + DATA);
	set_gate(&v, 1, guest_addr(&v, step_db));
	if (run_to(&v, PORT_STEP, &regs, "item5_db_step"))
		goto icebp;
	if (data[0] != 2 || data[1] != guest_addr(&v, step_after1) ||
	    data[2] != guest_addr(&v, step_after2))
		ktest_fail("item5_db_step", "%llu #DB, saved RIPs %#llx %#llx; want 2, %#llx %#llx",
			   (unsigned long long)data[0], (unsigned long long)data[1],
			   (unsigned long long)data[2],
			   (unsigned long long)guest_addr(&v, step_after1),
			   (unsigned long long)guest_addr(&v, step_after2));
	else
		ktest_pass("item5_db_step");
	if (regs.rax & DR6_BS)
		ktest_pass("item5_db_dr6_bs");
	else
		ktest_fail("item5_db_dr6_bs", "DR6 %#llx", regs.rax);
icebp:
	onevm_destroy(&v);
	if (vm_create(&v, icebp_guest, icebp_guest_end, true, false)) {
		ktest_fail("item5_icebp", "set-up: %s", strerrorname_np(errno));
		goto out;
	}
	data = (uint64_t *)(v.mem + DATA);
	set_gate(&v, 1, guest_addr(&v, icebp_db));
	if (on_pvm && !ioctl(v.vcpu, KVM_RUN, 0) &&
	    v.run->exit_reason == KVM_EXIT_INTERNAL_ERROR &&
	    v.run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION) {
		ktest_pass("item5_icebp (kvm_pvm fails to emulate icebp: not checked)");
		goto out;
	}
	if (run_to(&v, PORT_STEP, &regs, "item5_icebp"))
		goto out;
	if (data[0] != 1 || data[1] != guest_addr(&v, icebp_after))
		ktest_fail("item5_icebp", "%llu #DB, saved RIP %#llx; want 1, %#llx",
			   (unsigned long long)data[0], (unsigned long long)data[1],
			   (unsigned long long)guest_addr(&v, icebp_after));
	else
		ktest_pass("item5_icebp");
out:
	onevm_destroy(&v);
}

/*
 * item6: each MOV to CR4 that must fault has its resume address in R15
 * for the #GP handler; CR4 is reported in RBX after it.  The PCIDE part
 * runs only when the VMM lets the guest go on past the LA57 report.
 */
GUEST(cr4_guest,
	".code64\n"
	"lea 1f(%rip), %r15\n"
	"mov %cr4, %rax\n"
	"bts $22, %rax\n"
	"pke_at: mov %rax, %cr4\n"
	"1: mov %cr4, %rbx\n"
	"out %al, $" XS(PORT_STEP) "\n"
	"lea 1f(%rip), %r15\n"
	"mov %cr4, %rax\n"
	"bts $12, %rax\n"
	"la57_at: mov %rax, %cr4\n"
	"1: mov %cr4, %rbx\n"
	"out %al, $" XS(PORT_STEP) "\n"
	"mov %cr3, %rax\n"
	"or $8, %rax\n"				/* PWT: CR3[11:0] != 0 */
	"mov %rax, %cr3\n"
	"lea 1f(%rip), %r15\n"
	"mov %cr4, %rax\n"
	"bts $17, %rax\n"
	"pcide_at: mov %rax, %cr4\n"
	"1: mov %cr4, %rbx\n"
	"out %al, $" XS(PORT_STEP) "\n"
	"mov %cr3, %rax\n"
	"and $~0xfff, %rax\n"
	"mov %rax, %cr3\n"
	"lea 1f(%rip), %r15\n"
	"mov %cr4, %rax\n"
	"bts $17, %rax\n"
	"mov %rax, %cr4\n"
	"1: mov %cr4, %rbx\n"
	"out %al, $" XS(PORT_STEP) "\n");
extern const unsigned char pke_at[], la57_at[], pcide_at[];

static bool cpuid_has(uint32_t fn, uint32_t index, int reg, unsigned int bit)
{
	unsigned int i;

	for (i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];
		uint32_t regs[4] = { e->eax, e->ebx, e->ecx, e->edx };

		if (e->function == fn && e->index == index)
			return regs[reg] >> bit & 1;
	}
	return false;
}

static void test_cr4(void)
{
	struct kvm_regs regs;
	struct onevm v;
	int r;

	if (vm_create(&v, cr4_guest, cr4_guest_end, true, true)) {
		ktest_fail("item6_pke_gp", "set-up: %s", strerrorname_np(errno));
		goto out;
	}
	r = expect_gp(&v, pke_at, "item6_pke_gp", "kvm_pvm takes CR4.PKE without PKU");
	if (r < 0)
		goto out;
	if (r == 0) {
		ktest_pass("item6_pke_gp");
		if (run_to(&v, PORT_STEP, &regs, "item6_pke_cr4"))
			goto out;
		if (regs.rbx & CR4_PKE)
			ktest_fail("item6_pke_cr4", "CR4 %#llx", regs.rbx);
		else
			ktest_pass("item6_pke_cr4");
	}

	if (expect_gp(&v, la57_at, "item6_la57_gp", NULL) ||
	    run_to(&v, PORT_STEP, &regs, "item6_la57_gp"))
		goto out;
	if (regs.rbx & CR4_LA57)
		ktest_fail("item6_la57_gp", "CR4 %#llx after the #GP", regs.rbx);
	else
		ktest_pass("item6_la57_gp");

	if (!cpuid_has(1, 0, 2, 17)) {
		ktest_pass("item6_pcide_gp (no PCID in the supported CPUID: not checked)");
		goto out;
	}
	if (expect_gp(&v, pcide_at, "item6_pcide_gp", NULL) ||
	    run_to(&v, PORT_STEP, &regs, "item6_pcide_gp"))
		goto out;
	if (regs.rbx & CR4_PCIDE)
		ktest_fail("item6_pcide_gp", "CR4 %#llx after the #GP", regs.rbx);
	else
		ktest_pass("item6_pcide_gp");
	if (run_to(&v, PORT_STEP, &regs, "item6_pcide_ok"))
		goto out;
	if (regs.rbx & CR4_PCIDE)
		ktest_pass("item6_pcide_ok");
	else
		ktest_fail("item6_pcide_ok", "CR4 %#llx: PCIDE not set with CR3[11:0] 0", regs.rbx);
out:
	onevm_destroy(&v);
}

/* KVM_GET_SUPPORTED_CPUID into cpuid, growing it while E2BIG. */
static int get_cpuid(void)
{
	int sys = open(dev, O_RDWR | O_CLOEXEC);
	int nent;

	if (sys < 0)
		return -1;
	for (nent = 64; nent <= 1024; nent *= 2) {
		cpuid = calloc(1, sizeof(*cpuid) + nent * sizeof(cpuid->entries[0]));
		if (!cpuid)
			break;
		cpuid->nent = nent;
		if (ioctl(sys, KVM_GET_SUPPORTED_CPUID, cpuid) == 0) {
			unsigned int i;

			for (i = 0; i < cpuid->nent; i++)
				if (cpuid->entries[i].function == 7 && cpuid->entries[i].index == 0)
					cpuid7_ecx = cpuid->entries[i].ecx;
			close(sys);
			return 0;
		}
		free(cpuid);
		cpuid = NULL;
		if (errno != E2BIG)
			break;
	}
	close(sys);
	return -1;
}

int main(int argc, char **argv)
{
	dev = ktest_args(argc, argv);
	if (!dev)
		return 2;
	on_pvm = !strstr(dev, "kvmini") && !access("/sys/module/kvm_pvm", F_OK);
	if (get_cpuid()) {
		ktest_fail("supported_cpuid", "%s: %s", dev, strerrorname_np(errno));
		return ktest_exit();
	}
	test_cr8();
	test_ac_loop();
	test_db();
	test_cr4();
	return ktest_exit();
}
