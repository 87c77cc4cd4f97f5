// SPDX-License-Identifier: GPL-2.0
/*
 * kplugctl without a kernel: argument parsing, usage errors, JSON output
 * and the "module not loaded" errors, against build/host/kplugctl, which
 * is built with ASan and UBSan (a sanitizer report fails the test: it
 * exits 86 or 87, codes kplugctl never uses).  The JSON is checked with a
 * real parser (tests/vm/json.h), not grep.  The checks that need
 * /dev/kplug absent skip where the module is loaded.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../uapi/kplug.h"
#include "../vm/json.h"
#include "kselftest_harness.h"

struct run {
	int code;
	char out[65536], err[65536];
	size_t out_len;
};

static char tool[4096];

static void read_all(int fd, char *buf, size_t cap, size_t *len)
{
	ssize_t n;

	*len = 0;
	while (*len < cap - 1 && (n = read(fd, buf + *len, cap - 1 - *len)) > 0)
		*len += n;
	buf[*len] = '\0';
}

/* Run kplugctl with argv (NULL-terminated after argv[0]'s place). */
static void run_argv(struct run *r, char **argv)
{
	int o[2], e[2], status;
	size_t n;
	pid_t pid;

	if (!tool[0]) {
		ssize_t k = readlink("/proc/self/exe", tool, sizeof(tool) - 16);

		tool[k > 0 ? k : 0] = '\0';
		strcpy(strrchr(tool, '/') ?: tool, "/kplugctl");
	}
	argv[0] = tool;
	if (pipe(o) || pipe(e))
		abort();
	pid = fork();
	if (!pid) {
		dup2(o[1], 1);
		dup2(e[1], 2);
		setenv("ASAN_OPTIONS", "exitcode=86:detect_leaks=0", 1);
		setenv("UBSAN_OPTIONS", "halt_on_error=1:exitcode=87:print_stacktrace=1", 1);
		execv(tool, argv);
		_exit(127);
	}
	close(o[1]);
	close(e[1]);
	/* stderr is small; read stdout first, then stderr */
	read_all(o[0], r->out, sizeof(r->out), &r->out_len);
	read_all(e[0], r->err, sizeof(r->err), &n);
	close(o[0]);
	close(e[0]);
	waitpid(pid, &status, 0);
	r->code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if (r->code == 86 || r->code == 87 || r->code > 128)
		fprintf(stderr, "# sanitizer or signal (%d):\n%s\n", r->code, r->err);
}

static void runv(struct run *r, ...)
{
	char *argv[256];
	int n = 1;
	va_list ap;

	va_start(ap, r);
	while (n < 255 && (argv[n] = va_arg(ap, char *)))
		n++;
	va_end(ap);
	argv[n] = NULL;
	run_argv(r, argv);
}

/* The value at path of r's stdout as a JSON document, NULL if invalid. */
static const char *json_at(struct run *r, const char *path)
{
	static char val[4096];
	const char *v, *err;
	size_t len;

	err = json_parse(r->out, r->out_len, path, &v, &len);
	if (err) {
		fprintf(stderr, "# invalid JSON (%s): %s\n", err, r->out);
		return NULL;
	}
	if (!v)
		return "(absent)";
	snprintf(val, sizeof(val), "%.*s", (int)len, v);
	return val;
}

static bool module_absent(void)
{
	return access("/dev/kplug", F_OK);
}

TEST(many_positionals_are_a_usage_error)
{
	static struct run r;
	char *argv[300];
	int i;

	for (i = 1; i < 200; i++)
		argv[i] = "x";
	argv[1] = "create";
	argv[200] = NULL;
	run_argv(&r, argv);
	EXPECT_EQ(2, r.code);
	EXPECT_NE(NULL, strstr(r.err, "too many arguments"));
	argv[1] = "invoke";
	run_argv(&r, argv);
	EXPECT_EQ(2, r.code);
	argv[1] = "build";
	run_argv(&r, argv);
	EXPECT_EQ(2, r.code);
	argv[1] = "hook";
	run_argv(&r, argv);
	EXPECT_EQ(2, r.code);
	argv[1] = "-j";
	argv[2] = "invoke";
	run_argv(&r, argv);
	EXPECT_EQ(2, r.code);
	ASSERT_NE(NULL, json_at(&r, "error"));
}

TEST(version)
{
	static struct run r;

	runv(&r, "--version", NULL);
	EXPECT_EQ(0, r.code);
	EXPECT_EQ(0, strncmp(r.out, "kplugctl ", 9));
	runv(&r, "-j", "--version", NULL);
	EXPECT_EQ(0, r.code);
	ASSERT_NE(NULL, json_at(&r, "version"));
	EXPECT_EQ('"', json_at(&r, "version")[0]);
}

TEST(usage_errors_are_json_with_j)
{
	static struct run r;

	runv(&r, NULL);
	EXPECT_EQ(2, r.code);
	runv(&r, "-j", "frobnicate", NULL);
	EXPECT_EQ(2, r.code);
	EXPECT_NE(NULL, json_at(&r, "error"));
	runv(&r, "list", "--bogus", "-j", NULL);
	EXPECT_EQ(2, r.code);
	EXPECT_NE(NULL, json_at(&r, "hint"));
	/* full names only: --budget is not --budget-ms */
	runv(&r, "create", "a", "b.c", "--budget", "5", NULL);
	EXPECT_EQ(2, r.code);
	runv(&r, "create", "a", "b.c", "--budget-ms", "-5", NULL);
	EXPECT_EQ(2, r.code);
	runv(&r, "create", "a", "b.c", "--budget-ms", NULL);
	EXPECT_EQ(2, r.code);
	EXPECT_NE(NULL, strstr(r.err, "needs a value"));
	runv(&r, "list", "--clear=1", NULL);
	EXPECT_EQ(2, r.code);
	runv(&r, "log", "x", "--clear=1", NULL);
	EXPECT_EQ(2, r.code);
	EXPECT_NE(NULL, strstr(r.err, "takes no value"));
	runv(&r, "-j", "bench", NULL);
	EXPECT_EQ(2, r.code);
	EXPECT_NE(NULL, json_at(&r, "error"));
	runv(&r, "info", NULL);
	EXPECT_EQ(2, r.code);
	/* -j in a cluster of short options, after the error's cause */
	runv(&r, "info", "-jp", NULL);
	EXPECT_EQ(2, r.code);
	EXPECT_NE(NULL, json_at(&r, "error"));
	EXPECT_NE(NULL, strstr(r.out, "{\n  \"error\": "));
	runv(&r, "invoke", "p", "e", "12abc", NULL);
	EXPECT_EQ(2, r.code);
	EXPECT_NE(NULL, strstr(r.err, "not a 32-bit number"));
}

TEST(help_from_the_table)
{
	static struct run r;

	runv(&r, "--help", NULL);
	EXPECT_EQ(0, r.code);
	EXPECT_NE(NULL, strstr(r.out, "kplugctl hook list"));
	runv(&r, "invoke", "--help", NULL);
	EXPECT_EQ(0, r.code);
	EXPECT_NE(NULL, strstr(r.out, "Usage: kplugctl invoke"));
}

/* Too few arguments: the hint names the verb's own --help. */
TEST(too_few_arguments_hint)
{
	static struct run r;

	runv(&r, "invoke", "p", NULL);
	EXPECT_EQ(2, r.code);
	EXPECT_NE(NULL, strstr(r.err, "Error: invoke wants NAME ENTRY"));
	EXPECT_NE(NULL, strstr(r.err, "-- see kplugctl invoke --help"));
}

TEST(out_size_wants_out)
{
	static struct run r;

	runv(&r, "invoke", "p", "e", "--out-size", "64", NULL);
	EXPECT_EQ(2, r.code);
	EXPECT_NE(NULL, strstr(r.err, "--out-size wants --out"));
}

TEST(name_rules)
{
	static struct run r;

	runv(&r, "create", "bad/name", "x.c", NULL);
	EXPECT_EQ(2, r.code);
	EXPECT_NE(NULL, strstr(r.err, "1 to 31 characters"));
	runv(&r, "load", "a_name_of_thirty_two_characters_", "x.kpi", NULL);
	EXPECT_EQ(2, r.code);
	/* a long kprobe symbol passes the name rules (then: no module) */
	runv(&r, "hook", "attach", "kprobe:__x64_sys_clock_nanosleep_x", "p:e", NULL);
	EXPECT_EQ(1, r.code);
	EXPECT_NE(NULL, strstr(r.err, "kplug.ko is not loaded"));
	runv(&r, "hook", "attach", "kprobe:"
	     "a123456789b123456789c123456789d123456789e123456789f123456789"
	     "g123456789h123456789i123456789j123456789k123456789l123456789m", "p:e", NULL);
	EXPECT_EQ(2, r.code);
	EXPECT_NE(NULL, strstr(r.err, "at most 127"));
	runv(&r, "hook", "attach", "kprobe:a/b", "p:e", NULL);
	EXPECT_EQ(2, r.code);
	EXPECT_NE(NULL, strstr(r.err, "is not a hook name"));
}

/* hook show and the three forms of hook detach: what needs no module. */
TEST(hook_detach_forms)
{
	static struct run r;

	runv(&r, "hook", "detach", "0", NULL);
	EXPECT_EQ(2, r.code);
	EXPECT_NE(NULL, strstr(r.err, "wants an attachment id"));
	runv(&r, "hook", "detach", "12abc", NULL);
	EXPECT_EQ(2, r.code);
	runv(&r, "hook", "detach", "sample", "bad/plugin", NULL);
	EXPECT_EQ(2, r.code);
	EXPECT_NE(NULL, strstr(r.err, "invalid plugin name"));
	runv(&r, "hook", "detach", "sample", "p:bad-entry", NULL);
	EXPECT_EQ(2, r.code);
	EXPECT_NE(NULL, strstr(r.err, "not an entry name"));
	runv(&r, "hook", "show", "a", "b", NULL);
	EXPECT_EQ(2, r.code);
	runv(&r, "-j", "hook", "show", NULL);
	EXPECT_EQ(1, r.code);
	EXPECT_NE(NULL, json_at(&r, "error"));
	runv(&r, "hook", "detach", "7", NULL);
	EXPECT_EQ(1, r.code);
	EXPECT_NE(NULL, strstr(r.err, "kplug.ko is not loaded"));
}

/* Paths with quotes, backslashes and bytes that are not UTF-8. */
TEST(json_escapes_paths)
{
	static struct run r;
	char dir[] = "/tmp/kplugctl_cli.XXXXXX", src[128], img[128], bad[128];
	const char *v;
	FILE *f;

	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(src, sizeof(src), "%s/t.c", dir);
	snprintf(img, sizeof(img), "%s/q\"uo\\te\x01.kpi", dir);
	snprintf(bad, sizeof(bad), "%s/n\xff\xfeo\xc0\xaf\xed\xa0\x80.c", dir);
	f = fopen(src, "w");
	ASSERT_NE(NULL, f);
	fputs("u32 f(u32 a)\n{\n\treturn a + 1;\n}\n", f);
	fclose(f);

	runv(&r, "-j", "build", src, "-o", img, NULL);
	EXPECT_EQ(0, r.code);
	v = json_at(&r, "image");
	ASSERT_NE(NULL, v);
	EXPECT_NE(NULL, strstr(v, "q\\\"uo\\\\te\\u0001.kpi"));
	EXPECT_NE(NULL, json_at(&r, "bytes"));
	runv(&r, "--pretty", "build", src, "--output=" "/dev/null", NULL);
	EXPECT_EQ(0, r.code);
	EXPECT_NE(NULL, json_at(&r, "bytes"));
	EXPECT_NE(NULL, strstr(r.out, "\n  \"bytes\": "));

	runv(&r, "-j", "build", bad, "-o", img, NULL);
	EXPECT_EQ(1, r.code);
	v = json_at(&r, "error");
	ASSERT_NE(NULL, v);
	EXPECT_NE(NULL, strstr(v, "n\\ufffd\\ufffdo\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd.c"));

	/* a compile error: the log in the JSON document, valid too */
	f = fopen(src, "w");
	fputs("u32 f(void)\n{\n\treturn \"\xff\"x;\n}\n", f);
	fclose(f);
	runv(&r, "-j", "build", src, "-o", img, NULL);
	EXPECT_EQ(1, r.code);
	EXPECT_NE(NULL, json_at(&r, "log"));
	unlink(src);
	unlink(img);
	rmdir(dir);
}

/* The image's stack_size (bytes) of a build with opt (NULL: none). */
static __u32 built_stack(struct run *r, const char *opt, const char *val)
{
	char dir[] = "/tmp/kplugctl_cli.XXXXXX", src[128], img[128];
	struct kplug_image_hdr h = {};
	FILE *f;
	int fd;

	if (!mkdtemp(dir))
		return ~0u;
	snprintf(src, sizeof(src), "%s/s.c", dir);
	snprintf(img, sizeof(img), "%s/s.kpi", dir);
	f = fopen(src, "w");
	if (f) {
		fputs("u32 f(u32 a)\n{\n\treturn a;\n}\n", f);
		fclose(f);
	}
	if (opt)
		runv(r, "build", src, "-o", img, opt, val, NULL);
	else
		runv(r, "build", src, "-o", img, NULL);
	fd = open(img, O_RDONLY);
	if (fd < 0 || read(fd, &h, sizeof(h)) != sizeof(h))
		h.stack_size = ~0u;
	if (fd >= 0)
		close(fd);
	unlink(src);
	unlink(img);
	rmdir(dir);
	return h.stack_size;
}

/* One name for the stack option; scripts written for --mem-kb still work. */
TEST(stack_kb_and_its_old_name)
{
	static struct run r;

	EXPECT_EQ(0, built_stack(&r, NULL, NULL));
	EXPECT_EQ(0, r.code);
	EXPECT_EQ(8192, built_stack(&r, "--stack-kb", "8"));
	EXPECT_EQ(0, r.code);
	EXPECT_EQ(12288, built_stack(&r, "--mem-kb", "12"));
	EXPECT_EQ(0, r.code);
	runv(&r, "build", "--help", NULL);
	EXPECT_NE(NULL, strstr(r.out, "--stack-kb"));
	EXPECT_EQ(NULL, strstr(r.out, "--mem-kb"));
	runv(&r, "build", "x.c", "-o", "x.kpi", "--stack-kb", "-1", NULL);
	EXPECT_EQ(2, r.code);
	EXPECT_NE(NULL, strstr(r.err, "--stack-kb"));
}

/*
 * run and test need no module and no root.  Where the CPU does not see
 * the process's LDT (a PVM guest) they say so; elsewhere they run
 * (tests/vm/uhost_test.c checks the results in the VM).
 */
TEST(run_and_test_without_the_module)
{
	static const char good[] = "u32 add(u32 a, u32 b) { return a + b; }\n";
	static const char bad[] = "u32 add(u32 a) { return a +; }\n";
	char gpath[] = "/tmp/cli_run_XXXXXX.c", bpath[] = "/tmp/cli_bad_XXXXXX.c";
	int g = mkstemps(gpath, 2), b = mkstemps(bpath, 2);
	static struct run r;

	ASSERT_LE(0, g);
	ASSERT_LE(0, b);
	ASSERT_EQ(sizeof(good) - 1, write(g, good, sizeof(good) - 1));
	ASSERT_EQ(sizeof(bad) - 1, write(b, bad, sizeof(bad) - 1));
	close(g);
	close(b);
	runv(&r, "run", "--help", NULL);
	EXPECT_EQ(0, r.code);
	EXPECT_NE(NULL, strstr(r.out, "isolates bugs, not"));
	runv(&r, "run", gpath, NULL);
	EXPECT_EQ(2, r.code);
	runv(&r, "run", gpath, "add", "two", NULL);	/* before any compile */
	EXPECT_EQ(2, r.code);
	EXPECT_NE(NULL, strstr(r.err, "not a 32-bit number"));
	runv(&r, "run", "/nonexistent.c", "add", NULL);
	EXPECT_EQ(1, r.code);
	EXPECT_NE(NULL, strstr(r.err, "cannot read /nonexistent.c"));
	runv(&r, "run", bpath, "add", "1", NULL);
	EXPECT_EQ(1, r.code);
	EXPECT_NE(NULL, strstr(r.err, ":1: error")) TH_LOG("%s", r.err);
	runv(&r, "run", gpath, "add", "2", "3", NULL);
	if (r.code == 1) {
		EXPECT_NE(NULL, strstr(r.err, "does not see this process's LDT")) TH_LOG("%s", r.err);
		runv(&r, "-j", "test", gpath, NULL);
		EXPECT_EQ(1, r.code);
		EXPECT_NE(NULL, strstr(json_at(&r, "log") ?: "", "LDT"));
	} else {
		EXPECT_EQ(0, r.code);
		EXPECT_STREQ("5\n", r.out);
		runv(&r, "test", gpath, NULL);
		EXPECT_EQ(1, r.code);
		EXPECT_NE(NULL, strstr(r.err, "no test_ entries"));
	}
	unlink(gpath);
	unlink(bpath);
}

TEST(without_the_module)
{
	static struct run r;

	if (!module_absent())
		SKIP(return, "/dev/kplug exists here");
	runv(&r, "list", NULL);
	EXPECT_EQ(1, r.code);
	EXPECT_NE(NULL, strstr(r.err, "kplug.ko is not loaded"));
	runv(&r, "-j", "list", NULL);
	EXPECT_EQ(1, r.code);
	EXPECT_NE(NULL, strstr(json_at(&r, "error") ?: "", "not loaded"));
	runv(&r, "hook", "list", "-j", NULL);
	EXPECT_EQ(1, r.code);
	EXPECT_NE(NULL, strstr(json_at(&r, "error") ?: "", "not loaded"));
	runv(&r, "create", "p", "/nonexistent.c", NULL);
	EXPECT_EQ(1, r.code);
	EXPECT_NE(NULL, strstr(r.err, "not loaded"));
	/* --in=F, "--" and a negative ARG parse: the module is what is missing */
	runv(&r, "invoke", "p", "e", "--in=/etc/hostname", "--", "-5", NULL);
	EXPECT_EQ(1, r.code);
	EXPECT_NE(NULL, strstr(r.err, "not loaded"));
	runv(&r, "invoke", "p", "e", "-1", "0x10", "--out=/tmp/x", "--out-size=8", NULL);
	EXPECT_EQ(1, r.code);
	runv(&r, "hook", "detach", "netfilter:ipv4_local_in", "p:e", NULL);
	EXPECT_EQ(1, r.code);
	EXPECT_NE(NULL, strstr(r.err, "not loaded"));
	runv(&r, "version", NULL);
	EXPECT_EQ(1, r.code);
	EXPECT_NE(NULL, strstr(r.err, "not loaded"));
	runv(&r, "-j", "feature", NULL);
	EXPECT_EQ(1, r.code);
	EXPECT_NE(NULL, strstr(json_at(&r, "error") ?: "", "not loaded"));
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
}

/* kplugctl apply checks every file before it touches the module. */
TEST(apply_config_errors)
{
	static struct run r;
	char dir[] = "/tmp/kplug-apply-XXXXXX", a[64], b[64];

	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(a, sizeof(a), "%s/10-a.conf", dir);
	snprintf(b, sizeof(b), "%s/20-b.conf", dir);
	write_text(a, "# fine\nplugin one\nsource one.c\nattach kprobe:getname count\n");
	write_text(b, "plugin one\nplugin two\nimage two.kpi\nstack-kb 8\nbudget-ms x\n"
		      "attach h\nattach h e\nattach h e\nfrob 1\nplugin bad/name\n"
		      "plugin three\n");
	runv(&r, "apply", dir, NULL);
	EXPECT_EQ(2, r.code);
	EXPECT_NE(NULL, strstr(r.err, "20-b.conf:1: plugin one is already defined at"));
	EXPECT_NE(NULL, strstr(r.err, "20-b.conf:5: budget-ms wants a number"));
	EXPECT_NE(NULL, strstr(r.err, "20-b.conf:6: attach wants 2 values, not 1"));
	EXPECT_NE(NULL, strstr(r.err, "20-b.conf:8: e is attached to h already (line 7)"));
	EXPECT_NE(NULL, strstr(r.err, "20-b.conf:9: unknown key 'frob'"));
	EXPECT_NE(NULL, strstr(r.err, "20-b.conf:10: invalid plugin name 'bad/name'"));
	EXPECT_NE(NULL, strstr(r.err, "20-b.conf:11: plugin three has neither source nor image"));
	EXPECT_NE(NULL, strstr(r.err, "20-b.conf:2: plugin two: stack-kb is for source"));
	EXPECT_EQ(NULL, strstr(r.err, "not loaded")) TH_LOG("checked before the module");
	runv(&r, "-j", "apply", b, NULL);
	EXPECT_EQ(2, r.code);
	EXPECT_STREQ("\"plugin two: stack-kb is for source; an image carries its stack size\"",
		     json_at(&r, "errors.6.error") ?: "");
	runv(&r, "apply", "/nonexistent", NULL);
	EXPECT_EQ(2, r.code);
	EXPECT_NE(NULL, strstr(r.err, "Error: /nonexistent: No such file"));
	if (module_absent()) {	/* a good config: only the module is missing */
		runv(&r, "apply", a, NULL);
		EXPECT_EQ(1, r.code);
		EXPECT_NE(NULL, strstr(r.err, "not loaded"));
	}
	unlink(a);
	unlink(b);
	rmdir(dir);
}

/* dump of an image file: its functions (static ones too), objdump's
 * disassembly with a line where each starts and file:line lines. */
TEST(dump_image_file)
{
	static struct run r;
	char dir[] = "/tmp/kplugctl_dump.XXXXXX", src[128], img[128], want[256];
	FILE *f;

	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(src, sizeof(src), "%s/t.c", dir);
	snprintf(img, sizeof(img), "%s/t.kpi", dir);
	f = fopen(src, "w");
	ASSERT_NE(NULL, f);
	fputs("static u32 twice(u32 a)\n{\n\treturn 2 * a;\n}\n"
	      "u32 f(u32 a)\n{\n\treturn twice(a) + 1;\n}\n", f);
	fclose(f);
	runv(&r, "build", src, "-o", img, NULL);
	ASSERT_EQ(0, r.code);
	runv(&r, "-j", "dump", img, NULL);
	EXPECT_EQ(0, r.code);
	EXPECT_STREQ("\"twice\"", json_at(&r, "functions.0.name"));
	EXPECT_STREQ("69632", json_at(&r, "functions.0.address"));
	EXPECT_STREQ("\"f\"", json_at(&r, "functions.1.name"));
	EXPECT_STREQ("69632", json_at(&r, "lines.0.address"));
	EXPECT_STREQ("2", json_at(&r, "lines.0.line"));	/* twice's "{" */
	snprintf(want, sizeof(want), "\"%s\"", src);
	EXPECT_STREQ(want, json_at(&r, "lines.0.file"));
	runv(&r, "dump", img, NULL);
	EXPECT_EQ(0, r.code) TH_LOG("%s", r.err);
	snprintf(want, sizeof(want), "00011000 <twice>:\n%s:2\n   11000:\t", src);
	EXPECT_NE(NULL, strstr(r.out, want)) TH_LOG("%s", r.out);
	snprintf(want, sizeof(want), "\n%s:7\n", src);
	EXPECT_NE(NULL, strstr(r.out, want));
	EXPECT_NE(NULL, strstr(r.out, " <f>:\n"));
	EXPECT_NE(NULL, strstr(r.out, "call   0x11000"));
	runv(&r, "dump", src, NULL);	/* not an image */
	EXPECT_EQ(1, r.code);
	EXPECT_NE(NULL, strstr(r.err, "is not a kplug image"));
}

TEST_HARNESS_MAIN
