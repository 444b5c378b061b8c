#!/bin/sh
# Interrupts from userspace (KVM_INTERRUPT, the interrupt window, an
# interrupt cut short by an EPT fault), hypercalls answered in the kernel,
# and the statistics (KVM_GET_STATS_FD, debugfs): event_test on
# /dev/kvmini, then the same program on /dev/kvm.
T=events
. /kvmini/tests/vm/lib.sh

kvmini_load || { fail load "insmod failed"; finish; }
before=$(tr '\n' ' ' <"$DBG/memory")
event_test /dev/kvmini kvmini || FAILED=1
after=$(tr '\n' ' ' <"$DBG/memory")
[ "$before" = "$after" ] && pass memory_back || fail memory_back "before: $before after: $after"
# Only the module's own files are left: every VM directory went with its VM.
left=$(ls "$DBG" | grep -v -x -e vmx -e vms -e memory -e caps | tr '\n' ' ')
[ -z "$left" ] && pass debugfs_clean || fail debugfs_clean "left in $DBG: $left"
check unload kvmini_unload

if kvm_load; then
	event_test /dev/kvm kvm || FAILED=1
	kvm_unload
else
	skip kvm "kvm_intel does not load here"
fi
finish
