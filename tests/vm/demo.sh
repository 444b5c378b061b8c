#!/bin/sh
# What scripts/demo.sh shows: the module loading, then VMX root operation
# following a VM's life on every CPU, as the module reports it.
T=demo
. /kvmini/tests/vm/lib.sh

show() { echo "DEMO \$ $*"; "$@" 2>&1 | sed 's/^/DEMO   /'; }

show insmod "$KVMINI_KO"
show ls -l /dev/kvmini
show cat "$DBG/vmx"
hold_vm /dev/kvmini || { fail hold "$HOLD_ERR"; finish; }
echo "DEMO # a VM is alive (pid $HOLD_PID): every CPU is in VMX root operation"
show cat "$DBG/vmx"
check vmx_on_with_vm vmx_all 1 1
release_vm "$HOLD_PID"
echo "DEMO # the VM is gone: VMX is off again"
show cat "$DBG/vmx"
check vmx_off_without_vm vmx_all 0 0
show rmmod kvmini
finish
