#!/bin/sh
# Interrupts from userspace (KVM_INTERRUPT, the interrupt window, an
# interrupt cut short by an EPT fault), hypercalls answered in the kernel,
# and the statistics (KVM_GET_STATS_FD, debugfs): event_test on
# /dev/kvmini, then the same program on /dev/kvm; vcpu_state_test, the
# events as state (KVM_GET/SET_VCPU_EVENTS, KVM_CAP_SYNC_REGS), likewise;
# debugreg_test, the guest's hardware breakpoints, singlestep_test,
# RFLAGS.TF over the instructions kvmini runs, and sigmask_test,
# KVM_SET_SIGNAL_MASK, likewise.
T=events
. /kvmini/tests/vm/lib.sh

kvmini_load || { fail load "insmod failed"; finish; }
before=$(kvmini_memory)
event_test /dev/kvmini events.kvmini || FAILED=1
vcpu_state_test /dev/kvmini vcpu_state.kvmini || FAILED=1
debugreg_test /dev/kvmini debugreg.kvmini || FAILED=1
singlestep_test /dev/kvmini singlestep.kvmini || FAILED=1
sigmask_test /dev/kvmini sigmask.kvmini || FAILED=1
kvmini_leftovers "$before" memory_back debugfs_clean

# `kvmini stats` while a VM runs (a spinning guest: host interrupts make
# it exit), and after it has gone.
kvmini run --timeout 30 /kvmini/guests/loop.bin >/dev/null 2>&1 &
pid=$!
vcpus_up $pid 1
out=$(kvmini stats 2>&1)
kill -INT $pid
if echo "$out" | grep -q "^VM $pid-[0-9]*: pid $pid vcpus 1 pages_4k [1-9]" &&
   echo "$out" | grep -q "^  exits  *[1-9]" && echo "$out" | grep -q "^  counter  *vcpu0$"; then
	pass stats_tool
else
	fail stats_tool "kvmini stats said: $(echo "$out" | head -4 | tr '\n' '|')"
fi
wait $pid
out=$(kvmini stats 2>&1)
[ "$out" = "no kvmini VMs running" ] && pass stats_tool_none || fail stats_tool_none "kvmini stats said: $out"
check unload kvmini_unload
out=$(kvmini stats 2>&1) && fail stats_tool_unloaded "succeeded: $out" ||
	{ echo "$out" | grep -q "is kvmini loaded" && pass stats_tool_unloaded ||
	  fail stats_tool_unloaded "said: $out"; }

if kvm_load; then
	event_test /dev/kvm events.kvm || FAILED=1
	vcpu_state_test /dev/kvm vcpu_state.kvm || FAILED=1
	debugreg_test /dev/kvm debugreg.kvm || FAILED=1
	singlestep_test /dev/kvm singlestep.kvm || FAILED=1
	sigmask_test /dev/kvm sigmask.kvm || FAILED=1
	kvm_unload
else
	skip kvm "kvm_intel does not load here"
fi
finish
