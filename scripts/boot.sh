#!/bin/bash
# Usage: scripts/boot.sh --machine bochs|qemu-tcg|qemu-kvm --line 6.1|6.12
#          --cpus N --initrd FILE --log FILE [--timeout SEC] [--append ARGS]
#          [--megs MB]
# Boots a Debian kernel of that line with an initramfs from mkinitramfs.sh and
# writes its serial console to FILE. A watchdog stops the machine on timeout,
# on a kernel panic, or when the kernel starts a second time (with panic=-1 a
# panic reboots it, and Bochs would then run the suite forever).
# Exit: 0 when the machine powered off after KTEST DONE, 77 when qemu-kvm
# cannot run on this host (skipped), 1 otherwise.
# Bochs runs need no display: its rfb (VNC) display takes the first free port
# of 5900-5949, so several can run at once; nothing connects to it.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
die() { echo "boot.sh: $*" >&2; exit 1; }
usage() {
	die "usage: $0 --machine bochs|qemu-tcg|qemu-kvm --line 6.1|6.12 --cpus N --initrd FILE --log FILE [--timeout SEC] [--append ARGS] [--megs MB]"
}

# --megs: the machine's RAM; 512 MB unless a run needs more (KVM's
# selftests with their default 1 GiB guests: docs/testing.md).
machine='' line='' cpus='' initrd='' log='' timeout=900 append='' megs=512
while [ $# -gt 0 ]; do
	case "$1" in
	--machine) machine=${2:?}; shift 2 ;;
	--line) line=${2:?}; shift 2 ;;
	--cpus) cpus=${2:?}; shift 2 ;;
	--initrd) initrd=${2:?}; shift 2 ;;
	--log) log=${2:?}; shift 2 ;;
	--timeout) timeout=${2:?}; shift 2 ;;
	--append) append=${2?}; shift 2 ;;
	--megs) megs=${2:?}; shift 2 ;;
	*) usage ;;
	esac
done
[ -n "$machine" ] && [ -n "$line" ] && [ -n "$cpus" ] && [ -n "$initrd" ] &&
	[ -n "$log" ] || usage
[[ "$cpus" =~ ^[1-9][0-9]*$ ]] || die "--cpus wants a positive number"
[[ "$timeout" =~ ^[1-9][0-9]*$ ]] || die "--timeout wants seconds"
[[ "$megs" =~ ^[1-9][0-9]*$ ]] || die "--megs wants megabytes"
[ -f "$initrd" ] || die "no initramfs $initrd"

# kvmini.suite=shell gives a human a shell on the serial console: the machine
# then runs in the foreground on this terminal, without the watchdog.
shell=0
case " $append " in
*" kvmini.suite=shell "*)
	[ -t 0 ] && [ -t 1 ] || die "kvmini.suite=shell needs a terminal"
	shell=1
	;;
esac

# Why this host cannot give a guest VT-x through KVM, or nothing if it can.
no_nested_vmx() {
	if ! grep -qw vmx /proc/cpuinfo; then
		if grep -q AuthenticAMD /proc/cpuinfo; then
			echo "CPU is AMD"
		else
			echo "CPU shows no vmx flag"
		fi
	elif [ ! -d /sys/module/kvm_intel ]; then
		echo "kvm_intel not loaded"
	elif ! grep -qx '[Y1]' /sys/module/kvm_intel/parameters/nested 2>/dev/null; then
		echo "nested=N"
	elif [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
		echo "/dev/kvm missing or not usable by $(id -un)"
	fi
}

case "$machine" in
bochs)
	command -v bochs >/dev/null || die "no bochs: run scripts/deps.sh"
	[ "$megs" -le 2048 ] || die "--megs: Bochs takes at most 2048"
	;;
qemu-tcg) ;;
qemu-kvm)
	why=$(no_nested_vmx)
	if [ -n "$why" ]; then
		echo "qemu-kvm: this host has no Intel VT-x with nested virtualization ($why)"
		exit 77
	fi
	;;
*) usage ;;
esac

eval "$("$here/kernel.sh" "$line")"
cmdline="console=ttyS0,115200 quiet loglevel=4 panic=-1 nokaslr mitigations=off${append:+ $append}"
# Bochs's corei7_skylake_x reports XSAVE state sizes the kernel finds
# inconsistent: it WARNs at boot and runs without XSAVE anyway. Say so up
# front, so the log holds only warnings of ours.
[ "$machine" != bochs ] || cmdline="$cmdline noxsave"
# The in-VM runner plans by it (tests.cfg's "=N" holds in Bochs only).
cmdline="$cmdline kvmini.machine=$machine"

mkdir -p "$(dirname "$log")"
log=$(cd "$(dirname "$log")" && pwd)/$(basename "$log")
initrd=$(cd "$(dirname "$initrd")" && pwd)/$(basename "$initrd")
: >"$log"
# Emulator output is kept beside the serial log when a boot fails.
emu_log=$log.${machine%%-*}.log
rm -f "$emu_log"

tmp=$(mktemp -d)
pid=
cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill "$pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_bochs() {
	mkdir -p "$tmp/iso/isolinux"
	cp /usr/lib/ISOLINUX/isolinux.bin /usr/lib/syslinux/modules/bios/ldlinux.c32 \
		"$tmp/iso/isolinux/"
	cp "$VMLINUZ" "$tmp/iso/vmlinuz"
	cp "$initrd" "$tmp/iso/initrd.gz"
	cat >"$tmp/iso/isolinux/isolinux.cfg" <<-EOF
		DEFAULT kvmini
		PROMPT 0
		TIMEOUT 0
		LABEL kvmini
		  KERNEL /vmlinuz
		  INITRD /initrd.gz
		  APPEND $cmdline
	EOF
	xorriso -as mkisofs -o "$tmp/boot.iso" -R -J \
		-b isolinux/isolinux.bin -c isolinux/boot.cat \
		-no-emul-boot -boot-load-size 4 -boot-info-table \
		"$tmp/iso" >"$tmp/xorriso.log" 2>&1 ||
		{ cat "$tmp/xorriso.log" >&2; die "xorriso failed"; }

	# bochsrc cannot quote a path: let the serial file have a plain name.
	ln -s "$log" "$tmp/serial.log"
	local com1="mode=file, dev=serial.log"
	[ "$shell" -eq 0 ] || com1="mode=term, dev=$(tty)"
	cat >"$tmp/bochsrc" <<-EOF
		megs: $megs
		cpu: model=corei7_skylake_x, count=$cpus, ips=200000000, reset_on_triple_fault=0
		romimage: file=/usr/share/bochs/BIOS-bochs-latest
		vgaromimage: file=/usr/share/vgabios/vgabios.bin
		ata0-master: type=cdrom, path=boot.iso, status=inserted
		boot: cdrom
		com1: enabled=1, $com1
		display_library: rfb, options="timeout=0"
		log: bochs.log
		sound: driver=dummy
		clock: sync=none, time0=local
		panic: action=fatal
		error: action=report
		info: action=ignore
		debug: action=ignore
	EOF
	# sound: without it Bochs' mixer thread aborts ("buffer overflow
	# detected") on a machine without a sound card.
	# reset_on_triple_fault=0: a triple fault stops Bochs (panic: fatal)
	# instead of rebooting into a second run of the suite.
	# This bochs has its debugger built in and waits at a prompt at t=0.
	printf 'c\nquit\n' >"$tmp/bochs.rc"
	if [ "$shell" -eq 1 ]; then
		echo "boot.sh: the shell is on this terminal; 'poweroff -f' ends it" >&2
		# Bochs exits with 1 even after a clean power off: show why instead.
		(cd "$tmp" && bochs -q -f bochsrc -rc bochs.rc >"$tmp/bochs.out" 2>&1) || true
		sed -n '/Bochs is exiting with the following message/{n;p;q}' "$tmp/bochs.out" >&2
		exit 0
	fi
	(cd "$tmp" && exec bochs -q -f bochsrc -rc bochs.rc </dev/null \
		>"$tmp/bochs.out" 2>&1) &
	pid=$!
}

start_qemu() { # ACCEL [QEMU ARGS...]
	local accel=$1
	shift
	local qemu=(qemu-system-x86_64 -accel "$accel" "$@" -m "$megs" -smp "$cpus"
		-kernel "$VMLINUZ" -initrd "$initrd" -append "$cmdline"
		-display none -vga none -no-reboot)
	if [ "$shell" -eq 1 ]; then
		echo "boot.sh: the shell is on this terminal; Ctrl-A x quits QEMU" >&2
		"${qemu[@]}" -chardev "stdio,id=con,mux=on,signal=off,logfile=$log" \
			-serial chardev:con -mon chardev=con
		exit
	fi
	"${qemu[@]}" -monitor none -serial "file:$log" \
		</dev/null >"$tmp/qemu.out" 2>&1 &
	pid=$!
}

case "$machine" in
bochs) start_bochs ;;
qemu-tcg) start_qemu tcg ;;
qemu-kvm) start_qemu kvm -cpu host ;;
esac

# Kernel messages below loglevel 4 (the banner among them) are not printed,
# so init's own first line also counts as a start.
# The in-VM runner dumps dmesg with a "dmesg: " prefix: that banner is no boot.
starts() { grep -c -E -e '^(\[ *[0-9.]+\] )?Linux version' -e '^kvmini init:' "$log" || true; }

# The guest's KTEST TIME counts emulated seconds; what CI pays is the host's
# wall clock, written beside the log as "WALL-SECONDS name GUEST-SECONDS".
times=$log.times
: >"$times"
timed=0
stamp_times() {
	local n
	n=$(grep -c '^KTEST TIME ' "$log" || true)
	[ "$n" -gt "$timed" ] || return 0
	grep '^KTEST TIME ' "$log" | tr -d '\r' | tail -n +$((timed + 1)) | head -n $((n - timed)) |
		while read -r _ _ name guest; do
			echo "$((SECONDS - start)) $name $guest"
		done >>"$times"
	timed=$n
}

# The machine's own panic starts its line; a guest's, which t_linux.sh
# copies into the log behind "linux-guest[NAME] ", does not.
machine_panicked() { grep -aqE '^(\[ *[0-9]+\.[0-9]+\] )?Kernel panic' "$log"; }

start=$SECONDS
verdict=
while kill -0 "$pid" 2>/dev/null; do
	stamp_times
	if [ $((SECONDS - start)) -ge "$timeout" ]; then
		verdict="timeout"
	elif machine_panicked; then
		verdict="kernel panic"
		sleep 2 # let the rest of the trace reach the log
	elif [ "$(starts)" -ge 2 ]; then
		verdict="the machine rebooted"
	fi
	[ -z "$verdict" ] || break
	sleep 1
done
elapsed=$((SECONDS - start))
stamp_times

status=0
if [ -n "$verdict" ]; then
	kill "$pid" 2>/dev/null || true
	for _ in 1 2 3 4 5; do
		kill -0 "$pid" 2>/dev/null || break
		sleep 1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	status=1
else
	wait "$pid" || status=$?
	# QEMU exits by itself on a panic (-no-reboot), perhaps before the
	# watchdog saw it.
	if machine_panicked; then
		verdict="kernel panic"
		status=1
	elif grep -q 'KTEST DONE' "$log"; then
		verdict="done"
		status=0
	else
		verdict="stopped without KTEST DONE (emulator status $status)"
		status=1
	fi
fi
if [ "$status" -ne 0 ] && [ -f "$tmp/bochs.out" ]; then
	# Bochs says why it stopped on the line after this one.
	why=$(sed -n '/Bochs is exiting with the following message/{n;p;q}' \
		"$tmp/bochs.out")
	[ -z "$why" ] || verdict="$verdict: bochs: $why"
fi

if [ "$status" -ne 0 ]; then
	for f in bochs.log bochs.out qemu.out; do
		if [ -s "$tmp/$f" ]; then
			{ echo "=== $f"; cat "$tmp/$f"; } >>"$emu_log"
		fi
	done
fi
echo "boot.sh: $machine $line cpus=$cpus: $verdict after $elapsed s"
exit "$status"
