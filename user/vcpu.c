// SPDX-License-Identifier: GPL-2.0
/*
 * One thread per vCPU: its KVM_RUN loop, the exits it handles, and the
 * delivery of the timer's interrupt.  The guest finishes by halting with
 * interrupts off; every other ending is told in one line with the
 * guest's RIP, kept in vcpu->end for the main thread to report.
 *
 * Getting a vCPU out of KVM_RUN (a tick to inject, or the run is over)
 * is QEMU's SIG_IPI scheme: the kicker first publishes why (irq_pending,
 * vm->stop), then sets run->immediate_exit, then sends SIG_KICK to the
 * thread.  The signal makes a KVM_RUN in progress return EINTR; the flag
 * makes the next one return at once, for a kick that lands between two.
 * The thread clears the flag before it looks at the reasons, so no kick
 * is lost and none outlives its reason by more than one empty KVM_RUN.
 *
 * Interrupts follow KVM's handshake for a VMM without an in-kernel
 * irqchip: KVM_INTERRUPT only when the last exit said
 * ready_for_interrupt_injection with if_flag; otherwise
 * request_interrupt_window, and KVM exits (KVM_EXIT_IRQ_WINDOW_OPEN) once
 * the guest can take it.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kvmini.h"

#define RFLAGS_IF	(1ULL << 9)

static __thread struct vcpu *current_vcpu;

static void on_kick(int sig)
{
	(void)sig;
	/* For a kick that arrives before the kicker's own store is seen. */
	if (current_vcpu)
		__atomic_store_n(&current_vcpu->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
}

/* Once, before any vCPU thread: SIG_KICK interrupts system calls. */
void vcpu_signals_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_kick;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: KVM_RUN must come back with EINTR */
	if (sigaction(SIG_KICK, &sa, NULL) < 0)
		die("sigaction: %s", strerror(errno));
}

/* From any thread, after publishing the reason. */
void vcpu_kick(struct vcpu *vcpu)
{
	__atomic_store_n(&vcpu->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	pthread_kill(vcpu->thread, SIG_KICK);
}

/* The timer's tick: wake the vCPU if it waits in HLT, kick it if it runs. */
void vcpu_post_irq(struct vcpu *vcpu)
{
	pthread_mutex_lock(&vcpu->lock);
	vcpu->irq_pending = true;
	pthread_cond_signal(&vcpu->wake);
	pthread_mutex_unlock(&vcpu->lock);
	vcpu_kick(vcpu);
}

/* Records how the vCPU ended; the first call wins. */
void vcpu_end(struct vcpu *vcpu, int status, const char *fmt, ...)
{
	va_list ap;

	if (vcpu->end.status || vcpu->end.why[0])
		return;
	vcpu->end.status = status;
	va_start(ap, fmt);
	vsnprintf(vcpu->end.why, sizeof(vcpu->end.why), fmt, ap);
	va_end(ap);
}

/* The registers it stopped with, for the report and --regs. */
static void save_regs(struct vcpu *vcpu)
{
	vcpu->regs_valid = ioctl(vcpu->fd, KVM_GET_REGS, &vcpu->regs) == 0;
}

static const char *rip_text(struct vcpu *vcpu, char *buf, size_t len)
{
	save_regs(vcpu);
	if (vcpu->regs_valid)
		snprintf(buf, len, "0x%llx", (unsigned long long)vcpu->regs.rip);
	else
		snprintf(buf, len, "? (KVM_GET_REGS: %s)", strerror(errno));
	return buf;
}

/* The guest failed: its own status, and the whole run stops.  False, to end the loop. */
static bool failed(struct vcpu *vcpu, const char *what)
{
	char rip[64];

	if (what)
		vcpu_end(vcpu, EXIT_GUEST_FAILED, "%s at rip %s", what,
			 rip_text(vcpu, rip, sizeof(rip)));
	vm_stop(vcpu->vm, EXIT_GUEST_FAILED, vcpu, NULL);
	return false;
}

/* Stopped from outside (timeout, signal, another vCPU failed). */
static bool stopped(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;
	char rip[64];

	pthread_mutex_lock(&vm->stop_lock);
	vcpu_end(vcpu, vm->stop, "%s at rip %s", vm->stop_why, rip_text(vcpu, rip, sizeof(rip)));
	pthread_mutex_unlock(&vm->stop_lock);
	return false;
}

static bool stopping(struct vcpu *vcpu)
{
	return __atomic_load_n(&vcpu->vm->stop, __ATOMIC_SEQ_CST) != 0;
}

/*
 * Before each KVM_RUN: inject a pending tick if the guest can take it
 * now, else ask KVM to say when it can.
 */
static bool irq_prepare(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	struct kvm_interrupt irq = { .irq = vcpu->vm->timer_vector };
	int err = 0;

	pthread_mutex_lock(&vcpu->lock);
	run->request_interrupt_window = 0;
	if (vcpu->irq_pending) {
		if (!run->ready_for_interrupt_injection || !run->if_flag) {
			run->request_interrupt_window = 1;
		} else if (ioctl(vcpu->fd, KVM_INTERRUPT, &irq) < 0) {
			err = errno;
		} else {
			vcpu->irq_pending = false;
			vcpu->irqs_injected++;
		}
	}
	pthread_mutex_unlock(&vcpu->lock);
	if (err) {
		char msg[128];

		snprintf(msg, sizeof(msg), "KVM_INTERRUPT vector %u: %s", irq.irq, strerror(err));
		return failed(vcpu, msg);
	}
	return true;
}

/* HLT with interrupts on and a timer: sleep until the next tick or the end. */
static void wait_for_irq(struct vcpu *vcpu)
{
	pthread_mutex_lock(&vcpu->lock);
	while (!vcpu->irq_pending && !stopping(vcpu))
		pthread_cond_wait(&vcpu->wake, &vcpu->lock);
	pthread_mutex_unlock(&vcpu->lock);
}

static bool internal_error(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	char msg[300];
	int n = snprintf(msg, sizeof(msg),
			 "internal error (KVM_EXIT_INTERNAL_ERROR): suberror %u, data",
			 run->internal.suberror);
	uint32_t i, nd = run->internal.ndata;

	if (nd > sizeof(run->internal.data) / sizeof(run->internal.data[0]))
		nd = sizeof(run->internal.data) / sizeof(run->internal.data[0]);
	for (i = 0; i < nd && n < (int)sizeof(msg) - 24; i++)
		n += snprintf(msg + n, sizeof(msg) - n, " 0x%llx",
			      (unsigned long long)run->internal.data[i]);
	if (!nd)
		snprintf(msg + n, sizeof(msg) - n, " (none)");
	return failed(vcpu, msg);
}

static bool hlt_exit(struct vcpu *vcpu)
{
	char msg[128];

	save_regs(vcpu);
	if (!vcpu->regs_valid) {
		snprintf(msg, sizeof(msg), "KVM_GET_REGS: %s", strerror(errno));
		return failed(vcpu, msg);
	}
	if (!(vcpu->regs.rflags & RFLAGS_IF))
		return false;		/* finished well */
	if (!vcpu->vm->timer_hz)
		return failed(vcpu, "guest halted with interrupts enabled (IF=1): nothing "
			      "will ever wake it (end with cli; hlt)");
	wait_for_irq(vcpu);
	return true;
}

/* One exit; false when the vCPU is done (vcpu->end says how). */
static bool handle_exit(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	char msg[256];

	stats_exit(run->exit_reason);
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		return io_exit(vcpu) || failed(vcpu, NULL);
	case KVM_EXIT_MMIO:
		return mmio_exit(vcpu) || failed(vcpu, NULL);
	case KVM_EXIT_INTR:
	case KVM_EXIT_IRQ_WINDOW_OPEN:
		return true;	/* irq_prepare() injects what is pending */
	case KVM_EXIT_HLT:
		return hlt_exit(vcpu);
	case KVM_EXIT_SHUTDOWN:
		return failed(vcpu, "guest triple-faulted (KVM_EXIT_SHUTDOWN)");
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(msg, sizeof(msg), "VM entry failed (KVM_EXIT_FAIL_ENTRY): "
			 "hardware_entry_failure_reason 0x%llx on cpu %u",
			 (unsigned long long)run->fail_entry.hardware_entry_failure_reason,
			 run->fail_entry.cpu);
		return failed(vcpu, msg);
	case KVM_EXIT_INTERNAL_ERROR:
		return internal_error(vcpu);
	default:
		snprintf(msg, sizeof(msg), "unexpected exit %s (%u)",
			 exit_reason_name(run->exit_reason), run->exit_reason);
		return failed(vcpu, msg);
	}
}

/* Until the guest ends or the run is stopped. */
static void run_loop(struct vcpu *vcpu)
{
	char msg[128];

	for (;;) {
		/* Cleared before the reasons are read: see the top of the file. */
		__atomic_store_n(&vcpu->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
		if (stopping(vcpu)) {
			stopped(vcpu);
			return;
		}
		if (!irq_prepare(vcpu))
			return;
		if (ioctl(vcpu->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				stats_exit(KVM_EXIT_INTR);
				continue;
			}
			snprintf(msg, sizeof(msg), "KVM_RUN failed: %s", strerror(errno));
			failed(vcpu, msg);
			return;
		}
		if (!handle_exit(vcpu))
			return;
	}
}

void *vcpu_thread(void *arg)
{
	struct vcpu *vcpu = arg;
	struct vm *vm = vcpu->vm;
	sigset_t kick;

	current_vcpu = vcpu;
	/* Every other signal is the main thread's (it was blocked before we started). */
	sigemptyset(&kick);
	sigaddset(&kick, SIG_KICK);
	pthread_sigmask(SIG_UNBLOCK, &kick, NULL);

	run_loop(vcpu);

	__atomic_store_n(&vcpu->finished, 1, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&vm->done, 1, __ATOMIC_SEQ_CST);
	pthread_kill(vm->main_thread, SIG_DONE);
	return NULL;
}
