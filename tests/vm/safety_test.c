// SPDX-License-Identifier: GPL-2.0
/*
 * safety_test DEV LABEL: regression tests for the host-safety fixes, with
 * real-mode guests written out as bytes.  Each check is named after the
 * item it guards:
 *   item3_same_fd        a VM kept alive only by its vCPU's kvm_run mapping
 *                        (its fds closed) and a new VM that got the same fd,
 *                        hence the same debugfs name <pid>-<fd>
 *   item3_second_vm      that second VM runs a guest to HLT
 *   item3_stats          and its KVM_GET_STATS_FD reads: the vCPU's counted
 *                        the HLT, the VM's has pages_4k
 *   item3_debugfs_gone   (kvmini) the name is free again once both VMs
 *                        went; t_safety.sh checks dmesg: a name collision
 *                        is one line of kvmini's, not debugfs's complaint
 *   item7_entry_fails    CS with S=0 makes the entry fail (KVM_EXIT_FAIL_ENTRY,
 *                        reason 0x80000021)... (skipped on a KVM that is not
 *                        on VT-x and runs such a guest)
 *   item7_runs_after     ...and with the state fixed the guest runs, twice:
 *                        a failed VMLAUNCH leaves the VMCS clear, so it must
 *                        not be resumed (the bug: `launched` set anyway, and
 *                        every later KVM_RUN failed its VMRESUME)
 *   item9a_insw_cross    `rep insw`, `rep outsw` and `rep insd` with CX=3
 *   item9a_outsw_cross   and the buffer at offset 0xfff of a page, so the
 *   item9a_insd_cross    first element straddles two pages: each
 *                        KVM_EXIT_IO moves at least one element and the
 *                        bytes land at (come from) the right addresses (the
 *                        bug: count 0 forever)
 *   item9b_rdpmc_gp      RDPMC with ECX=0 raises #GP in the guest (the bug:
 *                        the guest read the host's counter)
 *   item9b_wbinvd        WBINVD just continues
 *   item10_gdt_limit     after every KVM_RUN the VMM thread's GDT limit
 *   item10_ldtr          (sgdt), its LDTR (sldt) and its LDT (lar of its
 *   item10_ldt_lar       entry) are what they were, and no selector past
 *   item10_gdt_lsl       the GDT's end is valid (lsl, lar): a VM exit sets
 *                        the limit to 0xffff and LDTR to null, and the
 *                        kernel must restore both before going back to
 *                        userspace (the bug: it did not)
 *   item1_pio_count_insb
 *   item1_pio_count_insw_down
 *   item1_pio_count_outsb
 *                        at each KVM_EXIT_IO the VMM rewrites run->io (count,
 *                        size, direction, port, data_offset) before KVM_RUN;
 *                        the instruction must complete with what the kernel
 *                        recorded at the exit: a `rep insb`, a `rep insw`
 *                        going down and a `rep outsb` move exactly their 4
 *                        elements, canaries on both sides intact, RCX 0
 *                        (the bug: count 4096 moved data past the buffer)
 *   item1_pio_size       the same for `in ax,dx`: two bytes reach AX, the
 *                        upper half of EAX is kept, RIP moves past (the bug:
 *                        size 200 overflowed a stack copy, the kernel BUGed)
 *   pio_rip_moved_out    after a KVM_EXIT_IO the VMM points RIP at other
 *   pio_rip_moved_in     code (KVM_SET_REGS) and runs again: the port I/O
 *                        is abandoned, as KVM's complete_fast_pio_* do, and
 *                        the new code runs from its first byte (the bug,
 *                        found by issue 11's pageable test: the OUT's
 *                        length was skipped at the new RIP, and an IN's
 *                        data written into AL, so the VMM's next routine
 *                        lost its first instruction)
 *   pio_rcx_lowered      at a `rep insb` exit the VMM changes CX: 4 to 1,
 *   pio_rcx_zeroed       4 to 0, 3 to 8; the instruction counts down from
 *   pio_rcx_raised       the new CX to 0 (issue 12, KVM's
 *                        userspace_io_test; the bug: CX wrapped to 0xffff).
 *                        On KVM, CX 0 moves one element and wraps: skipped
 * The item1 checks come last: on an unfixed module they take the kernel
 * down, and the others should have reported by then.
 * The same program runs on /dev/kvm with the same expectations: these are
 * KVM's behaviours.
 */
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <asm/ldt.h>
#include <linux/kvm.h>

#include "ktest.h"
#include "kstats.h"
#include "rmvm.h"

#define ENTRY		RMVM_ENTRY
#define PORT		0x42
#define MAX_RUNS	50

/* The hardware reason of a failed entry on invalid guest state (SDM Vol. 3D C). */
#define ENTRY_FAIL_GUEST_STATE	0x80000021

static const char *dev;
static bool on_kvmini;

static void on_alarm(int sig)
{
	(void)sig;
}

/*
 * KVM_RUN with a watchdog: a guest an unfixed module sent astray and that
 * never exits again comes back with EINTR instead of hanging the suite.
 */
static int run_vcpu(struct onevm *v)
{
	int r;

	alarm(5);
	r = ioctl(v->vcpu, KVM_RUN, 0);
	alarm(0);
	return r;
}

static unsigned char *io_data(struct onevm *v)
{
	return (unsigned char *)v->run + v->run->io.data_offset;
}

static uint16_t guest_word(const struct onevm *v, unsigned int gpa)
{
	return v->mem[gpa] | v->mem[gpa + 1] << 8;
}

/* mov $1, %ax; hlt */
static const unsigned char hello1[] = { 0xb8, 0x01, 0x00, 0xf4 };

static void test_item3(void)
{
	int sys, vm_fd, vcpu_fd, sfd = -1, vmsfd = -1;
	struct kvm_regs regs;
	void *run1 = MAP_FAILED;
	long run1_size;
	char dir[64];
	struct stat st;
	struct onevm v;

	/*
	 * The first VM: a vCPU whose kvm_run page stays mapped holds the VM
	 * after every fd is closed, as a VMM that forgot one mapping would.
	 */
	sys = open(dev, O_RDWR | O_CLOEXEC);
	vm_fd = sys < 0 ? -1 : ioctl(sys, KVM_CREATE_VM, 0);
	vcpu_fd = vm_fd < 0 ? -1 : ioctl(vm_fd, KVM_CREATE_VCPU, 0);
	run1_size = sys < 0 ? -1 : ioctl(sys, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vcpu_fd >= 0 && run1_size > 0)
		run1 = mmap(NULL, run1_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu_fd, 0);
	if (run1 == MAP_FAILED) {
		ktest_fail("item3_same_fd", "set-up of the first VM: %s", strerrorname_np(errno));
		if (vcpu_fd >= 0)
			close(vcpu_fd);
		if (vm_fd >= 0)
			close(vm_fd);
		if (sys >= 0)
			close(sys);
		return;
	}
	close(vcpu_fd);
	close(vm_fd);
	close(sys);

	/* rmvm_create opens the device, then the VM: the same two fds again. */
	if (rmvm_create(&v, dev, hello1, sizeof(hello1), 0)) {
		ktest_fail("item3_same_fd", "set-up of the second VM: %s", strerrorname_np(errno));
		goto out;
	}
	if (v.fd == vm_fd)
		ktest_pass("item3_same_fd");
	else
		ktest_fail("item3_same_fd", "the second VM got fd %d, the first had %d: "
			   "no name collision to test", v.fd, vm_fd);
	if (run_vcpu(&v) || v.run->exit_reason != KVM_EXIT_HLT ||
	    ioctl(v.vcpu, KVM_GET_REGS, &regs) || (regs.rax & 0xffff) != 1) {
		ktest_fail("item3_second_vm", "KVM_RUN: %s, exit %u", strerrorname_np(errno),
			   v.run->exit_reason);
		goto out;
	}
	ktest_pass("item3_second_vm");
	sfd = ioctl(v.vcpu, KVM_GET_STATS_FD, NULL);
	vmsfd = ioctl(v.fd, KVM_GET_STATS_FD, NULL);
	if (sfd < 0 || vmsfd < 0)
		ktest_fail("item3_stats", "KVM_GET_STATS_FD: %s", strerrorname_np(errno));
	/*
	 * pages_4k only has to be there: kvm_pvm (this project's development
	 * host, shadow paging) counts nothing in it.
	 */
	else if (stat_value(sfd, "halt_exits") != 1 || stat_value(vmsfd, "pages_4k") < 0)
		ktest_fail("item3_stats", "halt_exits %lld pages_4k %lld, want 1 and a value",
			   (long long)stat_value(sfd, "halt_exits"),
			   (long long)stat_value(vmsfd, "pages_4k"));
	else
		ktest_pass("item3_stats");
out:
	if (sfd >= 0)
		close(sfd);
	if (vmsfd >= 0)
		close(vmsfd);
	onevm_destroy(&v);
	/* The last reference to the first VM: it goes now. */
	munmap(run1, run1_size);
	if (on_kvmini) {
		snprintf(dir, sizeof(dir), "/sys/kernel/debug/kvmini/%d-%d", getpid(), vm_fd);
		KTEST_CHECK("item3_debugfs_gone", stat(dir, &st) && errno == ENOENT);
	}
}

/* 1: inc %ax; hlt; jmp 1b */
static const unsigned char inc_hlt[] = { 0x40, 0xf4, 0xeb, 0xfc };

/*
 * Only VT-x checks the guest state at entry: a KVM without kvm_intel (this
 * project's development host has kvm_pvm, a software KVM) may run the
 * guest instead, and then there is no failed entry to recover from.
 */
static bool refuses_bad_state(void)
{
	return on_kvmini || !access("/sys/module/kvm_intel", F_OK);
}

static void test_item7(void)
{
	struct kvm_sregs good, bad;
	struct kvm_regs regs;
	struct onevm v;
	int i;

	if (rmvm_create(&v, dev, inc_hlt, sizeof(inc_hlt), 0) ||
	    ioctl(v.vcpu, KVM_GET_SREGS, &good)) {
		ktest_fail("item7_entry_fails", "set-up: %s", strerrorname_np(errno));
		goto out;
	}
	bad = good;
	bad.cs.s = 0;
	if (ioctl(v.vcpu, KVM_SET_SREGS, &bad) || run_vcpu(&v)) {
		ktest_fail("item7_entry_fails", "KVM_SET_SREGS or KVM_RUN: %s",
			   strerrorname_np(errno));
		goto out;
	}
	if (v.run->exit_reason != KVM_EXIT_FAIL_ENTRY && !refuses_bad_state()) {
		printf("KTEST SKIP %sitem7_entry_fails: not KVM on VT-x, it ran the guest: "
		       "exit %u\n", ktest_prefix, v.run->exit_reason);
		printf("KTEST SKIP %sitem7_runs_after: no failed entry\n", ktest_prefix);
		goto out;
	}
	if (v.run->exit_reason != KVM_EXIT_FAIL_ENTRY ||
	    v.run->fail_entry.hardware_entry_failure_reason != ENTRY_FAIL_GUEST_STATE) {
		ktest_fail("item7_entry_fails", "exit %u, hardware reason %#llx",
			   v.run->exit_reason, v.run->fail_entry.hardware_entry_failure_reason);
		goto out;
	}
	ktest_pass("item7_entry_fails");
	/* From the start again, with the segments as they were. */
	regs = (struct kvm_regs){ .rip = ENTRY, .rsp = RMVM_STACK, .rflags = 2 };
	if (ioctl(v.vcpu, KVM_SET_SREGS, &good) || ioctl(v.vcpu, KVM_SET_REGS, &regs)) {
		ktest_fail("item7_runs_after", "KVM_SET_SREGS: %s", strerrorname_np(errno));
		goto out;
	}
	/* Twice: the first entry after the failure and a resumed one. */
	for (i = 1; i <= 2; i++) {
		if (run_vcpu(&v) || v.run->exit_reason != KVM_EXIT_HLT ||
		    ioctl(v.vcpu, KVM_GET_REGS, &regs) || (regs.rax & 0xffff) != (unsigned int)i) {
			ktest_fail("item7_runs_after",
				   "run %d: %s, exit %u (hardware reason %#llx)",
				   i, strerrorname_np(errno), v.run->exit_reason,
				   v.run->fail_entry.hardware_entry_failure_reason);
			goto out;
		}
	}
	ktest_pass("item7_runs_after");
out:
	onevm_destroy(&v);
}

/*
 * One string I/O instruction on PORT and what the VMM does with its exits.
 * The guest: cld or std; mov $addr, %di (or %si); mov $n, %cx;
 * mov $PORT, %dx; rep ins or outs of @size; cld; hlt.
 */
struct string_io {
	const char *name;
	bool in, down;
	unsigned int size;	/* 1, 2 or 4 */
	uint16_t addr;		/* the first element's address */
	uint16_t n;		/* CX */
	/* What the VMM writes into run->io before the next KVM_RUN, 0 for nothing. */
	uint32_t bad_count;
	uint8_t bad_size;
	bool flip;		/* the direction, the port and data_offset too */
};

#define CANARY		0xcc
#define FILLER		0xee
#define CANARY_SPAN	32	/* bytes checked on each side of the buffer */

/* Byte @k of the data the guest moves, in the order it moves it. */
static uint8_t stream(unsigned int k)
{
	return 0x10 + k * 3;
}

/* Where byte @k of the stream belongs in guest memory. */
static unsigned int stream_gpa(const struct string_io *t, unsigned int k)
{
	unsigned int elem = k / t->size, off = k % t->size;

	return t->down ? t->addr - elem * t->size + off : t->addr + elem * t->size + off;
}

static size_t string_io_code(const struct string_io *t, unsigned char *code)
{
	unsigned char *p = code;

	*p++ = t->down ? 0xfd : 0xfc;		/* std or cld */
	*p++ = t->in ? 0xbf : 0xbe;		/* mov $addr, %di or %si */
	*p++ = t->addr;
	*p++ = t->addr >> 8;
	*p++ = 0xb9;				/* mov $n, %cx */
	*p++ = t->n;
	*p++ = t->n >> 8;
	*p++ = 0xba;				/* mov $PORT, %dx */
	*p++ = PORT;
	*p++ = 0;
	*p++ = 0xf3;				/* rep */
	if (t->size == 4)
		*p++ = 0x66;			/* 32-bit operands */
	/* insb 6c, insw/insd 6d, outsb 6e, outsw/outsd 6f */
	*p++ = (t->in ? 0x6c : 0x6e) | (t->size > 1);
	*p++ = 0xfc;				/* cld */
	*p++ = 0xf4;				/* hlt */
	return p - code;
}

/* Answers one KVM_EXIT_IO of @t; returns the elements it moved or -1. */
static int answer_io(struct onevm *v, const struct string_io *t, unsigned int done)
{
	struct kvm_run *run = v->run;
	unsigned int i, count = run->io.count, bytes = count * t->size;
	unsigned char *data = io_data(v);

	if (run->io.direction != (t->in ? KVM_EXIT_IO_IN : KVM_EXIT_IO_OUT) ||
	    run->io.size != t->size || run->io.port != PORT) {
		ktest_fail(t->name, "exit after %u elements: direction %u size %u port %#x",
			   done, run->io.direction, run->io.size, run->io.port);
		return -1;
	}
	if (count < 1 || count > t->n - done) {
		ktest_fail(t->name, "exit after %u of %u elements says count %u", done, t->n,
			   count);
		return -1;
	}
	for (i = 0; i < bytes; i++) {
		unsigned int k = done * t->size + i;

		if (t->in) {
			data[i] = stream(k);
		} else if (data[i] != stream(k)) {
			ktest_fail(t->name, "OUT byte %u is %#x, want %#x (from GPA %#x)", k,
				   data[i], stream(k), stream_gpa(t, k));
			return -1;
		}
	}
	/* What a kernel that trusts the page would take beyond the elements. */
	memset(data + bytes, FILLER, 4096 - run->io.data_offset % 4096 - bytes);
	if (t->bad_count)
		run->io.count = t->bad_count;
	if (t->bad_size)
		run->io.size = t->bad_size;
	if (t->flip) {
		run->io.direction = t->in ? KVM_EXIT_IO_OUT : KVM_EXIT_IO_IN;
		run->io.port = 0x99;
		run->io.data_offset = 0;
	}
	return count;
}

static void test_string_io(const struct string_io *t)
{
	unsigned int i, k, done = 0, exits = 0, bytes = t->n * t->size;
	unsigned int lo = t->down ? t->addr - (t->n - 1) * t->size : t->addr;
	unsigned char code[32];
	struct kvm_regs regs;
	struct onevm v;
	size_t len = string_io_code(t, code);
	uint16_t want_di = t->down ? t->addr - bytes : t->addr + bytes;

	if (rmvm_create(&v, dev, code, len, 0)) {
		ktest_fail(t->name, "set-up: %s", strerrorname_np(errno));
		goto out;
	}
	memset(v.mem + lo - CANARY_SPAN, CANARY, bytes + 2 * CANARY_SPAN);
	if (!t->in)
		for (k = 0; k < bytes; k++)
			v.mem[stream_gpa(t, k)] = stream(k);
	for (i = 0; i < MAX_RUNS; i++) {
		int moved;

		if (run_vcpu(&v)) {
			ktest_fail(t->name, "KVM_RUN after %u elements: %s", done,
				   strerrorname_np(errno));
			goto out;
		}
		if (v.run->exit_reason != KVM_EXIT_IO)
			break;
		moved = answer_io(&v, t, done);
		if (moved < 0)
			goto out;
		done += moved;
		exits++;
	}
	if (v.run->exit_reason != KVM_EXIT_HLT || ioctl(v.vcpu, KVM_GET_REGS, &regs)) {
		ktest_fail(t->name, "no HLT after %u runs and %u of %u elements: exit %u", i, done,
			   t->n, v.run->exit_reason);
		goto out;
	}
	if (done != t->n || (regs.rcx & 0xffff) != 0 ||
	    ((t->in ? regs.rdi : regs.rsi) & 0xffff) != want_di ||
	    regs.rip != ENTRY + len) {
		ktest_fail(t->name, "%u elements in %u exits, CX %#llx %s %#llx rip %#llx, "
			   "want %u, 0, %#x, %#zx", done, exits, regs.rcx & 0xffff,
			   t->in ? "DI" : "SI", (t->in ? regs.rdi : regs.rsi) & 0xffff,
			   regs.rip, t->n, want_di, ENTRY + len);
		goto out;
	}
	/* The elements where they belong (an OUT left them alone), nothing else touched. */
	for (k = 0; k < bytes; k++) {
		if (v.mem[stream_gpa(t, k)] != stream(k)) {
			ktest_fail(t->name, "GPA %#x holds %#x, want %#x", stream_gpa(t, k),
				   v.mem[stream_gpa(t, k)], stream(k));
			goto out;
		}
	}
	for (k = 0; k < CANARY_SPAN; k++) {
		if (v.mem[lo - 1 - k] != CANARY || v.mem[lo + bytes + k] != CANARY) {
			ktest_fail(t->name, "a canary byte next to the buffer [%#x, %#x) changed",
				   lo, lo + bytes);
			goto out;
		}
	}
	ktest_pass(t->name);
out:
	onevm_destroy(&v);
}

static const struct string_io cross[] = {
	{ .name = "item9a_insw_cross", .in = true, .size = 2, .addr = 0x2fff, .n = 3 },
	{ .name = "item9a_outsw_cross", .size = 2, .addr = 0x4fff, .n = 3 },
	{ .name = "item9a_insd_cross", .in = true, .size = 4, .addr = 0x6fff, .n = 3 },
};

static void test_item9a(void)
{
	unsigned int i;

	for (i = 0; i < sizeof(cross) / sizeof(cross[0]); i++)
		test_string_io(&cross[i]);
}

/*
 * The #GP handler at HANDLER, IVT entry 13 (real mode: no error code):
 * counts in the word at GP_COUNT, keeps the faulting IP in the word at
 * GP_IP and returns past the two-byte instruction.
 *   push %bp; mov %sp, %bp; push %ax; mov 2(%bp), %ax; mov %ax, 0x702;
 *   addw $2, 2(%bp); incw 0x700; pop %ax; pop %bp; iret
 */
#define HANDLER		0x1100
#define GP_COUNT	0x700
#define GP_IP		0x702
static const unsigned char gp_handler[] = {
	0x55, 0x89, 0xe5, 0x50, 0x8b, 0x46, 0x02, 0xa3, 0x02, 0x07,
	0x83, 0x46, 0x02, 0x02, 0xff, 0x06, 0x00, 0x07, 0x58, 0x5d, 0xcf,
};

/* Runs @code to its HLT with the #GP handler installed; 0 or -1 (reported as @name). */
static int run_with_gp_handler(const char *name, const unsigned char *code, size_t len,
			       struct onevm *v)
{
	struct kvm_regs regs = { 0 };

	if (rmvm_create(v, dev, code, len, 0)) {
		ktest_fail(name, "set-up: %s", strerrorname_np(errno));
		return -1;
	}
	memcpy(v->mem + HANDLER, gp_handler, sizeof(gp_handler));
	v->mem[13 * 4] = HANDLER & 0xff;
	v->mem[13 * 4 + 1] = HANDLER >> 8;
	if (run_vcpu(v) || v->run->exit_reason != KVM_EXIT_HLT ||
	    ioctl(v->vcpu, KVM_GET_REGS, &regs) || regs.rip != ENTRY + len) {
		ktest_fail(name, "KVM_RUN: %s, exit %u, rip %#llx, want HLT at %#zx",
			   strerrorname_np(errno), v->run->exit_reason, regs.rip, ENTRY + len);
		return -1;
	}
	return 0;
}

/* xor %ecx, %ecx; rdpmc; hlt */
static const unsigned char rdpmc_guest[] = { 0x66, 0x31, 0xc9, 0x0f, 0x33, 0xf4 };
/* wbinvd; hlt */
static const unsigned char wbinvd_guest[] = { 0x0f, 0x09, 0xf4 };

static void test_item9b(void)
{
	struct onevm v;

	/* No PMU given to the guest (no KVM_SET_CPUID2): counter 0 does not exist. */
	if (!run_with_gp_handler("item9b_rdpmc_gp", rdpmc_guest, sizeof(rdpmc_guest), &v)) {
		if (guest_word(&v, GP_COUNT) == 1 && guest_word(&v, GP_IP) == ENTRY + 3)
			ktest_pass("item9b_rdpmc_gp");
		else
			ktest_fail("item9b_rdpmc_gp", "%u #GP, the last at IP %#x, want 1 at %#x",
				   guest_word(&v, GP_COUNT), guest_word(&v, GP_IP), ENTRY + 3);
	}
	onevm_destroy(&v);
	if (!run_with_gp_handler("item9b_wbinvd", wbinvd_guest, sizeof(wbinvd_guest), &v)) {
		if (guest_word(&v, GP_COUNT) == 0)
			ktest_pass("item9b_wbinvd");
		else
			ktest_fail("item9b_wbinvd", "%u #GP, the last at IP %#x",
				   guest_word(&v, GP_COUNT), guest_word(&v, GP_IP));
	}
	onevm_destroy(&v);
}

struct dtr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static void store_gdt(struct dtr *d)
{
	asm volatile("sgdt %0" : "=m" (*d));
}

static uint16_t store_ldt(void)
{
	uint16_t sel;

	asm volatile("sldt %0" : "=m" (sel));
	return sel;
}

/* LAR and LSL set ZF when the selector names a descriptor the CPL may see. */
static bool lar_ok(uint32_t sel)
{
	uint32_t ar;
	bool zf;

	asm volatile("lar %2, %0" : "=r" (ar), "=@ccz" (zf) : "r" (sel));
	return zf;
}

static bool lsl_ok(uint32_t sel)
{
	uint32_t limit;
	bool zf;

	asm volatile("lsl %2, %0" : "=r" (limit), "=@ccz" (zf) : "r" (sel));
	return zf;
}

static sigjmp_buf scan_jmp;

static void on_segv(int sig)
{
	(void)sig;
	siglongjmp(scan_jmp, 1);
}

/*
 * The first GDT selector at or past index 32 that LSL or LAR accepts, or
 * 0.  Linux's GDT has 16 entries (32 on 32-bit), so with its limit intact
 * every one of these is past the end and the CPU reads nothing.  With the
 * limit at 0xffff it reads the pages after the GDT as descriptors, and
 * one of them may be a guard page: that read faults, and the selector
 * counts as found (*@faulted set) rather than killing the test.
 */
static uint32_t gdt_selector_beyond(bool *faulted)
{
	struct sigaction sa = { .sa_handler = on_segv }, old;
	volatile uint32_t sel = 32 * 8 | 3;

	*faulted = false;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &old);
	if (sigsetjmp(scan_jmp, 1)) {
		*faulted = true;
		goto out;
	}
	for (; sel <= 0xfffb; sel += 8)
		if (lsl_ok(sel) || lar_ok(sel))
			goto out;
	sel = 0;
out:
	sigaction(SIGSEGV, &old, NULL);
	return sel;
}

/* LDT entry 0 with TI=1 and RPL 3. */
#define LDT_SEL		0x7

/* 1: inc %ax; out %al, $0x80; jmp 1b */
static const unsigned char count_loop[] = { 0x40, 0xe6, 0x80, 0xeb, 0xfb };

static void test_item10(void)
{
	/* A flat 32-bit data segment, DPL 3 as every LDT entry. */
	struct user_desc desc = {
		.entry_number = 0, .base_addr = 0, .limit = 0xfffff, .seg_32bit = 1,
		.contents = 0, .read_exec_only = 0, .limit_in_pages = 1,
		.seg_not_present = 0, .useable = 1,
	};
	const char *gdt_bad = NULL, *ldtr_bad = NULL, *lar_bad = NULL, *lsl_bad = NULL;
	char why[4][96];
	uint16_t ldt_before, ldt_after;
	struct dtr gdt_before, gdt_after;
	cpu_set_t old, one;
	bool umip, faulted;
	uint32_t sel;
	struct onevm v;
	int i;

	/*
	 * One CPU for the whole test: a context switch to another CPU would
	 * load a fresh LDTR there and hide a missing restore.
	 */
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	if (sched_getaffinity(0, sizeof(old), &old) || sched_setaffinity(0, sizeof(one), &one) ||
	    syscall(SYS_modify_ldt, 1, &desc, sizeof(desc))) {
		ktest_fail("item10_ldt_lar", "set-up (affinity, modify_ldt): %s",
			   strerrorname_np(errno));
		return;
	}
	store_gdt(&gdt_before);
	ldt_before = store_ldt();
	/*
	 * With CR4.UMIP the kernel answers SGDT and SLDT from userspace itself
	 * (a made-up base and limit 0, the LDT selector from its own
	 * records): then only LAR and LSL see the hardware.  A real GDT never
	 * has limit 0.
	 */
	umip = gdt_before.limit == 0;
	sel = gdt_selector_beyond(&faulted);
	if (!lar_ok(LDT_SEL) || sel) {
		ktest_fail("item10_ldt_lar", "before any KVM_RUN: lar %#x %s, GDT selector %#x %s",
			   LDT_SEL, lar_ok(LDT_SEL) ? "ok" : "fails", sel,
			   faulted ? "faulted" : "valid");
		goto affinity;
	}
	if (rmvm_create(&v, dev, count_loop, sizeof(count_loop), 0)) {
		ktest_fail("item10_ldt_lar", "set-up: %s", strerrorname_np(errno));
		goto out;
	}
	for (i = 1; i <= 10; i++) {
		if (run_vcpu(&v) || v.run->exit_reason != KVM_EXIT_IO) {
			ktest_fail("item10_ldt_lar", "KVM_RUN %d: %s, exit %u", i,
				   strerrorname_np(errno), v.run->exit_reason);
			goto out;
		}
		/* Straight after the ioctl, before anything else can reload them. */
		store_gdt(&gdt_after);
		ldt_after = store_ldt();
		if (!lar_bad && !lar_ok(LDT_SEL)) {
			snprintf(why[0], sizeof(why[0]), "after KVM_RUN %d lar %#x fails", i,
				 LDT_SEL);
			lar_bad = why[0];
		}
		sel = gdt_selector_beyond(&faulted);
		if (!lsl_bad && sel) {
			snprintf(why[1], sizeof(why[1]), "after KVM_RUN %d GDT selector %#x %s", i,
				 sel, faulted ? "faulted (read past the GDT's page)" : "is valid");
			lsl_bad = why[1];
		}
		if (!gdt_bad && gdt_after.limit != gdt_before.limit) {
			snprintf(why[2], sizeof(why[2]),
				 "after KVM_RUN %d GDT limit %#x, before %#x",
				 i, gdt_after.limit, gdt_before.limit);
			gdt_bad = why[2];
		}
		if (!ldtr_bad && ldt_after != ldt_before) {
			snprintf(why[3], sizeof(why[3]), "after KVM_RUN %d LDTR %#x, before %#x",
				 i, ldt_after, ldt_before);
			ldtr_bad = why[3];
		}
	}
	if (umip)
		printf("# sgdt and sldt are emulated by the kernel here (UMIP): the GDT limit "
		       "and LDTR are checked through lsl and lar only\n");
	if (gdt_bad)
		ktest_fail("item10_gdt_limit", "%s", gdt_bad);
	else
		ktest_pass("item10_gdt_limit");
	if (ldtr_bad)
		ktest_fail("item10_ldtr", "%s", ldtr_bad);
	else
		ktest_pass("item10_ldtr");
	if (lar_bad)
		ktest_fail("item10_ldt_lar", "%s", lar_bad);
	else
		ktest_pass("item10_ldt_lar");
	if (lsl_bad)
		ktest_fail("item10_gdt_lsl", "%s", lsl_bad);
	else
		ktest_pass("item10_gdt_lsl");
out:
	onevm_destroy(&v);
affinity:
	sched_setaffinity(0, sizeof(old), &old);
}

/*
 * The VMM's lies: count 4096 with size 4 (16 KiB from a one-page buffer),
 * count 4096 going down (below the buffer), count and direction flipped
 * on an OUT (an IN into the source).
 */
static const struct string_io lies[] = {
	{ .name = "item1_pio_count_insb", .in = true, .size = 1, .addr = 0x2000, .n = 4,
	  .bad_count = 4096, .bad_size = 4 },
	{ .name = "item1_pio_count_insw_down", .in = true, .down = true, .size = 2,
	  .addr = 0x2006, .n = 4, .bad_count = 4096 },
	{ .name = "item1_pio_count_outsb", .size = 1, .addr = 0x2000, .n = 4,
	  .bad_count = 4096, .flip = true },
};

/* mov $0xdeadbeef, %eax; mov $PORT, %dx; in (%dx), %ax; out %al, $0x80; hlt */
static const unsigned char in_ax[] = {
	0x66, 0xb8, 0xef, 0xbe, 0xad, 0xde, 0xba, PORT, 0x00, 0xed, 0xe6, 0x80, 0xf4,
};

/*
 * @first at ENTRY (one port access, 2 bytes, then hlt), then at ENTRY + 3
 * `mov $7, %al; out %al, $PORT; hlt`, which the VMM jumps to.
 */
static void test_pio_rip_moved(const char *name, unsigned char first)
{
	const unsigned char code[] = { first, PORT, 0xf4, 0xb0, 0x07, 0xe6, PORT, 0xf4 };
	struct kvm_regs regs;
	struct onevm v;

	if (rmvm_create(&v, dev, code, sizeof(code), 0)) {
		ktest_fail(name, "set-up: %s", strerrorname_np(errno));
		goto out;
	}
	if (run_vcpu(&v) || v.run->exit_reason != KVM_EXIT_IO || v.run->io.port != PORT ||
	    ioctl(v.vcpu, KVM_GET_REGS, &regs)) {
		ktest_fail(name, "not the first port access: %s, exit %u", strerrorname_np(errno),
			   v.run->exit_reason);
		goto out;
	}
	io_data(&v)[0] = 0x99;	/* an IN's answer, for the abandoned instruction */
	regs.rip = ENTRY + 3;
	regs.rax = 0;
	if (ioctl(v.vcpu, KVM_SET_REGS, &regs) || run_vcpu(&v) ||
	    v.run->exit_reason != KVM_EXIT_IO || v.run->io.direction != KVM_EXIT_IO_OUT) {
		ktest_fail(name, "no OUT from the new code: %s, exit %u", strerrorname_np(errno),
			   v.run->exit_reason);
		goto out;
	}
	if (io_data(&v)[0] == 7)
		ktest_pass(name);
	else
		ktest_fail(name, "the new code's OUT wrote %#x, want 7: its first instruction was skipped",
			   io_data(&v)[0]);
out:
	onevm_destroy(&v);
}

static void test_item1_size(void)
{
	struct kvm_regs regs;
	unsigned char *data;
	struct onevm v;

	if (rmvm_create(&v, dev, in_ax, sizeof(in_ax), 0)) {
		ktest_fail("item1_pio_size", "set-up: %s", strerrorname_np(errno));
		goto out;
	}
	if (run_vcpu(&v) || v.run->exit_reason != KVM_EXIT_IO ||
	    v.run->io.direction != KVM_EXIT_IO_IN || v.run->io.size != 2 ||
	    v.run->io.port != PORT || v.run->io.count != 1) {
		ktest_fail("item1_pio_size", "not the IN: %s, exit %u, direction %u size %u "
			   "port %#x count %u", strerrorname_np(errno), v.run->exit_reason,
			   v.run->io.direction, v.run->io.size, v.run->io.port, v.run->io.count);
		goto out;
	}
	data = io_data(&v);
	/* Two bytes of answer, then bytes that must not reach EAX. */
	memset(data, FILLER, 256);
	data[0] = 0x34;
	data[1] = 0x12;
	v.run->io.size = 200;
	v.run->io.count = 1000;
	v.run->io.direction = KVM_EXIT_IO_OUT;
	v.run->io.port = 0x99;
	v.run->io.data_offset = 0;
	if (run_vcpu(&v) || v.run->exit_reason != KVM_EXIT_IO ||
	    v.run->io.direction != KVM_EXIT_IO_OUT || v.run->io.port != 0x80 ||
	    v.run->io.size != 1 || io_data(&v)[0] != 0x34) {
		ktest_fail("item1_pio_size", "not the OUT of AL=0x34: %s, exit %u, direction %u "
			   "port %#x size %u", strerrorname_np(errno), v.run->exit_reason,
			   v.run->io.direction, v.run->io.port, v.run->io.size);
		goto out;
	}
	if (run_vcpu(&v) || v.run->exit_reason != KVM_EXIT_HLT ||
	    ioctl(v.vcpu, KVM_GET_REGS, &regs)) {
		ktest_fail("item1_pio_size", "no HLT: %s, exit %u", strerrorname_np(errno),
			   v.run->exit_reason);
		goto out;
	}
	if ((regs.rax & 0xffffffff) == 0xdead1234 && regs.rip == ENTRY + sizeof(in_ax))
		ktest_pass("item1_pio_size");
	else
		ktest_fail("item1_pio_size", "eax %#llx rip %#llx, want 0xdead1234 %#zx",
			   regs.rax & 0xffffffff, regs.rip, ENTRY + sizeof(in_ax));
out:
	onevm_destroy(&v);
}

/*
 * Issue 12 (KVM's userspace_io_test): at a `rep insb` exit the VMM changes
 * CX (KVM_SET_REGS) before KVM_RUN.  The instruction must count down from
 * the new CX and end at 0: CX 0 ends it with nothing moved, a smaller CX
 * moves only that many bytes, a larger one moves more in later exits.  DI
 * ends @want bytes on, and nothing past that changes.  (The bug: the
 * elements of the exit were taken off the new CX, which wrapped to 0xffff
 * and repeated the IN 65535 more times, past the buffer.)
 */
static void test_pio_rcx_changed(const char *name, uint16_t cx, uint16_t new_cx, uint16_t want)
{
	const struct string_io t = { .in = true, .size = 1, .addr = 0x2000, .n = cx };
	unsigned char code[32];
	size_t len = string_io_code(&t, code);
	struct kvm_regs regs;
	struct onevm v;
	unsigned int i, k, exits = 0;

	if (rmvm_create(&v, dev, code, len, 0)) {
		ktest_fail(name, "set-up: %s", strerrorname_np(errno));
		goto out;
	}
	memset(v.mem + t.addr, CANARY, 256);
	for (i = 0; i < MAX_RUNS; i++) {
		if (run_vcpu(&v)) {
			ktest_fail(name, "KVM_RUN: %s", strerrorname_np(errno));
			goto out;
		}
		if (v.run->exit_reason != KVM_EXIT_IO)
			break;
		memset(io_data(&v), FILLER, v.run->io.count * v.run->io.size);
		if (exits++ == 0) {
			if (ioctl(v.vcpu, KVM_GET_REGS, &regs))
				break;
			regs.rcx = new_cx;
			if (ioctl(v.vcpu, KVM_SET_REGS, &regs))
				break;
		}
	}
	if (v.run->exit_reason != KVM_EXIT_HLT || ioctl(v.vcpu, KVM_GET_REGS, &regs)) {
		ktest_fail(name, "no HLT after %u runs: exit %u", i, v.run->exit_reason);
		goto out;
	}
	if ((regs.rcx & 0xffff) != 0 || (regs.rdi & 0xffff) != t.addr + want ||
	    regs.rip != ENTRY + len) {
		ktest_fail(name, "CX %#llx DI %#llx RIP %#llx after %u exits, want 0, %#x, %#zx",
			   regs.rcx & 0xffff, regs.rdi & 0xffff, regs.rip, exits, t.addr + want,
			   ENTRY + len);
		goto out;
	}
	for (k = want; k < 256; k++) {
		if (v.mem[t.addr + k] != CANARY) {
			ktest_fail(name, "byte %u past the %u moved changed to %#x", k, want,
				   v.mem[t.addr + k]);
			goto out;
		}
	}
	ktest_pass(name);
out:
	onevm_destroy(&v);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	unsigned int i;

	dev = ktest_args(argc, argv);
	if (!dev)
		return 2;
	on_kvmini = strstr(dev, "kvmini");
	/* No SA_RESTART: the watchdog must bring KVM_RUN back. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	/* First: its baseline must be the GDT and LDT of a thread that never ran a guest. */
	test_item10();
	test_item3();
	test_item7();
	test_item9a();
	test_item9b();
	for (i = 0; i < sizeof(lies) / sizeof(lies[0]); i++)
		test_string_io(&lies[i]);
	test_pio_rip_moved("pio_rip_moved_out", 0xe6);	/* out %al, $PORT */
	test_pio_rip_moved("pio_rip_moved_in", 0xe4);	/* in $PORT, %al */
	test_pio_rcx_changed("pio_rcx_lowered", 4, 1, 1);
	/*
	 * KVM 6.1 moves one element for CX 0 and wraps it to 0xffff (its
	 * emulator takes at least one); kvmini ends the REP, as the CPU
	 * would with CX 0 (docs/api.md, KVM_RUN).
	 */
	if (on_kvmini)
		test_pio_rcx_changed("pio_rcx_zeroed", 4, 0, 0);
	else
		printf("KTEST SKIP %spio_rcx_zeroed: KVM moves one element and wraps CX\n",
		       ktest_prefix);
	test_pio_rcx_changed("pio_rcx_raised", 3, 8, 8);
	/* Last of all: an unfixed module BUGs here. */
	test_item1_size();
	return ktest_exit();
}
