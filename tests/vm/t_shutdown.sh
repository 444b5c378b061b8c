#!/bin/sh
# Last in the suite: a vCPU spinning in its guest (on the last CPU) and
# another VM merely open when init powers the machine off.  The reboot
# notifier takes every CPU out of VMX operation under them; the vCPU must
# then get EIO instead of entering.  What is checked is on the host side:
# the machine powers off cleanly, with no oops and no hang.
T=shutdown
. /kvmini/tests/vm/lib.sh

kvmini_load || { fail load "insmod failed"; finish; }
cpu=$(($(online_cpus) - 1))
# Not on our stdout: the runner waits for every writer of its pipe to go.
taskset -c "$cpu" kvmini run /kvmini/guests/loop.bin </dev/null >/tmp/shutdown.out 2>&1 &
spin=$!
hold_vm /dev/kvmini || fail hold "no VM: $HOLD_ERR"
vcpus_up "$spin" 1 && kill -0 "$spin" 2>/dev/null && pass spinning || fail spinning "$(cat /tmp/shutdown.out)"
echo "shutdown: powering off with a vCPU spinning on CPU $cpu and a VM open"
finish
