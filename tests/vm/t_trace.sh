#!/bin/sh
# The exit trace: module parameter "trace" (0, 1, 2, changeable at run
# time) writes rate-limited lines naming VM, vCPU, exit and RIP; the
# kvmini_exit tracepoint reaches ftrace.
T=trace
. /kvmini/tests/vm/lib.sh

G=/kvmini/guests
P=/sys/module/kvmini/parameters/trace
kvmini_load || { fail load "insmod failed"; finish; }

echo 0 >"$P"
mark_dmesg
kvmini run "$G/hello-long.elf" >/dev/null
check_not level0_silent new_dmesg_has 'kvmini: vm'

echo 1 >"$P"
mark_dmesg
kvmini run "$G/hello-long.elf" >/dev/null
# CPUID exits are handled in the kernel: ordinary, not traced at level 1.
kvmini run "$G/cpuid.elf" >/dev/null
check level1_io_to_user new_dmesg_has 'IO_INSTRUCTION rip 0x[0-9a-f]* port 0xe9 size 1 out -> user'
check level1_hlt_to_user new_dmesg_has 'HLT rip .* -> user'
check_not level1_no_cpuid new_dmesg_has ' CPUID '

echo 2 >"$P"
mark_dmesg
kvmini run "$G/cpuid.elf" >/dev/null
check level2_cpuid new_dmesg_has 'kvmini: vm[0-9]* vcpu0 CPUID rip'
check level2_ept new_dmesg_has 'EPT_VIOLATION rip .* gpa 0x'

# 2000 exits in a moment: most lines are dropped, and the kernel says so.
mark_dmesg
kvmini run "$G/clobber.elf" >/dev/null
sleep 1
kvmini run "$G/hello-real.bin" >/dev/null
check level2_ratelimited new_dmesg_has 'callbacks suppressed'
echo 0 >"$P"

T=trace.ftrace
E=/sys/kernel/debug/tracing/events/kvmini/kvmini_exit/enable
if [ -w "$E" ]; then
	echo >/sys/kernel/debug/tracing/trace
	echo 1 >"$E"
	kvmini run "$G/hello-long.elf" >/dev/null
	echo 0 >"$E"
	check tracepoint grep -q 'kvmini_exit: vm[0-9]* vcpu0 reason 30' /sys/kernel/debug/tracing/trace
else
	fail tracepoint "no $E"
fi
check unload kvmini_unload
finish
