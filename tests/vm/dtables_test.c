// SPDX-License-Identifier: GPL-2.0
/*
 * Layer: descriptor tables.  Where kplug's IDT and GDTs are, as a plugin
 * sees it: on CPUs without UMIP (QEMU's Skylake models, Bochs'
 * broadwell_ult, much real hardware) SIDT and SGDT run at CPL 1, so the
 * addresses must reveal nothing about the kernel's layout.  kplug maps the
 * tables read-only at fixed addresses in the CPU entry area (gdt/desc.h):
 * the IDT at KPLUG_RO_IDT, CPU n's GDT at KPLUG_RO_GDT(n).  The test pins
 * itself to every online CPU in turn and checks that a plugin reads exactly
 * those (their low 32 bits: compatibility mode), never a direct-map or heap
 * address.  With UMIP both instructions must raise #GP(0).
 *
 * Each value is also printed ("dtables: cpu N ..."):
 * tests/vm/kaslr_tables.sh boots twice with KASLR on and checks they match.
 */
#define _GNU_SOURCE
#include <sched.h>

#include "plugin_image.h"
#include "kselftest_harness.h"
#include "../../gdt/desc.h"

#define GDT_LIMIT	(22 * 8 - 1)	/* KPLUG_GDT_ENTRIES descriptors */
#define IDT_LIMIT	(256 * 16 - 1)

enum { IDT_BASE = 1, IDT_LIM, GDT_BASE, GDT_LIM };

static int pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

TEST(tables_at_fixed_read_only_aliases)
{
	int fd = open("/dev/kplug", O_RDWR), umip = cpu_has("umip");
	int cpu, which, tried = 0;
	char name[32];
	__u32 id = 0, r = 0, v[5] = { 0 };
	struct kplug_fault f;

	ASSERT_LE(0, fd);
	snprintf(name, sizeof(name), "dtables.%d", getpid());
	ASSERT_EQ(0, load_plugin(fd, name, "dtables.bin", &id));

	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (pin(cpu))
			continue;	/* not online */
		tried++;
		for (which = IDT_BASE; which <= GDT_LIM; which++) {
			__u32 arg = which;
			int e;

			memset(&f, 0, sizeof(f));
			e = invoke(fd, id, 1, &arg, &r, &f);
			if (umip) {
				EXPECT_EQ(-EIO, e);
				EXPECT_EQ(KPLUG_FAULT_PRIVILEGED, f.kind);
				EXPECT_EQ(13, f.vector);
				EXPECT_EQ(0, f.error_code);
				continue;
			}
			ASSERT_EQ(0, e) TH_LOG("cpu %d, which %d: vector %u eip %#x",
					       cpu, which, f.vector, f.eip);
			v[which] = r;
		}
		if (umip)
			continue;
		ksft_print_msg("dtables: cpu %d idt %#x/%u gdt %#x/%u\n", cpu,
			       v[IDT_BASE], v[IDT_LIM], v[GDT_BASE], v[GDT_LIM]);
		EXPECT_EQ((__u32)KPLUG_RO_IDT, v[IDT_BASE]);
		EXPECT_EQ(IDT_LIMIT, v[IDT_LIM]);
		EXPECT_EQ((__u32)KPLUG_RO_GDT(cpu), v[GDT_BASE])
			TH_LOG("cpu %d", cpu);
		EXPECT_EQ(GDT_LIMIT, v[GDT_LIM]);
	}
	EXPECT_LT(0, tried);
	if (umip)
		ksft_print_msg("dtables: UMIP on, SIDT/SGDT fault at CPL 1\n");
	{
		__u32 arg = 0;

		EXPECT_EQ(0, invoke(fd, id, 1, &arg, &r, &f));
		EXPECT_EQ(0xd7, r);
	}
	EXPECT_EQ(0, remove_plugin(fd, id));
	close(fd);
}

TEST_HARNESS_MAIN
