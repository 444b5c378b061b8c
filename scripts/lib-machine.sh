# Sourced, from the top of the tree, by the scripts that build kvmini and
# boot one Bochs machine with it (bench.sh, fuzz.sh); they define die().

# build_machine LINE DIR: the module and the payload built against LINE's
# Debian kernel in a fresh copy of the tree, DIR/src (Kbuild writes its
# objects beside the sources), then the initramfs DIR/initrd.img; all
# their output in DIR/build.log.  Leaves kernel.sh's KVER, KDIR, VMLINUZ
# and KMODDIR set.  SELFTESTS-DIR, when given, goes into the payload as
# its selftests (scripts/selftests.sh's output).
build_machine() {
	local line=$1 dir=$2 selftests=${3:-}
	echo "== build ($line)"
	eval "$(scripts/kernel.sh "$line")"
	rm -rf "$dir"
	mkdir -p "$dir/src"
	cp -a Makefile Kbuild include vm vmx emul ept ioctl lapic user tests "$dir/src/"
	make -C "$dir/src" -s KDIR="$KDIR" module >"$dir/build.log" 2>&1 ||
		die "module build failed: see $dir/build.log"
	make -C "$dir/src" -s KDIR="$KDIR" payload PAYLOAD="$dir/payload" >>"$dir/build.log" 2>&1 ||
		die "payload build failed: see $dir/build.log"
	[ -z "$selftests" ] || cp -a "$selftests" "$dir/payload/selftests"
	scripts/mkinitramfs.sh --line "$line" --payload "$dir/payload" \
		--out "$dir/initrd.img" >>"$dir/build.log" 2>&1 ||
		die "initramfs failed: see $dir/build.log"
}
