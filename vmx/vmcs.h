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

void vmread_error(unsigned long field);
void vmwrite_error(unsigned long field, unsigned long value);

static __always_inline unsigned long __vmcs_read(unsigned long field)
{
	unsigned long value;
	bool fail;

	asm volatile("vmread %[field], %[value]"
		     CC_SET(be)
		     : [value] "=rm" (value), CC_OUT(be) (fail)
		     : [field] "r" (field)
		     : "cc");
	if (unlikely(fail))
		vmread_error(field);
	return value;
}

static __always_inline void __vmcs_write(unsigned long field, unsigned long value)
{
	bool fail;

	asm volatile("vmwrite %[value], %[field]"
		     CC_SET(be)
		     : CC_OUT(be) (fail)
		     : [value] "rm" (value), [field] "r" (field)
		     : "cc", "memory");
	if (unlikely(fail))
		vmwrite_error(field, value);
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
