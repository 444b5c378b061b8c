#!/bin/bash
# Usage: scripts/checkpatch.sh [FILES...]   (default: *.c *.h under vm/ vmx/ emul/ ept/ ioctl/ lapic/)
# Runs the kernel's checkpatch.pl (--strict) on kvmini's sources. Debian ships
# checkpatch.pl only inside the big linux-source-6.1 package, so the first run
# downloads that once and keeps just the files checkpatch needs in
# .cache/checkpatch/. Fails when checkpatch reports an ERROR or a WARNING
# (CHECKs from --strict are shown but do not fail).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=$top/.cache/checkpatch
pkg=linux-source-6.1
die() { echo "checkpatch.sh: $*" >&2; exit 2; }

command -v perl >/dev/null || die "no perl: run scripts/deps.sh"

mkdir -p "$top/.cache"
exec 9>"$top/.cache/.checkpatch.lock"
flock 9
if [ ! -f "$cache/.complete" ]; then
	tmp=$(mktemp -d "$top/.cache/.checkpatch.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	# apt downloads as its _apt user when run as root; let it write here.
	chmod 777 "$tmp"
	echo "checkpatch.sh: downloading $pkg (once, about 140 MB)" >&2
	(cd "$tmp" && apt-get download "$pkg" >&2)
	mkdir "$tmp/out"
	# The package holds one source tarball; only three of its files are needed.
	dpkg-deb --fsys-tarfile "$tmp"/"$pkg"_*.deb |
		tar -xO --wildcards './usr/src/linux-source-*.tar.xz' |
		tar -xJ -C "$tmp/out" --strip-components=2 --wildcards \
			'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
			'*/scripts/const_structs.checkpatch'
	touch "$tmp/out/.complete"
	rm -rf "$cache"
	mv "$tmp/out" "$cache"
fi
exec 9>&-

if [ $# -eq 0 ]; then
	cd "$top"
	mapfile -t files < <(find vm vmx emul ept ioctl lapic include \( -name '*.c' -o -name '*.h' \) \
		-type f 2>/dev/null | sort)
	if [ ${#files[@]} -eq 0 ]; then
		echo "checkpatch.sh: no *.c or *.h under vm/ vmx/ emul/ ept/ ioctl/ lapic/"
		exit 0
	fi
	set -- "${files[@]}"
fi

for f in "$@"; do
	# checkpatch.pl silently passes a file it cannot read.
	[ -f "$f" ] || die "no such file: $f"
done

# checkpatch.pl exits 1 for any finding, CHECKs included, and >1 when it
# could not run at all.
status=0
out=$(perl "$cache/checkpatch.pl" --no-tree --strict --terse --show-types \
	--no-summary -f "$@") || status=$?
[ -z "$out" ] || printf '%s\n' "$out"
[ "$status" -le 1 ] || die "checkpatch.pl failed (status $status)"
errors=$(grep -c ': ERROR:' <<<"$out" || true)
warnings=$(grep -c ': WARNING:' <<<"$out" || true)
checks=$(grep -c ': CHECK:' <<<"$out" || true)
if [ "$status" -eq 1 ] && [ $((errors + warnings + checks)) -eq 0 ]; then
	die "checkpatch.pl failed without a finding it could name"
fi
echo "checkpatch: $# files, $errors errors, $warnings warnings, $checks checks"
[ "$errors" -eq 0 ] && [ "$warnings" -eq 0 ]
