// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_CHECK_EXTENSION: what kvmini implements, truthfully.  Anything not
 * listed answers 0, which is how KVM says "not supported".
 */
#include "kvmini.h"

long kvmini_check_extension(struct kvmini_vm *vm, long ext)
{
	switch (ext) {
	case KVM_CAP_CHECK_EXTENSION_VM:
		return 1;
	default:
		return 0;
	}
}
