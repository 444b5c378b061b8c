#!/bin/sh
# The benchmark (scripts/bench.sh runs it; suite "bench", never part of the
# normal test run): each path of tests/bench on /dev/kvmini and then on
# /dev/kvm, the two modules loaded side by side and taking turns at VMX
# (on 6.12 kvm loads with enable_virt_at_load=0, as 6.1 behaves).  bench
# prints the BENCH/BENCHMEM lines scripts/bench.sh turns into the table.
# Then, with fewer iterations, where the time goes: ticks between the exit
# and entry tracepoints of each module (trace clock x86-tsc), and the
# function graph of kvmini's own functions, as BENCHTRACE/BENCHPROF lines.
T=bench
. /kvmini/tests/vm/lib.sh

REPS=7
PATHS="cpuid vmcall pio mmio touch4k touch2m create loop"
MEM_PATHS="mem64m mem1g mem64m_2m mem1g_2m"
TRACING=/sys/kernel/tracing

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

# Where the time goes, with tracing on (slower, so not in the numbers above).
# trace_exits EVENTS PATH DEV LABEL ITERS: mean ticks from each exit
# tracepoint to the next entry, and from each entry to its exit.
trace_exits() {
	local entry=$1 exitev=$2 path=$3 dev=$4 label=$5 iters=$6
	echo 0 >$TRACING/tracing_on
	echo >$TRACING/trace
	echo 1 >"$TRACING/events/$entry/enable"
	echo 1 >"$TRACING/events/$exitev/enable"
	echo 1 >$TRACING/tracing_on
	bench "$path" "$dev" "$label-traced" 1 "$iters" >/dev/null
	echo 0 >$TRACING/tracing_on
	echo 0 >"$TRACING/events/$entry/enable"
	echo 0 >"$TRACING/events/$exitev/enable"
	# "... 123456789: kvmini_exit: ..." with the x86-tsc clock.
	awk -v p="$path" -v l="$label" -v en="${entry#*/}:" -v ex="${exitev#*/}:" '
		{
			for (i = 1; i < NF; i++)
				if ($(i + 1) == en || $(i + 1) == ex) break
			if (i >= NF) next
			t = $i; sub(/:$/, "", t); t += 0
			if ($(i + 1) == en) {
				if (last_exit) { ee += t - last_exit; nee++ }
				last_entry = t
			} else if (last_entry) {
				ge += t - last_entry; nge++
				last_exit = t
			}
		}
		END {
			if (nee && nge)
				printf "BENCHTRACE %s %s exit_to_entry=%.0f entry_to_exit=%.0f pairs=%d\n",
					p, l, ee / nee, ge / nge, nee
			else
				printf "BENCHTRACE %s %s none\n", p, l
		}' $TRACING/trace
}

# profile PATH DEV LABEL ITERS MODULE...: the function graph of the
# modules' functions; per function: calls, mean inclusive ticks, ticks
# per operation.
profile() {
	local path=$1 dev=$2 label=$3 iters=$4 ops m
	shift 4
	echo 0 >$TRACING/tracing_on
	echo >$TRACING/trace
	echo >$TRACING/set_ftrace_filter
	for m in "$@"; do
		echo "*:mod:$m" >>$TRACING/set_ftrace_filter || return 1
	done
	echo function_graph >$TRACING/current_tracer
	echo 1 >$TRACING/options/funcgraph-tail
	echo 1 >$TRACING/tracing_on
	bench "$path" "$dev" "$label-profiled" 1 "$iters" >/dev/null
	echo 0 >$TRACING/tracing_on
	echo nop >$TRACING/current_tracer
	echo >$TRACING/set_ftrace_filter
	# Two guest runs (warm-up and one repetition) of ITERS operations.
	ops=$((2 * iters))
	# With the x86-tsc clock the "us" of the graph are thousands of ticks.
	awk -F'|' -v p="$path" -v l="$label" -v ops="$ops" '
		$1 ~ /[0-9.]+ us/ {
			d = $1; sub(/ us.*/, "", d); sub(/.*[ +!#*@$]/, "", d)
			f = $2
			if (f ~ /\/\* .* \*\//) { sub(/.*\/\* /, "", f); sub(/ \*\/.*/, "", f) }
			else { sub(/^ */, "", f); sub(/\(\).*/, "", f) }
			sub(/ \[.*\]/, "", f)
			n[f]++; t[f] += d * 1000
		}
		END {
			for (f in n)
				printf "BENCHPROF %s %s %s calls=%d mean=%.0f per_op=%.0f\n",
					p, l, f, n[f], t[f] / n[f], t[f] / ops
		}' $TRACING/trace | sort -t= -k4 -n -r | head -25
}

[ -d $TRACING/events ] || mount -t tracefs tracefs $TRACING
if [ -d $TRACING/events/kvmini ] && echo x86-tsc >$TRACING/trace_clock; then
	echo 8192 >$TRACING/buffer_size_kb
	for p in cpuid pio mmio touch4k; do
		trace_exits kvmini/kvmini_entry kvmini/kvmini_exit $p /dev/kvmini kvmini 200
		trace_exits kvm/kvm_entry kvm/kvm_exit $p /dev/kvm kvm 200
	done
	for p in cpuid pio mmio; do
		profile $p /dev/kvmini kvmini 100 kvmini
		profile $p /dev/kvm kvm 100 kvm_intel kvm
	done
	echo local >$TRACING/trace_clock
	pass tracing
else
	skip tracing "no tracefs, kvmini tracepoints or x86-tsc trace clock"
fi

check kvm_unload kvm_unload
check kvmini_unload kvmini_unload
finish
