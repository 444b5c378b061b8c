#!/bin/bash
# Usage: scripts/linux-test.sh [--lines "6.1 6.12"] [--no-deps]
# The long Linux-guest tests, the suite "linux" of tests/vm/tests.cfg,
# kept out of scripts/test.sh (CI) for their length: t_linux.sh (issue 10,
# three boots of the machine's own kernel) and t_antfarm_linux.sh (issue
# 14, four boots).  One 1-CPU Bochs machine per kernel line, the lines in
# parallel; about 40 minutes.  Ends with "N passed, N failed".
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
. scripts/lib-machine.sh
lines="6.1 6.12" deps=1
while [ $# -gt 0 ]; do
	case "$1" in
	--lines) lines=${2:?}; shift 2 ;;
	--no-deps) deps=0; shift ;;
	*) echo "usage: $0 [--lines \"6.1 6.12\"] [--no-deps]" >&2; exit 2 ;;
	esac
done
die() { echo "linux-test.sh: $*" >&2; exit 1; }

out=$top/build/linux-test
mkdir -p "$out"
[ $deps -eq 0 ] || bash scripts/deps.sh >"$out/deps.log" 2>&1 ||
	die "installing packages failed: see $out/deps.log"
for line in $lines; do
	build_machine "$line" "$out/$line"
done
for line in $lines; do
	echo "== Bochs $line, 1 CPU, suite linux (serial log $out/linux-$line.log)"
	scripts/boot.sh --machine bochs --line "$line" --cpus 1 --initrd "$out/$line/initrd.img" \
		--log "$out/linux-$line.log" --timeout 5400 --append kvmini.suite=linux \
		>"$out/boot-$line.out" 2>&1 &
done
wait || true
for line in $lines; do
	cat "$out/boot-$line.out"
	scripts/parse-log.sh --no-summary --label "linux-$line" "$out/linux-$line.log" || true
done | tee "$out/results.txt"
# The figures of issue 14 (docs/antfarm.md), as the test printed them.
for line in $lines; do
	tr -d '\r' <"$out/linux-$line.log" | grep -E '^antfarm_linux: ' | sed "s/^/$line: /" || true
done
scripts/parse-log.sh --tally <"$out/results.txt"
