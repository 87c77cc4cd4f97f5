// SPDX-License-Identifier: GPL-2.0
/*
 * The plugin registry: named, global plugins with small integer ids.
 * Lookups on the invoke path are lock-free (xarray + RCU + refcount);
 * creation and removal serialise on a mutex for name uniqueness.  A removed
 * plugin is freed when its last in-flight invocation drops its reference.
 *
 * Creation is all or nothing for the caller: kplug_plugin_create() leaves
 * the new plugin reserved, holding its id and name but with a reference
 * count of 0, so that every lookup (kref_get_unless_zero) passes it by
 * and remove refuses it; the ioctl then writes the id and log back to user
 * space and only then publishes it (kplug_plugin_publish) or, if that
 * failed, discards it (kplug_plugin_discard) as if it never existed.
 */
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/xarray.h>

#include "internal.h"

static DEFINE_XARRAY_ALLOC1(plugins);
static DEFINE_MUTEX(plugins_lock);	/* create/remove, name uniqueness */
static u32 next_id;			/* under plugins_lock */

static void plugin_free(struct kref *ref)
{
	struct kplug_plugin *p = container_of(ref, struct kplug_plugin, ref);

	kplug_sandbox_destroy(&p->sb);
	kfree(p->entries);
	kvfree(p->debug);
	kvfree(p->log);
	free_percpu(p->stats);
	kfree_rcu(p, rcu);
}

void kplug_plugin_put(struct kplug_plugin *p)
{
	kref_put(&p->ref, plugin_free);
}

struct kplug_plugin *kplug_plugin_get(u32 id)
{
	struct kplug_plugin *p;

	rcu_read_lock();
	p = xa_load(&plugins, id);
	if (p && !kref_get_unless_zero(&p->ref))
		p = NULL;
	rcu_read_unlock();
	return p;
}

/*
 * A referenced plugin: the one called name, or (next) the one with the
 * smallest id above after_id.
 */
struct kplug_plugin *kplug_plugin_find(const char *name, u32 after_id,
				       bool next)
{
	struct kplug_plugin *p;
	unsigned long id = after_id;

	rcu_read_lock();
	if (next) {
		while ((p = xa_find_after(&plugins, &id, ULONG_MAX, XA_PRESENT)))
			if (kref_get_unless_zero(&p->ref))
				break;
	} else {
		xa_for_each(&plugins, id, p)
			if (!strcmp(p->name, name) && kref_get_unless_zero(&p->ref))
				break;
	}
	rcu_read_unlock();
	return p;
}

static bool name_taken(const char *name)
{
	struct kplug_plugin *p;
	unsigned long id;

	lockdep_assert_held(&plugins_lock);
	xa_for_each(&plugins, id, p)
		if (!strcmp(p->name, name))
			return true;
	return false;
}

/*
 * Check the image and build the plugin, reserved under name and an id
 * (*out), not yet visible: the caller publishes or discards it.
 */
int kplug_plugin_create(const char *name, const void *image, u32 len,
			u32 budget_ms, struct kplug_loader_log *log,
			struct kplug_plugin **out)
{
	struct kplug_image img;
	struct kplug_plugin *p;
	u32 i;
	int err;

	if (!kplug_name_valid(name, KPLUG_NAME_MAX, KPLUG_NAME_PLUGIN)) {
		kplug_loader_log(log, "name: must be 1..%d characters of [A-Za-z0-9_.-]\n",
				 KPLUG_NAME_MAX - 1);
		return -EINVAL;
	}
	err = kplug_image_check(image, len, log, &img);
	if (err)
		return err;

	p = kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);
	if (!p)
		return -ENOMEM;
	kref_init(&p->ref);
	spin_lock_init(&p->lock);
	strscpy(p->name, name, sizeof(p->name));
	p->budget_ms = budget_ms;
	p->nr_entries = img.hdr->nr_entries;
	for (i = 0; i < p->nr_entries; i++)
		p->entry_offset[i] = img.entries[i].offset;
	p->entries = kmemdup(img.entries, p->nr_entries * sizeof(*p->entries),
			     GFP_KERNEL_ACCOUNT);
	p->log = kvzalloc(sizeof(*p->log), GFP_KERNEL_ACCOUNT);
	p->stats = alloc_percpu_gfp(struct kplug_plugin_stats, GFP_KERNEL_ACCOUNT);
	p->text_size = img.hdr->text_size;
	p->debug_size = img.debug_size;
	if (img.debug_size)
		p->debug = kvmalloc(img.debug_size, GFP_KERNEL_ACCOUNT);
	if (p->debug)
		memcpy(p->debug, img.debug, img.debug_size);
	if (!p->entries || !p->log || !p->stats ||
	    (img.debug_size && !p->debug)) {
		kfree(p->entries);
		kvfree(p->debug);
		kvfree(p->log);
		free_percpu(p->stats);
		kfree(p);
		return -ENOMEM;
	}
	spin_lock_init(&p->log->lock);
	err = kplug_sandbox_create(&p->sb, img.hdr, img.text, img.data);
	if (err) {
		if (err == -E2BIG)
			kplug_loader_log(log, "sandbox: text, data and %u stack slots of %u bytes do not fit in %u MiB\n",
					 nr_cpu_ids * KPLUG_SLOTS_PER_CPU,
					 img.hdr->stack_size ?: KPLUG_STACK_DEFAULT,
					 KPLUG_SANDBOX_MAX >> 20);
		kfree(p->entries);
		kvfree(p->debug);
		kvfree(p->log);
		free_percpu(p->stats);
		kfree(p);
		return err;
	}

	/* Reserved, not yet published: see the top of this file. */
	refcount_set(&p->ref.refcount, 0);
	mutex_lock(&plugins_lock);
	if (name_taken(name)) {
		err = -EEXIST;
		kplug_loader_log(log, "name: a plugin called \"%s\" exists\n", name);
	} else {
		/* cyclic: a stale id does not reach a newer plugin soon */
		err = xa_alloc_cyclic(&plugins, &p->id, p, XA_LIMIT(1, INT_MAX),
				      &next_id, GFP_KERNEL);
		err = err < 0 ? err : 0;
	}
	mutex_unlock(&plugins_lock);
	if (err) {
		plugin_free(&p->ref);
		return err;
	}
	*out = p;
	return 0;
}

/* A reserved plugin becomes visible: lookups find it from now on. */
void kplug_plugin_publish(struct kplug_plugin *p)
{
	kref_init(&p->ref);	/* the registry's reference */
}

/*
 * A reserved plugin goes away unseen.  Lookups under RCU may still be
 * reading its name and count: plugin_free() frees p after a grace period.
 */
void kplug_plugin_discard(struct kplug_plugin *p)
{
	mutex_lock(&plugins_lock);
	xa_erase(&plugins, p->id);
	mutex_unlock(&plugins_lock);
	plugin_free(&p->ref);
}

/*
 * Take plugin id out of the registry: lookups no longer find it, and
 * kplug_plugin_removed() says so.  Returns it with the registry's
 * reference, which the caller puts (after detaching it from hooks), or
 * NULL if there is no such plugin.
 */
struct kplug_plugin *kplug_plugin_unlist(u32 id)
{
	struct kplug_plugin *p;

	mutex_lock(&plugins_lock);
	p = xa_load(&plugins, id);
	/* A reserved plugin is not there yet for anyone but its creator. */
	if (p && kref_read(&p->ref)) {
		xa_erase(&plugins, id);
		WRITE_ONCE(p->removed, true);
	} else {
		p = NULL;
	}
	mutex_unlock(&plugins_lock);
	return p;
}

bool kplug_plugin_removed(struct kplug_plugin *p)
{
	return READ_ONCE(p->removed);
}

void kplug_plugin_remove_all(void)
{
	struct kplug_plugin *p;
	unsigned long id;

	/* No CREATE is in flight (an open fd holds the module): nothing is
	 * reserved, every plugin holds the registry's reference. */
	mutex_lock(&plugins_lock);
	xa_for_each(&plugins, id, p) {
		struct kplug_plugin_stats stats;

		kplug_plugin_stats_sum(p, &stats);
		pr_info("unloading: removed plugin %s (id %u, %llu calls)\n",
			p->name, p->id, stats.invocations);
		xa_erase(&plugins, id);
		kplug_plugin_put(p);
	}
	mutex_unlock(&plugins_lock);
}

/* Count an invocation's outcome in the plugin's statistics. */
void kplug_plugin_account(struct kplug_plugin *p, int err,
			  const struct kplug_fault *fault)
{
	unsigned long flags;

	this_cpu_inc(p->stats->invocations);
	if (err == -EIO) {
		this_cpu_inc(p->stats->faults);
		/* irqsave: hooks account from softirq too */
		spin_lock_irqsave(&p->lock, flags);
		p->last_fault = *fault;
		spin_unlock_irqrestore(&p->lock, flags);
	} else if (err == -ETIME) {
		this_cpu_inc(p->stats->timeouts);
	}
}

void kplug_plugin_stats_sum(struct kplug_plugin *p,
			    struct kplug_plugin_stats *sum)
{
	int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		struct kplug_plugin_stats *s = per_cpu_ptr(p->stats, cpu);

		sum->invocations += READ_ONCE(s->invocations);
		sum->faults += READ_ONCE(s->faults);
		sum->timeouts += READ_ONCE(s->timeouts);
	}
}
