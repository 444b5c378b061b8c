#!/bin/sh
# Guest RAM backed by 2 MiB pages is mapped with 2 MiB EPT entries:
# ept2m_test on /dev/kvmini (4 KiB against 2 MiB backing: the leaves, EPT
# faults and table pages), kvmini's counters back to where they started
# and the module unloadable; then the same program on /dev/kvm.
T=ept2m
. /kvmini/tests/vm/lib.sh

kvmini_load || { fail load "insmod failed"; finish; }
before=$(tr '\n' ' ' <"$DBG/memory")
ept2m_test /dev/kvmini kvmini || FAILED=1
after=$(tr '\n' ' ' <"$DBG/memory")
[ "$before" = "$after" ] && pass memory_back || fail memory_back "before: $before after: $after"
check vms_zero grep -qx 0 "$DBG/vms"
check unload kvmini_unload

if kvm_load; then
	ept2m_test /dev/kvm kvm || FAILED=1
	kvm_unload
else
	skip kvm "kvm_intel does not load here"
fi
finish
