// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_CHECK_EXTENSION: what kvmini implements, truthfully.  Anything not
 * listed answers 0, which is how KVM says "not supported".
 */
#include "kvmini.h"
#include "../vm/vm.h"
#include "../vmx/cpuid.h"
#include "../vmx/vmx.h"
#include "../include/uapi/kvmini_abi.h"

long kvmini_check_extension(struct kvmini_vm *vm, long ext)
{
	switch (ext) {
	case KVM_CAP_CHECK_EXTENSION_VM:
	case KVM_CAP_USER_MEMORY:
	case KVM_CAP_SET_TSS_ADDR:
	case KVM_CAP_SET_IDENTITY_MAP_ADDR:
	case KVM_CAP_EXT_CPUID:
	case KVM_CAP_READONLY_MEM:
	case KVM_CAP_IMMEDIATE_EXIT:
	case KVM_CAP_BINARY_STATS_FD:
	case KVM_CAP_MP_STATE:
	case KVM_CAP_SET_BOOT_CPU_ID:
	case KVM_CAP_MMU_SHADOW_CACHE_CONTROL:
	case KVM_CAP_ENABLE_CAP_VM:
	case KVM_CAP_VCPU_ATTRIBUTES:
	case KVM_CAP_GET_MSR_FEATURES:
	case KVM_CAP_IRQCHIP:		/* the local APICs only (vm.c) */
	case KVM_CAP_TSC_DEADLINE_TIMER:
	case KVM_CAP_MSR_PLATFORM_INFO:
	case KVM_CAP_VCPU_EVENTS:
	case KVM_CAP_DEBUGREGS:
	case KVM_CAP_XSAVE:		/* the x87/SSE area, even without XSAVE: as KVM */
	case KVM_CAP_USER_NMI:		/* KVM_NMI */
	case KVM_CAP_ENABLE_CAP:	/* KVM_ENABLE_CAP on a vCPU: */
	case KVM_CAP_ENFORCE_PV_FEATURE_CPUID:	/* ... this one */
		return 1;
	case KVM_CAP_XCRS:
		return vmx_host_has_xsave();
	case KVM_CAP_SYNC_REGS:
		return KVM_SYNC_X86_VALID_FIELDS;
	case KVM_CAP_DISABLE_QUIRKS2:
		return KVMINI_QUIRKS;
	case KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2:
		return KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE | KVM_DIRTY_LOG_INITIALLY_SET;
	case KVM_CAP_NR_VCPUS:
	case KVM_CAP_MAX_VCPUS:
		return KVMINI_MAX_VCPUS;
	case KVM_CAP_MAX_VCPU_ID:
		return KVMINI_MAX_VCPU_ID;
	case KVM_CAP_NR_MEMSLOTS:
		return KVMINI_MAX_SLOTS;
	case KVMINI_CAP_TRACE_CR3:
		return kvmini_caps.can_cr3_load_exiting;
	default:
		return 0;
	}
}
