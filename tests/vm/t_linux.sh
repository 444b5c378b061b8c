#!/bin/sh
# Issue 10: `kvmini run --kernel` boots the machine's own Debian kernel
# (its vmlinux; one vCPU, no in-kernel irqchip) with the busybox initramfs
# of tests/guests/linux, on /dev/kvmini and then on /dev/kvm.  The guest's
# init checks the timer, fork/exec, a pipe, tmpfs and its dmesg, then
# (kvmini.init=shell) a shell reads the commands piped into the tool's
# stdin and resets (reboot -f) or powers off (poweroff -f): the tool must
# exit 0 either way.  The transcripts of both
# devices must agree line for line, timings aside.  A kernel that panics
# ends the tool with status 2 and the panic line; a truncated bzImage and
# a text file are refused with one line and status 1.  The panic boot is
# the bzImage's: the boot protocol's loader and the kernel's decompressor.
T=linux
. /kvmini/tests/vm/lib.sh

KVMINI=kvmini
TMP=/tmp/t_linux.$$
mkdir -p "$TMP"
L=/kvmini/linux
# Guest seconds in Bochs (1 s = 200 M instructions): a boot takes minutes.
TIMEOUT=${LINUX_TIMEOUT:-1500}

boot() { # NAME DEVICE KERNEL LAST [ARGS...]: the guest's console in $TMP/NAME.out
	local name=$1 dev=$2 kernel=$3 last=$4
	shift 4
	rm -f "$TMP/$name.out" "$TMP/in"
	mkfifo "$TMP/in"
	# Typed at the shell's prompt, as a user would: what comes earlier is
	# the boot's to drop (the 8250 driver resets its FIFO when it probes).
	(
		i=0
		while ! grep -q '^/ # ' "$TMP/$name.out" 2>/dev/null && [ $i -lt "$TIMEOUT" ]; do
			sleep 1
			i=$((i + 1))
		done
		printf 'echo shell-says-$((6 * 7))\n%s\n' "$last"
	) >"$TMP/in" &
	writer=$!
	local t0
	t0=$(now_cs)
	# The console goes to the serial log as it comes, for whoever reads a
	# failure, marked for scripts/parse-log.sh and boot.sh: a guest's panic
	# is not the machine's.
	{
		"$KVMINI" run --device "$dev" --kernel "$L/$kernel" --initrd "$L/initrd.gz" \
			--mem 128M --timeout "$TIMEOUT" "$@" <"$TMP/in" 2>"$TMP/$name.err"
		echo $? >"$TMP/$name.rc"
	} | tee "$TMP/$name.out" | sed "s/^/linux-guest[$name] /"
	RC=$(cat "$TMP/$name.rc")
	sed "s/^/linux-guest[$name] /" "$TMP/$name.err"
	echo "linux: $name: status $RC after $(( ($(now_cs) - t0) / 100 )) s"
	# A guest that never gave a prompt leaves the typist waiting.
	kill "$writer" 2>/dev/null
	wait
}

has() { grep -q "$2" "$TMP/$1.out"; } # NAME PATTERN

# The facts init reports, without the timings, the CPU's name (the two
# devices offer different CPUID tables) and the kernel's messages.
transcript() {
	tr -d '\r' <"$TMP/$1.out" | sed -n '/^KVMINI-LINUX-INIT/,/^KVMINI-LINUX-DONE/p' |
		grep -v -e '^timer' -e '^model name' -e '^dmesg-'
}

# The kernel's messages at warning level or worse, without their times.
warnings() { tr -d '\r' <"$TMP/$1.out" | sed -n 's/^dmesg-[0-4]: //p'; }

booted() { # NAME DEVICE: checks of one boot
	local name=$1
	if [ "$RC" -eq 0 ]; then pass "${name}_exit_0"; else fail "${name}_exit_0" "exit $RC"; fi
	check "${name}_init_ran" has "$name" '^KVMINI-LINUX-INIT'
	check "${name}_kernel_version" has "$name" "^kernel $(uname -r)"
	[ "$name" = kvmini ] && check kvmini_cpu_name has kvmini "^$(grep -m1 '^model name' /proc/cpuinfo)"
	check "${name}_fork_exec" has "$name" '^fork/exec: 100'
	check "${name}_pipe" has "$name" '^pipe: HELLO THROUGH A PIPE'
	check "${name}_tmpfs" has "$name" '^tmpfs: tmpfs data'
	check "${name}_dmesg_no_warn_splat" has "$name" '^dmesg: no WARNING splat'
	check "${name}_shell_from_stdin" has "$name" '^shell-says-42'
	check "${name}_done" has "$name" '^KVMINI-LINUX-DONE'
	# Busy for a second, the periodic tick runs at the kernel's HZ.
	local hz ticks
	hz=$(sed -n 's/^timer: hz \([0-9]*\) .*/\1/p' "$TMP/$name.out" | tr -d '\r')
	ticks=$(sed -n 's/^timer: .* ticks \([0-9]*\) .*/\1/p' "$TMP/$name.out" | tr -d '\r')
	if [ -n "$hz" ] && [ -n "$ticks" ] && [ "$ticks" -ge $((hz * 8 / 10)) ] &&
	   [ "$ticks" -le $((hz * 12 / 10)) ]; then
		pass "${name}_timer_rate"
	else
		fail "${name}_timer_rate" "${ticks:-no} ticks in a busy second, HZ ${hz:-unknown}"
	fi
}

refused() { # NAME FILE PATTERN: a bad kernel file, one line, status 1
	"$KVMINI" run --kernel "$2" --timeout 10 >"$TMP/$1.out" 2>"$TMP/$1.err"
	rc=$?
	if [ "$rc" -eq 1 ] && [ "$(wc -l <"$TMP/$1.err")" -eq 1 ] && grep -q "$3" "$TMP/$1.err"; then
		pass "$1"
	else
		fail "$1" "exit $rc, stderr: $(head -c 300 "$TMP/$1.err")"
	fi
}

head -c 4000000 "$L/bzImage" >"$TMP/trunc.bz"
echo "not a kernel" >"$TMP/text.txt"
refused refuse_truncated "$TMP/trunc.bz" 'truncated bzImage'
refused refuse_text "$TMP/text.txt" 'not a Linux bzImage'

kvmini_load || { fail load "insmod failed"; finish; }
before=$(kvmini_memory)
# The shell ends the run with a reset here (the i8042), a halt on KVM.
# `quiet`: each byte on the console is an exit to the tool, and the whole
# boot log would cost the test machines minutes.
boot kvmini /dev/kvmini vmlinux "reboot -f" --append "quiet kvmini.init=shell"
booted kvmini
# The bzImage, decompressing itself, on this boot.
boot kvmini_panic /dev/kvmini bzImage "" --append "quiet panic=-1 rdinit=/nonexistent root=/dev/nonexistent"
if [ "$RC" -eq 2 ] && grep -q 'Kernel panic - not syncing' "$TMP/kvmini_panic.err" "$TMP/kvmini_panic.out"; then
	pass kvmini_panic_exit_2
else
	fail kvmini_panic_exit_2 "exit $RC"
fi
kvmini_leftovers "$before" memory_back vms_zero unload

if kvm_load; then
	boot kvm /dev/kvm vmlinux "poweroff -f" --append "quiet kvmini.init=shell"
	booted kvm
	kvm_unload
	transcript kvmini >"$TMP/kvmini.t"
	transcript kvm >"$TMP/kvm.t"
	if [ -s "$TMP/kvm.t" ] && cmp -s "$TMP/kvmini.t" "$TMP/kvm.t"; then
		pass same_transcript
	else
		fail same_transcript "kvmini and KVM differ: $(diff "$TMP/kvmini.t" "$TMP/kvm.t" | head -5 | tr '\n' '|')"
	fi
	# No warning that KVM's boot of the same kernel does not give.
	warnings kvmini >"$TMP/kvmini.w"
	warnings kvm >"$TMP/kvm.w"
	extra=$(grep -Fxv -f "$TMP/kvm.w" "$TMP/kvmini.w")
	if [ -z "$extra" ]; then
		pass no_warning_kvm_lacks
	else
		fail no_warning_kvm_lacks "only on kvmini: $(echo "$extra" | head -3 | tr '\n' '|')"
	fi
else
	skip kvm "kvm_intel does not load here"
fi
rm -rf "$TMP"
finish
