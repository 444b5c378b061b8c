#!/bin/sh
# Issue 12, judged by KVM's own tests: the KVM selftests of Linux 6.1 on
# /dev/kvmini, then on Debian's kvm_intel.  scripts/selftests.sh builds them
# from Debian's linux-source-6.1; `make payload SELFTESTS=1` puts them in
# the image, in /kvmini/selftests.  Each program's result is pass (exit 0),
# skip (exit 4, KSFT_SKIP) or fail (any other exit, or killed at the time
# limit), with its last line of output.  Both of a program's results must
# be those selftests.expect gives it: a pass where a fail is expected fails
# as much as the reverse.  Where it says "unknown", the result is a SKIP
# line, and a "KTEST INFO selftests.expect:" line gives the line to write.
#   kvmini.selftests_timeout=S   seconds a program may take (default 60;
#                                in Bochs, emulated seconds)
#   kvmini.selftests=A,B,...     only these programs
#   kvmini.selftests_devices=D   kvmini, kvm or both (the default)
# Each program's output stays in /tmp/t_selftests.PID/PROG.DEV.{out,err}.
T=selftests
. /kvmini/tests/vm/lib.sh

ST=/kvmini/selftests
EXPECT=/kvmini/tests/vm/selftests.expect
TMP=/tmp/t_selftests.$$
limit=60
only=
devices=both
set -f
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	kvmini.selftests_timeout=*) limit=${arg#kvmini.selftests_timeout=} ;;
	kvmini.selftests=*) only=${arg#kvmini.selftests=} ;;
	kvmini.selftests_devices=*) devices=${arg#kvmini.selftests_devices=} ;;
	esac
done
set +f

if [ ! -f "$ST/list" ]; then
	fail programs "no $ST/list: build the image's payload with make payload SELFTESTS=1"
	finish
fi
[ -f "$EXPECT" ] || { fail expect "no $EXPECT"; finish; }
mkdir -p "$TMP"
grep -v -e '^#' -e '^[[:space:]]*$' "$EXPECT" >"$TMP/expect"
if [ -n "$only" ]; then
	: >"$TMP/progs"
	for prog in $(echo "$only" | tr ',' ' '); do
		if grep -qx "$prog" "$ST/list"; then
			echo "$prog" >>"$TMP/progs"
		else
			fail "$prog" "no such program in $ST/list"
		fi
	done
else
	cp "$ST/list" "$TMP/progs"
fi
echo "selftests: $(wc -l <"$TMP/progs") programs of linux-source-6.1" \
	"$(cat "$ST/version" 2>/dev/null), ${limit}s each"

# POSIX semaphores (hardware_disable_test's sem_open) live in /dev/shm,
# which the test machine's /init does not mount.
if ! grep -q ' /dev/shm ' /proc/mounts; then
	mkdir -p /dev/shm && mount -t tmpfs -o mode=1777 shm /dev/shm
fi

lastline() { grep -v '^[[:space:]]*$' "$1" | tail -n 1 | sed 's/^[[:space:]]*//' | tr '\t' ' '; }

# reap: kills what a program left running.  One killed at the time limit
# leaves its forked children (hardware_disable_test starts hundreds), whose
# VMs would keep the module loaded and VT-x taken for the next device.
reap() {
	local p tries=0 left=1
	while [ $left -eq 1 ] && [ $tries -lt 100 ]; do
		left=0
		for p in /proc/[0-9]*; do
			case "$(readlink "$p/exe" 2>/dev/null)" in
			"$ST"/bin/*) kill -KILL "${p#/proc/}" 2>/dev/null; left=1 ;;
			esac
		done
		[ $left -eq 0 ] || sleep 0.1
		tries=$((tries + 1))
	done
}

# run_one DEV PROG: PROG against DEV (kvmini or kvm) within $limit seconds;
# adds "PROG DEV RESULT LAST-LINE" to $TMP/results.  The programs are run
# by their full path: each loads its own ELF file into its guest, found
# through argv[0].
run_one() {
	local dev="$1" prog="$2" out="$TMP/$2.$1" start cs rc res why
	# Bochs makes no exit from a guest spinning with interrupts off, so
	# such a program takes the 1-CPU machine with it; only kvmini has the
	# VMX-preemption timer to give it back (docs/testing.md).
	if [ "$(expected "$prog" "$dev")" = hang ]; then
		echo "$prog $dev hang not run: it takes this machine down (selftests.expect)" >>"$TMP/results"
		echo "selftests: $dev $prog hang (0.00s): not run, it takes this machine down"
		return
	fi
	start=$(now_cs)
	if [ "$dev" = kvmini ]; then
		# The selftests open /dev/kvm: in a mount namespace of its own,
		# /dev/kvmini is bound over it, seen by this program alone and
		# gone with it however it ends.
		# shellcheck disable=SC2016 # $0 belongs to the inner shell
		timeout -s KILL "$limit" unshare -m sh -c \
			'mount -o bind /dev/kvmini /dev/kvm && exec "$0"' "$ST/bin/$prog" \
			>"$out.out" 2>"$out.err" </dev/null
	else
		timeout -s KILL "$limit" "$ST/bin/$prog" >"$out.out" 2>"$out.err" </dev/null
	fi
	rc=$?
	reap
	case $rc in
	0) res=pass ;;
	4) res=skip ;;
	*) res=fail ;;
	esac
	cs=$(($(now_cs) - start))
	# A failure's reason is its last line on stderr, where the selftests
	# assert (their buffered stdout comes out after it, at exit); a killed
	# program's, how far it got on stdout.
	why=
	if [ $rc -gt 128 ] && [ $rc -le 192 ]; then
		why=$(lastline "$out.out")
		if [ $rc -eq 137 ] && [ $cs -ge $((limit * 100)) ]; then
			why="killed at the ${limit}s limit${why:+; last: $why}"
		else
			why="signal $((rc - 128))${why:+; last: $why}"
		fi
	else
		[ "$res" != fail ] || why=$(lastline "$out.err")
		[ -n "$why" ] || why=$(lastline "$out.out")
	fi
	echo "$prog $dev $res $why" >>"$TMP/results"
	echo "selftests: $dev $prog $res ($((cs / 100)).$((cs / 10 % 10))$((cs % 10))s): $why"
}

# expected PROG DEV: what selftests.expect says of PROG on DEV.
expected() {
	awk -v p="$1" -v d="$2" '$1 == p { print (d == "kvmini" ? $2 : $3); exit }' "$TMP/expect"
}

run_all() { # DEV
	local prog
	while read -r prog; do run_one "$1" "$prog"; done <"$TMP/progs"
}

: >"$TMP/results"
case "$devices" in
both | kvmini | kvm) ;;
*) fail devices "kvmini.selftests_devices=$devices: kvmini, kvm or both"; finish ;;
esac
if [ "$devices" != kvm ]; then
	# KVM unloaded while kvmini runs them: no kvm_intel parameter in sysfs
	# answers for kvmini, and no /dev/kvm node is in the way.
	kvm_unload
	kvmini_load || { fail load "insmod failed"; finish; }
	before=$(kvmini_memory)
	# The selftests' guests run with interrupts off; in Bochs only the
	# VMX-preemption timer gives such a guest back to a signal
	# (docs/testing.md, "Known limits"), which the time limit needs.
	P=/sys/module/kvmini/parameters/preemption_timer_us
	echo 1000 >"$P" || fail preemption_timer "cannot write $P"
	# devtmpfs has no /dev/kvm without kvm.ko; the bind mount needs a file to cover.
	: >/dev/kvm
	run_all kvmini
	[ ! -f /dev/kvm ] || rm -f /dev/kvm
	kvmini_leftovers "$before" memory_back vms_zero unload
fi

if [ "$devices" = kvmini ]; then
	:
elif kvm_load; then
	run_all kvm
	kvm_unload
else
	skip kvm "kvm_intel does not load here"
fi

# result_of PROG DEV: "RESULT LAST-LINE", or nothing when it did not run.
result_of() {
	awk -v p="$1" -v d="$2" '$1 == p && $2 == d { $1 = ""; $2 = ""; sub(/^ +/, ""); print; exit }' \
		"$TMP/results"
}

# Each program's results against its expectations.
while read -r prog; do
	exp=$(awk -v p="$prog" '$1 == p { print $2, $3; exit }' "$TMP/expect")
	if [ -z "$exp" ]; then
		fail "$prog" "no line in selftests.expect"
		exp="unknown unknown"
	fi
	info=$prog
	reasons=
	for dev in kvmini kvm; do
		if [ "$dev" = kvmini ]; then want=${exp% *}; else want=${exp#* }; fi
		got=$(result_of "$prog" "$dev")
		res=${got%% *}
		why=${got#"$res"}
		why=${why# }
		if [ -z "$got" ]; then
			skip "$prog.$dev" "not run"
			res=unknown
		else
			case "$want" in
			hang) skip "$prog.$dev" "not run: it takes a Bochs machine down (selftests.expect)" ;;
			pass | skip | fail)
				if [ "$want" = "$res" ]; then
					pass "$prog.$dev"
				else
					fail "$prog.$dev" "expected $want, got $res: $why"
				fi
				;;
			unknown) skip "$prog.$dev" "unknown in selftests.expect; got $res: $why" ;;
			*) fail "$prog.$dev" "selftests.expect says '$want', not pass, skip, fail or unknown" ;;
			esac
		fi
		info="$info $res"
		reasons="$reasons${reasons:+; }$dev: ${why:-(no output)}"
	done
	[ "$exp" = "${info#"$prog" }" ] || echo "KTEST INFO selftests.expect: $info $reasons"
done <"$TMP/progs"

# Lines for programs no longer built, when all were run.
if [ -z "$only" ]; then
	awk '{ print $1 }' "$TMP/expect" >"$TMP/expected"
	while read -r prog; do
		grep -qx "$prog" "$ST/list" || fail "$prog" "in selftests.expect but not built"
	done <"$TMP/expected"
fi
for dev in kvmini kvm; do
	echo "KTEST INFO $T.$dev: $(awk -v d="$dev" '$2 == d { n[$3]++ } END {
		printf "%d pass, %d skip, %d fail", n["pass"], n["skip"], n["fail"] }' "$TMP/results")"
done
finish
