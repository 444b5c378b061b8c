#!/bin/sh
# t_guests.sh [DEV [LABEL]]: every guest of tests/guests run by the kvmini
# tool on DEV (default /dev/kvmini), against the expectations below, then
# the tool's own error cases.  The same expectations hold on /dev/kvm.
# The caller loads and unloads modules; this script never does.
#
# Outside the test VM, point it at a build tree (`make guests-check` does):
#   GUESTS=DIR (images; default /kvmini/guests)  KVMINI=PATH (the tool;
#   default kvmini on PATH)  KTEST_LIB=PATH (tests/vm/lib.sh)
#   GUEST_TIMEOUT=SEC (limit per guest when the table sets none; default 60)
#   SKIP_LOOP=REASON skips the runaway-loop guest, saying why
T=guests
. "${KTEST_LIB:-/kvmini/tests/vm/lib.sh}"

DEV=${1:-/dev/kvmini}
LABEL=${2:-${DEV##*/}}
GUESTS=${GUESTS:-/kvmini/guests}
KVMINI=${KVMINI:-kvmini}
GUEST_TIMEOUT=${GUEST_TIMEOUT:-60}
TMP=${TMPDIR:-/tmp}/t_guests.$$
mkdir -p "$TMP" || { fail "$LABEL.tmpdir" "cannot create $TMP"; finish; }
trap 'rm -rf "$TMP"' EXIT

# One guest per line: image, mode, expected exit status, options (comma
# separated, "-" for none), and the line the run must end with: the last
# line of the guest's output for status 0, else the tool's last line on
# stderr (a shell pattern).  Status: 0 halted, 2 guest failed, 3 timeout.
EXPECT='
hello-real.bin      real       0 -                   Hello, world!
hello-protected.elf protected  0 -                   Hello, world!
hello-paged.elf     paged      0 -                   Hello, world!
hello-long.elf      long       0 -                   Hello, world!
uart.bin            real       0 -                   uart: ok
pio.elf             protected  0 -                   pio: ok
cpuid.elf           protected  0 -                   cpuid: ok
mmio.elf            long       0 -                   mmio: ok
emul.elf            long       0 -                   emul: ok
msr.elf             long       0 -                   msr: ok
walk.elf            long       0 --mem=80M,--timeout=300 walk: ok 16384 pages
fill.elf            long       0 --mem=5M,--timeout=300 fill: ok 512 pages
clobber-sse.elf     long       0 --timeout=600       clobber: ok
clobber.elf         long       0 --timeout=600       clobber: ok
triple.elf          long       2 -                   kvmini: guest triple-faulted (KVM_EXIT_SHUTDOWN) at rip 0x*
loop.bin            real       3 --timeout=0.2       kvmini: guest did not finish within 0.2 s at rip 0x*
sti-hlt.bin         real       2 -                   kvmini: guest halted with interrupts enabled (IF=1)*
ticks.elf           long       0 --timer=100         ticks: ok 14
'

# kvm_pvm is a KVM without VMX or SVM: it has no 32-bit paging, emulates
# every x87/AVX instruction (and fails on most) and takes any IA32_PAT
# value.  Real KVM and kvmini get none of these allowances.
PVM=
[ "$DEV" = /dev/kvm ] && [ -d /sys/module/kvm_pvm ] && PVM=1

# The guest's own last line: what the tool adds with --regs/--peek/--stats left out.
guest_last() { grep -v -e '^reg ' -e '^peek ' -e '^stats: ' "$1" | tail -n 1; }

# has NAME CHECK LINE: the run's stdout has exactly LINE.
has() {
	if grep -qxF "$3" "$TMP/$1.out"; then pass "$LABEL.$2"; else
		fail "$LABEL.$2" "no line '$3' in: $(tr '\n' '|' <"$TMP/$1.out" | cut -c1-300)"
	fi
}

# expect_status NAME CHECK WANT
expect_status() {
	if [ "$RC" -eq "$3" ]; then pass "$LABEL.$2"; else
		fail "$LABEL.$2" "exit status $RC, want $3; stderr: $(tr '\n' '|' <"$TMP/$1.err" | cut -c1-300)"
	fi
}

# expect_err NAME CHECK PATTERN: the tool's last line on stderr matches.
expect_err() {
	got=$(tail -n 1 "$TMP/$1.err")
	case "$got" in
	$3) pass "$LABEL.$2" ;;
	*) fail "$LABEL.$2" "stderr ends '$got', want '$3'" ;;
	esac
}

[ -c "$DEV" ] || { fail "$LABEL.device" "$DEV is not a character device"; finish; }
[ -d "$GUESTS" ] || { fail "$LABEL.guests" "no guest images in $GUESTS"; finish; }

# --- every guest, by the table -------------------------------------------
while read -r image mode status opts want; do
	[ -n "$image" ] || continue
	g=${image%.*}
	if [ ! -f "$GUESTS/$image" ]; then
		fail "$LABEL.$g.image" "$GUESTS/$image is missing"
		continue
	fi
	# Spinning is slow in Bochs: the loop runs once, timed, below.
	[ "$g" = loop ] && continue
	if [ "$g" = clobber ] && [ -n "$PVM" ]; then
		skip "$LABEL.$g" "kvm_pvm cannot run AVX instructions (clobber-sse covers the rest)"
		continue
	fi
	if [ "$mode" = paged ] && [ -n "$PVM" ]; then
		skip "$LABEL.$g" "kvm_pvm has no 32-bit paging"
		continue
	fi
	args="run --device $DEV --mode $mode"
	[ "$opts" = - ] || args="$args $(echo "$opts" | tr ',' ' ')"
	case "$opts" in *--timeout=*) ;; *) args="$args --timeout $GUEST_TIMEOUT" ;; esac
	start=$(date +%s)
	# shellcheck disable=SC2086 # args is a list of words
	run "$g" $args "$GUESTS/$image"
	secs=$(($(date +%s) - start))
	expect_status "$g" "$g.status" "$status"
	if [ "$status" -eq 0 ]; then
		got=$(guest_last "$TMP/$g.out")
		if [ "$g" = msr ] && [ -n "$PVM" ]; then
			# Allowed there: the two lines about the invalid PAT value, only.
			others=$(grep '^msr: FAIL' "$TMP/$g.out" | grep -v 'IA32_PAT memory type 2')
			[ -z "$others" ] && grep -q '^msr: FAIL IA32_PAT memory type 2' "$TMP/$g.out" && got="msr: ok"
			skip "$LABEL.$g.pat_refused" "kvm_pvm takes invalid IA32_PAT values"
		fi
		if [ "$got" = "$want" ]; then pass "$LABEL.$g.output"; else
			fail "$LABEL.$g.output" "last line '$got', want '$want' (took ${secs}s)"
		fi
		# Only notes on stderr (mmio's unbacked access), never errors.
		if grep -v '^kvmini: note: ' "$TMP/$g.err" | grep -q .; then
			fail "$LABEL.$g.stderr" "$(tr '\n' '|' <"$TMP/$g.err" | cut -c1-300)"
		else
			pass "$LABEL.$g.stderr"
		fi
	else
		expect_err "$g" "$g.output" "$want"
	fi
	echo "$g: ${secs}s"
done <<EOF
$EXPECT
EOF

# --- the details a last line does not show --------------------------------
for m in real protected paged long; do
	case $m in real) img=hello-real.bin ;; long) img=hello-long.elf ;; *) img=hello-$m.elf ;; esac
	if [ "$m" = paged ] && [ -n "$PVM" ]; then
		skip "$LABEL.hello-$m.details" "kvm_pvm has no 32-bit paging"
		continue
	fi
	run hello "run" --device "$DEV" --mode "$m" --timeout "$GUEST_TIMEOUT" "$GUESTS/$img"
	if [ "$RC" -eq 0 ] && [ "$(cat "$TMP/hello.out")" = "Hello, world!" ]; then
		pass "$LABEL.hello-$m.exact_output"
	else
		fail "$LABEL.hello-$m.exact_output" "status $RC, output '$(tr '\n' '|' <"$TMP/hello.out")'"
	fi
	run hello "run" --device "$DEV" --mode "$m" --timeout "$GUEST_TIMEOUT" \
		--regs --peek 0x500 --stats "$GUESTS/$img"
	has hello "hello-$m.peek_0x500" "peek 0x500 = 0x2a"
	has hello "hello-$m.reg_rax" "reg rax 0x000000000000002a"
	# One exit per byte printed, one for the final hlt, nothing else.
	has hello "hello-$m.exits_io" "stats: exit KVM_EXIT_IO 14"
	has hello "hello-$m.exits_hlt" "stats: exit KVM_EXIT_HLT 1"
	has hello "hello-$m.port_e9" "stats: port 0x00e9 in 0 out 14"
	n=$(grep -c '^stats: exit ' "$TMP/hello.out")
	[ "$n" -eq 2 ] && pass "$LABEL.hello-$m.no_other_exits" ||
		fail "$LABEL.hello-$m.no_other_exits" "$(grep '^stats: exit' "$TMP/hello.out" | tr '\n' '|')"
done

# Without --mode: real for a flat binary, protected for ELF32, long for
# ELF64 (hello checks its mode and says "hello: wrong mode" otherwise).
for img in hello-real.bin hello-protected.elf hello-long.elf; do
	run hello "run" --device "$DEV" --timeout "$GUEST_TIMEOUT" "$GUESTS/$img"
	[ "$RC" -eq 0 ] && [ "$(cat "$TMP/hello.out")" = "Hello, world!" ] &&
		pass "$LABEL.default_mode.$img" ||
		fail "$LABEL.default_mode.$img" "status $RC, output '$(tr '\n' '|' <"$TMP/hello.out")'"
done
# The paged hello is not fooled by plain protected mode.
run hello "run" --device "$DEV" --mode protected --timeout "$GUEST_TIMEOUT" "$GUESTS/hello-paged.elf"
has hello hello-paged.detects_unpaged "hello: wrong mode"

# The guests' other lines.
run pio "run" --device "$DEV" --timeout "$GUEST_TIMEOUT" "$GUESTS/pio.elf"
has pio pio.wide_writes "pio: outw, outl"
has pio pio.string_writes "pio: rep outsb, outsw, outsl: abcdefgh"
run uart "run" --device "$DEV" --timeout "$GUEST_TIMEOUT" --stats "$GUESTS/uart.bin"
# "uart: ok\n" is 9 bytes; the tenth write is the divisor latch (DLAB).
has uart uart.thr_writes "stats: port 0x03f8 in 0 out 10"
grep -q '^stats: port 0x03fd in [1-9][0-9]* out 0$' "$TMP/uart.out" &&
	pass "$LABEL.uart.lsr_polled" || fail "$LABEL.uart.lsr_polled" "no LSR reads counted"
run walk "run" --device "$DEV" --timeout "$GUEST_TIMEOUT" --mem 80M --peek 0x800000 --peek 0x47ffff8 "$GUESTS/walk.elf"
has walk walk.peek_first "peek 0x800000 = 0xa5a5a5a500800000"
has walk walk.peek_last "peek 0x47ffff8 = 0x5a5a5a5afb800fff"
run triple "run" --device "$DEV" --timeout "$GUEST_TIMEOUT" "$GUESTS/triple.elf"
has triple triple.got_there "triple: faulting now"
grep -q 'still running' "$TMP/triple.out" &&
	fail "$LABEL.triple.stopped" "the guest went on after the triple fault" ||
	pass "$LABEL.triple.stopped"
if [ -n "$SKIP_LOOP" ]; then
	skip "$LABEL.loop.stopped_in_time" "$SKIP_LOOP"
else
	start=$(now_cs)
	run loop "run" --device "$DEV" --timeout 0.3 "$GUESTS/loop.bin"
	cs=$(($(now_cs) - start))
	[ "$RC" -eq 3 ] && [ "$cs" -ge 30 ] && [ "$cs" -le 1000 ] &&
		pass "$LABEL.loop.stopped_in_time" ||
		fail "$LABEL.loop.stopped_in_time" "status $RC after $((cs * 10)) ms, want 3 after about 300 ms"
	grep -q "guest did not finish within 0.3 s at rip 0x" "$TMP/loop.err" &&
		pass "$LABEL.loop.message" ||
		fail "$LABEL.loop.message" "$(cat "$TMP/loop.err")"
fi

# --- the tool's errors: one line, status 1 --------------------------------
# tool_error CHECK PATTERN ARGS...
tool_error() {
	check=$1 pattern=$2
	shift 2
	run err "$@"
	if [ "$RC" -ne 1 ]; then
		fail "$LABEL.error.$check" "exit status $RC, want 1; stderr: $(tr '\n' '|' <"$TMP/err.err")"
	elif [ "$(wc -l <"$TMP/err.err")" -ne 1 ]; then
		fail "$LABEL.error.$check" "want one line on stderr, got: $(tr '\n' '|' <"$TMP/err.err")"
	else
		expect_err err "error.$check" "$pattern"
	fi
}

hello=$GUESTS/hello-long.elf
tool_error no_device "kvmini: $TMP/kvmini: no such device -- is the module loaded? (insmod kvmini.ko)" \
	run --device "$TMP/kvmini" "$hello"
printf '\177ELF\002\001\001' >"$TMP/truncated.elf"
tool_error elf_truncated "kvmini: *: not a valid ELF: truncated header" run --device "$DEV" "$TMP/truncated.elf"
# An ELF32 header for ARM (e_type 2, e_machine 40), zero-padded to 52 bytes.
{ printf '\177ELF\001\001\001\000\000\000\000\000\000\000\000\000\002\000\050\000'
  dd if=/dev/zero bs=32 count=1 2>/dev/null; } >"$TMP/arm.elf"
tool_error elf_machine "kvmini: *: not a valid ELF: machine 40 is not i386" run --device "$DEV" "$TMP/arm.elf"
{ printf '\177ELF\002\001\001\000'; dd if=/dev/zero bs=56 count=1 2>/dev/null; } >"$TMP/type0.elf"
tool_error elf_type "kvmini: *: not a valid ELF: type 0, *" run --device "$DEV" "$TMP/type0.elf"
: >"$TMP/empty.bin"
tool_error empty_image "kvmini: *: empty image" run --device "$DEV" "$TMP/empty.bin"
tool_error elf_too_big "kvmini: *: a segment at 0x100000-* does not fit in guest RAM*" \
	run --device "$DEV" --mem 1M "$hello"
dd if=/dev/zero of="$TMP/big.bin" bs=1024 count=1024 2>/dev/null
tool_error flat_too_big "kvmini: *: the flat image at 0x8000-* does not fit in guest RAM*" \
	run --device "$DEV" --mem 1M "$TMP/big.bin"
tool_error missing_image "kvmini: $TMP/none.bin: No such file or directory" run --device "$DEV" "$TMP/none.bin"
tool_error unknown_option "kvmini: unknown option '--bogus'*" run --bogus "$hello"
tool_error unknown_mode "kvmini: unknown mode 'weird'*" run --mode weird "$hello"
tool_error bad_mem "kvmini: bad --mem '12Q'*" run --mem 12Q "$hello"
tool_error peek_outside "kvmini: --peek 0x10000000 is outside guest RAM*" run --peek 0x10000000 "$hello"
tool_error no_image "kvmini: run: no image given*" run --device "$DEV"
tool_error unknown_command "kvmini: unknown command 'fly'*" fly

run usage
[ "$RC" -eq 1 ] && grep -q '^usage: kvmini run' "$TMP/usage.err" &&
	pass "$LABEL.error.no_arguments" || fail "$LABEL.error.no_arguments" "status $RC"
run help --help
[ "$RC" -eq 0 ] && grep -q '^usage: kvmini run' "$TMP/help.out" &&
	pass "$LABEL.help" || fail "$LABEL.help" "status $RC"

run info info --device "$DEV"
[ "$RC" -eq 0 ] && grep -qx 'api version: 12' "$TMP/info.out" &&
	grep -q '^vcpu mmap size: [1-9]' "$TMP/info.out" &&
	grep -q '^cap KVM_CAP_CHECK_EXTENSION_VM: 1$' "$TMP/info.out" &&
	pass "$LABEL.info" || fail "$LABEL.info" "status $RC: $(tr '\n' '|' <"$TMP/info.out" | cut -c1-300)"

finish
