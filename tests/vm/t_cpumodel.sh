#!/bin/sh
# Issue 10, the CPU a Linux guest sees (cpumodel_test): kvmini's CPUID
# allow-list and TSC frequency leaves, and RDMSR/WRMSR of the MSRs Linux
# touches at boot answered as KVM answers them, on /dev/kvmini, then the
# same expectations on /dev/kvm.  Then the runaway-loop checks: a guest
# spinning with interrupts off (a PAUSE loop, then `cli; jmp .`) still
# gives KVM_RUN back on a signal.  On kvmini each loop is run alone, and
# the vCPU's debugfs must count the exits that took it back: PAUSE exits
# with the timer off, PREEMPTION_TIMER exits with preemption_timer_us on.
# In Bochs, where nothing else takes such a guest back, KVM's run of the
# loops is skipped.  syscall_test: SYSCALL in 32-bit code for a guest
# whose CPUID vendor is AMD (carried out) or Intel (#UD), on both devices.
T=cpumodel
. /kvmini/tests/vm/lib.sh

# A vCPU that never notices a signal never gives KVM_RUN back: the spin
# runs are killed after SPIN_TIMEOUT seconds (guest time in Bochs).
SPIN_TIMEOUT=120
spin_run() { # NAME ARGS...
	name=$1
	shift
	timeout -s KILL "$SPIN_TIMEOUT" cpumodel_test "$@"
	rc=$?
	[ "$rc" -eq 0 ] && return
	FAILED=1
	[ "$rc" -eq 137 ] && fail "spin_$name" "killed after ${SPIN_TIMEOUT}s: KVM_RUN never returned"
}

kvmini_load || { fail load "insmod failed"; finish; }
before=$(kvmini_memory)
cpumodel_test /dev/kvmini cpumodel.kvmini || FAILED=1
syscall_test /dev/kvmini syscall.kvmini || FAILED=1
P=/sys/module/kvmini/parameters/preemption_timer_us
if [ -w "$P" ]; then
	# Timer off: only PAUSE-loop exiting takes the PAUSE loop back.
	echo 0 >"$P"
	spin_run ple --spin-ple /dev/kvmini cpumodel.kvmini
	# Timer on: it takes `cli; jmp .` back.
	echo 1000 >"$P"
	spin_run timer --spin-timer /dev/kvmini cpumodel.kvmini
	echo 0 >"$P"
	if echo 10 >"$P" 2>/dev/null; then
		fail preemption_timer_range "10 us accepted (minimum 50)"
	else
		pass preemption_timer_range
	fi
	echo 0 >"$P"
else
	fail preemption_timer_param "no writable $P"
fi
kvmini_leftovers "$before" memory_back vms_zero unload

if kvm_load; then
	cpumodel_test /dev/kvm cpumodel.kvm || FAILED=1
	syscall_test /dev/kvm syscall.kvm || FAILED=1
	# KVM's own timer serves its APIC only: in Bochs, `cli; jmp .` would never end.
	if grep -qw "kvmini.machine=bochs" /proc/cmdline; then
		skip kvm_spin "Bochs makes no exit from a KVM guest spinning with IF=0"
	else
		spin_run kvm --spin /dev/kvm cpumodel.kvm
	fi
	kvm_unload
else
	skip kvm "kvm_intel does not load here"
fi
finish
