/* SPDX-License-Identifier: GPL-2.0 */
/* kplug internals shared by the module's files. */
#ifndef KPLUG_INTERNAL_H
#define KPLUG_INTERNAL_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/types.h>
#include "../uapi/kplug.h"

/* sandbox.c: a plugin's memory and page table */
struct kplug_sandbox {
	u64 *pgd;		/* order-1 allocation: PTI tests bit 12 of CR3 */
	u64 pgd_pa;		/* its physical address, for CR3 */
	struct page **pages;	/* every page we allocated, for freeing */
	unsigned int nr_pages, max_pages;
	u32 code_end;		/* CS limit + 1 */
	u32 data_base;		/* data, then bss */
	u32 stacks_base;	/* first stack slot's guard page */
	u32 stack_size;		/* per slot, page multiple */
	u32 end;		/* DS/SS limit + 1 */
	u64 code_desc, data_desc; /* its CS and DS/SS descriptors (gdt.h) */
	unsigned int nr_slots;	/* per CPU */
	void **stack_page;	/* per (CPU, slot): kernel address of the
				 * slot's top page, where a call's frame goes */
	unsigned long *slot_busy; /* nr_cpu_ids words, a bit per slot */
};

/* Stack slots per CPU: two for tasks (one may be preempted mid-call while
 * another runs), two for atomic callers, which tasks cannot starve (a
 * softirq nested in a kprobe handler, or the reverse). */
#define KPLUG_SLOTS_TASK	2
#define KPLUG_SLOTS_PER_CPU	4

int kplug_sandbox_create(struct kplug_sandbox *sb,
			 const struct kplug_image_hdr *hdr,
			 const u8 *text, const u8 *data);
void kplug_sandbox_destroy(struct kplug_sandbox *sb);
int kplug_sandbox_slot_try(struct kplug_sandbox *sb, int cpu, bool atomic);
int kplug_sandbox_slot_wait(struct kplug_sandbox *sb, int cpu);
void kplug_sandbox_slot_put(struct kplug_sandbox *sb, int cpu, int slot);

/* The end of a stack slot: its stack grows down from here. */
static inline u32 kplug_sandbox_stack_top(struct kplug_sandbox *sb, int cpu,
					  int slot)
{
	u32 k = cpu * sb->nr_slots + slot;

	return sb->stacks_base + (k + 1) * (PAGE_SIZE + sb->stack_size);
}
void *kplug_sandbox_kaddr(struct kplug_sandbox *sb, u32 addr);
int kplug_sandbox_write(struct kplug_sandbox *sb, u32 addr, const void *src,
			u32 len);
int kplug_sandbox_read(struct kplug_sandbox *sb, u32 addr, void *dst, u32 len);

/* image.c: image validation, shared with the host tests */
#include "image.h"

/* service.c: service calls and the plugin's log */
struct kplug_log_ring {
	spinlock_t lock;
	u32 head, used;		/* next write position, bytes held */
	u64 window_start;	/* rate limit: lines in the current second */
	u32 window_lines;
	u64 dropped;
	char buf[KPLUG_LOG_SIZE];
};

struct kplug_regs;
struct kplug_plugin;
struct kplug_call;
int kplug_service(struct kplug_plugin *p, struct kplug_call *call,
		  struct kplug_regs *regs, struct kplug_fault *fault);
u32 kplug_log_read(struct kplug_plugin *p, char *dst, u32 size, bool clear,
		   u64 *dropped);

/*
 * A plugin's statistics: counted per CPU on the call path, so CPUs calling
 * the same plugin share no cache line; summed when read.
 */
struct kplug_plugin_stats {
	u64 invocations, faults, timeouts;
};

/* plugin.c: the registry of named plugins */
struct kplug_plugin {
	struct kref ref;
	u32 id;
	char name[KPLUG_NAME_MAX];
	u32 nr_entries;
	u32 entry_offset[KPLUG_MAX_ENTRIES];
	u32 budget_ms;		/* default for its invocations, 0 = module's */
	struct kplug_image_entry *entries;	/* names, for INFO */
	u32 text_size;		/* of the image, for INFO */
	void *debug;		/* the image's debug trailer, for INFO */
	u32 debug_size;
	struct kplug_sandbox sb;
	struct kplug_plugin_stats __percpu *stats;
	spinlock_t lock;	/* last_fault */
	struct kplug_fault last_fault;
	struct kplug_log_ring *log;
	bool removed;		/* out of the registry (plugins_lock) */
	struct rcu_head rcu;
};

int kplug_plugin_create(const char *name, const void *image, u32 len,
			u32 budget_ms, struct kplug_loader_log *log,
			struct kplug_plugin **out);
void kplug_plugin_publish(struct kplug_plugin *p);
void kplug_plugin_discard(struct kplug_plugin *p);
struct kplug_plugin *kplug_plugin_get(u32 id);
void kplug_plugin_put(struct kplug_plugin *p);
struct kplug_plugin *kplug_plugin_unlist(u32 id);
bool kplug_plugin_removed(struct kplug_plugin *p);
struct kplug_plugin *kplug_plugin_find(const char *name, u32 after_id,
				       bool next);
void kplug_plugin_remove_all(void);
void kplug_plugin_stats_sum(struct kplug_plugin *p,
			    struct kplug_plugin_stats *sum);
void kplug_plugin_account(struct kplug_plugin *p, int err,
			  const struct kplug_fault *fault);

/* run.c: invoke a plugin */
/* One invocation's arguments and buffers (kernel copies). */
struct kplug_call {
	bool atomic;		/* may not reschedule: kplug_run_context(); the
				 * ioctl is always a preemptible task */
	u32 entry;
	u32 args[KPLUG_MAX_ARGS];
	u32 budget_ms;
	const void *in;
	u32 in_len;
	void *out;
	u32 out_len;
	u32 out_written;	/* out: the plugin's out_len service call */
	bool out_reported;	/* it made one */
	u64 used_ns;		/* out: CPU time the plugin used (kplug_run) */
};

/* May plugins run in the caller's context (0), and atomically?  A hook
 * call asks once, then runs every attachment with call->atomic set. */
int kplug_run_context(bool *atomic);
int kplug_run(struct kplug_plugin *p, struct kplug_call *call, u32 *result,
	      struct kplug_fault *fault);
int kplug_run_init(void);
void kplug_run_exit(void);
/* The budget module parameters now (KPLUG_IOC_VERSION). */
void kplug_run_budgets(u32 *budget, u32 *max_budget, u32 *atomic_us);

/* dev.c: /dev/kplug */
int kplug_dev_init(void);
void kplug_dev_exit(void);

/* hook.c: hook points for in-kernel callers (include/kplug_hook.h) */
struct kplug_hook;
struct kplug_hook_desc;
void kplug_hooks_exit(void);

/* A hook as KPLUG_HOOK_INFO shows it. */
struct kplug_hook_info {
	char name[KPLUG_HOOK_NAME_MAX];
	u32 context, combine, default_result;
	u32 nr_attached, nr_suspended;
	u64 calls, missed;
	char context_desc[KPLUG_HOOK_DESC_MAX];
	char args_desc[KPLUG_HOOK_DESC_MAX];
};

/* An attachment as KPLUG_HOOK_ATT_INFO shows it. */
struct kplug_att_info {
	char hook[KPLUG_HOOK_NAME_MAX];
	char plugin[KPLUG_NAME_MAX];
	char entry_name[KPLUG_NAME_MAX];
	u32 id, plugin_id, entry;
	bool suspended;
	u64 calls, faults, overruns;
	u64 attached_ms, suspended_ms;	/* ages */
};

/*
 * KPLUG_IOC_HOOK's operations, its arguments checked by dev.c: 0 or -errno
 * as uapi/kplug.h documents.
 */
int kplug_hook_info(u32 index, struct kplug_hook_info *info);
int kplug_hook_att_info(u32 after, struct kplug_att_info *info);
int kplug_hook_attach(const char *name, u32 id, u32 entry, u32 *att_id);
int kplug_hook_detach(const char *name, u32 id, u32 entry, u32 att_id);
/* After kplug_plugin_unlist(): detach p everywhere, logged. */
void kplug_hook_detach_plugin(struct kplug_plugin *p);

/* A built-in provider's side of a hook; calls run under hooks_lock. */
struct kplug_hook_ops {
	int (*arm)(struct kplug_hook *h);	/* first attach: start calls */
	void (*disarm)(struct kplug_hook *h);	/* last detach (optional): stop
						 * them, wait for those running */
	void (*release)(struct kplug_hook *h);	/* stop calls if still armed,
						 * free the provider's part */
	bool on_demand;		/* made by attach, freed by the last detach */
};

struct kplug_hook *kplug_hook_alloc(const struct kplug_hook_desc *desc,
				    const struct kplug_hook_ops *ops, void *priv);
struct kplug_hook *kplug_hook_add(struct kplug_hook *h);
void *kplug_hook_priv(struct kplug_hook *h);
bool kplug_hook_attached(struct kplug_hook *h);

/*
 * A provider's hooks made on demand: the first attach to a name that
 * starts with prefix calls make(name) for a hook not yet listed or armed
 * (ops->on_demand: the last detach frees it), or an ERR_PTR.
 */
struct kplug_hook_factory {
	const char *prefix;
	struct kplug_hook *(*make)(const char *name);
	struct list_head node;		/* in hook.c's list */
};

void kplug_hook_factory_add(struct kplug_hook_factory *f);
/* How many hooks are registered; the factories' prefixes, space-separated. */
u32 kplug_hook_summary(char *prefixes, size_t size);

/* provider.c: the netfilter and kprobe hooks */
int kplug_providers_init(void);

#endif /* KPLUG_INTERNAL_H */
