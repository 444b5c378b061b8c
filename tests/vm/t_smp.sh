#!/bin/sh
# KVM_RUN on two vCPUs of one VM at once, on two CPUs, with first touches
# of the same fresh pages racing (smp_test, 50 rounds): on /dev/kvmini,
# then the same program on Debian's /dev/kvm; kvmini's memory counters
# back where they started.
T=smp
. /kvmini/tests/vm/lib.sh

# 50 rounds: a round takes Bochs seconds of wall time.
ROUNDS=${SMP_ROUNDS:-50}
kvmini_load || { fail load "insmod failed"; finish; }
before=$(tr '\n' ' ' <"$DBG/memory")
smp_test /dev/kvmini kvmini "$ROUNDS" 2 || FAILED=1
after=$(tr '\n' ' ' <"$DBG/memory")
[ "$before" = "$after" ] && pass memory_back || fail memory_back "before: $before after: $after"
check vms_zero grep -qx 0 "$DBG/vms"
check unload kvmini_unload

if kvm_load; then
	smp_test /dev/kvm kvm "$ROUNDS" 2 || FAILED=1
	kvm_unload
else
	skip kvm "kvm_intel does not load here"
fi
finish
