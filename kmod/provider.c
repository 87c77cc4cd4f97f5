// SPDX-License-Identifier: GPL-2.0
/*
 * Built-in hook providers: an IPv4 packet filter (netfilter) and probes on
 * kernel functions (kprobe:SYMBOL).  Both call their hooks in atomic
 * context (docs/hooks.md).  A kprobe exists only while a plugin is
 * attached to it; the netfilter hooks are registered by the first attach.
 */
#include <linux/err.h>
#include <linux/kprobes.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <net/net_namespace.h>

#include "internal.h"
#include "../include/kplug_hook.h"

/* Bytes of each packet a filter sees, from the IPv4 header on. */
#define NF_SNAP		128

struct nf_provider {
	struct nf_hook_ops ops;
	struct kplug_hook *hook;
	bool registered;	/* under hooks_lock */
};

/* Runs in softirq (or a task with BH off); non-zero from the plugins drops. */
static unsigned int nf_filter(void *priv, struct sk_buff *skb,
			      const struct nf_hook_state *state)
{
	struct nf_provider *nf = priv;
	u32 args[3], len = min_t(u32, skb->len, NF_SNAP);
	u8 buf[NF_SNAP];
	const void *data;

	if (!kplug_hook_attached(nf->hook))
		return NF_ACCEPT;
	data = skb_header_pointer(skb, 0, len, buf);
	if (!data)
		return NF_ACCEPT;
	args[0] = skb->len;
	args[1] = state->hook;
	args[2] = state->in ? state->in->ifindex : 0;
	return kplug_hook_call(nf->hook, args, 3, data, len) ? NF_DROP : NF_ACCEPT;
}

/*
 * Registered at the first attach and kept until kplug unloads: with
 * nothing attached a packet then costs one call and a list test.
 * Registering flips a static key (code patching) and unregistering waits
 * for a grace period, neither of which attach and detach should repeat.
 */
static int nf_arm(struct kplug_hook *h)
{
	struct nf_provider *nf = kplug_hook_priv(h);
	int err = 0;

	if (!nf->registered)
		err = nf_register_net_hook(&init_net, &nf->ops);
	nf->registered = !err;
	return err;
}

/*
 * nf_unregister_net_hook() does not wait for packets already inside
 * nf_filter() on other CPUs: it swaps in a new hook blob and frees the old
 * one by RCU.  Those calls still read nf and the hook (freed by our caller
 * right after this), and run kplug.ko's code: wait for them.  They run
 * under rcu_read_lock() (nf_hook() with BH off), so one grace period
 * covers them.
 */
static void nf_release(struct kplug_hook *h)
{
	struct nf_provider *nf = kplug_hook_priv(h);

	if (nf->registered) {
		nf_unregister_net_hook(&init_net, &nf->ops);
		synchronize_net();
	}
	kfree(nf);
}

static const struct kplug_hook_ops nf_hook_ops = {
	.arm = nf_arm, .release = nf_release,
};

static int nf_hook_add(const char *name, unsigned int hooknum)
{
	struct kplug_hook_desc desc = {
		.name = name,
		.context = KPLUG_HOOK_CTX_ATOMIC,
		.context_desc = "netfilter, initial network namespace: softirq or a task with BH off",
		.args_desc = "args[0] length, args[1] NF_INET_* hook, args[2] in ifindex; in: first 128 bytes from the IPv4 header; non-zero drops",
		.default_result = 0,	/* accept: a faulting filter fails open */
		.combine = KPLUG_HOOK_FIRST_NONZERO,
	};
	struct nf_provider *nf = kzalloc(sizeof(*nf), GFP_KERNEL);
	struct kplug_hook *h;

	if (!nf)
		return -ENOMEM;
	nf->ops.hook = nf_filter;
	nf->ops.priv = nf;
	nf->ops.pf = NFPROTO_IPV4;
	nf->ops.hooknum = hooknum;
	nf->ops.priority = NF_IP_PRI_FILTER;
	h = kplug_hook_alloc(&desc, &nf_hook_ops, nf);
	if (IS_ERR(h)) {
		kfree(nf);
		return PTR_ERR(h);
	}
	nf->hook = h;
	h = kplug_hook_add(h);	/* frees h and nf on failure */
	return PTR_ERR_OR_ZERO(h);
}

#define KPROBE_PREFIX	"kprobe:"

struct kprobe_provider {
	struct kprobe kp;
	struct kplug_hook *hook;
	char symbol[KPLUG_HOOK_NAME_MAX];
};

/*
 * At the function's entry, before its first instruction.  With an ftrace
 * site there (most functions) interrupts are as the caller had them;
 * through int3 they are off and the call counts as missed.
 */
static int kprobe_pre(struct kprobe *kp, struct pt_regs *regs)
{
	struct kprobe_provider *k = container_of(kp, struct kprobe_provider, kp);
	u64 in[6] = { regs->di, regs->si, regs->dx, regs->cx, regs->r8, regs->r9 };
	u32 args[6];
	int i;

	for (i = 0; i < 6; i++)
		args[i] = in[i];
	kplug_hook_call(k->hook, args, 6, in, sizeof(in));
	return 0;
}

static int kprobe_arm(struct kplug_hook *h)
{
	struct kprobe_provider *k = kplug_hook_priv(h);

	memset(&k->kp, 0, sizeof(k->kp));	/* fresh for each registration */
	k->kp.symbol_name = k->symbol;
	k->kp.pre_handler = kprobe_pre;
	return register_kprobe(&k->kp);
}

/*
 * unregister_kprobe() waits for handlers in flight: it disarms the probe,
 * then synchronize_rcu() before it returns, and kprobe handlers run with
 * preemption off (int3, ftrace and optimised probes alike).  So the hook
 * and k may be freed once it returns.
 */
static void kprobe_disarm(struct kplug_hook *h)
{
	struct kprobe_provider *k = kplug_hook_priv(h);

	unregister_kprobe(&k->kp);
}

static void kprobe_release(struct kplug_hook *h)
{
	kfree(kplug_hook_priv(h));
}

static const struct kplug_hook_ops kprobe_hook_ops = {
	.arm = kprobe_arm, .disarm = kprobe_disarm,
	.release = kprobe_release, .on_demand = true,
};

/* The hook for name "kprobe:SYMBOL", not yet listed or armed. */
static struct kplug_hook *kprobe_hook_make(const char *name)
{
	struct kplug_hook_desc desc = {
		.name = name,
		.context = KPLUG_HOOK_CTX_ATOMIC,
		.context_desc = "kprobe at function entry: preemption off; interrupts as the caller had them (off: missed)",
		.args_desc = "args[0..5] low halves and in (6 x u64): rdi, rsi, rdx, rcx, r8, r9 at entry; result ignored",
		.default_result = 0,
		.combine = KPLUG_HOOK_LAST,
	};
	struct kprobe_provider *k;
	struct kplug_hook *h;

	if (!name[strlen(KPROBE_PREFIX)])
		return ERR_PTR(-EINVAL);
	k = kzalloc(sizeof(*k), GFP_KERNEL);
	if (!k)
		return ERR_PTR(-ENOMEM);
	strscpy(k->symbol, name + strlen(KPROBE_PREFIX), sizeof(k->symbol));
	h = kplug_hook_alloc(&desc, &kprobe_hook_ops, k);
	if (IS_ERR(h))
		kfree(k);
	else
		k->hook = h;
	return h;
}

static struct kplug_hook_factory kprobe_factory = {
	.prefix = KPROBE_PREFIX, .make = kprobe_hook_make,
};

int kplug_providers_init(void)
{
	kplug_hook_factory_add(&kprobe_factory);
	return nf_hook_add("netfilter:ipv4_pre_routing", NF_INET_PRE_ROUTING) ?:
	       nf_hook_add("netfilter:ipv4_local_in", NF_INET_LOCAL_IN);
}
