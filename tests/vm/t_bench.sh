#!/bin/sh
# The benchmark (scripts/bench.sh runs it; suite "bench", never part of the
# normal test run): each path of tests/bench on /dev/kvmini and then on
# /dev/kvm, the two modules loaded side by side and taking turns at VMX
# (on 6.12 kvm loads with enable_virt_at_load=0, as 6.1 behaves).  bench
# prints the BENCH/BENCHMEM lines scripts/bench.sh turns into the table.
# Then, with fewer iterations, where the time goes: ticks between the exit
# and entry tracepoints of each module (trace clock x86-tsc), and the
# function graph of each module's functions, as BENCHTRACE/BENCHPROF
# lines (bench_trace.sh).
T=bench
. /kvmini/tests/vm/lib.sh

REPS=7
PATHS="cpuid vmcall pio mmio touch4k touch2m refault create loop"
MEM_PATHS="mem64m mem1g mem64m_2m mem1g_2m"
TRACING=/sys/kernel/tracing
. /kvmini/tests/vm/bench_trace.sh

has_virt_at_load() { grep -q 'parmtype=enable_virt_at_load' "$KMOD_DIR/kvm.ko"; }

# The VMM's kernel memory is read from its own memory cgroup (bench/memory.c).
cgroup_setup() {
	mkdir -p /sys/fs/cgroup
	grep -q ' /sys/fs/cgroup cgroup2 ' /proc/mounts ||
		mount -t cgroup2 cgroup2 /sys/fs/cgroup || return 1
	echo +memory >/sys/fs/cgroup/cgroup.subtree_control || return 1
	mkdir -p /sys/fs/cgroup/bench && echo $$ >/sys/fs/cgroup/bench/cgroup.procs
}

# bench_both PATH: PATH on kvmini, then on KVM.
bench_both() {
	local path=$1 dev
	for dev in kvmini kvm; do
		if bench "$path" "/dev/$dev" "$dev" $REPS; then
			pass "$path.$dev"
		else
			fail "$path.$dev" "bench $path /dev/$dev failed"
		fi
	done
}

kvmini_load || { fail load "insmod kvmini failed"; finish; }
if has_virt_at_load; then
	kvm_load enable_virt_at_load=0
else
	kvm_load
fi || { fail kvm_load "cannot load kvm/kvm_intel"; finish; }
echo "BENCHENV kernel=$(uname -r) cpus=$(online_cpus) reps=$REPS"

if cgroup_setup; then
	pass cgroup
else
	skip cgroup "no memory cgroup: the memcg column will say na"
fi
# 64 MiB of 2 MiB pages for the touch2m and *_2m paths, and a few spare.
echo 40 >/proc/sys/vm/nr_hugepages
echo "BENCHENV hugepages=$(grep HugePages_Total /proc/meminfo | tr -s ' ' | cut -d' ' -f2)"

for p in $PATHS $MEM_PATHS; do
	bench_both "$p"
done

[ -d $TRACING/events ] || mount -t tracefs tracefs $TRACING
if [ -d $TRACING/events/kvmini ] && echo x86-tsc >$TRACING/trace_clock; then
	echo 8192 >$TRACING/buffer_size_kb
	for p in cpuid pio mmio touch4k; do
		trace_exits kvmini/kvmini_entry kvmini/kvmini_exit $p /dev/kvmini kvmini 200
		trace_exits kvm/kvm_entry kvm/kvm_exit $p /dev/kvm kvm 200
	done
	for p in pio mmio; do
		trace_split kvmini/kvmini_entry kvmini/kvmini_exit $p /dev/kvmini kvmini 200
		trace_split kvm/kvm_entry kvm/kvm_exit $p /dev/kvm kvm 200
	done
	for p in cpuid pio mmio; do
		profile $p /dev/kvmini kvmini 100 '*:mod:kvmini'
		profile $p /dev/kvm kvm_intel 100 '*:mod:kvm_intel'
		profile $p /dev/kvm kvm.ko 100 '*:mod:kvm'
	done
	# Two VMs (warm-up and one repetition): ITERS=1 makes per_op per VM.
	profile create /dev/kvmini kvmini 1 '*:mod:kvmini'
	profile create /dev/kvm kvm_intel 1 '*:mod:kvm_intel'
	profile create /dev/kvm kvm.ko 1 '*:mod:kvm'
	echo local >$TRACING/trace_clock
	pass tracing
else
	skip tracing "no tracefs, kvmini tracepoints or x86-tsc trace clock"
fi

check kvm_unload kvm_unload
check kvmini_unload kvmini_unload
finish
