#!/bin/sh
# Runs the host-side unit test binaries given as arguments and turns each
# check into a result line (PASS|FAIL unit/<binary>: what) for the suite.
# Exits non-zero when a check failed or a binary died before its summary.
status=0
for t in "$@"; do
	name=$(basename "$t")
	out=$("./$t" 2>&1)
	rc=$?
	echo "$out" | sed -n -e "s|^ok   \(.*\)|PASS unit/$name: \1|p" \
			    -e "s|^FAIL \(.*\)|FAIL unit/$name: \1|p"
	if ! echo "$out" | grep -q "^$name: [0-9]* passed, [0-9]* failed$"; then
		echo "FAIL unit/$name: exited $rc before its summary line"
		status=1
	fi
	[ $rc -eq 0 ] || status=1
done
exit $status
