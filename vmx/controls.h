/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Bits of the VMX capability MSRs and of the VM-execution, VM-exit and
 * VM-entry controls, named after the Intel SDM (Vol. 3C chapter 25,
 * "VMCS Organization", and Vol. 3D appendix A, "VMX Capability Reporting
 * Facility").  Only what kvmini reads or sets is here.
 */
#ifndef KVMINI_VMX_CONTROLS_H
#define KVMINI_VMX_CONTROLS_H

#ifdef __KERNEL__
#include <linux/bits.h>
#else
#define BIT(n)		(1UL << (n))
#define BIT_ULL(n)	(1ULL << (n))
#endif

/* IA32_VMX_BASIC, SDM Vol. 3D A.1 */
#define BASIC_REVISION_MASK		0x7fffffffULL
#define BASIC_SIZE_SHIFT		32
#define BASIC_SIZE_MASK		0x1fffULL
#define BASIC_32BIT_ADDRESSES	BIT_ULL(48)
#define BASIC_MEMTYPE_SHIFT		50
#define BASIC_MEMTYPE_MASK		0xfULL
#define BASIC_INOUT_INFO		BIT_ULL(54)
#define BASIC_TRUE_CTLS		BIT_ULL(55)

/* Memory types, SDM Vol. 3A 11.3 (also the EPT memory type) */
#define MEMTYPE_WB			6

/* IA32_VMX_MISC, SDM Vol. 3D A.6 */
#define MISC_SAVES_LMA		BIT_ULL(5)
#define MISC_ACTIVITY_HLT		BIT_ULL(6)
/* How many CR3-target values the CPU compares a MOV to CR3 with. */
#define MISC_CR3_TARGETS(misc)		(((misc) >> 16) & 0x1ff)
/* The preemption timer counts down once every 2^rate TSC ticks. */
#define MISC_PREEMPTION_TIMER_RATE	0x1fULL

/* IA32_EPTCAP_VPID_CAP, SDM Vol. 3D A.10 */
#define EPTCAP_WALK_4			BIT_ULL(6)
#define EPTCAP_MEMTYPE_WB		BIT_ULL(14)
#define EPTCAP_2MB_PAGE		BIT_ULL(16)
#define EPTCAP_INVEPT			BIT_ULL(20)
#define EPTCAP_AD_FLAGS		BIT_ULL(21)
#define EPTCAP_INVEPT_SINGLE_CONTEXT	BIT_ULL(25)
#define EPTCAP_INVEPT_ALL_CONTEXT		BIT_ULL(26)
#define EPTCAP_INVVPID			BIT_ULL(32)
#define EPTCAP_INVVPID_SINGLE_CONTEXT	BIT_ULL(41)
#define EPTCAP_INVVPID_ALL_CONTEXT		BIT_ULL(42)

/* Pin-based VM-execution controls, SDM Vol. 3C 25.6.1 */
#define PIN_EXTERNAL_INTERRUPT_EXITING	BIT(0)
#define PIN_NMI_EXITING			BIT(3)
#define PIN_VIRTUAL_NMIS		BIT(5)
#define PIN_PREEMPTION_TIMER		BIT(6)

/* Primary processor-based VM-execution controls, SDM Vol. 3C 25.6.2 */
#define PROC_INTERRUPT_WINDOW_EXITING	BIT(2)
#define PROC_USE_TSC_OFFSETTING		BIT(3)
#define PROC_HLT_EXITING		BIT(7)
#define PROC_INVLPG_EXITING		BIT(9)
#define PROC_MWAIT_EXITING		BIT(10)
#define PROC_RDPMC_EXITING		BIT(11)
#define PROC_CR3_LOAD_EXITING		BIT(15)
#define PROC_CR3_STORE_EXITING		BIT(16)
#define PROC_CR8_LOAD_EXITING		BIT(19)
#define PROC_CR8_STORE_EXITING		BIT(20)
#define PROC_USE_TPR_SHADOW		BIT(21)
#define PROC_NMI_WINDOW_EXITING		BIT(22)
#define PROC_MOV_DR_EXITING		BIT(23)
#define PROC_UNCONDITIONAL_IO_EXITING	BIT(24)
#define PROC_USE_MSR_BITMAPS		BIT(28)
#define PROC_MONITOR_EXITING		BIT(29)
#define PROC_ACTIVATE_SECONDARY		BIT(31)

/* Secondary processor-based VM-execution controls, SDM Vol. 3C 25.6.2 */
#define PROC2_ENABLE_EPT		BIT(1)
#define PROC2_ENABLE_RDTSCP		BIT(3)
#define PROC2_ENABLE_VPID		BIT(5)
#define PROC2_WBINVD_EXITING		BIT(6)
#define PROC2_UNRESTRICTED_GUEST	BIT(7)
#define PROC2_PAUSE_LOOP_EXITING	BIT(10)
#define PROC2_ENABLE_INVPCID		BIT(12)
#define PROC2_ENABLE_XSAVES		BIT(20)

/* Primary VM-exit controls, SDM Vol. 3C 25.7.1 */
#define EXIT_SAVE_DEBUG_CONTROLS	BIT(2)
#define EXIT_HOST_ADDR_SPACE_SIZE	BIT(9)
#define EXIT_ACK_INTERRUPT_ON_EXIT	BIT(15)
#define EXIT_SAVE_IA32_PAT		BIT(18)
#define EXIT_LOAD_IA32_PAT		BIT(19)
#define EXIT_SAVE_IA32_EFER		BIT(20)
#define EXIT_LOAD_IA32_EFER		BIT(21)

/* VM-entry controls, SDM Vol. 3C 25.8.1 */
#define ENTRY_LOAD_DEBUG_CONTROLS	BIT(2)
#define ENTRY_IA32E_MODE_GUEST		BIT(9)
#define ENTRY_LOAD_IA32_PAT		BIT(14)
#define ENTRY_LOAD_IA32_EFER		BIT(15)

#endif /* KVMINI_VMX_CONTROLS_H */
