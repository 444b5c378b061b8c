#!/bin/bash
# Usage: eval "$(scripts/kernel.sh 6.1|6.12)"
# Resolves the Debian kernel of a line from its meta packages (so the version is
# never pinned), makes sure its headers are installed, and unpacks the kernel
# image package (downloaded, never installed: the host keeps its own kernel)
# into .cache/kernel-<ver>/ for the test machines to boot.
# Prints KVER, KDIR, VMLINUZ and KMODDIR as shell assignments; all chatter
# goes to stderr so the output stays eval-safe.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)

die() { echo "kernel.sh: $*" >&2; exit 1; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

[ $# -eq 1 ] || die "usage: $0 6.1|6.12"
case "$1" in
6.1)  image_meta=linux-image-amd64;      headers_meta=linux-headers-amd64 ;;
6.12) image_meta=linux-image-6.12-amd64; headers_meta=linux-headers-6.12-amd64 ;;
*) die "unknown kernel line '$1' (expected 6.1 or 6.12)" ;;
esac

# The meta package depends on exactly one versioned package; its name carries
# the version.
resolve() { # META PREFIX
	apt-cache depends "$1" 2>/dev/null |
		sed -n "s/^ *Depends: $2-//p" | head -n 1
}

kver=$(resolve "$image_meta" linux-image)
if [ -z "$kver" ]; then
	# A fresh machine has no package lists yet.
	echo "kernel.sh: no package lists know $image_meta; running apt-get update" >&2
	as_root apt-get update >&2
	kver=$(resolve "$image_meta" linux-image)
fi
[ -n "$kver" ] || die "cannot resolve $image_meta with apt-cache depends"
hver=$(resolve "$headers_meta" linux-headers)
[ "$hver" = "$kver" ] ||
	die "$image_meta gives $kver but $headers_meta gives '$hver'"

kdir=/usr/src/linux-headers-$kver
if [ ! -f "$kdir/Makefile" ]; then
	echo "kernel.sh: installing linux-headers-$kver" >&2
	as_root env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y --no-install-recommends "linux-headers-$kver" >&2
fi

cache=$top/.cache/kernel-$kver
debs=$top/.cache/debs
mkdir -p "$debs"
# Two test machines may start at once and both find the cache missing.
exec 9>"$top/.cache/.kernel-$kver.lock"
flock 9

# .complete holds the number of files unpacked. Kbuild's `make clean` with
# M= at the repository top deletes every *.ko and *.ko.* below it, this
# cache included: unpack again (from the kept .deb) when files went missing.
intact() {
	[ -f "$cache/.complete" ] &&
		[ "$(cat "$cache/.complete")" = \
			"$(find "$cache" -type f ! -name .complete | wc -l)" ]
}
if ! intact; then
	tmp=$(mktemp -d "$top/.cache/.kernel-$kver.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	deb=$(find "$debs" /var/cache/apt/archives -maxdepth 1 \
		-name "linux-image-${kver}_*.deb" 2>/dev/null | head -n 1 || true)
	if [ -z "$deb" ]; then
		echo "kernel.sh: downloading linux-image-$kver" >&2
		# apt downloads as its _apt user when run as root; let it write here.
		chmod 777 "$tmp"
		(cd "$tmp" && apt-get download "linux-image-$kver" >&2)
		mv "$tmp"/linux-image-"${kver}"_*.deb "$debs/"
		deb=$(find "$debs" -name "linux-image-${kver}_*.deb" | head -n 1)
	fi
	echo "kernel.sh: unpacking $(basename "$deb")" >&2
	dpkg-deb -x "$deb" "$tmp/root"
	count=$(find "$tmp/root" -type f | wc -l)
	echo "$count" >"$tmp/root/.complete"
	rm -rf "$cache"
	mv "$tmp/root" "$cache"
fi

vmlinuz=$cache/boot/vmlinuz-$kver
kmoddir=$cache/lib/modules/$kver
# Newer packages may ship modules under usr/ (merged /usr).
[ -d "$kmoddir" ] || kmoddir=$cache/usr/lib/modules/$kver
[ -f "$vmlinuz" ] || die "no $vmlinuz in the unpacked image"
[ -d "$kmoddir" ] || die "no lib/modules/$kver in the unpacked image"

printf 'KVER=%q\nKDIR=%q\nVMLINUZ=%q\nKMODDIR=%q\n' \
	"$kver" "$kdir" "$vmlinuz" "$kmoddir"
