/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The benchmark suite run by `make bench` and `kplugctl bench` (user-space
 * half; bench/kmod/kplug_bench.c is the in-kernel half).
 *
 * Every figure goes through bench_row(), which labels it with its unit:
 * under QEMU -icount shift=0 (kplug_icount=1 in the environment) guest
 * nanoseconds are instruction counts; in any other virtual machine they
 * are the VM's wall clock; only on bare metal are they hardware times.
 */
#ifndef KPLUG_BENCH_H
#define KPLUG_BENCH_H

#include <stdint.h>
#include <stdio.h>
#include "../libkplug/libkplug.h"

#define BENCH_PLUGINS	"/kplug/plugins/"

struct bench_stats {
	unsigned int n;
	uint64_t min, median, p99, mean;
};

/* Where we run, and so what a nanosecond of ours is. */
enum bench_env { BENCH_ICOUNT, BENCH_VIRTUAL, BENCH_HARDWARE };
extern enum bench_env bench_env;
extern const char *bench_plugin_dir;

void bench_init_env(int records);
/* "instructions (emulated, -icount)", "ns (VM wall clock, emulated)", "ns" */
const char *bench_time_unit(void);
uint64_t bench_now(void);
int bench_cmp_u64(const void *a, const void *b);	/* for qsort */

/* Sort n samples, take sub off each, fill *st. */
void bench_stats(uint64_t *s, unsigned int n, uint64_t sub,
		 struct bench_stats *st);
/* Per-call samples of fn (n calls, after n/10 warm-up calls), with the
 * cost of two clock reads taken off. */
void bench_sample(void (*fn)(void *), void *arg, unsigned int n,
		  struct bench_stats *st);

/*
 * One result.  Printed as an aligned text row, or with --records as
 *   KPLUG-BENCH|group|name|min|median|p99|unit|note
 * (fields "-" when absent) for the host to collect (bench/report.sh).
 */
void bench_row(const char *group, const char *name,
	       const struct bench_stats *st, const char *unit,
	       const char *note);
void bench_value(const char *group, const char *name, uint64_t v,
		 const char *unit, const char *note);
void bench_note(const char *group, const char *what);

void *bench_slurp(const char *path, size_t *len);

/* /proc/kplug_bench (kernel.c): pick the clock (1: no module), run one
 * command and parse its line; the unit of its figures. */
int bench_kclock(void);
int bench_kcmd(struct bench_stats *st, unsigned long long *accepted,
	       const char *what);
const char *bench_kunit(void);
/* A field ("verdicts", ...) of the last command's result line; 0 if absent. */
unsigned long long bench_kfield(const char *key);

/* The parts of the suite. */
int bench_transfer_demo(void);		/* `make run`'s lines (transfer.c) */
int bench_transfer(void);		/* user -> plugin -> user, baselines */
int bench_kernel(void);			/* /proc/kplug_bench (kernel.c) */
int bench_ebpf(void);
int bench_create(void);
int bench_workload(void);
int bench_race(void);			/* the packet-filter race (race.c) */
int bench_race_check(const char *impl);	/* its verdicts only */
int bench_scale(unsigned int seconds);

#endif /* KPLUG_BENCH_H */
