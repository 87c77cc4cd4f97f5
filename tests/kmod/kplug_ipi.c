// SPDX-License-Identifier: GPL-2.0
/*
 * Test module: send `count` fixed-vector IPIs to CPU `target`, 200 us
 * apart, at load time, the way a device interrupt on that vector would
 * arrive.  tests/vm/vectors_test.sh sends them while a plugin spins on the
 * target CPU: every vector kplug's IDT takes from ring 1 must be handled
 * as an interrupt there, whatever its number.  Linux has no handler for
 * the vectors used, so it acknowledges each with "No irq handler".
 */
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/module.h>
#include <asm/apic.h>
#include <asm/irq_vectors.h>

static int vector, target, count = 500;
module_param(vector, int, 0444);
MODULE_PARM_DESC(vector, "vector to send, FIRST_EXTERNAL_VECTOR..FIRST_SYSTEM_VECTOR-1");
module_param(target, int, 0444);
MODULE_PARM_DESC(target, "CPU to send it to");
module_param(count, int, 0444);
MODULE_PARM_DESC(count, "number of IPIs (1..100000)");

static int __init kplug_ipi_init(void)
{
	int i;

	if (vector < FIRST_EXTERNAL_VECTOR || vector >= FIRST_SYSTEM_VECTOR ||
	    count < 1 || count > 100000 || target < 0 ||
	    target >= nr_cpu_ids || !cpu_online(target))
		return -EINVAL;
	for (i = 0; i < count; i++) {
		apic->send_IPI(target, vector);
		udelay(200);
	}
	pr_info("sent %d IPIs on vector %d to CPU %d\n", count, vector, target);
	return 0;
}

static void __exit kplug_ipi_exit(void)
{
}

module_init(kplug_ipi_init);
module_exit(kplug_ipi_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kplug test: fixed-vector IPIs");
