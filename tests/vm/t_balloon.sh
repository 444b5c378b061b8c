#!/bin/sh
# Giving memory back (docs/memory.md; issue 11): the balloon guest
# (t_balloon_guest.sh) on /dev/kvmini, then on /dev/kvm (kvm_intel), each
# in a memory cgroup of its own.  A device that follows the VMM's memory
# with MMU notifiers drops the pages the tool madvise()s away: the guest
# reads zeroes there and the cgroup's memory.current falls.  One that
# pins guest pages keeps mapping them: the guest reads its old data and
# the memory stays.  No swap is involved.
T=balloon
. /kvmini/tests/vm/lib.sh

memcg_setup || { fail cgroup "cannot mount cgroup v2 with the memory controller"; finish; }
export MEMCG=required
if kvmini_load; then
	before=$(kvmini_memory)
	sh /kvmini/tests/vm/t_balloon_guest.sh /dev/kvmini kvmini || FAILED=1
	kvmini_leftovers "$before" memory_back debugfs_clean vms_zero unload
else
	fail load "insmod failed"
fi

if kvm_load; then
	sh /kvmini/tests/vm/t_balloon_guest.sh /dev/kvm kvm || FAILED=1
	kvm_unload
else
	skip kvm "kvm_intel does not load here"
fi
finish
