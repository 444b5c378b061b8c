#!/bin/sh
# What a guest must not do to its host (guestsafe_test): CR8 kept in the
# vCPU, not in the host's APIC TPR; #AC and #DB intercepted and reflected
# (the #AC delivery loop of CVE-2015-5307 leaves the host in control); CR4
# bits the guest's CPUID does not allow refused with #GP.  On /dev/kvmini,
# with its memory counters back where they started, then the same program
# on /dev/kvm.  A kvmini that lets either bug through hangs the machine in
# item4_host_irq or item5_ac_loop: the runner sees no end.
T=guestsafe
. /kvmini/tests/vm/lib.sh

kvmini_load || { fail load "insmod failed"; finish; }
before=$(kvmini_memory)
guestsafe_test /dev/kvmini guestsafe.kvmini || FAILED=1
kvmini_leftovers "$before" memory_back vms_zero unload

if kvm_load; then
	guestsafe_test /dev/kvm guestsafe.kvm || FAILED=1
	kvm_unload
else
	skip kvm "kvm_intel does not load here"
fi
finish
