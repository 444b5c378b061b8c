#!/bin/sh
# kvm-unit-tests' machine, with a guest of our own (tests/guests/mboot.c):
# `kvmini run --multiboot` on /dev/kvmini, then with the same tool and the
# same checks on /dev/kvm.  The guest checks the boot magic, the boot
# information (memory, memory map, command line, module), fw_cfg's
# signature, RAM size and CPU count, prints through the 16550 with
# "\r\n", and exits through isa-debug-exit with the bits of what it found
# wrong: the tool's exit status is (bits << 1) | 1, so 1 is a pass.
# Then what must fail does: the same guest without its module and
# arguments (status 49: bits 0x18), the file run as a plain IMAGE (no
# debug-exit unless --debug-exit), hostile images (one line, status 1,
# no guest), and --irqchip=kernel where the device has one.
#
# Outside the test VM, on a machine with KVM: GUESTS=DIR KVMINI=PATH
# KTEST_LIB=PATH as for t_guests.sh, and MB_DEVICES=/dev/kvm.
T=multiboot
. "${KTEST_LIB:-/kvmini/tests/vm/lib.sh}"

GUESTS=${GUESTS:-/kvmini/guests}
KVMINI=${KVMINI:-kvmini}
TMP=${TMPDIR:-/tmp}/t_multiboot.$$
mkdir -p "$TMP" || { fail tmpdir "cannot create $TMP"; finish; }
trap 'rm -rf "$TMP"' EXIT
MB=$GUESTS/mboot.elf
CR=$(printf '\r')

oneline() { tr '\n' '|' <"$1" | cut -c1-400; }

# has LABEL NAME CHECK LINE: the run's stdout has exactly LINE.
has() {
	if grep -qxF "$4" "$TMP/$2.out"; then pass "$1.$3"; else
		fail "$1.$3" "no line '$4' in: $(oneline "$TMP/$2.out")"
	fi
}

# status LABEL NAME WANT
status() {
	if [ "$RC" -eq "$3" ]; then pass "$1.$2.status"; else
		fail "$1.$2.status" "exit status $RC, want $3; stderr: $(oneline "$TMP/$2.err")"
	fi
}

# refused LABEL NAME PATTERN: status 1, one line on stderr matching PATTERN, no guest output.
refused() {
	local got lines
	got=$(cat "$TMP/$2.err")
	lines=$(wc -l <"$TMP/$2.err")
	case "$got" in
	$3) [ "$RC" -eq 1 ] && [ "$lines" -eq 1 ] && [ ! -s "$TMP/$2.out" ] &&
		pass "$1.$2" ||
		fail "$1.$2" "status $RC, $lines stderr lines, stdout: $(oneline "$TMP/$2.out")" ;;
	*) fail "$1.$2" "stderr '$(oneline "$TMP/$2.err")', want '$3'" ;;
	esac
}

# The guest's exit through 0xf4 says nothing on stderr, and no "\r" reaches stdout.
quiet() {
	[ -s "$TMP/$2.err" ] && fail "$1.$2.stderr" "$(oneline "$TMP/$2.err")" || pass "$1.$2.stderr"
	grep -q "$CR" "$TMP/$2.out" && fail "$1.$2.no_cr" "a \\r in the output" || pass "$1.$2.no_cr"
}

# checks DEV LABEL
checks() {
	local dev=$1 l=$2
	printf 'MBOOT_ENV=42\nOTHER=1\n' >"$TMP/env"

	run ok run --device "$dev" --timeout 60 --mem 32M --multiboot "$MB" \
		--initrd "$TMP/env" --append mboot-arg=1
	status "$l" ok 1
	has "$l" ok verdict "mboot: ok"
	has "$l" ok memory "mboot: mem_lower 640 KiB, mem_upper 31680 KiB"
	has "$l" ok cmdline "mboot: cmdline $MB mboot-arg=1"
	# Its address depends on the image's size: any page after it.
	grep -q "^mboot: module $TMP/env at 0x[0-9a-f]*000, 21 bytes\$" "$TMP/ok.out" &&
		pass "$l.module" || fail "$l.module" "no module line in: $(oneline "$TMP/ok.out")"
	has "$l" ok fwcfg "mboot: fw_cfg QEMU, RAM 32 MiB, 1 CPU(s)"
	has "$l" ok mmap_reserved "mboot: mmap 0x1ff0000 0x10000 type 2"
	quiet "$l" ok

	# The numbers follow --mem.
	run mem64 run --device "$dev" --timeout 60 --mem 64M --multiboot "$MB" \
		--initrd "$TMP/env" --append mboot-arg=1
	status "$l" mem64 1
	has "$l" mem64 mem64_memory "mboot: mem_lower 640 KiB, mem_upper 64448 KiB"
	has "$l" mem64 mem64_fwcfg "mboot: fw_cfg QEMU, RAM 64 MiB, 1 CPU(s)"

	# No module, no arguments: the guest must see both missing.
	run bare run --device "$dev" --timeout 60 --mem 32M --multiboot "$MB"
	status "$l" bare 49
	has "$l" bare bare_verdict "mboot: FAIL 0x18"
	has "$l" bare bare_cmdline "mboot: cmdline $MB"
	quiet "$l" bare

	# The same file as a plain IMAGE: no boot information, no fw_cfg (all
	# ones), so every bit (0x7f); 0xf4 is nothing without --debug-exit.
	run image run --device "$dev" --timeout 60 "$MB"
	status "$l" image 0
	has "$l" image image_verdict "mboot: FAIL 0x7f"
	run image_exit run --device "$dev" --timeout 60 --debug-exit "$MB"
	status "$l" image_exit 255
	quiet "$l" image_exit

	# Hostile images: one line each, before any guest runs.
	head -c 2048 "$MB" >"$TMP/cut.elf"
	run cut run --device "$dev" --multiboot "$TMP/cut.elf"
	refused "$l" cut "kvmini: $TMP/cut.elf: not a multiboot image: no multiboot header*"
	printf '\002\260\255\033\000\000\000\000\000\000\000\000' >"$TMP/sum.bin"
	run badsum run --device "$dev" --multiboot "$TMP/sum.bin"
	refused "$l" badsum "kvmini: *: multiboot header at 0x0 has a bad checksum"
	# An a.out-kludge header loading at 0xf0000000.
	printf '\002\260\255\033\000\000\001\000\376\117\121\344\000\000\000\360\000\000\000\360\000\000\000\000\000\000\000\000\000\000\000\360' \
		>"$TMP/high.bin"
	run high run --device "$dev" --multiboot "$TMP/high.bin"
	refused "$l" high "kvmini: *: segment at 0xf0000000-* is outside the RAM*"
	run nomod run --device "$dev" --multiboot "$MB" --initrd "$TMP/missing"
	refused "$l" nomod "kvmini: $TMP/missing: No such file or directory"
	run smp_user run --device "$dev" --multiboot "$MB" --vcpus 2
	refused "$l" smp_user "kvmini: --multiboot with --vcpus 2 needs --irqchip=kernel*"

	# The device's irqchip: a device without one refuses in one line.
	run irqchip run --device "$dev" --timeout 60 --mem 32M --irqchip=kernel \
		--multiboot "$MB" --initrd "$TMP/env" --append mboot-arg=1
	if [ "$RC" -eq 1 ] && [ ! -s "$TMP/irqchip.out" ] &&
		grep -q '^kvmini: .*IRQCHIP' "$TMP/irqchip.err"; then
		refused "$l" irqchip "kvmini: $dev: *IRQCHIP*"
		skip "$l.irqchip_smp" "$dev has no in-kernel irqchip: $(oneline "$TMP/irqchip.err")"
		return
	fi
	status "$l" irqchip 1
	has "$l" irqchip irqchip_verdict "mboot: ok"
	# The AP waits for a SIPI nobody sends: only vCPU 0 runs the image, and
	# the guest sees 2 CPUs where it wants 1 (bit 0x40).
	run smp run --device "$dev" --timeout 60 --mem 32M --irqchip=kernel --vcpus 2 \
		--multiboot "$MB" --initrd "$TMP/env" --append mboot-arg=1
	status "$l" smp 129
	has "$l" smp smp_fwcfg "mboot: fw_cfg QEMU, RAM 32 MiB, 2 CPU(s)"
	has "$l" smp smp_verdict "mboot: FAIL 0x40"
	[ "$(grep -c '^mboot: fw_cfg' "$TMP/smp.out")" -eq 1 ] && pass "$l.smp_one_runs" ||
		fail "$l.smp_one_runs" "the AP ran the image too: $(oneline "$TMP/smp.out")"
}

[ -f "$MB" ] || { fail image "$MB is missing"; finish; }
if [ -n "${MB_DEVICES:-}" ]; then
	for dev in $MB_DEVICES; do checks "$dev" "${dev##*/}"; done
	finish
fi

kvmini_load || { fail load "insmod failed"; finish; }
checks /dev/kvmini kvmini
check vms_zero grep -qx 0 "$DBG/vms"
check unload kvmini_unload

if kvm_load; then
	checks /dev/kvm kvm
	kvm_unload
else
	skip kvm "kvm_intel does not load here"
fi
finish
