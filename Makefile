# SPDX-License-Identifier: GPL-2.0
# kvmini: `make` builds the module against KDIR and the userspace parts.
#   make KDIR=/usr/src/linux-headers-<ver>   against Debian's packaged headers
#   make W=1 C=1                             extra warnings, sparse
#   make check                               host-side unit tests
#   make install [DESTDIR=DIR] [PREFIX=/usr/local]
#                                            module in /lib/modules/<ver>/updates (depmod),
#                                            tool, man page, udev rule for /dev/kvmini
#   make payload PAYLOAD=DIR                 what the test machine needs
#   make payload PAYLOAD=DIR SELFTESTS=1     also Linux 6.1's KVM selftests (scripts/selftests.sh),
#                                            for the suite `selftests`
#   make bench                               kvmini against KVM in Bochs (scripts/bench.sh)
#   make fuzz                                the long fuzz campaign (scripts/fuzz.sh; FUZZ_MACHINE=qemu-kvm on a VT-x host)
#   make conformance                         KVM's selftests on kvmini and KVM in Bochs, docs/conformance.md's table (scripts/conformance.sh)
#   make swap-experiment                     docs/memory.md's experiments at full size in Bochs (scripts/swap-experiment.sh)

RUNNING := $(shell uname -r)
KDIR ?= /lib/modules/$(RUNNING)/build
# The release the headers are for, which names the install directory.
KRELEASE ?= $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' $(KDIR)/include/generated/utsrelease.h 2>/dev/null)
PREFIX ?= /usr/local
CC ?= gcc
# Userspace runs in a busybox initramfs with no libc, hence static.
USER_CFLAGS := -O2 -g -Wall -Wextra -Werror -std=gnu11 -D_GNU_SOURCE -static
UNIT_CFLAGS := -O1 -g -Wall -Wextra -Werror -std=gnu11 -fsanitize=address,undefined

VM_TESTS := $(patsubst %.c,%,$(wildcard tests/vm/*.c))
UNIT_TESTS := $(patsubst %.c,%,$(wildcard tests/unit/test_*.c))

# The first rule is what plain `make` builds: before the included files,
# whose own rules would otherwise come first.
.PHONY: all module user check payload bench fuzz swap-experiment test-linux conformance clean
all: module user

# Without headers, one line that names the package, rather than Kbuild's
# error from a missing directory.
ifneq ($(filter all module payload install install-module,$(or $(MAKECMDGOALS),all)),)
ifeq ($(wildcard $(KDIR)/Makefile),)
ifeq ($(origin KDIR),file)
$(error no kernel headers at $(KDIR): apt-get install linux-headers-$(RUNNING))
else
$(error no kernel headers at KDIR=$(KDIR): give the build directory of a kernel's headers)
endif
endif
endif

# The tool and the guests describe their own builds.
-include user/build.mk tests/guests/build.mk

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

user: $(VM_TESTS) tests/bench/bench

BENCH_SRCS := tests/bench/bench.c tests/bench/vm.c tests/bench/memory.c tests/bench/guest.S
tests/bench/bench: $(BENCH_SRCS) tests/bench/bench.h
	$(CC) $(USER_CFLAGS) -o $@ $(BENCH_SRCS)

tests/vm/%: tests/vm/%.c tests/vm/ktest.h tests/vm/onevm.h tests/vm/rmvm.h tests/vm/kstats.h \
		tests/vm/memtest.h
	$(CC) $(USER_CFLAGS) -o $@ $<

tests/unit/test_caps: tests/unit/test_caps.c vmx/caps_derive.c vmx/caps.h vmx/controls.h tests/unit/unit.h
	$(CC) $(UNIT_CFLAGS) -o $@ tests/unit/test_caps.c vmx/caps_derive.c

tests/unit/test_cpuid: tests/unit/test_cpuid.c vmx/cpuid_filter.c vmx/cpuid_filter.h tests/unit/unit.h
	$(CC) $(UNIT_CFLAGS) -o $@ tests/unit/test_cpuid.c vmx/cpuid_filter.c

tests/unit/test_cpuid_runtime: tests/unit/test_cpuid_runtime.c vmx/cpuid_runtime.c vmx/cpuid_runtime.h \
		tests/unit/unit.h
	$(CC) $(UNIT_CFLAGS) -o $@ tests/unit/test_cpuid_runtime.c vmx/cpuid_runtime.c

tests/unit/test_msr_rules: tests/unit/test_msr_rules.c vmx/msr_rules.c vmx/msr_rules.h tests/unit/unit.h
	$(CC) $(UNIT_CFLAGS) -o $@ tests/unit/test_msr_rules.c vmx/msr_rules.c

tests/unit/test_lapic: tests/unit/test_lapic.c lapic/lapic.c lapic/lapic.h tests/unit/unit.h
	$(CC) $(UNIT_CFLAGS) -o $@ tests/unit/test_lapic.c lapic/lapic.c

EMUL_SRCS := $(wildcard emul/*.c)
tests/unit/test_emul: tests/unit/test_emul.c $(EMUL_SRCS) $(wildcard emul/*.h) tests/unit/unit.h
	$(CC) $(UNIT_CFLAGS) -o $@ tests/unit/test_emul.c $(EMUL_SRCS)

tests/unit/test_paging: tests/unit/test_paging.c emul/paging.c emul/paging.h tests/unit/unit.h
	$(CC) $(UNIT_CFLAGS) -o $@ tests/unit/test_paging.c emul/paging.c

tests/unit/test_alu: tests/unit/test_alu.c emul/alu.c emul/alu.h tests/unit/unit.h
	$(CC) $(UNIT_CFLAGS) -o $@ tests/unit/test_alu.c emul/alu.c

tests/unit/test_vmstats: tests/unit/test_vmstats.c user/vmstats.c user/util.c user/vmstats.h tests/unit/unit.h
	$(CC) $(UNIT_CFLAGS) -D_GNU_SOURCE -o $@ tests/unit/test_vmstats.c user/vmstats.c user/util.c
tests/unit/test_util: tests/unit/test_util.c user/util.c user/kvmini.h tests/unit/unit.h
	$(CC) $(UNIT_CFLAGS) -D_GNU_SOURCE -o $@ tests/unit/test_util.c user/util.c
tests/unit/test_gva: tests/unit/test_gva.c user/gva.c user/gva.h tests/unit/unit.h
	$(CC) $(UNIT_CFLAGS) -o $@ tests/unit/test_gva.c user/gva.c

tests/unit/test_hva: tests/unit/test_hva.c vm/hva.h tests/unit/unit.h
	$(CC) $(UNIT_CFLAGS) -o $@ tests/unit/test_hva.c

tests/unit/test_vm_settings: tests/unit/test_vm_settings.c vm/settings.h tests/unit/unit.h
	$(CC) $(UNIT_CFLAGS) -o $@ tests/unit/test_vm_settings.c

tests/unit/test_balloon: tests/unit/test_balloon.c user/balloon.c user/balloon.h user/gva.c user/gva.h \
		tests/unit/unit.h
	$(CC) $(UNIT_CFLAGS) -o $@ tests/unit/test_balloon.c user/balloon.c user/gva.c

tests/unit/test_share: tests/unit/test_share.c user/share.c user/share.h user/hcall_abi.h tests/unit/unit.h
	$(CC) $(UNIT_CFLAGS) -D_GNU_SOURCE -o $@ tests/unit/test_share.c user/share.c

tests/unit/test_disk: tests/unit/test_disk.c user/disk.c user/disk.h user/disk_abi.h tests/unit/unit.h
	$(CC) $(UNIT_CFLAGS) -D_GNU_SOURCE -o $@ tests/unit/test_disk.c user/disk.c

check: $(UNIT_TESTS)
	@tests/unit/run.sh $(UNIT_TESTS)

# SELFTESTS=1: KVM's selftests in $(PAYLOAD)/selftests, built from Debian's
# linux-source-6.1 (a minute the first time, seconds after; 30 MB more
# initramfs). Off by default: CI's images go without them.
SELFTESTS ?=
payload: module user
	@test -n "$(PAYLOAD)" || { echo "make payload: set PAYLOAD=DIR" >&2; exit 1; }
	mkdir -p $(PAYLOAD)/bin $(PAYLOAD)/tests/vm
	# Debug info makes the module 20 times larger and insmod in Bochs that much slower.
	strip --strip-debug -o $(PAYLOAD)/kvmini.ko kvmini.ko
	cp $(VM_TESTS) tests/bench/bench user/kvmini $(PAYLOAD)/bin/
	mkdir -p $(PAYLOAD)/guests
	cp $(GUEST_IMAGES) $(PAYLOAD)/guests/
	cp tests/vm/*.sh tests/vm/*.awk tests/vm/tests.cfg tests/vm/selftests.expect $(PAYLOAD)/tests/vm/
ifeq ($(SELFTESTS),1)
	scripts/selftests.sh $(PAYLOAD)/selftests
else
	rm -rf $(PAYLOAD)/selftests
endif

# `make install` as root; DESTDIR=DIR installs below DIR instead (packaging,
# tests), where depmod writes DIR's own module index.
.PHONY: install install-module install-tool install-man install-udev install-dkms-src
install: install-module install-tool install-man install-udev

install-module: module
	@test -n "$(KRELEASE)" || { echo "install: no UTS_RELEASE in $(KDIR)" >&2; exit 1; }
	install -D -m 0644 kvmini.ko $(DESTDIR)/lib/modules/$(KRELEASE)/updates/kvmini.ko
	PATH=$$PATH:/usr/sbin:/sbin depmod $(if $(DESTDIR),-b $(DESTDIR)) $(KRELEASE)

install-tool: user/kvmini
	install -D -m 0755 user/kvmini $(DESTDIR)$(PREFIX)/bin/kvmini

install-man:
	install -D -m 0644 docs/kvmini.1 $(DESTDIR)$(PREFIX)/share/man/man1/kvmini.1

# /dev/kvmini to group kvm, mode 0660, as /dev/kvm is; udev reads new rules
# by itself and applies them when the module next loads.
UDEVDIR ?= /etc/udev/rules.d
install-udev:
	install -D -m 0644 udev/60-kvmini.rules $(DESTDIR)$(UDEVDIR)/60-kvmini.rules

# The module's sources as DKMS builds them (scripts/module-sources.sh picks
# them by folder), in $(DESTDIR)/usr/src/kvmini-$(DKMS_VERSION).
install-dkms-src:
	@test -n "$(DKMS_VERSION)" || { echo "install-dkms-src: set DKMS_VERSION" >&2; exit 1; }
	files=$$(scripts/module-sources.sh) || exit 1; \
	for f in $$files; do \
		install -D -m 0644 "$$f" "$(DESTDIR)/usr/src/kvmini-$(DKMS_VERSION)/$$f" || exit 1; \
	done

bench:
	scripts/bench.sh

fuzz:
	scripts/fuzz.sh

swap-experiment:
	scripts/swap-experiment.sh

test-linux:
	scripts/linux-test.sh

conformance:
	scripts/conformance.sh

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -f $(VM_TESTS) $(UNIT_TESTS) tests/bench/bench
