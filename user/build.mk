# The kvmini tool (user/); included by the top-level Makefile.
USER_TOOL_SRCS := $(wildcard user/*.c)

user/kvmini: $(USER_TOOL_SRCS) $(wildcard user/*.h)
	$(CC) $(USER_CFLAGS) -o $@ $(USER_TOOL_SRCS)

user: user/kvmini

clean: clean-user-tool
.PHONY: clean-user-tool
clean-user-tool:
	rm -f user/kvmini
