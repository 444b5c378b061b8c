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
