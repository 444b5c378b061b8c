#!/bin/sh
# t_swap.sh [DEV [LABEL]]: the swap experiment of docs/memory.md (issue
# 11: the host swaps the guest).  zram is the swap; the kvmini tool runs
# in a memory cgroup whose memory.max is well below the guest's RAM; the
# fill guest writes FILL MiB and reads it all back.  A device that follows
# the VMM's memory with MMU notifiers lets the host page the guest out to
# zram and back in, and the guest finds every word intact.  One that pins
# guest pages leaves reclaim nothing to take: the VMM is OOM-killed, or
# its EPT fault fails.  Fails on an OOM kill, on a guest that does not end
# with "fill: ok", and when nothing was swapped out or in (the experiment
# would then have tested nothing).  The figures come out as "swap: LABEL:"
# lines: /proc/vmstat's pswpout and pswpin deltas, the cgroup's peaks,
# memory.events and memory.stat, zram's own, and the device's mmu_*
# counters when it has them (kvmini after issue 11; not /dev/kvm).
#   kvmini.swapfill=MIB  guest memory filled (default 64; make swap-experiment: 192)
#   kvmini.swapmax=MIB   the cgroup's memory.max (default 32; swap-experiment: 64)
# Without arguments: on /dev/kvmini, then /dev/kvm, loading each.  With
# DEV: on DEV only, whose modules the caller loaded.
T=swap
. "${KTEST_LIB:-/kvmini/tests/vm/lib.sh}"

GUESTS=${GUESTS:-/kvmini/guests}
KVMINI=${KVMINI:-kvmini}
ZRAM=/sys/block/zram0
FILL=64
MAX=32
set -f
# shellcheck disable=SC2013 # words, not lines
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	kvmini.swapfill=*) FILL=${arg#kvmini.swapfill=} ;;
	kvmini.swapmax=*) MAX=${arg#kvmini.swapmax=} ;;
	esac
done
set +f
# The tool's own limit, in the machine's seconds (emulated ones in Bochs),
# with room for a slow machine; the script gives it a minute more.
TIMEOUT=$((FILL * 2 + 60))
# Their cumulative counters survive the VMM; its usage does not.
STAT_KEYS='pgfault|pgmajfault|pgscan|pgsteal|workingset_refault_anon|workingset_restore_anon|swapcached|zswpout|zswpin|thp_swpout|thp_swpout_fallback'
TMP=${TMPDIR:-/tmp}/t_swap.$$
mkdir -p "$TMP" || { fail tmpdir "cannot create $TMP"; finish; }
trap 'rm -rf "$TMP"' EXIT

# zram_on MIB: a zram device of MIB (uncompressed) as the only swap.
zram_on() {
	loaded zram || modprobe zram num_devices=1 || return 1
	[ -e "$ZRAM/disksize" ] || return 1
	echo "${1}M" >"$ZRAM/disksize" || return 1
	mkswap /dev/zram0 >/dev/null || return 1
	swapon /dev/zram0
}

zram_off() {
	swapoff /dev/zram0 2>/dev/null
	[ ! -e "$ZRAM/reset" ] || echo 1 >"$ZRAM/reset"
	! loaded zram || rmmod zram
	! loaded zsmalloc || rmmod zsmalloc
}

# A cgroup file's number, 0 when the kernel has no such file.
num() {
	local v=0
	[ ! -r "$1" ] || read -r v <"$1"
	echo "${v:-0}"
}

# fill_run DEV LABEL: the fill guest on DEV in a fresh cgroup; checks and
# figures under LABEL.
fill_run() {
	local dev=$1 label=$2 cg out err pid in0 out0 start cs cur swp
	local peak=0 speak=0 zpeak='' ticks=0 rc oom pin pout guest last want v counters
	out=$TMP/$label.out
	err=$TMP/$label.err
	cg=$(memcg_new "kvmini-swap-$label" "${MAX}M") ||
		{ fail "$label.cgroup" "cannot make a memory cgroup under $CGROUP"; return; }
	in0=$(vmstat_get pswpin)
	out0=$(vmstat_get pswpout)
	start=$(now_cs)
	memcg_exec "$cg" "$KVMINI" run --device "$dev" --mem "$((FILL + 3))M" \
		--timeout "$TIMEOUT" --stats "$GUESTS/fill.elf" >"$out" 2>"$err" </dev/null &
	pid=$!
	# Sampled while it runs: the usage leaves with the VMM.
	while kill -0 "$pid" 2>/dev/null; do
		cur=$(num "$cg/memory.current")
		swp=$(num "$cg/memory.swap.current")
		[ "$cur" -le "$peak" ] || peak=$cur
		if [ "$swp" -gt "$speak" ]; then
			speak=$swp
			zpeak=$(cat "$ZRAM/mm_stat")
		fi
		if [ "$ticks" -ge $(((TIMEOUT + 60) * 2)) ]; then
			echo 1 >"$cg/cgroup.kill"
			fail "$label.finished" "the VMM still ran $((TIMEOUT + 60)) s after it started: killed"
			break
		fi
		sleep 0.5
		ticks=$((ticks + 1))
	done
	wait "$pid"
	rc=$?
	cs=$(($(now_cs) - start))
	pin=$(($(vmstat_get pswpin) - in0))
	pout=$(($(vmstat_get pswpout) - out0))
	oom=$(memcg_key "$cg" memory.events oom_kill)
	guest=$(grep -v '^stats: ' "$out")
	last=$(echo "$guest" | tail -n 1)
	counters=$(mmu_counters "$out")

	echo "swap: $label: fill $FILL MiB under memory.max $MAX MiB: status $rc after $((cs / 100)).$((cs / 10 % 10))s of machine time; last line '$last'"
	echo "swap: $label: /proc/vmstat: pswpout +$pout pswpin +$pin (pages)"
	echo "swap: $label: cgroup peaks (sampled every 0.5 s): memory.current $((peak / 1024)) KiB, memory.swap.current $((speak / 1024)) KiB; memory.peak $(($(num "$cg/memory.peak") / 1024)) KiB (0: not in this kernel)"
	echo "swap: $label: memory.events: $(tr '\n' ' ' <"$cg/memory.events")"
	echo "swap: $label: memory.stat: $(grep -E "^($STAT_KEYS) " "$cg/memory.stat" | tr '\n' ' ')"
	echo "swap: $label: zram mm_stat at the swap peak: ${zpeak:-(none sampled)}"
	echo "swap: $label: counters: ${counters:-(no mmu_* counters on this device)}"

	if [ "${oom:-0}" -eq 0 ]; then pass "$label.no_oom_kill"; else
		fail "$label.no_oom_kill" "the VMM was OOM-killed (memory.events oom_kill $oom): reclaim could not take the guest's memory (pinned?)"
	fi
	want="fill: ok $((FILL * 256)) pages"
	if [ "$rc" -eq 0 ] && [ "$last" = "$want" ]; then pass "$label.fill_ok"; else
		fail "$label.fill_ok" "status $rc, last line '$last' (want '$want'); $(echo "$guest" | grep 'FAIL' | head -2 | tr '\n' '|') stderr: $(tr '\n' '|' <"$err" | cut -c1-300)"
	fi
	if [ "$pout" -gt 0 ]; then pass "$label.swapped_out"; else
		fail "$label.swapped_out" "pswpout did not move: nothing was swapped out, so this tested nothing"
	fi
	if [ "$pin" -gt 0 ]; then pass "$label.swapped_in"; else
		fail "$label.swapped_in" "pswpin did not move: nothing the guest read back came from swap"
	fi
	v=$(sed -n 's/^stats: vm mmu_invalidations //p' "$out")
	if [ -z "$v" ]; then
		skip "$label.invalidations" "no mmu_invalidations counter from this device or run"
	elif [ "$v" -gt 0 ]; then
		pass "$label.invalidations"
	else
		fail "$label.invalidations" "mmu_invalidations 0 after $pout pages were swapped out"
	fi
	rmdir "$cg" 2>/dev/null
}

memcg_setup || { fail cgroup "cannot mount cgroup v2 with the memory controller"; finish; }
if ! zram_on $((FILL + 32)); then
	fail zram "cannot set up zram swap (is zram.ko in the image? /kmod has: $(echo /kmod/*))"
	zram_off
	finish
fi
echo "swap: zram0 $((FILL + 32)) MiB as swap, $(sed 's/.*\[\([^]]*\)\].*/\1/' "$ZRAM/comp_algorithm"); mm_stat is orig_data_size compr_data_size mem_used_total mem_limit mem_used_max same_pages pages_compacted huge_pages ..."

if [ $# -ge 1 ]; then
	fill_run "$1" "${2:-${1##*/}}"
else
	if kvmini_load; then
		before=$(kvmini_memory)
		fill_run /dev/kvmini kvmini
		kvmini_leftovers "$before" memory_back debugfs_clean vms_zero unload
	else
		fail load "insmod failed"
	fi
	if kvm_load; then
		fill_run /dev/kvm kvm
		kvm_unload
	else
		skip kvm "kvm_intel does not load here"
	fi
fi
zram_off
finish
