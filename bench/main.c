// SPDX-License-Identifier: GPL-2.0
/*
 * kplug_bench: the benchmark runner.
 *
 *   kplug_bench                 the transfer lines of `make run`
 *   kplug_bench --suite [--records] [--only PART...]
 *                               every part of the suite (or the named
 *                               ones: transfer kernel ebpf create
 *                               workload race), as a table or as records
 *   kplug_bench --scale SECONDS [--records]
 *                               invocations/s, one thread per CPU
 *   kplug_bench --race-check kernel|gcc|tcc|ebpf
 *                               the packet-filter race's verdicts of one
 *                               implementation against its table (a test:
 *                               exit 0 if all match)
 *
 * `kplugctl bench` runs `kplug_bench --suite`.  kplug.ko must be loaded;
 * the kernel rows need bench/kmod/kplug_bench.ko as well (skipped with a
 * note without it).  Plugins come from /kplug/plugins/ (the VM) or
 * $KPLUG_BENCH_PLUGINS.
 */
#include <stdlib.h>
#include <string.h>
#include "bench.h"

static const struct {
	const char *name;
	int (*fn)(void);
} parts[] = {
	{ "transfer", bench_transfer },
	{ "kernel", bench_kernel },
	{ "ebpf", bench_ebpf },
	{ "create", bench_create },
	{ "workload", bench_workload },
	{ "race", bench_race },
};

static int usage(void)
{
	fprintf(stderr, "usage: kplug_bench [--suite [--only PART...] | --scale SECONDS] [--records]\n"
			"       kplug_bench --race-check kernel|gcc|tcc|ebpf\n");
	return 2;
}

int main(int argc, char **argv)
{
	int suite = 0, records = 0, scale = 0, only = 0, err = 0, i;
	unsigned int p;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--suite"))
			suite = 1;
		else if (!strcmp(argv[i], "--records"))
			records = 1;
		else if (!strcmp(argv[i], "--scale") && i + 1 < argc)
			scale = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--race-check") && i + 2 == argc)
			return bench_race_check(argv[i + 1]);
		else if (!strcmp(argv[i], "--only"))
			only = i + 1;
		else if (!only)
			return usage();
	}
	if (getenv("KPLUG_BENCH_PLUGINS"))
		bench_plugin_dir = getenv("KPLUG_BENCH_PLUGINS");
	if (!suite && !scale)
		return bench_transfer_demo();
	bench_init_env(records);
	if (!records)
		printf("%-10s %-40s %10s %10s %10s  %s\n", "group", "benchmark",
		       "min", "median", "p99", "unit");
	if (scale)
		return bench_scale(scale);
	for (p = 0; p < sizeof(parts) / sizeof(parts[0]) && !err; p++) {
		int want = !only;

		for (i = only; only && i < argc; i++)
			want |= !strcmp(argv[i], parts[p].name);
		if (want)
			err = parts[p].fn();
	}
	return err;
}
