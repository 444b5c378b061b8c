#!/bin/sh
# Guest RAM backed by 2 MiB pages is mapped with 2 MiB EPT entries:
# ept2m_test on /dev/kvmini (4 KiB against THP and hugetlbfs backing: the
# leaves, EPT faults and table pages), kvmini's counters back to where
# they started and the module unloadable; then the same program on
# /dev/kvm.
T=ept2m
. /kvmini/tests/vm/lib.sh

# Linux turns THP off on machines with less than 512 MiB of RAM, which the
# test machine just is: turn it on for this test (for madvised memory).
THP=/sys/kernel/mm/transparent_hugepage/enabled
thp_was=$(sed -n 's/.*\[\(.*\)\].*/\1/p' "$THP" 2>/dev/null)
[ "$thp_was" != never ] || echo madvise >"$THP" || skip thp_on "cannot turn THP on"

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
[ -z "$thp_was" ] || echo "$thp_was" >"$THP"
finish
