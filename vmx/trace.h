/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints kvmini_entry and kvmini_exit, for ftrace users
 * (events/kvmini/ in tracefs).
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM kvmini

#if !defined(KVMINI_VMX_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define KVMINI_VMX_TRACE_H

#include <linux/tracepoint.h>

TRACE_EVENT(kvmini_entry,
	TP_PROTO(unsigned int vm, unsigned int vcpu, unsigned long rip),
	TP_ARGS(vm, vcpu, rip),
	TP_STRUCT__entry(
		__field(unsigned int, vm)
		__field(unsigned int, vcpu)
		__field(unsigned long, rip)
	),
	TP_fast_assign(
		__entry->vm = vm;
		__entry->vcpu = vcpu;
		__entry->rip = rip;
	),
	TP_printk("vm%u vcpu%u rip %#lx", __entry->vm, __entry->vcpu, __entry->rip)
);

TRACE_EVENT(kvmini_exit,
	TP_PROTO(unsigned int vm, unsigned int vcpu, u32 reason, unsigned long rip,
		 unsigned long qual),
	TP_ARGS(vm, vcpu, reason, rip, qual),
	TP_STRUCT__entry(
		__field(unsigned int, vm)
		__field(unsigned int, vcpu)
		__field(u32, reason)
		__field(unsigned long, rip)
		__field(unsigned long, qual)
	),
	TP_fast_assign(
		__entry->vm = vm;
		__entry->vcpu = vcpu;
		__entry->reason = reason;
		__entry->rip = rip;
		__entry->qual = qual;
	),
	TP_printk("vm%u vcpu%u reason %u rip %#lx qual %#lx", __entry->vm,
		  __entry->vcpu, __entry->reason, __entry->rip, __entry->qual)
);

#endif /* KVMINI_VMX_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
