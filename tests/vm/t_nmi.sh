#!/bin/sh
# (2 CPUs) Host NMIs that arrive while a guest runs are the host's: the
# spinning loop.bin guest pinned to CPU 1, then `sysrq l` (an NMI to every
# CPU for a backtrace) twice, 0.2 s apart, from CPU 0.  On /dev/kvmini the
# vCPU's exit.EXCEPTION_NMI (debugfs) must be at least 1 (NMIs did land
# in the guest) and below 50 (a kvmini that re-sends the NMI to itself
# while NMIs are still blocked takes it in the guest again and again, and
# the host's handler never runs), and CPU 1 must have printed its
# backtrace.  On /dev/kvm (no such counter) the backtrace only.
#
# The backtraces hold "RIP:" and "Call Trace" lines, which the host side
# takes for a kernel problem: kvmini-test lines in the kernel log around
# them tell scripts/parse-log.sh that these ones were asked for.
T=nmi
. /kvmini/tests/vm/lib.sh

# thread_cpus PID: the CPU each thread of PID last ran on.
thread_cpus() { cat /proc/"$1"/task/*/stat 2>/dev/null | awk '{ printf " %s", $39 }'; }

# only_cpu1 CPUS: every CPU in the list is 1.
only_cpu1() { [ -n "$1" ] && [ -z "$(echo "$1" | tr ' ' '\n' | grep -v -x -e 1 -e '')" ]; }

# vcpu0_stat PID NAME: NAME's value in kvmini's debugfs file of vCPU 0 of
# PID's VM (exits are listed once seen: 0 when absent), "none" without it.
vcpu0_stat() {
	local f
	f=$(ls "$DBG/$1"-*/vcpu0 2>/dev/null | head -n 1)
	[ -n "$f" ] || { echo none; return; }
	awk -v n="$2" '$1 == n { v = $2 } END { print v + 0 }' "$f"
}

# backtraces DEV LABEL: the guest on CPU 1 and the two NMIs.  Sets
# NMI_EXITS (kvmini's count, read before the guest is stopped), WHERE (a
# failure message's note on the guest's CPU), BACKTRACE (1 when CPU 1
# printed its own).  Fails LABEL.started when the guest does not run.
backtraces() {
	local pid before after
	taskset -c 1 kvmini run --device "$1" --timeout 5 /kvmini/guests/loop.bin \
		</dev/null >/tmp/nmi.out 2>&1 &
	pid=$!
	if ! vcpus_up "$pid" 1; then
		fail "$2.started" "the guest did not run: $(tr '\n' '|' </tmp/nmi.out)"
		wait "$pid"
		return 1
	fi
	before=$(thread_cpus "$pid")
	mark_dmesg
	echo "<3>kvmini-test: NMI backtraces begin" >/dev/kmsg
	# From CPU 0: on CPU 1 the shell would take the guest's place there.
	taskset -c 0 sh -c 'echo l >/proc/sysrq-trigger'
	sleep 0.2
	taskset -c 0 sh -c 'echo l >/proc/sysrq-trigger'
	echo "<3>kvmini-test: NMI backtraces end" >/dev/kmsg
	after=$(thread_cpus "$pid")
	NMI_EXITS=$(vcpu0_stat "$pid" exit.EXCEPTION_NMI)
	kill -0 "$pid" 2>/dev/null || NMI_EXITS="none (the guest had stopped: $(tr '\n' '|' </tmp/nmi.out))"
	kill -INT "$pid" 2>/dev/null
	wait "$pid"
	WHERE=
	only_cpu1 "$before$after" ||
		WHERE="; the guest was not on CPU 1 alone (its threads on CPUs$before, then$after)"
	BACKTRACE=0
	new_dmesg_has "NMI backtrace for cpu 1\$" && BACKTRACE=1
	return 0
}

# backtrace_check LABEL
backtrace_check() {
	[ "$BACKTRACE" = 1 ] && pass "$1.backtrace" ||
		fail "$1.backtrace" "no 'NMI backtrace for cpu 1' in dmesg$WHERE"
}

[ -w /proc/sysrq-trigger ] || { fail sysrq "no /proc/sysrq-trigger"; finish; }
kvmini_load || { fail load "insmod failed"; finish; }
if backtraces /dev/kvmini kvmini; then
	case "$NMI_EXITS" in
	[0-9]*)
		if [ "$NMI_EXITS" -ge 1 ] && [ "$NMI_EXITS" -lt 50 ]; then
			pass kvmini.nmi_exits
		else
			fail kvmini.nmi_exits "exit.EXCEPTION_NMI $NMI_EXITS, want 1 to 49$WHERE"
		fi
		;;
	*) fail kvmini.nmi_exits "no vcpu0 counters: $NMI_EXITS" ;;
	esac
	backtrace_check kvmini
fi
check vms_zero grep -qx 0 "$DBG/vms"
check unload kvmini_unload

if kvm_load; then
	backtraces /dev/kvm kvm && backtrace_check kvm
	kvm_unload
else
	skip kvm "kvm_intel does not load here"
fi
finish
