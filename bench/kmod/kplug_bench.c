// SPDX-License-Identifier: GPL-2.0
/*
 * kplug_bench: the in-kernel half of `make bench` (bench/, docs/performance.md).
 *
 * Registers the process-context hook "bench" (first non-zero wins,
 * default 0) and creates /proc/kplug_bench.  Write one command, then read
 * its result line.  Commands (N = samples or loop iterations):
 *
 *   clock ns|tsc         what samples count: ktime_get_ns() (under QEMU
 *                        -icount shift=0: instructions) or rdtsc cycles
 *   empty N              two clock reads back to back (the timer's cost,
 *                        subtracted from every per-call sample below)
 *   direct N             direct call of an empty noinline function
 *   indirect N           the same through a function pointer
 *   hook NARGS N         kplug_hook_call() of "bench" with 0..6 arguments
 *   state NAME N         a loop of N of one piece of world-switch state,
 *                        written back with the value it has (irqs off),
 *                        per iteration; 11 loops, NAME from state_ops[]
 *   grey PIXELS N        bench/work/grey.c on a generated image
 *   filter PACKETS N     bench/work/filter.c on generated packets
 *   race F N             filter F (0 empty, 1..4) of bench/work/race.c,
 *                        one pass over its packet mix per sample
 *   racehook N           the same mix through kplug_hook_call() of
 *                        "bench", each packet as the in buffer (from its
 *                        IPv4 header), one pass per sample
 *
 * The result line: "NAME n=N min=... median=... p99=... mean=...
 * overhead=... unit=ns|tsc tsc_khz=...".  Per-call samples have the
 * timer's own cost (the minimum of `empty`) taken off.  A command that
 * does not parse, or has an argument out of range, is -EINVAL; a state
 * the CPU does not have (PKRU) is -EOPNOTSUPP.  `filter` adds
 * "accepted=COUNT", `race` and `racehook` "verdicts=MASK" (bit i: packet i
 * of the mix matched), so user space checks the results.
 */
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/proc_fs.h>
#include <linux/sort.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <asm/desc.h>
#include <asm/msr.h>
#include <asm/special_insns.h>
#include <asm/sync_core.h>
#include <asm/tsc.h>

#include "../../include/kplug_hook.h"
#include "../work/grey.c"
#include "../work/filter.c"
#include "../work/race.c"

#define MAX_SAMPLES	100000
#define MAX_LOOP	100000	/* iterations of a state loop, interrupts off */
#define STATE_ROUNDS	11
#define RGB_MAX		(3400u * 1024)	/* as bench/work/plugin.c */
#define PKTS_MAX	4096

static struct kplug_hook *hook;
static DEFINE_MUTEX(bench_lock);	/* one command at a time */
static u64 *samples;
static u8 *rgb, *grey_out, *pkts;
static struct race_mix race_packets;
static bool use_tsc;
static u64 overhead;			/* min of "empty", in clock units */
static char result[256];

static const struct kplug_hook_desc bench_desc = {
	.name = "bench",
	.context = KPLUG_HOOK_CTX_PROCESS,
	.context_desc = "process: a write of \"hook NARGS N\" or \"racehook N\" to /proc/kplug_bench",
	.args_desc = "hook: a0..a5: 1..6, as many as NARGS; racehook: in: a packet from its IPv4 header",
	.default_result = 0,
	.combine = KPLUG_HOOK_FIRST_NONZERO,
};

static u64 bclock(void)
{
	return use_tsc ? rdtsc_ordered() : ktime_get_ns();
}

/* The baselines: the cheapest calls there are. */
static noinline void bench_empty(void)
{
	asm volatile("");
}

static void (*volatile bench_empty_ptr)(void) = bench_empty;

/* --- state switches: each writes back what is there ------------------ */

static const u16 bench_verw_sel = __KERNEL_DS;

static void st_nop(void) { barrier(); }
static void st_cr3(void) { native_write_cr3(__native_read_cr3()); }
static void st_cr0_ts(void)
{
	/* Set and clear CR0.TS, as each plugin stretch does; nothing may
	 * touch the FPU between (interrupts are off). */
	write_cr0(read_cr0() | X86_CR0_TS);
	asm volatile("clts");	/* as the exit path does */
}

static void st_lgdt(void)
{
	struct desc_ptr dt;

	native_store_gdt(&dt);
	native_load_gdt(&dt);
}

static void st_lidt(void)
{
	struct desc_ptr dt;

	store_idt(&dt);
	native_load_idt(&dt);
}

static void st_lldt(void)
{
	u16 ldt;

	asm volatile("sldt %0" : "=r"(ldt));
	asm volatile("lldt %w0" : : "r"(ldt));
}

static void st_mov_ds(void)
{
	u16 ds;

	savesegment(ds, ds);
	loadsegment(ds, ds);
}

#define ST_MSR(name, msr)					\
static void st_wrmsr_##name(void)				\
{								\
	u64 v;							\
								\
	rdmsrl(msr, v);						\
	wrmsrl(msr, v);						\
}
ST_MSR(efer, MSR_EFER)
ST_MSR(fs_base, MSR_FS_BASE)
ST_MSR(gs_base, MSR_GS_BASE)
ST_MSR(sysenter_cs, MSR_IA32_SYSENTER_CS)

static void st_rdmsr_efer(void)
{
	u64 v;

	rdmsrl(MSR_EFER, v);
	barrier_data(&v);
}

static void st_rdpkru(void)
{
	u32 v = rdpkru();

	barrier_data(&v);
}

static void st_wrpkru(void) { wrpkru(rdpkru()); }
static void st_verw(void)
{
	asm volatile("verw %0" : : "m"(bench_verw_sel) : "cc");
}

static void st_iretq(void) { iret_to_self(); }

static const struct {
	const char *name;
	void (*fn)(void);
	bool pkru;		/* needs OSPKE */
} state_ops[] = {
	{ "nop", st_nop },		/* the loop itself */
	{ "cr3", st_cr3 },
	{ "cr0_ts", st_cr0_ts },
	{ "lgdt", st_lgdt },
	{ "lidt", st_lidt },
	{ "lldt", st_lldt },
	{ "mov_ds", st_mov_ds },
	{ "wrmsr_efer", st_wrmsr_efer },
	{ "wrmsr_fs_base", st_wrmsr_fs_base },
	{ "wrmsr_gs_base", st_wrmsr_gs_base },
	{ "wrmsr_sysenter_cs", st_wrmsr_sysenter_cs },
	{ "rdmsr_efer", st_rdmsr_efer },
	{ "rdpkru", st_rdpkru, true },
	{ "wrpkru", st_wrpkru, true },
	{ "verw", st_verw },
	{ "iretq", st_iretq },
};

/* --- statistics -------------------------------------------------------- */

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *name, unsigned int n, u64 sub)
{
	u64 sum = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		samples[i] = samples[i] > sub ? samples[i] - sub : 0;
		sum += samples[i];
	}
	sort(samples, n, sizeof(*samples), cmp_u64, NULL);
	scnprintf(result, sizeof(result),
		  "%s n=%u min=%llu median=%llu p99=%llu mean=%llu overhead=%llu unit=%s tsc_khz=%u\n",
		  name, n, samples[0], samples[n / 2], samples[n * 99 / 100],
		  div_u64(sum, n), sub, use_tsc ? "tsc" : "ns", tsc_khz);
}

/* A result for user space to check, appended to the line of report(). */
static void report_add(const char *key, unsigned int v)
{
	size_t len = strlen(result) - 1;	/* over the newline */

	scnprintf(result + len, sizeof(result) - len, " %s=%u\n", key, v);
}

/* --- commands ---------------------------------------------------------- */

static void run_empty(unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		u64 t0 = bclock();

		samples[i] = bclock() - t0;
	}
	report("empty", n, 0);
	overhead = samples[0];
}

static void run_call(const char *name, void (*fn)(void), unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		u64 t0 = bclock();

		fn();
		samples[i] = bclock() - t0;
	}
	report(name, n, overhead);
}

static void run_hook(unsigned int nargs, unsigned int n)
{
	static const u32 args[KPLUG_MAX_ARGS] = { 1, 2, 3, 4, 5, 6 };
	char name[16];
	unsigned int i;

	for (i = 0; i < n; i++) {
		u64 t0 = bclock();

		kplug_hook_call(hook, args, nargs, NULL, 0);
		samples[i] = bclock() - t0;
		cond_resched();
	}
	snprintf(name, sizeof(name), "hook%u", nargs);
	report(name, n, overhead);
}

/* Per iteration of a loop of n; the loop's own cost is `state nop`. */
static void run_state(unsigned int op, unsigned int n)
{
	void (*fn)(void) = state_ops[op].fn;
	unsigned long flags;
	unsigned int r, i;

	for (r = 0; r < STATE_ROUNDS; r++) {
		u64 t0;

		local_irq_save(flags);
		t0 = bclock();
		for (i = 0; i < n; i++)
			fn();
		samples[r] = div_u64(bclock() - t0, n);
		local_irq_restore(flags);
		cond_resched();
	}
	report(state_ops[op].name, STATE_ROUNDS, 0);
}

static void run_grey(unsigned int pixels, unsigned int n)
{
	unsigned int i;

	work_fill(rgb, pixels * 3, 1);
	for (i = 0; i < n; i++) {
		u64 t0 = bclock();

		work_grey(rgb, grey_out, pixels);
		samples[i] = bclock() - t0;
		cond_resched();
	}
	report("grey", n, overhead);
}

static void run_filter(unsigned int npkts, unsigned int n)
{
	unsigned int i, accepted = 0;

	work_packets(pkts, npkts, 1);
	for (i = 0; i < n; i++) {
		u64 t0 = bclock();

		accepted = work_filter(pkts, npkts);
		samples[i] = bclock() - t0;
		cond_resched();
	}
	report("filter", n, overhead);
	/* the accepted count, so user space can check both builds agree */
	report_add("accepted", accepted);
}

static void run_race(unsigned int f, unsigned int n)
{
	unsigned int i, v = 0;

	for (i = 0; i < n; i++) {
		u64 t0 = bclock();

		v = race_run(&race_packets, f, 1);
		samples[i] = bclock() - t0;
		cond_resched();
	}
	report("race", n, overhead);
	report_add("verdicts", v);
}

/* Whatever is attached to "bench" filters each packet of the mix. */
static void run_racehook(unsigned int n)
{
	const struct race_mix *m = &race_packets;
	unsigned int i, p, v = 0;

	for (i = 0; i < n; i++) {
		u64 t0 = bclock();

		for (p = 0, v = 0; p < RACE_MIX; p++)
			v |= !!kplug_hook_call(hook, NULL, 0,
					       m->frame[p] + RACE_ETH_HLEN,
					       m->len[p] - RACE_ETH_HLEN) << p;
		samples[i] = bclock() - t0;
		cond_resched();
	}
	report("racehook", n, overhead);
	report_add("verdicts", v);
}

static int bench_command(char *cmd)
{
	char verb[16], arg[24];
	unsigned int a, n, i;
	int words;

	words = sscanf(cmd, "%15s %23s %u", verb, arg, &n);
	if (words == 2 && !strcmp(verb, "clock")) {
		if (strcmp(arg, "ns") && strcmp(arg, "tsc"))
			return -EINVAL;
		use_tsc = !strcmp(arg, "tsc");
		overhead = 0;		/* measure `empty` again */
		scnprintf(result, sizeof(result), "clock %s\n", arg);
		return 0;
	}
	if (words == 2 && kstrtouint(arg, 10, &n) == 0 &&
	    n >= 1 && n <= MAX_SAMPLES) {
		if (!strcmp(verb, "empty"))
			run_empty(n);
		else if (!strcmp(verb, "direct"))
			run_call("direct", bench_empty, n);
		else if (!strcmp(verb, "indirect"))
			run_call("indirect", bench_empty_ptr, n);
		else if (!strcmp(verb, "racehook"))
			run_racehook(n);
		else
			return -EINVAL;
		return 0;
	}
	if (words != 3)
		return -EINVAL;
	if (!strcmp(verb, "state")) {
		if (n < 1 || n > MAX_LOOP)
			return -EINVAL;
		for (i = 0; i < ARRAY_SIZE(state_ops); i++) {
			if (strcmp(arg, state_ops[i].name))
				continue;
			if (state_ops[i].pkru &&
			    !cpu_feature_enabled(X86_FEATURE_OSPKE))
				return -EOPNOTSUPP;
			run_state(i, n);
			return 0;
		}
		return -EINVAL;
	}
	if (kstrtouint(arg, 10, &a) || n < 1 || n > MAX_SAMPLES)
		return -EINVAL;
	if (!strcmp(verb, "hook") && a <= KPLUG_MAX_ARGS)
		run_hook(a, n);
	else if (!strcmp(verb, "grey") && a >= 1 && a <= RGB_MAX / 3)
		run_grey(a, n);
	else if (!strcmp(verb, "filter") && a >= 1 && a <= PKTS_MAX)
		run_filter(a, n);
	else if (!strcmp(verb, "race") && a <= RACE_FILTERS)
		run_race(a, n);
	else
		return -EINVAL;
	return 0;
}

static ssize_t bench_write(struct file *file, const char __user *ubuf,
			   size_t len, loff_t *pos)
{
	char buf[64];
	int err;

	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	mutex_lock(&bench_lock);
	result[0] = '\0';
	err = bench_command(buf);
	mutex_unlock(&bench_lock);
	return err ?: len;
}

static ssize_t bench_read(struct file *file, char __user *ubuf, size_t len,
			  loff_t *pos)
{
	ssize_t ret;

	mutex_lock(&bench_lock);
	ret = simple_read_from_buffer(ubuf, len, pos, result, strlen(result));
	mutex_unlock(&bench_lock);
	return ret;
}

static const struct proc_ops bench_ops = {
	.proc_write = bench_write,
	.proc_read = bench_read,
	.proc_lseek = default_llseek,
};

static void bench_free(void)
{
	vfree(samples);
	vfree(rgb);
	vfree(grey_out);
	vfree(pkts);
}

static int __init bench_init(void)
{
	samples = vmalloc(MAX_SAMPLES * sizeof(*samples));
	rgb = vmalloc(RGB_MAX);
	grey_out = vmalloc(RGB_MAX / 3);
	pkts = vmalloc(PKTS_MAX * WORK_PKT_SIZE);
	if (!samples || !rgb || !grey_out || !pkts)
		goto err_mem;
	race_mix(&race_packets);
	hook = kplug_hook_register(&bench_desc);
	if (IS_ERR(hook)) {
		bench_free();
		return PTR_ERR(hook);
	}
	if (!proc_create("kplug_bench", 0600, NULL, &bench_ops))
		goto err_proc;
	return 0;

err_proc:
	kplug_hook_unregister(hook);
err_mem:
	bench_free();
	return -ENOMEM;
}

static void __exit bench_exit(void)
{
	/* No new calls first (the proc file waits for its writers). */
	remove_proc_entry("kplug_bench", NULL);
	kplug_hook_unregister(hook);
	bench_free();
}

module_init(bench_init);
module_exit(bench_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kplug benchmarks: hook transfer latency, state switches, workloads, packet-filter race");
