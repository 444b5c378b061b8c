#!/bin/sh
# The in-VM runner: runs every test of tests.cfg that belongs to SUITE,
# turns a script that dies without saying why into a FAIL line, and dumps
# the kernel log at the end so the host sees warnings the console hides.
suite=${1:-vmx}
dir=/kvmini/tests/vm
cpus=$(grep -c '^processor' /proc/cpuinfo)

. "$dir/lib.sh"

machine=$(tr ' ' '\n' </proc/cmdline | sed -n 's/^kvmini\.machine=//p')
echo "KTEST SUITE $suite on $(uname -r), $cpus CPU(s)"
# What the kernel logged before the suite (the emulated machine's own boot
# complaints) is not the tests' business: the dump below starts here.
boot_lines=$(dmesg | wc -l)
grep -v '^#' "$dir/tests.cfg" | while read -r name suites need script; do
	[ -n "$name" ] || continue
	case ",$suites," in *",$suite,"*) ;; *) continue ;; esac
	# "=N": in Bochs, only on machines of N CPUs (checks that gain nothing
	# from more CPUs stay off the 2-CPU Bochs machines, the long pole of
	# CI); elsewhere (QEMU with KVM, real VT-x) at least N.
	case "$need" in
	=*)
		if [ "$machine" = bochs ] && [ "$cpus" -ne "${need#=}" ]; then
			echo "KTEST SKIP $name: runs on ${need#=}-CPU Bochs machines only, has $cpus"
			continue
		fi
		if [ "$cpus" -lt "${need#=}" ]; then
			echo "KTEST SKIP $name: needs ${need#=} CPUs, has $cpus"
			continue
		fi
		;;
	*)
		if [ "$cpus" -lt "$need" ]; then
			echo "KTEST SKIP $name: needs $need CPUs, has $cpus"
			continue
		fi
		;;
	esac
	start=$(now_cs)
	# Streamed, so a slow or hanging test shows how far it got.
	{ sh "$dir/$script" </dev/null 2>&1; echo $? >/tmp/rc.$name; } | tee /tmp/out.$name
	rc=$(cat /tmp/rc.$name)
	if [ $rc -ne 0 ] && ! grep -q "^KTEST FAIL" /tmp/out.$name; then
		echo "KTEST FAIL $name: exited $rc without reporting a failure"
	fi
	# Emulated time: on a 2-CPU Bochs machine a test's wall time follows it,
	# idle time included.
	cs=$(($(now_cs) - start))
	echo "KTEST TIME $name $((cs / 100)).$((cs / 10 % 10))$((cs % 10))s"
done
# Prefixed, so that nothing in it is taken for the console's own lines.
echo "KTEST DMESG BEGIN"
dmesg | tail -n +"$((boot_lines + 1))" | sed 's/^/dmesg: /'
echo "KTEST DMESG END"
