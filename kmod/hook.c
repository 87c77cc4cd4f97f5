// SPDX-License-Identifier: GPL-2.0
/*
 * Hook points for in-kernel callers (include/kplug_hook.h).
 *
 * Hooks live in a global list under hooks_lock, which also serialises
 * attach and detach.  A hook's attachments are an RCU list read under
 * SRCU: kplug_run() sleeps, so plain RCU cannot cover a call.  An
 * attachment holds a plugin reference; detach (or unregistering the
 * hook, or removing the plugin: kplug_hook_detach_plugin()) waits for
 * calls in flight, then drops it.  Every attachment has an id, so that
 * user space can list it and detach it by that id.
 *
 * Built-in providers (provider.c) give a hook ops: arm starts the calls
 * when the first plugin attaches (registers the netfilter hook or the
 * kprobe), disarm (if any) stops them and waits for calls in flight when
 * the last one detaches.  A provider may also register a factory for a
 * name prefix (kprobe:): the first attach to a name it matches makes the
 * hook, the last detach frees it.  The core never names a provider.
 */
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/srcu.h>
#include <linux/string.h>

#include "internal.h"
#include "../include/kplug_hook.h"

/*
 * An attachment's CPU time in atomic context on one CPU, over the current
 * window of SHARE_WINDOW jiffies (see share_window()); and its counts on
 * that CPU (no cache line shared between CPUs calling it; summed when
 * read, att_count()).
 */
struct att_window {
	unsigned long start;		/* jiffies when the window began */
	u64 used_ns;
	bool throttled;			/* over its share: skipped until the
					 * window ends */
	u64 calls, faults, overruns;
};

struct kplug_hook_att {
	struct list_head node;		/* in hook->atts (RCU) */
	struct list_head dead;		/* on a list to free, after SRCU */
	struct kplug_plugin *p;		/* a reference */
	u32 entry;
	u32 id;				/* unique while the module is loaded */
	unsigned long attached_at;	/* jiffies */
	unsigned long suspended_at;	/* jiffies, once suspended */
	bool suspended;			/* overran in atomic context: runs no
					 * more */
	struct att_window __percpu *win;
};

/* Counted per CPU on the call path (no cache line shared between CPUs
 * calling the hook), summed when read. */
struct hook_stats {
	u64 calls;		/* calls with plugins attached */
	u64 missed;		/* of those, in a context that runs none */
};

struct kplug_hook {
	struct kplug_hook_head head;	/* first: callers read it inline
					 * (kplug_hook.h); attached counts
					 * atts, written under hooks_lock */
	struct list_head node;		/* in hooks, under hooks_lock */
	struct list_head atts;		/* attach order; writers hold hooks_lock */
	char name[KPLUG_HOOK_NAME_MAX];
	u32 context, combine;
	char context_desc[KPLUG_HOOK_DESC_MAX];
	char args_desc[KPLUG_HOOK_DESC_MAX];
	struct hook_stats __percpu *stats;
	const struct kplug_hook_ops *ops;	/* a provider's, or NULL */
	void *priv;			/* the provider's */
};

static LIST_HEAD(hooks);
static LIST_HEAD(factories);	/* under hooks_lock */
static DEFINE_MUTEX(hooks_lock);
static u32 last_att_id;		/* under hooks_lock */
DEFINE_STATIC_SRCU(hook_srcu);

/*
 * atomic_budget_us bounds one call; this bounds the sum.  A filter that
 * stays just under the budget on every packet would otherwise keep a CPU
 * in softirq for as long as packets come.  1..100; 100 is no limit.
 */
static unsigned int atomic_share_pct = 50;

static int share_pct_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, 100);
}

static const struct kernel_param_ops share_pct_ops = {
	.set = share_pct_set,
	.get = param_get_uint,
};

module_param_cb(atomic_share_pct, &share_pct_ops, &atomic_share_pct, 0644);
MODULE_PARM_DESC(atomic_share_pct, "most of a CPU's time one hook attachment may use in atomic context, over each second, in percent; past it, it is skipped for the rest of the second (1..100, 100 = no limit, default 50)");

#define SHARE_WINDOW	HZ	/* jiffies: one second */

/* A module's desc->name may be NULL; the rule itself is uapi's. */
static bool hook_name_valid(const char *name)
{
	return name && kplug_name_valid(name, KPLUG_HOOK_NAME_MAX,
					KPLUG_NAME_HOOK);
}

static struct kplug_hook *hook_find(const char *name)
{
	struct kplug_hook *h;

	lockdep_assert_held(&hooks_lock);
	list_for_each_entry(h, &hooks, node)
		if (!strcmp(h->name, name))
			return h;
	return NULL;
}

struct kplug_hook *kplug_hook_alloc(const struct kplug_hook_desc *desc,
				    const struct kplug_hook_ops *ops, void *priv)
{
	struct kplug_hook *h;

	if (!desc || !hook_name_valid(desc->name) ||
	    desc->combine > KPLUG_HOOK_LAST || !desc->context ||
	    desc->context & ~(KPLUG_HOOK_CTX_PROCESS | KPLUG_HOOK_CTX_ATOMIC |
			      KPLUG_HOOK_CTX_IRQS_OFF))
		return ERR_PTR(-EINVAL);
	h = kzalloc(sizeof(*h), GFP_KERNEL);
	if (h)
		h->stats = alloc_percpu(struct hook_stats);
	if (!h || !h->stats) {
		kfree(h);
		return ERR_PTR(-ENOMEM);
	}
	INIT_LIST_HEAD(&h->atts);
	strscpy(h->name, desc->name, sizeof(h->name));
	h->head.default_result = desc->default_result;
	h->context = desc->context;
	h->combine = desc->combine;
	strscpy(h->context_desc, desc->context_desc ?: "", sizeof(h->context_desc));
	strscpy(h->args_desc, desc->args_desc ?: "", sizeof(h->args_desc));
	h->ops = ops;
	h->priv = priv;
	return h;
}

bool kplug_hook_attached(struct kplug_hook *h)
{
	return !list_empty(&h->atts);
}

void *kplug_hook_priv(struct kplug_hook *h)
{
	return h->priv;
}

static void hook_free(struct kplug_hook *h)
{
	if (h->ops && h->ops->release)
		h->ops->release(h);
	free_percpu(h->stats);
	kfree(h);
}

struct kplug_hook *kplug_hook_register(const struct kplug_hook_desc *desc)
{
	return kplug_hook_add(kplug_hook_alloc(desc, NULL, NULL));
}
EXPORT_SYMBOL_GPL(kplug_hook_register);

struct kplug_hook *kplug_hook_add(struct kplug_hook *h)
{
	int err = 0;

	if (IS_ERR(h))
		return h;
	mutex_lock(&hooks_lock);
	if (hook_find(h->name))
		err = -EEXIST;
	else
		list_add_tail(&h->node, &hooks);
	mutex_unlock(&hooks_lock);
	if (err) {
		hook_free(h);
		return ERR_PTR(err);
	}
	return h;
}

void kplug_hook_factory_add(struct kplug_hook_factory *f)
{
	mutex_lock(&hooks_lock);
	list_add_tail(&f->node, &factories);
	mutex_unlock(&hooks_lock);
}

u32 kplug_hook_summary(char *prefixes, size_t size)
{
	struct kplug_hook_factory *f;
	struct kplug_hook *h;
	size_t len = 0;
	u32 n = 0;

	mutex_lock(&hooks_lock);
	list_for_each_entry(h, &hooks, node)
		n++;
	list_for_each_entry(f, &factories, node)
		len += scnprintf(prefixes + len, size - len, "%s%s",
				 len ? " " : "", f->prefix);
	mutex_unlock(&hooks_lock);
	return n;
}

/* The hook a factory makes for name, or ERR_PTR(-ENOENT) if none does. */
static struct kplug_hook *hook_make(const char *name)
{
	struct kplug_hook_factory *f;

	lockdep_assert_held(&hooks_lock);
	list_for_each_entry(f, &factories, node)
		if (!strncmp(name, f->prefix, strlen(f->prefix)))
			return f->make(name);
	return ERR_PTR(-ENOENT);
}

/* Wait for the calls that may still see them, then free attachments. */
static void atts_free(struct list_head *dead)
{
	struct kplug_hook_att *a, *n;

	synchronize_srcu(&hook_srcu);
	list_for_each_entry_safe(a, n, dead, dead) {
		kplug_plugin_put(a->p);
		free_percpu(a->win);
		kfree(a);
	}
}

#define att_count(a, field) ({					\
	u64 __n = 0;							\
	int __cpu;							\
									\
	for_each_possible_cpu(__cpu)					\
		__n += READ_ONCE(per_cpu_ptr((a)->win, __cpu)->field);	\
	__n;								\
})

/* What the kernel log says when an attachment goes away unasked. */
static void att_log(struct kplug_hook *h, struct kplug_hook_att *a,
		    const char *why)
{
	pr_info("%s: detached %s:%s from %s (attachment %u, %llu calls)\n",
		why, a->p->name, a->p->entries[a->entry].name, h->name, a->id,
		att_count(a, calls));
}

/* Take h off the list, detach (logged as why) and free everything. */
static void hook_unregister(struct kplug_hook *h, const char *why)
{
	struct kplug_hook_att *a;
	LIST_HEAD(dead);

	mutex_lock(&hooks_lock);
	list_del(&h->node);
	if (h->head.attached && h->ops && h->ops->disarm)
		h->ops->disarm(h);
	list_for_each_entry(a, &h->atts, node) {
		att_log(h, a, why);
		list_add_tail(&a->dead, &dead);
	}
	list_for_each_entry(a, &dead, dead)
		list_del_rcu(&a->node);
	WRITE_ONCE(h->head.attached, 0);
	mutex_unlock(&hooks_lock);
	atts_free(&dead);	/* waits even if none: calls still read h */
	hook_free(h);
}

void kplug_hook_unregister(struct kplug_hook *h)
{
	if (!IS_ERR_OR_NULL(h))
		hook_unregister(h, "hook unregistered");
}
EXPORT_SYMBOL_GPL(kplug_hook_unregister);

/* Module exit: only provider hooks are left (owners hold kplug.ko). */
void kplug_hooks_exit(void)
{
	struct kplug_hook *h;

	for (;;) {
		mutex_lock(&hooks_lock);
		h = list_first_entry_or_null(&hooks, struct kplug_hook, node);
		mutex_unlock(&hooks_lock);
		if (!h)
			break;
		hook_unregister(h, "unloading");
	}
}

/*
 * This CPU's share window of an attachment, started afresh if the last
 * one ended (a quiet attachment starts with a clean slate), or NULL if
 * there is no limit.  Per CPU because that is what a plugin in softirq
 * takes time from: the tasks of that CPU (packets of one flow arrive on
 * one CPU).  Interrupts off, as the caller keeps them: a kprobe handler
 * runs with preemption off only, and a softirq on its way out of an
 * interrupt may run the same attachment in between.
 */
static struct att_window *share_window(struct kplug_hook_att *a)
{
	struct att_window *w = this_cpu_ptr(a->win);

	if (!w->start || time_after_eq(jiffies, w->start + SHARE_WINDOW)) {
		w->start = jiffies ?: 1;	/* 0: never used */
		w->used_ns = 0;
		w->throttled = false;
	}
	return w;
}

/* Over its share of this CPU in the current window: skip it until the
 * window ends.  Not suspended for good: a flood of packets (anyone's to
 * send) must not switch a filter off until root attaches it again. */
static bool share_throttled(struct kplug_hook_att *a)
{
	unsigned long flags;
	bool throttled;

	if (READ_ONCE(atomic_share_pct) >= 100)
		return false;
	local_irq_save(flags);
	throttled = share_window(a)->throttled;
	local_irq_restore(flags);
	return throttled;
}

static void share_charge(struct kplug_hook_att *a, u64 used_ns)
{
	unsigned int pct = READ_ONCE(atomic_share_pct);
	struct att_window *w;
	unsigned long flags;

	if (pct >= 100)
		return;
	local_irq_save(flags);
	w = share_window(a);
	w->used_ns += used_ns;
	if (w->used_ns > (u64)jiffies_to_nsecs(SHARE_WINDOW) / 100 * pct)
		w->throttled = true;
	local_irq_restore(flags);
}

/*
 * One attachment's part of a call: its result, or an error for which
 * the hook's default stands in.  A runaway in atomic context would cost
 * every later packet or probe hit a timer tick with bottom halves or
 * preemption off: it is suspended until attached again.  One that stays
 * under the budget but runs on every packet would cost the CPU's tasks
 * their time: past its share it is skipped (counted as missed) for the
 * rest of the second.
 */
static int att_run(struct kplug_hook *h, struct kplug_hook_att *a,
		   struct kplug_call *call, u32 *result)
{
	struct kplug_fault fault = {};
	int err;

	if (READ_ONCE(a->suspended))
		return -ETIME;
	if (call->atomic && share_throttled(a)) {
		this_cpu_inc(h->stats->missed);
		return -EAGAIN;
	}
	this_cpu_inc(a->win->calls);
	call->entry = a->entry;
	call->used_ns = 0;	/* not left over from the previous attachment */
	if (call->in_len > a->p->sb.stack_size / 2)
		err = -E2BIG;
	else
		err = kplug_run(a->p, call, result, &fault);
	kplug_plugin_account(a->p, err, &fault);
	if (err == -EBUSY)	/* this CPU's atomic slots are all taken */
		this_cpu_inc(h->stats->missed);
	else if (err == -EIO)
		this_cpu_inc(a->win->faults);
	else if (err == -ETIME)
		this_cpu_inc(a->win->overruns);
	if (call->atomic) {
		share_charge(a, call->used_ns);
		if (err == -ETIME) {
			WRITE_ONCE(a->suspended_at, jiffies);
			WRITE_ONCE(a->suspended, true);
		}
	}
	return err;
}

/* kplug_hook_call() found plugins attached (kplug_hook.h). */
u32 __kplug_hook_call(struct kplug_hook *h, const u32 *args,
		      unsigned int nargs, const void *in, u32 in_len)
{
	struct kplug_call call = {};
	struct kplug_hook_att *a;
	u32 ret, result;
	int idx;

	this_cpu_inc(h->stats->calls);
	if (kplug_run_context(&call.atomic)) {
		this_cpu_inc(h->stats->missed);
		return h->head.default_result;
	}
	if (nargs > KPLUG_MAX_ARGS || (nargs && !args) || (in_len && !in))
		return h->head.default_result;

	if (nargs)
		memcpy(call.args, args, nargs * sizeof(*args));
	call.in = in;
	call.in_len = in_len;
	ret = h->head.default_result;
	idx = srcu_read_lock(&hook_srcu);
	list_for_each_entry_srcu(a, &h->atts, node,
				 srcu_read_lock_held(&hook_srcu)) {
		ret = att_run(h, a, &call, &result) ?
		      h->head.default_result : result;
		if (h->combine == KPLUG_HOOK_FIRST_NONZERO && ret)
			break;
	}
	srcu_read_unlock(&hook_srcu, idx);
	return ret;
}
EXPORT_SYMBOL_GPL(__kplug_hook_call);

static struct kplug_hook_att *att_find(struct kplug_hook *h, u32 id, u32 entry)
{
	struct kplug_hook_att *a;

	list_for_each_entry(a, &h->atts, node)
		if (a->p->id == id && a->entry == entry)
			return a;
	return NULL;
}

int kplug_hook_info(u32 index, struct kplug_hook_info *info)
{
	struct kplug_hook_att *a;
	struct kplug_hook *h;
	u32 i = 0;
	int cpu, err = -ENOENT;

	mutex_lock(&hooks_lock);
	list_for_each_entry(h, &hooks, node) {
		if (i++ != index)
			continue;
		memcpy(info->name, h->name, sizeof(info->name));
		info->context = h->context;
		info->combine = h->combine;
		info->default_result = h->head.default_result;
		info->nr_attached = h->head.attached;
		info->calls = 0;
		info->missed = 0;
		for_each_possible_cpu(cpu) {
			info->calls += READ_ONCE(per_cpu_ptr(h->stats, cpu)->calls);
			info->missed += READ_ONCE(per_cpu_ptr(h->stats, cpu)->missed);
		}
		info->nr_suspended = 0;
		list_for_each_entry(a, &h->atts, node)
			info->nr_suspended += READ_ONCE(a->suspended);
		memcpy(info->context_desc, h->context_desc,
		       sizeof(info->context_desc));
		memcpy(info->args_desc, h->args_desc, sizeof(info->args_desc));
		err = 0;
		break;
	}
	mutex_unlock(&hooks_lock);
	return err;
}

int kplug_hook_att_info(u32 after, struct kplug_att_info *info)
{
	struct kplug_hook_att *a, *best = NULL;
	struct kplug_hook *h, *best_h = NULL;

	mutex_lock(&hooks_lock);
	list_for_each_entry(h, &hooks, node)
		list_for_each_entry(a, &h->atts, node)
			if (a->id > after && (!best || a->id < best->id)) {
				best = a;
				best_h = h;
			}
	if (best) {
		a = best;
		memcpy(info->hook, best_h->name, sizeof(info->hook));
		memcpy(info->plugin, a->p->name, sizeof(info->plugin));
		memcpy(info->entry_name, a->p->entries[a->entry].name,
		       sizeof(info->entry_name));
		info->id = a->id;
		info->plugin_id = a->p->id;
		info->entry = a->entry;
		info->suspended = READ_ONCE(a->suspended);
		info->calls = att_count(a, calls);
		info->faults = att_count(a, faults);
		info->overruns = att_count(a, overruns);
		info->attached_ms = jiffies_to_msecs(jiffies - a->attached_at);
		info->suspended_ms = info->suspended ?
			jiffies_to_msecs(jiffies - READ_ONCE(a->suspended_at)) : 0;
	}
	mutex_unlock(&hooks_lock);
	return best ? 0 : -ENOENT;
}

int kplug_hook_attach(const char *name, u32 id, u32 entry, u32 *att_id)
{
	struct kplug_hook_att *a;
	struct kplug_hook *h;
	struct kplug_plugin *p;
	bool made = false;
	int err;

	if (!hook_name_valid(name))
		return -EINVAL;
	p = kplug_plugin_get(id);
	if (!p)
		return -ENOENT;
	if (entry >= p->nr_entries) {
		kplug_plugin_put(p);
		return -EINVAL;
	}
	a = kzalloc(sizeof(*a), GFP_KERNEL);
	if (a)
		a->win = alloc_percpu(struct att_window);
	if (!a || !a->win) {
		kfree(a);
		kplug_plugin_put(p);
		return -ENOMEM;
	}
	a->p = p;
	a->entry = entry;

	mutex_lock(&hooks_lock);
	/*
	 * Removed since we looked it up: kplug_hook_detach_plugin() has run
	 * or waits for hooks_lock, and must find nothing of it after.
	 */
	if (kplug_plugin_removed(p)) {
		mutex_unlock(&hooks_lock);
		err = -ENOENT;
		goto out_free;
	}
	h = hook_find(name);
	if (!h) {
		h = hook_make(name);
		made = !IS_ERR(h);
		if (made)
			list_add_tail(&h->node, &hooks);
	}
	if (IS_ERR(h))
		err = PTR_ERR(h);
	else if (h->context & KPLUG_HOOK_CTX_IRQS_OFF)
		err = -EOPNOTSUPP;
	else if (att_find(h, id, entry))
		err = -EEXIST;
	else if (h->head.attached >= KPLUG_HOOK_MAX_ATTACH)
		err = -ENOSPC;
	else if (!h->head.attached && h->ops)
		err = h->ops->arm(h);	/* first attachment: start calling */
	else
		err = 0;
	if (!err) {
		a->id = ++last_att_id ?: ++last_att_id;	/* never 0 */
		a->attached_at = jiffies;
		*att_id = a->id;
		list_add_tail_rcu(&a->node, &h->atts);
		WRITE_ONCE(h->head.attached, h->head.attached + 1);
	} else if (made) {	/* never armed: nothing can be calling it */
		list_del(&h->node);
		hook_free(h);
	}
	mutex_unlock(&hooks_lock);
	if (!err)
		return 0;
out_free:
	kplug_plugin_put(p);
	free_percpu(a->win);
	kfree(a);
	return err;
}

/*
 * Take a off its hook; the caller frees it with atts_free() once out of
 * hooks_lock, and the hook too if it returns it (its last on-demand
 * attachment went).
 */
static struct kplug_hook *att_unlink(struct kplug_hook *h,
				     struct kplug_hook_att *a,
				     struct list_head *dead)
{
	lockdep_assert_held(&hooks_lock);
	list_del_rcu(&a->node);
	list_add_tail(&a->dead, dead);
	/* last attachment: stop the calls (waits for those running) */
	WRITE_ONCE(h->head.attached, h->head.attached - 1);
	if (!h->head.attached && h->ops) {
		if (h->ops->disarm)
			h->ops->disarm(h);
		if (h->ops->on_demand) {
			list_del(&h->node);
			return h;
		}
	}
	return NULL;
}

/* Detach by (hook name, plugin id, entry), or by att_id if it is not 0. */
int kplug_hook_detach(const char *name, u32 id, u32 entry, u32 att_id)
{
	struct kplug_hook_att *a = NULL, *it;
	struct kplug_hook *h, *gone = NULL;
	LIST_HEAD(dead);

	if (!att_id && !hook_name_valid(name))
		return -EINVAL;
	mutex_lock(&hooks_lock);
	if (att_id) {
		list_for_each_entry(h, &hooks, node) {
			list_for_each_entry(it, &h->atts, node)
				if (it->id == att_id)
					a = it;
			if (a)
				break;
		}
	} else {
		h = hook_find(name);
		if (h)
			a = att_find(h, id, entry);
	}
	if (a)
		gone = att_unlink(h, a, &dead);
	mutex_unlock(&hooks_lock);
	if (!a)
		return -ENOENT;
	atts_free(&dead);
	if (gone)
		hook_free(gone);
	return 0;
}

/*
 * Plugin p was just removed from the registry: detach it from every hook,
 * each attachment logged.  Attaches that raced with the removal see
 * kplug_plugin_removed() under hooks_lock and fail.
 */
void kplug_hook_detach_plugin(struct kplug_plugin *p)
{
	struct kplug_hook_att *a, *na;
	struct kplug_hook *h, *nh, *gone;
	LIST_HEAD(dead);
	LIST_HEAD(gone_hooks);

	mutex_lock(&hooks_lock);
	list_for_each_entry_safe(h, nh, &hooks, node)
		list_for_each_entry_safe(a, na, &h->atts, node) {
			if (a->p != p)
				continue;
			att_log(h, a, "plugin removed");
			gone = att_unlink(h, a, &dead);
			if (gone)
				list_add_tail(&gone->node, &gone_hooks);
		}
	mutex_unlock(&hooks_lock);
	if (!list_empty(&dead))
		atts_free(&dead);
	list_for_each_entry_safe(h, nh, &gone_hooks, node)
		hook_free(h);
}
