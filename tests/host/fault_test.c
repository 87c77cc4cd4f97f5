// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests for kmod/fault.c: fault kinds from vector, error code, CR2
 * and the faulting instruction's bytes.
 */
#include "../../kmod/fault.h"
#include "../../uapi/kplug.h"
#include "kselftest_harness.h"

static const struct kplug_stack_layout stacks = {
	.base = 0x20000, .slot_span = 0x5000, .end = 0x34000, .guard = 0x1000,
};

static __u32 gp0(const __u8 *insn, unsigned int len)
{
	return kplug_fault_classify(13, 0, 0, insn, len, &stacks);
}

#define GP0(kind, ...) do {						\
	const __u8 b[] = { __VA_ARGS__ };				\
	EXPECT_EQ(kind, gp0(b, sizeof(b)));				\
} while (0)

TEST(gp0_privileged_instructions)
{
	GP0(KPLUG_FAULT_PRIVILEGED, 0xf4);			/* hlt */
	GP0(KPLUG_FAULT_PRIVILEGED, 0xfa);			/* cli */
	GP0(KPLUG_FAULT_PRIVILEGED, 0x0f, 0x22, 0xd8);		/* mov cr3, eax */
	GP0(KPLUG_FAULT_PRIVILEGED, 0x0f, 0x30);		/* wrmsr */
	GP0(KPLUG_FAULT_PRIVILEGED, 0x0f, 0x01, 0x15, 0, 0, 0, 0); /* lgdt */
	GP0(KPLUG_FAULT_PRIVILEGED, 0xe6, 0x80);		/* out 0x80, al */
	GP0(KPLUG_FAULT_PRIVILEGED, 0xf3, 0x6e);		/* rep outsb */
	GP0(KPLUG_FAULT_PRIVILEGED, 0x0f, 0x34);		/* sysenter */
}

TEST(gp0_escapes)
{
	GP0(KPLUG_FAULT_ESCAPE, 0xea, 0, 0, 0, 0, 0, 0);	/* jmp 0:0 */
	GP0(KPLUG_FAULT_ESCAPE, 0xff, 0x2c, 0x24);		/* jmp far [esp] */
	GP0(KPLUG_FAULT_ESCAPE, 0xff, 0x1c, 0x24);		/* call far [esp] */
	GP0(KPLUG_FAULT_ESCAPE, 0xcb);				/* retf */
	GP0(KPLUG_FAULT_ESCAPE, 0x8e, 0xd0);			/* mov ss, ax */
	GP0(KPLUG_FAULT_ESCAPE, 0x66, 0x8e, 0xd8);		/* prefixed mov ds */
	GP0(KPLUG_FAULT_ESCAPE, 0x0f, 0xb2, 0x00);		/* lss */
}

TEST(gp0_limits)
{
	GP0(KPLUG_FAULT_LIMIT, 0x8b, 0x40, 0x01);		/* mov eax, [eax+1] */
	GP0(KPLUG_FAULT_LIMIT, 0xff, 0xe2);			/* jmp edx */
	GP0(KPLUG_FAULT_LIMIT, 0xff, 0x20);			/* jmp [eax] (near) */
	EXPECT_EQ(KPLUG_FAULT_LIMIT, gp0(NULL, 0));		/* unreadable */
	GP0(KPLUG_FAULT_LIMIT, 0x66, 0x66);			/* prefixes only */
}

TEST(other_vectors)
{
	EXPECT_EQ(KPLUG_FAULT_DIVIDE, kplug_fault_classify(0, 0, 0, NULL, 0, &stacks));
	EXPECT_EQ(KPLUG_FAULT_DEBUG, kplug_fault_classify(1, 0, 0, NULL, 0, &stacks));
	EXPECT_EQ(KPLUG_FAULT_INVALID_OPCODE, kplug_fault_classify(6, 0, 0, NULL, 0, &stacks));
	EXPECT_EQ(KPLUG_FAULT_FPU, kplug_fault_classify(7, 0, 0, NULL, 0, &stacks));
	EXPECT_EQ(KPLUG_FAULT_LIMIT, kplug_fault_classify(12, 0, 0, NULL, 0, &stacks));
	EXPECT_EQ(KPLUG_FAULT_ESCAPE, kplug_fault_classify(12, 0x18, 0, NULL, 0, &stacks));
	EXPECT_EQ(KPLUG_FAULT_ESCAPE, kplug_fault_classify(13, 0x33, 0, NULL, 0, &stacks));
	EXPECT_EQ(KPLUG_FAULT_ESCAPE, kplug_fault_classify(13, 0x80 * 8 + 2, 0, NULL, 0, &stacks));
	EXPECT_EQ(KPLUG_FAULT_ALIGNMENT, kplug_fault_classify(17, 0, 0, NULL, 0, &stacks));
	EXPECT_EQ(KPLUG_FAULT_OTHER, kplug_fault_classify(18, 0, 0, NULL, 0, &stacks));
}

TEST(page_faults_in_guards_are_stack)
{
	EXPECT_EQ(KPLUG_FAULT_STACK, kplug_fault_classify(14, 2, 0x20000, NULL, 0, &stacks));
	EXPECT_EQ(KPLUG_FAULT_STACK, kplug_fault_classify(14, 2, 0x25fff, NULL, 0, &stacks));
	EXPECT_EQ(KPLUG_FAULT_BAD_ACCESS, kplug_fault_classify(14, 2, 0x26000, NULL, 0, &stacks));
	EXPECT_EQ(KPLUG_FAULT_BAD_ACCESS, kplug_fault_classify(14, 2, 0x1ffff, NULL, 0, &stacks));
	EXPECT_EQ(KPLUG_FAULT_BAD_ACCESS, kplug_fault_classify(14, 2, 0x34000, NULL, 0, &stacks));
	EXPECT_EQ(KPLUG_FAULT_BAD_ACCESS, kplug_fault_classify(14, 0, 0x10, NULL, 0, &stacks));
}

TEST_HARNESS_MAIN
