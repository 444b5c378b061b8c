#!/bin/sh
# Issue 11: guest memory follows the VMM's mapping (MMU notifiers, not
# pins).  pageable_test changes the memory behind a slot without touching
# the slot (munmap and a new mapping, MADV_DONTNEED, mremap, fork, COW
# of the zero page and of a file, a THP split and collapsed, compaction,
# KSM, hugetlbfs) and the guest's next access must see the change; then
# two vCPUs checksum memory while the VMM keeps changing it.  kvmini's
# mmu_* counters must move.  A guest store into a page the host has freed
# shows with page_poison=1 as "pagealloc: memory corruption", which must
# not appear.  kvmini's counters back after, then the same program on
# /dev/kvm.
#   kvmini.pageable_ms=N   the stress check's milliseconds (default 400)
# Needs 2 CPUs for the stress check only (the program skips it with one);
# tests.cfg asks for 2 so that it runs where the vCPUs are really side by
# side.
T=pageable
. /kvmini/tests/vm/lib.sh

ms=
set -f
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	kvmini.pageable_ms=*) ms=${arg#kvmini.pageable_ms=} ;;
	esac
done
set +f

# Linux turns THP off on machines with less than 512 MiB of RAM, which the
# test machine just is: turn it on for this test (for madvised memory).
THP=/sys/kernel/mm/transparent_hugepage/enabled
thp_was=$(sed -n 's/.*\[\(.*\)\].*/\1/p' "$THP" 2>/dev/null)
[ "$thp_was" != never ] || echo madvise >"$THP" || skip thp_on "cannot turn THP on"

kvmini_load || { fail load "insmod failed"; finish; }
before=$(kvmini_memory)
mark_dmesg
pageable_test /dev/kvmini pageable.kvmini ${ms:+"$ms"} || FAILED=1
poison_check kvmini.no_store_after_free
kvmini_leftovers "$before" memory_back debugfs_clean vms_zero unload

if kvm_load; then
	mark_dmesg
	pageable_test /dev/kvm pageable.kvm ${ms:+"$ms"} || FAILED=1
	poison_check kvm.no_store_after_free
	kvm_unload
else
	skip kvm "kvm_intel does not load here"
fi
[ -z "$thp_was" ] || echo "$thp_was" >"$THP"
finish
