// SPDX-License-Identifier: GPL-2.0
/*
 * Host half of the creation benchmark (`make bench`): generate plugins of
 * 10, 200 and 2,000 lines of C, compile and link each in process with
 * libkplug (libtcc + kplug's linker, the code generation step of the
 * Kernel Plugins paper), timed in real time on this host, and write the
 * source and image to DIR/gen-LINES.c and DIR/gen-LINES.kpi for the VM,
 * which times load, first invoke and removal (create.c).
 *
 * Usage: kplug_gen DIR     (prints KPLUG-BENCH records)
 */
#include <stdlib.h>
#include <string.h>
#include "bench.h"

#define RUNS	7

/*
 * LINES lines: functions of exactly ten lines, each calling the one
 * before, so the linker keeps them all; the last one is the entry run().
 */
static char *gen_source(unsigned int lines)
{
	unsigned int nf = lines / 10, i;
	size_t size = lines * 48 + 64, n = 0;
	char *s = malloc(size), fn[16], callee[24];

	for (i = 0; s && i < nf; i++) {
		snprintf(fn, sizeof(fn), i == nf - 1 ? "run" : "f%u", i);
		/* f0 calls nothing; the others the function before */
		snprintf(callee, sizeof(callee), i ? "f%u(x & 7)" : "(x & 7)", i - 1);
		n += snprintf(s + n, size - n,
			"%su32 %s(u32 x)\n{\n"
			"\tx = x * 2654435761u + %u;\n"
			"\tx ^= x >> 13;\n"
			"\tx += %s;\n"
			"\tx = (x << 5) | (x >> 27);\n"
			"\tx -= %u;\n"
			"\tx ^= x >> 7;\n"
			"\treturn x;\n}\n",
			i == nf - 1 ? "" : "static ", fn, i + 1, callee, i * 3);
	}
	return s;
}

int main(int argc, char **argv)
{
	static const unsigned int sizes[] = { 10, 200, 2000 };
	const char *unit = "ns (host, real time)";
	unsigned int i, r;

	if (argc != 2) {
		fprintf(stderr, "usage: kplug_gen DIR\n");
		return 2;
	}
	bench_init_env(1);
	for (i = 0; i < 3; i++) {
		char *src = gen_source(sizes[i]), path[512], name[64], note[64];
		uint64_t t[RUNS], t0;
		struct bench_stats st;
		void *img = NULL;
		size_t len = 0;
		FILE *f;

		for (r = 0; src && r < RUNS; r++) {
			free(img);
			t0 = bench_now();
			if (kplug_build("gen.c", src, NULL, &img, &len)) {
				perror("kplug_gen: kplug_build");
				return 1;
			}
			t[r] = bench_now() - t0;
		}
		if (!src)
			return perror("kplug_gen"), 1;
		qsort(t, RUNS, sizeof(t[0]), bench_cmp_u64);
		st = (struct bench_stats){ .n = RUNS, .min = t[0],
			.median = t[RUNS / 2], .p99 = t[RUNS - 1] };
		snprintf(name, sizeof(name), "compile+link %u-line plugin (tcc)",
			 sizes[i]);
		snprintf(note, sizeof(note), "%u runs, max as p99; image %zu bytes",
			 RUNS, len);
		bench_row("compile", name, &st, unit, note);
		snprintf(path, sizeof(path), "%s/gen-%u.c", argv[1], sizes[i]);
		f = fopen(path, "w");
		if (!f || fputs(src, f) < 0 || fclose(f))
			return perror(path), 1;
		snprintf(path, sizeof(path), "%s/gen-%u.kpi", argv[1], sizes[i]);
		f = fopen(path, "wb");
		if (!f || fwrite(img, 1, len, f) != len || fclose(f))
			return perror(path), 1;
		free(img);
		free(src);
	}
	return 0;
}
