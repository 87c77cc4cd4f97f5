// SPDX-License-Identifier: LGPL-2.1
/*
 * Host tests for codegen/: compile diagnostics (file:line, undeclared
 * functions, floating point), the linker (entry table, layout, the
 * runtime and libtcc1 pulled in on demand, gcc objects, rejected objects,
 * corrupt input), and what the generated code computes: images are run as
 * plain 32-bit code by codegen_run32 (same bytes as in the sandbox, but
 * ring 3 with the FPU on - the sandbox itself is tested in the VM).
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>
#include "codegen.h"
#include "../../kmod/image.h"
#include "kselftest_harness.h"

#define SDK_DIR		KPLUG_TOP "/codegen/sdk"
#define PLUGIN_200	KPLUG_TOP "/tests/host/codegen_plugin.c"
#define RUN32		KPLUG_TOP "/build/host/codegen_run32"
#define SDK_CHECK	KPLUG_TOP "/tests/plugins/sdk_check.c"
#define GCC_FLAGS	"-m32 -O2 -ffreestanding -fno-pic -fno-stack-protector -mno-sse -mno-mmx -mno-80387 -fno-asynchronous-unwind-tables"

static char logbuf[16384];
static struct kplug_codegen_log cglog;

static struct kplug_codegen_log *fresh_log(void)
{
	cglog = (struct kplug_codegen_log){ .buf = logbuf, .size = sizeof(logbuf) };
	logbuf[0] = '\0';
	return &cglog;
}

static int compile(const char *name, const char *src, void **obj, size_t *len)
{
	return kplug_codegen_compile(name, src, fresh_log(), obj, len);
}

static int build(const char *name, const char *src, void **img, size_t *len)
{
	return kplug_codegen_build(name, src, 0, fresh_log(), img, len);
}

static int link1(const char *name, const void *obj, size_t olen, void **img,
		 size_t *len)
{
	struct kplug_object o = { .name = name, .data = obj, .len = olen };

	return kplug_codegen_link(&o, 1, 0, fresh_log(), img, len);
}

static void *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc(n + 1);
	if (buf && fread(buf, 1, n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf) {
		buf[n] = '\0';
		*len = n;
	}
	return buf;
}

static int write_tmp(char *path, const char *suffix, const void *data,
		     size_t len)
{
	int fd;

	sprintf(path, "/tmp/kplug-codegen-XXXXXX%s", suffix);
	fd = mkstemps(path, strlen(suffix));
	if (fd < 0)
		return -1;
	if (write(fd, data, len) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	return close(fd);
}

/* Compile src with cc (bring your own compiler); NULL on failure. */
static void *cc_object(const char *cc, const char *src, const char *flags,
		       size_t *len)
{
	char c[64], o[64], cmd[512];
	void *obj = NULL;

	if (write_tmp(c, ".c", src, strlen(src)))
		return NULL;
	strcpy(o, c);
	strcpy(o + strlen(o) - 2, ".o");
	snprintf(cmd, sizeof(cmd), "%s %s -I%s -c -o %s %s", cc, flags, SDK_DIR,
		 o, c);
	if (!system(cmd))
		obj = read_file(o, len);
	unlink(c);
	unlink(o);
	return obj;
}

static void *gcc_object(const char *src, const char *flags, size_t *len)
{
	return cc_object("gcc", src, flags, len);
}

/*
 * Can this host execute the 32-bit runner at all?  Some kernels (and
 * some hypervisors' guests) have no IA-32 execution: exec then fails with
 * ENOEXEC, the shell's 126.  Tests that need it skip there, saying why.
 */
static int host_runs_32bit(void)
{
	static int known, yes;

	if (!known) {
		int st = system(RUN32 " > /dev/null 2>&1");

		yes = !(WIFEXITED(st) && WEXITSTATUS(st) == 126);
		known = 1;
	}
	return yes;
}

#define NEED_RUN32() do {						\
	if (!host_runs_32bit())						\
		SKIP(return, "this host cannot execute 32-bit programs");	\
} while (0)

/*
 * Run entry of img as 32-bit code: returns its result; *str gets the
 * string the result points at in the plugin's data, if any.
 */
static int run32(const void *img, size_t len, const char *entry_and_args,
		 unsigned int *result, char *str, size_t str_size)
{
	char path[64], cmd[512], line[1024];
	int err = -1;
	FILE *p;

	if (write_tmp(path, ".kpi", img, len))
		return -1;
	snprintf(cmd, sizeof(cmd), "%s %s %s", RUN32, path, entry_and_args);
	p = popen(cmd, "r");
	if (p) {
		while (fgets(line, sizeof(line), p)) {
			line[strcspn(line, "\n")] = '\0';
			if (sscanf(line, "result %u", result) == 1)
				err = 0;
			else if (str && !strncmp(line, "string ", 7))
				memcpy(str, line + 7, strnlen(line + 7, str_size - 1) + 1);
		}
		if (pclose(p))
			err = -1;
	}
	unlink(path);
	return err;
}

static const struct kplug_image_hdr *check_image(const void *img, size_t len,
						 struct kplug_image *parts)
{
	struct kplug_loader_log l = { .buf = logbuf, .size = sizeof(logbuf) };

	logbuf[0] = '\0';
	if (kplug_image_check(img, len, &l, parts))
		return NULL;
	return parts->hdr;
}

/* --- Compile diagnostics ------------------------------------------------ */

TEST(compile_error_has_file_and_line)
{
	const char *src =
		"#include <kplug.h>\n"
		"\n"
		"/* a comment\n"
		"   over lines */\n"
		"static const char *s = \"a\\\n"
		"b\";\n"
		"\n"
		"u32 f(u32 a)\n"
		"{\n"
		"\tu32 x = a\n"
		"\treturn x;\n"		/* line 11: ';' expected */
		"}\n";
	void *obj;
	size_t len;

	EXPECT_EQ(-EINVAL, compile("my_plugin.c", src, &obj, &len));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_NE(NULL, strstr(logbuf, "my_plugin.c:11: error:")) TH_LOG("log: %s", logbuf);
	EXPECT_EQ(NULL, obj);
}

TEST(undeclared_function_is_an_error)
{
	void *obj;
	size_t len;

	EXPECT_EQ(-EINVAL, compile("u.c", "u32 f(u32 a)\n{\n\treturn printf(\"%d\", a);\n}\n",
				   &obj, &len));
	EXPECT_NE(NULL, strstr(logbuf, "u.c:3: error: implicit declaration of function 'printf'"))
		TH_LOG("log: %s", logbuf);
}

TEST(floating_point_is_an_error)
{
	static const char *const srcs[] = {
		"u32 f(u32 a) { float x = a; return x; }",
		"u32 f(u32 a) { return (double)a; }",
		"u32 f(float a) { return 1; }",
		"u32 f(u32 a) { return a * 1.5; }",
		"u32 f(u32 a) { return a / 2e3; }",
		"u32 f(u32 a) { return a + .5; }",
		"u32 f(u32 a) { return a + 0x1p4; }",
	};
	unsigned int i;
	void *obj;
	size_t len;

	for (i = 0; i < ARRAY_SIZE(srcs); i++) {
		EXPECT_EQ(-EINVAL, compile("fp.c", srcs[i], &obj, &len));
		EXPECT_NE(NULL, strstr(logbuf, "fp.c:1: error:")) TH_LOG("%s: %s", srcs[i], logbuf);
		EXPECT_NE(NULL, strstr(logbuf, "floating point")) TH_LOG("%s: %s", srcs[i], logbuf);
	}
	/* integers that only look like it, and floats in comments/strings */
	ASSERT_EQ(0, compile("fp.c", "u32 f(u32 a) { return a + 0x1e5 + 1ULL + sizeof(\"1.5\"); } // 2.5 /* 3.5 */\n/* double 4.5 */",
			     &obj, &len)) TH_LOG("log: %s", logbuf);
	free(obj);
}

TEST(only_the_sdk_header_exists)
{
	static const char *const bad[] = {
		"u32 f(void) { return 0; }\n#include <stdio.h>\n",
		"u32 f(void) { return 0; }\n# /* c */ include \"codegen_test.c\"\n",
		"u32 f(void) { return 0; }\n#inc\\\nlude \"x.h\"\n",
		"u32 f(void) { return 0; }\n#include K_H\n",
		"u32 f(void) { return 0; }\n#pragma comment(option, \"-dumpversion\")\n",
	};
	unsigned int i;
	void *obj;
	size_t len;

	ASSERT_EQ(0, compile("i.c", "#include <kplug.h>\n  #  include \"kplug.h\" // twice\n#incl\\\nude <kplug.h>\nu32 f(void) { return sizeof(u64) + strlen(\"ab\"); }\n",
			     &obj, &len)) TH_LOG("log: %s", logbuf);
	free(obj);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-EINVAL, compile("i.c", bad[i], &obj, &len));
		EXPECT_NE(NULL, strstr(logbuf, "i.c:2: error: #")) TH_LOG("%s: %s", bad[i], logbuf);
	}
	EXPECT_NE(NULL, strstr(logbuf, "#pragma comment is not supported"));
}

TEST(bad_arguments)
{
	void *p;
	size_t len;

	EXPECT_EQ(-EINVAL, kplug_codegen_compile("a.c", NULL, NULL, &p, &len));
	EXPECT_EQ(-EINVAL, kplug_codegen_compile("a.c", "", NULL, NULL, &len));
	EXPECT_EQ(-EINVAL, kplug_codegen_link(NULL, 1, 0, NULL, &p, &len));
	EXPECT_EQ(-EINVAL, kplug_codegen_link(NULL, 0, 0, fresh_log(), &p, &len));
	EXPECT_NE(NULL, strstr(logbuf, "0 objects"));
	EXPECT_EQ(-EINVAL, kplug_codegen_build("a.c", "u32 f(void) { return 0; }",
					       5000, fresh_log(), &p, &len));
	EXPECT_NE(NULL, strstr(logbuf, "stack size 5000")) TH_LOG("log: %s", logbuf);
}

TEST(log_truncates_and_counts)
{
	char small[16];
	struct kplug_codegen_log l = { .buf = small, .size = sizeof(small) };
	void *obj;
	size_t len;

	EXPECT_EQ(-EINVAL, kplug_codegen_compile("t.c", "u32 f( {", &l, &obj, &len));
	EXPECT_EQ(sizeof(small) - 1, strlen(small));
	EXPECT_LT(sizeof(small), l.len);
	EXPECT_EQ(-EINVAL, kplug_codegen_compile("t.c", "u32 f( {", NULL, &obj, &len));
}

/* --- Linking ----------------------------------------------------------- */

TEST(undefined_symbol_names_it)
{
	void *img;
	size_t len;

	EXPECT_EQ(-EINVAL, build("und.c", "u32 helper(u32 x);\nu32 f(u32 a) { return helper(a); }\n",
				 &img, &len));
	EXPECT_NE(NULL, strstr(logbuf, "und.c: error: undefined symbol 'helper'"))
		TH_LOG("log: %s", logbuf);
}

TEST(entry_table_and_image)
{
	const char *src =
		"#include <kplug.h>\n"
		"static u32 helper(u32 x) { return x + 1; }\n"
		"u32 zeta(u32 a) { return helper(a); }\n"
		"u32 alpha(u32 a, u32 b) { return a + b; }\n"
		"u32 mid_dle_1(void) { return 7; }\n"
		"u32 counter;\n";
	const char *want[] = { "alpha", "mid_dle_1", "zeta" };
	const struct kplug_image_hdr *h;
	struct kplug_image parts;
	unsigned int i, r;
	size_t len;
	void *img;

	NEED_RUN32();

	ASSERT_EQ(0, build("e.c", src, &img, &len)) TH_LOG("log: %s", logbuf);
	h = check_image(img, len, &parts);
	ASSERT_NE(NULL, h) TH_LOG("kplug_image_check: %s", logbuf);
	ASSERT_EQ(3, h->nr_entries);
	for (i = 0; i < 3; i++) {
		EXPECT_STREQ(want[i], parts.entries[i].name);
		EXPECT_LT(parts.entries[i].offset, h->text_size);
		/* tcc starts every function with push %ebp */
		EXPECT_EQ(0x55, parts.text[parts.entries[i].offset]);
	}
	EXPECT_EQ(0, h->stack_size);
	ASSERT_EQ(0, run32(img, len, "alpha 40 2", &r, NULL, 0));
	EXPECT_EQ(42, r);
	ASSERT_EQ(0, run32(img, len, "zeta 9", &r, NULL, 0));
	EXPECT_EQ(10, r);
	free(img);

	ASSERT_EQ(0, kplug_codegen_build("e.c", src, 8192, fresh_log(), &img, &len));
	EXPECT_EQ(8192, ((struct kplug_image_hdr *)img)->stack_size);
	free(img);
}

TEST(entry_point_rules)
{
	char src[8192] = "", *p = src;
	unsigned int i;
	size_t len;
	void *img;

	EXPECT_EQ(-EINVAL, build("s.c", "static u32 f(void) { return 0; }", &img, &len));
	EXPECT_NE(NULL, strstr(logbuf, "no entry points")) TH_LOG("log: %s", logbuf);

	EXPECT_EQ(-EINVAL, build("s.c", "u32 a_name_of_thirty_two_characters_(void) { return 0; }",
				 &img, &len));
	EXPECT_NE(NULL, strstr(logbuf, "'a_name_of_thirty_two_characters_'")) TH_LOG("log: %s", logbuf);
	ASSERT_EQ(0, build("s.c", "u32 a_name_of_thirty_one_characters(void) { return 0; }",
			   &img, &len)) TH_LOG("log: %s", logbuf);
	free(img);

	EXPECT_EQ(-EINVAL, build("s.c", "u32 a$b(void) { return 0; }", &img, &len));
	EXPECT_NE(NULL, strstr(logbuf, "entry point names")) TH_LOG("log: %s", logbuf);

	for (i = 0; i <= KPLUG_MAX_ENTRIES; i++)
		p += sprintf(p, "u32 f%u(void) { return %u; }\n", i, i);
	EXPECT_EQ(-EINVAL, build("s.c", src, &img, &len));
	EXPECT_NE(NULL, strstr(logbuf, "65 entry points, at most 64")) TH_LOG("log: %s", logbuf);
}

TEST(data_and_bss_layout)
{
	const char *src =
		"#include <kplug.h>\n"
		"u32 arr[4] = { 0x11111111, 0x22222222, 0x33333333, 0x44444444 };\n"
		"static u8 zeros[4000];\n"
		"u32 arr_addr(void) { return (u32)arr; }\n"
		"u32 zeros_addr(void) { return (u32)zeros; }\n"
		"u32 arr_at(u32 i) { return arr[i]; }\n"
		"u32 bump(u32 i) { zeros[i] += 1; return zeros[i] + zeros[i + 1]; }\n";
	const struct kplug_image_hdr *h;
	struct kplug_image parts;
	__u32 base, want[4] = { 0x11111111, 0x22222222, 0x33333333, 0x44444444 };
	unsigned int r;
	size_t len;
	void *img;

	NEED_RUN32();

	ASSERT_EQ(0, build("d.c", src, &img, &len)) TH_LOG("log: %s", logbuf);
	h = check_image(img, len, &parts);
	ASSERT_NE(NULL, h) TH_LOG("kplug_image_check: %s", logbuf);
	base = kplug_data_base(h->text_size);
	ASSERT_LE(sizeof(want), h->data_size);
	EXPECT_EQ(0, memcmp(parts.data, want, sizeof(want)));	/* arr is first */
	EXPECT_LE(4000, h->bss_size);

	ASSERT_EQ(0, run32(img, len, "arr_addr", &r, NULL, 0));
	EXPECT_EQ(base, r);
	ASSERT_EQ(0, run32(img, len, "zeros_addr", &r, NULL, 0));
	EXPECT_LE(base + h->data_size, r);
	EXPECT_GE(base + h->data_size + h->bss_size, r + 4000);
	ASSERT_EQ(0, run32(img, len, "arr_at 2", &r, NULL, 0));
	EXPECT_EQ(0x33333333, r);
	ASSERT_EQ(0, run32(img, len, "bump 3999", &r, NULL, 0));
	EXPECT_EQ(1, r);
	free(img);
}

TEST(division_64_pulls_libtcc1)
{
	const char *plain = "u32 f(u32 hi, u32 lo, u32 d) { return hi + lo + d; }\n";
	const char *div =
		"u32 f(u32 hi, u32 lo, u32 d)\n"
		"{\n"
		"\tunsigned long long x = ((unsigned long long)hi << 32) | lo;\n"
		"\treturn (u32)(x / d) ^ (u32)(x % d);\n"
		"}\n";
	size_t olen, len, plain_len;
	void *obj, *img;
	unsigned int r;
	unsigned long long x = (0x12345ull << 32) | 0x6789abcd;

	NEED_RUN32();

	ASSERT_EQ(0, build("p.c", plain, &img, &plain_len));
	free(img);
	ASSERT_EQ(0, compile("div.c", div, &obj, &olen));
	EXPECT_NE(NULL, memmem(obj, olen, "__udivdi3", 10));
	ASSERT_EQ(0, link1("div.c", obj, olen, &img, &len)) TH_LOG("log: %s", logbuf);
	/* libtcc1's member is ~3 KiB of code; the plain plugin has none */
	EXPECT_LT(plain_len + 2000, len);
	ASSERT_EQ(0, run32(img, len, "f 0x12345 0x6789abcd 1000003", &r, NULL, 0));
	EXPECT_EQ((unsigned int)(x / 1000003) ^ (unsigned int)(x % 1000003), r);
	free(img);
	free(obj);
}

TEST(runtime_snprintf)
{
	const char *src =
		"#include <kplug.h>\n"
		"static char out[256];\n"
		"u32 fmt(u32 a, u32 b)\n"
		"{\n"
		"\tsnprintf(out, sizeof(out), \"%d|%i|%u|%x|%X|%s|%c|%p|%%|%05d|%-4d|%4s|%.2s|%lld|%llu|%llx|%hhu|%*d|%08llX|%d\",\n"
		"\t\t (int)a, -5, a, a, b, \"hi\", 'Z', (void *)0x1234, -42, 7, \"ab\", \"xyz\",\n"
		"\t\t (s64)a * -100000000007ll, (u64)b * 3000000000ull, 0xfedcba9876543210ull,\n"
		"\t\t 300, 6, 33, 0x1234567890abull, S32_MIN);\n"
		"\treturn (u32)out;\n"
		"}\n"
		"u32 trunc(u32 n)\n"
		"{\n"
		"\tchar b[8] = \"xxxxxxx\";\n"
		"\tint r = snprintf(b, n, \"%s\", \"hello world\");\n"
		"\tsnprintf(out, sizeof(out), \"%d:%s\", r, b);\n"
		"\treturn (u32)out;\n"
		"}\n";
	char want[256], got[256] = "";
	unsigned int r;
	size_t len;
	void *img;

	NEED_RUN32();

	snprintf(want, sizeof(want), "%d|%i|%u|%x|%X|%s|%c|%p|%%|%05d|%-4d|%4s|%.2s|%lld|%llu|%llx|%hhu|%*d|%08llX|%d",
		 123456, -5, 123456u, 123456u, 0xdeadbeefu, "hi", 'Z', (void *)0x1234,
		 -42, 7, "ab", "xyz", 123456ll * -100000000007ll,
		 0xdeadbeefull * 3000000000ull, 0xfedcba9876543210ull,
		 (unsigned char)300, 6, 33, 0x1234567890abull, -2147483647 - 1);
	ASSERT_EQ(0, build("f.c", src, &img, &len)) TH_LOG("log: %s", logbuf);
	ASSERT_EQ(0, run32(img, len, "fmt 123456 0xdeadbeef", &r, got, sizeof(got)));
	EXPECT_STREQ(want, got);
	ASSERT_EQ(0, run32(img, len, "trunc 5", &r, got, sizeof(got)));
	EXPECT_STREQ("11:hell", got);
	ASSERT_EQ(0, run32(img, len, "trunc 0", &r, got, sizeof(got)));
	EXPECT_STREQ("11:xxxxxxx", got);
	free(img);
}

/* The 200-line plugin as built by tcc and by gcc computes the same. */
TEST(gcc_object_links_and_agrees_with_tcc)
{
	static const char *const calls[] = {
		"put 5 77", "sort_check 42 256", "parse_sum 0", "parse_sum 1",
		"parse_sum 2", "fib_mod 30 1000", "fib_mod 39 0", "checksum 1 2",
		"format 123456 4294967295",
	};
	void *src_buf, *gobj, *gimg, *timg;
	size_t slen, glen, gilen, tilen;
	struct kplug_image tparts, gparts;
	const struct kplug_image_hdr *th, *gh;
	unsigned int i, tr, gr;

	NEED_RUN32();

	src_buf = read_file(PLUGIN_200, &slen);
	ASSERT_NE(NULL, src_buf);
	ASSERT_EQ(0, build("codegen_plugin.c", src_buf, &timg, &tilen)) TH_LOG("log: %s", logbuf);
	gobj = gcc_object(src_buf, GCC_FLAGS, &glen);
	ASSERT_NE(NULL, gobj);
	ASSERT_EQ(0, link1("codegen_plugin.o", gobj, glen, &gimg, &gilen)) TH_LOG("log: %s", logbuf);

	th = check_image(timg, tilen, &tparts);
	ASSERT_NE(NULL, th) TH_LOG("tcc image: %s", logbuf);
	gh = check_image(gimg, gilen, &gparts);
	ASSERT_NE(NULL, gh) TH_LOG("gcc image: %s", logbuf);
	ASSERT_EQ(th->nr_entries, gh->nr_entries);
	for (i = 0; i < th->nr_entries; i++)
		EXPECT_STREQ(tparts.entries[i].name, gparts.entries[i].name);
	for (i = 0; i < ARRAY_SIZE(calls); i++) {
		ASSERT_EQ(0, run32(timg, tilen, calls[i], &tr, NULL, 0));
		ASSERT_EQ(0, run32(gimg, gilen, calls[i], &gr, NULL, 0));
		EXPECT_EQ(tr, gr) TH_LOG("%s", calls[i]);
	}
	ASSERT_EQ(0, run32(gimg, gilen, "fib_mod 30 1000", &gr, NULL, 0));
	EXPECT_EQ(832040 % 1000, gr);
	free(src_buf);
	free(gobj);
	free(gimg);
	free(timg);
}

/*
 * Optimising, clang calls a service thunk (a fixed address) directly,
 * through an R_386_PC32 relocation against symbol 0, the absolute value
 * 0: the call must land on the thunk, with either way of asking for
 * i386.  (At -O0 it calls through a register: no relocation.)
 */
TEST(clang_calls_service_thunks)
{
	static const char *const flags[] = {
		"-m32 -O2", "-m32 -Os", "--target=i386-linux-gnu -O2",
	};
	const char *src = "#include <kplug.h>\nu32 f(void) { return kplug_cpu() + kplug_pid(); }\n";
	unsigned int k;

	for (k = 0; k < ARRAY_SIZE(flags); k++) {
		const __u32 want[] = { KPLUG_RUNTIME_BASE + 16 * KPLUG_SVC_CPU,
					 KPLUG_RUNTIME_BASE + 16 * KPLUG_SVC_PID };
		struct kplug_image parts;
		const unsigned char *t;
		char all[256];
		unsigned int i, found = 0;
		size_t olen, len;
		void *obj, *img;

		snprintf(all, sizeof(all), "%s %s", flags[k], GCC_FLAGS + sizeof("-m32 -O2"));
		obj = cc_object("clang", src, all, &olen);
		ASSERT_NE(NULL, obj) TH_LOG("clang %s", all);
		ASSERT_EQ(0, link1("svc.o", obj, olen, &img, &len)) TH_LOG("%s: %s", all, logbuf);
		ASSERT_NE(NULL, check_image(img, len, &parts)) TH_LOG("%s", logbuf);
		t = parts.text;
		for (i = 0; i + 5 <= parts.hdr->text_size; i++) {
			__u32 rel, to;

			if (t[i] != 0xe8)	/* call rel32 */
				continue;
			memcpy(&rel, t + i + 1, 4);
			to = KPLUG_TEXT_BASE + i + 5 + rel;
			if (to == want[found % 2] || to == want[(found + 1) % 2])
				found++;
		}
		EXPECT_EQ(2, found) TH_LOG("clang %s: calls to the thunks", all);
		free(obj);
		free(img);
	}
}

/*
 * The SDK's string functions, types and atomics (tests/plugins/sdk_check.c:
 * check() returns 0 or the failing line) as 32-bit code, built by tcc
 * and by gcc without optimisation (gcc -O2 folds many calls to constants
 * and would not call the runtime).
 */
TEST(sdk_library_as_32bit_code)
{
	static const char *const levels[] = { "-O0", "-O1" };
	char flags[256], *src, *full;
	size_t slen, olen, len;
	unsigned int k, r;
	void *obj, *img;

	NEED_RUN32();

	src = read_file(SDK_CHECK, &slen);
	ASSERT_NE(NULL, src);
	ASSERT_EQ(0, build("sdk_check.c", src, &img, &len)) TH_LOG("log: %s", logbuf);
	ASSERT_EQ(0, run32(img, len, "check", &r, NULL, 0));
	EXPECT_EQ(0, r) TH_LOG("tcc: check failed at line %u", r);
	free(img);

	full = malloc(slen + 32);
	ASSERT_NE(NULL, full);
	sprintf(full, "#include <kplug.h>\n#line 1\n%s", src);
	for (k = 0; k < ARRAY_SIZE(levels); k++) {
		snprintf(flags, sizeof(flags), "%s %s", GCC_FLAGS, levels[k]);
		obj = gcc_object(full, flags, &olen);
		ASSERT_NE(NULL, obj);
		ASSERT_EQ(0, link1("sdk_check.o", obj, olen, &img, &len)) TH_LOG("log: %s", logbuf);
		ASSERT_EQ(0, run32(img, len, "check", &r, NULL, 0));
		EXPECT_EQ(0, r) TH_LOG("gcc %s: check failed at line %u", levels[k], r);
		free(obj);
		free(img);
	}
	free(full);
	free(src);
}

/* Objects from both compilers link together; duplicates are refused. */
TEST(objects_from_two_compilers)
{
	struct kplug_object o[2];
	void *tobj, *gobj, *img;
	size_t tlen, glen, len;
	unsigned int r;

	NEED_RUN32();

	ASSERT_EQ(0, compile("a.c", "#include <kplug.h>\nu32 twice(u32 x);\nu32 entry_a(u32 x) { return twice(x) + 1; }\n",
			     &tobj, &tlen)) TH_LOG("log: %s", logbuf);
	gobj = gcc_object("#include <kplug.h>\nu32 twice(u32 x) { return 2 * x; }\n",
			  GCC_FLAGS, &glen);
	ASSERT_NE(NULL, gobj);
	o[0] = (struct kplug_object){ "a.c", tobj, tlen };
	o[1] = (struct kplug_object){ "b.o", gobj, glen };
	ASSERT_EQ(0, kplug_codegen_link(o, 2, 0, fresh_log(), &img, &len)) TH_LOG("log: %s", logbuf);
	ASSERT_EQ(0, run32(img, len, "entry_a 20", &r, NULL, 0));
	EXPECT_EQ(41, r);
	free(img);

	o[0] = o[1];
	EXPECT_EQ(-EINVAL, kplug_codegen_link(o, 2, 0, fresh_log(), &img, &len));
	EXPECT_NE(NULL, strstr(logbuf, "symbol 'twice' is already defined in b.o")) TH_LOG("log: %s", logbuf);
	free(tobj);
	free(gobj);
}

static void expect_gcc_rejected(struct __test_metadata *_metadata,
				const char *src, const char *flags,
				const char *msg)
{
	size_t olen, len;
	void *obj, *img;

	obj = gcc_object(src, flags, &olen);
	ASSERT_NE(NULL, obj);
	EXPECT_EQ(-EINVAL, link1("x.o", obj, olen, &img, &len));
	EXPECT_NE(NULL, strstr(logbuf, msg)) TH_LOG("want \"%s\", log: %s", msg, logbuf);
	free(obj);
}

TEST(rejected_objects)
{
	expect_gcc_rejected(_metadata, "int g;\nint f(void) { return g; }\n",
			    "-m32 -O2 -ffreestanding -fpic", "must be built with -fno-pic");
	expect_gcc_rejected(_metadata, "static int n;\n__attribute__((constructor)) static void init(void) { n = 1; }\nint f(void) { return n; }\n",
			    GCC_FLAGS, "constructors and destructors are not supported");
	expect_gcc_rejected(_metadata, "__thread int t;\nint f(void) { return t; }\n",
			    GCC_FLAGS, "thread-local storage");
	expect_gcc_rejected(_metadata, "int printf(const char *, ...);\nint f(void) { return printf(\"x\"); }\n",
			    GCC_FLAGS, "x.o: error: undefined symbol 'printf'");
	expect_gcc_rejected(_metadata, "int f(int *p) { return p[1]; }\n",
			    "-O2 -ffreestanding", "not a 32-bit x86 object");
}

/* Every truncation and many corruptions: rejected or valid, never a crash. */
TEST(corrupt_objects)
{
	void *objs[2], *img, *buf;
	size_t lens[2], len, n, accepted = 0, rejected = 0;
	unsigned int k, i, seed = 1;

	ASSERT_EQ(0, compile("c.c", "#include <kplug.h>\nstatic char b[32];\nu32 x = 5;\nu32 f(u32 a) { return snprintf(b, 32, \"%u\", a) + x + (u32)((u64)a / 3); }\n",
			     &objs[0], &lens[0]));
	objs[1] = gcc_object("#include <kplug.h>\nstatic char b[32];\nu32 x = 5;\nu32 f(u32 a) { return snprintf(b, 32, \"%u\", a) + x + (u32)((u64)a / 3); }\n",
			     GCC_FLAGS " -g", &lens[1]);
	ASSERT_NE(NULL, objs[1]);
	for (k = 0; k < 2; k++) {
		const Elf32_Ehdr *eh = objs[k];

		for (n = 0; n < lens[k]; n++) {
			ASSERT_EQ(-EINVAL, link1("t.o", objs[k], n, &img, &len)) TH_LOG("length %zu", n);
		}
		buf = malloc(lens[k]);
		for (i = 0; i < 4000; i++) {
			unsigned int j, m = 1 + (seed = seed * 1103515245 + 12345) % 4;
			struct kplug_image parts;
			int err;

			memcpy(buf, objs[k], lens[k]);
			for (j = 0; j < m; j++) {
				size_t at;

				seed = seed * 1103515245 + 12345;
				/* half of the hits on the headers, which the reader trusts least */
				if (seed & 0x10000)
					at = eh->e_shoff + (seed >> 17) % (eh->e_shnum * sizeof(Elf32_Shdr));
				else
					at = (seed >> 17) % lens[k];
				((unsigned char *)buf)[at] ^= 1 << ((seed >> 8) & 7);
				if (seed & 0x100)
					((unsigned char *)buf)[at] = seed >> 24;
			}
			err = link1("t.o", buf, lens[k], &img, &len);
			ASSERT_TRUE(err == 0 || err == -EINVAL);
			if (err) {
				rejected++;
				EXPECT_NE(0, logbuf[0]);
				continue;
			}
			accepted++;
			EXPECT_NE(NULL, check_image(img, len, &parts)) TH_LOG("%s", logbuf);
			free(img);
		}
		free(buf);
		free(objs[k]);
	}
	TH_LOG("mutated objects: %zu rejected, %zu linked into valid images", rejected, accepted);
}

/* --- Line tables (codegen/lines.c) --------------------------------------- */

struct line_table {
	const struct kplug_debug_hdr *hdr;
	const struct kplug_debug_sym *sym;
	const struct kplug_debug_line *row;
	unsigned int nr;
	const char *strtab;
};

/*
 * The image's line table, checked as a reader must find it: the footer
 * at the trailer's end, rows inside it and sorted, every row with a line
 * naming a file inside the string table.  0 rows if there is no table.
 */
static int line_table(struct __test_metadata *_metadata, const void *img,
		      size_t len, struct line_table *t)
{
	const struct kplug_debug_lines *foot;
	struct kplug_image parts;
	unsigned int i;

	memset(t, 0, sizeof(*t));
	if (!check_image(img, len, &parts) || !parts.debug)
		return -1;
	t->hdr = (const void *)parts.debug;
	t->sym = (const void *)(t->hdr + 1);
	t->strtab = (const char *)t->hdr + t->hdr->strtab_off;
	foot = (const void *)(parts.debug + parts.debug_size - sizeof(*foot));
	if (parts.debug_size < t->hdr->strtab_off + sizeof(*foot) ||
	    foot->magic != KPLUG_DEBUG_LINES_MAGIC)
		return 0;
	EXPECT_EQ(0, foot->lines_off % 4);
	EXPECT_GE(foot->lines_off, t->hdr->strtab_off);
	EXPECT_EQ(parts.debug_size - sizeof(*foot),
		  foot->lines_off + foot->nr_lines * sizeof(*t->row));
	t->row = (const void *)(parts.debug + foot->lines_off);
	t->nr = foot->nr_lines;
	for (i = 0; i < t->nr; i++) {
		EXPECT_LE(t->row[i].offset, parts.hdr->text_size);
		if (i)
			EXPECT_LT(t->row[i - 1].offset, t->row[i].offset);
		if (t->row[i].line)
			EXPECT_LT(t->hdr->strtab_off + t->row[i].file, foot->lines_off);
	}
	return 0;
}

/* The line of the row that holds at offset off (0: none). */
static __u32 line_at(const struct line_table *t, __u32 off, const char **file)
{
	unsigned int i;
	__u32 line = 0;

	for (i = 0; i < t->nr && t->row[i].offset <= off; i++) {
		line = t->row[i].line;
		*file = t->strtab + t->row[i].file;
	}
	return line;
}

/* The offset of function name in the trailer. */
static __u32 fn_offset(const struct line_table *t, const char *name)
{
	unsigned int i;

	for (i = 0; i < t->hdr->nr_syms; i++)
		if (!strcmp(t->strtab + t->sym[i].name, name))
			return t->sym[i].offset;
	return ~0u;
}

/* Lines 3 and 8 hold the only loads through a pointer argument. */
static const char line_src[] =
	"#include <kplug.h>\n"				/* 1 */
	"static u32 get(u32 *p)\n"			/* 2 */
	"{ return *p\n"					/* 3 */
	"\t+ 1; }\n"					/* 4 */
	"\n"						/* 5 */
	"u32 f(u32 a)\n"				/* 6 */
	"{\n"						/* 7 */
	"\tu32 v = *(volatile u32 *)a;\n"		/* 8 */
	"\n"						/* 9 */
	"\treturn get((u32 *)a) + v;\n"			/* 10 */
	"}\n";						/* 11 */

/*
 * Unoptimised code: rows name the source file (file is part of its name)
 * and only lines 2-11, lines 3 and 8 (the loads) have rows, and f's first
 * instruction belongs to its opening lines.
 */
static void expect_rows(struct __test_metadata *_metadata, const char *what,
			const void *img, size_t len, const char *file)
{
	struct line_table t;
	__u32 f, seen = 0;
	const char *name = NULL;
	unsigned int i;

	ASSERT_EQ(0, line_table(_metadata, img, len, &t)) TH_LOG("%s", what);
	ASSERT_LT(0, t.nr) TH_LOG("%s: no line table", what);
	f = fn_offset(&t, "f");
	ASSERT_NE(~0u, f) TH_LOG("%s", what);
	for (i = 0; i < t.nr; i++) {
		if (!t.row[i].line)
			continue;
		EXPECT_NE(NULL, strstr(t.strtab + t.row[i].file, file))
			TH_LOG("%s: file %s", what, t.strtab + t.row[i].file);
		EXPECT_TRUE(t.row[i].line >= 2 && t.row[i].line <= 11)
			TH_LOG("%s: line %u", what, t.row[i].line);
		seen |= 1u << t.row[i].line;
	}
	EXPECT_TRUE(seen & (1u << 3)) TH_LOG("%s: no row for line 3", what);
	EXPECT_TRUE(seen & (1u << 8)) TH_LOG("%s: no row for line 8", what);
	/* f's first instruction belongs to its opening lines */
	EXPECT_TRUE(line_at(&t, f, &name) >= 6 && line_at(&t, f, &name) <= 8)
		TH_LOG("%s: f starts at line %u", what, line_at(&t, f, &name));
}

TEST(line_table_from_tcc)
{
	struct line_table t;
	const char *file;
	size_t len;
	void *img;

	ASSERT_EQ(0, build("lines.c", line_src, &img, &len)) TH_LOG("%s", logbuf);
	expect_rows(_metadata, "tcc", img, len, "lines.c");
	ASSERT_EQ(0, line_table(_metadata, img, len, &t));
	/* tcc: a function's first row is its "{" line */
	EXPECT_EQ(7, line_at(&t, fn_offset(&t, "f"), &file));
	EXPECT_EQ(3, line_at(&t, fn_offset(&t, "get"), &file));
	free(img);
}

TEST(line_table_from_dwarf)
{
	static const char *const cc[][2] = {
		{ "gcc", "-g -O0" },		/* DWARF 5 */
		{ "gcc", "-g -O2 -ffunction-sections" },
		{ "gcc", "-gdwarf-4 -O1" },
		{ "gcc", "-gdwarf-2 -O0" },
		{ "clang", "-g -O0" },
		{ "clang", "-gdwarf-4 -O2" },
	};
	unsigned int k;

	for (k = 0; k < ARRAY_SIZE(cc); k++) {
		char flags[512], what[64];
		size_t olen, len;
		void *obj, *img;

		snprintf(flags, sizeof(flags), "%s %s", GCC_FLAGS, cc[k][1]);
		snprintf(what, sizeof(what), "%s %s", cc[k][0], cc[k][1]);
		obj = cc_object(cc[k][0], line_src, flags, &olen);
		ASSERT_NE(NULL, obj) TH_LOG("%s", what);
		ASSERT_EQ(0, link1("lines.o", obj, olen, &img, &len)) TH_LOG("%s: %s", what, logbuf);
		if (strstr(cc[k][1], "-O0")) {
			expect_rows(_metadata, what, img, len, "kplug-codegen-");
		} else {
			struct line_table t;

			/* optimised: rows, but which lines survive is the compiler's */
			ASSERT_EQ(0, line_table(_metadata, img, len, &t));
			EXPECT_LT(0, t.nr) TH_LOG("%s", what);
		}
		free(obj);
		free(img);
	}
}

TEST(line_table_absent_or_unreadable)
{
	struct line_table t;
	size_t olen, len;
	unsigned char *obj;
	void *img;
	Elf32_Ehdr eh;
	Elf32_Shdr sh;
	const char *shstr;
	unsigned int i;

	/* no -g: no table */
	obj = gcc_object(line_src, GCC_FLAGS, &olen);
	ASSERT_NE(NULL, obj);
	ASSERT_EQ(0, link1("nog.o", obj, olen, &img, &len)) TH_LOG("%s", logbuf);
	ASSERT_EQ(0, line_table(_metadata, img, len, &t));
	EXPECT_EQ(0, t.nr);
	free(img);
	free(obj);

	/* a .debug_line of version 9: linked, the table left out, said so */
	obj = gcc_object(line_src, GCC_FLAGS " -g", &olen);
	ASSERT_NE(NULL, obj);
	memcpy(&eh, obj, sizeof(eh));
	memcpy(&sh, obj + eh.e_shoff + eh.e_shstrndx * sizeof(sh), sizeof(sh));
	shstr = (const char *)obj + sh.sh_offset;
	for (i = 0; i < eh.e_shnum; i++) {
		memcpy(&sh, obj + eh.e_shoff + i * sizeof(sh), sizeof(sh));
		if (!strcmp(shstr + sh.sh_name, ".debug_line"))
			break;
	}
	ASSERT_LT(i, eh.e_shnum);
	obj[sh.sh_offset + 4] = 9;	/* after unit_length: version */
	ASSERT_EQ(0, link1("v9.o", obj, olen, &img, &len)) TH_LOG("%s", logbuf);
	EXPECT_NE(NULL, strstr(logbuf, "v9.o: warning: .debug_line left out (the version is not 2 to 5)"))
		TH_LOG("%s", logbuf);
	ASSERT_EQ(0, line_table(_metadata, img, len, &t));
	EXPECT_EQ(0, t.nr);
	free(img);
	free(obj);
}

static double now_ms(clockid_t clock)
{
	struct timespec t;

	clock_gettime(clock, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * Not a pass/fail threshold: the figure for the issue's "<= 1 ms".  Wall
 * time, and this thread's CPU time (what the compile costs when the
 * machine is busy with something else).
 */
TEST(compile_time_of_200_lines)
{
	double wall[50], cpu[50], lnk[50];
	struct kplug_object o = { .name = "codegen_plugin.c" };
	size_t slen, olen, ilen, lines = 0;
	void *obj, *img;
	char *src;
	int i;

	src = read_file(PLUGIN_200, &slen);
	ASSERT_NE(NULL, src);
	for (i = 0; src[i]; i++)
		lines += src[i] == '\n';
	for (i = 0; i < 50; i++) {
		double w = now_ms(CLOCK_MONOTONIC);
		double c = now_ms(CLOCK_THREAD_CPUTIME_ID);

		ASSERT_EQ(0, kplug_codegen_compile(o.name, src, NULL, &obj, &olen));
		cpu[i] = now_ms(CLOCK_THREAD_CPUTIME_ID) - c;
		wall[i] = now_ms(CLOCK_MONOTONIC) - w;
		o.data = obj;
		o.len = olen;
		w = now_ms(CLOCK_MONOTONIC);
		ASSERT_EQ(0, kplug_codegen_link(&o, 1, 0, NULL, &img, &ilen));
		lnk[i] = now_ms(CLOCK_MONOTONIC) - w;
		free(obj);
		free(img);
	}
	qsort(wall, 50, sizeof(wall[0]), cmp_double);
	qsort(cpu, 50, sizeof(cpu[0]), cmp_double);
	qsort(lnk, 50, sizeof(lnk[0]), cmp_double);
	TH_LOG("%zu-line plugin, 50 runs: compile median %.3f ms wall (min %.3f, max %.3f), %.3f ms CPU; link median %.3f ms wall",
	       lines, wall[25], wall[0], wall[49], cpu[25], lnk[25]);
	free(src);
}

struct compile_job {
	const char *src;
	const void *want;
	size_t want_len;
	int bad;
};

static void *compile_many(void *arg)
{
	struct compile_job *j = arg;
	int i;

	for (i = 0; i < 20; i++) {
		void *obj;
		size_t len;

		if (kplug_codegen_compile("codegen_plugin.c", j->src, NULL, &obj, &len) ||
		    len != j->want_len || memcmp(obj, j->want, len))
			j->bad++;
		free(obj);
	}
	return NULL;
}

TEST(compile_is_thread_safe)
{
	struct compile_job jobs[4];
	pthread_t t[4];
	size_t slen, len;
	void *want;
	char *src;
	int i;

	src = read_file(PLUGIN_200, &slen);
	ASSERT_NE(NULL, src);
	ASSERT_EQ(0, kplug_codegen_compile("codegen_plugin.c", src, NULL, &want, &len));
	for (i = 0; i < 4; i++) {
		jobs[i] = (struct compile_job){ src, want, len, 0 };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, compile_many, &jobs[i]));
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		EXPECT_EQ(0, jobs[i].bad);
	}
	free(want);
	free(src);
}

TEST_HARNESS_MAIN
