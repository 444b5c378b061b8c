#!/bin/sh
# Issue 12: dirty logging (dirtylog_test: KVM_MEM_LOG_DIRTY_PAGES,
# KVM_GET_DIRTY_LOG, KVM_CLEAR_DIRTY_LOG with manual protection) on
# /dev/kvmini, kvmini's counters back after and the module unloadable,
# then the same program on /dev/kvm.
T=dirtylog
. /kvmini/tests/vm/lib.sh

kvmini_load || { fail load "insmod failed"; finish; }
before=$(kvmini_memory)
dirtylog_test /dev/kvmini kvmini || FAILED=1
kvmini_leftovers "$before" memory_back vms_zero unload

if kvm_load; then
	dirtylog_test /dev/kvm kvm || FAILED=1
	kvm_unload
else
	skip kvm "kvm_intel does not load here"
fi
finish
