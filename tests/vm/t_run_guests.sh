#!/bin/sh
# Every guest in every mode through the kvmini tool, first on /dev/kvmini,
# then, with the same tool and the same expectations, on /dev/kvm; and
# kvmini's memory counters back where they started once the VMs are gone.
T=run_guests
. /kvmini/tests/vm/lib.sh

kvmini_load || { fail load "insmod failed"; finish; }
info=$(kvmini info)
if echo "$info" | grep -q '^cap KVM_CAP_USER_MEMORY: 1$' && echo "$info" | grep -q 'revision 0x'; then
	pass info
else
	fail info "kvmini info lacks the capabilities or the module's caps: $(echo "$info" | head -3 | tr '\n' '|')"
fi
before=$(cat "$DBG/memory" | tr '\n' ' ')
sh /kvmini/tests/vm/t_guests.sh /dev/kvmini kvmini || FAILED=1
after=$(cat "$DBG/memory" | tr '\n' ' ')
[ "$before" = "$after" ] && pass memory_back || fail memory_back "before: $before after: $after"
check vms_zero grep -qx 0 "$DBG/vms"
check unload kvmini_unload

if kvm_load; then
	sh /kvmini/tests/vm/t_guests.sh /dev/kvm kvm || FAILED=1
	kvm_unload
else
	skip kvm "kvm_intel does not load here"
fi
finish
