#!/bin/bash
# Usage: scripts/swap-experiment.sh [--machine bochs|qemu-kvm] [--line 6.1|6.12]
#                                   [--fill MIB] [--max MIB] [--timeout SEC] [--no-deps]
# docs/memory.md's two experiments at full size (issue 11): builds the
# module and the test programs, boots one test machine with 1 CPU and the
# suite "swapexp" (tests/vm/t_swap.sh and t_balloon.sh, on /dev/kvmini and
# then /dev/kvm), and prints their "swap:" and "balloon:" figures and what
# scripts/parse-log.sh makes of the serial log,
# build/swap-experiment/swapexp-LINE.log.
#   --fill MIB   guest memory the fill guest writes and reads back (192)
#   --max MIB    the VMM's cgroup memory.max (64): well below --fill, so
#                the host has to swap the guest out to zram and back in
# CI runs the same tests smaller (64 in 32 MiB) in the suite vmx.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
. scripts/lib-machine.sh
machine=bochs line=6.1 fill=192 max=64 timeout=7200 deps=1
usage() {
	echo "usage: $0 [--machine bochs|qemu-kvm] [--line 6.1|6.12] [--fill MIB] [--max MIB] [--timeout SEC] [--no-deps]" >&2
	exit 2
}
while [ $# -gt 0 ]; do
	case "$1" in
	--machine) machine=${2:?}; shift 2 ;;
	--line) line=${2:?}; shift 2 ;;
	--fill) fill=${2:?}; shift 2 ;;
	--max) max=${2:?}; shift 2 ;;
	--timeout) timeout=${2:?}; shift 2 ;;
	--no-deps) deps=0; shift ;;
	*) usage ;;
	esac
done
die() { echo "swap-experiment.sh: $*" >&2; exit 1; }
case "$machine" in bochs | qemu-kvm) ;; *) die "--machine wants bochs or qemu-kvm" ;; esac
if ! [[ "$fill" =~ ^[1-9][0-9]*$ && "$max" =~ ^[1-9][0-9]*$ ]]; then
	die "--fill and --max want MiB"
fi
# The test machine has 512 MiB: the guest, zram's compressed copy and the
# kernel must fit beside each other.
[ "$fill" -le 320 ] || die "--fill $fill: the test machine has 512 MiB of RAM, keep it at 320 or less"
[ "$max" -lt "$fill" ] || die "--max must be below --fill, or nothing has to be swapped"

out=$top/build/swap-experiment
mkdir -p "$out"
log=$out/swapexp-$line.log

[ $deps -eq 0 ] || bash scripts/deps.sh >"$out/deps.log" 2>&1 ||
	die "installing packages failed: see $out/deps.log"
dir=$out/$line
build_machine "$line" "$dir"

echo "== $machine, 1 CPU, suite swapexp: fill $fill MiB under memory.max $max MiB, then the balloon (serial log $log, gives up after ${timeout}s)"
start=$(date +%s)
rc=0
scripts/boot.sh --machine "$machine" --line "$line" --cpus 1 --initrd "$dir/initrd.img" \
	--log "$log" --timeout "$timeout" \
	--append "kvmini.suite=swapexp kvmini.swapfill=$fill kvmini.swapmax=$max" || rc=$?
secs=$(($(date +%s) - start))

echo "== figures (the machine took ${secs}s of wall time)"
tr -d '\r' <"$log" | grep -E '^(swap|balloon): ' || echo "(none: see $log)"
echo "== results"
ok=0
scripts/parse-log.sh --label "swapexp-$line" "$log" || ok=$?
[ "$rc" -eq 0 ] || die "the machine did not finish cleanly (boot.sh exit $rc): see $log"
[ "$ok" -eq 0 ] || die "failures above"
echo "swap-experiment.sh: both experiments passed on both devices"
