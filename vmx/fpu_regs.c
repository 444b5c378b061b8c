// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's XMM and MMX registers inside KVM_RUN, for the instruction
 * emulator's SSE and MMX moves.  run.c makes the guest's FPU state the
 * task's for the whole KVM_RUN, so the registers are the hardware's,
 * unless the kernel saved them meanwhile (TIF_NEED_FPU_LOAD): they are
 * brought back first, as KVM's kvm_fpu_get() does.  FXSAVE and FXRSTOR
 * reach every register with one instruction each; FXRSTOR leaves the
 * upper halves of the YMM registers alone, as a legacy SSE move does.
 */
#include <linux/string.h>
#include <asm/fpu/api.h>
#include <asm/fpu/types.h>

#include "fpu.h"

#define FSW_TOP		(7U << 11)

static void fpregs_get(struct fxregs_state *fx)
{
	fpregs_lock();
	if (test_thread_flag(TIF_NEED_FPU_LOAD))
		switch_fpu_return();
	asm volatile("fxsaveq %0" : "=m" (*fx));
}

static void fpregs_put(struct fxregs_state *fx, bool load)
{
	if (load)
		asm volatile("fxrstorq %0" : : "m" (*fx));
	fpregs_unlock();
}

/* MMX register @reg is x87 physical register @reg: ST(i) is R((TOP + i) % 8). */
static u8 *mmx_slot(struct fxregs_state *fx, unsigned int reg)
{
	unsigned int top = (fx->swd & FSW_TOP) >> 11;

	return (u8 *)&fx->st_space[((reg - top) & 7) * 4];
}

void vmx_guest_vec_read(unsigned int reg, bool mmx, void *buf)
{
	struct fxregs_state fx __aligned(16);

	fpregs_get(&fx);
	if (mmx)
		memcpy(buf, mmx_slot(&fx, reg & 7), 8);
	else
		memcpy(buf, &fx.xmm_space[(reg & 15) * 4], 16);
	fpregs_put(&fx, false);
}

/*
 * An MMX load also makes TOP 0 and every register valid, with the
 * exponent bits of the loaded one all ones (SDM Vol. 1 9.5.1).
 */
void vmx_guest_vec_write(unsigned int reg, bool mmx, const void *buf)
{
	struct fxregs_state fx __aligned(16);
	u8 regs[8][16];
	unsigned int i;

	fpregs_get(&fx);
	if (!mmx) {
		memcpy(&fx.xmm_space[(reg & 15) * 4], buf, 16);
		fpregs_put(&fx, true);
		return;
	}
	for (i = 0; i < 8; i++)
		memcpy(regs[i], mmx_slot(&fx, i), 16);
	memcpy(regs[reg & 7], buf, 8);
	regs[reg & 7][8] = 0xff;
	regs[reg & 7][9] = 0xff;
	fx.swd &= ~FSW_TOP;
	fx.twd = 0xff;
	memcpy(fx.st_space, regs, sizeof(regs));
	fpregs_put(&fx, true);
}
