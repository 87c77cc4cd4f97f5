// SPDX-License-Identifier: GPL-2.0
/*
 * The user-space host on the machine it runs on (`make bench` runs it on
 * the build machine, outside any emulator): the only kplug figures from a
 * real CPU here.  Medians, in TSC cycles and ns, of
 *   - a round trip into the sandbox: kplug_invoke() of the workload
 *     plugin's null entry in the user host (far jump in, far jump out,
 *     FPU checks, the frame), without and with the budget timer;
 *   - the baselines: a direct call of a null function, getppid();
 *   - the workloads of bench/workload.c (grey per pixel, filter per
 *     packet) as tcc and gcc -m32 -O2 plugins against the same C compiled
 *     here as native 64-bit code: the ratio is what carries over to the
 *     kernel host, whose segments and code are the same.
 * Where the user host cannot run (the CPU does not see the LDT: a PVM
 * guest), one note says why and it exits 0.
 *
 * Usage: kplug_uhost_bench PLUGIN_DIR   (prints KPLUG-BENCH records)
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "bench.h"
#include "work/grey.c"
#include "work/filter.c"

#define CALLS	20000
#define REPS	7
#define PIXELS	(1280 * 860)
#define PKTS	4096

static char where[96];		/* "real CPU (build machine)" or emulated */

static inline uint64_t tsc(void)
{
	unsigned int lo, hi;

	asm volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi) :: "memory");
	return (uint64_t)hi << 32 | lo;
}

/* Under QEMU's TCG (its hypervisor signature), whatever CPU it shows. */
static int tcg(void)
{
	unsigned int a = 1, b, c = 0, d;
	char sig[13] = "";

	asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	if (!(c >> 31))
		return 0;
	a = 0x40000000;
	c = 0;
	asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	memcpy(sig, &b, 4);
	memcpy(sig + 4, &c, 4);
	memcpy(sig + 8, &d, 4);
	return !strcmp(sig, "TCGTCGTCGTCG");
}

/* Median of n runs of fn in TSC cycles and ns, clock overhead removed. */
static void measure(void (*fn)(void *), void *arg, unsigned int n,
		    struct bench_stats *cyc, struct bench_stats *ns)
{
	uint64_t *c = calloc(n, sizeof(*c)), *t = calloc(n, sizeof(*t));
	uint64_t c0, t0, c_over, t_over;
	unsigned int i;

	for (i = 0; i < n / 10; i++)
		fn(arg);
	for (i = 0; i < n; i++) {	/* the clocks' own cost */
		t0 = bench_now();
		c0 = tsc();
		c[i] = tsc() - c0;
		t[i] = bench_now() - t0;
	}
	qsort(c, n, sizeof(*c), bench_cmp_u64);
	qsort(t, n, sizeof(*t), bench_cmp_u64);
	c_over = c[n / 2];
	t_over = t[n / 2];
	for (i = 0; i < n; i++) {
		t0 = bench_now();
		c0 = tsc();
		fn(arg);
		c[i] = tsc() - c0;
		t[i] = bench_now() - t0;
	}
	bench_stats(c, n, c_over, cyc);
	bench_stats(t, n, t_over, ns);
	free(c);
	free(t);
}

static void rows(const char *name, const struct bench_stats *cyc,
		 const struct bench_stats *ns, unsigned int units,
		 const char *unit_name)
{
	char unit[128], note[96];

	snprintf(unit, sizeof(unit), "TSC cycles (%s)", where);
	if (units)
		snprintf(note, sizeof(note), "%.2f cycles per %s (median)",
			 (double)cyc->median / units, unit_name);
	bench_row("uhost", name, cyc, unit, units ? note : NULL);
	snprintf(unit, sizeof(unit), "ns (%s)", where);
	if (units)
		snprintf(note, sizeof(note), "%.3f ns per %s (median)",
			 (double)ns->median / units, unit_name);
	bench_row("uhost", name, ns, unit, units ? note : NULL);
}

static struct kplug *plug;
static __u32 plug_arg;
static const char *plug_entry;

static void invoke(void *arg)
{
	__u32 r;

	if (kplug_invoke(plug, plug_entry, &plug_arg, plug_entry[0] == 'n' ? 0 : 1,
			 NULL, 0, NULL, 0, &r)) {
		perror("bench: uhost invoke");
		exit(1);
	}
}

static __attribute__((noinline)) int null_fn(void)
{
	asm volatile("");
	return 0;
}

static int (*volatile null_ptr)(void) = null_fn;

static void direct_call(void *arg)
{
	null_ptr();
}

static void sys_getppid(void *arg)
{
	syscall(SYS_getppid);
}

static unsigned char *rgb, *grey_out, *pkts;
unsigned int uhost_sink;

static void native_grey(void *arg)
{
	work_grey(rgb, grey_out, PIXELS);
}

static void native_filter(void *arg)
{
	uhost_sink = work_filter(pkts, PKTS);
}

/* The workload plugin (tcc from work.c, or work-gcc.kpi) in this process. */
static struct kplug *open_plugin(const char *dir, int gcc, __u32 flags,
				 char *why, size_t why_size)
{
	KPLUG_OPTS(o, .flags = KPLUG_CREATE_USER | flags, .log_buf = why,
		   .log_size = why_size);
	char path[512];
	struct kplug *p;
	size_t len;
	char *buf;

	snprintf(path, sizeof(path), "%sbench/%s", dir, gcc ? "work-gcc.kpi" : "work.c");
	buf = bench_slurp(path, &len);
	if (!buf) {
		snprintf(why, why_size, "cannot read %s", path);
		return NULL;
	}
	p = gcc ? kplug_create_image("work_gcc", buf, len, &o) :
		  kplug_create("work_tcc", buf, &o);
	free(buf);
	return p;
}

static __u32 buf_addr(struct kplug *p, __u32 which)
{
	__u32 r = 0;

	kplug_invoke(p, "buf_addr", &which, 1, NULL, 0, NULL, 0, &r);
	return r;
}

static void workloads(struct kplug *p, const char *label)
{
	struct bench_stats cyc, ns;
	char name[96];
	unsigned char *prgb = (void *)(unsigned long)buf_addr(p, 0);
	unsigned char *pout = (void *)(unsigned long)buf_addr(p, 1);
	unsigned char *ppkts = (void *)(unsigned long)buf_addr(p, 2);

	/* the plugin's buffers are at their sandbox addresses in this process */
	work_fill(prgb, PIXELS * 3, 1);
	work_packets(ppkts, PKTS, 1);
	plug = p;
	plug_entry = "grey";
	plug_arg = PIXELS;
	measure(invoke, NULL, REPS, &cyc, &ns);
	if (memcmp(pout, grey_out, PIXELS))
		bench_note("uhost", "grey: WRONG RESULT");
	snprintf(name, sizeof(name), "grey 1280x860: plugin, %s", label);
	rows(name, &cyc, &ns, PIXELS, "pixel");
	plug_entry = "filter";
	plug_arg = PKTS;
	measure(invoke, NULL, REPS, &cyc, &ns);
	snprintf(name, sizeof(name), "filter 4096 packets: plugin, %s", label);
	rows(name, &cyc, &ns, PKTS, "packet");
}

int main(int argc, char **argv)
{
	struct bench_stats cyc, ns;
	char why[1024] = "", note[1200];
	struct kplug *p;

	if (argc != 2) {
		fprintf(stderr, "usage: kplug_uhost_bench PLUGIN_DIR\n");
		return 2;
	}
	bench_init_env(1);
	snprintf(where, sizeof(where), "%s", bench_env == BENCH_ICOUNT ?
		 "emulated, -icount" : "real CPU, build machine");
	if (tcg())
		snprintf(where, sizeof(where), "emulated, QEMU TCG%s",
			 bench_env == BENCH_ICOUNT ? " -icount" : "");

	p = open_plugin(argv[1], 1, KPLUG_CREATE_NO_BUDGET, why, sizeof(why));
	if (!p) {
		char *nl = strchr(why, '\n');

		if (nl)
			*nl = '\0';
		snprintf(note, sizeof(note), "user host unavailable here, no real-CPU rows: %s", why);
		bench_note("uhost", note);
		return 0;
	}
	/* transfers */
	plug = p;
	plug_entry = "null";
	measure(invoke, NULL, CALLS, &cyc, &ns);
	rows("round trip: kplug_invoke(null), user host, no budget", &cyc, &ns, 0, NULL);
	measure(direct_call, NULL, CALLS, &cyc, &ns);
	rows("direct call of a null function (64-bit)", &cyc, &ns, 0, NULL);
	measure(sys_getppid, NULL, CALLS, &cyc, &ns);
	rows("getppid() system call", &cyc, &ns, 0, NULL);

	/* native 64-bit baselines, and the reference results */
	rgb = malloc(PIXELS * 3);
	grey_out = malloc(PIXELS);
	pkts = malloc(PKTS * WORK_PKT_SIZE);
	work_fill(rgb, PIXELS * 3, 1);
	work_packets(pkts, PKTS, 1);
	measure(native_grey, NULL, REPS, &cyc, &ns);
	rows("grey 1280x860: native x86-64, gcc -O2", &cyc, &ns, PIXELS, "pixel");
	measure(native_filter, NULL, REPS, &cyc, &ns);
	rows("filter 4096 packets: native x86-64, gcc -O2", &cyc, &ns, PKTS, "packet");

	workloads(p, "gcc -m32 -O2, user host");
	kplug_remove(p);

	/* the budget timer's share, and the tcc image */
	p = open_plugin(argv[1], 0, 0, why, sizeof(why));
	if (!p) {
		fprintf(stderr, "bench: uhost tcc plugin: %s\n", why);
		return 1;
	}
	plug = p;
	plug_entry = "null";
	measure(invoke, NULL, CALLS, &cyc, &ns);
	rows("round trip: kplug_invoke(null), user host, budget timer", &cyc, &ns, 0, NULL);
	workloads(p, "tcc, user host");
	kplug_remove(p);
	return 0;
}
