#!/bin/sh
# Issue 10, the CPU a Linux guest sees (cpumodel_test): kvmini's CPUID
# allow-list and TSC frequency leaves, and RDMSR/WRMSR of the MSRs Linux
# touches at boot answered as KVM answers them, on /dev/kvmini, then the
# same expectations on /dev/kvm.  Then the runaway-loop checks: a guest
# spinning with interrupts off (a PAUSE loop, then `cli; jmp .`) still
# gives KVM_RUN back on a signal.  On kvmini the plain loop needs the
# VMX-preemption timer (preemption_timer_us); in Bochs, where nothing
# else takes such a guest back, KVM's run of it is skipped.
T=cpumodel
. /kvmini/tests/vm/lib.sh

kvmini_load || { fail load "insmod failed"; finish; }
before=$(kvmini_memory)
cpumodel_test /dev/kvmini cpumodel.kvmini || FAILED=1
P=/sys/module/kvmini/parameters/preemption_timer_us
if [ -w "$P" ]; then
	echo 1000 >"$P"
	cpumodel_test --spin /dev/kvmini cpumodel.kvmini || FAILED=1
	echo 0 >"$P"
else
	fail preemption_timer_param "no writable $P"
fi
kvmini_leftovers "$before" memory_back vms_zero unload

if kvm_load; then
	cpumodel_test /dev/kvm cpumodel.kvm || FAILED=1
	# KVM's own timer serves its APIC only: in Bochs, `cli; jmp .` would never end.
	if grep -qw "kvmini.machine=bochs" /proc/cmdline; then
		skip kvm_spin "Bochs makes no exit from a KVM guest spinning with IF=0"
	else
		cpumodel_test --spin /dev/kvm cpumodel.kvm || FAILED=1
	fi
	kvm_unload
else
	skip kvm "kvm_intel does not load here"
fi
finish
