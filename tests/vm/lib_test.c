// SPDX-License-Identifier: GPL-2.0
/*
 * libkplug end to end, in the test VM: plugins created from C source,
 * invoked with arguments and buffers, faults surfaced through the API,
 * removal, name clashes, non-root.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../libkplug/libkplug.h"
#include "kselftest_harness.h"

static const char *name(const char *base)
{
	static char buf[4][KPLUG_NAME_MAX];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s.%d", base, getpid());
	return buf[i];
}

static const char sum_src[] =
	"static u32 fib(u32 n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }\n"
	"u32 sum(u32 a, u32 b) { return a + b; }\n"
	"u32 fibonacci(u32 n) { return fib(n); }\n"
	"u32 upcase(u32 a0, u32 a1, u32 a2, u32 a3, u32 a4, u32 a5,\n"
	"           const char *in, u32 in_len, char *out, u32 out_len)\n"
	"{\n"
	"	u32 i;\n"
	"	for (i = 0; i < in_len && i < out_len; i++)\n"
	"		out[i] = in[i] >= 'a' && in[i] <= 'z' ? in[i] - 32 : in[i];\n"
	"	return i;\n"
	"}\n"
	"u32 divide(u32 a, u32 b) { return a / b; }\n"
	"u32 poke(u32 addr) { *(volatile u32 *)addr = 1; return 0; }\n"
	"static u64 big = 1000000000000ull;\n"
	"u32 div64(u32 d) { return (u32)(big / d); }\n"
	"u32 format(u32 a0, u32 a1, u32 a2, u32 a3, u32 a4, u32 a5,\n"
	"           const void *in, u32 in_len, char *out, u32 out_len)\n"
	"{ return snprintf(out, out_len, \"%d-%x-%s\", (int)a0, a1, \"ok\"); }\n";

TEST(create_from_c_and_invoke)
{
	char log[4096] = "";
	KPLUG_OPTS(opts, .log_buf = log, .log_size = sizeof(log));
	struct kplug *p = kplug_create(name("lib_sum"), sum_src, &opts);
	__u32 args[2] = { 40, 2 }, r = 0;
	char out[32] = "";

	ASSERT_NE(NULL, p) TH_LOG("create: %s\n%s", strerror(errno), log);
	ASSERT_EQ(0, kplug_invoke(p, "sum", args, 2, NULL, 0, NULL, 0, &r));
	EXPECT_EQ(42, r);
	args[0] = 20;
	ASSERT_EQ(0, kplug_invoke(p, "fibonacci", args, 1, NULL, 0, NULL, 0, &r));
	EXPECT_EQ(6765, r);				/* recursion */
	ASSERT_EQ(0, kplug_invoke(p, "upcase", NULL, 0, "hello, kplug", 12,
				  out, sizeof(out), &r));
	EXPECT_EQ(12, r);
	EXPECT_STREQ("HELLO, KPLUG", out);
	args[0] = 7;
	ASSERT_EQ(0, kplug_invoke(p, "div64", args, 1, NULL, 0, NULL, 0, &r));
	EXPECT_EQ(142857142857ull & 0xffffffff, r);	/* libtcc1's 64-bit division */
	args[0] = (__u32)-5;
	args[1] = 0xbeef;
	memset(out, 0, sizeof(out));
	ASSERT_EQ(0, kplug_invoke(p, "format", args, 2, NULL, 0, out, sizeof(out), &r));
	EXPECT_STREQ("-5-beef-ok", out);
	EXPECT_EQ(-ENOENT, kplug_invoke(p, "fib", args, 1, NULL, 0, NULL, 0, &r));
	EXPECT_EQ(0, kplug_remove(p));
}

static const char opts_src[] =
	"u32 greet(u32 a0, u32 a1, u32 a2, u32 a3, u32 a4, u32 a5,\n"
	"          const void *in, u32 in_len, char *out, u32 out_len)\n"
	"{ return kplug_out_len(snprintf(out, out_len, \"hi %u\", a0)); }\n"
	"u32 whole(u32 a0, u32 a1, u32 a2, u32 a3, u32 a4, u32 a5,\n"
	"          const void *in, u32 in_len, char *out, u32 out_len)\n"
	"{ out[0] = 'x'; return 0; }\n"
	"u32 overclaim(u32 a0, u32 a1, u32 a2, u32 a3, u32 a4, u32 a5,\n"
	"              const void *in, u32 in_len, char *out, u32 out_len)\n"
	"{ return kplug_out_len(out_len + 1); }\n"
	"u32 poke(u32 addr) { *(volatile u32 *)addr = 1; return 0; }\n"
	"u32 spin(void) { for (;;) ; return 0; }\n";

/*
 * kplug_invoke_opts: the written length of out (kplug_out_len(), or the
 * whole buffer without it), the fault in the opts, a per-call budget,
 * outputs only as far as the caller's sz reaches.
 */
TEST(invoke_opts)
{
	struct kplug *p = kplug_create(name("lib_opts"), opts_src, NULL);
	__u32 args[1] = { 42 };
	char out[64];
	KPLUG_INVOKE_OPTS(o, .args = args, .nargs = 1, .out = out,
			  .out_len = sizeof(out));
	struct kplug_invoke_opts old;

	ASSERT_NE(NULL, p);
	memset(out, 0, sizeof(out));
	ASSERT_EQ(0, kplug_invoke_opts(p, "greet", &o));
	EXPECT_EQ(5, o.result);
	EXPECT_EQ(5, o.out_written);
	EXPECT_STREQ("hi 42", out);
	ASSERT_EQ(0, kplug_invoke_opts(p, "whole", &o));
	EXPECT_EQ(sizeof(out), o.out_written);	/* it did not say */
	EXPECT_EQ('x', out[0]);
	/* more than out_len: a service fault, error code = the service */
	EXPECT_EQ(-EIO, kplug_invoke_opts(p, "overclaim", &o));
	EXPECT_EQ(KPLUG_FAULT_SERVICE, o.fault.kind);
	EXPECT_EQ(KPLUG_SVC_OUT_LEN, o.fault.error_code);
	EXPECT_EQ(sizeof(out) + 1, o.fault.cr2);
	args[0] = 0x100;
	EXPECT_EQ(-EIO, kplug_invoke_opts(p, "poke", &o));
	EXPECT_EQ(KPLUG_FAULT_BAD_ACCESS, o.fault.kind);
	EXPECT_EQ(0x100, o.fault.cr2);
	/* this call's budget, not the plugin's default (1 s) */
	o.budget_ms = 20;
	EXPECT_EQ(-ETIME, kplug_invoke_opts(p, "spin", &o));
	o.budget_ms = 0;
	/* an older caller's struct ends before out_written: nothing past it
	 * is written */
	memset(&old, 0xa5, sizeof(old));
	old.sz = offsetof(struct kplug_invoke_opts, out_written);
	old.args = args;
	old.nargs = 1;
	old.budget_ms = 0;
	old.in = NULL;
	old.in_len = 0;
	old.out = out;
	old.out_len = sizeof(out);
	args[0] = 7;
	ASSERT_EQ(0, kplug_invoke_opts(p, "greet", &old));
	EXPECT_EQ((size_t)0xa5a5a5a5a5a5a5a5ull, old.out_written);
	EXPECT_EQ(0xa5a5a5a5, old.result);
	/* a newer caller's: unknown non-zero bytes are refused */
	o.sz = sizeof(o) + 8;
	{
		struct { struct kplug_invoke_opts o; __u64 more; } big = { o, 1 };

		EXPECT_EQ(-E2BIG, kplug_invoke_opts(p, "greet", &big.o));
		big.more = 0;
		EXPECT_EQ(0, kplug_invoke_opts(p, "greet", &big.o));
	}
	EXPECT_EQ(0, kplug_remove(p));
}

static int debug_lines;
static char last_debug[256];

static void count_debug(enum kplug_print_level level, const char *msg)
{
	if (level == KPLUG_PRINT_DEBUG) {
		debug_lines++;
		snprintf(last_debug, sizeof(last_debug), "%s", msg);
	}
}

/* kplug_strerror names what failed; the callback gets it at DEBUG. */
TEST(strerror_has_context)
{
	struct kplug *p = kplug_create(name("lib_ctx"), opts_src, NULL);
	KPLUG_INVOKE_OPTS(o);
	kplug_print_cb old;
	char want[128];

	ASSERT_NE(NULL, p);
	old = kplug_set_print_cb(count_debug);
	EXPECT_EQ(-ENOENT, kplug_invoke_opts(p, "nope", &o));
	snprintf(want, sizeof(want), "plugin %s has no entry point nope", kplug_name(p));
	EXPECT_STREQ(want, kplug_strerror(-ENOENT));
	EXPECT_EQ(1, debug_lines);
	EXPECT_NE(NULL, strstr(last_debug, want));
	EXPECT_EQ(-EIO, kplug_invoke_opts(p, "poke", &o));	/* poke(0) */
	EXPECT_NE(NULL, strstr(kplug_strerror(-EIO), ":poke faulted: bad-access at eip 0x"));
	/* another errno than the last failure's: the general message */
	EXPECT_STREQ("a plugin with that name exists", kplug_strerror(-EEXIST));
	EXPECT_EQ(NULL, kplug_open(name("lib_none")));
	EXPECT_NE(NULL, strstr(kplug_strerror(-ENOENT), "no plugin called lib_none."));
	kplug_set_print_cb(old);
	EXPECT_EQ(0, kplug_remove(p));
}

TEST(faults_through_the_api)
{
	struct kplug *p = kplug_create(name("lib_fault"), sum_src, NULL);
	__u32 args[2] = { 1, 0 }, r;
	const struct kplug_fault *f;

	ASSERT_NE(NULL, p);
	EXPECT_EQ(-EIO, kplug_invoke(p, "divide", args, 2, NULL, 0, NULL, 0, &r));
	f = kplug_last_fault();
	EXPECT_EQ(KPLUG_FAULT_DIVIDE, f->kind);
	EXPECT_STREQ("divide", kplug_fault_kind_str(f->kind));
	args[0] = 0x100;
	EXPECT_EQ(-EIO, kplug_invoke(p, "poke", args, 1, NULL, 0, NULL, 0, &r));
	EXPECT_EQ(KPLUG_FAULT_BAD_ACCESS, kplug_last_fault()->kind);
	EXPECT_EQ(0x100, kplug_last_fault()->cr2);
	args[0] = 2;
	args[1] = 3;
	EXPECT_EQ(0, kplug_invoke(p, "sum", args, 2, NULL, 0, NULL, 0, &r));
	EXPECT_EQ(5, r);
	EXPECT_EQ(0, kplug_remove(p));
}

TEST(compile_errors_come_back_as_a_log)
{
	char log[4096] = "";
	KPLUG_OPTS(opts, .log_buf = log, .log_size = sizeof(log));
	const char *n = name("lib_bad");

	EXPECT_EQ(NULL, kplug_create(n, "u32 f(void)\n{\n\treturn nope;\n}\n", &opts));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_NE(NULL, strstr(log, ".c:3:")) TH_LOG("log: %s", log);
	EXPECT_EQ(NULL, kplug_open(n));		/* nothing was loaded */
	EXPECT_EQ(ENOENT, errno);
}

TEST(open_names_and_clashes)
{
	const char *n = name("lib_open");
	struct kplug *p = kplug_create(n, sum_src, NULL), *q;
	__u32 args[2] = { 1, 2 }, r = 0;

	ASSERT_NE(NULL, p);
	EXPECT_EQ(NULL, kplug_create(n, sum_src, NULL));
	EXPECT_EQ(EEXIST, errno);
	EXPECT_EQ(NULL, kplug_create("bad/name", sum_src, NULL));
	EXPECT_EQ(EINVAL, errno);
	q = kplug_open(n);
	ASSERT_NE(NULL, q);
	EXPECT_EQ(kplug_id(p), kplug_id(q));
	EXPECT_EQ(0, kplug_invoke(q, "sum", args, 2, NULL, 0, NULL, 0, &r));
	EXPECT_EQ(3, r);
	kplug_close(q);
	EXPECT_EQ(0, kplug_remove(p));
	EXPECT_EQ(NULL, kplug_open(n));
	EXPECT_EQ(ENOENT, errno);
}

TEST(options_struct_abi)
{
	struct { struct kplug_opts o; char extra[8]; } big = {
		.o = { .sz = sizeof(big) } };
	const char *n = name("lib_opts");
	struct kplug *p;

	big.extra[3] = 1;
	EXPECT_EQ(NULL, kplug_create(n, sum_src, &big.o));
	EXPECT_EQ(E2BIG, errno);
	big.extra[3] = 0;
	p = kplug_create(n, sum_src, &big.o);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(0, kplug_remove(p));
}

static const char svc_src[] =
	"u32 hello(u32 n) { return kplug_printf(\"hello %u from cpu %u\", n, kplug_cpu()); }\n"
	"u32 flood(u32 n) { u32 i; for (i = 0; i < n; i++) kplug_log(\"x\", 1); return n; }\n"
	"u32 clock_runs(void) { u64 a = kplug_time_ns(), b = kplug_time_ns(); return a > 0 && b >= a; }\n"
	"u32 random_word(void) { u32 x[4] = { 0 }; kplug_random(x, sizeof(x)); return x[0] | x[1] | x[2] | x[3]; }\n"
	"u32 pid(void) { return kplug_pid(); }\n"
	"u32 tid(void) { return kplug_tid(); }\n"
	"u32 cpu(void) { return kplug_cpu(); }\n"
	"u32 comm(KPLUG_ARGS) { return kplug_comm(out, out_len); }\n"
	"u32 bad_log(void) { return kplug_log((const char *)0x100, 4); }\n"
	"u32 random_into_code(void) { return kplug_random((void *)0x11000, 4); }\n";

/* Service calls from C: log, time, random, cpu, pid/tid, comm; bad
 * pointers fault the plugin with kind "service". */
TEST(service_calls)
{
	struct kplug *p = kplug_create(name("lib_svc"), svc_src, NULL);
	__u32 args[1] = { 7 }, r = 0;
	char log[KPLUG_LOG_SIZE + 1], comm[16] = "", want[64];
	__u64 dropped = 0;
	int n, cpu;
	cpu_set_t set;

	ASSERT_NE(NULL, p);
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(set), &set));
	cpu = sched_getcpu();
	ASSERT_EQ(0, kplug_invoke(p, "hello", args, 1, NULL, 0, NULL, 0, &r));
	n = kplug_read_log(p, log, sizeof(log) - 1, 0, &dropped);
	ASSERT_LT(0, n);
	log[n] = 0;
	snprintf(want, sizeof(want), "hello 7 from cpu %d\n", cpu);
	EXPECT_STREQ(want, log);
	EXPECT_EQ(0, dropped);

	/* a buffer smaller than the log gets whole lines, never a tail */
	args[0] = 12345678;
	ASSERT_EQ(0, kplug_invoke(p, "hello", args, 1, NULL, 0, NULL, 0, &r));
	snprintf(want, sizeof(want), "hello 12345678 from cpu %d\n", cpu);
	n = kplug_read_log(p, log, strlen(want) + 3, 0, NULL);
	ASSERT_LE(0, n);
	log[n] = 0;
	EXPECT_STREQ(want, log);
	args[0] = 7;

	ASSERT_EQ(0, kplug_invoke(p, "cpu", NULL, 0, NULL, 0, NULL, 0, &r));
	EXPECT_EQ(cpu, r);
	ASSERT_EQ(0, kplug_invoke(p, "pid", NULL, 0, NULL, 0, NULL, 0, &r));
	EXPECT_EQ(getpid(), r);
	ASSERT_EQ(0, kplug_invoke(p, "tid", NULL, 0, NULL, 0, NULL, 0, &r));
	EXPECT_EQ(gettid(), r);
	ASSERT_EQ(0, kplug_invoke(p, "comm", NULL, 0, NULL, 0, comm, sizeof(comm), &r));
	EXPECT_STREQ("lib_test", comm);
	EXPECT_EQ(8, r);
	ASSERT_EQ(0, kplug_invoke(p, "clock_runs", NULL, 0, NULL, 0, NULL, 0, &r));
	EXPECT_EQ(1, r);
	ASSERT_EQ(0, kplug_invoke(p, "random_word", NULL, 0, NULL, 0, NULL, 0, &r));
	EXPECT_NE(0, r);	/* 128 random bits all zero: 2^-128 */

	/* the rate limit: 100 lines a second, the rest dropped */
	args[0] = 500;
	ASSERT_EQ(0, kplug_read_log(p, log, 0, 1, NULL));
	ASSERT_EQ(0, kplug_invoke(p, "flood", args, 1, NULL, 0, NULL, 0, &r));
	n = kplug_read_log(p, log, sizeof(log) - 1, 0, &dropped);
	EXPECT_GE(2 * KPLUG_LOG_RATE, n);	/* "x\n" per line */
	EXPECT_LE(500 - KPLUG_LOG_RATE, dropped);

	EXPECT_EQ(-EIO, kplug_invoke(p, "bad_log", NULL, 0, NULL, 0, NULL, 0, &r));
	EXPECT_EQ(KPLUG_FAULT_SERVICE, kplug_last_fault()->kind);
	EXPECT_EQ(0x100, kplug_last_fault()->cr2);
	EXPECT_STREQ("service", kplug_fault_kind_str(kplug_last_fault()->kind));
	EXPECT_EQ(-EIO, kplug_invoke(p, "random_into_code", NULL, 0, NULL, 0, NULL, 0, &r));
	EXPECT_EQ(KPLUG_FAULT_SERVICE, kplug_last_fault()->kind);
	EXPECT_EQ(0, kplug_remove(p));
}

/* A plugin's data mapped into this process: shared both ways, and still
 * readable after the plugin is removed. */
TEST(shared_data_through_mmap)
{
	static const char src[] =
		"u32 counter = 1;\n"
		"u32 bump(void) { return ++counter; }\n"
		"u32 where(void) { return (u32)&counter; }\n";
	struct kplug *p = kplug_create(name("lib_map"), src, NULL);
	struct kplug_info_args info = {};
	volatile __u32 *counter;
	__u32 addr = 0, r = 0;
	size_t len = 0;
	char *m;
	int i;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, kplug_info(p, &info));
	m = kplug_map_data(p, &len);
	ASSERT_NE(NULL, m) TH_LOG("map: %s", strerror(errno));
	EXPECT_EQ(info.data_pages * KPLUG_PAGE_SIZE, len);
	ASSERT_EQ(0, kplug_invoke(p, "where", NULL, 0, NULL, 0, NULL, 0, &addr));
	ASSERT_LE(info.data_base, addr);
	ASSERT_GT(info.data_base + len, addr);
	counter = (volatile __u32 *)(m + (addr - info.data_base));
	EXPECT_EQ(1, *counter);
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, kplug_invoke(p, "bump", NULL, 0, NULL, 0, NULL, 0, &r));
	EXPECT_EQ(4, *counter);			/* the plugin's writes, seen here */
	*counter = 100;
	ASSERT_EQ(0, kplug_invoke(p, "bump", NULL, 0, NULL, 0, NULL, 0, &r));
	EXPECT_EQ(101, r);			/* our write, seen by the plugin */
	EXPECT_EQ(0, kplug_remove(p));
	EXPECT_EQ(101, *counter);		/* pages outlive the plugin */
	EXPECT_EQ(0, munmap(m, len));
}

/* mmap arguments are checked: no such plugin, past its data, private,
 * executable. */
TEST(mmap_arguments)
{
	struct kplug *p = kplug_create(name("lib_map2"), "u32 x = 1; u32 f(void) { return x; }", NULL);
	struct kplug_info_args info = {};
	int fd = open("/dev/kplug", O_RDWR);
	void *m;

	ASSERT_NE(NULL, p);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, kplug_info(p, &info));
	m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, KPLUG_MMAP_OFFSET(0x7ffffff0, 0));
	EXPECT_EQ(MAP_FAILED, m);
	EXPECT_EQ(ENOENT, errno);
	m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd,
		 KPLUG_MMAP_OFFSET(kplug_id(p), info.data_pages));
	EXPECT_EQ(MAP_FAILED, m);
	EXPECT_EQ(EINVAL, errno);
	m = mmap(NULL, 4096 * (info.data_pages + 1), PROT_READ, MAP_SHARED, fd,
		 KPLUG_MMAP_OFFSET(kplug_id(p), 0));
	EXPECT_EQ(MAP_FAILED, m);
	m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, KPLUG_MMAP_OFFSET(kplug_id(p), 0));
	EXPECT_EQ(MAP_FAILED, m);
	m = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_SHARED, fd,
		 KPLUG_MMAP_OFFSET(kplug_id(p), 0));
	EXPECT_EQ(MAP_FAILED, m);
	close(fd);
	EXPECT_EQ(0, kplug_remove(p));
}

TEST(non_root_is_refused)
{
	pid_t pid = fork();
	int status;

	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (setuid(65534))
			_exit(2);
		kplug_set_print(NULL);
		_exit(!kplug_create("lib_nonroot", sum_src, NULL) &&
		      (errno == EACCES || errno == EPERM) ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
