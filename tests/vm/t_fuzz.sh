#!/bin/sh
# Random ioctl sequences (fuzz_test) on /dev/kvmini, then fewer on /dev/kvm.
# fuzz_test judges what the ABI promises; this script what only the kernel
# shows: nothing like an oops, BUG, WARNING, KFENCE or slub report in
# dmesg, none of kvmini's "this is a kvmini bug" errors, kvmini's memory
# counters back where they were, no VM left, the module unloadable.
#   kvmini.fuzz=N       sequences on /dev/kvmini (a fifth of them on /dev/kvm,
#                       a quarter more raw ones on /dev/kvmini)
#   kvmini.fuzzseed=S   the first seed (default: from the date, printed)
# The long campaign (suite fuzzlong, scripts/fuzz.sh) sets both.  A failing
# sequence prints its own seed: `fuzz_test DEV SEED 1` replays it.
T=fuzz
. /kvmini/tests/vm/lib.sh

# The CI slice: 300 sequences (and 60 on KVM) took 9.3 emulated s and about
# 11 minutes of wall time on a 1-CPU Bochs machine (2026-12-01): 60 here.
count=60
# A 2-CPU machine costs three times the wall time per emulated second:
# fewer sequences there, for the second thread that runs beside the vCPU.
[ "$(grep -c '^processor' /proc/cpuinfo)" -eq 1 ] || count=20
seed=$(date +%Y%m%d%H%M)
set -f
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	kvmini.fuzz=*) count=${arg#kvmini.fuzz=} ;;
	kvmini.fuzzseed=*) seed=${arg#kvmini.fuzzseed=} ;;
	esac
done
set +f
kvm_count=$((count / 5))
[ "$kvm_count" -ge 1 ] || kvm_count=1
# One fuzz_test per CHUNK sequences, the chain carried on by its "next
# seed": dmesg is looked at after each, before a long campaign wraps the
# kernel's ring buffer.
CHUNK=500
BAD='Oops|BUG|WARNING|general protection|KFENCE|slub|Call Trace'
# kvmini's own errors that only a kvmini bug can cause (guest-caused ones,
# such as a failed entry's broken guest-state rule, are fine).
KVMINI_BAD='a kvmini bug|VM-instruction error|VMREAD of field|VMWRITE of|VMCLEAR failed|VMPTRLD failed'
echo "fuzz: seed $seed, $count sequences on /dev/kvmini, $kvm_count on /dev/kvm"

# A line count would not do as a mark: the ring buffer wraps.  The
# kernel's timestamp of its last line does.
dmesg_stamp() { dmesg | tail -1 | sed -n 's/^\[ *\([0-9]*\.[0-9]*\)\].*/\1/p'; }
dmesg_since() {
	dmesg | awk -v t="${1:-0}" '{ s = $0; if (sub(/^\[ */, "", s) && sub(/\].*/, "", s) && s + 0 > t + 0) print }'
}

# fuzz DEV LABEL COUNT: COUNT sequences from $seed in chunks; fails
# LABEL.dmesg on a bad kernel line, stops when a chunk does not finish.
# Sets FUZZ_DONE to the sequences run.
fuzz() {
	local dev=$1 label=$2 left=$3 s=$seed n rc out bad mark
	out=/tmp/fuzz.$label.out
	FUZZ_DONE=0
	while [ "$left" -gt 0 ]; do
		n=$CHUNK
		[ "$left" -ge "$n" ] || n=$left
		mark=$(dmesg_stamp)
		# Streamed (a hang must show how far it got), without the
		# per-chunk summary: one for the whole run comes below.
		{ fuzz_test "$dev" "$s" "$n" "$label"; echo $? >"$out.rc"; } 2>&1 |
			awk -v f="$out.next" '
				/^fuzz: next seed / { print $4 > f; close(f) }
				!/^KTEST PASS fuzz\.[^ ]*\.sequences:/ { print; fflush() }'
		rc=$(cat "$out.rc")
		bad=$(dmesg_since "$mark" | grep -E "$BAD|$KVMINI_BAD" | head -5)
		if [ -n "$bad" ]; then
			fail "$label.dmesg" "sequences $FUZZ_DONE to $((FUZZ_DONE + n - 1)) from seed $seed: $(echo "$bad" | tr '\n' '|')"
			dmesg_since "$mark" | grep -E -A 30 "$BAD|$KVMINI_BAD" | head -80 | sed 's/^/fuzz dmesg: /'
		fi
		[ "$rc" -eq 0 ] || FAILED=1
		FUZZ_DONE=$((FUZZ_DONE + n))
		left=$((left - n))
		if [ ! -s "$out.next" ]; then
			fail "$label.finished" "fuzz_test $dev $s $n exited $rc without finishing"
			break
		fi
		s=$(cat "$out.next")
		rm -f "$out.next"
	done
	rm -f "$out.rc" "$out.next"
}

kvmini_load || { fail load "insmod failed"; finish; }
before=$(kvmini_memory)
fuzz /dev/kvmini kvmini "$count"
[ "$FAILED" -eq 0 ] && pass "kvmini.sequences: $FUZZ_DONE sequences, seed $seed"
# Raw guests (cli, popf, iret and spinning with IF=0 left in), which only
# the VMX-preemption timer gives back in Bochs (issue 10): a quarter more.
P=/sys/module/kvmini/parameters/preemption_timer_us
if [ -w "$P" ] && echo 1000 >"$P"; then
	failed_before=$FAILED
	FAILED=0
	export KVMINI_FUZZ_RAW=1
	fuzz /dev/kvmini kvmini_raw $(((count + 3) / 4))
	unset KVMINI_FUZZ_RAW
	echo 0 >"$P"
	[ "$FAILED" -eq 0 ] && pass "kvmini_raw.sequences: $FUZZ_DONE raw sequences, seed $seed"
	[ "$failed_before" -eq 0 ] || FAILED=1
else
	fail kvmini_raw "cannot set $P"
fi
kvmini_leftovers "$before" memory_back vms_zero unload

if kvm_load; then
	failed_before=$FAILED
	FAILED=0
	fuzz /dev/kvm kvm "$kvm_count"
	[ "$FAILED" -eq 0 ] && pass "kvm.sequences: $FUZZ_DONE sequences, seed $seed"
	[ "$failed_before" -eq 0 ] || FAILED=1
	kvm_unload
else
	skip kvm "kvm_intel does not load here"
fi
finish
