#!/bin/sh
# CPUs going offline and online while a VM exists: the CPU leaves VMX
# operation on its way down and enters it on its way up.
T=hotplug
. /kvmini/tests/vm/lib.sh

cpu=/sys/devices/system/cpu/cpu1/online
[ -w "$cpu" ] || { skip all "needs a second CPU that can go offline"; finish; }
kvmini_load || { fail load "insmod failed"; finish; }

if ! hold_vm /dev/kvmini; then
	fail hold "$HOLD_ERR"
	finish
fi
check on_before vmx_all 1 1
for i in 1 2 3; do
	echo 0 >"$cpu"
	check "offline_$i" sh -c "! grep -q '^cpu1 ' $DBG/vmx && grep -q '^cpu0 vmxe 1 kvmini 1\$' $DBG/vmx"
	echo 1 >"$cpu"
	check "online_${i}_vmx_on" cpu_vmx 1 1 1
done
check vm_still_usable vmctl create /dev/kvmini
release_vm "$HOLD_PID"
check off_after vmx_all 0 0

# Without a VM a CPU comes back online with VMX off.
echo 0 >"$cpu"
echo 1 >"$cpu"
check online_without_vm_off cpu_vmx 1 0 0
check unload kvmini_unload
finish
