// SPDX-License-Identifier: GPL-2.0
/*
 * One thread per vCPU: its KVM_RUN loop, the exits it handles, and the
 * delivery of interrupts (the --timer tick, or a PC's PIC).  The guest finishes by halting with
 * interrupts off; every other ending is told in one line, mostly with
 * the guest's RIP, kept in vcpu->end for the main thread to report.
 * Exit handlers here and in io.c, mmio.c and hcall.c return a verdict
 * (struct verdict); only vcpu_ends() turns it into the vCPU's end.
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
 * the guest can take it.  Where the vector comes from is the interrupt
 * controller's business: the --timer line always gives its vector; a
 * PC's 8259A gives the vector of its INTA cycle, done only at the moment
 * KVM_INTERRUPT is sure to take it.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>

#include "../include/uapi/kvmini_abi.h"
#include "kvmini.h"
#include "pc.h"

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
	pthread_mutex_lock(vcpu->irq_lock);
	vcpu->irq_pending = true;
	pthread_cond_signal(&vcpu->wake);
	pthread_mutex_unlock(vcpu->irq_lock);
	vcpu_kick(vcpu);
}

/* The vCPU's interrupt line, and the vector when the CPU takes it; under irq_lock. */
static bool irq_line(struct vcpu *vcpu)
{
	struct pc *pc = vcpu->vm->pc;

	return pc ? pc_irq_line(pc) : vcpu->irq_pending;
}

static uint8_t irq_ack(struct vcpu *vcpu)
{
	struct pc *pc = vcpu->vm->pc;

	if (pc)
		return pc_irq_ack(pc);
	vcpu->irq_pending = false;
	return vcpu->vm->timer_vector;
}

/* The registers it stopped with, for the report and --regs. */
static void save_regs(struct vcpu *vcpu)
{
	vcpu->regs_valid = ioctl(vcpu->fd, KVM_GET_REGS, &vcpu->regs) == 0;
}

static bool stopping(struct vcpu *vcpu)
{
	return __atomic_load_n(&vcpu->vm->stop, __ATOMIC_SEQ_CST) != 0;
}

/*
 * Before each KVM_RUN: inject a pending interrupt if the guest can take
 * it now, else ask KVM to say when it can.
 */
static void irq_prepare(struct vcpu *vcpu, struct verdict *v)
{
	struct kvm_run *run = vcpu->run;
	struct kvm_interrupt irq = { 0 };
	int err = 0;

	pthread_mutex_lock(vcpu->irq_lock);
	run->request_interrupt_window = 0;
	if (irq_line(vcpu)) {
		if (!run->ready_for_interrupt_injection || !run->if_flag) {
			run->request_interrupt_window = 1;
		} else {
			irq.irq = irq_ack(vcpu);
			if (ioctl(vcpu->fd, KVM_INTERRUPT, &irq) < 0)
				err = errno;
			else
				vcpu->irqs_injected++;
		}
	}
	pthread_mutex_unlock(vcpu->irq_lock);
	if (err)
		verdict_fail(v, true, "KVM_INTERRUPT vector %u: %s", irq.irq, strerror(err));
}

/* HLT with interrupts on and a device: sleep until its interrupt or the end. */
static void wait_for_irq(struct vcpu *vcpu)
{
	pthread_mutex_lock(vcpu->irq_lock);
	while (!irq_line(vcpu) && !stopping(vcpu))
		pthread_cond_wait(&vcpu->wake, vcpu->irq_lock);
	pthread_mutex_unlock(vcpu->irq_lock);
}

static void internal_error(struct vcpu *vcpu, struct verdict *v)
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
	verdict_fail(v, true, "%s", msg);
}

static void hlt_exit(struct vcpu *vcpu, struct verdict *v)
{
	save_regs(vcpu);
	if (!vcpu->regs_valid)
		verdict_fail(v, false, "KVM_GET_REGS: %s", strerror(errno));
	else if (!(vcpu->regs.rflags & RFLAGS_IF))
		v->kind = VERDICT_FINISHED;
	else if (!vcpu->vm->timer_hz && !vcpu->vm->pc)
		verdict_fail(v, true, "guest halted with interrupts enabled (IF=1): nothing "
			     "will ever wake it (end with cli; hlt)");
	else
		wait_for_irq(vcpu);
}

/* One exit: @v stays VERDICT_RUN unless it ends the vCPU. */
static void handle_exit(struct vcpu *vcpu, struct verdict *v)
{
	struct kvm_run *run = vcpu->run;

	stats_exit(run->exit_reason);
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		io_exit(vcpu, v);
		break;
	case KVM_EXIT_MMIO:
		mmio_exit(vcpu, v);
		break;
	case KVM_EXIT_INTR:
	case KVM_EXIT_IRQ_WINDOW_OPEN:
		break;	/* irq_prepare() injects what is pending */
	case KVM_EXIT_HLT:
		hlt_exit(vcpu, v);
		break;
	case KVM_EXIT_SHUTDOWN:
		verdict_fail(v, true, "guest triple-faulted (KVM_EXIT_SHUTDOWN)");
		break;
	case KVM_EXIT_FAIL_ENTRY:
		verdict_fail(v, true, "VM entry failed (KVM_EXIT_FAIL_ENTRY): "
			     "hardware_entry_failure_reason 0x%llx on cpu %u",
			     (unsigned long long)run->fail_entry.hardware_entry_failure_reason,
			     run->fail_entry.cpu);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		internal_error(vcpu, v);
		break;
	case KVMINI_EXIT_CR3:
		cr3trace_exit(vcpu, v);
		break;
	default:
		verdict_fail(v, true, "unexpected exit %s (%u)",
			     exit_reason_name(run->exit_reason), run->exit_reason);
	}
}

/* Until the guest ends or the run is stopped: how it ended. */
static void run_loop(struct vcpu *vcpu, struct verdict *v)
{
	for (;;) {
		/* Cleared before the reasons are read: see the top of the file. */
		__atomic_store_n(&vcpu->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
		if (stopping(vcpu)) {
			v->kind = VERDICT_STOPPED;
			return;
		}
		irq_prepare(vcpu, v);
		if (v->kind != VERDICT_RUN)
			return;
		if (ioctl(vcpu->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				stats_exit(KVM_EXIT_INTR);
				continue;
			}
			verdict_fail(v, true, "KVM_RUN failed: %s", strerror(errno));
			return;
		}
		handle_exit(vcpu, v);
		if (v->kind != VERDICT_RUN)
			return;
	}
}

/*
 * The one place a vCPU ends: the status and the line kept for the
 * report (with the RIP it stopped at, which --regs shows too), and the
 * end of the whole run when it was this vCPU that failed.
 */
static void vcpu_ends(struct vcpu *vcpu, const struct verdict *v)
{
	struct vm *vm = vcpu->vm;
	struct vcpu_end *end = &vcpu->end;
	char rip[64];

	/* A finished guest's registers were read at its HLT. */
	if (v->kind != VERDICT_FINISHED)
		save_regs(vcpu);
	if (vcpu->regs_valid)
		snprintf(rip, sizeof(rip), "0x%llx", (unsigned long long)vcpu->regs.rip);
	else
		snprintf(rip, sizeof(rip), "? (KVM_GET_REGS: %s)", strerror(errno));

	switch (v->kind) {
	case VERDICT_RUN:
	case VERDICT_FINISHED:
		break;
	case VERDICT_FAILED:
		end->status = EXIT_GUEST_FAILED;
		if (v->at_rip)
			snprintf(end->why, sizeof(end->why), "%s at rip %s", v->why, rip);
		else
			snprintf(end->why, sizeof(end->why), "%s", v->why);
		vm_stop(vm, EXIT_GUEST_FAILED, vcpu, NULL);
		break;
	case VERDICT_STOPPED:
		pthread_mutex_lock(&vm->stop_lock);
		end->status = vm->stop;
		if (vm->stop_why[0])
			snprintf(end->why, sizeof(end->why), "%s at rip %s", vm->stop_why, rip);
		pthread_mutex_unlock(&vm->stop_lock);
		break;
	case VERDICT_EXIT:
		vm_exit(vm, v->exit_status);
		break;
	}
}

void *vcpu_thread(void *arg)
{
	struct vcpu *vcpu = arg;
	struct vm *vm = vcpu->vm;
	struct verdict v = { .kind = VERDICT_RUN };
	sigset_t kick;

	current_vcpu = vcpu;
	/* Every other signal is the main thread's (it was blocked before we started). */
	sigemptyset(&kick);
	sigaddset(&kick, SIG_KICK);
	pthread_sigmask(SIG_UNBLOCK, &kick, NULL);

	run_loop(vcpu, &v);
	vcpu_ends(vcpu, &v);

	__atomic_store_n(&vcpu->finished, 1, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&vm->done, 1, __ATOMIC_SEQ_CST);
	pthread_kill(vm->main_thread, SIG_DONE);
	return NULL;
}
