#!/bin/sh
# Runs the host-side unit test binaries given as arguments and adds up
# their counts into the suite's closing line.
passed=0
failed=0
for t in "$@"; do
	out=$("./$t") ; rc=$?
	echo "$out" | grep -v '^ok '
	p=$(echo "$out" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
	f=$(echo "$out" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
	if [ -z "$p" ]; then
		echo "FAIL $t: exited $rc without its summary line"
		f=1 p=0
	fi
	passed=$((passed + p))
	failed=$((failed + f))
done
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
