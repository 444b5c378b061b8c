// SPDX-License-Identifier: GPL-2.0
/*
 * When VM entry fails on the guest state, the CPU only says "invalid guest
 * state" (exit reason 33).  To tell the user which rule broke, this file
 * re-checks the rules of SDM Vol. 3C 27.3.1 that a VMM most often breaks
 * and prints the first one that fails.
 */
#include <asm/processor-flags.h>

#include "vcpu.h"
#include "vmcs.h"
#include "vmx.h"
#include "../vm/vm.h"

static const char * const seg_names[] = { "ES", "CS", "SS", "DS", "FS", "GS", "LDTR", "TR" };

/* Limit and granularity agree (27.3.1.2): low 12 bits all 1 if G, high 12 all 0 if not. */
static bool limit_ok(u32 limit, u32 ar)
{
	bool g = ar & BIT(15);

	if ((limit & 0xfff) != 0xfff && g)
		return false;
	if ((limit & 0xfff00000) && !g)
		return false;
	return true;
}

static const char *check_segments(bool ia32e, bool pe)
{
	static char why[96];
	int i;

	for (i = 0; i < 8; i++) {
		u32 ar = __vmcs_read(GUEST_ES_AR_BYTES + 2 * i);
		u32 limit = __vmcs_read(GUEST_ES_LIMIT + 2 * i);
		u32 type = ar & 15;

		if (ar & BIT(16)) {
			if (i == 1 || i == 7) {
				snprintf(why, sizeof(why), "%s is unusable", seg_names[i]);
				return why;
			}
			continue;
		}
		if (!(ar & BIT(7))) {
			snprintf(why, sizeof(why), "%s is usable but not present", seg_names[i]);
			return why;
		}
		if (!limit_ok(limit, ar)) {
			snprintf(why, sizeof(why), "%s limit %#x disagrees with its G bit", seg_names[i], limit);
			return why;
		}
		if (i == 7 && type != 11 && (ia32e || type != 3)) {
			snprintf(why, sizeof(why), "TR type %u is not a busy TSS%s", type,
				 ia32e ? " (64-bit mode needs type 11)" : "");
			return why;
		}
		if (i == 6 && type != 2)
			return "LDTR type is not 2 (LDT)";
		if (i < 6 && !(ar & BIT(4)))
			return "a code or data segment has S=0 (system descriptor)";
		if (i < 6 && !(type & 1)) {
			snprintf(why, sizeof(why), "%s type %u lacks the accessed bit", seg_names[i], type);
			return why;
		}
		if (i == 1 && ia32e && (ar & BIT(13)) && (ar & BIT(14)))
			return "CS has both L and D/B set";
		if (i == 2 && !pe && (ar >> 5) & 3)
			return "SS.DPL is not 0 in real mode";
	}
	return NULL;
}

static const char *first_broken_rule(void)
{
	unsigned long cr0 = vmcs_readl(GUEST_CR0), cr4 = vmcs_readl(GUEST_CR4);
	unsigned long rflags = vmcs_readl(GUEST_RFLAGS);
	bool ia32e = vmcs_read32(VM_ENTRY_CONTROLS) & ENTRY_IA32E_MODE_GUEST;
	u64 efer = vmcs_read64(GUEST_IA32_EFER);
	/* Unrestricted guest relaxes PE and PG (27.3.1.1). */
	u64 fixed0 = kvmini_caps.cr0_fixed0 & ~(X86_CR0_PE | X86_CR0_PG);

	if (!vmx_cr_fixed_ok(cr0, fixed0, kvmini_caps.cr0_fixed1))
		return "CR0 breaks the VMX fixed bits";
	if ((cr0 & X86_CR0_PG) && !(cr0 & X86_CR0_PE))
		return "CR0.PG set without CR0.PE";
	if (!vmx_cr_fixed_ok(cr4, kvmini_caps.cr4_fixed0, kvmini_caps.cr4_fixed1))
		return "CR4 breaks the VMX fixed bits";
	if (ia32e && (!(cr0 & X86_CR0_PG) || !(cr4 & X86_CR4_PAE)))
		return "IA-32e mode guest without CR0.PG and CR4.PAE";
	if (!!(efer & EFER_LMA) != ia32e)
		return "EFER.LMA disagrees with the IA-32e mode guest entry control";
	if ((cr0 & X86_CR0_PG) && !!(efer & EFER_LME) != ia32e)
		return "EFER.LME disagrees with the IA-32e mode guest entry control";
	if (!(rflags & X86_EFLAGS_FIXED) || (rflags & ~0x3f7fd7UL))
		return "RFLAGS reserved bits are wrong";
	if (ia32e && (rflags & X86_EFLAGS_VM))
		return "RFLAGS.VM set in IA-32e mode";
	if (vmcs_read32(GUEST_ACTIVITY_STATE) > 3)
		return "activity state out of range";
	return check_segments(ia32e, cr0 & X86_CR0_PE);
}

void vmx_explain_invalid_state(struct kvmini_vcpu *vcpu)
{
	const char *why = first_broken_rule();

	pr_info_ratelimited("kvmini: VM %u vCPU %u: VM entry failed (reason %#x, qualification %#lx): %s\n",
			    vcpu->vm->id, vcpu->id, vcpu->exit_reason, vcpu->exit_qual,
			    why ?: "no rule kvmini checks is broken; see SDM Vol. 3C 27.3");
}
