#!/bin/bash
# Usage: scripts/demo.sh [--line 6.1|6.12] [--cpus N] [--no-deps]
# The main job: installs what it needs, builds kvmini against a Debian
# kernel, boots that kernel in Bochs (which emulates VT-x), loads the module
# there and shows it at work: what it printed in dmesg, VMX turning on and
# off on every CPU as a VM comes and goes.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
line=6.1 cpus=2 deps=1
while [ $# -gt 0 ]; do
	case "$1" in
	--line) line=${2:?}; shift 2 ;;
	--cpus) cpus=${2:?}; shift 2 ;;
	--no-deps) deps=0; shift ;;
	*) echo "usage: $0 [--line 6.1|6.12] [--cpus N] [--no-deps]" >&2; exit 2 ;;
	esac
done

out=$top/build/demo
mkdir -p "$out"
[ $deps -eq 0 ] || { echo "== installing packages (log: $out/deps.log)"; bash scripts/deps.sh >"$out/deps.log" 2>&1; }
eval "$(scripts/kernel.sh "$line")"
echo "== building kvmini against $KVER"
rm -rf "$out/src" "$out/payload"
mkdir -p "$out/src"
cp -a Makefile Kbuild include vm vmx emul ept ioctl lapic user tests "$out/src/"
make -C "$out/src" -s KDIR="$KDIR" payload PAYLOAD="$out/payload"
scripts/mkinitramfs.sh --line "$line" --payload "$out/payload" --out "$out/initrd.img"
echo "== booting Debian $KVER in Bochs with $cpus CPU(s) (takes 2 to 4 minutes)"
scripts/boot.sh --machine bochs --line "$line" --cpus "$cpus" --initrd "$out/initrd.img" \
	--log "$out/serial.log" --append kvmini.suite=demo
echo "== what the machine printed (full log: $out/serial.log)"
sed -n '/^DEMO/,/^KTEST DMESG BEGIN/p' "$out/serial.log" | tr -d '\r' | grep -v '^KTEST DMESG'
echo "== kvmini's lines in the kernel log"
tr -d '\r' <"$out/serial.log" | sed -n 's/^dmesg: \(.*kvmini.*\)/\1/p'
scripts/parse-log.sh --label demo "$out/serial.log" >/dev/null || { echo "demo: the machine reported a failure or a kernel warning; see $out/serial.log" >&2; exit 1; }
