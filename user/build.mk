# The kvmini tool (user/); included by the top-level Makefile.
USER_TOOL_SRCS := $(wildcard user/*.c)

user/kvmini: $(USER_TOOL_SRCS) $(wildcard user/*.h)
	$(CC) $(USER_CFLAGS) -o $@ $(USER_TOOL_SRCS)

user: user/kvmini

# Issue 13's messages, as kvm.c builds them and as the built tool says them.
tests/unit/test_device: tests/unit/test_device.c user/kvm.c user/util.c user/kvmini.h \
		tests/unit/unit.h user/kvmini
	$(CC) $(UNIT_CFLAGS) -D_GNU_SOURCE -o $@ tests/unit/test_device.c user/kvm.c user/util.c

clean: clean-user-tool
.PHONY: clean-user-tool
clean-user-tool:
	rm -f user/kvmini

# The PC's pure parts (issue 10): the 8259A, the 8254, the boot header.
tests/unit/test_pic: tests/unit/test_pic.c user/pic.c user/pic.h tests/unit/unit.h
	$(CC) $(UNIT_CFLAGS) -o $@ tests/unit/test_pic.c user/pic.c
tests/unit/test_pit: tests/unit/test_pit.c user/pit.c user/pit.h tests/unit/unit.h
	$(CC) $(UNIT_CFLAGS) -o $@ tests/unit/test_pit.c user/pit.c
tests/unit/test_testdev: tests/unit/test_testdev.c user/testdev.c user/testdev.h tests/unit/unit.h
	$(CC) $(UNIT_CFLAGS) -pthread -o $@ tests/unit/test_testdev.c user/testdev.c
tests/unit/test_bzimage: tests/unit/test_bzimage.c user/bzimage.c user/bzimage.h tests/unit/unit.h
	$(CC) $(UNIT_CFLAGS) -o $@ tests/unit/test_bzimage.c user/bzimage.c

# Antfarm's inference from CR3 loads (issue 14).
tests/unit/test_cr3track: tests/unit/test_cr3track.c user/cr3track.c user/cr3track.h tests/unit/unit.h
	$(CC) $(UNIT_CFLAGS) -o $@ tests/unit/test_cr3track.c user/cr3track.c

# kvm-unit-tests' machine (issue 12): multiboot, fw_cfg.
tests/unit/test_multiboot: tests/unit/test_multiboot.c user/multiboot.c user/multiboot.h user/elfload.c user/elfload.h tests/unit/unit.h
	$(CC) $(UNIT_CFLAGS) -o $@ tests/unit/test_multiboot.c user/multiboot.c user/elfload.c
tests/unit/test_fwcfg: tests/unit/test_fwcfg.c user/fwcfg.c user/fwcfg.h tests/unit/unit.h
	$(CC) $(UNIT_CFLAGS) -o $@ tests/unit/test_fwcfg.c user/fwcfg.c
