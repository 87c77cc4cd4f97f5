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
#include <sched.h>
#include <time.h>

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

static int set_budget_ms(unsigned int ms)
{
	FILE *f = fopen("/sys/module/kplug/parameters/budget_ms", "w");

	if (!f)
		return -1;
	fprintf(f, "%u\n", ms);
	return fclose(f);
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
	ASSERT_EQ(0, load_plugin(self->fd, "t_add", "add.bin", &self->add));
	ASSERT_EQ(0, load_plugin(self->fd, "t_spin", "spin.bin", &self->spin));
	ASSERT_EQ(0, load_plugin(self->fd, "t_badptr", "badptr.bin", &self->badptr));
	ASSERT_EQ(0, load_plugin(self->fd, "t_priv", "priv.bin", &self->priv));
}

FIXTURE_TEARDOWN(kplug)
{
	set_budget_ms(1000);
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
 * reach the low 4 GiB, where only the sandbox is mapped). */
TEST_F(kplug, fault_unmapped_high)
{
	__u32 args[2] = { 0xfffff000, 0 }, r = 0;
	struct kplug_fault f = {};

	ASSERT_EQ(-EIO, invoke(self->fd, self->badptr, 2, args, &r, &f));
	EXPECT_EQ(14, f.vector);
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
};

static void *spin_thread(void *arg)
{
	struct spin_job *j = arg;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(j->cpu, &set);
	j->err = sched_setaffinity(0, sizeof(set), &set) ? -errno :
		 invoke(j->fd, j->id, 1, &j->n, &j->result, NULL);
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
	EXPECT_EQ(-EINVAL, kplug_create_raw(self->fd, "abi_bad", self->img, self->len,
					    log, sizeof(log), &id));
	EXPECT_NE(NULL, strstr(log, "header describes")) TH_LOG("log: %s", log);
	h->text_size -= 1;

	/* a tiny log buffer gets a truncated, terminated log */
	h->version = 99;
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
