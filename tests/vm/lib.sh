# Helpers shared by the in-VM test scripts (busybox sh).  Each script sets
# T to its name and reports one "KTEST PASS|FAIL|SKIP T.check" line per
# check; finish() exits non-zero when any check failed.

KVMINI_KO=/kvmini/kvmini.ko
KMOD_DIR=/kmod
DBG=/sys/kernel/debug/kvmini
FAILED=0

pass() { echo "KTEST PASS $T.$1"; }
fail() { echo "KTEST FAIL $T.$1: $2"; FAILED=1; }
skip() { echo "KTEST SKIP $T.$1: $2"; }
finish() { exit "$FAILED"; }

# check NAME CMD...: pass when CMD (a command or a function of this file) succeeds.
check() {
	local name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name" "failed: $*"; fi
}

# check_not NAME CMD...: pass when CMD fails.
check_not() {
	local name=$1
	shift
	if "$@"; then fail "$name" "succeeded: $*"; else pass "$name"; fi
}

loaded() { grep -q "^$1 " /proc/modules; }
kvmini_load() { loaded kvmini || insmod "$KVMINI_KO" "$@"; }
kvmini_unload() { ! loaded kvmini || rmmod kvmini; }

# kvmini's memory counters (debugfs) on one line: taken before a test
# program runs on /dev/kvmini, for kvmini_leftovers after it.
kvmini_memory() { tr '\n' ' ' <"$DBG/memory"; }

# kvmini_leftovers BEFORE CHECK...: what a test program on /dev/kvmini must
# leave behind, the checks named, in that order:
#   memory_back    the memory counters are BEFORE (kvmini_memory) again
#   debugfs_clean  only the module's own files are left in $DBG: every VM
#                  directory went with its VM
#   vms_zero       no VM is left
#   unload         the module unloads
kvmini_leftovers() {
	local before=$1 name after left
	shift
	for name; do
		case "$name" in
		memory_back)
			after=$(kvmini_memory)
			[ "$before" = "$after" ] && pass memory_back ||
				fail memory_back "before: $before after: $after"
			;;
		debugfs_clean)
			left=$(ls "$DBG" | grep -v -x -e vmx -e vms -e memory -e caps | tr '\n' ' ')
			[ -z "$left" ] && pass debugfs_clean || fail debugfs_clean "left in $DBG: $left"
			;;
		vms_zero) check vms_zero grep -qx 0 "$DBG/vms" ;;
		unload) check unload kvmini_unload ;;
		*) fail "$name" "kvmini_leftovers: no such check" ;;
		esac
	done
}

online_cpus() { grep -c '^processor' /proc/cpuinfo; }

# vmx_all VMXE KVMINI: every online CPU shows CR4.VMXE=VMXE and
# kvmini ownership KVMINI in debugfs (read on each CPU by the module).
vmx_all() {
	local lines good
	lines=$(grep -c "^cpu" "$DBG/vmx")
	good=$(grep -c "^cpu[0-9]* vmxe $1 kvmini $2\$" "$DBG/vmx")
	[ "$lines" -eq "$(online_cpus)" ] && [ "$good" -eq "$lines" ]
}

# cpu_vmx N VMXE KVMINI: what one CPU shows.
cpu_vmx() { grep -q "^cpu$1 vmxe $2 kvmini $3\$" "$DBG/vmx"; }

# hold_vm DEV: start a process holding a VM on DEV; sets HOLD_PID.
# Fails (with the errno name in HOLD_ERR) when the VM cannot be created.
# Its variables are local: the callers loop with their own.
hold_vm() {
	local out polls=0
	out=/tmp/hold.$$.$RANDOM
	: >"$out"
	vmctl hold "$1" >"$out" 2>&1 &
	HOLD_PID=$!
	while [ $polls -lt 600 ]; do
		if grep -q '^held' "$out"; then rm -f "$out"; return 0; fi
		if ! kill -0 "$HOLD_PID" 2>/dev/null; then
			HOLD_ERR=$(sed -n 's/.*: \(E[A-Z]*\)$/\1/p' "$out")
			wait "$HOLD_PID" 2>/dev/null
			rm -f "$out"
			return 1
		fi
		sleep 0.1
		polls=$((polls + 1))
	done
	HOLD_ERR=timeout
	return 1
}

# vcpus_up PID N: waits until process PID has made vCPU N-1 of its VM (the
# vcpuN entry that kvmini and KVM both put in debugfs), then a moment for
# its KVM_RUN: a signal sent then finds the guest running.  A spinning
# guest costs Bochs about a minute of wall time per guest second, so the
# tests spin no longer than this.  Fails when PID exits or after 30 s.
vcpus_up() {
	local polls=0
	# Without debugfs (a host's /dev/kvm): a second is plenty there.
	if ! ls -d /sys/kernel/debug/kvm* >/dev/null 2>&1; then
		sleep 1
		return 0
	fi
	while [ $polls -lt 300 ]; do
		if ls -d /sys/kernel/debug/kvm*/"$1"-*/vcpu$(($2 - 1)) >/dev/null 2>&1; then
			sleep 0.1
			return 0
		fi
		kill -0 "$1" 2>/dev/null || return 1
		sleep 0.1
		polls=$((polls + 1))
	done
	return 1
}

# Centiseconds since boot (emulated time in Bochs), without leading zeros,
# which sh would read as octal.
now_cs() {
	local up
	read -r up _ </proc/uptime
	echo "${up%.*}${up#*.}" | sed 's/^0*\([0-9]\)/\1/'
}

release_vm() {
	kill -TERM "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# create_errno DEV: prints "OK" or the errno name of a failed KVM_CREATE_VM.
create_errno() {
	local out
	out=$(vmctl create "$1" 2>&1) && { echo OK; return; }
	echo "$out" | sed -n 's/.*: \(E[A-Z]*\)$/\1/p'
}

# create_ok DEV: KVM_CREATE_VM on DEV works.
create_ok() { [ "$(create_errno "$1")" = OK ]; }

# Lines the kernel logged since mark_dmesg.
mark_dmesg() { DMESG_MARK=$(dmesg | wc -l); }
new_dmesg() { dmesg | tail -n +"$((DMESG_MARK + 1))"; }
# new_dmesg_has PATTERN
new_dmesg_has() { new_dmesg | grep -q "$1"; }

# kvm_load [PARAMS for kvm.ko]: Debian's kvm + kvm_intel, from the image.
kvm_load() {
	loaded irqbypass || insmod "$KMOD_DIR/irqbypass.ko" || return 1
	loaded kvm || insmod "$KMOD_DIR/kvm.ko" "$@" || return 1
	loaded kvm_intel || insmod "$KMOD_DIR/kvm-intel.ko"
}
kvm_unload() {
	! loaded kvm_intel || rmmod kvm_intel || return 1
	! loaded kvm || rmmod kvm
}

# run NAME ARGS...: the kvmini tool ($KVMINI) with ARGS, its stdout and
# stderr in $TMP/NAME.out and .err, its exit status in RC.
run() {
	local name=$1
	shift
	"$KVMINI" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" </dev/null
	RC=$?
}

# --- memory cgroups and swap (docs/memory.md) ---------------------------
CGROUP=/sys/fs/cgroup

# memcg_setup: cgroup v2 at $CGROUP with the memory controller on for its
# children.  The test machine's /init mounts no cgroups: done here.
memcg_setup() {
	grep -q "^[^ ]* $CGROUP cgroup2 " /proc/mounts ||
		mount -t cgroup2 cgroup2 "$CGROUP" || return 1
	memcg_usable || echo +memory >"$CGROUP/cgroup.subtree_control"
}

# memcg_usable: children of $CGROUP can have a memory.max, as they are
# (a host with cgroup v1's memory controller cannot).
memcg_usable() {
	[ -f "$CGROUP/cgroup.subtree_control" ] &&
		grep -qw memory "$CGROUP/cgroup.subtree_control"
}

# memcg_new NAME [MAX]: a fresh child cgroup (its events and statistics
# from zero), with memory.max MAX when given; prints its path.
memcg_new() {
	local cg=$CGROUP/$1
	if [ -d "$cg" ]; then rmdir "$cg" || return 1; fi
	mkdir "$cg" || return 1
	if [ -n "${2:-}" ]; then echo "$2" >"$cg/memory.max" || return 1; fi
	echo "$cg"
}

# memcg_exec CG CMD...: CMD inside cgroup CG, and nothing else of the test:
# a new shell (its own $$) moves itself in, then becomes CMD.
memcg_exec() {
	local cg=$1
	shift
	# shellcheck disable=SC2016 # $$ and $0 belong to the inner shell
	sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$cg" "$@"
}

# memcg_key CG FILE KEY: KEY's value in one of CG's "key value" files.
memcg_key() { sed -n "s/^$3 //p" "$1/$2"; }

# vmstat_get NAME: a counter of /proc/vmstat (pswpin, pswpout: pages).
vmstat_get() { sed -n "s/^$1 //p" /proc/vmstat; }

# VM-level counters of issue 11 from `kvmini run --stats` output FILE, on
# one line ("" when the device has none of them, as /dev/kvm has not).
MMU_COUNTERS='mmu_invalidations|mmu_zapped_4k|mmu_zapped_2m|mmu_fault_retries|mmu_refaults'
mmu_counters() {
	grep -E "^stats: vm ($MMU_COUNTERS) " "$1" | sed 's/^stats: vm //' | tr '\n' ' ' |
		sed 's/ $//'
}

# poison_check CHECK: no store into a freed page since mark_dmesg.  The
# kernel's page poisoning (page_poison=1: freed pages filled with a
# pattern, checked when they are allocated again) shows a guest store
# into a page the module let go as "pagealloc: memory corruption";
# without page_poison=1 on the command line CHECK is skipped.
poison_check() {
	if ! grep -qw page_poison=1 /proc/cmdline; then
		skip "$1" "no page_poison=1 on the kernel command line"
	elif new_dmesg_has "pagealloc: memory corruption"; then
		fail "$1" "a freed page was written: $(new_dmesg | grep -m1 -A2 'memory corruption' | tr '\n' '|')"
	else
		pass "$1"
	fi
}
