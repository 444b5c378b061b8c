#!/bin/bash
# Usage: scripts/fuzz.sh [--machine bochs|qemu-kvm] [--line 6.1|6.12] [--cpus N]
#                        [--count N] [--seed S] [--timeout SEC] [--no-deps]
# The long fuzz campaign: builds the module and the test programs, boots
# one test machine (Bochs by default; qemu-kvm on an Intel host with nested
# VT-x, where a sequence takes milliseconds rather than Bochs' second) with the suite "fuzzlong" (tests/vm/t_fuzz.sh, never
# part of scripts/test.sh) running --count random ioctl sequences
# (default 100000) on /dev/kvmini and a fifth as many on /dev/kvm, from
# --seed (default: from the date), and prints what scripts/parse-log.sh
# makes of the serial log, build/fuzz/fuzz-LINE.log.  Each failure names
# the sequence's seed: `fuzz_test /dev/kvmini SEED 1` replays it.
# 2 CPUs by default: the second thread of a sequence (slot changes, fds
# closed under a running vCPU) then really runs beside the vCPU.  The
# watchdog gives up after --timeout seconds (default: 10 per sequence
# plus half an hour; Bochs' rate is to be measured on the first runs).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
. scripts/lib-machine.sh
machine=${FUZZ_MACHINE:-bochs} line=6.1 cpus=2 count=100000 seed='' timeout='' deps=1
usage() {
	echo "usage: $0 [--machine bochs|qemu-kvm] [--line 6.1|6.12] [--cpus N] [--count N] [--seed S] [--timeout SEC] [--no-deps]" >&2
	exit 2
}
while [ $# -gt 0 ]; do
	case "$1" in
	--machine) machine=${2:?}; shift 2 ;;
	--line) line=${2:?}; shift 2 ;;
	--cpus) cpus=${2:?}; shift 2 ;;
	--count) count=${2:?}; shift 2 ;;
	--seed) seed=${2:?}; shift 2 ;;
	--timeout) timeout=${2:?}; shift 2 ;;
	--no-deps) deps=0; shift ;;
	*) usage ;;
	esac
done
die() { echo "fuzz.sh: $*" >&2; exit 1; }
case "$machine" in bochs | qemu-kvm) ;; *) die "--machine wants bochs or qemu-kvm" ;; esac
[[ "$count" =~ ^[1-9][0-9]*$ ]] || die "--count wants a positive number"
# fuzz_test reads it with strtoull: decimal or 0x hex.
[ -z "$seed" ] || [[ "$seed" =~ ^([0-9]+|0x[0-9a-fA-F]+)$ ]] || die "--seed wants a number"
seed=${seed:-$(date +%Y%m%d%H%M)}
timeout=${timeout:-$((count * 10 + 1800))}

out=$top/build/fuzz
mkdir -p "$out"
log=$out/fuzz-$line.log

[ $deps -eq 0 ] || bash scripts/deps.sh >"$out/deps.log" 2>&1 ||
	die "installing packages failed: see $out/deps.log"
dir=$out/$line
build_machine "$line" "$dir"

echo "== $machine, $cpus CPU(s), suite fuzzlong: $count sequences from seed $seed (serial log $log, gives up after ${timeout}s)"
start=$(date +%s)
rc=0
scripts/boot.sh --machine "$machine" --line "$line" --cpus "$cpus" --initrd "$dir/initrd.img" \
	--log "$log" --timeout "$timeout" \
	--append "kvmini.suite=fuzzlong kvmini.fuzz=$count kvmini.fuzzseed=$seed" || rc=$?
secs=$(($(date +%s) - start))

echo "== results"
# What the runs came back with, per chunk: is the fuzzer reaching anything?
tr -d '\r' <"$log" | grep '^fuzz: ' | grep -v '^fuzz: next seed' | tail -4 || true
ok=0
scripts/parse-log.sh --label "fuzz-$line" "$log" || ok=$?
done_line=$(tr -d '\r' <"$log" | grep -o 'KTEST PASS fuzz\.kvmini\.sequences: [0-9]* sequences' || true)
n=$(echo "$done_line" | sed -n 's/.*: \([0-9]*\) sequences/\1/p')
if [ -n "$n" ] && [ "$secs" -gt 0 ]; then
	echo "fuzz.sh: $n sequences on /dev/kvmini from seed $seed; the machine took ${secs}s of wall time in all"
fi
[ "$rc" -eq 0 ] || die "the machine did not finish cleanly (boot.sh exit $rc): see $log"
[ "$ok" -eq 0 ] || die "failures above; replay one with: fuzz_test /dev/kvmini SEED 1 (SEED from its line)"
echo "fuzz.sh: no failures"
