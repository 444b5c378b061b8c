#!/bin/sh
# (2 CPUs) Issue 9 item 2: a slot deleted under a vCPU that stores into it
# on the other CPU (slotdel_test) must not leave the vCPU writing into
# pages already given back.  The program checks the guest's view (its
# next store is an MMIO exit); the kernel's page poisoning
# (page_poison=1: freed pages are filled with a pattern checked when they
# are allocated again) shows a store into a freed page as "pagealloc:
# memory corruption", which must not appear.  Without page_poison=1 on the
# command line that half is skipped.  kvmini's counters back after, then
# the same program on /dev/kvm.
T=slotdel
. /kvmini/tests/vm/lib.sh

[ "$(online_cpus)" -ge 2 ] || { skip all "needs 2 CPUs"; finish; }
kvmini_load || { fail load "insmod failed"; finish; }
before=$(kvmini_memory)
mark_dmesg
slotdel_test /dev/kvmini slotdel.kvmini || FAILED=1
poison_check kvmini.item2_no_use_after_free
kvmini_leftovers "$before" memory_back debugfs_clean vms_zero unload

if kvm_load; then
	mark_dmesg
	slotdel_test /dev/kvm slotdel.kvm || FAILED=1
	poison_check kvm.item2_no_use_after_free
	kvm_unload
else
	skip kvm "kvm_intel does not load here"
fi
finish
