// SPDX-License-Identifier: GPL-2.0
/*
 * The main thread while the vCPU threads run: it alone takes SIGINT,
 * SIGTERM and SIGHUP, keeps the --timeout deadline and the devices'
 * timers (the --timer ticks, or a PC's PIT), and stops the run when any of these says so or a vCPU fails:
 * every vCPU is kicked out of KVM_RUN, joined, and its ending reported.
 * A vCPU that has not come back STOP_GRACE_SEC after being stopped is
 * reported as stuck and left to the process's exit, which kills it.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "kvmini.h"
#include "pc.h"

#define NSEC_PER_SEC	1000000000ULL
#define STOP_GRACE_SEC	10

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

/* Every vCPU still running but @except, out of KVM_RUN or its HLT wait, to see vm->stop. */
static void kick_all(struct vm *vm, const struct vcpu *except)
{
	unsigned int i;

	for (i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *vcpu = &vm->vcpus[i];

		if (vcpu == except || !__atomic_load_n(&vcpu->started, __ATOMIC_SEQ_CST) ||
		    __atomic_load_n(&vcpu->finished, __ATOMIC_SEQ_CST))
			continue;
		pthread_mutex_lock(vcpu->irq_lock);
		pthread_cond_broadcast(&vcpu->wake);
		pthread_mutex_unlock(vcpu->irq_lock);
		vcpu_kick(vcpu);
	}
}

/*
 * The whole run is over with @status: because @cause failed (its own
 * vcpu->end says how), or for @why.  The first call wins.
 */
void vm_stop(struct vm *vm, int status, const struct vcpu *cause, const char *why)
{
	pthread_mutex_lock(&vm->stop_lock);
	if (vm->stop) {
		pthread_mutex_unlock(&vm->stop_lock);
		return;
	}
	if (cause) {
		vm->stop_cause = cause->id;
		snprintf(vm->stop_why, sizeof(vm->stop_why), "stopped after vCPU %u failed",
			 cause->id);
	} else {
		snprintf(vm->stop_why, sizeof(vm->stop_why), "%s", why);
	}
	__atomic_store_n(&vm->stop, status, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&vm->stop_lock);
	kick_all(vm, cause);
}

void vm_exit(struct vm *vm, int status)
{
	pthread_mutex_lock(&vm->stop_lock);
	if (vm->stop) {
		pthread_mutex_unlock(&vm->stop_lock);
		return;
	}
	/* Empty: the vCPUs it stops have nothing to say (report()). */
	vm->stop_why[0] = 0;
	__atomic_store_n(&vm->stop, status, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&vm->stop_lock);
	kick_all(vm, NULL);
}

static void tick(struct vm *vm)
{
	unsigned int i;

	for (i = 0; i < vm->nr_vcpus; i++)
		if (!__atomic_load_n(&vm->vcpus[i].finished, __ATOMIC_SEQ_CST))
			vcpu_post_irq(&vm->vcpus[i]);
}

/*
 * The devices' timers at @now: a --timer tick when @next_tick has passed
 * (ticks missed while late are not made up for), or the PC's PIT, which
 * keeps its own deadlines.  When to look again, 0 for never; a PC's
 * vCPU that reprograms the PIT sends SIG_DONE to make this thread look
 * sooner.
 */
static uint64_t device_timers(struct vm *vm, uint64_t now, uint64_t next_tick,
			      uint64_t period)
{
	if (vm->pc)
		return pc_timer(vm->pc, now);
	if (!next_tick || now < next_tick)
		return next_tick;
	tick(vm);
	next_tick += period;
	return next_tick <= now ? now + period : next_tick;
}

static const char *signal_name(int sig)
{
	switch (sig) {
	case SIGINT: return "SIGINT";
	case SIGTERM: return "SIGTERM";
	case SIGHUP: return "SIGHUP";
	default: return "a signal";
	}
}

/* One line per vCPU that did not finish well, the one that failed last. */
static void report(struct vm *vm, bool stuck[])
{
	unsigned int i, pass;

	for (i = 0; i < vm->nr_vcpus; i++)
		if (!stuck[i])
			console_end_line(&vm->vcpus[i]);
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < vm->nr_vcpus; i++) {
			struct vcpu *vcpu = &vm->vcpus[i];
			bool cause = (int)i == vm->stop_cause;

			if (cause != (pass == 1))
				continue;
			if (stuck[i])
				note("vCPU %u: did not leave KVM_RUN within %d s of being stopped",
				     i, STOP_GRACE_SEC);
			else if (!vcpu->end.why[0])
				continue;	/* stopped by the guest's own exit */
			else if (vcpu->end.status && vm->nr_vcpus == 1)
				note("%s", vcpu->end.why);
			else if (vcpu->end.status)
				note("vCPU %u: %s", i, vcpu->end.why);
		}
	}
}

/*
 * Starts a thread per vCPU, waits for them all and reports; the exit
 * status of the run.  @timeout_ms in milliseconds, 0 for none.
 */
int vm_run(struct vm *vm, uint64_t timeout_ms)
{
	uint64_t start = now_ns(), deadline = 0, next_tick = 0, period = 0, grace = 0, rekick = 0;
	bool stuck[MAX_VCPUS] = { false };
	sigset_t blocked, waited;
	unsigned int i;
	int err;

	sigemptyset(&waited);
	sigaddset(&waited, SIGINT);
	sigaddset(&waited, SIGTERM);
	sigaddset(&waited, SIGHUP);
	sigaddset(&waited, SIG_DONE);
	blocked = waited;
	sigaddset(&blocked, SIG_KICK);
	/* Before the threads, which inherit it: only this thread takes these. */
	pthread_sigmask(SIG_BLOCK, &blocked, NULL);
	vcpu_signals_init();
	vm->main_thread = pthread_self();

	for (i = 0; i < vm->nr_vcpus; i++) {
		err = pthread_create(&vm->vcpus[i].thread, NULL, vcpu_thread, &vm->vcpus[i]);
		if (err)
			die("cannot start the thread of vCPU %u: %s", i, strerror(err));
		__atomic_store_n(&vm->vcpus[i].started, true, __ATOMIC_SEQ_CST);
	}

	if (vm->pc)
		pc_start(vm->pc);
	if (timeout_ms)
		deadline = start + timeout_ms * (NSEC_PER_SEC / 1000);
	if (vm->timer_hz) {
		period = NSEC_PER_SEC / vm->timer_hz;
		next_tick = start + period;
	}
	while (__atomic_load_n(&vm->done, __ATOMIC_SEQ_CST) < vm->nr_vcpus) {
		uint64_t now = now_ns(), wake = 0;
		struct timespec ts;
		int sig;

		if (__atomic_load_n(&vm->stop, __ATOMIC_SEQ_CST) && !grace) {
			grace = now + STOP_GRACE_SEC * NSEC_PER_SEC;
			rekick = now;
		}
		if (grace) {
			if (now >= grace)
				break;
			/*
			 * Again, every second: for a vCPU whose thread was not
			 * marked started when a vCPU thread stopped the run,
			 * and for a device that missed a kick.
			 */
			if (now >= rekick) {
				kick_all(vm, NULL);
				rekick = now + NSEC_PER_SEC;
			}
			wake = rekick < grace ? rekick : grace;
		} else {
			if (deadline && now >= deadline) {
				char why[80], secs[32];

				format_ms(secs, sizeof(secs), timeout_ms);
				snprintf(why, sizeof(why), "guest did not finish within %s s", secs);
				vm_stop(vm, EXIT_TIMEOUT, NULL, why);
				continue;
			}
			next_tick = device_timers(vm, now, next_tick, period);
			wake = deadline;
			if (next_tick && (!wake || next_tick < wake))
				wake = next_tick;
		}
		if (wake) {
			uint64_t left = wake > now ? wake - now : 0;

			ts.tv_sec = left / NSEC_PER_SEC;
			ts.tv_nsec = left % NSEC_PER_SEC;
		}
		sig = sigtimedwait(&waited, NULL, wake ? &ts : NULL);
		if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP) {
			char why[80];

			snprintf(why, sizeof(why), "guest stopped by %s", signal_name(sig));
			vm_stop(vm, EXIT_SIGNAL, NULL, why);
		}
		/* SIG_DONE, a timeout (EAGAIN) or EINTR: the loop looks again. */
	}

	for (i = 0; i < vm->nr_vcpus; i++) {
		if (__atomic_load_n(&vm->vcpus[i].finished, __ATOMIC_SEQ_CST))
			pthread_join(vm->vcpus[i].thread, NULL);
		else
			stuck[i] = true;
	}
	report(vm, stuck);
	for (i = 0; i < vm->nr_vcpus; i++)
		vm->stuck += stuck[i];
	/*
	 * The signals stay blocked: a SIG_DONE not waited for is still
	 * pending, and its default action would kill the process.
	 */
	if (vm->stuck)
		return vm->stop ? vm->stop : EXIT_GUEST_FAILED;
	return vm->stop;
}
