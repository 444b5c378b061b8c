#!/bin/sh
# t_hcall_guests.sh [DEV [LABEL]]: the hypercall guests (tests/guests/
# hcall.c, in long and paged mode) run by the kvmini tool on DEV (default
# /dev/kvmini) with `--share DIR`, then checked from both sides: the
# guest's own verdict and lines, and on the host the files it wrote, the
# file outside the share it tried to reach, and that every hypercall was
# one exit.  The caller loads and unloads modules; this script never does.
#
# Outside the test VM (`make guests-check` runs it): GUESTS=DIR KVMINI=PATH
# KTEST_LIB=PATH as for t_guests.sh.
T=hcall
. "${KTEST_LIB:-/kvmini/tests/vm/lib.sh}"

DEV=${1:-/dev/kvmini}
LABEL=${2:-${DEV##*/}}
GUESTS=${GUESTS:-/kvmini/guests}
KVMINI=${KVMINI:-kvmini}
TMP=${TMPDIR:-/tmp}/t_hcall.$$
mkdir -p "$TMP" || { fail "$LABEL.tmpdir" "cannot create $TMP"; finish; }
trap 'rm -rf "$TMP"' EXIT

# kvm_pvm (the build host's KVM) has no 32-bit paging and answers CPUID
# without an exit it counts; real KVM and kvmini have neither excuse.
PVM=
[ "$DEV" = /dev/kvm ] && [ -d /sys/module/kvm_pvm ] && PVM=1

oneline() { tr '\n' '|' <"$1" | cut -c1-400; }

# has NAME CHECK LINE: the run's stdout has exactly LINE.
has() {
	if grep -qxF "$3" "$TMP/$1.out"; then pass "$LABEL.$2"; else
		fail "$LABEL.$2" "no line '$3' in: $(oneline "$TMP/$1.out")"
	fi
}

# A fresh share: in.txt, a subdirectory, a link out and a link in.
new_share() {
	rm -rf "$TMP/share" "$TMP/outside.txt" "$TMP/escape.txt"
	mkdir -p "$TMP/share/sub"
	printf 'from the host\n' >"$TMP/share/in.txt"
	printf 'secret\n' >"$TMP/outside.txt"
	ln -s "$TMP/outside.txt" "$TMP/share/link"
	ln -s in.txt "$TMP/share/inlink"
}

# the_end NAME CHECK WANT: status 0, the last line WANT, no FAIL line, only notes on stderr.
the_end() {
	[ "$RC" -eq 0 ] && pass "$LABEL.$2.status" ||
		fail "$LABEL.$2.status" "exit status $RC; stderr: $(oneline "$TMP/$1.err")"
	got=$(tail -n 1 "$TMP/$1.out")
	[ "$got" = "$3" ] && pass "$LABEL.$2.verdict" ||
		fail "$LABEL.$2.verdict" "last line '$got', want '$3'"
	if grep -q '^hcall: FAIL' "$TMP/$1.out"; then
		fail "$LABEL.$2.no_fail_lines" "$(grep '^hcall: FAIL' "$TMP/$1.out" | tr '\n' '|' | cut -c1-400)"
	else
		pass "$LABEL.$2.no_fail_lines"
	fi
	if grep -v '^kvmini: note: ' "$TMP/$1.err" | grep -q .; then
		fail "$LABEL.$2.stderr" "$(oneline "$TMP/$1.err")"
	else
		pass "$LABEL.$2.stderr"
	fi
}

# exits_lines NAME CHECK: what exits() said.  kvmini before KVM_GET_STATS_FD
# may say it is missing (SKIP, with the tool's note); KVM may not.
exits_lines() {
	if grep -qxF 'hcall: exits ok' "$TMP/$1.out"; then
		pass "$LABEL.$2.exits"
	elif grep -q '^hcall: exits SKIP' "$TMP/$1.out" && [ "$DEV" != /dev/kvm ] &&
	     grep -q 'KVM_GET_STATS_FD' "$TMP/$1.err"; then
		skip "$LABEL.$2.exits" "$(grep -m1 'KVM_GET_STATS_FD' "$TMP/$1.err")"
		return
	else
		fail "$LABEL.$2.exits" "$(grep '^hcall: exits' "$TMP/$1.out" | tr '\n' '|') $(oneline "$TMP/$1.err")"
		return
	fi
	if grep -qxF 'hcall: exits CPUID counted' "$TMP/$1.out"; then
		pass "$LABEL.$2.exits_cpuid"
	elif [ -n "$PVM" ]; then
		skip "$LABEL.$2.exits_cpuid" "kvm_pvm: $(grep '^hcall: exits CPUID' "$TMP/$1.out")"
	else
		fail "$LABEL.$2.exits_cpuid" "$(grep '^hcall: exits CPUID' "$TMP/$1.out")"
	fi
}

# every_io_one_port NAME CHECK: with --stats, the KVM_EXIT_IO count equals
# the port accesses (one exit per hypercall, per console byte), and the
# only other exit is the final HLT.
every_io_one_port() {
	io=$(sed -n 's/^stats: exit KVM_EXIT_IO \([0-9]*\)$/\1/p' "$TMP/$1.out")
	ports=$(sed -n 's/^stats: port 0x[0-9a-f]* in \([0-9]*\) out \([0-9]*\).*/\1 \2/p' "$TMP/$1.out" |
		awk '{ n += $1 + $2 } END { print n + 0 }')
	calls=$(sed -n 's/^stats: port 0x00ea in [0-9]* out \([0-9]*\)$/\1/p' "$TMP/$1.out")
	others=$(grep '^stats: exit ' "$TMP/$1.out" | grep -v -e 'KVM_EXIT_IO ' -e 'KVM_EXIT_HLT 1$')
	# The guest makes 100 calls when exits() is missing, more with it.
	if [ -n "$io" ] && [ "$io" = "$ports" ] && [ "${calls:-0}" -ge 100 ] && [ -z "$others" ]; then
		pass "$LABEL.$2.one_exit_per_call"
	else
		fail "$LABEL.$2.one_exit_per_call" "KVM_EXIT_IO $io, port accesses $ports, hypercalls $calls, others '$others'"
	fi
}

[ -c "$DEV" ] || { fail "$LABEL.device" "$DEV is not a character device"; finish; }

for image in hcall.elf hcall-paged.elf; do
	g=${image%.elf}
	case $g in hcall) mode=long big=2M ;; *) mode=paged big=4M ;; esac
	if [ ! -f "$GUESTS/$image" ]; then
		fail "$LABEL.$g.image" "$GUESTS/$image is missing"
		continue
	fi
	if [ "$mode" = paged ] && [ -n "$PVM" ]; then
		skip "$LABEL.$g" "kvm_pvm has no 32-bit paging"
		continue
	fi

	new_share
	run "$g" run --device "$DEV" --mode "$mode" --timeout 120 --share "$TMP/share" \
		--stats "$GUESTS/$image"
	grep -v '^stats: ' "$TMP/$g.out" >"$TMP/$g.guest"
	mv "$TMP/$g.out" "$TMP/$g.stats"
	mv "$TMP/$g.guest" "$TMP/$g.out"
	the_end "$g" "$g" "hcall: ok"
	has "$g" "$g.print" "hcall: print in $mode mode"
	has "$g" "$g.print_across_pages" "hcall: print across 4K pages"
	has "$g" "$g.print_large_page" "hcall: print through a $big page"
	if [ "$mode" = long ]; then
		if grep -qxF 'hcall: no 1G pages in CPUID, not tried' "$TMP/$g.out"; then
			skip "$LABEL.$g.print_1g_page" "the vCPU's CPUID has no 1 GiB pages"
		else
			has "$g" "$g.print_1g_page" "hcall: print through a 1G page"
		fi
	fi
	exits_lines "$g" "$g"
	mv "$TMP/$g.stats" "$TMP/$g.out"
	every_io_one_port "$g" "$g"

	# The host's side of the files.
	printf 'hcall: written by the guest\nappended\n' >"$TMP/want.txt"
	cmp -s "$TMP/share/out.txt" "$TMP/want.txt" && pass "$LABEL.$g.host_out_txt" ||
		fail "$LABEL.$g.host_out_txt" "out.txt holds '$(tr '\n' '|' <"$TMP/share/out.txt" 2>&1)'"
	[ -f "$TMP/share/bad.txt" ] && [ ! -s "$TMP/share/bad.txt" ] &&
		pass "$LABEL.$g.host_bad_txt_empty" || fail "$LABEL.$g.host_bad_txt_empty" "$(ls -l "$TMP/share")"
	[ "$(cat "$TMP/outside.txt")" = secret ] && [ -L "$TMP/share/link" ] && [ ! -e "$TMP/escape.txt" ] &&
		pass "$LABEL.$g.host_outside_intact" ||
		fail "$LABEL.$g.host_outside_intact" "$(ls -l "$TMP" "$TMP/share" | tr '\n' '|')"
	[ "$(cat "$TMP/share/in.txt")" = "from the host" ] &&
		pass "$LABEL.$g.host_in_txt_intact" || fail "$LABEL.$g.host_in_txt_intact" "in.txt changed"

	# No --share: every open is -ENODEV, the rest works alike.
	run "$g-noshare" run --device "$DEV" --mode "$mode" --timeout 120 "$GUESTS/$image"
	the_end "$g-noshare" "$g.no_share" "hcall: ok (no share)"
done

# The tool's own error: a share that is not a directory.
run err run --device "$DEV" --share "$TMP/none" "$GUESTS/hcall.elf"
[ "$RC" -eq 1 ] && [ "$(cat "$TMP/err.err")" = "kvmini: --share $TMP/none: No such file or directory" ] &&
	pass "$LABEL.error.share_missing" ||
	fail "$LABEL.error.share_missing" "status $RC: $(oneline "$TMP/err.err")"
run err run --device "$DEV" --share "$TMP/share/in.txt" "$GUESTS/hcall.elf"
[ "$RC" -eq 1 ] && [ "$(cat "$TMP/err.err")" = "kvmini: --share $TMP/share/in.txt: Not a directory" ] &&
	pass "$LABEL.error.share_not_dir" ||
	fail "$LABEL.error.share_not_dir" "status $RC: $(oneline "$TMP/err.err")"

finish
