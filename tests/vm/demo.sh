#!/bin/sh
# What scripts/demo.sh shows: the module loading, VMX root operation
# following a VM's life on every CPU, then a guest and its exit trace.
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
echo "DEMO # a guest: hello in long mode, with every exit to userspace traced"
show sh -c 'echo 1 >/sys/module/kvmini/parameters/trace'
show kvmini run --stats /kvmini/guests/hello-long.elf
check hello_runs sh -c 'kvmini run /kvmini/guests/hello-long.elf | grep -qx "Hello, world!"'
echo "DEMO # the exit trace kvmini wrote to dmesg"
dmesg | grep 'kvmini: vm' | tail -20 | sed 's/^/DEMO   /'
echo "DEMO # trace=2: every exit, also those the module handles itself (CPUID, EPT faults)"
show sh -c 'echo 2 >/sys/module/kvmini/parameters/trace'
mark_dmesg
show kvmini run /kvmini/guests/cpuid.elf
show sh -c 'echo 0 >/sys/module/kvmini/parameters/trace'
new_dmesg | grep 'kvmini: vm' | head -24 | sed 's/^/DEMO   /'
show rmmod kvmini
finish
