#!/bin/sh
# On a CPU without VMX (QEMU TCG) the module refuses to load, with one
# dmesg line naming the reason and ENODEV, every time, leaving nothing.
T=novmx
. /kvmini/tests/vm/lib.sh

if grep -qw vmx /proc/cpuinfo; then
	skip all "this CPU has VMX"
	finish
fi
mark_dmesg
ok=0
for i in 1 2 3 4 5; do
	out=$(insmod "$KVMINI_KO" 2>&1) && break
	echo "$out" | grep -q 'No such device' || break
	ok=$i
done
[ "$ok" -eq 5 ] && pass refused_enodev_5x || fail refused_enodev_5x "insmod said: $out"
echo "$out"
n=$(new_dmesg | grep -c 'kvmini: this CPU has no VMX')
[ "$n" -eq 5 ] && pass one_dmesg_line_each || fail one_dmesg_line_each "$n lines for 5 attempts"
new_dmesg | grep kvmini | tail -1
check not_loaded sh -c '! loaded kvmini'
check no_device_node sh -c '[ ! -e /dev/kvmini ]'
finish
