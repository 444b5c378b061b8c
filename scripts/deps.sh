#!/bin/bash
# Installs every Debian package that building kvmini and running its test
# machines (Bochs, QEMU) need, and what its Debian packages are built,
# checked (lintian, man) and installed (dkms) with. Safe to run again; CI
# runs it on fresh machines.
set -euo pipefail

packages=(
	gcc make libc6-dev perl
	bochs bochsbios vgabios qemu-system-x86
	busybox-static isolinux syslinux-common xorriso cpio kmod xz-utils zstd
	sparse linux-headers-amd64 linux-headers-6.12-amd64
	gnuplot-nox
	build-essential dpkg-dev debhelper dh-dkms dkms lintian man-db
)

sudo=()
if [ "$(id -u)" -ne 0 ]; then
	sudo=(sudo)
fi

export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
	apt-get install -y --no-install-recommends "${packages[@]}"
