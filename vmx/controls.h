/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Bits of the VMX capability MSRs and of the VM-execution, VM-exit and
 * VM-entry controls, named after the Intel SDM (Vol. 3C chapter 25,
 * "VMCS Organization", and Vol. 3D appendix A, "VMX Capability Reporting
 * Facility").  Only what kvmini reads or sets is here.
 */
#ifndef KVMINI_VMX_CONTROLS_H
#define KVMINI_VMX_CONTROLS_H

#define VMX_BIT(n)	(1ULL << (n))

/* IA32_VMX_BASIC, SDM Vol. 3D A.1 */
#define BASIC_REVISION_MASK		0x7fffffffULL
#define BASIC_SIZE_SHIFT		32
#define BASIC_SIZE_MASK		0x1fffULL
#define BASIC_32BIT_ADDRESSES	VMX_BIT(48)
#define BASIC_MEMTYPE_SHIFT		50
#define BASIC_MEMTYPE_MASK		0xfULL
#define BASIC_INOUT_INFO		VMX_BIT(54)
#define BASIC_TRUE_CTLS		VMX_BIT(55)

/* Memory types, SDM Vol. 3A 11.3 (also the EPT memory type) */
#define MEMTYPE_WB			6

/* IA32_VMX_MISC, SDM Vol. 3D A.6 */
#define MISC_SAVES_LMA		VMX_BIT(5)
#define MISC_ACTIVITY_HLT		VMX_BIT(6)

/* IA32_EPTCAP_VPID_CAP, SDM Vol. 3D A.10 */
#define EPTCAP_WALK_4			VMX_BIT(6)
#define EPTCAP_MEMTYPE_WB		VMX_BIT(14)
#define EPTCAP_2MB_PAGE		VMX_BIT(16)
#define EPTCAP_INVEPT			VMX_BIT(20)
#define EPTCAP_AD_FLAGS		VMX_BIT(21)
#define EPTCAP_INVEPT_SINGLE_CONTEXT	VMX_BIT(25)
#define EPTCAP_INVEPT_ALL_CONTEXT		VMX_BIT(26)
#define EPTCAP_INVVPID			VMX_BIT(32)
#define EPTCAP_INVVPID_SINGLE_CONTEXT	VMX_BIT(41)
#define EPTCAP_INVVPID_ALL_CONTEXT		VMX_BIT(42)

/* Pin-based VM-execution controls, SDM Vol. 3C 25.6.1 */
#define PIN_EXTERNAL_INTERRUPT_EXITING	(1U << 0)
#define PIN_NMI_EXITING			(1U << 3)
#define PIN_VIRTUAL_NMIS		(1U << 5)

/* Primary processor-based VM-execution controls, SDM Vol. 3C 25.6.2 */
#define PROC_INTERRUPT_WINDOW_EXITING	(1U << 2)
#define PROC_HLT_EXITING		(1U << 7)
#define PROC_INVLPG_EXITING		(1U << 9)
#define PROC_MWAIT_EXITING		(1U << 10)
#define PROC_RDPMC_EXITING		(1U << 11)
#define PROC_CR3_LOAD_EXITING		(1U << 15)
#define PROC_CR3_STORE_EXITING		(1U << 16)
#define PROC_NMI_WINDOW_EXITING		(1U << 22)
#define PROC_UNCONDITIONAL_IO_EXITING	(1U << 24)
#define PROC_USE_MSR_BITMAPS		(1U << 28)
#define PROC_MONITOR_EXITING		(1U << 29)
#define PROC_ACTIVATE_SECONDARY		(1U << 31)

/* Secondary processor-based VM-execution controls, SDM Vol. 3C 25.6.2 */
#define PROC2_ENABLE_EPT		(1U << 1)
#define PROC2_ENABLE_RDTSCP		(1U << 3)
#define PROC2_ENABLE_VPID		(1U << 5)
#define PROC2_UNRESTRICTED_GUEST	(1U << 7)
#define PROC2_ENABLE_INVPCID		(1U << 12)
#define PROC2_ENABLE_XSAVES		(1U << 20)

/* Primary VM-exit controls, SDM Vol. 3C 25.7.1 */
#define EXIT_SAVE_DEBUG_CONTROLS	(1U << 2)
#define EXIT_HOST_ADDR_SPACE_SIZE	(1U << 9)
#define EXIT_ACK_INTERRUPT_ON_EXIT	(1U << 15)
#define EXIT_SAVE_IA32_PAT		(1U << 18)
#define EXIT_LOAD_IA32_PAT		(1U << 19)
#define EXIT_SAVE_IA32_EFER		(1U << 20)
#define EXIT_LOAD_IA32_EFER		(1U << 21)

/* VM-entry controls, SDM Vol. 3C 25.8.1 */
#define ENTRY_LOAD_DEBUG_CONTROLS	(1U << 2)
#define ENTRY_IA32E_MODE_GUEST		(1U << 9)
#define ENTRY_LOAD_IA32_PAT		(1U << 14)
#define ENTRY_LOAD_IA32_EFER		(1U << 15)

#endif /* KVMINI_VMX_CONTROLS_H */
