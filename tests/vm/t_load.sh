#!/bin/sh
# The module loads and unloads cleanly 20 times, makes a root-only
# /dev/kvmini, says what the CPU offers in one line, and cannot be
# unloaded while any of its fds is open.
T=load
. /kvmini/tests/vm/lib.sh

mark_dmesg
ok=0
for i in $(seq 20); do
	insmod "$KVMINI_KO" || break
	[ -c /dev/kvmini ] || break
	rmmod kvmini || break
	[ ! -e /dev/kvmini ] || break
	ok=$i
done
[ "$ok" -eq 20 ] && pass load_unload_20 || fail load_unload_20 "stopped after $ok cycles"
n=$(new_dmesg | grep -c 'kvmini: VMX revision')
[ "$n" -eq 20 ] && pass summary_line_each_load || fail summary_line_each_load "$n summary lines for 20 loads"
new_dmesg | grep 'kvmini: VMX revision' | tail -1

check load_again kvmini_load
check node_is_char_0600 sh -c '[ -c /dev/kvmini ] && [ "$(stat -c %a /dev/kvmini)" = 600 ]'

# A VM fd alone (the /dev/kvmini fd closed by vmctl) pins the module.
if hold_vm /dev/kvmini; then
	if rmmod kvmini 2>/dev/null; then
		fail unload_refused_with_vm "rmmod succeeded while a VM fd was open"
		kvmini_load
	else
		pass unload_refused_with_vm
	fi
	release_vm "$HOLD_PID"
else
	fail unload_refused_with_vm "could not create a VM: $HOLD_ERR"
fi

# The /dev/kvmini fd alone pins it too.
exec 3</dev/kvmini
if rmmod kvmini 2>/dev/null; then
	fail unload_refused_with_dev_fd "rmmod succeeded with /dev/kvmini open"
	kvmini_load
else
	pass unload_refused_with_dev_fd
fi
exec 3<&-
check unload_after_close kvmini_unload
finish
