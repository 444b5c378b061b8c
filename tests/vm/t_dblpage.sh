#!/bin/sh
# Double paging (issue 11, course question 2a): the pager guest
# (tests/guests/pager.c) pages its own memory to the tool's disk
# (docs/disk.md) while the host pages the guest's RAM: the tool runs in a
# memory cgroup whose memory.max is below the guest's resident frames,
# with zram swap on.  Each guest page-out reads a frame the host has
# likely swapped out already (both pick the page used longest ago), so
# the host swaps it in only for it to be written to the disk.  On
# /dev/kvmini, then on /dev/kvm, in the same boot:
#   LABEL.verdict  the guest checked every page: "pager: ok ..." and status 0
#   LABEL.no_oom   the cgroup's memory.events says oom_kill 0: guest RAM
#                  was swappable (kvmini before issue 11 pins it: it fails here)
#   LABEL.swapped  the host did swap (pswpout went up): the experiment ran
# and one "KTEST INFO dblpage.LABEL ..." line of figures: the guest's
# page-outs and page-ins, the host's swap-ins and swap-outs (/proc/vmstat),
# host swap-ins per guest page-out, the cgroup's peak memory and swap, and
# on kvmini the MMU notifier's counters (mmu_refaults: the guest touching
# a frame the host took away).  docs/docs/memory.md ("Double paging") explains them.
#
# Sets up zram swap and the cgroup itself when they are missing, and
# leaves an existing setup (t_hostswap.sh's) as it found it.
# DBLPAGE_DISK_MB (the guest's virtual memory; its frames are half),
# DBLPAGE_MEM_MAX and DBLPAGE_DEVICES change the run.
T=dblpage
. "${KTEST_LIB:-/kvmini/tests/vm/lib.sh}"

GUESTS=${GUESTS:-/kvmini/guests}
KVMINI=${KVMINI:-kvmini}
DISK_MB=${DBLPAGE_DISK_MB:-16}		# 4096 pages in 2048 frames: 8 MiB resident
MEM_MAX=${DBLPAGE_MEM_MAX:-6M}		# the frames, the tool and its tables do not fit
DEVICES=${DBLPAGE_DEVICES:-"/dev/kvmini /dev/kvm"}
ZRAM_SIZE=64M
# Emulated seconds: only there to end a hang.
GUEST_TIMEOUT=900
TMP=${TMPDIR:-/tmp}/t_dblpage.$$
CG=

mkdir -p "$TMP" || { fail tmpdir "cannot create $TMP"; finish; }

# --- zram swap, unless some is on already -----------------------------------

# swap_on: sets ZRAM_MINE to the device it set up, or says why not in SWAP_WHY.
ZRAM_MINE='' SWAP_WHY=''
swap_on() {
	local dev n
	if grep -q '^/dev/zram' /proc/swaps; then
		echo "KTEST INFO $T: zram swap already on: $(grep '^/dev/zram' /proc/swaps | tr -s ' \t' ' ')"
		return 0
	fi
	if [ ! -d /sys/class/zram-control ] && ! modprobe zram 2>"$TMP/modprobe.err"; then
		SWAP_WHY="modprobe zram: $(cat "$TMP/modprobe.err")"
		return 1
	fi
	# A device nobody sized yet, else a new one.
	dev=
	for n in /sys/block/zram*; do
		[ -e "$n/disksize" ] && [ "$(cat "$n/disksize")" = 0 ] && { dev=${n##*/}; break; }
	done
	[ -n "$dev" ] || dev=zram$(cat /sys/class/zram-control/hot_add 2>/dev/null) ||
		{ SWAP_WHY="no free zram device"; return 1; }
	echo "$ZRAM_SIZE" >"/sys/block/$dev/disksize" ||
		{ SWAP_WHY="$dev: cannot set its size"; return 1; }
	if ! mkswap "/dev/$dev" >/dev/null 2>&1 || ! swapon "/dev/$dev"; then
		SWAP_WHY="mkswap or swapon /dev/$dev failed"
		echo 1 >"/sys/block/$dev/reset"
		return 1
	fi
	ZRAM_MINE=$dev
}

swap_off() {
	[ -n "$ZRAM_MINE" ] || return 0
	swapoff "/dev/$ZRAM_MINE" && echo 1 >"/sys/block/$ZRAM_MINE/reset"
}

# --- the cgroup (v2) --------------------------------------------------------

CG_ROOT=
cgroup_root() {
	CG_ROOT=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
	if [ -z "$CG_ROOT" ]; then
		CG_ROOT=/sys/fs/cgroup
		mkdir -p "$CG_ROOT" && mount -t cgroup2 none "$CG_ROOT" || return 1
	fi
	grep -qw memory "$CG_ROOT/cgroup.subtree_control" ||
		echo +memory >"$CG_ROOT/cgroup.subtree_control"
}

# cgroup_new LABEL: a fresh cgroup for one run, in CG.
cgroup_new() {
	CG=$CG_ROOT/kvmini-dblpage-$1
	[ -d "$CG" ] && rmdir "$CG"
	mkdir "$CG" && echo "$MEM_MAX" >"$CG/memory.max" || return 1
	# Swap is what the experiment is about: no limit on it.
	[ ! -e "$CG/memory.swap.max" ] || echo max >"$CG/memory.swap.max"
}

# --- one run ----------------------------------------------------------------

vmstat() { awk -v k="$1" '$1 == k { print $2 }' /proc/vmstat; }
# field FILE KEY: the value of "KEY VALUE" in FILE, or "n/a".
field() { awk -v k="$2" '$1 == k { v = $2 } END { print (v == "" ? "n/a" : v) }' "$1" 2>/dev/null; }
# peak OLD FILE: the larger of OLD and FILE's number.
peak() {
	local now
	now=$(cat "$2" 2>/dev/null) || now=0
	[ "$now" -gt "$1" ] 2>/dev/null && echo "$now" || echo "$1"
}

# run_pager DEV LABEL
run_pager() {
	local dev="$1" label="$2" pid rc in0 out0 in1 out1 mem_peak=0 swap_peak=0 last ok oom
	local pageouts pageins hin hout ratio refaults mmu k v
	if ! cgroup_new "$label"; then
		fail "$label.cgroup" "cannot make $CG with memory.max $MEM_MAX"
		return
	fi
	# Written out in full by this shell, outside the cgroup: the file's
	# pages are charged here, not to the tool, and never compete with the
	# guest's RAM for memory.max.
	dd if=/dev/zero of="$TMP/disk.img" bs=1M count="$DISK_MB" 2>/dev/null ||
		{ fail "$label.disk" "cannot write a $DISK_MB MiB disk in $TMP"; return; }
	in0=$(vmstat pswpin) out0=$(vmstat pswpout)
	# shellcheck disable=SC2016 # $$ and the arguments are the inner shell's
	sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$CG" \
		"$KVMINI" run --device "$dev" --disk "$TMP/disk.img" --stats \
		--timeout "$GUEST_TIMEOUT" "$GUESTS/pager.elf" \
		>"$TMP/$label.out" 2>"$TMP/$label.err" </dev/null &
	pid=$!
	# The cgroup's figures go with it, and 6.1 has no memory.swap.peak: sample them meanwhile.
	while kill -0 "$pid" 2>/dev/null; do
		mem_peak=$(peak "$mem_peak" "$CG/memory.current")
		swap_peak=$(peak "$swap_peak" "$CG/memory.swap.current")
		sleep 0.5
	done
	wait "$pid"
	rc=$?
	in1=$(vmstat pswpin) out1=$(vmstat pswpout)
	# Kernels that keep them say better than a sample every second.
	[ ! -e "$CG/memory.peak" ] || mem_peak=$(cat "$CG/memory.peak")
	[ ! -e "$CG/memory.swap.peak" ] || swap_peak=$(cat "$CG/memory.swap.peak")

	last=$(grep '^pager: ' "$TMP/$label.out" | tail -n 1)
	ok=$(echo "$last" | sed -n 's/^pager: ok pageouts=\([0-9]*\) pageins=\([0-9]*\)$/\1 \2/p')
	if [ "$rc" -eq 0 ] && [ -n "$ok" ]; then
		pass "$label.verdict"
	else
		fail "$label.verdict" "status $rc, last line '$last'; stderr: $(tr '\n' '|' <"$TMP/$label.err" | cut -c1-300)"
	fi
	oom=$(field "$CG/memory.events" oom_kill)
	if [ "$oom" = 0 ]; then
		pass "$label.no_oom"
	else
		fail "$label.no_oom" "memory.events oom_kill $oom (status $rc): guest RAM not swappable?"
	fi
	hin=$((in1 - in0)) hout=$((out1 - out0))
	if [ "$hout" -gt 0 ]; then
		pass "$label.swapped"
	else
		fail "$label.swapped" "pswpout +0 with memory.max $MEM_MAX: the host never paged the guest"
	fi

	# shellcheck disable=SC2086 # two numbers, split on purpose
	set -- $ok
	pageouts=${1:-n/a} pageins=${2:-n/a}
	ratio=n/a
	[ -n "$ok" ] && [ "$pageouts" -gt 0 ] &&
		ratio=$(awk -v a="$hin" -v b="$pageouts" 'BEGIN { printf "%.2f", a / b }')
	mmu=
	for k in mmu_invalidations mmu_zapped_4k mmu_zapped_2m mmu_fault_retries mmu_refaults; do
		v=$(sed -n "s/^stats: vm $k \([0-9]*\)$/\1/p" "$TMP/$label.out")
		[ -z "$v" ] || mmu="$mmu $k=$v"
	done
	refaults=$(sed -n 's/^stats: vm mmu_refaults \([0-9]*\)$/\1/p' "$TMP/$label.out")
	[ -z "$refaults" ] || [ -z "$ok" ] || [ "$pageouts" -eq 0 ] ||
		mmu="$mmu refaults_per_pageout=$(awk -v a="$refaults" -v b="$pageouts" 'BEGIN { printf "%.2f", a / b }')"
	echo "KTEST INFO $T.$label guest_pageouts=$pageouts guest_pageins=$pageins" \
		"host_pswpin=$hin host_pswpout=$hout host_swapins_per_guest_pageout=$ratio" \
		"cg_memory_max=$MEM_MAX cg_memory_peak=$mem_peak cg_swap_peak=$swap_peak" \
		"cg_pgmajfault=$(field "$CG/memory.stat" pgmajfault)" \
		"cg_workingset_refault_anon=$(field "$CG/memory.stat" workingset_refault_anon)$mmu"
	grep '^pager: ' "$TMP/$label.out" | sed "s/^/KTEST INFO $T.$label guest: /"
	rmdir "$CG" 2>/dev/null
	rm -f "$TMP/disk.img"
}

cleanup() {
	[ -z "$CG" ] || rmdir "$CG" 2>/dev/null
	swap_off
	rm -rf "$TMP"
}
trap cleanup EXIT

swap_on || { fail swap "no zram swap: $SWAP_WHY"; finish; }
cgroup_root || { fail cgroup "no cgroup v2 with the memory controller"; finish; }

for dev in $DEVICES; do
	label=${dev##*/}
	case "$dev" in
	/dev/kvmini)
		kvmini_load || { fail kvmini.load "insmod failed"; continue; }
		run_pager "$dev" kvmini
		check kvmini.unload kvmini_unload
		;;
	/dev/kvm)
		if [ -e /kvmini ] && ! kvm_load; then
			skip kvm "kvm_intel does not load here"
			continue
		fi
		run_pager "$dev" kvm
		[ ! -e /kvmini ] || kvm_unload
		;;
	*)
		run_pager "$dev" "$label"
		;;
	esac
done
finish
