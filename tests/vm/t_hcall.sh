#!/bin/sh
# The hypercall guests (t_hcall_guests.sh) on /dev/kvmini, then, with the
# same tool and the same checks, on /dev/kvm (kvm_intel): print through
# the guest's page tables, exits() from the binary statistics, files
# confined to --share, in long and 32-bit paged mode.
T=hcall
. /kvmini/tests/vm/lib.sh

# cost DEV LABEL: the hcost guest, a hypercall answered in the kernel
# against the same one answered by the tool; the numbers go in the log.
cost() {
	local out
	out=$(kvmini run --device "$1" --timeout 120 /kvmini/guests/hcost.elf 2>&1)
	if echo "$out" | grep -qx 'hcost: vmcall [0-9]* port [0-9]*'; then
		echo "hcall: $2: $(echo "$out" | tail -1) (TSC ticks per call)"
		pass "$2.cost"
	else
		fail "$2.cost" "hcost said: $(echo "$out" | tr '\n' '|')"
	fi
}

kvmini_load || { fail load "insmod failed"; finish; }
sh /kvmini/tests/vm/t_hcall_guests.sh /dev/kvmini kvmini || FAILED=1
cost /dev/kvmini kvmini
check vms_zero grep -qx 0 "$DBG/vms"
check unload kvmini_unload

if kvm_load; then
	sh /kvmini/tests/vm/t_hcall_guests.sh /dev/kvm kvm || FAILED=1
	cost /dev/kvm kvm
	kvm_unload
else
	skip kvm "kvm_intel does not load here"
fi
finish
