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
 *
 * Where the CPU finds them: like Linux's own IDT and GDTs (the CPU entry
 * area), each table is a page of its own that the CPU reads through a
 * read-only alias at a fixed address, KPLUG_RO_IDT and KPLUG_RO_GDT(cpu)
 * (desc.h): the last pages of the CPU entry area's top-level slot.  Without
 * UMIP a plugin can read GDTR and IDTR (SGDT/SIDT at CPL 1); with the
 * tables in the direct map that would hand it the KASLR offset of physical
 * memory, and a kernel write bug would find them at a known address.  The
 * slot is one top-level entry shared by every page table (each process's,
 * PTI's user tables, every plugin's, which copy the kernel half), so the
 * lower-level tables added here show up in all of them at once, and the
 * aliases are mapped wherever kplug's LIDT/LGDT may run.  kplug writes the
 * tables (the IDT once, a GDT's plugin descriptors on every entry) through
 * their writable kernel address, as Linux writes gdt_page.
 */
#include <linux/cpumask.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <asm/cpu_entry_area.h>
#include <asm/desc.h>
#include <asm/pgtable.h>
#include <asm/tlbflush.h>
#include <asm/page_64_types.h>
#include <asm/segment.h>
#include <asm/trapnr.h>

#include "desc.h"
#include "gdt.h"

static unsigned long exit_gate, service_gate;	/* the gates' targets */
static u64 *kplug_idt;		/* 256 16-byte gates; writable alias */
u64 **kplug_cpu_gdt;		/* per CPU: KPLUG_GDT_ENTRIES descriptors;
				 * writable alias of a page of its own */

#define GDT_SERVICE_GATE (KPLUG_SEL_SERVICE_GATE >> 3)

static_assert(KPLUG_GDT_CODE >= GDT_ENTRIES && GDT_SERVICE_GATE + 2 <= KPLUG_GDT_ENTRIES);
static_assert(KPLUG_GDT_ENTRIES * 8 <= PAGE_SIZE);

/*
 * The read-only aliases: [ro_start, KPLUG_RO_TABLES_END), one page per
 * possible CPU's GDT, then the IDT.  The slot ends where ESPFIX's begins.
 */
static_assert(KPLUG_RO_TABLES_END == CPU_ENTRY_AREA_BASE + P4D_SIZE);
static_assert(KPLUG_RO_IDT == KPLUG_RO_TABLES_END - PAGE_SIZE);
static unsigned long ro_start;

/*
 * Page-table pages added under the entry area's slot, in the order they
 * were added (a table before the tables it points to), with the entry
 * that points to each: unload clears and frees them in reverse order.
 */
struct ro_table {
	u64 *entry;
	struct page *page;
};
static struct ro_table *ro_tables;
static unsigned int nr_ro_tables, max_ro_tables;

/*
 * The next-level table behind *entry (a PUD or PMD entry of the entry
 * area's slot); with alloc, a zeroed one is added if the entry is empty.
 * Linux only ever maps 4 KiB pages there.
 */
static u64 *ro_table_next(u64 *entry, bool alloc)
{
	struct page *pg;
	u64 e = READ_ONCE(*entry);

	if (!e) {
		if (!alloc || WARN_ON_ONCE(nr_ro_tables == max_ro_tables))
			return NULL;
		pg = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!pg)
			return NULL;
		/* Linux populates its per-CPU areas' tables at boot (and
		 * perf's debug-store PTEs at run time): none of them lie in
		 * our range, but never overwrite a table that just appeared. */
		e = page_to_phys(pg) | _KERNPG_TABLE;
		if (cmpxchg64(entry, 0, e)) {
			__free_page(pg);
			e = READ_ONCE(*entry);
		} else {
			ro_tables[nr_ro_tables].entry = entry;
			ro_tables[nr_ro_tables++].page = pg;
		}
	}
	if (!(e & _PAGE_PRESENT) || (e & _PAGE_PSE))
		return NULL;
	return __va(e & PTE_PFN_MASK);
}

/*
 * The PTE for va in [ro_start, KPLUG_RO_TABLES_END), walked from the
 * current page table: its kernel half is every page table's.
 */
static pte_t *ro_pte(unsigned long va, bool alloc)
{
	u64 *t = __va(read_cr3_pa());
	u64 e;

	if (pgtable_l5_enabled()) {
		e = READ_ONCE(t[va >> 48 & 511]);		/* pgd */
		if (!(e & _PAGE_PRESENT))
			return NULL;
		t = __va(e & PTE_PFN_MASK);
	}
	e = READ_ONCE(t[va >> 39 & 511]);	/* the entry area's p4d (pgd) */
	if (!(e & _PAGE_PRESENT) || (e & _PAGE_PSE))
		return NULL;
	t = __va(e & PTE_PFN_MASK);
	t = ro_table_next(&t[va >> 30 & 511], alloc);		/* pud */
	if (t)
		t = ro_table_next(&t[va >> 21 & 511], alloc);	/* pmd */
	return t ? (pte_t *)&t[va >> 12 & 511] : NULL;
}

static void ro_flush_all(void *unused)
{
	/* Global entries and every PCID's paging-structure caches, kplug's
	 * own PCID included: INVPCID all-contexts or a CR4.PGE toggle. */
	__flush_tlb_all();
}

/*
 * Map page pg read-only at va.  Global like Linux's entry-area mappings
 * (cea_set_pte): the slot is in every page table anyway.
 */
static int ro_map(unsigned long va, struct page *pg)
{
	pte_t *ptep = ro_pte(va, true);
	pte_t pte = pfn_pte(page_to_pfn(pg), PAGE_KERNEL_RO);

	if (!ptep) {
		pr_err("no page table for %#lx in the CPU entry area (out of memory, or a large page there)\n",
		       va);
		return -ENOMEM;
	}
	if (!pte_none(*ptep)) {
		pr_err("the CPU entry area page at %#lx is in use: cannot map the descriptor tables read-only there\n",
		       va);
		return -EBUSY;
	}
	if (boot_cpu_has(X86_FEATURE_PGE))
		pte = pte_set_flags(pte, _PAGE_GLOBAL);
	set_pte(ptep, pte);
	return 0;
}

/* Clear va's PTE if it maps pg (a failed load may not have got that far). */
static void ro_unmap(unsigned long va, void *pg)
{
	pte_t *ptep = ro_pte(va, false);

	if (ptep && pte_present(*ptep) && pte_pfn(*ptep) == page_to_pfn(virt_to_page(pg)))
		set_pte(ptep, __pte(0));
}

/*
 * Map the IDT and every possible CPU's GDT read-only at their fixed
 * addresses.  The range must not meet a CPU's entry area: since 6.2 (with
 * KASLR) those lie anywhere in the slot, and perf maps and unmaps pages in
 * them at run time, so an empty PTE alone proves nothing.
 */
static int ro_map_all(void)
{
	unsigned long end = KPLUG_RO_TABLES_END;
	unsigned long cea;
	int cpu, err;

	ro_start = KPLUG_RO_GDT(nr_cpu_ids - 1);
	if (ro_start < CPU_ENTRY_AREA_PER_CPU)
		return -E2BIG;
	for_each_possible_cpu(cpu) {
		cea = (unsigned long)get_cpu_entry_area(cpu);
		if (cea < end && cea + sizeof(struct cpu_entry_area) > ro_start) {
			pr_err("CPU %d's entry area lies where kplug maps its descriptor tables (the last %lu KiB of the CPU entry area): not loading; reboot (the areas are placed at random on each boot)\n",
			       cpu, (end - ro_start) >> 10);
			return -EBUSY;
		}
	}

	/* A PMD table per GiB and a PTE table per 2 MiB, rounding up. */
	max_ro_tables = 2 * (DIV_ROUND_UP(end - ro_start, PMD_SIZE) + 1);
	ro_tables = kcalloc(max_ro_tables, sizeof(*ro_tables), GFP_KERNEL);
	if (!ro_tables)
		return -ENOMEM;

	for_each_possible_cpu(cpu) {
		err = ro_map(KPLUG_RO_GDT(cpu), virt_to_page(kplug_cpu_gdt[cpu]));
		if (err)
			return err;
	}
	return ro_map(KPLUG_RO_IDT, virt_to_page(kplug_idt));
}

/*
 * Undo ro_map_all (nothing runs with kplug's tables loaded any more):
 * clear our PTEs, then every table we added that is empty again, flush
 * every CPU's TLB and paging-structure caches, and only then free them.
 * A table Linux put entries into meanwhile stays (so do its parents).
 */
static void ro_unmap_all(void)
{
	struct page *pg;
	int i, cpu;

	if (!ro_start)
		return;
	for_each_possible_cpu(cpu)
		if (kplug_cpu_gdt[cpu])
			ro_unmap(KPLUG_RO_GDT(cpu), kplug_cpu_gdt[cpu]);
	ro_unmap(KPLUG_RO_IDT, kplug_idt);
	for (i = nr_ro_tables - 1; i >= 0; i--) {
		if (memchr_inv(page_address(ro_tables[i].page), 0, PAGE_SIZE))
			ro_tables[i].page = NULL;
		else
			WRITE_ONCE(*ro_tables[i].entry, 0);
	}
	on_each_cpu(ro_flush_all, NULL, 1);
	for (i = 0; i < nr_ro_tables; i++) {
		pg = ro_tables[i].page;
		if (pg)
			__free_page(pg);
	}
	kfree(ro_tables);
	ro_tables = NULL;
	nr_ro_tables = 0;
	ro_start = 0;
}

/* Build this CPU's private GDT from its live one.  Interrupts off. */
u64 *kplug_gdt_build(int cpu)
{
	struct desc_ptr host;
	const u64 *src;
	u64 *gdt = kplug_cpu_gdt[cpu];
	int i;

	native_store_gdt(&host);
	src = (const u64 *)host.address;
	memset(gdt, 0, KPLUG_GDT_ENTRIES * 8);
	for (i = 1; i < GDT_ENTRIES; i++) {
		u64 d = src[i];

		if (i == GDT_ENTRY_TSS || i == GDT_ENTRY_TSS + 1) {
			gdt[i] = d;	/* TR keeps using it; DPL 0, busy */
		} else if (i == GDT_ENTRY_CPUNODE) {
			gdt[i] = kplug_desc_set_dpl(d, 0) | KPLUG_DESC_ACCESSED;
		} else if (kplug_desc_is_segment(d) && kplug_desc_dpl(d) == 0) {
			/* kernel code/data: ring 1 cannot load them.  The CPU
			 * sets a loaded descriptor's accessed bit if clear:
			 * through the read-only alias that write would fault
			 * (as in Linux's read-only GDT, whose are all set). */
			gdt[i] = d | KPLUG_DESC_ACCESSED;
		}
		/* everything else (DPL 3, LDT, TLS) stays zero */
	}
	kplug_desc_gate(&gdt[KPLUG_GDT_EXIT_GATE], exit_gate, __KERNEL_CS,
			KPLUG_TYPE_CALL_GATE, 1, 0);
	kplug_desc_gate(&gdt[GDT_SERVICE_GATE], service_gate, __KERNEL_CS, KPLUG_TYPE_CALL_GATE, 1, 0);
	return gdt;
}

/* The plugin's code and data segments for kplug_gdt_load_plugin(): DPL 1,
 * limits code_end - 1 and data_end - 1.  Preset accessed (desc.h): the
 * CPU never writes the GDT. */
void kplug_gdt_plugin_segments(u32 code_end, u32 data_end, u64 *code, u64 *data)
{
	*code = kplug_desc_segment(code_end, KPLUG_TYPE_CODE_XRA, 1);
	*data = kplug_desc_segment(data_end, KPLUG_TYPE_DATA_RWA, 1);
}

int kplug_gdt_init(const u64 *idt_targets, unsigned long exit_target,
		   unsigned long service_target)
{
	int cpu, v, err;

	exit_gate = exit_target;
	service_gate = service_target;
	kplug_idt = (u64 *)get_zeroed_page(GFP_KERNEL);
	kplug_cpu_gdt = kcalloc(nr_cpu_ids, sizeof(*kplug_cpu_gdt), GFP_KERNEL);
	if (!kplug_idt || !kplug_cpu_gdt)
		goto err;
	for_each_possible_cpu(cpu) {
		/* A page of its own: nothing else shares the alias. */
		kplug_cpu_gdt[cpu] = (u64 *)get_zeroed_page(GFP_KERNEL);
		if (!kplug_cpu_gdt[cpu])
			goto err;
	}

	for (v = 0; v < 256; v++)
		kplug_desc_gate(&kplug_idt[2 * v], idt_targets[v],
				__KERNEL_CS, KPLUG_TYPE_INTR_GATE, 0,
				v == X86_TRAP_DF ? IST_INDEX_DF + 1 : 0);
	err = ro_map_all();
	if (err) {
		kplug_gdt_exit();
		return err;
	}
	return 0;
err:
	kplug_gdt_exit();
	return -ENOMEM;
}

void kplug_gdt_exit(void)
{
	int cpu;

	ro_unmap_all();
	if (kplug_cpu_gdt)
		for_each_possible_cpu(cpu)
			free_page((unsigned long)kplug_cpu_gdt[cpu]);
	kfree(kplug_cpu_gdt);
	free_page((unsigned long)kplug_idt);
	kplug_cpu_gdt = NULL;
	kplug_idt = NULL;
}
