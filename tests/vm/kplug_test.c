// SPDX-License-Identifier: GPL-2.0
/*
 * VM tests for kplug.ko: create/invoke/remove, ioctl argument validation,
 * faults, interrupts during a long-running plugin, SMP.  Runs inside the
 * test VM (tests/vm/run.sh) with the module loaded.
 *
 * Layers: these tests run under QEMU TCG, which enforces privilege levels,
 * gates and paging but not segment limits; every fault test here is decided
 * by paging or by privilege checks, never by a segment limit.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stddef.h>
#include <sched.h>
#include <signal.h>
#include <sys/time.h>
#include <time.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "plugin_image.h"
#include "kselftest_harness.h"

static __u32 spin_expect(__u32 n)
{
	__u32 sum = 0, sum3 = 0, rot = 0x12345678, i;

	for (i = 1; i <= n; i++) {
		sum += i;
		sum3 += 3 * i;
		rot = rot << 1 | rot >> 31;
	}
	return (sum + sum3) ^ rot;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Local timer interrupts taken so far, summed over CPUs (/proc/interrupts). */
static unsigned long long timer_interrupts(void)
{
	char line[4096];
	unsigned long long total = 0;
	FILE *f = fopen("/proc/interrupts", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char *p = line;

		while (*p == ' ')
			p++;
		if (strncmp(p, "LOC:", 4))
			continue;
		p += 4;
		for (;;) {
			char *end;
			unsigned long long v = strtoull(p, &end, 10);

			if (end == p)
				break;
			total += v;
			p = end;
		}
	}
	fclose(f);
	return total;
}

static const char *uniq(const char *name)
{
	static char buf[4][KPLUG_NAME_MAX];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s.%d", name, getpid());
	return buf[i];
}

static int set_param(const char *name, unsigned int v)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/kplug/parameters/%s", name);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f, "%u\n", v);
	return fclose(f);
}

static int set_budget_ms(unsigned int ms)
{
	return set_param("budget_ms", ms);
}

static int pin_to(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

static int invoke_budget(int fd, __u32 id, __u32 n, __u32 budget_ms, __u32 *r)
{
	struct kplug_invoke_args a = { .id = id, .nargs = 1, .args = { n },
				       .budget_ms = budget_ms };

	if (ioctl(fd, KPLUG_IOC_INVOKE, &a))
		return -errno;
	*r = a.result;
	return 0;
}

FIXTURE(kplug) {
	int fd;
	__u32 add, spin, badptr, priv;
};

FIXTURE_SETUP(kplug)
{
	self->fd = open("/dev/kplug", O_RDWR);
	ASSERT_LE(0, self->fd) TH_LOG("open /dev/kplug: %s (is kplug.ko loaded?)",
				      strerror(errno));
	/* Names unique per test process: a test that dies early must not
	 * make the next one fail on EEXIST. */
	ASSERT_EQ(0, load_plugin(self->fd, uniq("t_add"), "add.bin", &self->add));
	ASSERT_EQ(0, load_plugin(self->fd, uniq("t_spin"), "spin.bin", &self->spin));
	ASSERT_EQ(0, load_plugin(self->fd, uniq("t_badptr"), "badptr.bin", &self->badptr));
	ASSERT_EQ(0, load_plugin(self->fd, uniq("t_priv"), "priv.bin", &self->priv));
}

FIXTURE_TEARDOWN(kplug)
{
	set_budget_ms(1000);
	set_param("max_budget_ms", 60000);
	remove_plugin(self->fd, self->add);
	remove_plugin(self->fd, self->spin);
	remove_plugin(self->fd, self->badptr);
	remove_plugin(self->fd, self->priv);
	close(self->fd);
}

TEST_F(kplug, add_returns_sum)
{
	__u32 args[2] = { 40, 2 }, r = 0;

	ASSERT_EQ(0, invoke(self->fd, self->add, 2, args, &r, NULL));
	EXPECT_EQ(42, r);
	args[0] = 0xffffffff;
	args[1] = 2;
	ASSERT_EQ(0, invoke(self->fd, self->add, 2, args, &r, NULL));
	EXPECT_EQ(1, r);
}

TEST_F(kplug, many_invocations)
{
	__u32 args[2], r = 0, i;

	for (i = 0; i < 2000; i++) {
		args[0] = i;
		args[1] = i * 7;
		ASSERT_EQ(0, invoke(self->fd, self->add, 2, args, &r, NULL));
		ASSERT_EQ(i * 8, r);
	}
}

TEST_F(kplug, missing_args_are_zero)
{
	__u32 args[1] = { 5 }, r = 1;

	ASSERT_EQ(0, invoke(self->fd, self->add, 1, args, &r, NULL));
	EXPECT_EQ(5, r);
	ASSERT_EQ(0, invoke(self->fd, self->add, 0, args, &r, NULL));
	EXPECT_EQ(0, r);
}

/* Layer: paging (the null guard is unmapped in the sandbox page table). */
TEST_F(kplug, fault_null_read)
{
	__u32 args[2] = { 0x100, 0 }, r = 0;
	struct kplug_fault f = {};

	ASSERT_EQ(-EIO, invoke(self->fd, self->badptr, 2, args, &r, &f));
	EXPECT_EQ(KPLUG_FAULT_BAD_ACCESS, f.kind);
	EXPECT_EQ(14, f.vector);
	EXPECT_EQ(0x100, f.cr2);
	EXPECT_EQ(0, f.error_code & 2);		/* a read */
	EXPECT_LE(KPLUG_TEXT_BASE, f.eip);
	args[0] = 0;
	ASSERT_EQ(0, invoke(self->fd, self->badptr, 1, args, &r, NULL));
	EXPECT_EQ(42, r);	/* usable again after the fault */
}

/* Layer: paging (text is mapped read-only). */
TEST_F(kplug, fault_write_to_text)
{
	__u32 args[2] = { KPLUG_TEXT_BASE, 1 }, r = 0;
	struct kplug_fault f = {};

	ASSERT_EQ(-EIO, invoke(self->fd, self->badptr, 2, args, &r, &f));
	EXPECT_EQ(KPLUG_FAULT_BAD_ACCESS, f.kind);
	EXPECT_EQ(14, f.vector);
	EXPECT_EQ(KPLUG_TEXT_BASE, f.cr2);
	EXPECT_EQ(3, f.error_code & 3);		/* present page, write */
}

/* Layer: paging (no kernel address is reachable: 32-bit addresses only
 * reach the low 4 GiB, where only the sandbox is mapped); where limits are
 * checked, the DS limit stops it first. */
TEST_F(kplug, fault_unmapped_high)
{
	__u32 args[2] = { 0xfffff000, 0 }, r = 0;
	struct kplug_fault f = {};

	ASSERT_EQ(-EIO, invoke(self->fd, self->badptr, 2, args, &r, &f));
	EXPECT_TRUE(stopped_outside(&f, 0xfffff000)) TH_LOG("vector %u", f.vector);
}

/* Layer: privilege level (CPL 1 > IOPL 0; CPL != 0). */
TEST_F(kplug, fault_privileged_instructions)
{
	__u32 which, r = 0;

	for (which = 1; which <= 4; which++) {
		struct kplug_fault f = {};

		ASSERT_EQ(-EIO, invoke(self->fd, self->priv, 1, &which, &r, &f))
			TH_LOG("instruction %u did not fault", which);
		EXPECT_EQ(KPLUG_FAULT_PRIVILEGED, f.kind);
		EXPECT_EQ(13, f.vector);
		EXPECT_EQ(0, f.error_code);
	}
	which = 0;
	ASSERT_EQ(0, invoke(self->fd, self->priv, 1, &which, &r, NULL));
	EXPECT_EQ(7, r);
}

/* A plugin running for a long time is interrupted by the timer many times:
 * its result must be exact, and the system must keep ticking. */
TEST_F(kplug, spin_interrupted)
{
	__u32 n = 20000000, r = 0;
	unsigned long long t0, t1;
	double start;

	ASSERT_EQ(0, set_budget_ms(30000));	/* TCG speed varies */
	t0 = timer_interrupts();
	start = now();
	ASSERT_EQ(0, invoke(self->fd, self->spin, 1, &n, &r, NULL));
	t1 = timer_interrupts();
	EXPECT_EQ(spin_expect(n), r);
	TH_LOG("spin(%u): %.3f s, %llu timer interrupts", n, now() - start, t1 - t0);
	EXPECT_LT(t0 + 20, t1);
}

/* A plugin past its CPU budget is stopped with ETIME and stays usable. */
TEST_F(kplug, budget_stops_runaway)
{
	__u32 n = 0xffffffff, r = 0;
	double start;

	ASSERT_EQ(0, set_budget_ms(100));
	start = now();
	EXPECT_EQ(-ETIME, invoke(self->fd, self->spin, 1, &n, &r, NULL));
	EXPECT_GT(5.0, now() - start);
	ASSERT_EQ(0, set_budget_ms(1000));
	n = 10;
	ASSERT_EQ(0, invoke(self->fd, self->spin, 1, &n, &r, NULL));
	EXPECT_EQ(spin_expect(10), r);
}

struct spin_job {
	int fd, cpu, err;
	__u32 id, n, result;
	double start, end;
};

static void *spin_thread(void *arg)
{
	struct spin_job *j = arg;

	j->start = now();
	j->err = pin_to(j->cpu) ? -errno :
		 invoke_budget(j->fd, j->id, j->n, 30000, &j->result);
	j->end = now();
	return NULL;
}

/* The same plugin on every CPU at once: per-CPU stack slots. */
TEST_F(kplug, same_plugin_on_all_cpus)
{
	int ncpu = sysconf(_SC_NPROCESSORS_ONLN), i, round;
	struct spin_job job[8];
	pthread_t th[8];

	if (ncpu < 2)
		SKIP(return, "needs 2 or more CPUs");
	if (ncpu > 8)
		ncpu = 8;
	for (round = 0; round < 3; round++) {
		for (i = 0; i < ncpu; i++) {
			job[i] = (struct spin_job){ .fd = self->fd, .cpu = i,
				.id = self->spin, .n = 500000 + i * 1000 + round };
			ASSERT_EQ(0, pthread_create(&th[i], NULL, spin_thread, &job[i]));
		}
		for (i = 0; i < ncpu; i++) {
			pthread_join(th[i], NULL);
			EXPECT_EQ(0, job[i].err);
			EXPECT_EQ(spin_expect(job[i].n), job[i].result);
		}
	}
}

/* Budgets: the plugin's default (CREATE), the call's own, the module's
 * ceiling; each stops a runaway plugin with ETIME. */
TEST_F(kplug, budgets_per_plugin_per_call_and_ceiling)
{
	__u32 n = 0xffffffff, r = 0, id, len;
	void *img = image_from_file("spin.bin", &len);
	struct kplug_create_args c = { .image = (unsigned long)img,
				       .image_len = len, .budget_ms = 50 };
	double start;

	ASSERT_NE(NULL, img);
	strcpy(c.name, uniq("t_spin_50ms"));
	ASSERT_EQ(0, ioctl(self->fd, KPLUG_IOC_CREATE, &c));
	id = c.id;
	ASSERT_EQ(0, set_budget_ms(60000));	/* the module default must not apply */
	start = now();
	EXPECT_EQ(-ETIME, invoke_budget(self->fd, id, n, 0, &r));
	EXPECT_GT(5.0, now() - start);
	start = now();
	EXPECT_EQ(-ETIME, invoke_budget(self->fd, self->spin, n, 50, &r));
	EXPECT_GT(5.0, now() - start);
	ASSERT_EQ(0, set_param("max_budget_ms", 50));
	start = now();
	EXPECT_EQ(-ETIME, invoke_budget(self->fd, self->spin, n, 3600000, &r));
	EXPECT_GT(5.0, now() - start);
	EXPECT_EQ(0, invoke_budget(self->fd, id, 1000, 0, &r));
	EXPECT_EQ(spin_expect(1000), r);
	EXPECT_EQ(0, remove_plugin(self->fd, id));
	free(img);
}

/* A fatal signal stops an invocation (EINTR inside; the task dies). */
TEST_F(kplug, fatal_signal_stops_invocation)
{
	pid_t pid = fork();
	double start;
	int status;

	ASSERT_LE(0, pid);
	if (pid == 0) {
		__u32 r;

		invoke_budget(self->fd, self->spin, 0xffffffff, 60000, &r);
		_exit(3);	/* only if the invocation came back by itself */
	}
	usleep(300 * 1000);
	start = now();
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_GT(3.0, now() - start);
}

/* Removing a plugin while it runs: the running call finishes with the
 * right result (it holds a reference), new calls get ENOENT. */
TEST_F(kplug, remove_while_running)
{
	struct spin_job j = { .fd = self->fd, .cpu = 0, .id = self->spin,
			      .n = 20000000 };
	pthread_t th;
	__u32 r;

	ASSERT_EQ(0, pthread_create(&th, NULL, spin_thread, &j));
	usleep(100 * 1000);
	EXPECT_EQ(0, remove_plugin(self->fd, self->spin));
	EXPECT_EQ(-ENOENT, invoke_budget(self->fd, self->spin, 1, 0, &r));
	pthread_join(th, NULL);
	EXPECT_EQ(0, j.err);
	EXPECT_EQ(spin_expect(j.n), j.result);
	self->spin = 0;
}

/* Preemption: on one CPU, another process keeps running while a plugin
 * spins for a long time (the run loop reschedules between stretches). */
TEST_F(kplug, other_task_runs_during_long_plugin)
{
	volatile unsigned long *counter = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
					       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	unsigned long during;
	double start, took;
	pid_t pid;
	__u32 r = 0;

	ASSERT_NE(MAP_FAILED, (void *)counter);
	ASSERT_EQ(0, pin_to(0));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		for (;;)
			(*counter)++;
	}
	usleep(50 * 1000);
	start = now();
	during = *counter;
	ASSERT_EQ(0, invoke_budget(self->fd, self->spin, 30000000, 30000, &r));
	during = *counter - during;
	took = now() - start;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	EXPECT_EQ(spin_expect(30000000), r);
	TH_LOG("plugin ran %.2f s on CPU 0; meanwhile the other task counted %lu", took, during);
	EXPECT_LT(1000, during);
}

static volatile sig_atomic_t alarms;

static void count_alarm(int sig)
{
	alarms++;
}

/* Nesting on one CPU: a second invocation while one is suspended takes
 * the second stack slot; a third while both are suspended waits for one
 * of them to finish (it was refused with EBUSY once, which let two tasks
 * make a process hook miss everyone else), never given a live stack.
 * The first short call (1000 rounds, about a millisecond) therefore lasts
 * until one of the long ones (40 million rounds, 0.4 s or more under TCG,
 * sharing the CPU) is done: a lower bound of 50 ms, which a slow or
 * loaded host only makes easier to meet.  A SIGALRM every 2 ms does not
 * end the wait (a task must not skip a hook's plugin by keeping a signal
 * pending); only a fatal signal would. */
TEST_F(kplug, suspended_invocations_use_their_own_slots)
{
	struct spin_job a = { .fd = self->fd, .cpu = 0, .id = self->spin, .n = 40000000 };
	struct spin_job b = a;
	struct itimerval every_2ms = { { 0, 2000 }, { 0, 2000 } }, off = {};
	struct sigaction sa = { .sa_handler = count_alarm };
	pthread_t ta, tb;
	sigset_t alrm;
	double start, first = 0;
	__u32 r = 0;
	int done = 0, i;

	b.n = 40000001;
	ASSERT_EQ(0, pin_to(0));
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	ASSERT_EQ(0, pthread_sigmask(SIG_BLOCK, &alrm, NULL));	/* the spinners' */
	ASSERT_EQ(0, pthread_create(&ta, NULL, spin_thread, &a));
	ASSERT_EQ(0, pthread_create(&tb, NULL, spin_thread, &b));
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));		/* no SA_RESTART */
	ASSERT_EQ(0, pthread_sigmask(SIG_UNBLOCK, &alrm, NULL));
	usleep(200 * 1000);
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &every_2ms, NULL));
	start = now();
	for (i = 0; i < 20; i++) {
		int e = invoke_budget(self->fd, self->spin, 1000, 0, &r);

		if (!first)
			first = now() - start;
		EXPECT_EQ(0, e);
		if (!e && r == spin_expect(1000))
			done++;
	}
	setitimer(ITIMER_REAL, &off, NULL);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	EXPECT_EQ(0, a.err);
	EXPECT_EQ(0, b.err);
	EXPECT_EQ(spin_expect(a.n), a.result);
	EXPECT_EQ(spin_expect(b.n), b.result);
	EXPECT_EQ(20, done);
	EXPECT_LE(0.05, first)
		TH_LOG("the third call came back after %.3f s, while both long ones ran", first);
	EXPECT_LT(0, alarms);
}

/* The kernel log from the last KPLUG-TESTS-START on: no failure report. */
static int log_clean_since_start(char *buf, int len)
{
	static const char *bad[] = { "BUG:", "WARNING:", "Oops", "RIP:",
				     "general protection fault", "Call Trace:" };
	char *from = buf, *p;
	unsigned int i;

	buf[len] = 0;
	for (p = buf; (p = strstr(p, "KPLUG-TESTS-START")); p++)
		from = p;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (strstr(from, bad[i]))
			return 0;
	return 1;
}

static void kmsg_write(const char *line)
{
	int fd = open("/dev/kmsg", O_WRONLY);

	if (fd >= 0) {
		if (write(fd, line, strlen(line)) < 0)
			perror("kmsg");
		close(fd);
	}
}

/* NMIs (NMI backtrace on every CPU) while plugins spin on all CPUs: each
 * CPU's NMI reaches Linux's handler, and the plugins continue. */
TEST_F(kplug, nmi_backtrace_while_plugins_spin)
{
	int ncpu = sysconf(_SC_NPROCESSORS_ONLN), i, fd, len;
	static char log[1 << 20];
	struct spin_job job[8];
	pthread_t th[8];
	char want[64];

	if (ncpu < 2)
		SKIP(return, "needs 2 or more CPUs");
	if (ncpu > 8)
		ncpu = 8;
	len = klogctl(3, log, sizeof(log) - 1);
	ASSERT_LT(0, len);
	ASSERT_TRUE(log_clean_since_start(log, len));
	for (i = 0; i < ncpu; i++) {
		job[i] = (struct spin_job){ .fd = self->fd, .cpu = i,
					    .id = self->spin, .n = 30000000 };
		ASSERT_EQ(0, pthread_create(&th[i], NULL, spin_thread, &job[i]));
	}
	usleep(200 * 1000);
	/* The backtraces are expected output: the rig's verdict lets their
	 * "RIP:" and "Call Trace:" lines pass between these markers, and
	 * nothing else (tests/vm/verdict.sh). */
	kmsg_write("KPLUG-EXPECT-BACKTRACES-BEGIN\n");
	fd = open("/proc/sysrq-trigger", O_WRONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(1, write(fd, "l", 1));
	close(fd);
	for (i = 0; i < ncpu; i++) {
		pthread_join(th[i], NULL);
		EXPECT_EQ(0, job[i].err);
		EXPECT_EQ(spin_expect(job[i].n), job[i].result);
	}
	len = klogctl(3, log, sizeof(log) - 1);
	kmsg_write("KPLUG-EXPECT-BACKTRACES-END\n");
	ASSERT_LT(0, len);
	log[len] = 0;
	for (i = 0; i < ncpu; i++) {
		snprintf(want, sizeof(want), "NMI backtrace for cpu %d", i);
		EXPECT_NE(NULL, strstr(log, want)) TH_LOG("no '%s'", want);
	}
}

/* The module cannot go while /dev/kplug is open (so no invocation is in
 * flight at unload); the suite's final rmmod then unloads it with this
 * plugin still loaded. */
TEST_F(kplug, unload_refused_while_open_then_with_plugins)
{
	__u32 id;

	EXPECT_NE(0, system("rmmod kplug 2>/dev/null"));
	EXPECT_EQ(0, load_plugin(self->fd, "left_for_rmmod", "add.bin", &id));
}

/* In/out buffers are copied in and out of the plugin's stack slot. */
TEST_F(kplug, invoke_with_buffers)
{
	char out[16];
	__u32 id = 0;
	struct kplug_invoke_args a = {};

	ASSERT_EQ(0, load_plugin(self->fd, uniq("t_bufrev"), "bufrev.bin", &id));
	memset(out, 'x', sizeof(out));
	a.id = id;
	a.in = (unsigned long)"hello";
	a.in_len = 5;
	a.out = (unsigned long)out;
	a.out_len = sizeof(out);
	ASSERT_EQ(0, ioctl(self->fd, KPLUG_IOC_INVOKE, &a));
	EXPECT_EQ(5, a.result);
	EXPECT_EQ(0, memcmp(out, "olleh\0\0\0", 8));	/* rest zeroed */

	/* a plugin that faults gets nothing copied back */
	memset(out, 'x', sizeof(out));
	a.nargs = 1;
	a.args[0] = 1;
	EXPECT_EQ(-1, ioctl(self->fd, KPLUG_IOC_INVOKE, &a));
	EXPECT_EQ(EIO, errno);
	EXPECT_EQ('x', out[0]);
	memset(&a.fault, 0, sizeof(a.fault));
	a.nargs = 0;

	/* bad buffers */
	a.in_len = 1 << 20;
	EXPECT_EQ(-1, ioctl(self->fd, KPLUG_IOC_INVOKE, &a));
	EXPECT_EQ(E2BIG, errno);
	a.in_len = 5;
	a.in = 0;
	EXPECT_EQ(-1, ioctl(self->fd, KPLUG_IOC_INVOKE, &a));
	EXPECT_EQ(EINVAL, errno);
	a.in = 16;
	EXPECT_EQ(-1, ioctl(self->fd, KPLUG_IOC_INVOKE, &a));
	EXPECT_EQ(EFAULT, errno);
	a.in = (unsigned long)"hello";
	a.out = 16;
	EXPECT_EQ(-1, ioctl(self->fd, KPLUG_IOC_INVOKE, &a));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(0, remove_plugin(self->fd, id));
}

/* INFO: by id, by name, enumeration, entry table, counters. */
TEST_F(kplug, info_lookup_and_counters)
{
	struct kplug_info_args in = {}, byname = {};
	struct kplug_image_entry e[2];
	__u32 args[2] = { 0x10, 0 }, r, seen = 0, id = 0;
	struct kplug_fault f;

	ASSERT_EQ(0, invoke(self->fd, self->add, 2, args, &r, NULL));
	ASSERT_EQ(-EIO, invoke(self->fd, self->badptr, 2, args, &r, &f));

	in.id = self->add;
	in.entries = (unsigned long)e;
	in.entries_cap = 2;
	ASSERT_EQ(0, ioctl(self->fd, KPLUG_IOC_INFO, &in));
	EXPECT_EQ(0, strncmp(in.name, "t_add.", 6));
	EXPECT_EQ(1, in.nr_entries);
	EXPECT_STREQ("main", e[0].name);
	EXPECT_EQ(0, e[0].offset);
	EXPECT_EQ(1, in.invocations);
	EXPECT_EQ(0, in.faults);
	EXPECT_LT(16384, in.mem_bytes);
	EXPECT_EQ(KPLUG_STACK_DEFAULT, in.stack_size);

	strcpy(byname.name, in.name);
	byname.flags = KPLUG_INFO_BY_NAME;
	ASSERT_EQ(0, ioctl(self->fd, KPLUG_IOC_INFO, &byname));
	EXPECT_EQ(self->add, byname.id);

	in = (struct kplug_info_args){ .id = self->badptr };
	ASSERT_EQ(0, ioctl(self->fd, KPLUG_IOC_INFO, &in));
	EXPECT_EQ(1, in.faults);
	EXPECT_EQ(KPLUG_FAULT_BAD_ACCESS, in.last_fault.kind);
	EXPECT_EQ(0x10, in.last_fault.cr2);

	/* enumerate: every fixture plugin shows up once */
	for (;;) {
		in = (struct kplug_info_args){ .id = id, .flags = KPLUG_INFO_NEXT };
		if (ioctl(self->fd, KPLUG_IOC_INFO, &in))
			break;
		EXPECT_LT(id, in.id);
		id = in.id;
		seen += id == self->add || id == self->spin ||
			id == self->badptr || id == self->priv;
	}
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(4, seen) TH_LOG("fixture: %u %u %u %u", self->add, self->spin, self->badptr, self->priv);

	in = (struct kplug_info_args){ .flags = KPLUG_INFO_BY_NAME };
	strcpy(in.name, "no-such-plugin");
	EXPECT_EQ(-1, ioctl(self->fd, KPLUG_IOC_INFO, &in));
	EXPECT_EQ(ENOENT, errno);
	in.flags = KPLUG_INFO_BY_NAME | KPLUG_INFO_NEXT;
	EXPECT_EQ(-1, ioctl(self->fd, KPLUG_IOC_INFO, &in));
	EXPECT_EQ(EINVAL, errno);
	in.flags = 4;
	EXPECT_EQ(-1, ioctl(self->fd, KPLUG_IOC_INFO, &in));
	EXPECT_EQ(EINVAL, errno);
}

/* --- ioctl argument validation ------------------------------------------ */

FIXTURE(abi) {
	int fd;
	void *img;
	__u32 len;
};

FIXTURE_SETUP(abi)
{
	self->fd = open("/dev/kplug", O_RDWR);
	ASSERT_LE(0, self->fd);
	self->img = image_from_file("add.bin", &self->len);
	ASSERT_NE(NULL, self->img);
}

FIXTURE_TEARDOWN(abi)
{
	free(self->img);
	close(self->fd);
}

TEST_F(abi, create_remove_and_names)
{
	__u32 id = 0, id2 = 0;

	ASSERT_EQ(0, kplug_create_raw(self->fd, "abi-1.x", self->img, self->len, NULL, 0, &id));
	EXPECT_EQ(-EEXIST, kplug_create_raw(self->fd, "abi-1.x", self->img, self->len, NULL, 0, &id2));
	EXPECT_EQ(-EINVAL, kplug_create_raw(self->fd, "", self->img, self->len, NULL, 0, &id2));
	EXPECT_EQ(-EINVAL, kplug_create_raw(self->fd, "a/b", self->img, self->len, NULL, 0, &id2));
	EXPECT_EQ(-EINVAL, kplug_create_raw(self->fd, "sp ace", self->img, self->len, NULL, 0, &id2));
	EXPECT_EQ(0, remove_plugin(self->fd, id));
	EXPECT_EQ(-ENOENT, remove_plugin(self->fd, id));
	/* the name is free again */
	ASSERT_EQ(0, kplug_create_raw(self->fd, "abi-1.x", self->img, self->len, NULL, 0, &id));
	EXPECT_EQ(0, remove_plugin(self->fd, id));
}

TEST_F(abi, name_must_be_terminated)
{
	struct kplug_create_args a = {
		.image = (unsigned long)self->img, .image_len = self->len,
	};

	memset(a.name, 'x', sizeof(a.name));
	EXPECT_EQ(-1, ioctl(self->fd, KPLUG_IOC_CREATE, &a));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(abi, bad_image_is_rejected_with_log)
{
	struct kplug_image_hdr *h = self->img;
	char log[256] = "unset";
	__u32 id;

	h->magic ^= 1;
	EXPECT_EQ(-EINVAL, kplug_create_raw(self->fd, "abi_bad", self->img, self->len,
					    log, sizeof(log), &id));
	EXPECT_NE(NULL, strstr(log, "bad magic")) TH_LOG("log: %s", log);
	h->magic ^= 1;

	h->text_size += 1;	/* sizes no longer add up */
	image_seal(self->img, self->len);
	EXPECT_EQ(-EINVAL, kplug_create_raw(self->fd, "abi_bad", self->img, self->len,
					    log, sizeof(log), &id));
	EXPECT_NE(NULL, strstr(log, "header describes")) TH_LOG("log: %s", log);
	h->text_size -= 1;

	/* one flipped bit in the code: the checksum catches it */
	((char *)self->img)[self->len - 1] ^= 4;
	EXPECT_EQ(-EINVAL, kplug_create_raw(self->fd, "abi_bad", self->img, self->len,
					    log, sizeof(log), &id));
	EXPECT_NE(NULL, strstr(log, "checksum")) TH_LOG("log: %s", log);
	((char *)self->img)[self->len - 1] ^= 4;

	/* a tiny log buffer gets a truncated, terminated log */
	h->version = 99;	/* checked before the checksum */
	memset(log, 'z', sizeof(log));
	EXPECT_EQ(-EINVAL, kplug_create_raw(self->fd, "abi_bad", self->img, self->len,
					    log, 8, &id));
	EXPECT_EQ(7, strlen(log));
	h->version = KPLUG_IMAGE_VERSION;
}

TEST_F(abi, bad_pointers)
{
	__u32 id;
	char log[64];

	EXPECT_EQ(-EFAULT, kplug_create_raw(self->fd, "abi_ptr", (void *)16, self->len,
					    NULL, 0, &id));
	EXPECT_EQ(-EINVAL, kplug_create_raw(self->fd, "abi_ptr", self->img, self->len,
					    NULL, 16, &id));	/* size without buffer */
	EXPECT_EQ(-EFAULT, kplug_create_raw(self->fd, "abi_ptr", self->img, 3,
					    (char *)16, sizeof(log), &id));
	EXPECT_EQ(-1, ioctl(self->fd, KPLUG_IOC_INVOKE, (void *)16));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->fd, KPLUG_IOC_CREATE, NULL));
	EXPECT_EQ(EFAULT, errno);
}

/* Is plugin name registered?  1 yes, 0 no, -errno on other errors. */
static int plugin_exists(int fd, const char *name)
{
	struct kplug_info_args a = { .flags = KPLUG_INFO_BY_NAME };

	snprintf(a.name, sizeof(a.name), "%s", name);
	if (!ioctl(fd, KPLUG_IOC_INFO, &a))
		return 1;
	return errno == ENOENT ? 0 : -errno;
}

/*
 * CREATE is all or nothing: when the log or the id cannot be written
 * back, the plugin was never created, and the same CREATE with good
 * buffers then succeeds (it used to leave the plugin behind, id lost, and
 * the retry got EEXIST).
 */
TEST_F(abi, create_all_or_nothing)
{
	const char *name = uniq("abi_aon");
	struct kplug_create_args *ro;
	char log[256];
	char *page;
	__u32 id = 0;

	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);
	ASSERT_EQ(0, mprotect(page, 4096, PROT_READ));

	/* a read-only log buffer */
	EXPECT_EQ(-EFAULT, kplug_create_raw(self->fd, name, self->img, self->len,
					    page, 4096, &id));
	EXPECT_EQ(0, plugin_exists(self->fd, name));
	ASSERT_EQ(0, kplug_create_raw(self->fd, name, self->img, self->len,
				      log, sizeof(log), &id));
	EXPECT_EQ(1, plugin_exists(self->fd, name));
	EXPECT_EQ(0, remove_plugin(self->fd, id));

	/* a read-only argument struct: the id cannot be returned */
	ASSERT_EQ(0, mprotect(page, 4096, PROT_READ | PROT_WRITE));
	ro = (struct kplug_create_args *)page;
	memset(ro, 0, sizeof(*ro));
	ro->image = (unsigned long)self->img;
	ro->image_len = self->len;
	snprintf(ro->name, sizeof(ro->name), "%s", name);
	ASSERT_EQ(0, mprotect(page, 4096, PROT_READ));
	EXPECT_EQ(-1, ioctl(self->fd, KPLUG_IOC_CREATE, ro));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(0, plugin_exists(self->fd, name));
	ASSERT_EQ(0, kplug_create_raw(self->fd, name, self->img, self->len,
				      NULL, 0, &id));
	EXPECT_EQ(0, remove_plugin(self->fd, id));
	munmap(page, 4096);
}

/* One CREATE with a log buffer of 'z's: the errno, and the log's text. */
static int create_logged(int fd, struct kplug_create_args *a, char *log,
			 __u32 size, int want, const char *text)
{
	memset(log, 'z', size);
	a->log_buf = (unsigned long)log;
	a->log_size = size;
	if (ioctl(fd, KPLUG_IOC_CREATE, a) != -1 || errno != want)
		return -1;
	if (!memchr(log, '\0', size))		/* terminated */
		return -2;
	return strstr(log, text) ? 0 : -3;
}

/*
 * Rejections before the image is looked at explain themselves in a
 * terminated log too (they used to leave the buffer untouched).
 */
TEST_F(abi, early_rejections_are_logged)
{
	struct kplug_create_args a = {
		.image = (unsigned long)self->img, .image_len = self->len,
	};
	char log[256];

	strcpy(a.name, "abi_early");
	a.flags = 1;
	EXPECT_EQ(0, create_logged(self->fd, &a, log, sizeof(log), EINVAL, "flags"))
		TH_LOG("log: %.*s", (int)sizeof(log), log);
	a.flags = 0;
	a.reserved = 1;
	EXPECT_EQ(0, create_logged(self->fd, &a, log, sizeof(log), EINVAL, "reserved"))
		TH_LOG("log: %.*s", (int)sizeof(log), log);
	a.reserved = 0;
	a.image_len = 0;
	EXPECT_EQ(0, create_logged(self->fd, &a, log, sizeof(log), EINVAL, "image_len"))
		TH_LOG("log: %.*s", (int)sizeof(log), log);
	a.image_len = 0x7fffffff;
	EXPECT_EQ(0, create_logged(self->fd, &a, log, sizeof(log), E2BIG, "image_len"))
		TH_LOG("log: %.*s", (int)sizeof(log), log);
	a.image_len = self->len;
	a.image = 16;
	EXPECT_EQ(0, create_logged(self->fd, &a, log, sizeof(log), EFAULT, "image"))
		TH_LOG("log: %.*s", (int)sizeof(log), log);
	/* a two-byte buffer: one character and the NUL */
	EXPECT_EQ(0, create_logged(self->fd, &a, log, 2, EFAULT, "i"));
	EXPECT_EQ(1, strlen(log));
	EXPECT_EQ(0, plugin_exists(self->fd, "abi_early"));
}

/*
 * A log buffer over the 1 MiB limit is a bad argument (EINVAL, explained
 * in it), not a too-large image (E2BIG, as it used to be).  1 MiB works.
 */
TEST_F(abi, log_size_limit)
{
	struct kplug_create_args a = {
		.image = (unsigned long)self->img, .image_len = self->len,
	};
	__u32 big = (1u << 20) + 1;
	char *log = malloc(big);

	ASSERT_NE(NULL, log);
	strcpy(a.name, uniq("abi_logsz"));
	EXPECT_EQ(0, create_logged(self->fd, &a, log, big, EINVAL, "log_size"))
		TH_LOG("errno %d, log: %.80s", errno, log);
	EXPECT_EQ(0, plugin_exists(self->fd, a.name));
	memset(log, 'z', big);
	a.log_size = 1u << 20;
	ASSERT_EQ(0, ioctl(self->fd, KPLUG_IOC_CREATE, &a));
	EXPECT_EQ('\0', log[0]);	/* nothing to say: an empty log */
	EXPECT_EQ(0, remove_plugin(self->fd, a.id));
	free(log);
}

TEST_F(abi, sizes_and_flags)
{
	struct kplug_create_args c = {
		.image = (unsigned long)self->img, .image_len = self->len,
	};
	struct {
		struct kplug_invoke_args a;
		__u32 extra[4];
	} big = {};
	struct kplug_invoke_args inv = {};
	__u32 id;

	strcpy(c.name, "abi_flags");
	c.flags = 1;
	EXPECT_EQ(-1, ioctl(self->fd, KPLUG_IOC_CREATE, &c));
	EXPECT_EQ(EINVAL, errno);
	c.flags = 0;
	c.image_len = 0;
	EXPECT_EQ(-1, ioctl(self->fd, KPLUG_IOC_CREATE, &c));
	EXPECT_EQ(EINVAL, errno);
	c.image_len = 0x7fffffff;
	EXPECT_EQ(-1, ioctl(self->fd, KPLUG_IOC_CREATE, &c));
	EXPECT_EQ(E2BIG, errno);
	c.image_len = self->len;
	ASSERT_EQ(0, ioctl(self->fd, KPLUG_IOC_CREATE, &c));
	id = c.id;

	inv.id = id;
	inv.nargs = 7;
	EXPECT_EQ(-1, ioctl(self->fd, KPLUG_IOC_INVOKE, &inv));
	EXPECT_EQ(EINVAL, errno);
	inv.nargs = 0;
	inv.flags = 0x80000000;
	EXPECT_EQ(-1, ioctl(self->fd, KPLUG_IOC_INVOKE, &inv));
	EXPECT_EQ(EINVAL, errno);
	inv.flags = 0;
	inv.entry = 1;			/* only entry 0 exists */
	EXPECT_EQ(-1, ioctl(self->fd, KPLUG_IOC_INVOKE, &inv));
	EXPECT_EQ(EINVAL, errno);
	inv.entry = 0;
	inv.id = 0x7ffffff0;
	EXPECT_EQ(-1, ioctl(self->fd, KPLUG_IOC_INVOKE, &inv));
	EXPECT_EQ(ENOENT, errno);
	inv.id = id;

	/* a short struct (size in the ioctl number) */
	EXPECT_EQ(-1, ioctl(self->fd, _IOWR(KPLUG_IOC_MAGIC, 2, __u32[4]), &inv));
	EXPECT_EQ(EINVAL, errno);
	/* the first version's, up to out_len: out_written stays untouched */
	inv.out_written = 0xa5a5a5a5;
	ASSERT_EQ(0, ioctl(self->fd, _IOWR(KPLUG_IOC_MAGIC, 2,
					   __u8[offsetof(struct kplug_invoke_args, out_written)]), &inv));
	EXPECT_EQ(0xa5a5a5a5, inv.out_written);
	inv.out_written = 0;
	inv.reserved = 1;
	EXPECT_EQ(-1, ioctl(self->fd, KPLUG_IOC_INVOKE, &inv));
	EXPECT_EQ(EINVAL, errno);
	inv.reserved = 0;
	/* a longer struct: zero tail accepted, non-zero tail is E2BIG */
	big.a.id = id;
	big.a.nargs = 2;
	big.a.args[0] = 1;
	big.a.args[1] = 2;
	ASSERT_EQ(0, ioctl(self->fd, _IOWR(KPLUG_IOC_MAGIC, 2, big), &big));
	EXPECT_EQ(3, big.a.result);
	big.extra[3] = 1;
	EXPECT_EQ(-1, ioctl(self->fd, _IOWR(KPLUG_IOC_MAGIC, 2, big), &big));
	EXPECT_EQ(E2BIG, errno);
	/* wrong direction bits, unknown command */
	EXPECT_EQ(-1, ioctl(self->fd, _IOR(KPLUG_IOC_MAGIC, 2, struct kplug_invoke_args), &inv));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, _IO(KPLUG_IOC_MAGIC, 99), 0));
	EXPECT_EQ(ENOTTY, errno);

	EXPECT_EQ(0, remove_plugin(self->fd, id));
}

/* KPLUG_IOC_VERSION: what the module supports, and its ABI edges. */
TEST_F(abi, version)
{
	struct kplug_version_args v;
	struct {
		struct kplug_version_args a;
		__u32 extra[4];
	} big = {};

	memset(&v, 0xa5, sizeof(v));	/* out fields: whatever came in */
	v.flags = 0;
	v.reserved = 0;
	ASSERT_EQ(0, ioctl(self->fd, KPLUG_IOC_VERSION, &v));
	EXPECT_EQ(KPLUG_UAPI_VERSION, v.uapi_version);
	EXPECT_STREQ("1.0.0", v.module_version);
	EXPECT_EQ(KPLUG_IMAGE_VERSION, v.image_version);
	EXPECT_EQ(KPLUG_SVC_COUNT, v.nr_services);
	EXPECT_LE(2, v.nr_hooks);		/* the netfilter hooks */
	EXPECT_STREQ("kprobe:", v.hook_prefixes);
	EXPECT_EQ(KPLUG_MAX_ARGS, v.max_args);
	EXPECT_EQ(KPLUG_MAX_ENTRIES, v.max_entries);
	EXPECT_EQ(KPLUG_TEXT_MAX, v.text_max);
	EXPECT_EQ(KPLUG_DATA_MAX, v.data_max);
	EXPECT_EQ(KPLUG_STACK_MAX, v.stack_max);
	EXPECT_EQ(KPLUG_STACK_DEFAULT, v.stack_default);
	EXPECT_EQ(KPLUG_HOOK_MAX_ATTACH, v.hook_max_attach);
	EXPECT_NE(0, v.budget_ms);
	EXPECT_LE(v.budget_ms, v.max_budget_ms);
	EXPECT_NE(0, v.atomic_budget_us);

	v.flags = 1;
	EXPECT_EQ(-1, ioctl(self->fd, KPLUG_IOC_VERSION, &v));
	EXPECT_EQ(EINVAL, errno);
	v.flags = 0;
	v.reserved = 1;
	EXPECT_EQ(-1, ioctl(self->fd, KPLUG_IOC_VERSION, &v));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->fd, _IOWR(KPLUG_IOC_MAGIC, 7, __u32[4]), &v));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, ioctl(self->fd, _IOWR(KPLUG_IOC_MAGIC, 7, big), &big));
	EXPECT_EQ(KPLUG_UAPI_VERSION, big.a.uapi_version);
	EXPECT_EQ(0, big.extra[0]);		/* not written past the kernel's struct */
	big.extra[2] = 1;
	EXPECT_EQ(-1, ioctl(self->fd, _IOWR(KPLUG_IOC_MAGIC, 7, big), &big));
	EXPECT_EQ(E2BIG, errno);
	EXPECT_EQ(-1, ioctl(self->fd, KPLUG_IOC_VERSION, NULL));
	EXPECT_EQ(EFAULT, errno);
}

/*
 * KPLUG_IOC_HOOK INFO's out fields ignore what the caller put there
 * (nr_suspended used to be added to).  Hook 0 exists: kplug.ko registers
 * its netfilter hooks at load.
 */
TEST_F(abi, hook_info_out_fields_are_set)
{
	struct kplug_hook_args clean = { .op = KPLUG_HOOK_INFO };
	struct kplug_hook_args dirty = { .op = KPLUG_HOOK_INFO };

	ASSERT_EQ(0, ioctl(self->fd, KPLUG_IOC_HOOK, &clean));
	dirty.nr_suspended = 7;
	dirty.nr_attached = 7;
	dirty.calls = 7;
	dirty.missed = 7;
	ASSERT_EQ(0, ioctl(self->fd, KPLUG_IOC_HOOK, &dirty));
	EXPECT_EQ(clean.nr_suspended, dirty.nr_suspended);
	EXPECT_EQ(clean.nr_attached, dirty.nr_attached);
	/* nothing is attached here, so nothing counts calls meanwhile */
	EXPECT_EQ(clean.calls, dirty.calls);
	EXPECT_EQ(clean.missed, dirty.missed);
	EXPECT_STREQ(clean.name, dirty.name);
}

/* The attachment fields of KPLUG_IOC_HOOK (uapi: "Attachments"). */
static int att_find(int fd, __u32 plugin_id, struct kplug_hook_args *h)
{
	__u32 after = 0;

	for (;;) {
		memset(h, 0, sizeof(*h));
		h->op = KPLUG_HOOK_ATT_INFO;
		h->att_id = after;
		if (ioctl(fd, KPLUG_IOC_HOOK, h))
			return -errno;
		if (h->id == plugin_id)
			return 0;
		after = h->att_id;
	}
}

TEST_F(abi, hook_attachments)
{
	struct kplug_hook_args h = { .op = KPLUG_HOOK_ATTACH };
	struct kplug_hook_args d = { .op = KPLUG_HOOK_DETACH };
	union {
		struct kplug_hook_args a;
		__u8 raw[sizeof(struct kplug_hook_args)];
	} old;
	__u32 id = 0, att;
	size_t i;

	ASSERT_EQ(0, kplug_create_raw(self->fd, "abi_att", self->img, self->len, NULL, 0, &id));
	/* name and hook both set: which one is meant? */
	strcpy(h.name, "netfilter:ipv4_pre_routing");
	strcpy(h.hook, "netfilter:ipv4_pre_routing");
	h.id = id;
	EXPECT_EQ(-1, ioctl(self->fd, KPLUG_IOC_HOOK, &h));
	EXPECT_EQ(EINVAL, errno);
	/* the long field alone; ATTACH returns the attachment's id */
	memset(h.name, 0, sizeof(h.name));
	ASSERT_EQ(0, ioctl(self->fd, KPLUG_IOC_HOOK, &h));
	att = h.att_id;
	EXPECT_NE(0, att);
	ASSERT_EQ(0, att_find(self->fd, id, &h));
	EXPECT_EQ(att, h.att_id);
	EXPECT_STREQ("netfilter:ipv4_pre_routing", h.hook);
	EXPECT_STREQ("netfilter:ipv4_pre_routing", h.name);
	EXPECT_STREQ("abi_att", h.plugin);
	EXPECT_STREQ("main", h.entry_name);
	EXPECT_EQ(0, h.att_flags);
	/* past the last one */
	h.op = KPLUG_HOOK_ATT_INFO;
	h.att_id = 0xffffffff;
	EXPECT_EQ(-1, ioctl(self->fd, KPLUG_IOC_HOOK, &h));
	EXPECT_EQ(ENOENT, errno);
	/* by id: nothing else may be set */
	d.att_id = att;
	d.id = id;
	EXPECT_EQ(-1, ioctl(self->fd, KPLUG_IOC_HOOK, &d));
	EXPECT_EQ(EINVAL, errno);
	d.id = 0;
	strcpy(d.hook, "netfilter:ipv4_pre_routing");
	EXPECT_EQ(-1, ioctl(self->fd, KPLUG_IOC_HOOK, &d));
	EXPECT_EQ(EINVAL, errno);
	memset(d.hook, 0, sizeof(d.hook));
	EXPECT_EQ(0, ioctl(self->fd, KPLUG_IOC_HOOK, &d));
	EXPECT_EQ(-1, ioctl(self->fd, KPLUG_IOC_HOOK, &d));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-ENOENT, att_find(self->fd, id, &h));

	/* The first version's struct (up to reserved2): INFO writes no
	 * byte past it, ATTACH by name works. */
	memset(&old, 0xa5, sizeof(old));
	memset(&old.a, 0, offsetof(struct kplug_hook_args, hook));
	old.a.op = KPLUG_HOOK_ATTACH;
	strcpy(old.a.name, "netfilter:ipv4_pre_routing");
	old.a.id = id;
	ASSERT_EQ(0, ioctl(self->fd, _IOWR(KPLUG_IOC_MAGIC, 6, __u8[offsetof(struct kplug_hook_args, hook)]), &old));
	old.a.op = KPLUG_HOOK_INFO;
	old.a.index = 0;
	ASSERT_EQ(0, ioctl(self->fd, _IOWR(KPLUG_IOC_MAGIC, 6, __u8[offsetof(struct kplug_hook_args, hook)]), &old));
	for (i = offsetof(struct kplug_hook_args, hook); i < sizeof(old); i++)
		ASSERT_EQ(0xa5, old.raw[i]) TH_LOG("byte %zu written", i);

	/* Removing the plugin detaches it (uapi: KPLUG_IOC_REMOVE). */
	ASSERT_EQ(0, att_find(self->fd, id, &h));
	EXPECT_EQ(0, remove_plugin(self->fd, id));
	EXPECT_EQ(-ENOENT, att_find(self->fd, id, &h));
}

TEST_F(abi, remove_flags)
{
	struct kplug_remove_args r = { .id = 1, .flags = 2 };

	EXPECT_EQ(-1, ioctl(self->fd, KPLUG_IOC_REMOVE, &r));
	EXPECT_EQ(EINVAL, errno);
}

TEST(non_root_is_refused)
{
	pid_t pid = fork();
	int status;

	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (setuid(65534))
			_exit(2);
		_exit(open("/dev/kplug", O_RDWR) < 0 && (errno == EACCES || errno == EPERM) ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
