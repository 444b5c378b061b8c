#!/bin/sh
# Regression tests for the host-safety fixes (safety_test: port I/O
# completed from what the kernel recorded, not from a kvm_run page the VMM
# rewrote; a debugfs name taken twice; a good entry after a failed one;
# string I/O across a page; RDPMC and WBINVD; the VMM's GDT limit and LDT
# after KVM_RUN) on /dev/kvmini with kvmini's counters back after, then
# the same program on /dev/kvm.
T=safety
. /kvmini/tests/vm/lib.sh

kvmini_load || { fail load "insmod failed"; finish; }
before=$(kvmini_memory)
mark_dmesg
safety_test /dev/kvmini safety.kvmini || FAILED=1
# item3: a second VM got the debugfs name of one still alive.  The name
# collision is one rate-limited line of kvmini's, never debugfs's own
# "already present" complaint (kvmini asking it to make the directory).
n=$(new_dmesg | grep -c "already present")
[ "$n" -eq 0 ] && pass item3_no_already_present ||
	fail item3_no_already_present "$(new_dmesg | grep "already present" | head -1)"
n=$(new_dmesg | grep -c "kvmini: debugfs: duplicate directory [0-9]*-[0-9]*$")
[ "$n" -eq 1 ] && pass item3_duplicate_logged ||
	fail item3_duplicate_logged "$n lines about a duplicate directory, want exactly 1 (one collision)"
# Every VM went, the one kept by its kvm_run mapping included.
kvmini_leftovers "$before" memory_back debugfs_clean vms_zero unload

if kvm_load; then
	safety_test /dev/kvm safety.kvm || FAILED=1
	kvm_unload
else
	skip kvm "kvm_intel does not load here"
fi
finish
