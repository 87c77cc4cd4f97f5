/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kplug's descriptor tables (gdt.c): one IDT whose gates all lead to the
 * world switch's stubs, and per CPU a private GDT holding the plugin's
 * segments and the two call gates out of ring 1.
 */
#ifndef KPLUG_GDT_H
#define KPLUG_GDT_H

#include <linux/types.h>
#include <asm/segment.h>
#include "desc.h"

/* Selectors in kplug's private per-CPU GDT. */
#define KPLUG_GDT_ENTRIES	22
#define KPLUG_SEL_CPUNODE	(GDT_ENTRY_CPUNODE * 8)	/* DPL-0 copy of Linux's */
#define KPLUG_SEL_CODE		0x81	/* entry 16, DPL 1, RPL 1 */
#define KPLUG_SEL_DATA		0x89	/* entry 17, DPL 1, RPL 1 */
#define KPLUG_SEL_EXIT_GATE	0x91	/* entries 18-19, call gate, DPL 1 */
#define KPLUG_SEL_SERVICE_GATE	0xa1	/* entries 20-21, call gate, DPL 1 */

/* A GDTR/IDTR image laid out so that &limit is the lgdt/lidt operand. */
struct kplug_dtr {
	u16 pad[3];
	u16 limit;
	u64 base;
};

/*
 * Build the IDT (vector v -> idt_targets[v]) and map the tables; the GDT's
 * gates lead to exit_target and service_target.  0 or -errno.
 */
int kplug_gdt_init(const u64 *idt_targets, unsigned long exit_target,
		   unsigned long service_target);
void kplug_gdt_exit(void);
void kplug_gdt_plugin_segments(u32 code_end, u32 data_end, u64 *code,
			       u64 *data);

#define KPLUG_GDT_CODE		(KPLUG_SEL_CODE >> 3)
#define KPLUG_GDT_DATA		(KPLUG_SEL_DATA >> 3)
#define KPLUG_GDT_EXIT_GATE	(KPLUG_SEL_EXIT_GATE >> 3)

extern u64 **kplug_cpu_gdt;	/* writable aliases, per CPU */
u64 *kplug_gdt_build(int cpu);

/*
 * Put the plugin's segments (kplug_gdt_plugin_segments()) into this CPU's
 * private GDT and describe it in gdtr.  Interrupts off.  The GDT is built
 * on a CPU's first invocation (the CPUNODE entry exists only once the CPU
 * is up); the exit gate, never zero once built, is the "built" flag.
 * Inline: it runs before every stretch.
 */
static inline void kplug_gdt_load_plugin(int cpu, u64 code, u64 data,
					 struct kplug_dtr *gdtr)
{
	u64 *gdt = kplug_cpu_gdt[cpu];

	if (unlikely(!gdt[KPLUG_GDT_EXIT_GATE]))
		gdt = kplug_gdt_build(cpu);
	gdt[KPLUG_GDT_CODE] = code;
	gdt[KPLUG_GDT_DATA] = data;
	gdtr->limit = KPLUG_GDT_ENTRIES * 8 - 1;
	gdtr->base = KPLUG_RO_GDT(cpu);
}

/* kplug's IDT, as lidt loads it: the same on every CPU. */
static inline void kplug_idt_dtr(struct kplug_dtr *idtr)
{
	idtr->limit = 256 * 16 - 1;
	idtr->base = KPLUG_RO_IDT;
}

#endif /* KPLUG_GDT_H */
