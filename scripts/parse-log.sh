#!/bin/bash
# Usage: scripts/parse-log.sh [--no-summary] --label LABEL LOG [--label LABEL LOG]...
#        scripts/parse-log.sh --tally < RESULT-LINES
# Turns a test machine's serial log into result lines:
#   KTEST PASS name            ->  PASS LABEL/name
#   KTEST FAIL name: reason    ->  FAIL LABEL/name: reason
#   KTEST SKIP name: reason    ->  SKIP LABEL/name: reason
# and adds failures of its own: LABEL/kernel-log for each oops, BUG, WARNING,
# panic... line the kernel printed, LABEL/complete when KTEST DONE is missing.
# Ends with "N passed, N failed[, N skipped]" over all logs given; exits 1 if
# anything failed. To sum logs parsed separately (machines run in parallel),
# collect --no-summary outputs and pipe them to --tally.
set -euo pipefail

die() { echo "parse-log.sh: $*" >&2; exit 2; }
usage() { die "usage: $0 [--no-summary] --label LABEL LOG [--label LABEL LOG]... | --tally"; }

# Prints the summary line of the result lines on stdin; fails if any failed.
tally() {
	awk '
		/^PASS / { p++ } /^FAIL / { f++ } /^SKIP / { s++ }
		END {
			line = (p + 0) " passed, " (f + 0) " failed"
			if (s) line = line ", " s " skipped"
			print line
			exit (f > 0 ? 1 : 0)
		}'
}

parse_one() { # LABEL LOG
	if [ ! -f "$2" ]; then
		echo "FAIL $1/complete: no log file $2"
		return
	fi
	tr -d '\r' <"$2" | awk -v label="$1" '
		BEGIN {
			bad_re = "(^|[^A-Za-z])Oops([^A-Za-z]|$)|BUG:|kernel BUG|" \
				"WARNING:|general protection fault|Call Trace|" \
				"Kernel panic|RIP:|unable to handle|" \
				"Poison overwritten|Redzone overwritten|Object padding|" \
				"KFENCE:|page allocation failure|Bad page state|" \
				"pagealloc: memory corruption|corrupted .*(poison|redzone)"
			stamp_re = "\\[ *[0-9]+\\.[0-9]+\\] "
		}
		function kernel_line(text, msg) {
			# tests/vm/t_nmi.sh asks for NMI backtraces (sysrq l)
			# between these lines: their RIP and Call Trace lines
			# are no problem; anything else there still is.
			if (text ~ /kvmini-test: NMI backtraces begin/) { asked = 1; return }
			if (text ~ /kvmini-test: NMI backtraces end/) { asked = 0; return }
			# A guest kernel'\''s console, which tests/vm/t_linux.sh
			# copies into the log: its panics are the test'\''s to judge.
			if (text ~ /^linux-guest\[/) return
			if (text !~ bad_re) return
			if (asked && text ~ /Call Trace|RIP:/ && text !~ /Oops|BUG|WARNING|panic/) return
			msg = text
			sub("^" stamp_re, "", msg)
			if (seen[msg]++) return
			# One oops prints many such lines: show the first few.
			if (++bad <= 10)
				print "FAIL " label "/kernel-log: " msg
			else
				more++
		}
		function record(text, rec, verdict, rest, i, name, why) {
			if (text ~ /KTEST DONE/) { done = 1; return }
			if (!match(text, /KTEST (PASS|FAIL|SKIP) [^ ]/)) return
			rec = substr(text, RSTART + 6)
			verdict = substr(rec, 1, 4)
			rest = substr(rec, 6)
			sub(/[ \t]+$/, "", rest)
			if (verdict == "PASS") {
				print "PASS " label "/" rest
				return
			}
			i = index(rest, ": ")
			if (i) {
				name = substr(rest, 1, i - 1); why = substr(rest, i + 2)
			} else {
				name = rest; why = "(no reason given)"
			}
			print verdict " " label "/" name ": " why
		}
		# The kernel writes to the console directly, in the middle of a
		# line the tests are still sending: "KTEST PASS fo[ 5.8] msg" and,
		# after the kernel lines, "o". Such a record is put back together.
		{
			line = $0
			if (pending != "") {
				if (line ~ "^" stamp_re) { kernel_line(line); next }
				if (index(line, "KTEST") == 0) {
					line = pending line
				} else {
					record(pending)
				}
				pending = ""
			}
			k = index(line, "KTEST ")
			if (k == 0) { kernel_line(line); next }
			if (match(substr(line, k), stamp_re)) {
				pending = substr(line, 1, k + RSTART - 2)
				kernel_line(substr(line, k + RSTART - 1))
				next
			}
			record(line)
		}
		END {
			if (pending != "")
				record(pending)
			if (more)
				print "FAIL " label "/kernel-log: " more " more such lines"
			if (!done)
				print "FAIL " label "/complete: no KTEST DONE (timeout or crash)"
		}'
}

summary=1 label='' parsed=0 results=''
while [ $# -gt 0 ]; do
	case "$1" in
	--tally) [ $# -eq 1 ] || usage; tally; exit ;;
	--no-summary) summary=0; shift ;;
	--label) label=${2:?}; shift 2 ;;
	-*) usage ;;
	*)
		[ -n "$label" ] || usage
		results+=$(parse_one "$label" "$1")$'\n'
		parsed=$((parsed + 1))
		shift
		;;
	esac
done
[ "$parsed" -gt 0 ] || usage

printf '%s' "$results" | sed '/^$/d'
if [ "$summary" -eq 1 ]; then
	printf '%s' "$results" | tally
elif grep -q '^FAIL ' <<<"$results"; then
	exit 1
fi
