#!/bin/sh
# t_balloon_guest.sh [DEV [LABEL]]: the balloon guest (tests/guests/
# balloon.c) run by the kvmini tool on DEV (default /dev/kvmini): the
# balloon hypercall gives 24 MiB of the 32 MiB the guest touched back to
# the host (docs/memory.md, "Giving memory back").  The guest checks its
# side: bad ranges refused with nothing lost, zeroes where it gave pages
# back (its old data there means the device still maps the old pages),
# the rest intact.  This script checks the host's side: the tool runs in
# a memory cgroup whose memory.current the guest reads through --share
# before touching, after, and after giving back, and that must fall by
# most of the 24 MiB, with nothing swapped out meanwhile (a drop by
# swapping would not be the balloon's).  The caller loads and unloads
# modules and sets up cgroup v2 (memcg_setup) and MEMCG=required; without
# it, the memory half is skipped where no cgroup can be made.
#
# Outside the test VM (`make guests-check` runs it): GUESTS=DIR KVMINI=PATH
# KTEST_LIB=PATH as for t_guests.sh.
T=balloon
. "${KTEST_LIB:-/kvmini/tests/vm/lib.sh}"

DEV=${1:-/dev/kvmini}
LABEL=${2:-${DEV##*/}}
GUESTS=${GUESTS:-/kvmini/guests}
KVMINI=${KVMINI:-kvmini}
TMP=${TMPDIR:-/tmp}/t_balloon.$$
mkdir -p "$TMP" || { fail "$LABEL.tmpdir" "cannot create $TMP"; finish; }
trap 'rm -rf "$TMP"' EXIT

# What the guest does: touch 32 MiB, give 24 MiB back.
TOUCHED_KIB=32768
GIVEN_KIB=24576
PARTS='args zeros kept reuse'

out=$TMP/balloon.out
err=$TMP/balloon.err
swapped_before=$(vmstat_get pswpout)
cg=
nocg="no cgroup v2 memory controller here"
if memcg_usable; then
	nocg="cannot make a memory cgroup under $CGROUP"
	cg=$(memcg_new "kvmini-balloon-$LABEL" 2>/dev/null)
fi
if [ -z "$cg" ] && [ "${MEMCG:-}" = required ]; then
	fail "$LABEL.cgroup" "$nocg"
	finish
fi
if [ -n "$cg" ]; then
	memcg_exec "$cg" "$KVMINI" run --device "$DEV" --mem 48M --timeout 300 --stats \
		--share "$cg" "$GUESTS/balloon.elf" >"$out" 2>"$err" </dev/null
	RC=$?
else
	"$KVMINI" run --device "$DEV" --mem 48M --timeout 300 --stats \
		"$GUESTS/balloon.elf" >"$out" 2>"$err" </dev/null
	RC=$?
fi
swapped=$(($(vmstat_get pswpout) - swapped_before))
guest=$(grep -v '^stats: ' "$out")

if [ "$RC" -eq 0 ]; then pass "$LABEL.status"; else
	fail "$LABEL.status" "exit status $RC; stderr: $(tr '\n' '|' <"$err" | cut -c1-300)"
fi
for part in $PARTS; do
	if echo "$guest" | grep -qx "balloon: $part ok"; then
		pass "$LABEL.$part"
	else
		why=$(echo "$guest" | grep "^balloon: FAIL $part" | head -3 | tr '\n' '|')
		[ -n "$why" ] ||
			why="no line 'balloon: $part ok'; the guest ended: $(echo "$guest" | tail -3 | tr '\n' '|')"
		fail "$LABEL.$part" "$why"
	fi
done
last=$(echo "$guest" | tail -n 1)
if [ "$last" = "balloon: ok $((GIVEN_KIB / 4)) pages" ]; then pass "$LABEL.output"; else
	fail "$LABEL.output" "last line '$last'"
fi

# The figures: "balloon: memory.current KiB before B touched T after A".
# shellcheck disable=SC2046 # three numbers, or nothing
set -- $(echo "$guest" | sed -n 's/^balloon: memory.current KiB before \([0-9]*\) touched \([0-9]*\) after \([0-9]*\)$/\1 \2 \3/p')
if [ -z "$cg" ]; then
	skip "$LABEL.touch_charged" "$nocg"
	skip "$LABEL.memory_back" "$nocg"
elif [ $# -ne 3 ]; then
	fail "$LABEL.memory_back" "the guest gave no memory.current figures"
else
	grew=$(($2 - $1)) fell=$(($2 - $3))
	echo "balloon: $LABEL: memory.current $1 KiB, then $2 KiB after touching $TOUCHED_KIB KiB, then $3 KiB after giving $GIVEN_KIB KiB back (fell by $fell KiB); pswpout +$swapped"
	# Most of it: THP pages the range cuts at its ends are freed later.
	if [ "$grew" -ge $((TOUCHED_KIB * 3 / 4)) ]; then pass "$LABEL.touch_charged"; else
		fail "$LABEL.touch_charged" "memory.current grew by $grew KiB for $TOUCHED_KIB KiB touched: the cgroup does not see the guest's memory"
	fi
	if [ "$fell" -ge $((GIVEN_KIB * 3 / 4)) ]; then pass "$LABEL.memory_back"; else
		fail "$LABEL.memory_back" "memory.current fell by $fell KiB for $GIVEN_KIB KiB given back (at least $((GIVEN_KIB * 3 / 4)) wanted): the host did not get the memory back"
	fi
fi
if [ "$swapped" -eq 0 ]; then pass "$LABEL.no_swap"; else
	fail "$LABEL.no_swap" "$swapped pages were swapped out meanwhile: the drop is not the balloon's alone"
fi
counters=$(mmu_counters "$out")
echo "balloon: $LABEL: counters: ${counters:-(no mmu_* counters on this device)}"
[ -z "$cg" ] || rmdir "$cg" 2>/dev/null
finish
