// SPDX-License-Identifier: GPL-2.0
/* Clock, statistics and the one output format of the suite (bench.h). */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bench.h"

enum bench_env bench_env;
const char *bench_plugin_dir = BENCH_PLUGINS;
static int records;

/* CPUID.1:ECX bit 31: set by hypervisors (and QEMU TCG), never by CPUs. */
static int under_hypervisor(void)
{
	unsigned int a = 1, b, c = 0, d;

	asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return c >> 31;
}

void bench_init_env(int rec)
{
	records = rec;
	if (getenv("kplug_icount"))
		bench_env = BENCH_ICOUNT;
	else if (under_hypervisor())
		bench_env = BENCH_VIRTUAL;
	else
		bench_env = BENCH_HARDWARE;
}

const char *bench_time_unit(void)
{
	switch (bench_env) {
	case BENCH_ICOUNT:
		return "instructions (emulated, -icount)";
	case BENCH_VIRTUAL:
		return "ns (VM wall clock, emulated)";
	default:
		return "ns (hardware)";
	}
}

uint64_t bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

int bench_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

void bench_stats(uint64_t *s, unsigned int n, uint64_t sub,
		 struct bench_stats *st)
{
	uint64_t sum = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		s[i] = s[i] > sub ? s[i] - sub : 0;
		sum += s[i];
	}
	qsort(s, n, sizeof(*s), bench_cmp_u64);
	st->n = n;
	st->min = s[0];
	st->median = s[n / 2];
	st->p99 = s[n * 99 / 100];
	st->mean = sum / n;
}

void bench_sample(void (*fn)(void *), void *arg, unsigned int n,
		  struct bench_stats *st)
{
	uint64_t *s = calloc(n, sizeof(*s)), t0, timer;
	unsigned int i;

	if (!s) {
		perror("bench");
		exit(1);
	}
	for (i = 0; i < n; i++) {	/* the clock's own cost */
		t0 = bench_now();
		s[i] = bench_now() - t0;
	}
	qsort(s, n, sizeof(*s), bench_cmp_u64);
	timer = s[0];
	for (i = 0; i < n / 10; i++)
		fn(arg);
	for (i = 0; i < n; i++) {
		t0 = bench_now();
		fn(arg);
		s[i] = bench_now() - t0;
	}
	bench_stats(s, n, timer, st);
	free(s);
}

static void field(char *buf, size_t size, const struct bench_stats *st,
		  int which)
{
	if (!st)
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%llu", (unsigned long long)
			 (which == 0 ? st->min : which == 1 ? st->median : st->p99));
}

void bench_row(const char *group, const char *name,
	       const struct bench_stats *st, const char *unit,
	       const char *note)
{
	char mn[24], md[24], p99[24];

	field(mn, sizeof(mn), st, 0);
	field(md, sizeof(md), st, 1);
	field(p99, sizeof(p99), st, 2);
	if (st && st->n == 1)	/* one sample: only a value */
		snprintf(mn, sizeof(mn), "-"), snprintf(p99, sizeof(p99), "-");
	if (records)
		printf("KPLUG-BENCH|%s|%s|%s|%s|%s|%s|%s\n", group, name, mn,
		       md, p99, unit, note ? note : "-");
	else
		printf("%-10s %-40s %10s %10s %10s  %s%s%s\n", group, name, mn,
		       md, p99, unit, note ? "  " : "", note ? note : "");
	fflush(stdout);
}

void bench_value(const char *group, const char *name, uint64_t v,
		 const char *unit, const char *note)
{
	struct bench_stats st = { .n = 1, .min = v, .median = v, .p99 = v };

	bench_row(group, name, &st, unit, note);
}

void bench_note(const char *group, const char *what)
{
	bench_row(group, what, NULL, "-", NULL);
}

void *bench_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc(n + 1);
	if (buf && fread(buf, 1, n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf) {
		buf[n] = 0;
		*len = n;
	}
	return buf;
}
