#!/bin/sh
# Issue 14, the Linux part (suite linux: `make test-linux`, four boots).
# The machine's own kernel boots with kvmini.init=antfarm: antwork
# (tests/guests/linux/antwork.c) starts a child every 300 ms, forks,
# threaded forks and posix_spawns, and lists once a second the processes
# that have an mm.  With --trace-cr3 the tool's creations, exits and view
# at each list must match that ground truth with precision and recall of
# at least 0.99 (tests/vm/antfarm-score.awk), with the target list and
# without it (--cr3-targets=off, where every load exits).  Without the
# option the same guest takes no CR3 exit.  The same workload on KVM gives
# the baseline of the overhead figures (antwork bench), printed as ratios.
T=antfarm_linux
. /kvmini/tests/vm/lib.sh

KVMINI=kvmini
TMP=/tmp/t_antfarm_linux.$$
mkdir -p "$TMP"
L=/kvmini/linux
TIMEOUT=${LINUX_TIMEOUT:-2400}
N=${ANTFARM_N:-120}

boot() { # NAME DEVICE [ARGS...]: console in $TMP/NAME.out, status in RC
	local name=$1 dev=$2 t0
	shift 2
	t0=$(now_cs)
	{
		"$KVMINI" run --device "$dev" --kernel "$L/vmlinux" --initrd "$L/initrd.gz" \
			--mem 128M --timeout "$TIMEOUT" \
			--append "quiet kvmini.init=antfarm antfarm_n=$N" "$@" \
			</dev/null 2>"$TMP/$name.err"
		echo $? >"$TMP/$name.rc"
	} | tee "$TMP/$name.raw" | awk -v p="linux-guest[$name] " \
		'{ sub(/\r$/, "") } !/^antfarm-(born|gone|truth) / { print p $0; fflush() }'
	tr -d '\r' <"$TMP/$name.raw" >"$TMP/$name.out"
	RC=$(cat "$TMP/$name.rc")
	sed "s/^/linux-guest[$name] /" "$TMP/$name.err"
	echo "antfarm_linux: $name: status $RC after $(( ($(now_cs) - t0) / 100 )) s"
	if [ "$RC" -eq 0 ] && grep -q '^KVMINI-ANTFARM-DONE' "$TMP/$name.out"; then
		pass "${name}_ran"
	else
		fail "${name}_ran" "status $RC: $(tail -c 300 "$TMP/$name.err")"
	fi
}

# score NAME: the tool's view of boot NAME against its ground truth.
score() {
	local name=$1 line p r what
	awk -f /kvmini/tests/vm/antfarm-score.awk "$TMP/$name.csv" "$TMP/$name.out" >"$TMP/$name.score"
	sed "s/^/antfarm_linux: $name: /" "$TMP/$name.score"
	for what in create exit view; do
		line=$(grep "^antfarm-score $what " "$TMP/$name.score")
		p=$(echo "$line" | sed -n 's/.* precision \([0-9.]*\) .*/\1/p')
		r=$(echo "$line" | sed -n 's/.* recall \([0-9.]*\) .*/\1/p')
		if [ -n "$p" ] && [ -n "$r" ] &&
		   awk -v p="$p" -v r="$r" 'BEGIN { exit !(p >= 0.99 && r >= 0.99) }'; then
			pass "${name}_${what}_p_r_0.99"
		else
			fail "${name}_${what}_p_r_0.99" "${line:-no score: $(head -1 "$TMP/$name.score")}"
		fi
	done
	check "${name}_children_all_listed" grep -q "^antfarm-score children $N listed-in-proc $N " "$TMP/$name.score"
	# For whoever reads a failure: the start of the window, loads and all.
	if grep -q '^antfarm-score miss' "$TMP/$name.score"; then
		begin=$(sed -n 's/^antfarm-window begin //p' "$TMP/$name.out")
		awk -F, -v b="$begin" 'NR > 1 && $1 >= b' "$TMP/$name.csv" | head -150 |
			sed "s/^/antfarm_linux: $name: csv /"
		grep -m 12 '^antfarm-born' "$TMP/$name.out" | sed "s/^/antfarm_linux: $name: /"
	fi
}

stat() { sed -n "s/^stats: $2 //p" "$TMP/$1.out"; } # NAME STAT
bench() { sed -n "s/^antfarm-bench $2 //p" "$TMP/$1.out"; } # NAME OP

[ -r "$L/vmlinux" ] || { skip all "no $L/vmlinux"; finish; }
kvmini_load || { fail load "insmod failed"; finish; }
before=$(kvmini_memory)

# KVMINI_TRACE_CR3_LOADS=1 in the environment also puts every load in the
# CSV (event "load"), for reading a failure; it costs the traced figures.
boot traced /dev/kvmini --trace-cr3="$TMP/traced.csv" --stats
grep -m1 '^meltdown:' "$TMP/traced.out" | sed 's/^/antfarm_linux: /'
score traced
boot all /dev/kvmini --trace-cr3="$TMP/all.csv" --cr3-targets=off --stats
score all
boot plain /dev/kvmini --stats
if ! grep -q '^trace-cr3:' "$TMP/plain.out" && [ "$(stat plain 'vcpu0 cr3_exits')" = 0 ]; then
	pass plain_no_cr3_exits
else
	fail plain_no_cr3_exits "cr3_exits $(stat plain 'vcpu0 cr3_exits')"
fi
kvmini_leftovers "$before" memory_back vms_zero unload

if kvm_load; then
	boot kvm /dev/kvm
	kvm_unload
else
	skip kvm "kvm_intel does not load here"
fi

# The figures: CR3 exits with and without the target list, and each
# benchmark's time as a ratio to the untraced kvmini run and to KVM.
e1=$(stat traced 'trace-cr3 cr3_exits')
e2=$(stat all 'trace-cr3 cr3_exits')
echo "antfarm_linux: CR3 exits: target list on $e1, off $e2 (the list saves $((e2 - e1)))"
for op in getppid fork_exit file; do
	echo "antfarm_linux: bench $op ns/op: traced $(bench traced $op) all $(bench all $op)" \
		"plain $(bench plain $op) kvm $(bench kvm $op)"
done
rm -rf "$TMP"
finish
