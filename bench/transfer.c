// SPDX-License-Identifier: GPL-2.0
/*
 * Transfer benchmark: the cost of one user -> kernel -> ring-1 plugin ->
 * kernel -> user round trip (KPLUG_IOC_INVOKE of a two-instruction plugin),
 * next to the same ioctl refused before any world switch (ENOENT) and an
 * empty system call.  The difference between the first two is the world
 * switch plus the run loop.
 *
 * Then the same C plugin (tests/plugins/demo.c) compiled in process by
 * libtcc and built on the host by gcc -O2 (plugins/demo-gcc.kpi): create,
 * first invoke and remove times, and the cost of one compute-bound call
 * in each image.
 *
 * Under QEMU with -icount shift=0 (the VM rig's --icount, which sets
 * kplug_icount=1 in the environment) a guest nanosecond is one executed
 * instruction, and the figures are printed as instruction counts; otherwise
 * they are TCG wall-clock times, which are not hardware times.
 *
 * bench_transfer() is the suite's version (`make bench`): per-call
 * samples (min, median, p99) of the round trip with 0 and 6 arguments to
 * a null plugin, against the refused ioctl and getppid().
 */
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include "../tests/vm/plugin_image.h"
#include "bench.h"

#define ROUNDS	20
#define CALLS	200

/* Per-call cost of fn: the median and minimum of ROUNDS batches. */
static void measure(const char *what, void (*fn)(void *), void *arg,
		    const char *unit, uint64_t *median_out)
{
	uint64_t t[ROUNDS];
	int r, i;

	for (i = 0; i < CALLS; i++)	/* warm up */
		fn(arg);
	for (r = 0; r < ROUNDS; r++) {
		uint64_t t0 = bench_now();

		for (i = 0; i < CALLS; i++)
			fn(arg);
		t[r] = (bench_now() - t0) / CALLS;
	}
	qsort(t, ROUNDS, sizeof(t[0]), bench_cmp_u64);
	printf("bench: %-34s median %7llu  min %7llu  %s\n", what,
	       (unsigned long long)t[ROUNDS / 2], (unsigned long long)t[0], unit);
	*median_out = t[ROUNDS / 2];
}

struct call {
	int fd;
	struct kplug_invoke_args a;
	int expect;
};

static void do_invoke(void *arg)
{
	struct call *c = arg;
	int err = ioctl(c->fd, KPLUG_IOC_INVOKE, &c->a) ? errno : 0;

	if (err != c->expect) {
		fprintf(stderr, "bench: invoke: %s\n", strerror(err));
		exit(1);
	}
}

static void do_syscall(void *arg)
{
	syscall(SYS_getppid);
}

/* Create, first call, a compute-bound call and removal, per compiler. */
static int compilers(const char *unit)
{
	static const __u32 n = 200000;
	uint64_t t0, t_create, t_first, t_run, t_remove;
	size_t len, img_len;
	char *src = bench_slurp(PLUGIN_DIR "demo.c", &len);
	void *img = bench_slurp(PLUGIN_DIR "demo-gcc.kpi", &img_len);
	struct kplug *p;
	__u32 r, args[1] = { n };
	int gcc;

	if (!src || !img)
		return perror("bench: demo.c, demo-gcc.kpi"), 1;
	printf("bench: the same plugin (demo.c) from two compilers, per operation\n");
	for (gcc = 0; gcc <= 1; gcc++) {
		t0 = bench_now();
		if (gcc)
			p = kplug_create_image("bench_gcc", img, img_len, NULL);
		else
			p = kplug_create("bench_tcc", src, NULL);
		if (!p)
			return perror("bench: create"), 1;
		t_create = bench_now() - t0;
		t0 = bench_now();
		if (kplug_invoke(p, "add", args, 1, NULL, 0, NULL, 0, &r))
			return perror("bench: invoke"), 1;
		t_first = bench_now() - t0;
		t0 = bench_now();
		if (kplug_invoke(p, "spin", args, 1, NULL, 0, NULL, 0, &r))
			return perror("bench: invoke"), 1;
		t_run = bench_now() - t0;
		if (gcc) {	/* one service call = (1000 calls - 0 calls) / 1000 */
			uint64_t t_svc;

			args[0] = 0;
			t0 = bench_now();
			kplug_invoke(p, "cpu_calls", args, 1, NULL, 0, NULL, 0, &r);
			t_svc = bench_now() - t0;
			args[0] = 1000;
			t0 = bench_now();
			kplug_invoke(p, "cpu_calls", args, 1, NULL, 0, NULL, 0, &r);
			t_svc = (bench_now() - t0 - t_svc) / 1000;
			printf("bench: service call kplug_cpu() round trip: %llu %s\n",
			       (unsigned long long)t_svc, unit);
			args[0] = n;
		}
		t0 = bench_now();
		kplug_remove(p);
		t_remove = bench_now() - t0;
		printf("bench: %-11s create %9llu  first call %7llu  spin(%u) %10llu  remove %7llu  %s\n",
		       gcc ? "gcc -O2" : "tcc (in VM)", (unsigned long long)t_create,
		       (unsigned long long)t_first, n, (unsigned long long)t_run,
		       (unsigned long long)t_remove, unit);
	}
	free(src);
	free(img);
	return 0;
}

/* The lines `make run` prints (tests/vm/demo.sh). */
int bench_transfer_demo(void)
{
	const char *icount = getenv("kplug_icount");
	const char *unit = icount ? "instructions (emulated, -icount)" :
				    "ns (TCG wall clock, emulated)";
	struct call inv = { .a.nargs = 2, .a.args = { 1, 2 } };
	struct call refused = { .a.id = 0x7fffffff, .expect = ENOENT };
	uint64_t m_inv, m_ref, m_sys;

	inv.fd = refused.fd = open("/dev/kplug", O_RDWR);
	if (inv.fd < 0 || load_plugin(inv.fd, "bench_add", "add.bin", &inv.a.id)) {
		perror("bench: set-up");
		return 1;
	}
	printf("bench: transfer latency, %d batches of %d calls, per call\n",
	       ROUNDS, CALLS);
	measure("invoke add(1, 2) (full round trip)", do_invoke, &inv, unit, &m_inv);
	measure("same ioctl, refused (ENOENT)", do_invoke, &refused, unit, &m_ref);
	measure("getppid() system call", do_syscall, NULL, unit, &m_sys);
	printf("bench: world switch + run loop = invoke - refused = %lld %s\n",
	       (long long)(m_inv - m_ref), icount ? "instructions" : "ns");
	remove_plugin(inv.fd, inv.a.id);
	return compilers(unit);
}

#define SAMPLES	2000

/* The suite's user-side transfer rows. */
int bench_transfer(void)
{
	const char *unit = bench_time_unit();
	struct call inv = {}, refused = { .a.id = 0x7fffffff, .expect = ENOENT };
	struct bench_stats st;
	struct kplug *p;
	unsigned int n;
	char name[64];

	p = kplug_create("bench_null_user", "u32 null(void) { return 0; }", NULL);
	inv.fd = refused.fd = open("/dev/kplug", O_RDWR);
	if (!p || inv.fd < 0)
		return perror("bench: transfer set-up"), 1;
	inv.a.id = kplug_id(p);		/* entry 0: its only entry */
	for (n = 0; n <= KPLUG_MAX_ARGS; n += KPLUG_MAX_ARGS) {
		inv.a.nargs = n;
		bench_sample(do_invoke, &inv, SAMPLES, &st);
		snprintf(name, sizeof(name), "user->plugin->user, %u args (ioctl)", n);
		bench_row("transfer", name, &st, unit, NULL);
	}
	bench_sample(do_invoke, &refused, SAMPLES, &st);
	bench_row("transfer", "same ioctl refused (ENOENT, no switch)", &st, unit, NULL);
	bench_sample(do_syscall, NULL, SAMPLES, &st);
	bench_row("transfer", "getppid() system call", &st, unit, NULL);
	close(inv.fd);
	kplug_remove(p);
	return 0;
}
