// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel rows: drive bench/kmod/kplug_bench.c through
 * /proc/kplug_bench.  Transfer latency kernel -> null plugin -> kernel
 * through the "bench" hook with 0..6 arguments; the hook with nothing
 * attached; a direct and an indirect call (baselines); then standalone
 * loops of each piece of state the world switch writes.
 *
 * The module counts ktime_get_ns() (instructions under -icount) or, on
 * bare metal, TSC cycles (shown also as ns with the kernel's tsc_khz).
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "bench.h"

#define PROC	"/proc/kplug_bench"
#define CALLS	"5000"

static char line[256];

/* Write a command and read its result line into `line`; -errno. */
static int cmd(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int cmd(const char *fmt, ...)
{
	char buf[64];
	va_list ap;
	int fd, n, err = 0;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fd = open(PROC, O_RDWR);
	if (fd < 0)
		return -errno;
	if (write(fd, buf, strlen(buf)) < 0) {
		err = -errno;
	} else {
		n = pread(fd, line, sizeof(line) - 1, 0);
		if (n < 0)
			err = -errno;
		else
			line[n] = 0;
	}
	close(fd);
	return err;
}

static unsigned long long field(const char *key)
{
	char k[32], *p;

	snprintf(k, sizeof(k), " %s=", key);
	p = strstr(line, k);
	return p ? strtoull(p + strlen(k), NULL, 10) : 0;
}

static const char *unit;
static char unit_buf[64];

/* For workload.c: run a module command, its stats and unit. */
int bench_kcmd(struct bench_stats *st, unsigned long long *accepted,
	       const char *what)
{
	int err = cmd("%s", what);

	if (err)
		return err;
	*st = (struct bench_stats){
		.n = field("n"), .min = field("min"), .median = field("median"),
		.p99 = field("p99"), .mean = field("mean"),
	};
	if (accepted)
		*accepted = field("accepted");
	return 0;
}

unsigned long long bench_kfield(const char *key)
{
	return field(key);
}

const char *bench_kunit(void)
{
	return unit;
}

/* One result line as a row. */
static void row(const char *group, const char *name, const char *note)
{
	struct bench_stats st = {
		.n = field("n"), .min = field("min"), .median = field("median"),
		.p99 = field("p99"), .mean = field("mean"),
	};
	char ns[64];
	unsigned long long khz = field("tsc_khz");

	if (bench_env == BENCH_HARDWARE && khz && !note) {
		snprintf(ns, sizeof(ns), "median %llu ns",
			 (unsigned long long)(st.median * 1000000 / khz));
		note = ns;
	}
	bench_row(group, name, &st, unit, note);
}

static void state_rows(void)
{
	static const char *const states[] = {
		"nop", "cr3", "cr0_ts", "lgdt", "lidt", "lldt", "mov_ds",
		"wrmsr_efer", "wrmsr_fs_base", "wrmsr_gs_base",
		"wrmsr_sysenter_cs", "rdmsr_efer", "rdpkru", "wrpkru", "verw",
		"iretq",
	};
	unsigned int i;
	int err;

	for (i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
		char name[64];

		err = cmd("state %s 2000", states[i]);
		snprintf(name, sizeof(name), "%s (same value), per loop iteration",
			 states[i]);
		if (!strcmp(states[i], "nop"))
			snprintf(name, sizeof(name), "empty loop iteration (baseline)");
		if (err == -EOPNOTSUPP) {
			snprintf(name + strlen(name), sizeof(name) - strlen(name),
				 ": not on this CPU");
			bench_note("state", name);
		} else if (!err) {
			row("state", name, NULL);
		}
	}
}

#define SPEC_PARAM "/sys/module/kplug/parameters/exit_mitigations"

static int spec_write(const char *val)
{
	int fd = open(SPEC_PARAM, O_WRONLY), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		err = -errno;
	close(fd);
	return err;
}

/* The null round trip under each speculation barrier kplug can put on
 * its exits (kplug's exit_mitigations parameter), alone; then the
 * parameter goes back to what it was. */
static void spec_rows(void)
{
	static const char *const opts[] = {
		"none", "untrain_ret", "srso_alias", "bhb", "ibpb",
	};
	char saved[128] = "auto", name[128];
	unsigned int i;
	int fd, n, err;

	fd = open(SPEC_PARAM, O_RDONLY);
	if (fd < 0)
		return bench_note("kernel", "exit_mitigations: no " SPEC_PARAM);
	n = read(fd, saved, sizeof(saved) - 1);
	close(fd);
	saved[n > 0 ? n : 0] = 0;
	saved[strcspn(saved, "\n")] = 0;
	snprintf(name, sizeof(name), "exit_mitigations in effect above: %s", saved);
	bench_note("kernel", name);
	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		snprintf(name, sizeof(name),
			 "null round trip, exit_mitigations=%s",
			 opts[i]);
		err = spec_write(opts[i]);
		if (!err)
			err = cmd("hook 0 " CALLS);
		if (err) {
			snprintf(name + strlen(name), sizeof(name) - strlen(name),
				 ": %s", strerror(-err));
			bench_note("kernel", name);
			continue;
		}
		row("kernel", name, NULL);
	}
	/* "auto:x,y" reads back as auto; a list as itself. */
	spec_write(strncmp(saved, "auto", 4) ? saved : "auto");
}

/* Pick the module's clock and measure its own cost; 1 if absent. */
int bench_kclock(void)
{
	if (access(PROC, F_OK))
		return 1;
	if (bench_env == BENCH_HARDWARE) {
		cmd("clock tsc");
		unit = "TSC cycles (hardware)";
	} else {
		cmd("clock ns");
		unit = bench_env == BENCH_ICOUNT ? bench_time_unit() :
			"ns (VM wall clock, emulated)";
	}
	snprintf(unit_buf, sizeof(unit_buf), "%s", unit);
	unit = unit_buf;
	return cmd("empty " CALLS) ? 1 : 0;
}

int bench_kernel(void)
{
	struct kplug *p;
	unsigned int n;
	char name[64];
	int err;

	if (access(PROC, F_OK)) {
		bench_note("kernel", "skipped: no " PROC " (insmod kplug_bench.ko)");
		return 0;
	}
	if (bench_kclock())
		return fprintf(stderr, "bench: %s: set-up failed\n", PROC), 1;
	err = cmd("empty " CALLS);
	if (err)
		return fprintf(stderr, "bench: %s: %s\n", PROC, strerror(-err)), 1;
	row("kernel", "timer read pair (subtracted below)", NULL);
	cmd("direct " CALLS);
	row("kernel", "direct call, empty noinline function", NULL);
	cmd("indirect " CALLS);
	row("kernel", "indirect call, empty noinline function", NULL);
	cmd("hook 0 " CALLS);
	row("kernel", "hook call, nothing attached, 0 args", NULL);
	cmd("hook 6 " CALLS);
	row("kernel", "hook call, nothing attached, 6 args", NULL);

	p = kplug_create("bench_null", "u32 null(void) { return 0; }", NULL);
	if (!p || kplug_attach(p, "bench", "null"))
		return perror("bench: null plugin on hook \"bench\""), 1;
	for (n = 0; n <= KPLUG_MAX_ARGS; n++) {
		err = cmd("hook %u " CALLS, n);
		if (err)
			return fprintf(stderr, "bench: hook: %s\n", strerror(-err)), 1;
		snprintf(name, sizeof(name),
			 "kernel->null plugin->kernel (hook), %u args", n);
		row("kernel", name, NULL);
	}
	spec_rows();
	kplug_detach(p, "bench", "null");
	kplug_remove(p);
	state_rows();
	return 0;
}
