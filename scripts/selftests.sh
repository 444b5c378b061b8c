#!/bin/bash
# Usage: scripts/selftests.sh OUTDIR
# Builds the x86_64 KVM selftests of Linux 6.1 (tools/testing/selftests/kvm)
# for the `selftests` suite (tests/vm/t_selftests.sh), from Debian's
# linux-source-6.1 of the same version as the 6.1 kernel the test machines
# boot, so that they test the KVM kvmini is compared with. None of their
# source is kept in this repository: the package is downloaded (never
# installed) into .cache/debs/, and only the part of its tree the tests need
# is unpacked and built in build/selftests/linux-source-<ver>/, which later
# runs reuse (make then rebuilds nothing).
#
# Out:
#   OUTDIR/bin/NAME   each test program, static (the test image has no libc)
#                     and stripped; x86_64/cpuid_test becomes cpuid_test
#   OUTDIR/list       their names, one a line, in the order of the kvm Makefile
#   OUTDIR/version    the linux-source-6.1 version they were built from
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
die() { echo "selftests.sh: $*" >&2; exit 1; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

[ $# -eq 1 ] || die "usage: $0 OUTDIR"
start=$SECONDS
mkdir -p "$1"
out=$(cd "$1" && pwd)

# The version of the kernel behind linux-image-amd64, the one scripts/kernel.sh
# gives the 6.1 test machines.
image_version() {
	local kver
	kver=$(apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: linux-image-//p' | head -n 1)
	[ -n "$kver" ] || return 0
	apt-cache show "linux-image-$kver" 2>/dev/null | sed -n 's/^Version: //p' | head -n 1
}
ver=$(image_version)
if [ -z "$ver" ]; then
	echo "selftests.sh: no package lists know linux-image-amd64; running apt-get update" >&2
	as_root apt-get update >&2
	ver=$(image_version)
fi
[ -n "$ver" ] || die "cannot resolve the version of linux-image-amd64"

cache=$top/build/selftests
src=$cache/linux-source-$ver
debs=$top/.cache/debs
mkdir -p "$cache" "$debs"
# Two image builds may start at once and both find the tree missing.
exec 9>"$cache/.lock"
flock 9

# What the selftests' build reads: the top Makefile and scripts/ for
# `make headers` (the uapi headers, with the generated syscall numbers), and
# under tools/ their own tree, the headers and library sources they include,
# and the rseq selftest whose code rseq_test builds in.
members=(Makefile scripts include/uapi
	arch/x86/Makefile arch/x86/include/uapi arch/x86/entry/syscalls arch/x86/tools
	tools/include tools/arch/x86/include tools/build tools/scripts tools/lib
	tools/testing/selftests/lib.mk 'tools/testing/selftests/kselftest*'
	tools/testing/selftests/kvm tools/testing/selftests/rseq)

# The package's tarball on stdout: the installed one when its version is
# ours, else from the package, downloaded once.
tarball() {
	local deb installed
	installed=$(dpkg-query -W -f '${Version}' linux-source-6.1 2>/dev/null || true)
	if [ "$installed" = "$ver" ] && [ -f /usr/src/linux-source-6.1.tar.xz ]; then
		cat /usr/src/linux-source-6.1.tar.xz
		return
	fi
	deb=$debs/linux-source-6.1_${ver}_all.deb
	if [ ! -f "$deb" ]; then
		echo "selftests.sh: downloading linux-source-6.1 $ver" >&2
		# apt downloads as its _apt user when run as root; let it write here.
		local tmp
		tmp=$(mktemp -d "$debs/.linux-source.XXXXXX")
		chmod 777 "$tmp"
		(cd "$tmp" && apt-get download "linux-source-6.1=$ver" >&2) ||
			{ rm -rf "$tmp"; die "apt-get download linux-source-6.1=$ver failed"; }
		mv "$tmp"/linux-source-6.1_*.deb "$deb"
		rm -rf "$tmp"
	fi
	dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/src/linux-source-6.1.tar.xz
}

if [ ! -f "$src/.unpacked" ]; then
	echo "selftests.sh: unpacking linux-source-6.1 $ver into $src" >&2
	rm -rf "$src" "$src.tmp"
	mkdir -p "$src.tmp"
	tarball | xz -dc -T0 | tar -x -C "$src.tmp" --strip-components=1 --wildcards \
		"${members[@]/#/linux-source-6.1/}"
	touch "$src.tmp/.unpacked"
	mv "$src.tmp" "$src"
fi

log=$cache/build-$ver.log
# Make variables of a calling make (`make payload SELFTESTS=1`) must not
# reach these builds: lib.mk decides where the programs go from MAKELEVEL.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
if [ ! -f "$src/.headers" ]; then
	echo "selftests.sh: make headers" >&2
	make -C "$src" -s headers >"$log" 2>&1 || { tail -20 "$log" >&2; die "make headers failed: $log"; }
	touch "$src/.headers"
fi

kvm=$src/tools/testing/selftests/kvm
# Two fixes for Debian's 6.1.y tree, where stable backports got ahead of the
# selftests' own headers:
#  - dirty_log_test.c calls TEST_ASSERT_EQ, which 6.1's test_util.h has only
#    under its older name ASSERT_EQ (same meaning);
#  - <asm/kvm.h> uses __DECLARE_FLEX_ARRAY, which steal_time.c, including it
#    first, gets from nowhere: the uapi <linux/stddef.h> that defines it is
#    included ahead of every file.
cflags="-static -DTEST_ASSERT_EQ=ASSERT_EQ -include $src/usr/include/linux/stddef.h"
echo "selftests.sh: building the KVM selftests (log: $log)" >&2
make -C "$kvm" -j"$(nproc)" EXTRA_CFLAGS="$cflags" >>"$log" 2>&1 ||
	{ tail -20 "$log" >&2; die "the selftests' build failed: $log"; }

# The programs the kvm Makefile runs (TEST_GEN_PROGS; not the helpers of its
# shell scripts), as its own variable lists them.
# shellcheck disable=SC2016 # $(...) is make's
progs=$(make -s --no-print-directory -C "$kvm" \
	--eval 'kvmini-progs: ; @echo $(TEST_GEN_PROGS)' kvmini-progs)
[ -n "$progs" ] || die "no programs listed by $kvm/Makefile"

rm -rf "$out/bin.tmp"
mkdir -p "$out/bin.tmp"
: >"$out/list.tmp"
for p in $progs; do
	name=${p##*/}
	[ ! -e "$out/bin.tmp/$name" ] || die "two programs named $name"
	# Stripping keeps the program headers, all that kvm_vm_elf_load() reads
	# when it loads the test into its guest.
	strip --strip-all -o "$out/bin.tmp/$name" "$p"
	echo "$name" >>"$out/list.tmp"
done
rm -rf "${out:?}/bin"
mv "$out/bin.tmp" "$out/bin"
mv "$out/list.tmp" "$out/list"
echo "$ver" >"$out/version"
echo "selftests.sh: $(wc -l <"$out/list") programs of linux-source-6.1 $ver in $out" \
	"($(du -sh "$out/bin" | cut -f1), $((SECONDS - start)) s)" >&2
