#!/bin/sh
# The system, VM and vCPU ioctls with good and bad arguments, on
# /dev/kvmini and, with the same programs and expectations, on /dev/kvm.
T=api
. /kvmini/tests/vm/lib.sh

kvmini_load || { fail load "insmod failed"; finish; }
api_test /dev/kvmini kvmini || FAILED=1
vcpu_api_test /dev/kvmini kvmini || FAILED=1
msr_api_test /dev/kvmini kvmini || FAILED=1
check vmx_off_after vmx_all 0 0
kvmini_unload

if kvm_load; then
	api_test /dev/kvm kvm || FAILED=1
	vcpu_api_test /dev/kvm kvm || FAILED=1
	msr_api_test /dev/kvm kvm || FAILED=1
	kvm_unload
else
	skip kvm "kvm_intel does not load here"
fi
finish
