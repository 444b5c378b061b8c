#!/bin/bash
# Usage: scripts/bench.sh [--line 6.1|6.12] [--no-deps] [--no-docs]
#        scripts/bench.sh --report LOG [--line L] [--no-docs]
# kvmini side by side with Debian's KVM (kvm_intel): builds the module and
# the benchmark client (tests/bench), boots Bochs once with 1 CPU and the
# suite "bench" (tests/vm/t_bench.sh), and turns the serial log into
# build/bench/results.txt (printed) and build/bench/ratios.png (gnuplot),
# then copies both into docs/bench/ for docs/bench.md. --report redoes the last
# part from a log kept earlier. Takes 10 to 20 minutes.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
. scripts/lib-machine.sh
line=6.1 deps=1 docs=1 report_only=''
while [ $# -gt 0 ]; do
	case "$1" in
	--line) line=${2:?}; shift 2 ;;
	--no-deps) deps=0; shift ;;
	--no-docs) docs=0; shift ;;
	--report) report_only=${2:?}; shift 2 ;;
	*) echo "usage: $0 [--line 6.1|6.12] [--no-deps] [--no-docs] [--report LOG]" >&2; exit 2 ;;
	esac
done
die() { echo "bench.sh: $*" >&2; exit 1; }

out=$top/build/bench
mkdir -p "$out"
log=$out/bench-$line.log

if [ -n "$report_only" ]; then
	[ -f "$report_only" ] || die "no log $report_only"
	[ "$report_only" -ef "$log" ] || cp "$report_only" "$log"
else
	[ $deps -eq 0 ] || bash scripts/deps.sh >"$out/deps.log" 2>&1 ||
		die "installing packages failed: see $out/deps.log"
	command -v gnuplot >/dev/null || die "no gnuplot: run scripts/deps.sh"
	dir=$out/$line
	build_machine "$line" "$dir"
	echo "== Bochs, 1 CPU, suite bench (about 15 minutes; serial log $log)"
	scripts/boot.sh --machine bochs --line "$line" --cpus 1 --initrd "$dir/initrd.img" \
		--log "$log" --timeout 2400 --append kvmini.suite=bench ||
		die "the benchmark machine failed: see $log"
fi

scripts/bench-report.sh "$log" "$out"
if grep -q '^KTEST FAIL' <(tr -d '\r' <"$log"); then
	grep '^KTEST FAIL' <(tr -d '\r' <"$log") >&2
	die "some benchmarks failed (above)"
fi
if [ $docs -eq 1 ]; then
	mkdir -p docs/bench
	cp "$out/results.txt" "docs/bench/results-$line.txt"
	cp "$out/ratios.png" "docs/bench/ratios-$line.png"
	echo "bench.sh: copied to docs/bench/results-$line.txt and docs/bench/ratios-$line.png"
fi
