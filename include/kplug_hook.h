/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kplug hook points for in-kernel callers (exported by kplug.ko).
 *
 * A module registers a named hook point, calls it where plugins may act,
 * and unregisters it before it goes away.  Plugins are attached to a hook
 * from user space (KPLUG_IOC_HOOK, kplug_attach(), `kplugctl hook`); they
 * run in attach order, each as one kplug invocation of one entry with the
 * hook's arguments and in buffer.  See docs/hooks.md and
 * kmod/samples/kplug_sample.c (the template).
 *
 * Contexts (uapi/kplug.h KPLUG_HOOK_CTX_*; docs/hooks.md): a hook
 * declares where it is called from.  At each call kplug looks at the real
 * context: a preemptible task runs plugins preemptibly under the usual
 * budget; softirq or preemption/BH off (interrupts on) runs them without
 * rescheduling under atomic_budget_us; interrupts off, hardirq or NMI run
 * nothing (default_result, counted as missed).  A hook that declares
 * KPLUG_HOOK_CTX_IRQS_OFF takes no attachments.
 */
#ifndef KPLUG_HOOK_H
#define KPLUG_HOOK_H

#include <linux/compiler.h>
#include <linux/types.h>
#include "../uapi/kplug.h"	/* KPLUG_HOOK_CTX_*, KPLUG_HOOK_FIRST_NONZERO... */

struct kplug_hook;

struct kplug_hook_desc {
	const char *name;	/* 1..127 of [A-Za-z0-9_.:-] (KPLUG_HOOK_NAME_MAX), unique */
	u32 context;		/* KPLUG_HOOK_CTX_* where it is called from */
	const char *context_desc; /* where it is called from, for users */
	const char *args_desc;	/* what args[] and in hold, for users */
	u32 default_result;	/* with nothing attached, or for a plugin that
				 * faults or runs out of budget */
	u32 combine;		/* KPLUG_HOOK_FIRST_NONZERO or KPLUG_HOOK_LAST */
};

/*
 * Register a hook point.  ERR_PTR(-EINVAL) bad descriptor, -EEXIST the
 * name is taken, -ENOMEM.  Process context (may sleep).
 */
struct kplug_hook *kplug_hook_register(const struct kplug_hook_desc *desc);

/*
 * Detach every plugin, wait for calls in flight, free the hook.  The
 * caller must not start new calls of it.  May sleep.
 */
void kplug_hook_unregister(struct kplug_hook *hook);

/*
 * The start of every struct kplug_hook, which kplug_hook_call() reads in
 * the caller: with nothing attached a call costs a load and a test, no
 * call into kplug.ko.  Written by kplug only.
 */
struct kplug_hook_head {
	u32 attached;		/* how many plugins are attached */
	u32 default_result;
};

u32 __kplug_hook_call(struct kplug_hook *hook, const u32 *args,
		      unsigned int nargs, const void *in, u32 in_len);

/*
 * Run the attached plugins with nargs (0..KPLUG_MAX_ARGS) arguments and
 * in_len bytes at in; combine their results as the hook declared.  With
 * nothing attached: default_result, inline.  A plugin that faults or runs
 * out of budget contributes default_result.  Any context with interrupts
 * on; sleeps only if the caller is preemptible.
 */
static inline u32 kplug_hook_call(struct kplug_hook *hook, const u32 *args,
				  unsigned int nargs, const void *in,
				  u32 in_len)
{
	const struct kplug_hook_head *head = (const void *)hook;

	if (likely(!READ_ONCE(head->attached)))
		return head->default_result;
	return __kplug_hook_call(hook, args, nargs, in, in_len);
}

#endif /* KPLUG_HOOK_H */
