// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests for kmod/image.c, the image validator the module runs on
 * every CREATE: one valid image, then one test per rule it must reject,
 * each checking the error and the log line a user would see.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "../../kmod/image.h"
#include "kselftest_harness.h"

struct img {
	struct kplug_image_hdr h;
	struct kplug_image_entry e[2];
	unsigned char text[16];
	unsigned char data[8];
};

static void seal(struct img *m, size_t len)
{
	m->h.checksum = 0;
	m->h.checksum = kplug_crc32(0, m, len);
}

static void good(struct img *m)
{
	memset(m, 0, sizeof(*m));
	m->h.magic = KPLUG_IMAGE_MAGIC;
	m->h.version = KPLUG_IMAGE_VERSION;
	m->h.hdr_size = sizeof(m->h);
	m->h.text_size = sizeof(m->text);
	m->h.data_size = sizeof(m->data);
	m->h.bss_size = 100;
	m->h.nr_entries = 2;
	strcpy(m->e[0].name, "main");
	strcpy(m->e[1].name, "other_1");
	m->e[1].offset = 15;
	memset(m->text, 0x90, sizeof(m->text));
	seal(m, sizeof(*m));
}

static int check(struct img *m, size_t len, char *log, size_t size)
{
	struct kplug_loader_log l = { .buf = log, .size = size };

	log[0] = 0;
	return kplug_image_check(m, len, &l, NULL);
}

/* Reseal after the mutation, so that the rule under test is what fails. */
#define REJECTS(m, len, text) do {					\
	char log[512];							\
	if ((len) >= sizeof((m)->h))					\
		seal(m, len);						\
	EXPECT_EQ(-EINVAL, check(m, len, log, sizeof(log)));		\
	EXPECT_NE(NULL, strstr(log, text)) TH_LOG("log: %s", log);	\
} while (0)

TEST(valid_image_parts)
{
	struct img m;
	struct kplug_image v;
	struct kplug_loader_log l = {};

	good(&m);
	ASSERT_EQ(0, kplug_image_check(&m, sizeof(m), &l, &v));
	EXPECT_EQ((void *)&m.h, (void *)v.hdr);
	EXPECT_EQ((void *)m.e, (void *)v.entries);
	EXPECT_EQ((void *)m.text, (void *)v.text);
	EXPECT_EQ((void *)m.data, (void *)v.data);
}

/* The optional debug trailer after data: kept whole, or refused. */
struct img_dbg {
	struct img m;
	unsigned char more[4];		/* more data, so the trailer moves */
	struct kplug_debug_hdr d;
	struct kplug_debug_sym s;
	char names[8];
};

static void good_dbg(struct img_dbg *x)
{
	good(&x->m);
	memset(x->more, 0, sizeof(x->more));
	x->m.h.data_size += sizeof(x->more);
	x->d.magic = KPLUG_DEBUG_MAGIC;
	x->d.size = sizeof(*x) - offsetof(struct img_dbg, d);
	x->d.nr_syms = 1;
	x->d.strtab_off = sizeof(x->d) + sizeof(x->s);
	x->s.offset = 0;
	x->s.size = 15;
	x->s.name = 0;
	memset(x->names, 0, sizeof(x->names));
	strcpy(x->names, "main");
	seal(&x->m, sizeof(*x));
}

TEST(debug_trailer)
{
	struct img_dbg x;
	struct kplug_image v;
	struct kplug_loader_log l = {};
	char log[512];

	good_dbg(&x);
	ASSERT_EQ(0, kplug_image_check(&x, sizeof(x), &l, &v));
	EXPECT_EQ((void *)&x.d, (void *)v.debug);
	EXPECT_EQ(sizeof(x) - offsetof(struct img_dbg, d), v.debug_size);
	/* without one: NULL */
	good(&x.m);
	ASSERT_EQ(0, kplug_image_check(&x.m, sizeof(x.m), &l, &v));
	EXPECT_EQ(NULL, v.debug);
	EXPECT_EQ(0, v.debug_size);
	/* bytes after data that are not a trailer */
	good_dbg(&x);
	x.d.magic = 0;
	seal(&x.m, sizeof(x));
	EXPECT_EQ(-EINVAL, check(&x.m, sizeof(x), log, sizeof(log)));
	EXPECT_NE(NULL, strstr(log, "not a debug trailer")) TH_LOG("log: %s", log);
	/* too few for its header */
	good_dbg(&x);
	seal(&x.m, offsetof(struct img_dbg, d) + 4);
	EXPECT_EQ(-EINVAL, check(&x.m, offsetof(struct img_dbg, d) + 4, log, sizeof(log)));
	EXPECT_NE(NULL, strstr(log, "not a debug trailer")) TH_LOG("log: %s", log);
	/* its size must be the rest of the image */
	good_dbg(&x);
	x.d.size -= 1;
	seal(&x.m, sizeof(x));
	EXPECT_EQ(-EINVAL, check(&x.m, sizeof(x), log, sizeof(log)));
	EXPECT_NE(NULL, strstr(log, "debug: size")) TH_LOG("log: %s", log);
}

TEST(too_short) { struct img m; good(&m); REJECTS(&m, 10, "shorter than"); }
TEST(bad_magic) { struct img m; good(&m); m.h.magic = 0x7f454c46; REJECTS(&m, sizeof(m), "bad magic"); }
TEST(bad_version) { struct img m; good(&m); m.h.version = 2; REJECTS(&m, sizeof(m), "version 2"); }
TEST(bad_hdr_size) { struct img m; good(&m); m.h.hdr_size = 8; REJECTS(&m, sizeof(m), "hdr_size"); }
TEST(checksum_catches_damage)
{
	struct img m;
	char log[512];

	good(&m);
	m.text[3] ^= 0x40;		/* one bit of code */
	EXPECT_EQ(-EINVAL, check(&m, sizeof(m), log, sizeof(log)));
	EXPECT_NE(NULL, strstr(log, "checksum")) TH_LOG("log: %s", log);
	good(&m);
	m.h.checksum ^= 1;		/* the field itself */
	EXPECT_EQ(-EINVAL, check(&m, sizeof(m), log, sizeof(log)));
	EXPECT_NE(NULL, strstr(log, "checksum"));
}

/* The reference CRC is the standard one (zlib's crc32("123456789")). */
TEST(crc32_is_standard)
{
	EXPECT_EQ(0xcbf43926, kplug_crc32(0, "123456789", 9));
	EXPECT_EQ(kplug_crc32(0, "123456789", 9),
		  kplug_crc32(kplug_crc32(0, "1234", 4), "56789", 5));
}
TEST(no_text) { struct img m; good(&m); m.h.text_size = 0; REJECTS(&m, sizeof(m), "text_size is 0"); }
TEST(text_too_big) { struct img m; good(&m); m.h.text_size = KPLUG_TEXT_MAX + 1; REJECTS(&m, sizeof(m), "exceeds"); }
TEST(data_too_big)
{
	struct img m;

	good(&m);
	m.h.bss_size = 0xffffffff;	/* must not wrap around */
	REJECTS(&m, sizeof(m), "data_size");
}
TEST(stack_unaligned) { struct img m; good(&m); m.h.stack_size = 5000; REJECTS(&m, sizeof(m), "stack_size"); }
TEST(stack_too_big) { struct img m; good(&m); m.h.stack_size = KPLUG_STACK_MAX * 2; REJECTS(&m, sizeof(m), "stack_size"); }
TEST(no_entries) { struct img m; good(&m); m.h.nr_entries = 0; REJECTS(&m, sizeof(m), "nr_entries"); }
TEST(too_many_entries) { struct img m; good(&m); m.h.nr_entries = KPLUG_MAX_ENTRIES + 1; REJECTS(&m, sizeof(m), "nr_entries"); }
TEST(length_mismatch) { struct img m; good(&m); REJECTS(&m, sizeof(m) - 1, "header describes"); }
TEST(entry_outside_text) { struct img m; good(&m); m.e[1].offset = 16; REJECTS(&m, sizeof(m), "outside text"); }
TEST(entry_bad_name) { struct img m; good(&m); strcpy(m.e[1].name, "a-b"); REJECTS(&m, sizeof(m), "entry 1: name"); }
TEST(entry_empty_name) { struct img m; good(&m); m.e[0].name[0] = 0; REJECTS(&m, sizeof(m), "entry 0: name"); }
TEST(entry_unterminated)
{
	struct img m;

	good(&m);
	memset(m.e[0].name, 'a', sizeof(m.e[0].name));
	REJECTS(&m, sizeof(m), "NUL-terminated");
}
TEST(entry_duplicate) { struct img m; good(&m); strcpy(m.e[1].name, "main"); REJECTS(&m, sizeof(m), "already used"); }
TEST(entry_reserved) { struct img m; good(&m); m.e[0].reserved = 9; REJECTS(&m, sizeof(m), "reserved"); }

TEST(log_truncates_and_counts)
{
	struct img m;
	char log[8];
	struct kplug_loader_log l = { .buf = log, .size = sizeof(log) };

	good(&m);
	m.h.magic = 0;
	EXPECT_EQ(-EINVAL, kplug_image_check(&m, sizeof(m), &l, NULL));
	EXPECT_EQ(7, strlen(log));		/* vsnprintf terminates */
	EXPECT_LT(sizeof(log), l.len);		/* the full length is known */
}

TEST(no_log_is_fine)
{
	struct img m;

	good(&m);
	m.h.magic = 0;
	EXPECT_EQ(-EINVAL, kplug_image_check(&m, sizeof(m), NULL, NULL));
}

TEST(names_one_rule)
{
	EXPECT_TRUE(kplug_name_valid("abc.d-e_1", KPLUG_NAME_MAX, KPLUG_NAME_PLUGIN));
	EXPECT_FALSE(kplug_name_valid("abc.d", KPLUG_NAME_MAX, KPLUG_NAME_ENTRY));
	EXPECT_FALSE(kplug_name_valid("", KPLUG_NAME_MAX, KPLUG_NAME_PLUGIN));
	EXPECT_FALSE(kplug_name_valid("a/b", KPLUG_NAME_MAX, KPLUG_NAME_PLUGIN));
	EXPECT_FALSE(kplug_name_valid("..\n", KPLUG_NAME_MAX, KPLUG_NAME_PLUGIN));
	/* hooks add ':' (kprobe:SYMBOL), plugins do not */
	EXPECT_TRUE(kplug_name_valid("kprobe:f.isra.0", KPLUG_NAME_MAX, KPLUG_NAME_HOOK));
	EXPECT_FALSE(kplug_name_valid("kprobe:f", KPLUG_NAME_MAX, KPLUG_NAME_PLUGIN));
	/* ASCII only: no Latin-1 letter, whatever isalnum() would say */
	EXPECT_FALSE(kplug_name_valid("caf\xe9", KPLUG_NAME_MAX, KPLUG_NAME_HOOK));
	/* 31 characters fit, 32 do not; unterminated within size is refused */
	EXPECT_TRUE(kplug_name_valid("0123456789012345678901234567890", KPLUG_NAME_MAX, KPLUG_NAME_ENTRY));
	EXPECT_FALSE(kplug_name_valid("01234567890123456789012345678901", KPLUG_NAME_MAX, KPLUG_NAME_ENTRY));
	EXPECT_FALSE(kplug_name_valid("abc", 3, KPLUG_NAME_ENTRY));
}

TEST_HARNESS_MAIN
