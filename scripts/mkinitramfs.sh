#!/bin/bash
# Usage: scripts/mkinitramfs.sh --line 6.1|6.12 --payload DIR --out FILE
# Builds the initramfs the test machines boot: static busybox, the distro's
# kvm, kvm-intel and irqbypass modules of that kernel line, zram (swap for
# docs/memory.md's experiment) with what it needs, the payload (from
# `make payload`) under /kvmini, and an /init that runs the suite named by
# kvmini.suite=NAME on the kernel command line and powers the machine off.
#
# In the image:
#   /lib/modules/<ver>/kernel/...   the modules, decompressed, with modules.dep
#                                   (so `modprobe kvm_intel` works)
#   /kmod/kvm.ko /kmod/kvm-intel.ko /kmod/irqbypass.ko /kmod/zram.ko ...
#                                   links to them (deps too), for insmod
#   /kvmini/                        the payload; /kvmini/bin is first in PATH
#   /kvmini/selftests/              KVM's selftests, when the payload has them
#                                   (`make payload SELFTESTS=1`; suite selftests)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
die() { echo "mkinitramfs.sh: $*" >&2; exit 1; }
usage() { die "usage: $0 --line 6.1|6.12 --payload DIR --out FILE"; }

line='' payload='' out=''
while [ $# -gt 0 ]; do
	case "$1" in
	--line) line=${2:?}; shift 2 ;;
	--payload) payload=${2:?}; shift 2 ;;
	--out) out=${2:?}; shift 2 ;;
	*) usage ;;
	esac
done
[ -n "$line" ] && [ -n "$payload" ] && [ -n "$out" ] || usage
[ -d "$payload" ] || die "payload $payload is not a directory"

# A dynamically linked busybox would find no libc in the image.
busybox=/bin/busybox
[ -x "$busybox" ] || die "no $busybox: install busybox-static (scripts/deps.sh)"
if LC_ALL=C ldd "$busybox" >/dev/null 2>&1; then
	die "$busybox is dynamically linked: install busybox-static"
fi

eval "$("$here/kernel.sh" "$line")"

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,root,kmod,kvmini}
cp "$busybox" "$stage/bin/busybox"
"$busybox" --list-full | while read -r applet; do
	[ "$applet" = bin/busybox ] || ln -sf /bin/busybox "$stage/$applet"
done
# Without a console node the kernel starts /init with no stdout; /init reopens
# it after mounting devtmpfs anyway, so this only matters for its first lines.
if [ "$(id -u)" -eq 0 ]; then
	mknod -m 600 "$stage/dev/console" c 5 1
fi

# Copy kvm-intel and zram and everything they depend on, per the modules'
# own metadata (6.1's zram needs zsmalloc, 6.12's its compression backends).
declare -A path_of
while read -r f; do
	name=${f##*/}
	name=${name%%.ko*}
	path_of[${name//-/_}]=$f
done < <(find "$KMODDIR/kernel" -name '*.ko' -o -name '*.ko.xz')

moddest=$stage/lib/modules/$KVER
todo=(kvm_intel zram)
declare -A done_mod
while [ ${#todo[@]} -gt 0 ]; do
	mod=${todo[0]}
	todo=("${todo[@]:1}")
	[ -z "${done_mod[$mod]:-}" ] || continue
	done_mod[$mod]=1
	src=${path_of[$mod]:-}
	[ -n "$src" ] || die "module $mod not found under $KMODDIR"
	rel=${src#"$KMODDIR"/}
	rel=${rel%.xz}
	mkdir -p "$(dirname "$moddest/$rel")"
	# busybox insmod cannot read xz-compressed modules.
	case "$src" in
	*.xz) xz -dc "$src" >"$moddest/$rel" ;;
	*) cp "$src" "$moddest/$rel" ;;
	esac
	ln -s "../lib/modules/$KVER/$rel" "$stage/kmod/$(basename "$rel")"
	echo "$rel" >>"$moddest/modules.order"
	deps=$(modinfo -F depends "$moddest/$rel")
	IFS=, read -r -a more <<<"$deps"
	for d in "${more[@]}"; do
		todo+=("${d//-/_}")
	done
done
for f in modules.builtin modules.builtin.modinfo; do
	if [ -f "$KMODDIR/$f" ]; then cp "$KMODDIR/$f" "$moddest/"; fi
done
depmod -b "$stage" "$KVER"

cp -a "$payload/." "$stage/kvmini/"

# The Linux guest of `kvmini run --kernel` (t_linux.sh): the machine's own
# kernel, as its bzImage and as the vmlinux ELF inside it (which spares a
# boot the guest's own decompression: over a minute of Bochs on 6.1's XZ),
# and the guest's busybox initramfs.
mkdir -p "$stage/kvmini/linux"
cp "$VMLINUZ" "$stage/kvmini/linux/bzImage"
"$here/../tests/guests/linux/extract-vmlinux.sh" "$VMLINUZ" "$stage/kvmini/linux/vmlinux" 2>/dev/null
"$here/../tests/guests/linux/mkinitramfs.sh" "$stage/kvmini/linux/initrd.gz" 2>/dev/null

cat >"$stage/init" <<'EOF'
#!/bin/sh
# PID 1 of the kvmini test image: runs the suite named by kvmini.suite=NAME
# with all output on the serial console, then powers off so the emulator exits.
export PATH=/kvmini/bin:/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp
# The command line keeps boot quiet (loglevel=4 hides even warnings); from
# here on show warnings too, so a WARN() splat or a whole oops reaches the log.
dmesg -n 5

suite=all
set -f
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	kvmini.suite=*) suite=${arg#kvmini.suite=} ;;
	esac
done
set +f

echo "kvmini init: kernel $(uname -r), $(nproc) cpus, suite $suite"
if [ "$suite" = shell ]; then
	# cttyhack gives the shell a controlling tty, so Ctrl-C works.
	setsid cttyhack sh -l
elif [ -f /kvmini/tests/vm/run.sh ]; then
	sh /kvmini/tests/vm/run.sh "$suite" ||
		echo "kvmini init: run.sh exited with status $?"
else
	echo "KTEST FAIL init: no /kvmini/tests/vm/run.sh"
fi
echo "KTEST DONE"
# Wait until the serial port has sent everything: poweroff does not.
stty "$(stty -g)"
sync
poweroff -f
EOF
chmod 755 "$stage/init"

mkdir -p "$(dirname "$out")"
(cd "$stage" && find . -mindepth 1 -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --owner=0:0 --quiet) | gzip -6 -n >"$out.tmp"
mv "$out.tmp" "$out"
echo "mkinitramfs.sh: $out ($KVER, $(du -h "$out" | cut -f1))" >&2
