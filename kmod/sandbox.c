// SPDX-License-Identifier: GPL-2.0
/*
 * A plugin's sandbox: its memory and its own page table.
 *
 * The low half of the page table maps only the sandbox (layout in
 * uapi/kplug.h and docs/design.md); the kernel half is a copy of the
 * kernel's top-level entries, which never change after boot.  Sandbox pages
 * are supervisor pages (ring 1 is supervisor for paging), never global:
 * text read+execute, everything else read+write+no-execute.
 *
 *   0 .. 64 KiB        unmapped
 *   runtime page       kplug's exit stub                    r-x
 *   text               image text                           r-x  (CS limit)
 *   data, bss          image data, zeroed bss               rw-
 *   stacks             per (CPU, slot): unmapped guard page, then the stack
 *                                                            rw-  (DS/SS limit)
 */
#include <linux/bitops.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/wait_bit.h>
#include <linux/io.h>
#include <asm/pgtable.h>
#include <asm/tlbflush.h>

#include "internal.h"
#include "../trampoline/world_switch.h"

#define PTE_TABLE	(_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY)
#define PTE_TEXT	(_PAGE_PRESENT | _PAGE_ACCESSED)
#define PTE_DATA	(_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_NX)

static struct page *sandbox_alloc(struct kplug_sandbox *sb)
{
	struct page *pg;

	if (WARN_ON_ONCE(sb->nr_pages == sb->max_pages))
		return NULL;
	pg = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (pg)
		sb->pages[sb->nr_pages++] = pg;
	return pg;
}

/* A fresh zeroed page linked into *entry with flags: its kernel address. */
static void *sandbox_link(struct kplug_sandbox *sb, u64 *entry, u64 flags)
{
	struct page *pg = sandbox_alloc(sb);

	if (!pg)
		return NULL;
	*entry = page_to_phys(pg) | flags;
	return page_address(pg);
}

/* The next-level table behind *entry, allocated if absent (alloc). */
static u64 *table_next(struct kplug_sandbox *sb, u64 *entry, bool alloc)
{
	if (*entry & _PAGE_PRESENT)
		return __va(*entry & PTE_PFN_MASK);
	return alloc ? sandbox_link(sb, entry, PTE_TABLE) : NULL;
}

/* The PTE for a sandbox address (below 1 GiB), or NULL. */
static u64 *sandbox_pte(struct kplug_sandbox *sb, u32 addr, bool alloc)
{
	u64 *t = sb->pgd;

	if (addr >= KPLUG_SANDBOX_MAX)	/* one pmd table covers the sandbox */
		return NULL;

	if (pgtable_l5_enabled())
		t = table_next(sb, &t[0], alloc);	/* p4d */
	if (t)
		t = table_next(sb, &t[0], alloc);	/* pud */
	if (t)
		t = table_next(sb, &t[0], alloc);	/* pmd: addr < 1 GiB */
	if (t)
		t = table_next(sb, &t[addr >> 21 & 511], alloc); /* pte */
	return t ? &t[addr >> 12 & 511] : NULL;
}

/* Map a fresh zeroed page at addr; return its kernel address. */
static void *sandbox_map(struct kplug_sandbox *sb, u32 addr, u64 prot)
{
	u64 *pte = sandbox_pte(sb, addr, true);

	return pte ? sandbox_link(sb, pte, prot & __supported_pte_mask) : NULL;
}

/* Map [addr, addr + size) and fill it from src (len bytes, rest zero). */
static int sandbox_fill(struct kplug_sandbox *sb, u32 addr, u32 size,
			const u8 *src, u32 len, u64 prot)
{
	u32 off;

	for (off = 0; off < size; off += PAGE_SIZE) {
		u8 *kaddr = sandbox_map(sb, addr + off, prot);

		if (!kaddr)
			return -ENOMEM;
		if (off < len)
			memcpy(kaddr, src + off, min_t(u32, len - off, PAGE_SIZE));
	}
	return 0;
}

void *kplug_sandbox_kaddr(struct kplug_sandbox *sb, u32 addr)
{
	u64 *pte = sandbox_pte(sb, addr, false);

	if (!pte || !(*pte & _PAGE_PRESENT))
		return NULL;
	return (u8 *)__va(*pte & PTE_PFN_MASK) + (addr & ~PAGE_MASK);
}

/* Copy between the kernel and mapped sandbox memory, page by page
 * (buf NULL: zero the sandbox range). */
static int sandbox_copy(struct kplug_sandbox *sb, u32 addr, void *buf,
			u32 len, bool to_sandbox)
{
	while (len) {
		u32 n = min_t(u32, len, PAGE_SIZE - (addr & ~PAGE_MASK));
		u8 *k = kplug_sandbox_kaddr(sb, addr);

		if (!k)
			return -EFAULT;
		if (!to_sandbox)
			memcpy(buf, k, n);
		else if (buf)
			memcpy(k, buf, n);
		else
			memset(k, 0, n);
		addr += n;
		if (buf)
			buf += n;
		len -= n;
	}
	return 0;
}

int kplug_sandbox_write(struct kplug_sandbox *sb, u32 addr, const void *src,
			u32 len)
{
	return sandbox_copy(sb, addr, (void *)src, len, true);
}

int kplug_sandbox_read(struct kplug_sandbox *sb, u32 addr, void *dst, u32 len)
{
	return sandbox_copy(sb, addr, dst, len, false);
}

/* A free stack slot of this CPU for an atomic or a task caller, or -EBUSY.
 * Atomic callers have two of their own, which tasks cannot starve (nested
 * softirq and kprobe calls). */
int kplug_sandbox_slot_try(struct kplug_sandbox *sb, int cpu, bool atomic)
{
	unsigned int slot = atomic ? KPLUG_SLOTS_TASK : 0;
	unsigned int end = atomic ? sb->nr_slots : KPLUG_SLOTS_TASK;

	for (; slot < end; slot++)
		if (!test_and_set_bit(slot, &sb->slot_busy[cpu]))
			return slot;
	return -EBUSY;
}

static bool slot_claim(struct kplug_sandbox *sb, int cpu, int *slot)
{
	*slot = kplug_sandbox_slot_try(sb, cpu, false);
	return *slot >= 0;
}

/*
 * Set in a CPU's slot_busy word once a task has had to wait there, and
 * never cleared: until then, releasing a slot skips the wake-up (a hash
 * and a wait-queue check on every call).  Each side sets its bit, then
 * (full barrier) tests the other's, so one of them sees the other.
 */
#define SLOT_WAITERS	(BITS_PER_LONG - 1)

/*
 * Wait for a task slot of this CPU (the task is kept on it, and may
 * sleep): the tasks holding the CPU's two task slots are pinned there,
 * preempted between stretches, and run again once this one sleeps;
 * failing instead would let two tasks that keep getting preempted
 * mid-call make a process hook's plugin miss every other caller on that
 * CPU.  Only a fatal signal ends the wait (-EINTR): a task must not skip
 * a hook's plugin by arranging for a signal to be pending.  The wait is
 * bounded by the holders' budgets.
 */
int kplug_sandbox_slot_wait(struct kplug_sandbox *sb, int cpu)
{
	int slot;

	set_bit(SLOT_WAITERS, &sb->slot_busy[cpu]);
	smp_mb__after_atomic();	/* the flag, then the slots' check */
	if (wait_var_event_killable(&sb->slot_busy[cpu],
				    slot_claim(sb, cpu, &slot)))
		return -EINTR;
	return slot;
}

void kplug_sandbox_slot_put(struct kplug_sandbox *sb, int cpu, int slot)
{
	clear_bit(slot, &sb->slot_busy[cpu]);
	if (slot < KPLUG_SLOTS_TASK) {
		smp_mb__after_atomic();	/* the bit, then the waiters' check */
		if (test_bit(SLOT_WAITERS, &sb->slot_busy[cpu]))
			wake_up_var(&sb->slot_busy[cpu]);
	}
}

int kplug_sandbox_create(struct kplug_sandbox *sb,
			 const struct kplug_image_hdr *hdr,
			 const u8 *text, const u8 *data)
{
	u32 text_pages = DIV_ROUND_UP(hdr->text_size, PAGE_SIZE);
	u32 data_pages = DIV_ROUND_UP(hdr->data_size + hdr->bss_size, PAGE_SIZE);
	u32 slots, stack_pages, pt_pages, i;
	const u64 *kpgd;
	u64 span;
	int err;

	memset(sb, 0, sizeof(*sb));
	sb->stack_size = hdr->stack_size ?: KPLUG_STACK_DEFAULT;
	sb->nr_slots = KPLUG_SLOTS_PER_CPU;
	slots = nr_cpu_ids * sb->nr_slots;
	sb->code_end = KPLUG_TEXT_BASE + text_pages * PAGE_SIZE;
	sb->data_base = sb->code_end;
	sb->stacks_base = sb->data_base + data_pages * PAGE_SIZE;
	span = sb->stacks_base + (u64)slots * (PAGE_SIZE + sb->stack_size);
	if (span > KPLUG_SANDBOX_MAX)
		return -E2BIG;
	sb->end = span;

	stack_pages = slots * (sb->stack_size / PAGE_SIZE);
	pt_pages = 4 + DIV_ROUND_UP(sb->end, 1u << 21);	/* p4d pud pmd + ptes */
	sb->max_pages = 1 + text_pages + data_pages + stack_pages + pt_pages;
	sb->pages = kvcalloc(sb->max_pages, sizeof(*sb->pages), GFP_KERNEL_ACCOUNT);
	sb->slot_busy = kcalloc(nr_cpu_ids, sizeof(long), GFP_KERNEL_ACCOUNT);
	sb->stack_page = kcalloc(slots, sizeof(void *), GFP_KERNEL_ACCOUNT);
	/* Order 1 and we use the first page: with PTI, Linux's paranoid entry
	 * treats CR3 bit 12 as "user page table" and would flip it. */
	sb->pgd = (u64 *)__get_free_pages(GFP_KERNEL_ACCOUNT | __GFP_ZERO, 1);
	if (!sb->pages || !sb->slot_busy || !sb->stack_page || !sb->pgd) {
		err = -ENOMEM;
		goto err;
	}

	sb->pgd_pa = __pa(sb->pgd);

	/* The kernel half, shared; minus the per-mm LDT remap slot. */
	kpgd = __va(read_cr3_pa());
	for (i = PTRS_PER_PGD / 2; i < PTRS_PER_PGD; i++)
		sb->pgd[i] = kpgd[i];
#ifdef CONFIG_MODIFY_LDT_SYSCALL
	sb->pgd[pgd_index(LDT_BASE_ADDR)] = 0;
#endif

	err = sandbox_fill(sb, KPLUG_RUNTIME_BASE, PAGE_SIZE, kplug_runtime_start,
			   kplug_runtime_end - kplug_runtime_start, PTE_TEXT);
	if (!err)
		err = sandbox_fill(sb, KPLUG_TEXT_BASE, text_pages * PAGE_SIZE,
				   text, hdr->text_size, PTE_TEXT);
	if (!err)
		err = sandbox_fill(sb, sb->data_base, data_pages * PAGE_SIZE,
				   data, hdr->data_size, PTE_DATA);
	for (i = 0; !err && i < slots; i++) {
		u32 top = sb->stacks_base + (i + 1) * (PAGE_SIZE + sb->stack_size);

		err = sandbox_fill(sb, top - sb->stack_size, sb->stack_size,
				   NULL, 0, PTE_DATA);
		if (!err)
			sb->stack_page[i] = kplug_sandbox_kaddr(sb, top - PAGE_SIZE);
	}
	if (err)
		goto err;
	kplug_gdt_plugin_segments(sb->code_end, sb->end, &sb->code_desc,
				  &sb->data_desc);
	return 0;
err:
	kplug_sandbox_destroy(sb);
	return err;
}

void kplug_sandbox_destroy(struct kplug_sandbox *sb)
{
	unsigned int i;

	for (i = 0; i < sb->nr_pages; i++)
		__free_page(sb->pages[i]);
	kvfree(sb->pages);
	kfree(sb->slot_busy);
	kfree(sb->stack_page);
	if (sb->pgd)
		free_pages((unsigned long)sb->pgd, 1);
	memset(sb, 0, sizeof(*sb));
}
