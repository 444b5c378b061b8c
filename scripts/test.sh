#!/bin/bash
# Usage: scripts/test.sh [--lines "6.1 6.12"] [--no-deps]
# Every kvmini test, as CI runs it: installs what it needs, runs the host
# unit tests, builds the module against each Debian kernel line with W=1 and
# sparse (any warning fails), runs checkpatch, then boots each line's test
# machines: Bochs with VT-x on 2 then 1 CPUs (the lines in parallel) and QEMU TCG
# without VT-x, plus QEMU with KVM where the host has nested VT-x. Prints
# how long each part took and ends with "N passed, N failed".
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
lines="6.1 6.12"
deps=1
while [ $# -gt 0 ]; do
	case "$1" in
	--lines) lines=${2:?}; shift 2 ;;
	--no-deps) deps=0; shift ;;
	*) echo "usage: $0 [--lines \"6.1 6.12\"] [--no-deps]" >&2; exit 2 ;;
	esac
done

out=$top/build/test
rm -rf "$out"
mkdir -p "$out"
results=$out/results.txt
: >"$results"
times=()

# part NAME CMD...: runs one part, timing it; its result lines go to $results.
part() {
	local name=$1 start=$SECONDS
	shift
	echo "== $name"
	"$@" || true
	times+=("$(printf '%-28s %4d s' "$name" $((SECONDS - start)))")
}
result() { echo "$*" | tee -a "$results"; }

deps() { bash scripts/deps.sh >"$out/deps.log" 2>&1 || { result "FAIL setup/deps: see $out/deps.log"; tail -5 "$out/deps.log"; }; }

unit() {
	make -s check >"$out/unit.log" 2>&1
	local rc=$?
	grep -E '^(PASS|FAIL) ' "$out/unit.log" >>"$results"
	grep -E '^FAIL ' "$out/unit.log" || true
	[ $rc -eq 0 ] || grep -q '^FAIL ' "$out/unit.log" ||
		result "FAIL unit/build: $(tail -3 "$out/unit.log" | tr '\n' ' ')"
	echo "$(grep -c '^PASS' "$out/unit.log") unit checks passed"
}

# Each line builds in its own copy: Kbuild writes its objects beside the sources.
build() { # LINE
	local line=$1 dir=$out/$1 kdir
	eval "$(scripts/kernel.sh "$line" 2>"$out/kernel-$line.log")" ||
		{ result "FAIL build-$line/kernel: $(tail -1 "$out/kernel-$line.log")"; return; }
	kdir=$KDIR
	mkdir -p "$dir/src"
	cp -a Makefile Kbuild vm vmx ept ioctl user tests "$dir/src/"
	if ! make -C "$dir/src" -s KDIR="$kdir" W=1 C=1 module >"$dir/build.log" 2>&1; then
		result "FAIL build-$line/module: $(grep -m1 -E 'error' "$dir/build.log")"
		return
	fi
	if grep -E 'warning:|error:' "$dir/build.log"; then
		result "FAIL build-$line/w1-sparse-clean: $(grep -c -E 'warning:|error:' "$dir/build.log") diagnostics"
	else
		result "PASS build-$line/w1-sparse-clean"
	fi
	if make -C "$dir/src" -s KDIR="$kdir" payload PAYLOAD="$dir/payload" >>"$dir/build.log" 2>&1 &&
	   scripts/mkinitramfs.sh --line "$line" --payload "$dir/payload" --out "$dir/initrd.img" >>"$dir/build.log" 2>&1; then
		result "PASS build-$line/initramfs"
	else
		result "FAIL build-$line/initramfs: $(tail -1 "$dir/build.log")"
	fi
}

style() {
	if scripts/checkpatch.sh >"$out/checkpatch.log" 2>&1; then
		result "PASS style/checkpatch-strict: $(tail -1 "$out/checkpatch.log")"
	else
		grep -E 'ERROR|WARNING' "$out/checkpatch.log" | head -20
		result "FAIL style/checkpatch-strict: $(tail -1 "$out/checkpatch.log")"
	fi
}

# boot LABEL MACHINE LINE CPUS SUITE [ARGS]: one test machine, ARGS added
# to its kernel command line; its log is parsed later.
boot() {
	local label=$1 machine=$2 line=$3 cpus=$4 suite=$5 args=${6:-} rc=0
	[ -f "$out/$line/initrd.img" ] || { echo "FAIL $label/boot: no initramfs" >"$out/$label.res"; return; }
	scripts/boot.sh --machine "$machine" --line "$line" --cpus "$cpus" \
		--initrd "$out/$line/initrd.img" --log "$out/$label.log" \
		--timeout 3600 --append "kvmini.suite=$suite${args:+ $args}" >"$out/$label.boot" 2>&1 || rc=$?
	cat "$out/$label.boot"
	if [ $rc -eq 77 ]; then
		echo "SKIP $label/all: $(head -1 "$out/$label.boot")" >"$out/$label.res"
		return
	fi
	scripts/parse-log.sh --no-summary --label "$label" "$out/$label.log" >"$out/$label.res" || true
}

# The hardened lane: the kernel's own use-after-free, redzone and poison
# checks that Debian builds in, on the 1-CPU machines (the 2-CPU ones are
# the long pole of the run already).  A corruption they find is a BUG or
# a "Poison overwritten"/KFENCE report in the log, which parse-log.sh fails.
hardened_args() { # LINE
	local args="slub_debug=FZPU page_poison=1"
	# 6.12 has KFENCE, off until given an interval (ms).
	[ "$1" = 6.1 ] || args="$args kfence.sample_interval=10"
	echo "$args"
}

# bochs_machines: every line's Bochs machines, two at a time (Bochs uses one
# host core whatever its CPU count): the 2-CPU ones first, as they take
# longest, so both cores stay busy until the end.
bochs_machines() {
	local cpus line args
	for cpus in 2 1; do
		for line in $lines; do
			while [ "$(jobs -rp | wc -l)" -ge 2 ]; do
				wait -n || true
			done
			# page_poison=1 everywhere: slotdel (2 CPUs) sees a store
			# into a freed page only through it.
			args=page_poison=1
			[ "$cpus" != 1 ] || args=$(hardened_args "$line")
			boot "bochs-$line-${cpus}cpu" bochs "$line" "$cpus" vmx "$args" &
		done
	done
	wait
}

qemus() {
	local line
	for line in $lines; do
		boot "qemu-tcg-$line" qemu-tcg "$line" 2 novmx
		boot "qemu-kvm-$line" qemu-kvm "$line" 2 vmx
	done
}

collect() {
	cat "$out"/*.res 2>/dev/null | sort -u >>"$results"
	grep -h -E '^FAIL' "$out"/*.res 2>/dev/null || true
}

[ $deps -eq 0 ] || part deps deps
part unit unit
for line in $lines; do part "build $line" build "$line"; done
part checkpatch style
part "bochs" bochs_machines
part "qemu" qemus
collect

echo "== time per part"
printf '%s\n' "${times[@]}"
echo "== results ($results)"
grep -E '^(FAIL|SKIP)' "$results" || true
scripts/parse-log.sh --tally <"$results"
