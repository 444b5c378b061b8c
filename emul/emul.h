/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The x86 instruction emulator: what an instruction that touched MMIO
 * would have done, carried out on a copy of the registers through two
 * memory callbacks.  It knows nothing of VMX or of the VMM: vmx/emulate.c
 * fills the context from the VMCS, turns the callbacks into guest RAM
 * and KVM_EXIT_MMIO, and commits the registers when the instruction is
 * done.  Pure code, built into the module and into the host-side unit
 * tests (tests/unit/test_emul.c), as KVM's emulate.c stands apart from
 * vmx.c.
 *
 * An instruction runs from the start each time: a read that needs
 * userspace returns EMU_IO, the caller gets the data and runs the
 * instruction again, serving that read (and those before it) from what
 * userspace answered.  Writes are only handed to the callback once
 * everything the instruction reads has been read, so running again is
 * harmless.
 */
#ifndef KVMINI_EMUL_EMUL_H
#define KVMINI_EMUL_EMUL_H

#ifdef __KERNEL__
#include <linux/bits.h>
#include <linux/string.h>
#else
#include <string.h>
#ifndef BIT
#define BIT(n)		(1UL << (n))
#endif
#endif
#include "alu.h"

#define EMU_MAX_INSN	15

/* x86 encoding order, as the sreg field of ModRM and the prefixes use it. */
enum emu_seg { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, NR_EMU_SEGS };
/* The VMCS's order goes on with LDTR and TR. */
#define EMU_SEG_TR	7

enum emu_result {
	EMU_DONE,		/* commit; RIP moves to ctx.rip */
	EMU_AGAIN,		/* a REP with elements left: commit, RIP stays */
	EMU_IO,			/* a read waits for userspace: run again then */
	EMU_FAULT,		/* raise ctx.fault; nothing is committed */
	EMU_UNHANDLED,		/* not an instruction this emulator carries out */
};

struct emu_fault {
	u8 vector;
	bool has_code;
	u32 code;
	u64 addr;		/* CR2, for #PF */
};

/* A decoded instruction. */
struct emu_insn {
	u8 len;
	u8 op_size;		/* bytes: 1, 2, 4, 8 (1 only where the opcode says so) */
	u8 addr_size;		/* bytes: 2, 4, 8 */
	u8 rep;			/* 0, 0xf2 or 0xf3 */
	u8 rex;
	bool two_byte;		/* opcode is 0F xx */
	bool opsize_prefix;	/* 66, which SSE moves read as a selector */
	u8 opcode;
	bool has_modrm;
	u8 mod, reg, rm;	/* reg and rm with REX.R and REX.B */
	u8 seg;			/* of the memory operand: override or default */
	bool uses_sp;		/* RSP is the memory operand's base */
	u64 ea;			/* offset of the memory operand, address-size wrapped */
	u64 imm, imm2;		/* imm2: ENTER's nesting level */
};

struct emu_ctxt;

struct emu_ops {
	/* Read or write @len bytes at guest linear @gla; EMU_DONE, EMU_IO or EMU_FAULT. */
	int (*read)(struct emu_ctxt *c, u64 gla, void *buf, unsigned int len, bool is_stack);
	int (*write)(struct emu_ctxt *c, u64 gla, const void *buf, unsigned int len,
		     bool is_stack);
	/* Reads the 16-byte SSE register @reg, or the 8-byte MMX one when @mmx. */
	void (*get_vec)(struct emu_ctxt *c, unsigned int reg, bool mmx, void *buf);
	/* Loads segment @seg (or EMU_SEG_TR) from @sel, with the CPU's checks. */
	int (*load_seg)(struct emu_ctxt *c, unsigned int seg, u16 sel);
};

struct emu_ctxt {
	const struct emu_ops *ops;
	void *priv;			/* the caller's */
	/* In: the guest's state.  The emulator changes its copy only. */
	u64 regs[16];
	u64 rip;			/* in: of the instruction; out: of the next one */
	u64 rflags;
	u64 seg_base[NR_EMU_SEGS];
	u16 seg_sel[NR_EMU_SEGS];
	u64 cr0;
	bool long64;			/* 64-bit code */
	bool code32;			/* CS.D in protected mode (ignored when long64) */
	bool stack32;			/* SS.B */
	u8 cpl;
	/* Out. */
	struct emu_insn insn;
	struct emu_fault fault;
	bool mov_ss;			/* blocks interrupts for the next instruction */
	/* A vector register to load when the instruction is committed. */
	bool vec_load;
	bool vec_mmx;
	u8 vec_reg;
	u8 vec[16];
};

int emu_decode(struct emu_ctxt *c, const u8 *bytes, unsigned int avail);
int emu_execute(struct emu_ctxt *c);
int emu_run(struct emu_ctxt *c, const u8 *bytes, unsigned int avail);

/* For the executor's files (exec.c, string.c, stack.c). */
u64 emu_reg_read(struct emu_ctxt *c, unsigned int reg, unsigned int size, bool high_byte_ok);
void emu_reg_write(struct emu_ctxt *c, unsigned int reg, unsigned int size, u64 val,
		   bool high_byte_ok);
u64 emu_linear(struct emu_ctxt *c, unsigned int seg, u64 ea);
int emu_mem_read(struct emu_ctxt *c, unsigned int seg, u64 ea, void *buf, unsigned int len);
int emu_mem_write(struct emu_ctxt *c, unsigned int seg, u64 ea, const void *buf,
		  unsigned int len);
int emu_fault(struct emu_ctxt *c, u8 vector, bool has_code, u32 code);
u64 emu_size_mask(unsigned int size);
bool emu_canonical(u64 va);
int emu_exec_string(struct emu_ctxt *c);
int emu_exec_stack(struct emu_ctxt *c);
int emu_exec_vector(struct emu_ctxt *c);
int emu_exec_system(struct emu_ctxt *c);

#endif /* KVMINI_EMUL_EMUL_H */
