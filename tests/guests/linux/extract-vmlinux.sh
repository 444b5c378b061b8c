#!/bin/bash
# Usage: tests/guests/linux/extract-vmlinux.sh BZIMAGE OUT
# The uncompressed kernel ELF (vmlinux) inside a bzImage: its payload is
# found by the compressor's magic (xz for Debian's 6.1, zstd for 6.12, gzip
# for others) and unpacked with that tool.  `kvmini run --kernel` boots it
# as Firecracker does, skipping the guest's own decompression (billions of
# instructions: minutes in Bochs, far longer on an emulating host).
set -euo pipefail

die() { echo "extract-vmlinux.sh: $*" >&2; exit 1; }
[ $# -eq 2 ] || die "usage: $0 BZIMAGE OUT"
in=$1 out=$2
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

try() { # MAGIC(printf) TOOL...
	local off
	for off in $(LC_ALL=C grep -obUaP "$1" "$in" | cut -d: -f1); do
		tail -c +$((off + 1)) "$in" | "${@:2}" >"$tmp" 2>/dev/null || true
		if [ "$(head -c 4 "$tmp" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then
			mv "$tmp" "$out"
			echo "extract-vmlinux.sh: $out ($(du -h "$out" | cut -f1), ${2})" >&2
			exit 0
		fi
	done
}
try '\xfd\x37\x7a\x58\x5a\x00' xz -dc
try '\x28\xb5\x2f\xfd' zstd -dcq
try '\x1f\x8b\x08' gzip -dc
die "$in: no compressed ELF kernel found inside"
