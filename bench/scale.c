// SPDX-License-Identifier: GPL-2.0
/*
 * Scaling: invocations per second of one null plugin with one invoking
 * thread per online CPU, each pinned to its CPU, for `seconds` of wall
 * time.  `make bench` boots one VM per CPU count (1, 2, 4) without
 * -icount (which needs one vCPU), so these are TCG wall-clock rates:
 * emulated, and with 4 vCPUs on a 2-core host; only the ratios between
 * the CPU counts mean something.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "bench.h"

static volatile int stop;
static __u32 plugin_id;

struct worker {
	pthread_t t;
	int cpu;
	unsigned long long calls;
	int err;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	struct kplug_invoke_args a = { .id = plugin_id };
	cpu_set_t set;
	int fd = open("/dev/kplug", O_RDWR);

	CPU_ZERO(&set);
	CPU_SET(w->cpu, &set);
	if (fd < 0 || sched_setaffinity(0, sizeof(set), &set)) {
		w->err = errno;
		return NULL;
	}
	while (!stop) {
		if (ioctl(fd, KPLUG_IOC_INVOKE, &a)) {
			w->err = errno;
			break;
		}
		w->calls++;
	}
	close(fd);
	return NULL;
}

int bench_scale(unsigned int seconds)
{
	int n = sysconf(_SC_NPROCESSORS_ONLN), i;
	struct worker *w = calloc(n, sizeof(*w));
	unsigned long long total = 0;
	struct kplug *p;
	uint64_t t0, dt;
	char name[64], note[96];

	p = kplug_create("bench_scale", "u32 null(void) { return 0; }", NULL);
	if (!p || !w)
		return perror("bench: scale set-up"), 1;
	plugin_id = kplug_id(p);
	t0 = bench_now();
	for (i = 0; i < n; i++) {
		w[i].cpu = i;
		if (pthread_create(&w[i].t, NULL, work, &w[i]))
			return perror("bench: pthread_create"), 1;
	}
	sleep(seconds);
	stop = 1;
	for (i = 0; i < n; i++) {
		pthread_join(w[i].t, NULL);
		if (w[i].err) {
			fprintf(stderr, "bench: scale: cpu %d: %s\n", i,
				strerror(w[i].err));
			return 1;
		}
		total += w[i].calls;
	}
	dt = bench_now() - t0;
	kplug_remove(p);
	snprintf(name, sizeof(name), "null invokes/s, %d vCPU%s, %d thread%s",
		 n, n > 1 ? "s" : "", n, n > 1 ? "s" : "");
	snprintf(note, sizeof(note), "%llu calls in %.2f s", total, dt / 1e9);
	bench_value("scale", name, total * 1000000000ull / dt,
		    bench_env == BENCH_HARDWARE ? "calls/s (hardware)" :
		    bench_env == BENCH_ICOUNT ? "calls/s (emulated, -icount)" :
		    "calls/s (TCG wall clock, emulated)", note);
	free(w);
	return 0;
}
