// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests for gdt/desc.h: the descriptor and gate encodings, checked
 * field by field against the layouts in the Intel SDM (vol. 3, 3.4.5 and
 * 6.14.1) and against known encodings of Linux's own GDT entries.
 */
#include <string.h>
#include "../../gdt/desc.h"
#include "kselftest_harness.h"

static unsigned int limit_of(__u64 d)
{
	return (d & 0xffff) | (d >> 48 & 0xf) << 16;
}

static unsigned int base_of(__u64 d)
{
	return (d >> 16 & 0xffffff) | (d >> 56 & 0xff) << 24;
}

TEST(code_segment_fields)
{
	__u64 d = kplug_desc_segment(0x00013000, KPLUG_TYPE_CODE_XRA, 1);

	EXPECT_EQ(0, base_of(d));
	EXPECT_EQ(0x12, limit_of(d));		/* pages 0..0x12 */
	EXPECT_EQ(1, d >> 47 & 1);		/* present */
	EXPECT_EQ(1, kplug_desc_dpl(d));
	EXPECT_EQ(1, kplug_desc_is_segment(d));
	EXPECT_EQ(0xb, d >> 40 & 0xf);		/* execute/read, accessed */
	EXPECT_EQ(1, d >> 55 & 1);		/* G */
	EXPECT_EQ(1, d >> 54 & 1);		/* D: 32-bit */
	EXPECT_EQ(0, d >> 53 & 1);		/* L: not 64-bit code */
}

TEST(data_segment_fields)
{
	__u64 d = kplug_desc_segment(0x10000000, KPLUG_TYPE_DATA_RWA, 1);

	EXPECT_EQ(0, base_of(d));
	EXPECT_EQ(0xffff, limit_of(d));		/* 256 MiB - 1, in pages */
	EXPECT_EQ(0x3, d >> 40 & 0xf);		/* read/write, accessed */
	EXPECT_EQ(1, kplug_desc_dpl(d));
}

/* Linux's flat 32-bit user data segment is 0x00cff3000000ffff. */
TEST(matches_linux_flat_segment)
{
	EXPECT_EQ(0x00cff3000000ffffull,
		  kplug_desc_segment(0, KPLUG_TYPE_DATA_RWA, 3));
}

TEST(set_dpl)
{
	__u64 d = 0x00cff3000000ffffull;

	EXPECT_EQ(0x00cf93000000ffffull, kplug_desc_set_dpl(d, 0));
	EXPECT_EQ(0, kplug_desc_dpl(kplug_desc_set_dpl(d, 0)));
	EXPECT_EQ(d, kplug_desc_set_dpl(kplug_desc_set_dpl(d, 1), 3));
}

TEST(call_gate_fields)
{
	__u64 g[2];
	__u64 target = 0xffffffffc0123456ull;

	kplug_desc_gate(g, target, 0x10, KPLUG_TYPE_CALL_GATE, 1, 0);
	EXPECT_EQ(0x3456, g[0] & 0xffff);
	EXPECT_EQ(0x10, g[0] >> 16 & 0xffff);	/* selector */
	EXPECT_EQ(0, g[0] >> 32 & 0xff);	/* no IST/params */
	EXPECT_EQ(0xc, g[0] >> 40 & 0xf);	/* 64-bit call gate */
	EXPECT_EQ(0, g[0] >> 44 & 1);		/* system descriptor */
	EXPECT_EQ(1, g[0] >> 45 & 3);		/* DPL 1 */
	EXPECT_EQ(1, g[0] >> 47 & 1);		/* present */
	EXPECT_EQ(0xc012, g[0] >> 48);
	EXPECT_EQ(0xffffffffull, g[1]);		/* upper half; type bits 0 */
	EXPECT_EQ(target, kplug_gate_target(g));
}

TEST(interrupt_gate_fields)
{
	__u64 g[2];

	kplug_desc_gate(g, 0xffffffff81000010ull, 0x10, KPLUG_TYPE_INTR_GATE, 0, 1);
	EXPECT_EQ(1, g[0] >> 32 & 7);		/* IST 1 */
	EXPECT_EQ(0xe, g[0] >> 40 & 0xf);
	EXPECT_EQ(0, g[0] >> 45 & 3);		/* DPL 0: not callable by int n */
	EXPECT_EQ(0xffffffff81000010ull, kplug_gate_target(g));
}

TEST_HARNESS_MAIN
