// SPDX-License-Identifier: GPL-2.0
/*
 * MMIO: a guest access to a guest-physical address with no memory behind
 * it (or a write to a read-only slot) is decoded here and handed to
 * userspace as KVM_EXIT_MMIO.  Only the MOV forms compilers emit for
 * device registers are decoded: MOV r/m,r and r,r/m (88, 89, 8A, 8B),
 * MOV r/m,imm (C6, C7), MOV with a memory offset (A0-A3), MOVZX and MOVSX
 * (0F B6, B7, BE, BF), MOVSXD (63).  Anything else stops the vCPU with
 * KVM_EXIT_INTERNAL_ERROR (KVM_INTERNAL_ERROR_EMULATION).
 */
#include <linux/kvm.h>
#include <linux/mm.h>

#include "emulate.h"
#include "exits.h"
#include "guest_mem.h"
#include "vcpu.h"
#include "vmcs.h"
#include "vmx.h"
#include "../lapic/vlapic.h"

#define MAX_INSN_LEN	15

/* Operand and address sizes of the code segment: 2, 4 or 8 bytes. */
static void code_sizes(bool lma, u32 cs_ar, unsigned int *op, unsigned int *addr)
{
	if (lma && (cs_ar & BIT(13))) {
		*op = 4;
		*addr = 8;
	} else if (cs_ar & BIT(14)) {
		*op = 4;
		*addr = 4;
	} else {
		*op = 2;
		*addr = 2;
	}
}

/* Bytes of ModRM, SIB and displacement at @b; 0 for a register operand. */
static unsigned int modrm_len(const u8 *b, unsigned int addr)
{
	unsigned int mod = b[0] >> 6, rm = b[0] & 7, len = 1;

	if (mod == 3)
		return 0;
	if (addr == 2) {
		if (mod == 1)
			return len + 1;
		if (mod == 2 || (mod == 0 && rm == 6))
			return len + 2;
		return len;
	}
	if (rm == 4) {
		len++;
		if (mod == 0 && (b[1] & 7) == 5)
			return len + 4;
	}
	if (mod == 1)
		return len + 1;
	if (mod == 2 || (mod == 0 && rm == 5))
		return len + 4;
	return len;
}

/**
 * mmio_decode - decode one MOV to or from memory
 * @b: the instruction bytes
 * @avail: how many of them could be read
 * @lma: the guest is in IA-32e mode
 * @cs_ar: the guest's CS access rights (L and D/B bits)
 * @m: the result
 *
 * Pure: the host-side unit tests call it too.
 * Return: 0, or -EINVAL for an instruction it does not decode.
 */
int mmio_decode(const u8 *b, unsigned int avail, bool lma, u32 cs_ar, struct mmio_insn *m)
{
	unsigned int op, addr, i = 0, rex = 0, n;
	bool long64;

	code_sizes(lma, cs_ar, &op, &addr);
	long64 = addr == 8;
	memset(m, 0, sizeof(*m));

	for (; i < avail && i < MAX_INSN_LEN; i++) {
		if (b[i] == 0x66)
			op = op == 2 ? 4 : 2;
		else if (b[i] == 0x67)
			addr = addr == 4 ? 2 : (addr == 2 ? 4 : 4);
		else if (b[i] == 0x26 || b[i] == 0x2e || b[i] == 0x36 || b[i] == 0x3e ||
			 b[i] == 0x64 || b[i] == 0x65 || b[i] == 0xf0)
			continue;
		else
			break;
	}
	if (long64 && i < avail && (b[i] & 0xf0) == 0x40)
		rex = b[i++];
	if (rex & 8)
		op = 8;
	if (i >= avail)
		return -EINVAL;

	m->reg = GPR_RAX;
	switch (b[i]) {
	case 0x88: case 0x89: case 0x8a: case 0x8b:
		m->write = b[i] <= 0x89;
		m->size = (b[i] & 1) ? op : 1;
		m->dst_size = m->size;
		i++;
		break;
	case 0xc6: case 0xc7:
		m->write = true;
		m->has_imm = true;
		m->size = b[i] == 0xc6 ? 1 : op;
		i++;
		break;
	case 0xa0: case 0xa1: case 0xa2: case 0xa3:
		m->write = b[i] >= 0xa2;
		m->size = (b[i] & 1) ? op : 1;
		m->dst_size = m->size;
		m->len = i + 1 + addr;
		return m->len <= avail ? 0 : -EINVAL;
	case 0x63:
		m->size = 4;
		m->dst_size = op;
		m->sign_extend = true;
		i++;
		break;
	case 0x0f:
		if (i + 1 >= avail)
			return -EINVAL;
		i++;
		if (b[i] != 0xb6 && b[i] != 0xb7 && b[i] != 0xbe && b[i] != 0xbf)
			return -EINVAL;
		m->size = (b[i] & 1) ? 2 : 1;
		m->dst_size = op;
		m->sign_extend = b[i] >= 0xbe;
		i++;
		break;
	default:
		return -EINVAL;
	}
	if (i >= avail)
		return -EINVAL;
	m->reg = ((b[i] >> 3) & 7) | ((rex & 4) ? 8 : 0);
	/* Without REX, byte registers 4-7 are AH, CH, DH, BH. */
	if (m->size == 1 && !rex && m->reg >= 4 && (b[i - 1] & 0xfe) != 0xb6 &&
	    (b[i - 1] & 0xfe) != 0xbe) {
		m->high_byte = true;
		m->reg -= 4;
	}
	if (m->has_imm && ((b[i] >> 3) & 7) != 0)
		return -EINVAL;
	n = modrm_len(&b[i], addr);
	if (!n)
		return -EINVAL;
	i += n;
	if (m->has_imm) {
		unsigned int isz = m->size == 8 ? 4 : m->size;

		if (i + isz > avail)
			return -EINVAL;
		memcpy(&m->imm, &b[i], isz);
		/* An imm32 stored to 64 bits is sign-extended. */
		if (m->size == 8)
			m->imm = (u64)(s64)(s32)m->imm;
		i += isz;
	}
	m->len = i;
	return i <= avail ? 0 : -EINVAL;
}

/* A load's value into its register, as the instruction writes it. */
static void mmio_load_result(struct kvmini_vcpu *vcpu, const struct mmio_insn *m, u64 val)
{
	u64 old = vcpu_read_gpr(vcpu, m->reg);

	if (m->sign_extend)
		val = m->size == 1 ? (u64)(s64)(s8)val :
		      m->size == 2 ? (u64)(s64)(s16)val : (u64)(s64)(s32)val;
	if (m->high_byte)
		val = (old & ~0xff00UL) | ((val & 0xff) << 8);
	else if (m->dst_size == 1)
		val = (old & ~0xffUL) | (val & 0xff);
	else if (m->dst_size == 2)
		val = (old & ~0xffffUL) | (val & 0xffff);
	else if (m->dst_size == 4)
		val = (u32)val;
	vcpu_write_gpr(vcpu, m->reg, val);
}

static u64 mmio_store_value(struct kvmini_vcpu *vcpu, const struct mmio_insn *m)
{
	u64 val = m->has_imm ? m->imm : vcpu_read_gpr(vcpu, m->reg);

	return m->high_byte ? val >> 8 : val;
}

/*
 * The in-kernel APIC's page is served here, as KVM serves it before its
 * MMIO bus: the instruction completes without leaving the kernel.
 */
static bool mmio_in_kernel(struct kvmini_vcpu *vcpu, u64 gpa, struct mmio_insn *m)
{
	u64 val = 0;

	if (!vcpu->apic)
		return false;
	if (m->write)
		val = mmio_store_value(vcpu, m);
	if (!vlapic_mmio(vcpu, gpa, m->size, m->write, &val))
		return false;
	if (!m->write)
		mmio_load_result(vcpu, m, val);
	vcpu->exit_instr_len = m->len;
	vmx_skip_instruction(vcpu);
	return true;
}

int vmx_emulate_mmio(struct kvmini_vcpu *vcpu, u64 gpa)
{
	unsigned long rip = vmcs_readl(GUEST_RIP), cs_base = vmcs_readl(GUEST_CS_BASE);
	bool lma = vmx_guest_long_mode();
	u32 cs_ar = vmcs_read32(GUEST_CS_AR_BYTES);
	unsigned long gla = (lma && (cs_ar & BIT(13))) ? rip : (u32)(cs_base + rip);
	unsigned int avail = MAX_INSN_LEN;
	struct kvm_run *run = vcpu->run;
	struct mmio_insn m;
	u8 b[MAX_INSN_LEN];

	if (guest_linear_read(vcpu, gla, b, avail)) {
		avail = PAGE_SIZE - offset_in_page(gla);
		if (avail > MAX_INSN_LEN || guest_linear_read(vcpu, gla, b, avail))
			return vmx_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION,
						  "cannot fetch the instruction that touched MMIO");
	}
	if (mmio_decode(b, avail, lma, cs_ar, &m))
		return vmx_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION,
					  "MMIO by an instruction kvmini does not decode");
	if (mmio_in_kernel(vcpu, gpa, &m))
		return 1;

	vcpu->stats.mmio_exits++;
	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = gpa;
	run->mmio.len = m.size;
	run->mmio.is_write = m.write;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	if (m.write) {
		u64 val = mmio_store_value(vcpu, &m);

		memcpy(run->mmio.data, &val, m.size);
	}
	vcpu->exit_instr_len = m.len;
	vcpu->mmio = m;
	vcpu->pending = PENDING_MMIO;
	return 0;
}

/* KVM_RUN after KVM_EXIT_MMIO: a read takes its data, then RIP moves on. */
int vmx_complete_mmio(struct kvmini_vcpu *vcpu)
{
	struct mmio_insn *m = &vcpu->mmio;

	if (!m->write) {
		u64 val = 0;

		memcpy(&val, vcpu->run->mmio.data, m->size);
		mmio_load_result(vcpu, m, val);
	}
	vmx_skip_instruction(vcpu);
	return 1;
}
