#!/bin/sh
# KVM_RUN under stress (run_test: CPU migration, the VMM's own registers,
# 100 VMs), then kvmini's counters back to where they started and the
# module unloadable; the same program on /dev/kvm.  With 2 CPUs only the
# migration (the one part that needs them: a 2-CPU Bochs machine runs
# the rest at half speed), with 1 all but it.
T=run
. /kvmini/tests/vm/lib.sh

part=nomigrate
[ "$(online_cpus)" -lt 2 ] || part=migrate

kvmini_load || { fail load "insmod failed"; finish; }
before=$(tr '\n' ' ' <"$DBG/memory")
run_test /dev/kvmini kvmini $part || FAILED=1
# The entry_fail check's guest has CS with S=0: dmesg must name that rule.
if [ $part = nomigrate ]; then
	dmesg | grep -q "VM entry failed (reason 0x80000021, .*): a code or data segment has S=0" &&
		pass entry_fail_dmesg ||
		fail entry_fail_dmesg "no dmesg line naming the broken rule: $(dmesg | grep 'VM entry failed' | tail -1)"
fi
after=$(tr '\n' ' ' <"$DBG/memory")
[ "$before" = "$after" ] && pass memory_back || fail memory_back "before: $before after: $after"
check vms_zero grep -qx 0 "$DBG/vms"
check vmx_off vmx_all 0 0
check unload kvmini_unload

if kvm_load; then
	run_test /dev/kvm kvm $part || FAILED=1
	kvm_unload
else
	skip kvm "kvm_intel does not load here"
fi
finish
