#!/bin/sh
# VMX root operation follows the VMs: on on every online CPU while one
# exists, off everywhere once the last is closed.  Observed through
# debugfs "vmx", which reads CR4.VMXE on each CPU itself.
T=vmx_cycle
. /kvmini/tests/vm/lib.sh

kvmini_load || { fail load "insmod failed"; finish; }
check off_after_load vmx_all 0 0

ok=0 why=
for i in $(seq 10); do
	hold_vm /dev/kvmini || { why="no VM: $HOLD_ERR"; break; }
	if ! vmx_all 1 1; then
		why="with a VM: $(tr '\n' ' ' <"$DBG/vmx")"
		release_vm "$HOLD_PID"
		break
	fi
	release_vm "$HOLD_PID"
	vmx_all 0 0 || { why="after the VM: $(tr '\n' ' ' <"$DBG/vmx")"; break; }
	ok=$i
done
[ "$ok" -eq 10 ] && pass on_with_vm_off_without_10x ||
	fail on_with_vm_off_without_10x "cycle $((ok + 1)) $why"

check create_close_200 vmctl cycles /dev/kvmini 200
check off_after_cycles vmx_all 0 0

# Two VMs: VMX stays on until the second one is gone.
if hold_vm /dev/kvmini; then
	first=$HOLD_PID
	if hold_vm /dev/kvmini; then
		second=$HOLD_PID
		check users_two grep -q '^users 2$' "$DBG/vmx"
		release_vm "$first"
		check on_while_second_vm_lives vmx_all 1 1
		release_vm "$second"
		check off_after_both vmx_all 0 0
	else
		fail second_vm "$HOLD_ERR"
		release_vm "$first"
	fi
else
	fail first_vm "$HOLD_ERR"
fi

# The transitions are logged once each.
mark_dmesg
vmctl create /dev/kvmini
check dmesg_on_line new_dmesg_has 'kvmini: VMX root operation on'
check dmesg_off_line new_dmesg_has 'kvmini: VMX root operation off'
check vms_zero grep -qx 0 "$DBG/vms"
check unload kvmini_unload
finish
