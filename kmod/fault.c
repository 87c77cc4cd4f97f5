// SPDX-License-Identifier: GPL-2.0 OR LGPL-2.1
/*
 * Fault kinds.  Most follow from the vector and error code; a #GP with
 * error code 0 needs a look at the instruction: privileged instructions
 * (CPL 1 may not run them), far transfers and segment loads with a null
 * selector (escape attempts), or else a memory operand or branch target
 * past a segment limit.
 */
#include "fault.h"
#include "../uapi/kplug.h"

enum { DE = 0, DB = 1, BP = 3, UD = 6, NM = 7, TS = 10, NP = 11, SS = 12,
       GP = 13, PF = 14, MF = 16, AC = 17, XM = 19 };

static int is_prefix(__u8 b)
{
	switch (b) {
	case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
	case 0x66: case 0x67: case 0xf0: case 0xf2: case 0xf3:
		return 1;
	}
	return 0;
}

static __u32 classify_gp0(const __u8 *insn, unsigned int len)
{
	unsigned int i = 0;
	__u8 op, op2, reg;

	while (i < len && is_prefix(insn[i]))
		i++;
	if (i >= len)
		return KPLUG_FAULT_LIMIT;	/* cannot tell: the common case */
	op = insn[i];
	op2 = i + 1 < len ? insn[i + 1] : 0;
	reg = op2 >> 3 & 7;			/* ModRM.reg after op */

	switch (op) {
	case 0xf4: case 0xfa: case 0xfb:	/* hlt cli sti */
	case 0xe4: case 0xe5: case 0xe6: case 0xe7:	/* in/out imm */
	case 0xec: case 0xed: case 0xee: case 0xef:	/* in/out dx */
	case 0x6c: case 0x6d: case 0x6e: case 0x6f:	/* ins/outs */
	case 0xcf:				/* iret (NT set: task return) */
		return KPLUG_FAULT_PRIVILEGED;
	case 0xea: case 0x9a: case 0xca: case 0xcb:	/* far jmp/call/ret */
	case 0x8e: case 0x07: case 0x17: case 0x1f:	/* mov/pop sreg */
	case 0xc4: case 0xc5:			/* les lds */
		return KPLUG_FAULT_ESCAPE;
	case 0xff:
		if (reg == 3 || reg == 5)	/* far call/jmp m16:32 */
			return KPLUG_FAULT_ESCAPE;
		break;
	case 0x0f:
		switch (op2) {
		case 0x00: case 0x01: case 0x06: case 0x07: case 0x08:
		case 0x09: case 0x20: case 0x21: case 0x22: case 0x23:
		case 0x30: case 0x32: case 0x33: case 0x34: case 0x35:
			return KPLUG_FAULT_PRIVILEGED;
		case 0xa1: case 0xa9: case 0xb2: case 0xb4: case 0xb5:
			return KPLUG_FAULT_ESCAPE;	/* pop fs/gs, lss lfs lgs */
		}
		break;
	}
	return KPLUG_FAULT_LIMIT;
}

__u32 kplug_fault_classify(__u32 vector, __u32 error_code, __u32 cr2,
			   const __u8 *insn, unsigned int insn_len,
			   const struct kplug_stack_layout *stacks)
{
	switch (vector) {
	case DE:
		return KPLUG_FAULT_DIVIDE;
	case DB:
	case BP:
		return KPLUG_FAULT_DEBUG;
	case UD:
		return KPLUG_FAULT_INVALID_OPCODE;
	case NM:
	case MF:
	case XM:
		return KPLUG_FAULT_FPU;
	case TS:
	case NP:
		return KPLUG_FAULT_ESCAPE;
	case SS:
		return error_code ? KPLUG_FAULT_ESCAPE : KPLUG_FAULT_LIMIT;
	case GP:
		/* a selector or IDT vector in the error code: a segment,
		 * gate or "int n" attempt */
		if (error_code)
			return KPLUG_FAULT_ESCAPE;
		return classify_gp0(insn, insn_len);
	case AC:
		return KPLUG_FAULT_ALIGNMENT;
	case PF:
		if (cr2 >= stacks->base && cr2 < stacks->end &&
		    (cr2 - stacks->base) % stacks->slot_span < stacks->guard)
			return KPLUG_FAULT_STACK;
		return KPLUG_FAULT_BAD_ACCESS;
	}
	return KPLUG_FAULT_OTHER;
}
