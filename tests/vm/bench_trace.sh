# Tracing helpers of t_bench.sh (busybox sh): where the time of a path
# goes, measured with the trace clock x86-tsc, so in TSC ticks like the
# benchmark.  They call bench PATH DEV LABEL 1 ITERS and read $TRACING.

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

# trace_split EVENTS PATH DEV LABEL ITERS: one exit to userspace and back,
# split by side (docs/questions.md, question 1): mean ticks from the exit
# tracepoint to the return from KVM_RUN (kernel), from there to the next
# KVM_RUN (the VMM), from there to the entry tracepoint (kernel), and in
# the guest.  raw_syscalls filtered to ioctl (16) marks the crossings.
trace_split() {
	local entry=$1 exitev=$2 path=$3 dev=$4 label=$5 iters=$6 ev
	echo 0 >$TRACING/tracing_on
	echo >$TRACING/trace
	echo 'id == 16' >$TRACING/events/raw_syscalls/filter
	for ev in "$entry" "$exitev" raw_syscalls/sys_enter raw_syscalls/sys_exit; do
		echo 1 >"$TRACING/events/$ev/enable"
	done
	echo 1 >$TRACING/tracing_on
	bench "$path" "$dev" "$label-split" 1 "$iters" >/dev/null
	echo 0 >$TRACING/tracing_on
	for ev in "$entry" "$exitev" raw_syscalls/sys_enter raw_syscalls/sys_exit; do
		echo 0 >"$TRACING/events/$ev/enable"
	done
	echo 0 >$TRACING/events/raw_syscalls/filter
	# Only complete rounds count: exit, sys_exit, sys_enter, entry in turn.
	awk -v p="$path" -v l="$label" -v en="${entry#*/}:" -v ex="${exitev#*/}:" '
		{
			for (i = 1; i < NF; i++)
				if ($(i + 1) == en || $(i + 1) == ex || $(i + 1) == "sys_enter:" ||
				    $(i + 1) == "sys_exit:") break
			if (i >= NF) next
			t = $i; sub(/:$/, "", t); t += 0
			e = $(i + 1)
			if (e == ex) { if (st == 1) { g += t - tin; ng++ } st = 2; tex = t }
			else if (e == "sys_exit:") { st = st == 2 ? 3 : 0; tse = t }
			else if (e == "sys_enter:") { st = st == 3 ? 4 : 0; tsn = t }
			else if (e == en) {
				if (st == 4) { k1 += tse - tex; u += tsn - tse; k2 += t - tsn; n++ }
				st = 1; tin = t
			}
		}
		END {
			if (n && ng)
				printf "BENCHSPLIT %s %s kernel_out=%.0f vmm=%.0f kernel_in=%.0f guest=%.0f rounds=%d\n",
					p, l, k1 / n, u / n, k2 / n, g / ng, n
			else
				printf "BENCHSPLIT %s %s none\n", p, l
		}' $TRACING/trace
}

# profile PATH DEV LABEL ITERS PATTERN: the function graph of the
# functions matching the ftrace filter PATTERN ('*:mod:kvmini'); per
# function: calls, mean inclusive ticks, ticks per operation.  One
# pattern: with several, only the last one's functions showed up in
# the graph (6.1, QEMU TCG).
profile() {
	local path=$1 dev=$2 label=$3 iters=$4 pattern=$5 ops
	echo 0 >$TRACING/tracing_on
	echo >$TRACING/trace
	echo "$pattern" >$TRACING/set_ftrace_filter ||
		{ echo "BENCHPROF $path $label none (filter $pattern refused)"; return 1; }
	echo function_graph >$TRACING/current_tracer
	echo 1 >$TRACING/options/funcgraph-tail
	echo 1 >$TRACING/tracing_on
	bench "$path" "$dev" "$label-profiled" 1 "$iters" >/dev/null
	echo 0 >$TRACING/tracing_on
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
		}' $TRACING/trace | sort -t= -k4 -n -r | head -25 >/tmp/prof.out
	if [ -s /tmp/prof.out ]; then
		cat /tmp/prof.out
	else
		echo "BENCHPROF $path $label none ($(grep -vc '^#' $TRACING/trace) trace lines)"
		grep -v '^#' $TRACING/trace | head -5
	fi
	# Only now: a change of tracer empties the buffer.
	echo nop >$TRACING/current_tracer
	echo >$TRACING/set_ftrace_filter
}

