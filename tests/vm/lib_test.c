// SPDX-License-Identifier: GPL-2.0
/*
 * libkplug end to end, in the test VM: plugins created from C source,
 * invoked with arguments and buffers, faults surfaced through the API,
 * removal, name clashes, non-root.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../libkplug/kplug.h"
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
