#!/bin/sh
# The in-kernel local APIC of KVM_CREATE_IRQCHIP (issue 12): lapic_test on
# /dev/kvmini and, with the same program and expectations, on /dev/kvm;
# vnmi_test, NMIs from its ICR and from KVM_NMI, and pvipi_test, KVM's
# paravirtual IPI hypercall, likewise.
T=lapic
. /kvmini/tests/vm/lib.sh

kvmini_load || { fail load "insmod failed"; finish; }
lapic_test /dev/kvmini kvmini || FAILED=1
vnmi_test /dev/kvmini vnmi.kvmini || FAILED=1
pvipi_test /dev/kvmini pvipi.kvmini || FAILED=1
check vms_zero grep -qx 0 "$DBG/vms"
check vmx_off_after vmx_all 0 0
kvmini_unload

if kvm_load; then
	lapic_test /dev/kvm kvm || FAILED=1
	vnmi_test /dev/kvm vnmi.kvm || FAILED=1
	pvipi_test /dev/kvm pvipi.kvm || FAILED=1
	kvm_unload
else
	skip kvm "kvm_intel does not load here"
fi
finish
