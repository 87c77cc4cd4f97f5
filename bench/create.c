// SPDX-License-Identifier: GPL-2.0
/*
 * Creation and removal in the VM: for the generated 10-, 200- and
 * 2,000-line plugins (bench/gen.c compiled them on the host), the time to
 * load the image, the first and the second invoke, and removal; and the
 * whole create from source with libtcc in the VM.  Medians of RUNS.
 */
#include <stdlib.h>
#include <string.h>
#include "bench.h"

#define RUNS	5

struct times { uint64_t load, first, second, remove, from_source; };

static int once(const char *img, size_t len, const char *src,
		struct times *t)
{
	__u32 arg = 1, r;
	struct kplug *p;
	uint64_t t0;

	t0 = bench_now();
	p = kplug_create_image("bench_gen", img, len, NULL);
	t->load = bench_now() - t0;
	if (!p)
		return -1;
	t0 = bench_now();
	if (kplug_invoke(p, "run", &arg, 1, NULL, 0, NULL, 0, &r))
		return -1;
	t->first = bench_now() - t0;
	t0 = bench_now();
	kplug_invoke(p, "run", &arg, 1, NULL, 0, NULL, 0, &r);
	t->second = bench_now() - t0;
	t0 = bench_now();
	if (kplug_remove(p))
		return -1;
	t->remove = bench_now() - t0;
	t0 = bench_now();
	p = kplug_create("bench_gen_src", src, NULL);
	t->from_source = bench_now() - t0;
	return p ? kplug_remove(p) : -1;
}

static void row(unsigned int lines, const char *what, uint64_t *v)
{
	struct bench_stats st;
	char name[80];

	bench_stats(v, RUNS, 0, &st);
	snprintf(name, sizeof(name), "%u-line plugin: %s", lines, what);
	bench_row("create", name, &st, bench_time_unit(), "5 runs, max as p99");
}

int bench_create(void)
{
	static const unsigned int sizes[] = { 10, 200, 2000 };
	unsigned int i, r;

	for (i = 0; i < 3; i++) {
		uint64_t load[RUNS], first[RUNS], second[RUNS], rm[RUNS], src_t[RUNS];
		char path[256];
		size_t len, slen;
		char *img, *src;
		struct times t;

		snprintf(path, sizeof(path), "%sbench/gen-%u.kpi",
			 bench_plugin_dir, sizes[i]);
		img = bench_slurp(path, &len);
		snprintf(path, sizeof(path), "%sbench/gen-%u.c",
			 bench_plugin_dir, sizes[i]);
		src = bench_slurp(path, &slen);
		if (!img || !src) {
			bench_note("create", "skipped: no generated plugins (bench/gen.c)");
			return 0;
		}
		for (r = 0; r < RUNS; r++) {
			if (once(img, len, src, &t))
				return perror("bench: create"), 1;
			load[r] = t.load;
			first[r] = t.first;
			second[r] = t.second;
			rm[r] = t.remove;
			src_t[r] = t.from_source;
		}
		row(sizes[i], "load image (KPLUG_IOC_CREATE)", load);
		row(sizes[i], "first invoke", first);
		row(sizes[i], "second invoke", second);
		row(sizes[i], "remove", rm);
		row(sizes[i], "create from C in the VM (tcc+load)", src_t);
		free(img);
		free(src);
	}
	return 0;
}
