#!/bin/sh
# t_vcpus.sh [DEV [LABEL]]: the kvmini tool with several vCPUs and with the
# timer's interrupt: prefixed output, each vCPU in its own slice of RAM,
# the ticks guest, a runaway guest stopped by --timeout, SIGINT and SIGKILL
# on 1 and 2 vCPUs (with the time each took), the option errors.
# Without DEV (in the test VM): on /dev/kvmini, then on Debian's /dev/kvm.
# With DEV (e.g. on the build machine): only there, nothing loaded.
#   GUESTS=DIR KVMINI=PATH KTEST_LIB=PATH as for t_guests.sh
#   SKIP_LOOP=REASON skips the runaway-guest checks, saying why
T=vcpus
. "${KTEST_LIB:-/kvmini/tests/vm/lib.sh}"

GUESTS=${GUESTS:-/kvmini/guests}
KVMINI=${KVMINI:-kvmini}
TMP=${TMPDIR:-/tmp}/t_vcpus.$$
# How long a stopped run may take to go away, in seconds.
STOP_BOUND=${STOP_BOUND:-15}
mkdir -p "$TMP" || { fail tmpdir "cannot create $TMP"; finish; }
trap 'rm -rf "$TMP"' EXIT

# has CHECK NAME LINE: the run's stdout has exactly LINE.
has() {
	if grep -qxF "$3" "$TMP/$2.out"; then pass "$LABEL.$1"; else
		fail "$LABEL.$1" "no line '$3' in: $(tr '\n' '|' <"$TMP/$2.out" | cut -c1-300)"
	fi
}

# status CHECK NAME WANT
status() {
	if [ "$RC" -eq "$3" ]; then pass "$LABEL.$1"; else
		fail "$LABEL.$1" "exit status $RC, want $3; stderr: $(tr '\n' '|' <"$TMP/$2.err" | cut -c1-300)"
	fi
}

# err_last CHECK NAME PATTERN: the last line on stderr matches.
err_last() {
	local got
	got=$(tail -n 1 "$TMP/$2.err")
	case "$got" in
	$3) pass "$LABEL.$1" ;;
	*) fail "$LABEL.$1" "stderr ends '$got', want '$3'" ;;
	esac
}

# hello_twice CHECK MODE IMAGE: both vCPUs print, prefixed, and write 42
# at 0x500 of their own slice (16 MiB each with the default memory).
hello_twice() {
	run hello run --device "$DEV" --vcpus 2 --mode "$2" --timeout 60 --regs \
		--peek 0x500 --peek 0x1000500 --stats "$GUESTS/$3"
	status "$1.status" hello 0
	# Exactly these lines from the guests, in either order.
	if [ "$(grep -v -e '^\[.\] reg ' -e '^peek ' -e '^stats: ' "$TMP/hello.out" | sort | tr '\n' '|')" = \
		"[0] Hello, world!|[1] Hello, world!|" ]; then
		pass "$LABEL.$1.prefixed_output"
	else
		fail "$LABEL.$1.prefixed_output" "$(tr '\n' '|' <"$TMP/hello.out" | cut -c1-300)"
	fi
	has "$1.peek_slice0" hello "peek 0x500 = 0x2a"
	has "$1.peek_slice1" hello "peek 0x1000500 = 0x2a"
	has "$1.rax0" hello "[0] reg rax 0x000000000000002a"
	has "$1.rax1" hello "[1] reg rax 0x000000000000002a"
	has "$1.exits_io" hello "stats: exit KVM_EXIT_IO 28"
	has "$1.exits_hlt" hello "stats: exit KVM_EXIT_HLT 2"
}

# stop_loop CHECK VCPUS HOW: loop.bin (in protected mode: its three
# instructions mean the same in 32-bit code, and real mode takes one vCPU
# only) stopped by HOW (timeout, INT or KILL); the status and how long the
# stop took.
stop_loop() {
	local pid start cs
	if [ "$3" = timeout ]; then
		start=$(now_cs)
		run loop run --device "$DEV" --vcpus "$2" --mode protected --timeout 0.3 "$GUESTS/loop.bin"
		cs=$(($(now_cs) - start - 30))
		status "$1.status" loop 3
		if [ "$2" -eq 1 ]; then
			err_last "$1.message" loop "kvmini: guest did not finish within 0.3 s at rip 0x*"
		else
			err_last "$1.message" loop "kvmini: vCPU $(($2 - 1)): guest did not finish within 0.3 s at rip 0x*"
			[ "$(grep -c 'guest did not finish within 0.3 s' "$TMP/loop.err")" -eq "$2" ] &&
				pass "$LABEL.$1.every_vcpu" ||
				fail "$LABEL.$1.every_vcpu" "$(tr '\n' '|' <"$TMP/loop.err")"
		fi
	else
		"$KVMINI" run --device "$DEV" --vcpus "$2" --mode protected "$GUESTS/loop.bin" \
			>"$TMP/loop.out" 2>"$TMP/loop.err" </dev/null &
		pid=$!
		vcpus_up "$pid" "$2" || fail "$1.started" "$(tr '\n' '|' <"$TMP/loop.err")"
		start=$(now_cs)
		kill -"$3" "$pid"
		wait "$pid"
		RC=$?
		cs=$(($(now_cs) - start))
		if [ "$3" = INT ]; then
			status "$1.status" loop 4
			if [ "$2" -eq 1 ]; then
				err_last "$1.message" loop "kvmini: guest stopped by SIGINT at rip 0x*"
			else
				err_last "$1.message" loop "kvmini: vCPU $(($2 - 1)): guest stopped by SIGINT at rip 0x*"
			fi
		else
			status "$1.status" loop 137
		fi
	fi
	echo "$T: $LABEL: loop with $2 vCPU(s) stopped by $3 in $((cs * 10)) ms"
	[ "$cs" -le $((STOP_BOUND * 100)) ] && pass "$LABEL.$1.in_time" ||
		fail "$LABEL.$1.in_time" "took $((cs * 10)) ms to stop, more than ${STOP_BOUND}s"
}

# tool_error CHECK PATTERN ARGS...: status 1, one line.
tool_error() {
	local check=$1 pattern=$2
	shift 2
	run err "$@"
	if [ "$RC" -ne 1 ] || [ "$(wc -l <"$TMP/err.err")" -ne 1 ]; then
		fail "$LABEL.error.$check" "status $RC, stderr: $(tr '\n' '|' <"$TMP/err.err")"
	else
		err_last "error.$check" err "$pattern"
	fi
}

# check_device DEV LABEL: everything on one device.
check_device() {
	DEV=$1 LABEL=$2
	# kvm_pvm (the build machine's KVM) has no 32-bit paging, and only
	# exits for an interrupt window at its next exit (t_guests.sh).
	local pvm=
	[ "$DEV" = /dev/kvm ] && [ -d /sys/module/kvm_pvm ] && pvm=1

	hello_twice hello-long long hello-long.elf
	hello_twice hello-protected protected hello-protected.elf
	if [ -n "$pvm" ]; then
		skip "$LABEL.hello-paged" "kvm_pvm has no 32-bit paging"
	else
		hello_twice hello-paged paged hello-paged.elf
	fi

	# Each vCPU is kept in its slice: walk writes from 8 MiB up and faults
	# at 16 MiB, the end of each slice; a vCPU's words carry the virtual
	# address it wrote them at.  The first vCPU to fault stops the other,
	# maybe before it wrote anything (on one CPU, typically): at least one
	# slice holds its words, and vCPU 0 never wrote past its end into
	# vCPU 1's slice (GPA 16 MiB, its virtual 16 MiB).
	run walk run --device "$DEV" --vcpus 2 --timeout 120 --peek 0x800000 --peek 0x1800000 \
		--peek 0x1000000 "$GUESTS/walk.elf"
	status walk_confined.status walk 2
	err_last walk_confined.message walk "kvmini: vCPU ?: guest triple-faulted (KVM_EXIT_SHUTDOWN) at rip 0x*"
	if grep -qxF "peek 0x800000 = 0xa5a5a5a500800000" "$TMP/walk.out" ||
	   grep -qxF "peek 0x1800000 = 0xa5a5a5a500800000" "$TMP/walk.out"; then
		pass "$LABEL.walk_confined.wrote"
	else
		fail "$LABEL.walk_confined.wrote" "neither slice holds its words: $(grep '^peek' "$TMP/walk.out" | tr '\n' '|')"
	fi
	if grep -qxF "peek 0x1000000 = 0xa5a5a5a501000000" "$TMP/walk.out"; then
		fail "$LABEL.walk_confined.no_cross" "vCPU 0 wrote into vCPU 1's slice"
	else
		pass "$LABEL.walk_confined.no_cross"
	fi
	# With room, both walk their whole 64 MiB.
	run walk run --device "$DEV" --vcpus 2 --mem 160M --timeout 300 "$GUESTS/walk.elf"
	status walk_two.status walk 0
	has walk_two.vcpu0 walk "[0] walk: ok 16384 pages"
	has walk_two.vcpu1 walk "[1] walk: ok 16384 pages"

	# The timer.
	run ticks run --device "$DEV" --timer 100 --timeout 120 --stats "$GUESTS/ticks.elf"
	status ticks.status ticks 0
	has ticks.hlt ticks "ticks: hlt 10 woken 10"
	has ticks.running ticks "ticks: running 3"
	has ticks.vector ticks "ticks: vector 0x20"
	has ticks.ok ticks "ticks: ok 14"
	if [ -n "$pvm" ]; then
		skip "$LABEL.ticks.window_at_once" "kvm_pvm exits for an interrupt window late"
	else
		has ticks.window_at_once ticks "ticks: window at once"
	fi
	# Whether a tick falls in the guest's interrupts-off stretch (timed by
	# its TSC) depends on the host's timer; event_test checks the window
	# handshake itself, deterministically.
	if grep -q '^stats: exit KVM_EXIT_IRQ_WINDOW_OPEN [1-9]' "$TMP/ticks.out"; then
		pass "$LABEL.ticks.window_exit"
	else
		skip "$LABEL.ticks.window_exit" "no tick came while interrupts were off: $(grep '^stats: exit' "$TMP/ticks.out" | tr '\n' '|')"
	fi
	run ticks run --device "$DEV" --vcpus 2 --timer 200,0x41 --timeout 120 "$GUESTS/ticks.elf"
	status ticks2.status ticks 0
	for k in 0 1; do
		has "ticks2.vcpu$k" ticks "[$k] ticks: ok 14"
		has "ticks2.vector$k" ticks "[$k] ticks: vector 0x41"
	done
	# No timer: sti; hlt is still a hang.
	run ticks run --device "$DEV" --timeout 60 "$GUESTS/ticks.elf"
	status ticks_no_timer.status ticks 2
	err_last ticks_no_timer.message ticks "kvmini: guest halted with interrupts enabled (IF=1)*"

	# A runaway guest, stopped (one vCPU by --timeout: t_guests.sh).  A
	# spinning guest is the dearest thing in Bochs, thrice so under
	# kvm_intel: KVM gets the two-vCPU SIGINT, the case with the most to do.
	stops="1:INT 1:KILL 2:timeout 2:INT 2:KILL"
	[ "$DEV" = /dev/kvm ] && stops="2:INT"
	for n_how in $stops; do
		n=${n_how%:*}
		how=${n_how#*:}
		if [ -n "$SKIP_LOOP" ]; then
			skip "$LABEL.loop$n.$how" "$SKIP_LOOP"
		else
			stop_loop "loop$n.$how" "$n" "$how"
		fi
	done

	local hello=$GUESTS/hello-long.elf
	tool_error real_mode "kvmini: real mode cannot keep a vCPU in its slice*" \
		run --device "$DEV" --vcpus 2 "$GUESTS/hello-real.bin"
	tool_error too_many "kvmini: bad --vcpus '9' (1 to 8)" run --vcpus 9 "$hello"
	tool_error zero "kvmini: bad --vcpus '0' (1 to 8)" run --vcpus 0 "$hello"
	tool_error uneven_mem "kvmini: --mem 20480K does not split into 2 slices of whole 4 MiB*" \
		run --vcpus 2 --mem 20M "$hello"
	tool_error timer_hz "kvmini: bad --timer '0'*" run --timer 0 "$hello"
	tool_error timer_vector "kvmini: bad --timer '100,7': the vector must be 32 to 255*" \
		run --timer 100,7 "$hello"
}

if [ -n "$1" ]; then
	[ -c "$1" ] || { fail device "$1 is not a character device"; finish; }
	check_device "$1" "${2:-${1##*/}}"
	finish
fi

kvmini_load || { fail load "insmod failed"; finish; }
check_device /dev/kvmini kvmini
check vms_zero grep -qx 0 "$DBG/vms"
check unload kvmini_unload
if kvm_load; then
	check_device /dev/kvm kvm
	kvm_unload
else
	skip kvm "kvm_intel does not load here"
fi
finish
