// SPDX-License-Identifier: GPL-2.0
/*
 * Segment limits (layer: limit).  The plugin's CS limit ends at its code,
 * its DS/SS limit at the top of its sandbox; paging also bounds it there,
 * since nothing is mapped past either end.  Where the CPU enforces limits
 * (hardware, and the Bochs tier: `make check-bochs`, which boots with
 * kplug_limits=1) an access or jump past a limit raises #GP(0)/#SS(0)
 * before paging is asked: kind "limit".  QEMU TCG does not check data
 * limits, so there the same attacks are stopped by paging (#PF) — the test
 * asserts that instead and says so; it never claims a limit check passed
 * under TCG.
 */
#include "plugin_image.h"
#include "kselftest_harness.h"

FIXTURE(limits) {
	int fd;
	__u32 id;
	int enforced;
};

FIXTURE_SETUP(limits)
{
	char name[32];

	self->enforced = getenv("kplug_limits") != NULL;
	self->fd = open("/dev/kplug", O_RDWR);
	ASSERT_LE(0, self->fd);
	snprintf(name, sizeof(name), "limits.%d", getpid());
	ASSERT_EQ(0, load_plugin(self->fd, name, "limits.bin", &self->id));
}

FIXTURE_TEARDOWN(limits)
{
	remove_plugin(self->fd, self->id);
	close(self->fd);
}

/* The limits are where docs/design.md says: CS ends at the end of text
 * (page aligned), DS/SS at the page-aligned top of the sandbox. */
TEST_F(limits, limits_match_the_layout)
{
	__u32 which = 5, ds = 0, cs = 0;

	ASSERT_EQ(0, invoke(self->fd, self->id, 1, &which, &ds, NULL));
	which = 6;
	ASSERT_EQ(0, invoke(self->fd, self->id, 1, &which, &cs, NULL));
	EXPECT_EQ(KPLUG_TEXT_BASE + KPLUG_PAGE_SIZE - 1, cs);	/* one page of text */
	EXPECT_EQ(0, (ds + 1) % KPLUG_PAGE_SIZE);
	EXPECT_LT(cs, ds);
	EXPECT_GE(KPLUG_SANDBOX_MAX - 1, ds);
	TH_LOG("CS limit %#x, DS/SS limit %#x", cs, ds);
}

TEST_F(limits, past_each_limit)
{
	static const struct { __u32 which, vector; const char *what; } c[] = {
		{ 1, 13, "read past DS limit" },
		{ 2, 13, "jump past CS limit" },
		{ 3, 12, "push past SS limit" },
		{ 4, 13, "dword straddling DS limit" },
	};
	unsigned int i;

	if (!self->enforced)
		TH_LOG("segment limits are not enforced here (QEMU TCG): checking that paging stops each case instead");
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct kplug_fault f = {};
		__u32 r = 0;

		ASSERT_EQ(-EIO, invoke(self->fd, self->id, 1, &c[i].which, &r, &f))
			TH_LOG("%s did not fault", c[i].what);
		if (self->enforced) {
			EXPECT_EQ(c[i].vector, f.vector) TH_LOG("%s", c[i].what);
			EXPECT_EQ(0, f.error_code) TH_LOG("%s", c[i].what);
			EXPECT_EQ(KPLUG_FAULT_LIMIT, f.kind) TH_LOG("%s", c[i].what);
		} else {
			/* past the code lies the first stack guard page */
			EXPECT_EQ(14, f.vector) TH_LOG("%s", c[i].what);
			EXPECT_TRUE(f.kind == KPLUG_FAULT_BAD_ACCESS ||
				    (c[i].which == 2 && f.kind == KPLUG_FAULT_STACK))
				TH_LOG("%s: kind %u", c[i].what, f.kind);
		}
	}
}

TEST_HARNESS_MAIN
