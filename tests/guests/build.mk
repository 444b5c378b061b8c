# The guest programs (tests/guests/); included by the top-level Makefile.
# Images land in tests/guests/bin/: NAME.bin (flat, real mode) or NAME.elf
# (static ELF32/ELF64).  Each image's mode is in GUEST_MODE_<NAME>, so
#   user/kvmini run --mode $(GUEST_MODE_x) tests/guests/bin/x.elf
# is always right; `make guests-check [GUEST_DEVICE=/dev/kvm]` runs every
# guest against its expectations here, on the host (tests/vm/t_guests.sh,
# t_hcall_guests.sh for the hypercall guests, t_balloon_guest.sh for the
# balloon).
GD := tests/guests
GO := $(GD)/obj
GB := $(GD)/bin

GUEST_CFLAGS := -O2 -g -Wall -Wextra -Werror -std=gnu11 -ffreestanding \
	-fno-pic -fno-pie -fno-stack-protector -fno-asynchronous-unwind-tables \
	-fcf-protection=none -mno-red-zone -mgeneral-regs-only
# One RWX segment is what a guest wants; binutils >= 2.39 would warn.
GUEST_LDFLAGS := -nostdlib -static --build-id=none -z noexecstack \
	-z max-page-size=4096 -z noseparate-code \
	$(shell $(LD) --help 2>/dev/null | grep -q no-warn-rwx-segments && echo --no-warn-rwx-segments)

# name: mode (the kvmini default for the image kind when not overridden)
GUEST_MODE_hello-real := real
GUEST_MODE_hello-protected := protected
GUEST_MODE_hello-paged := paged
GUEST_MODE_hello-long := long
GUEST_MODE_uart := real
GUEST_MODE_loop := real
GUEST_MODE_sti-hlt := real
GUEST_MODE_triple := long
GUEST_MODE_pio := protected
GUEST_MODE_cpuid := protected
GUEST_MODE_mmio := long
GUEST_MODE_emul := long
GUEST_MODE_msr := long
GUEST_MODE_walk := long
GUEST_MODE_clobber := long
GUEST_MODE_clobber-sse := long
GUEST_MODE_hcall := long
GUEST_MODE_hcall-paged := paged
GUEST_MODE_ticks := long
GUEST_MODE_hcost := long
GUEST_MODE_fill := long
GUEST_MODE_balloon := long
GUEST_MODE_pager := long
GUEST_MODE_antfarm := long
# Booted with --multiboot (protected mode, as the specification says), not --mode.
GUEST_MODE_mboot := protected

GUEST_FLAT := hello-real uart loop sti-hlt
GUEST_ELF32 := hello-protected hello-paged pio cpuid hcall-paged mboot
GUEST_ELF64 := hello-long triple mmio emul msr walk clobber clobber-sse hcall ticks hcost fill balloon pager \
	antfarm
GUEST_IMAGES := $(GUEST_FLAT:%=$(GB)/%.bin) $(GUEST_ELF32:%=$(GB)/%.elf) \
	$(GUEST_ELF64:%=$(GB)/%.elf)

user: $(GUEST_IMAGES)

GUEST_DEPS := $(GD)/build.mk $(GD)/guest.h $(GD)/idt.h

# Objects: obj/16 (flat, .code16 inside), obj/32, obj/64, from X.S or X.c.
$(GO)/16/%.o: $(GD)/%.S $(GUEST_DEPS)
	@mkdir -p $(@D)
	$(CC) -m32 $(GUEST_CFLAGS) $(GUEST_DEFS) -c -o $@ $<
$(GO)/32/%.o: $(GD)/%.S $(GUEST_DEPS)
	@mkdir -p $(@D)
	$(CC) -m32 $(GUEST_CFLAGS) $(GUEST_DEFS) -c -o $@ $<
$(GO)/32/%.o: $(GD)/%.c $(GUEST_DEPS)
	@mkdir -p $(@D)
	$(CC) -m32 $(GUEST_CFLAGS) -c -o $@ $<
$(GO)/64/%.o: $(GD)/%.S $(GUEST_DEPS)
	@mkdir -p $(@D)
	$(CC) -m64 $(GUEST_CFLAGS) $(GUEST_DEFS) -c -o $@ $<
$(GO)/64/%.o: $(GD)/%.c $(GUEST_DEPS)
	@mkdir -p $(@D)
	$(CC) -m64 $(GUEST_CFLAGS) -c -o $@ $<

# One source, several modes.
$(GO)/16/hello-real.o: GUEST_DEFS := -DMODE_REAL
$(GO)/32/hello-protected.o: GUEST_DEFS := -DMODE_PROTECTED
$(GO)/32/hello-paged.o: GUEST_DEFS := -DMODE_PAGED
$(GO)/64/hello-long.o: GUEST_DEFS := -DMODE_LONG
$(GO)/16/hello-real.o $(GO)/32/hello-protected.o $(GO)/32/hello-paged.o \
$(GO)/64/hello-long.o: $(GD)/hello.S $(GUEST_DEPS)
	@mkdir -p $(@D)
	$(CC) $(if $(filter $(GO)/64/%,$@),-m64,-m32) $(GUEST_CFLAGS) $(GUEST_DEFS) -c -o $@ $<
$(GO)/64/clobber-sse.o: $(GD)/clobber.c $(GUEST_DEPS)
	@mkdir -p $(@D)
	$(CC) -m64 $(GUEST_CFLAGS) -DNO_AVX -c -o $@ $<
# The hypercall guest: long mode as hcall, 32-bit paging as hcall-paged.
HCALL_DEPS := $(GD)/hcall.h user/hcall_abi.h
$(GO)/64/hcall.o $(GO)/64/hcost.o $(GO)/64/balloon.o: $(HCALL_DEPS)
$(GO)/64/pager.o: user/disk_abi.h
$(GO)/32/hcall-paged.o: $(GD)/hcall.c $(GUEST_DEPS) $(HCALL_DEPS)
	@mkdir -p $(@D)
	$(CC) -m32 $(GUEST_CFLAGS) -c -o $@ $<

# What each ELF guest is made of, besides its own object.
GUEST_C32 := pio cpuid hcall-paged
GUEST_C64 := mmio emul msr walk clobber clobber-sse hcall ticks hcost fill balloon pager antfarm
GUEST_EXTRA_msr := idt
GUEST_EXTRA_emul := idt
GUEST_EXTRA_ticks := idt ticks_irq
GUEST_EXTRA_pager := idt pager_pf
GUEST_EXTRA_clobber := clobber_regs
GUEST_EXTRA_clobber-sse := clobber_regs

$(GB)/%.bin: $(GO)/16/%.o $(GD)/flat.ld
	@mkdir -p $(@D)
	$(LD) -m elf_i386 $(GUEST_LDFLAGS) -T $(GD)/flat.ld -o $@ $<

# NAME, bits, extra objects, ld emulation
define GUEST_ELF_RULE
$(GB)/$(1).elf: $(GO)/$(2)/$(1).o $(3) $(GD)/guest.ld
	@mkdir -p $$(@D)
	$$(LD) -m $(4) $$(GUEST_LDFLAGS) -T $(GD)/guest.ld -o $$@ $$(filter %.o,$$^)
endef
$(foreach g,$(GUEST_ELF32),$(eval $(call GUEST_ELF_RULE,$(g),32,\
	$(if $(filter $(g),$(GUEST_C32)),$(GO)/32/start.o),elf_i386)))
$(foreach g,$(GUEST_ELF64),$(eval $(call GUEST_ELF_RULE,$(g),64,\
	$(if $(filter $(g),$(GUEST_C64)),$(GO)/64/start.o) \
	$(addprefix $(GO)/64/,$(addsuffix .o,$(GUEST_EXTRA_$(g)))),elf_x86_64)))

# Keep the flat guests' objects, like every other object here.
.SECONDARY: $(GUEST_FLAT:%=$(GO)/16/%.o)

.PHONY: guests-check clean-guests
GUEST_DEVICE ?= /dev/kvm
GUESTS_CHECK_ENV := GUESTS=$(CURDIR)/$(GB) KVMINI=$(CURDIR)/user/kvmini \
	KTEST_LIB=$(CURDIR)/tests/vm/lib.sh
# Every script runs even when one fails; any failing fails the target.
guests-check: user
	s=0; \
	$(GUESTS_CHECK_ENV) sh tests/vm/t_guests.sh $(GUEST_DEVICE) $(notdir $(GUEST_DEVICE)) || s=1; \
	$(GUESTS_CHECK_ENV) sh tests/vm/t_hcall_guests.sh $(GUEST_DEVICE) $(notdir $(GUEST_DEVICE)) || s=1; \
	$(GUESTS_CHECK_ENV) sh tests/vm/t_balloon_guest.sh $(GUEST_DEVICE) $(notdir $(GUEST_DEVICE)) || s=1; \
	exit $$s

clean: clean-guests
clean-guests:
	rm -rf $(GO) $(GB)
