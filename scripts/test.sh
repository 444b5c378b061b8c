#!/bin/bash
# Usage: scripts/test.sh [--lines "6.1 6.12"] [--no-deps]
# Every kvmini test, as CI runs it: installs what it needs, runs the host
# unit tests, builds the module against each Debian kernel line with W=1 and
# sparse (any warning fails) by plain `make`, checks `make install` and
# modinfo, runs checkpatch and, beside those, builds the Debian packages
# (lintian, DKMS for each line), then boots each line's test machines:
# Bochs with VT-x on 2 then 1 CPUs (the lines in parallel) and QEMU TCG
# without VT-x, plus QEMU with KVM where the host has nested VT-x. Prints
# how long each part took and ends with "N passed, N failed".
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
lines="6.1 6.12"
deps=1
while [ $# -gt 0 ]; do
	case "$1" in
	--lines) lines=${2:?}; shift 2 ;;
	--no-deps) deps=0; shift ;;
	*) echo "usage: $0 [--lines \"6.1 6.12\"] [--no-deps]" >&2; exit 2 ;;
	esac
done

out=$top/build/test
rm -rf "$out"
mkdir -p "$out"
results=$out/results.txt
: >"$results"
times=()

# part NAME CMD...: runs one part, timing it; its result lines go to $results.
part() {
	local name=$1 start=$SECONDS
	shift
	echo "== $name"
	"$@" || true
	times+=("$(printf '%-28s %4d s' "$name" $((SECONDS - start)))")
}
result() { echo "$*" | tee -a "$results"; }

deps() { bash scripts/deps.sh >"$out/deps.log" 2>&1 || { result "FAIL setup/deps: see $out/deps.log"; tail -5 "$out/deps.log"; }; }

unit() {
	make -s check >"$out/unit.log" 2>&1
	local rc=$?
	grep -E '^(PASS|FAIL) ' "$out/unit.log" >>"$results"
	grep -E '^FAIL ' "$out/unit.log" || true
	[ $rc -eq 0 ] || grep -q '^FAIL ' "$out/unit.log" ||
		result "FAIL unit/build: $(tail -3 "$out/unit.log" | tr '\n' ' ')"
	echo "$(grep -c '^PASS' "$out/unit.log") unit checks passed"
}

# Each line builds in its own copy: Kbuild writes its objects beside the sources.
build() { # LINE
	local line=$1 dir=$out/$1 kdir
	eval "$(scripts/kernel.sh "$line" 2>"$out/kernel-$line.log")" ||
		{ result "FAIL build-$line/kernel: $(tail -1 "$out/kernel-$line.log")"; return; }
	kdir=$KDIR
	clean_copy "$dir/src"
	# `make` with no goal: the module (W=1, sparse) and the userspace parts.
	if ! make -C "$dir/src" -s KDIR="$kdir" W=1 C=1 >"$dir/build.log" 2>&1; then
		result "FAIL build-$line/make: $(grep -m1 -E 'error' "$dir/build.log")"
		return
	fi
	if grep -E 'warning:|error:' "$dir/build.log"; then
		result "FAIL build-$line/w1-sparse-clean: $(grep -c -E 'warning:|error:' "$dir/build.log") diagnostics"
	else
		result "PASS build-$line/w1-sparse-clean"
	fi
	# Guards (issue 13): plain `make` builds kvmini.ko and the tool, as README
	# says (an included rule had become the default goal).
	if [ -f "$dir/src/kvmini.ko" ] && [ -x "$dir/src/user/kvmini" ]; then
		result "PASS build-$line/make-builds-module-and-tool"
	else
		result "FAIL build-$line/make-builds-module-and-tool: no kvmini.ko or user/kvmini"
	fi
	[ "$line" != "${lines%% *}" ] || install_tree "$dir/src" "$kdir"
	if make -C "$dir/src" -s KDIR="$kdir" payload PAYLOAD="$dir/payload" >>"$dir/build.log" 2>&1 &&
	   scripts/mkinitramfs.sh --line "$line" --payload "$dir/payload" --out "$dir/initrd.img" >>"$dir/build.log" 2>&1; then
		result "PASS build-$line/initramfs"
	else
		result "FAIL build-$line/initramfs: $(tail -1 "$dir/build.log")"
	fi
}

style() {
	if scripts/checkpatch.sh >"$out/checkpatch.log" 2>&1; then
		result "PASS style/checkpatch-strict: $(tail -1 "$out/checkpatch.log")"
	else
		grep -E 'ERROR|WARNING' "$out/checkpatch.log" | head -20
		result "FAIL style/checkpatch-strict: $(tail -1 "$out/checkpatch.log")"
	fi
}

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# clean_copy DEST: the tree as a checkout has it (tracked files, and new
# ones not ignored), without build products or caches.
clean_copy() {
	mkdir -p "$1"
	if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
		git -C "$top" ls-files -z --cached --others --exclude-standard |
			tar -C "$top" --null --ignore-failed-read -T - -cf - 2>/dev/null |
			tar -xf - -C "$1"
	else
		tar -C "$top" --exclude=./build --exclude=./.cache -cf - . | tar -xf - -C "$1"
	fi
}

# step NAME CMD...: one timed step of the install checks, its output in
# $dir/NAME.log.
step() {
	local name=$1 start=$SECONDS rc=0
	shift
	"$@" >"$dir/$name.log" 2>&1 || rc=$?
	echo "$name: $((SECONDS - start)) s (exit $rc)"
	return $rc
}

# Issue 13, "build and install", in a line's built copy SRC: `make install`
# into a DESTDIR, what modinfo shows, the one-line message without headers,
# the man page.
install_tree() { # SRC KDIR
	local src=$1 kdir=$2 dir=$out/install dest ko missing p kver
	dest=$dir/root
	mkdir -p "$dir"
	kver=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' "$kdir/include/generated/utsrelease.h")

	# Guards: `make install` puts the module in /lib/modules/<ver>/updates with
	# depmod's index, the tool and its man page under PREFIX, the udev rule
	# that gives /dev/kvmini to the group kvm with mode 0660.
	if make -C "$src" -s KDIR="$kdir" install DESTDIR="$dest" >"$dir/make-install.log" 2>&1; then
		missing=
		for p in "lib/modules/$kver/updates/kvmini.ko" usr/local/bin/kvmini \
			 usr/local/share/man/man1/kvmini.1 etc/udev/rules.d/60-kvmini.rules; do
			[ -s "$dest/$p" ] || missing="$missing $p"
		done
		grep -qs '^updates/kvmini.ko:' "$dest/lib/modules/$kver/modules.dep" ||
			missing="$missing modules.dep-entry"
		grep -qs 'KERNEL=="kvmini".*GROUP="kvm".*MODE="0660"' \
			"$dest/etc/udev/rules.d/60-kvmini.rules" || missing="$missing udev-kvm-0660"
		if [ -z "$missing" ]; then
			result "PASS install/make-install-destdir"
		else
			result "FAIL install/make-install-destdir: missing$missing"
		fi
	else
		result "FAIL install/make-install-destdir: $(tail -1 "$dir/make-install.log")"
	fi

	# Guards: modinfo shows a description, author, license, and a meaning for
	# every parameter (a module_param without MODULE_PARM_DESC has a parmtype
	# but no parm line).
	ko=$src/kvmini.ko
	PATH=$PATH:/usr/sbin:/sbin modinfo "$ko" >"$dir/modinfo.log" 2>&1
	missing=
	for p in description author license; do
		[ -n "$(PATH=$PATH:/usr/sbin:/sbin modinfo -F "$p" "$ko")" ] || missing="$missing $p"
	done
	for p in $(PATH=$PATH:/usr/sbin:/sbin modinfo -F parmtype "$ko" | cut -d: -f1); do
		PATH=$PATH:/usr/sbin:/sbin modinfo -F parm "$ko" | grep -q "^$p:." ||
			missing="$missing parm-desc:$p"
	done
	if [ -z "$missing" ]; then
		result "PASS install/modinfo: $(grep -c '^parm:' "$dir/modinfo.log") parameters described"
	else
		result "FAIL install/modinfo: missing$missing"
	fi

	# Guards: without headers for the running kernel, one line naming the
	# package (a kernel release that has none stands in for the running one).
	env -u KDIR make -s --no-print-directory -C "$src" RUNNING=0.0.0-kvmini-test \
		>/dev/null 2>"$dir/noheaders.log"
	if [ "$(wc -l <"$dir/noheaders.log")" -eq 1 ] &&
	   grep -q 'apt-get install linux-headers-0.0.0-kvmini-test' "$dir/noheaders.log"; then
		result "PASS install/no-headers-one-line"
	else
		result "FAIL install/no-headers-one-line: $(head -2 "$dir/noheaders.log" | tr '\n' ' ')"
	fi

	# Guards: kvmini(1) formats without a warning.
	if LC_ALL=C.UTF-8 man --warnings -l "$src/docs/kvmini.1" 2>"$dir/man.log" >/dev/null &&
	   [ ! -s "$dir/man.log" ]; then
		result "PASS install/man-page"
	else
		result "FAIL install/man-page: $(head -1 "$dir/man.log")"
	fi
}

# Issue 13, DKMS: kvmini-dkms and kvmini built with dpkg-buildpackage from a
# clean copy, lintian without errors, and kvmini-dkms installed here so that
# DKMS builds the module for each kernel line's headers (nothing is loaded).
# Both packages are purged afterwards.
packages() {
	local dir=$out/pkg line st how ko name ver lint rc
	mkdir -p "$dir"
	clean_copy "$dir/src"
	ver=$(cd "$dir/src" && dpkg-parsechangelog -SVersion)
	if (cd "$dir/src" && step dpkg-buildpackage dpkg-buildpackage -b -us -uc); then
		result "PASS install/dpkg-buildpackage: $(cd "$dir" && echo kvmini*.deb)"
	else
		result "FAIL install/dpkg-buildpackage: $(tail -1 "$dir/dpkg-buildpackage.log")"
		return
	fi

	# Every package of the build (kvmini-dbgsym too); exit 1 means an error
	# tag, more that lintian itself failed.
	rc=0
	step lintian lintian --fail-on error "$dir"/kvmini_"${ver}"_*.changes || rc=$?
	lint="$(grep -c '^E: ' "$dir/lintian.log") errors, $(grep -c '^W: ' "$dir/lintian.log") warnings"
	if [ $rc -eq 0 ] && ! grep -q '^E: ' "$dir/lintian.log"; then
		result "PASS install/lintian: $lint"
	else
		grep -E '^[EW]: ' "$dir/lintian.log" | head -10
		result "FAIL install/lintian: $lint (exit $rc)"
	fi

	# apt rather than dpkg: it waits for the dpkg lock if a build part holds it.
	if ! step dkms-install as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y \
		--no-install-recommends -o DPkg::Lock::Timeout=600 \
		"$dir/kvmini-dkms_${ver}_all.deb" "$dir"/kvmini_"${ver}"_*.deb; then
		result "FAIL install/dkms-package: $(grep -m1 -iE 'error|failed' "$dir/dkms-install.log")"
	fi
	# The postinst has DKMS build for the kernels it picks (on a machine whose
	# own kernel is not installed, every one with headers); a line it left out
	# is built here. Either way it is `dkms build -m kvmini -v VER -k KVER`.
	for line in $lines; do
		eval "$(scripts/kernel.sh "$line" 2>"$dir/kernel-$line.log")" ||
			{ result "FAIL install/dkms-$line: $(tail -1 "$dir/kernel-$line.log")"; continue; }
		st=$(dkms status -m kvmini -v "$ver" -k "$KVER" 2>/dev/null)
		how="by the package's postinst"
		case $st in
		*": built"* | *": installed"*) ;;
		*)
			how="by dkms build"
			step "dkms-build-$line" as_root dkms build -m kvmini -v "$ver" -k "$KVER" || true
			st=$(dkms status -m kvmini -v "$ver" -k "$KVER" 2>/dev/null)
			;;
		esac
		ko=$(find "/var/lib/dkms/kvmini/$ver/$KVER" -path '*/module/kvmini.ko*' 2>/dev/null | head -1)
		name=$(PATH=$PATH:/usr/sbin:/sbin modinfo -F vermagic "$ko" 2>/dev/null | cut -d' ' -f1)
		if [ -n "$ko" ] && [ "$name" = "$KVER" ]; then
			result "PASS install/dkms-$line: kvmini/$ver built for $KVER $how"
		else
			result "FAIL install/dkms-$line: '$st', module '${ko:-none}' for '${name:-?}'"
		fi
	done
	if [ -s /lib/udev/rules.d/60-kvmini.rules ] && [ -s /usr/share/man/man1/kvmini.1.gz ] &&
	   /usr/bin/kvmini --help >/dev/null; then
		result "PASS install/packages-installed: udev rule, tool, man page"
	else
		result "FAIL install/packages-installed: udev rule, /usr/bin/kvmini or kvmini(1) missing"
	fi
	# Also after a failed install: the host keeps nothing of kvmini's.
	step dkms-purge as_root env DEBIAN_FRONTEND=noninteractive apt-get purge -y \
		-o DPkg::Lock::Timeout=600 kvmini kvmini-dkms ||
		result "FAIL install/purge: $(tail -1 "$dir/dkms-purge.log")"
}

# The package checks run beside the unit tests, the module builds and
# checkpatch (one make job each: a core is free), at the lowest priority so
# that the builds keep their speed, and are waited for before the Bochs
# machines, which want both cores. Their results go to install.res.
install_checks() {
	local start=$SECONDS
	result() { echo "$*" | tee -a "$out/install.res"; }
	packages
	echo "install checks: $((SECONDS - start)) s"
	printf '%-28s %4d s\n' "packages (beside builds)" $((SECONDS - start)) >"$out/install.times"
}

wait_install() {
	wait "$install_pid" || true
	cat "$out/install.out"
	[ ! -f "$out/install.times" ] || times+=("$(cat "$out/install.times")")
}

# boot LABEL MACHINE LINE CPUS SUITE [ARGS]: one test machine, ARGS added
# to its kernel command line; its log is parsed later.
boot() {
	local label=$1 machine=$2 line=$3 cpus=$4 suite=$5 args=${6:-} rc=0
	[ -f "$out/$line/initrd.img" ] || { echo "FAIL $label/boot: no initramfs" >"$out/$label.res"; return; }
	scripts/boot.sh --machine "$machine" --line "$line" --cpus "$cpus" \
		--initrd "$out/$line/initrd.img" --log "$out/$label.log" \
		--timeout 3600 --append "kvmini.suite=$suite${args:+ $args}" >"$out/$label.boot" 2>&1 || rc=$?
	cat "$out/$label.boot"
	if [ $rc -eq 77 ]; then
		echo "SKIP $label/all: $(head -1 "$out/$label.boot")" >"$out/$label.res"
		return
	fi
	scripts/parse-log.sh --no-summary --label "$label" "$out/$label.log" >"$out/$label.res" || true
}

# The hardened lane: the kernel's own use-after-free, redzone and poison
# checks that Debian builds in, on the 1-CPU machines (the 2-CPU ones are
# the long pole of the run already).  A corruption they find is a BUG or
# a "Poison overwritten"/KFENCE report in the log, which parse-log.sh fails.
hardened_args() { # LINE
	local args="slub_debug=FZPU page_poison=1"
	# 6.12 has KFENCE, off until given an interval (ms).
	[ "$1" = 6.1 ] || args="$args kfence.sample_interval=10"
	echo "$args"
}

# bochs_machines: every line's Bochs machines, two at a time (Bochs uses one
# host core whatever its CPU count): the 2-CPU ones first, as they take
# longest, so both cores stay busy until the end.
bochs_machines() {
	local cpus line args
	for cpus in 2 1; do
		for line in $lines; do
			while [ "$(jobs -rp | wc -l)" -ge 2 ]; do
				wait -n || true
			done
			# page_poison=1 everywhere: slotdel (2 CPUs) sees a store
			# into a freed page only through it.
			args=page_poison=1
			[ "$cpus" != 1 ] || args=$(hardened_args "$line")
			boot "bochs-$line-${cpus}cpu" bochs "$line" "$cpus" vmx "$args" &
		done
	done
	wait
}

qemus() {
	local line
	for line in $lines; do
		boot "qemu-tcg-$line" qemu-tcg "$line" 2 novmx
		boot "qemu-kvm-$line" qemu-kvm "$line" 2 vmx
	done
}

collect() {
	cat "$out"/*.res 2>/dev/null | sort -u >>"$results"
	grep -h -E '^FAIL' "$out"/*.res 2>/dev/null || true
}

[ $deps -eq 0 ] || part deps deps
# Niced: the module builds are the path to the Bochs machines.
{ renice -n 19 -p $BASHPID >/dev/null; install_checks || true; } >"$out/install.out" 2>&1 &
install_pid=$!
part unit unit
for line in $lines; do part "build $line" build "$line"; done
part checkpatch style
part "packages (wait)" wait_install
part "bochs" bochs_machines
part "qemu" qemus
collect

echo "== time per part"
printf '%s\n' "${times[@]}"
echo "== results ($results)"
grep -E '^(FAIL|SKIP)' "$results" || true
scripts/parse-log.sh --tally <"$results"
