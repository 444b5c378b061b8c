/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Typed VMREAD/VMWRITE.  The accessor's width must match the field's
 * (bits 14:13 of the encoding), checked at compile time for constant
 * fields; a VMfail goes to one reporter per instruction, which names the
 * field and the VM-instruction error (SDM Vol. 3C 31.4).
 */
#ifndef KVMINI_VMX_VMCS_H
#define KVMINI_VMX_VMCS_H

#include <linux/build_bug.h>
#include <linux/compiler.h>
#include <linux/types.h>
#include <asm/asm.h>
#include <asm/extable_fixup_types.h>

#include "vmcs_fields.h"

#define VMCS_FIELD_WIDTH(f)	(((f) >> 13) & 3)
#define VMCS_WIDTH_16		0
#define VMCS_WIDTH_64		1
#define VMCS_WIDTH_32		2
#define VMCS_WIDTH_NATURAL	3

#define vmcs_check(field, width)					\
	BUILD_BUG_ON_MSG(__builtin_constant_p(field) &&			\
			 VMCS_FIELD_WIDTH(field) != (width),		\
			 "VMCS accessor of the wrong width")

void vmwrite_error(unsigned long field, unsigned long value);
void vmcs_fault(const char *insn, unsigned long field);
void vmread_report(unsigned long field, unsigned long fault);

/*
 * Outside VMX operation VMREAD and VMWRITE raise #UD.  That happens when
 * the reboot notifier's IPI turns VMX off under a vCPU between two exits,
 * so a fault goes to vmcs_fault() (through the exception table) rather
 * than oopsing.
 *
 * VMREAD is on every exit's path many times over: it is the instruction
 * and one branch.  A VMfail, or a fault (the fixup puts 1 in the output
 * register and lands on the push), goes out of line: the field and
 * whether it faulted are pushed for vmread_error_trampoline (vmenter.S),
 * which keeps every register the compiler may hold live, reports through
 * vmread_report(), and leaves 0 in the slot popped as the result.  Debian's
 * GCC 12 has no usable asm goto with outputs.
 */
static __always_inline unsigned long __vmcs_read(unsigned long field)
{
	unsigned long value;

	asm volatile("1: vmread %[field], %[value]\n\t"
		     "ja 3f\n\t"
		     "xor %k[value], %k[value]\n"
		     "2:\n\t"
		     "push %[value]\n\t"
		     "push %[field]\n\t"
		     "call vmread_error_trampoline\n\t"
		     "pop %[field]\n\t"
		     "pop %[value]\n"
		     "3:\n\t"
		     _ASM_EXTABLE_TYPE_REG(1b, 2b, EX_TYPE_ONE_REG, %[value])
		     : ASM_CALL_CONSTRAINT, [value] "=&r" (value)
		     : [field] "r" (field)
		     : "cc");
	return value;
}

static __always_inline void __vmcs_write(unsigned long field, unsigned long value)
{
	asm goto("1: vmwrite %[value], %[field]\n\t"
		 "jbe %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : [value] "rm" (value), [field] "r" (field)
		 : "cc", "memory" : fail, fault);
	return;
fail:
	vmwrite_error(field, value);
	return;
fault:
	vmcs_fault("VMWRITE", field);
}

#define vmcs_read16(f) ({ vmcs_check(f, VMCS_WIDTH_16); (u16)__vmcs_read(f); })
#define vmcs_read32(f) ({ vmcs_check(f, VMCS_WIDTH_32); (u32)__vmcs_read(f); })
#define vmcs_read64(f) ({ vmcs_check(f, VMCS_WIDTH_64); (u64)__vmcs_read(f); })
#define vmcs_readl(f) ({ vmcs_check(f, VMCS_WIDTH_NATURAL); __vmcs_read(f); })

#define vmcs_write16(f, v) do { vmcs_check(f, VMCS_WIDTH_16); __vmcs_write(f, (u16)(v)); } while (0)
#define vmcs_write32(f, v) do { vmcs_check(f, VMCS_WIDTH_32); __vmcs_write(f, (u32)(v)); } while (0)
#define vmcs_write64(f, v) do { vmcs_check(f, VMCS_WIDTH_64); __vmcs_write(f, (u64)(v)); } while (0)
#define vmcs_writel(f, v) do { vmcs_check(f, VMCS_WIDTH_NATURAL); __vmcs_write(f, (unsigned long)(v)); } while (0)

static __always_inline void vmcs_set_bits32(unsigned long f, u32 bits)
{
	vmcs_write32(f, vmcs_read32(f) | bits);
}

static __always_inline void vmcs_clear_bits32(unsigned long f, u32 bits)
{
	vmcs_write32(f, vmcs_read32(f) & ~bits);
}

#endif /* KVMINI_VMX_VMCS_H */
