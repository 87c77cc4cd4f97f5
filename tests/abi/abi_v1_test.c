// SPDX-License-Identifier: GPL-2.0
/*
 * A program built against libkplug's first headers (tests/abi/v1/, taken
 * from git), linked with today's library: the LIBKPLUG_1 calls still work
 * and never write past the structs of that header, whose sizes are all
 * the program knows.  Each struct is followed by guard bytes that must
 * survive.  On the host (no kplug.ko) the calls fail at /dev/kplug but
 * still clear the caller's struct first; in the VM they reach the kernel.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libkplug.h>	/* tests/abi/v1/libkplug.h: -Itests/abi/v1 */
#include "kselftest_harness.h"

#define GUARD	0xa5

struct guarded_hook {
	struct kplug_hook_args a;	/* the first version's: 352 bytes */
	unsigned char guard[512];
};

struct guarded_info {
	struct kplug_info_args a;
	unsigned char guard[512];
};

static int intact(const unsigned char *g, size_t n)
{
	while (n--)
		if (g[n] != GUARD)
			return 0;
	return 1;
}

static int have_module(void)
{
	return !access("/dev/kplug", F_OK);
}

TEST(the_structs_of_that_header)
{
	/* what the v1 header says; today's library knows these sizes */
	EXPECT_EQ(352, sizeof(struct kplug_hook_args));
	EXPECT_EQ(128, sizeof(struct kplug_info_args));
	EXPECT_EQ(96, sizeof(struct kplug_invoke_args));
}

TEST(hook_info_writes_no_more)
{
	struct guarded_hook h;
	int err;

	memset(&h, GUARD, sizeof(h));
	err = kplug_hook_info(0, &h.a);
	EXPECT_TRUE(intact(h.guard, sizeof(h.guard)));
	if (!have_module()) {
		EXPECT_EQ(-ENOENT, err);
		return;
	}
	ASSERT_EQ(0, err);	/* kplug.ko registers its netfilter hooks */
	EXPECT_EQ(0, strncmp(h.a.name, "netfilter:", 10));
}

TEST(info_next_writes_no_more)
{
	struct guarded_info i;

	memset(&i, GUARD, sizeof(i));
	kplug_info_next(0, &i.a);
	EXPECT_TRUE(intact(i.guard, sizeof(i.guard)));
}

TEST(create_invoke_info_with_the_old_calls)
{
	static const char src[] =
		"u32 add(u32 a, u32 b) { return a + b; }\n"
		"u32 bad(void) { return *(volatile u32 *)16; }\n";
	char log[4096] = "", name[32];
	KPLUG_OPTS(opts, .log_buf = log, .log_size = sizeof(log));
	struct guarded_info i;
	__u32 args[2] = { 40, 2 }, r = 0;
	struct kplug *p;
	void *image;
	size_t len;

	/* the old options struct: no module needed */
	ASSERT_EQ(0, kplug_build("v1.c", src, &opts, &image, &len)) TH_LOG("%s", log);
	free(image);
	if (!have_module())
		SKIP(return, "no kplug.ko here (the host): the rest runs in the VM");
	snprintf(name, sizeof(name), "abi_v1.%d", getpid());
	p = kplug_create(name, src, &opts);
	ASSERT_NE(NULL, p) TH_LOG("%s", log);
	ASSERT_EQ(0, kplug_invoke(p, "add", args, 2, NULL, 0, NULL, 0, &r));
	EXPECT_EQ(42, r);
	EXPECT_EQ(-EIO, kplug_invoke(p, "bad", NULL, 0, NULL, 0, NULL, 0, &r));
	EXPECT_EQ(KPLUG_FAULT_BAD_ACCESS, kplug_last_fault()->kind);
	memset(&i, GUARD, sizeof(i));
	i.a.entries = 0;
	i.a.entries_cap = 0;
	ASSERT_EQ(0, kplug_info(p, &i.a));
	EXPECT_TRUE(intact(i.guard, sizeof(i.guard)));
	EXPECT_EQ(2, i.a.invocations);
	EXPECT_EQ(1, i.a.faults);
	EXPECT_EQ(0, kplug_remove(p));
}

TEST_HARNESS_MAIN
