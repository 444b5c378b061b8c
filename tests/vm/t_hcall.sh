#!/bin/sh
# The hypercall guests (t_hcall_guests.sh) on /dev/kvmini, then, with the
# same tool and the same checks, on /dev/kvm (kvm_intel): print through
# the guest's page tables, exits() from the binary statistics, files
# confined to --share, in long and 32-bit paged mode.
T=hcall
. /kvmini/tests/vm/lib.sh

kvmini_load || { fail load "insmod failed"; finish; }
sh /kvmini/tests/vm/t_hcall_guests.sh /dev/kvmini kvmini || FAILED=1
check vms_zero grep -qx 0 "$DBG/vms"
check unload kvmini_unload

if kvm_load; then
	sh /kvmini/tests/vm/t_hcall_guests.sh /dev/kvm kvm || FAILED=1
	kvm_unload
else
	skip kvm "kvm_intel does not load here"
fi
finish
