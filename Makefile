# SPDX-License-Identifier: GPL-2.0
# kvmini: `make` builds the module against KDIR and the userspace parts.
#   make KDIR=/usr/src/linux-headers-<ver>   against Debian's packaged headers
#   make W=1 C=1                             extra warnings, sparse
#   make check                               host-side unit tests
#   make payload PAYLOAD=DIR                 what the test machine needs
#   make bench                               kvmini against KVM in Bochs (scripts/bench.sh)
#   make fuzz                                the long fuzz campaign (scripts/fuzz.sh; FUZZ_MACHINE=qemu-kvm on a VT-x host)

KDIR ?= /lib/modules/$(shell uname -r)/build
CC ?= gcc
# Userspace runs in a busybox initramfs with no libc, hence static.
USER_CFLAGS := -O2 -g -Wall -Wextra -Werror -std=gnu11 -D_GNU_SOURCE -static
UNIT_CFLAGS := -O1 -g -Wall -Wextra -Werror -std=gnu11 -fsanitize=address,undefined

VM_TESTS := $(patsubst %.c,%,$(wildcard tests/vm/*.c))
UNIT_TESTS := $(patsubst %.c,%,$(wildcard tests/unit/test_*.c))

# The tool and the guests describe their own builds.
-include user/build.mk tests/guests/build.mk

.PHONY: all module user check payload bench fuzz clean
all: module user

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

user: $(VM_TESTS) tests/bench/bench

BENCH_SRCS := tests/bench/bench.c tests/bench/vm.c tests/bench/memory.c tests/bench/guest.S
tests/bench/bench: $(BENCH_SRCS) tests/bench/bench.h
	$(CC) $(USER_CFLAGS) -o $@ $(BENCH_SRCS)

tests/vm/%: tests/vm/%.c tests/vm/ktest.h tests/vm/onevm.h tests/vm/rmvm.h tests/vm/kstats.h
	$(CC) $(USER_CFLAGS) -o $@ $<

tests/unit/test_caps: tests/unit/test_caps.c vmx/caps_derive.c vmx/caps.h vmx/controls.h tests/unit/unit.h
	$(CC) $(UNIT_CFLAGS) -o $@ tests/unit/test_caps.c vmx/caps_derive.c

tests/unit/test_cpuid: tests/unit/test_cpuid.c vmx/cpuid_filter.c vmx/cpuid_filter.h tests/unit/unit.h
	$(CC) $(UNIT_CFLAGS) -o $@ tests/unit/test_cpuid.c vmx/cpuid_filter.c

tests/unit/test_vmstats: tests/unit/test_vmstats.c user/vmstats.c user/util.c user/vmstats.h tests/unit/unit.h
	$(CC) $(UNIT_CFLAGS) -D_GNU_SOURCE -o $@ tests/unit/test_vmstats.c user/vmstats.c user/util.c
tests/unit/test_util: tests/unit/test_util.c user/util.c user/kvmini.h tests/unit/unit.h
	$(CC) $(UNIT_CFLAGS) -D_GNU_SOURCE -o $@ tests/unit/test_util.c user/util.c
tests/unit/test_gva: tests/unit/test_gva.c user/gva.c user/gva.h tests/unit/unit.h
	$(CC) $(UNIT_CFLAGS) -o $@ tests/unit/test_gva.c user/gva.c

tests/unit/test_share: tests/unit/test_share.c user/share.c user/share.h user/hcall_abi.h tests/unit/unit.h
	$(CC) $(UNIT_CFLAGS) -D_GNU_SOURCE -o $@ tests/unit/test_share.c user/share.c

check: $(UNIT_TESTS)
	@tests/unit/run.sh $(UNIT_TESTS)

payload: module user
	@test -n "$(PAYLOAD)" || { echo "make payload: set PAYLOAD=DIR" >&2; exit 1; }
	mkdir -p $(PAYLOAD)/bin $(PAYLOAD)/tests/vm
	# Debug info makes the module 20 times larger and insmod in Bochs that much slower.
	strip --strip-debug -o $(PAYLOAD)/kvmini.ko kvmini.ko
	cp $(VM_TESTS) tests/bench/bench user/kvmini $(PAYLOAD)/bin/
	mkdir -p $(PAYLOAD)/guests
	cp $(GUEST_IMAGES) $(PAYLOAD)/guests/
	cp tests/vm/*.sh tests/vm/tests.cfg $(PAYLOAD)/tests/vm/

bench:
	scripts/bench.sh

fuzz:
	scripts/fuzz.sh

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -f $(VM_TESTS) $(UNIT_TESTS) tests/bench/bench
