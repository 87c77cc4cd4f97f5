// SPDX-License-Identifier: GPL-2.0
/*
 * kplug's descriptor tables.
 *
 * IDT: one table for all CPUs; all 256 vectors point at kplug's stubs in
 * world_switch.asm, every gate has DPL 0 so that no "int n" from ring 1
 * reaches a handler (it raises #GP instead).  Only #DF keeps its IST stack
 * (Linux's, index IST_INDEX_DF + 1); NMI, #DB and #MC arrive on the
 * invocation's stack and are handed to Linux from there.
 *
 * GDT: a private copy per CPU of Linux's GDT with every descriptor ring 1
 * could load removed: the DPL-3 user code/data segments, the TLS entries,
 * the LDT.  The CPUNODE entry is kept at DPL 0 so the stubs can LSL it for
 * the CPU number.  kplug adds the plugin's DPL-1 code and data segments
 * (rewritten on every entry: their limits are per plugin), the exit gate
 * and the service gate: DPL-1 call gates into kplug_gate_exit and
 * kplug_gate_service.
 */
#include <linux/cpumask.h>
#include <linux/gfp.h>
#include <linux/slab.h>
#include <asm/desc.h>
#include <asm/page_64_types.h>
#include <asm/segment.h>
#include <asm/trapnr.h>

#include "../kmod/kplug.h"
#include "../trampoline/world_switch.h"
#include "desc.h"

extern char kplug_gate_exit[], kplug_gate_service[];

u64 kplug_host_handler[256];
struct kplug_dtr kplug_host_idtr;
u8 *kplug_nmi_pending;
u8 *kplug_irq_pending;

static u64 *kplug_idt;		/* 256 16-byte gates */
static u64 **cpu_gdt;		/* per CPU: KPLUG_GDT_ENTRIES descriptors */

#define GDT_CODE	(KPLUG_SEL_CODE >> 3)
#define GDT_DATA	(KPLUG_SEL_DATA >> 3)
#define GDT_EXIT_GATE	(KPLUG_SEL_EXIT_GATE >> 3)
#define GDT_SERVICE_GATE (KPLUG_SEL_SERVICE_GATE >> 3)
#define GDT_CPUNODE	(KPLUG_SEL_CPUNODE >> 3)

static_assert(GDT_CPUNODE == GDT_ENTRY_CPUNODE);
static_assert(KPLUG_SEL_KERNEL_CS == __KERNEL_CS);
static_assert(GDT_CODE >= GDT_ENTRIES && GDT_SERVICE_GATE + 2 <= KPLUG_GDT_ENTRIES);

/* Build this CPU's private GDT from its live one.  Interrupts off. */
static u64 *gdt_build(int cpu)
{
	struct desc_ptr host;
	const u64 *src;
	u64 *gdt = cpu_gdt[cpu];
	int i;

	native_store_gdt(&host);
	src = (const u64 *)host.address;
	memset(gdt, 0, KPLUG_GDT_ENTRIES * 8);
	for (i = 1; i < GDT_ENTRIES; i++) {
		u64 d = src[i];

		if (i == GDT_ENTRY_TSS || i == GDT_ENTRY_TSS + 1) {
			gdt[i] = d;	/* TR keeps using it; DPL 0 */
		} else if (i == GDT_ENTRY_CPUNODE) {
			gdt[i] = kplug_desc_set_dpl(d, 0);
		} else if (kplug_desc_is_segment(d) && kplug_desc_dpl(d) == 0) {
			gdt[i] = d;	/* kernel code/data: ring 1 cannot load them */
		}
		/* everything else (DPL 3, LDT, TLS) stays zero */
	}
	kplug_desc_gate(&gdt[GDT_EXIT_GATE], (unsigned long)kplug_gate_exit,
			__KERNEL_CS, KPLUG_TYPE_CALL_GATE, 1, 0);
	kplug_desc_gate(&gdt[GDT_SERVICE_GATE], (unsigned long)kplug_gate_service,
			__KERNEL_CS, KPLUG_TYPE_CALL_GATE, 1, 0);
	return gdt;
}

/*
 * Point this CPU's private GDT at the plugin's segments and describe it in
 * gdtr.  Interrupts off.  The GDT is built on a CPU's first invocation (the
 * CPUNODE entry exists only once the CPU is up); the exit gate, never zero
 * once built, is the "built" flag.
 */
void kplug_gdt_load_plugin(int cpu, u32 code_end, u32 data_end,
			   struct kplug_dtr *gdtr)
{
	u64 *gdt = cpu_gdt[cpu];

	if (unlikely(!gdt[GDT_EXIT_GATE]))
		gdt_build(cpu);
	gdt[GDT_CODE] = kplug_desc_segment(code_end, KPLUG_TYPE_CODE_XRA, 1);
	gdt[GDT_DATA] = kplug_desc_segment(data_end, KPLUG_TYPE_DATA_RWA, 1);
	gdtr->limit = KPLUG_GDT_ENTRIES * 8 - 1;
	gdtr->base = (unsigned long)gdt;
}

void kplug_idt_dtr(struct kplug_dtr *idtr)
{
	idtr->limit = 256 * 16 - 1;
	idtr->base = (unsigned long)kplug_idt;
}

int kplug_gdt_init(void)
{
	struct desc_ptr host;
	const gate_desc *idt;
	int cpu, v;

	store_idt(&host);
	idt = (const gate_desc *)host.address;
	for (v = 0; v < 256; v++)
		kplug_host_handler[v] = gate_offset(&idt[v]);
	kplug_host_idtr.limit = host.size;
	kplug_host_idtr.base = host.address;

	kplug_idt = (u64 *)get_zeroed_page(GFP_KERNEL);
	kplug_nmi_pending = kcalloc(nr_cpu_ids, 1, GFP_KERNEL);
	kplug_irq_pending = kcalloc(nr_cpu_ids, 1, GFP_KERNEL);
	cpu_gdt = kcalloc(nr_cpu_ids, sizeof(*cpu_gdt), GFP_KERNEL);
	if (!kplug_idt || !kplug_nmi_pending || !kplug_irq_pending || !cpu_gdt)
		goto err;
	for_each_possible_cpu(cpu) {
		cpu_gdt[cpu] = kzalloc(KPLUG_GDT_ENTRIES * 8, GFP_KERNEL);
		if (!cpu_gdt[cpu])
			goto err;
	}

	for (v = 0; v < 256; v++)
		kplug_desc_gate(&kplug_idt[2 * v], kplug_idt_stubs[v],
				__KERNEL_CS, KPLUG_TYPE_INTR_GATE, 0,
				v == X86_TRAP_DF ? IST_INDEX_DF + 1 : 0);
	return 0;
err:
	kplug_gdt_exit();
	return -ENOMEM;
}

void kplug_gdt_exit(void)
{
	int cpu;

	if (cpu_gdt)
		for_each_possible_cpu(cpu)
			kfree(cpu_gdt[cpu]);
	kfree(cpu_gdt);
	kfree(kplug_irq_pending);
	kfree(kplug_nmi_pending);
	free_page((unsigned long)kplug_idt);
	cpu_gdt = NULL;
	kplug_idt = NULL;
}
