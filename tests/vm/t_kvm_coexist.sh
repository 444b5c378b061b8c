#!/bin/sh
# kvmini and Debian's kvm_intel take turns at VMX: a VM alive on one makes
# VM creation on the other fail with EBUSY (and kvmini says why in dmesg);
# both work again once the other's VM is gone.  On 6.12, kvm_intel holds
# VMX from load unless kvm.enable_virt_at_load=0: both ways are checked.
T=kvm_coexist
. /kvmini/tests/vm/lib.sh

has_virt_at_load() { grep -q 'parmtype=enable_virt_at_load' "$KMOD_DIR/kvm.ko"; }

kvmini_load || { fail load "insmod kvmini failed"; finish; }
if has_virt_at_load; then
	kvm_load enable_virt_at_load=0
else
	kvm_load
fi || { fail kvm_load "cannot load kvm/kvm_intel"; finish; }
pass kvm_loaded

check kvmini_vm_beside_idle_kvm create_ok /dev/kvmini

if hold_vm /dev/kvmini; then
	# KVM says EBUSY on 6.1 and EIO on 6.12 when it cannot turn VMX on.
	e=$(create_errno /dev/kvm)
	case "$e" in
	EBUSY|EIO) pass kvm_busy_while_kvmini_vm ;;
	*) fail kvm_busy_while_kvmini_vm "KVM_CREATE_VM on /dev/kvm gave $e" ;;
	esac
	release_vm "$HOLD_PID"
else
	fail kvm_busy_while_kvmini_vm "cannot hold a kvmini VM: $HOLD_ERR"
fi
e=$(create_errno /dev/kvm)
[ "$e" = OK ] && pass kvm_works_after || fail kvm_works_after "got $e"

if hold_vm /dev/kvm; then
	check vmxe_set_by_kvm_not_kvmini vmx_all 1 0
	mark_dmesg
	e=$(create_errno /dev/kvmini)
	[ "$e" = EBUSY ] && pass kvmini_busy_while_kvm_vm || fail kvmini_busy_while_kvm_vm "KVM_CREATE_VM on /dev/kvmini gave $e"
	check kvmini_says_why new_dmesg_has 'already in VMX operation: another hypervisor'
	release_vm "$HOLD_PID"
else
	fail kvmini_busy_while_kvm_vm "cannot hold a KVM VM: $HOLD_ERR"
fi
e=$(create_errno /dev/kvmini)
[ "$e" = OK ] && pass kvmini_works_after || fail kvmini_works_after "got $e"
check vmx_off_after vmx_all 0 0

if has_virt_at_load; then
	kvm_unload
	kvm_load || fail kvm_load_default "cannot load kvm"
	e=$(create_errno /dev/kvmini)
	[ "$e" = EBUSY ] && pass kvmini_busy_with_virt_at_load || fail kvmini_busy_with_virt_at_load "got $e"
	kvm_unload
	e=$(create_errno /dev/kvmini)
	[ "$e" = OK ] && pass kvmini_works_after_kvm_unload || fail kvmini_works_after_kvm_unload "got $e"
else
	skip kvmini_busy_with_virt_at_load "this kernel's KVM turns VMX on per VM only"
fi
check kvm_unload kvm_unload
check kvmini_unload kvmini_unload
finish
