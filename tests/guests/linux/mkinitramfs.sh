#!/bin/bash
# Usage: tests/guests/linux/mkinitramfs.sh OUT
# The initramfs of the Linux guest for `kvmini run --kernel`: Debian's
# static busybox (package busybox-static) with its applets as links, and
# tests/guests/linux/init as /init, and antwork (issue 14), built static
# here.  No modules: the guest needs none.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
die() { echo "mkinitramfs.sh: $*" >&2; exit 1; }
[ $# -eq 1 ] || die "usage: $0 OUT"
out=$1

busybox=/bin/busybox
[ -x "$busybox" ] || die "no $busybox: install busybox-static"
# A dynamically linked busybox would find no libc in the image.
if LC_ALL=C ldd "$busybox" >/dev/null 2>&1; then
	die "$busybox is dynamically linked: install busybox-static"
fi

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,root,etc}
cp "$busybox" "$stage/bin/busybox"
"$busybox" --list-full | while read -r applet; do
	[ "$applet" = bin/busybox ] || ln -sf /bin/busybox "$stage/$applet"
done
install -m 755 "$here/init" "$stage/init"
gcc -static -O2 -Wall -Wextra -Werror -pthread -o "$stage/bin/antwork" "$here/antwork.c" ||
	die "cannot build antwork (gcc and libc6-dev)"
# The kernel opens /dev/console for init before devtmpfs is mounted.
if [ "$(id -u)" -eq 0 ]; then
	mknod -m 600 "$stage/dev/console" c 5 1
fi

mkdir -p "$(dirname "$out")"
(cd "$stage" && find . -mindepth 1 -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --owner=0:0 --quiet) | gzip -6 -n >"$out.tmp"
mv "$out.tmp" "$out"
echo "mkinitramfs.sh: $out ($(du -h "$out" | cut -f1))" >&2
