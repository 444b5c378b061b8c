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
# busybox insmod retries a failed finit_module with init_module, so the
# kernel sees one or two load attempts per insmod: one line each.
n=$(new_dmesg | grep -c 'kvmini: this CPU has no VMX')
other=$(new_dmesg | grep kvmini | grep -vc -e 'this CPU has no VMX' -e 'taint')
[ "$n" -ge 5 ] && [ "$n" -le 10 ] && [ "$other" -eq 0 ] && pass logged_each_attempt ||
	fail logged_each_attempt "$n no-VMX lines and $other other kvmini lines for 5 insmods"
new_dmesg | grep kvmini | tail -1
check_not not_loaded loaded kvmini
check no_device_node sh -c '[ ! -e /dev/kvmini ]'
finish
