/* SPDX-License-Identifier: GPL-2.0 OR LGPL-2.1 */
/*
 * Classifying a plugin's exception into a fault kind (uapi/kplug.h).
 * Pure code, shared with the host tests.
 */
#ifndef KPLUG_FAULT_H
#define KPLUG_FAULT_H

#include <linux/types.h>

/* Where a plugin's stack slots are: guard page, then stack, per slot. */
struct kplug_stack_layout {
	__u32 base;		/* first slot's guard page */
	__u32 slot_span;	/* guard + stack bytes */
	__u32 end;		/* end of the last slot */
	__u32 guard;		/* guard bytes at the bottom of a slot */
};

/*
 * vector, error code and CR2 as the CPU reported them; insn: up to
 * insn_len bytes of the faulting instruction (0 if unreadable), used to
 * tell a #GP(0) from a privileged instruction, a far transfer or segment
 * load (an escape attempt) and a segment-limit violation.
 */
__u32 kplug_fault_classify(__u32 vector, __u32 error_code, __u32 cr2,
			   const __u8 *insn, unsigned int insn_len,
			   const struct kplug_stack_layout *stacks);

#define KPLUG_INSN_MAX	15

#endif /* KPLUG_FAULT_H */
