// SPDX-License-Identifier: GPL-2.0
/*
 * The world switch's state, read by world_switch.asm: where Linux's IDT
 * sends each vector (the switch hands the host's events there), and per
 * CPU the events kplug's ring-0 windows kept pending and the invocation
 * inside the switch.  Set up together with kplug's descriptor tables,
 * whose gates lead to the switch's stubs.
 */
#include <linux/cpumask.h>
#include <linux/slab.h>
#include <asm/desc.h>

#include "world_switch.h"

u64 kplug_host_handler[256];
struct kplug_dtr kplug_host_idtr;
u8 *kplug_nmi_pending;
u8 *kplug_irq_pending;
struct kplug_ctx **kplug_running;

static void state_free(void)
{
	kfree(kplug_running);
	kfree(kplug_irq_pending);
	kfree(kplug_nmi_pending);
	kplug_running = NULL;
	kplug_irq_pending = NULL;
	kplug_nmi_pending = NULL;
}

int kplug_switch_init(void)
{
	struct desc_ptr host;
	const gate_desc *idt;
	int v, err;

	store_idt(&host);
	idt = (const gate_desc *)host.address;
	for (v = 0; v < 256; v++)
		kplug_host_handler[v] = gate_offset(&idt[v]);
	kplug_host_idtr.limit = host.size;
	kplug_host_idtr.base = host.address;

	kplug_nmi_pending = kcalloc(nr_cpu_ids, 1, GFP_KERNEL);
	kplug_irq_pending = kcalloc(nr_cpu_ids, 1, GFP_KERNEL);
	kplug_running = kcalloc(nr_cpu_ids, sizeof(*kplug_running), GFP_KERNEL);
	if (!kplug_nmi_pending || !kplug_irq_pending || !kplug_running) {
		state_free();
		return -ENOMEM;
	}
	err = kplug_gdt_init(kplug_idt_stubs, (unsigned long)kplug_gate_exit,
			     (unsigned long)kplug_gate_service);
	if (err)
		state_free();
	return err;
}

void kplug_switch_exit(void)
{
	kplug_gdt_exit();
	state_free();
}
