// SPDX-License-Identifier: GPL-2.0
/*
 * kplug_sample: the template for in-kernel callers of kplug hooks.
 *
 * It registers the hook "sample" (process or atomic context, two
 * arguments, first non-zero result wins, default 0) and creates
 * /proc/kplug_sample: writing "A B" calls the hook with (A, B) and keeps
 * the result; reading prints the last result.  "atomic A B" makes the
 * same call with bottom halves off (atomic, like a softirq), "preempt A B"
 * with preemption off, "rcu A B" inside rcu_read_lock() (atomic too, but
 * with PREEMPT_RCU the task stays preemptible and migratable there, which
 * the hostile-caller tests need), "irqsoff A B" with interrupts off (the
 * plugins do not run: missed).  Attach plugins with
 *   kplugctl hook attach sample PLUGIN:ENTRY
 * It also registers "sample_irqs_off", a hook declared to be called with
 * interrupts off, which kplug refuses to attach anything to.
 *
 * What a caller has to do:
 *   1. describe the hook (struct kplug_hook_desc) and register it at init;
 *   2. call kplug_hook_call() where plugins may act, with interrupts on
 *      (it sleeps only if the caller is preemptible);
 *   3. unregister it at exit, before anything the calls use goes away:
 *      kplug_hook_unregister() detaches the plugins and waits for calls
 *      in flight.
 * Build against kplug's Module.symvers (KBUILD_EXTRA_SYMBOLS); loading
 * this module then needs kplug.ko, which cannot unload before it.
 */
#include <linux/bottom_half.h>
#include <linux/err.h>
#include <linux/irqflags.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/preempt.h>
#include <linux/proc_fs.h>
#include <linux/rcupdate.h>
#include <linux/uaccess.h>

#include "../../include/kplug_hook.h"

static struct kplug_hook *hook, *hook_irqs_off;
static u32 last_result;

static const struct kplug_hook_desc sample_desc = {
	.name = "sample",
	.context = KPLUG_HOOK_CTX_PROCESS | KPLUG_HOOK_CTX_ATOMIC,
	.context_desc = "a write to /proc/kplug_sample: process, or BH off (atomic)",
	.args_desc = "a0, a1: the two numbers written",
	.default_result = 0,
	.combine = KPLUG_HOOK_FIRST_NONZERO,
};

static const struct kplug_hook_desc sample_irqs_off_desc = {
	.name = "sample_irqs_off",
	.context = KPLUG_HOOK_CTX_IRQS_OFF,
	.context_desc = "never called: shows that interrupts-off hooks take no plugins",
	.args_desc = "none",
	.default_result = 0,
	.combine = KPLUG_HOOK_LAST,
};

static ssize_t sample_write(struct file *file, const char __user *ubuf,
			    size_t len, loff_t *pos)
{
	char buf[64], how[16] = "process";
	unsigned long flags;
	u32 args[2], r;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	if (sscanf(buf, "%u %u", &args[0], &args[1]) != 2 &&
	    sscanf(buf, "%15s %u %u", how, &args[0], &args[1]) != 3)
		return -EINVAL;
	if (!strcmp(how, "process")) {
		/* process context, nothing held: plugins may be rescheduled */
		r = kplug_hook_call(hook, args, 2, NULL, 0);
	} else if (!strcmp(how, "atomic")) {
		local_bh_disable();	/* as in a softirq: never rescheduled */
		r = kplug_hook_call(hook, args, 2, NULL, 0);
		local_bh_enable();
	} else if (!strcmp(how, "preempt")) {
		preempt_disable();	/* a preemption-off caller: atomic */
		r = kplug_hook_call(hook, args, 2, NULL, 0);
		preempt_enable();
	} else if (!strcmp(how, "rcu")) {
		/*
		 * An RCU reader: atomic for kplug, yet with PREEMPT_RCU
		 * (preempt=full) the task can still be preempted and
		 * migrated inside the section, unlike the modes above.
		 */
		rcu_read_lock();
		r = kplug_hook_call(hook, args, 2, NULL, 0);
		rcu_read_unlock();
	} else if (!strcmp(how, "irqsoff")) {
		local_irq_save(flags);	/* nothing runs: the default, missed */
		r = kplug_hook_call(hook, args, 2, NULL, 0);
		local_irq_restore(flags);
	} else {
		return -EINVAL;
	}
	WRITE_ONCE(last_result, r);
	return len;
}

static ssize_t sample_read(struct file *file, char __user *ubuf, size_t len,
			   loff_t *pos)
{
	char buf[16];
	int n = scnprintf(buf, sizeof(buf), "%u\n", READ_ONCE(last_result));

	return simple_read_from_buffer(ubuf, len, pos, buf, n);
}

static const struct proc_ops sample_ops = {
	.proc_write = sample_write,
	.proc_read = sample_read,
	.proc_lseek = default_llseek,
};

static int __init sample_init(void)
{
	hook = kplug_hook_register(&sample_desc);
	if (IS_ERR(hook))
		return PTR_ERR(hook);
	hook_irqs_off = kplug_hook_register(&sample_irqs_off_desc);
	if (IS_ERR(hook_irqs_off)) {
		kplug_hook_unregister(hook);
		return PTR_ERR(hook_irqs_off);
	}
	if (!proc_create("kplug_sample", 0600, NULL, &sample_ops)) {
		kplug_hook_unregister(hook_irqs_off);
		kplug_hook_unregister(hook);
		return -ENOMEM;
	}
	return 0;
}

static void __exit sample_exit(void)
{
	/* First no new calls (the proc file waits for its writers), then
	 * the hook: detaches the plugins, waits for calls in flight. */
	remove_proc_entry("kplug_sample", NULL);
	kplug_hook_unregister(hook_irqs_off);
	kplug_hook_unregister(hook);
}

module_init(sample_init);
module_exit(sample_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kplug sample hook: the template for in-kernel callers");
