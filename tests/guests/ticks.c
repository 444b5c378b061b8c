// SPDX-License-Identifier: GPL-2.0
/*
 * ticks (long mode, run with --timer HZ[,VECTOR]): takes the VMM's
 * periodic interrupt through its own IDT, in the three situations a VMM
 * must get right:
 *   hlt      10 ticks, each waking the guest from sti; hlt (the VMM waits
 *            for the tick instead of calling the HLT a hang)
 *   running  3 ticks while the guest spins with interrupts on (the VMM
 *            must kick the vCPU out of KVM_RUN to inject)
 *   window   a tick that came while interrupts were off for 5 tick
 *            periods must wait for them to come on, then arrive: "at
 *            once" (right after sti; nop: the VMM asked for the window
 *            and KVM exited there, as VT-x does) or "late" (later in a
 *            window of 2 periods: kvm_pvm only exits for it eventually)
 * Every tick must come on one vector, and only where the guest let it in
 * (an injection that ignores IF shows up as a tick at a wrong RIP).
 * Prints a line per situation, "ticks: vector 0x..", then "ticks: ok 14",
 * the ticks it waited for and checked (the window may take one more).
 */
#include "guest.h"
#include "idt.h"

#define HLT_TICKS	10
#define RUNNING_TICKS	3
#define WINDOW_PERIODS	5

extern const char irq_stubs[], hlt_resume[], window_resume[], window_end[];
extern const char spin_start[], spin_end[];
void wait_hlt(void);
void open_window(uint64_t tsc_deadline);
void spin_until(const volatile uint32_t *counter, uint32_t target);
void tick(uint64_t vector, uint64_t rip);
void unexpected_exception(uint64_t vector, uint64_t error, uint64_t rip);

static struct idt_gate idt[256] __attribute__((aligned(16)));

static volatile uint32_t ticks, at_hlt, at_window, in_window, in_spin, elsewhere;
static volatile uint64_t first_vector, bad_vector, bad_rip;
static volatile uint64_t tsc_first, tsc_last;
static int failures;

void unexpected_exception(uint64_t vector, uint64_t error, uint64_t rip)
{
	report_exception("ticks", vector, error, rip);
}

/* From irq_common, interrupts off. */
void tick(uint64_t vector, uint64_t rip)
{
	uint64_t now = rdtsc();

	if (!ticks)
		first_vector = vector;
	else if (vector != first_vector)
		bad_vector = vector;
	if (!ticks)
		tsc_first = now;
	tsc_last = now;
	ticks++;
	if (rip == (uint64_t)hlt_resume) {
		at_hlt++;
	} else if (rip == (uint64_t)window_resume) {
		at_window++;
	} else if (rip > (uint64_t)window_resume && rip <= (uint64_t)window_end) {
		in_window++;
	} else if (rip >= (uint64_t)spin_start && rip <= (uint64_t)spin_end) {
		in_spin++;
	} else {
		elsewhere++;
		bad_rip = rip;
	}
}

static void idt_install(void)
{
	unsigned int i;

	idt_set_stubs(idt);
	for (i = 32; i < 256; i++)
		idt_set_gate(&idt[i], (uint64_t)irq_stubs + (i - 32) * 16);
	idt_load(idt, 256);
}

static void expect(bool ok, const char *what, uint32_t got, uint32_t want)
{
	if (ok)
		return;
	puts("ticks: FAIL ");
	puts(what);
	puts(": ");
	putdec(got);
	puts(", want ");
	putdec(want);
	putc('\n');
	failures++;
}

void guest_main(void)
{
	uint32_t n, target;
	uint64_t period, t0;

	idt_install();

	/* hlt: every tick wakes it from HLT, and nothing else does. */
	for (n = 0; ticks < HLT_TICKS; n++)
		wait_hlt();
	puts("ticks: hlt ");
	putdec(ticks);
	puts(" woken ");
	putdec(at_hlt);
	putc('\n');
	expect(ticks == HLT_TICKS, "ticks after the hlt phase", ticks, HLT_TICKS);
	expect(at_hlt == ticks, "ticks taken at hlt_resume", at_hlt, ticks);
	expect(n == ticks, "wake-ups from hlt", n, ticks);

	/* running: ticks land in the spin loop. */
	target = ticks + RUNNING_TICKS;
	spin_until(&ticks, target);
	puts("ticks: running ");
	putdec(in_spin);
	putc('\n');
	expect(in_spin == RUNNING_TICKS, "ticks taken while spinning", in_spin, RUNNING_TICKS);

	/* window: interrupts off for WINDOW_PERIODS tick periods, then open briefly. */
	period = (tsc_last - tsc_first) / (ticks - 1);
	n = ticks;
	t0 = rdtsc();
	while (rdtsc() - t0 < WINDOW_PERIODS * period)
		asm volatile("pause");
	expect(ticks == n, "ticks taken with interrupts off", ticks - n, 0);
	open_window(rdtsc() + 2 * period);
	puts("ticks: window ");
	puts(at_window ? "at once" : in_window ? "late" : "missed");
	putc('\n');
	expect(at_window + in_window >= 1, "ticks taken in the window", at_window + in_window, 1);

	puts("ticks: vector ");
	puthex(first_vector);
	putc('\n');
	if (bad_vector) {
		puts("ticks: FAIL a tick on vector ");
		puthex(bad_vector);
		putc('\n');
		failures++;
	}
	if (elsewhere) {
		puts("ticks: FAIL ");
		putdec(elsewhere);
		puts(" tick(s) where interrupts were off, last at rip ");
		puthex(bad_rip);
		putc('\n');
		failures++;
	}
	if (!failures) {
		puts("ticks: ok ");
		putdec(HLT_TICKS + RUNNING_TICKS + 1);
		putc('\n');
	}
}
