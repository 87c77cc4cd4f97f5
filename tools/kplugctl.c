// SPDX-License-Identifier: GPL-2.0
/*
 * kplugctl: manage kplug plugins from the shell.  `kplugctl VERB ...`;
 * the verbs, their usage and help text live in one table (verbs[]) from
 * which --help is printed.  -j prints JSON (errors too).
 *
 * Exit codes: 0 success, 1 the operation failed, 2 usage error,
 * 3 the plugin faulted, 4 the plugin ran past its CPU budget.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../libkplug/kplug.h"

enum { EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_FAULT = 3, EXIT_BUDGET = 4 };

static int json;

/* --- output: one small JSON writer, or text ------------------------------ */

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static int error(int code, const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int error(int code, const char *hint, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (json) {
		printf("{\"error\":");
		json_str(msg);
		if (hint) {
			printf(",\"hint\":");
			json_str(hint);
		}
		printf("}\n");
	} else {
		fprintf(stderr, "Error: %s%s%s\n", msg, hint ? " -- " : "",
			hint ? hint : "");
	}
	return code;
}

static const char *hint_for(int err)
{
	switch (-err) {
	case ENOENT:
		return "is kplug.ko loaded? `kplugctl list` shows the plugins";
	case EACCES:
	case EPERM:
		return "kplug needs root";
	case EEXIST:
		return "pick another name or `kplugctl remove` the old plugin";
	}
	return NULL;
}

/* --- argument helpers ----------------------------------------------------- */

static int parse_u32(const char *s, __u32 *v)
{
	char *end;
	long long x;

	errno = 0;
	x = strtoll(s, &end, 0);
	if (errno || !*s || *end || x < -0x80000000ll || x > 0xffffffffll)
		return -1;
	*v = (__u32)x;
	return 0;
}

static void *read_file(const char *path, size_t *len)
{
	struct stat st;
	char *buf;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) || st.st_size > (1 << 30)) {
		close(fd);
		errno = EFBIG;
		return NULL;
	}
	buf = malloc(st.st_size + 1);
	if (buf && read(fd, buf, st.st_size) != st.st_size) {
		free(buf);
		buf = NULL;
		errno = EIO;
	}
	close(fd);
	if (buf) {
		buf[st.st_size] = '\0';
		*len = st.st_size;
	}
	return buf;
}

static int write_file(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");
	int ok;

	if (!f)
		return -1;
	ok = fwrite(buf, 1, len, f) == len;
	return fclose(f) || !ok ? -1 : 0;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* Options a verb accepts; each takes a value. */
struct opts {
	__u32 budget_ms, mem_kb, out_size;
	const char *in, *out, *output;
};

/*
 * Split argv into positionals and --options allowed by `allowed` (a
 * space-separated list).  Returns the number of positionals or -1.
 */
static int parse(int argc, char **argv, const char *allowed, char **pos,
		 struct opts *o)
{
	int i, n = 0;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i], *val;
		char key[32];

		if (a[0] != '-' || (a[1] >= '0' && a[1] <= '9') || !a[1]) {
			pos[n++] = argv[i];
			continue;
		}
		snprintf(key, sizeof(key), " %s ", a);
		{
			char list[256];

			snprintf(list, sizeof(list), " %s ", allowed);
			if (!strstr(list, key))
				return error(-1, "see --help", "unknown option '%s'", a), -1;
		}
		if (++i >= argc)
			return error(-1, NULL, "option '%s' needs a value", a), -1;
		val = argv[i];
		if (!strcmp(a, "--in"))
			o->in = val;
		else if (!strcmp(a, "--out"))
			o->out = val;
		else if (!strcmp(a, "-o"))
			o->output = val;
		else if (parse_u32(val, !strcmp(a, "--budget-ms") ? &o->budget_ms :
				   !strcmp(a, "--mem-kb") ? &o->mem_kb : &o->out_size))
			return error(-1, NULL, "option '%s' wants a number, not '%s'", a, val), -1;
	}
	return n;
}

/* Print the loader/compiler log, if any, to stderr (or into JSON). */
static int failed_with_log(int err, const char *what, const char *log)
{
	if (json) {
		printf("{\"error\":");
		json_str(kplug_strerror(err));
		printf(",\"log\":");
		json_str(log);
		printf("}\n");
		return EXIT_FAILED;
	}
	if (*log)
		fputs(log, stderr);
	return error(EXIT_FAILED, hint_for(err), "%s: %s", what, kplug_strerror(err));
}

/* --- verbs ------------------------------------------------------------------ */

static char log_buf[64 * 1024];

static int verb_create(int argc, char **argv)
{
	struct opts o = {};
	char *pos[8];
	size_t len;
	char *src;
	void *image;
	struct kplug *p;
	int n = parse(argc, argv, "--budget-ms --mem-kb", pos, &o), err;
	KPLUG_OPTS(opts, .log_buf = log_buf, .log_size = sizeof(log_buf));

	if (n != 2)
		return n < 0 ? EXIT_USAGE : error(EXIT_USAGE, "see --help", "create wants NAME FILE.c");
	src = read_file(pos[1], &len);
	if (!src)
		return error(EXIT_FAILED, NULL, "cannot read %s: %s", pos[1], strerror(errno));
	opts.budget_ms = o.budget_ms;
	opts.stack_kb = o.mem_kb;
	/* build, then load: messages name the user's file, not NAME.c */
	err = kplug_build(pos[1], src, &opts, &image, &len);
	free(src);
	if (err)
		return failed_with_log(err, "create", log_buf);
	p = kplug_create_image(pos[0], image, len, &opts);
	free(image);
	if (!p)
		return failed_with_log(-errno, "create", log_buf);
	if (json)
		printf("{\"name\":\"%s\",\"id\":%u}\n", kplug_name(p), kplug_id(p));
	else
		printf("created %s (id %u)\n", kplug_name(p), kplug_id(p));
	kplug_close(p);
	return 0;
}

static int verb_build(int argc, char **argv)
{
	struct opts o = {};
	char *pos[32];
	const void *objs[32];
	size_t lens[32];
	void *image = NULL;
	size_t len;
	int n = parse(argc, argv, "-o --mem-kb", pos, &o), i, err;
	KPLUG_OPTS(opts, .log_buf = log_buf, .log_size = sizeof(log_buf));

	if (n < 1 || !o.output)
		return n < 0 ? EXIT_USAGE :
		       error(EXIT_USAGE, "see --help", "build wants FILE.c or FILE.o... and -o FILE.kpi");
	opts.stack_kb = o.mem_kb;
	for (i = 0; i < n; i++) {
		objs[i] = read_file(pos[i], &lens[i]);
		if (!objs[i])
			return error(EXIT_FAILED, NULL, "cannot read %s: %s", pos[i], strerror(errno));
	}
	if (n == 1 && ends_with(pos[0], ".c"))
		err = kplug_build(pos[0], objs[0], &opts, &image, &len);
	else
		err = kplug_link(objs, lens, n, &opts, &image, &len);
	for (i = 0; i < n; i++)
		free((void *)objs[i]);
	if (err)
		return failed_with_log(err, "build", log_buf);
	if (write_file(o.output, image, len)) {
		free(image);
		return error(EXIT_FAILED, NULL, "cannot write %s: %s", o.output, strerror(errno));
	}
	free(image);
	if (json)
		printf("{\"image\":\"%s\",\"bytes\":%zu}\n", o.output, len);
	else
		printf("wrote %s (%zu bytes)\n", o.output, len);
	return 0;
}

static int verb_load(int argc, char **argv)
{
	struct opts o = {};
	char *pos[8];
	size_t len;
	void *image;
	struct kplug *p;
	int n = parse(argc, argv, "--budget-ms", pos, &o);
	KPLUG_OPTS(opts, .log_buf = log_buf, .log_size = sizeof(log_buf));

	if (n != 2)
		return n < 0 ? EXIT_USAGE : error(EXIT_USAGE, "see --help", "load wants NAME FILE.kpi");
	image = read_file(pos[1], &len);
	if (!image)
		return error(EXIT_FAILED, NULL, "cannot read %s: %s", pos[1], strerror(errno));
	opts.budget_ms = o.budget_ms;
	p = kplug_create_image(pos[0], image, len, &opts);
	free(image);
	if (!p)
		return failed_with_log(-errno, "load", log_buf);
	if (json)
		printf("{\"name\":\"%s\",\"id\":%u}\n", kplug_name(p), kplug_id(p));
	else
		printf("loaded %s (id %u)\n", kplug_name(p), kplug_id(p));
	kplug_close(p);
	return 0;
}

static int verb_invoke(int argc, char **argv)
{
	struct opts o = { .out_size = 4096 };
	char *pos[16];
	__u32 args[KPLUG_MAX_ARGS], result = 0;
	void *in = NULL, *out = NULL;
	size_t in_len = 0, out_len = 0;
	struct kplug *p;
	int n = parse(argc, argv, "--in --out --out-size", pos, &o), i, err;

	if (n < 2 || n > 2 + KPLUG_MAX_ARGS)
		return n < 0 ? EXIT_USAGE :
		       error(EXIT_USAGE, "see --help", "invoke wants NAME ENTRY and up to %d ARGs", KPLUG_MAX_ARGS);
	for (i = 2; i < n; i++)
		if (parse_u32(pos[i], &args[i - 2]))
			return error(EXIT_USAGE, NULL, "ARG '%s' is not a 32-bit number", pos[i]);
	in = o.in ? read_file(o.in, &in_len) : NULL;
	if (o.in && !in)
		return error(EXIT_FAILED, NULL, "cannot read %s: %s", o.in, strerror(errno));
	if (o.out) {
		out_len = o.out_size;
		out = calloc(1, out_len ?: 1);
	}
	p = kplug_open(pos[0]);
	if (!p) {
		err = -errno;
		free(in);
		free(out);
		return error(EXIT_FAILED, hint_for(err), "plugin %s: %s", pos[0], kplug_strerror(err));
	}
	err = kplug_invoke(p, pos[1], args, n - 2, in, in_len, out, out_len, &result);
	kplug_close(p);
	free(in);
	if (err == -EIO) {
		const struct kplug_fault *f = kplug_last_fault();

		free(out);
		if (json) {
			printf("{\"fault\":{\"kind\":\"%s\",\"vector\":%u,\"error_code\":%u,\"eip\":%u,\"cr2\":%u}}\n",
			       kplug_fault_kind_str(f->kind), f->vector, f->error_code, f->eip, f->cr2);
		} else {
			fprintf(stderr, "Error: %s faulted: %s (vector %u, error code %#x, eip %#x, cr2 %#x)\n",
				pos[0], kplug_fault_kind_str(f->kind), f->vector, f->error_code, f->eip, f->cr2);
		}
		return EXIT_FAULT;
	}
	if (err) {
		free(out);
		return error(err == -ETIME ? EXIT_BUDGET : EXIT_FAILED,
			     err == -ENOENT ? "`kplugctl info NAME` lists the entries" : hint_for(err),
			     "invoke %s %s: %s", pos[0], pos[1], kplug_strerror(err));
	}
	if (out && write_file(o.out, out, out_len)) {
		free(out);
		return error(EXIT_FAILED, NULL, "cannot write %s: %s", o.out, strerror(errno));
	}
	free(out);
	if (json)
		printf("{\"result\":%u}\n", result);
	else
		printf("%u\n", result);
	return 0;
}

static void print_info(const struct kplug_info_args *a, const struct kplug_image_entry *e,
		       int first)
{
	__u32 i;

	if (json) {
		printf("%s{\"id\":%u,\"name\":", first ? "" : ",", a->id);
		json_str(a->name);
		printf(",\"entries\":[");
		for (i = 0; e && i < a->nr_entries && i < KPLUG_MAX_ENTRIES; i++) {
			printf("%s{\"name\":", i ? "," : "");
			json_str(e[i].name);
			printf(",\"offset\":%u}", e[i].offset);
		}
		printf("],\"invocations\":%llu,\"faults\":%llu,\"timeouts\":%llu,"
		       "\"budget_ms\":%u,\"stack_size\":%u,\"mem_bytes\":%llu",
		       (unsigned long long)a->invocations, (unsigned long long)a->faults,
		       (unsigned long long)a->timeouts, a->budget_ms, a->stack_size,
		       (unsigned long long)a->mem_bytes);
		if (a->faults)
			printf(",\"last_fault\":{\"kind\":\"%s\",\"vector\":%u,\"error_code\":%u,\"eip\":%u,\"cr2\":%u}",
			       kplug_fault_kind_str(a->last_fault.kind), a->last_fault.vector,
			       a->last_fault.error_code, a->last_fault.eip, a->last_fault.cr2);
		printf("}");
		return;
	}
	if (!e) {
		printf("%-5u %-31s %10llu calls %6llu faults %6llu timeouts\n", a->id, a->name,
		       (unsigned long long)a->invocations, (unsigned long long)a->faults,
		       (unsigned long long)a->timeouts);
		return;
	}
	printf("name:        %s\nid:          %u\nentries:    ", a->name, a->id);
	for (i = 0; i < a->nr_entries && i < KPLUG_MAX_ENTRIES; i++)
		printf(" %s", e[i].name);
	printf("\ninvocations: %llu\nfaults:      %llu\ntimeouts:    %llu\n",
	       (unsigned long long)a->invocations, (unsigned long long)a->faults,
	       (unsigned long long)a->timeouts);
	if (a->budget_ms)
		printf("budget:      %u ms\n", a->budget_ms);
	else
		printf("budget:      module default\n");
	printf("stack:       %u bytes per slot\nmemory:      %llu bytes\n", a->stack_size,
	       (unsigned long long)a->mem_bytes);
	if (a->faults)
		printf("last fault:  %s (vector %u, error code %#x, eip %#x, cr2 %#x)\n",
		       kplug_fault_kind_str(a->last_fault.kind), a->last_fault.vector,
		       a->last_fault.error_code, a->last_fault.eip, a->last_fault.cr2);
}

static int verb_list(int argc, char **argv)
{
	struct kplug_info_args a;
	struct opts o = {};
	char *pos[4];
	__u32 id = 0;
	int n = parse(argc, argv, "", pos, &o), first = 1, err;

	if (n != 0)
		return n < 0 ? EXIT_USAGE : error(EXIT_USAGE, "see --help", "list takes no arguments");
	if (json)
		printf("[");
	while (!(err = kplug_info_next(id, &a))) {
		print_info(&a, NULL, first);
		first = 0;
		id = a.id;
	}
	if (json)
		printf("]\n");
	if (err != -ENOENT)
		return error(EXIT_FAILED, hint_for(err), "list: %s", kplug_strerror(err));
	return 0;
}

static int verb_info(int argc, char **argv)
{
	struct kplug_image_entry e[KPLUG_MAX_ENTRIES];
	struct kplug_info_args a;
	struct opts o = {};
	struct kplug *p;
	char *pos[4];
	int n = parse(argc, argv, "", pos, &o), err;

	if (n != 1)
		return n < 0 ? EXIT_USAGE : error(EXIT_USAGE, "see --help", "info wants NAME");
	p = kplug_open(pos[0]);
	if (!p)
		return error(EXIT_FAILED, hint_for(-errno), "plugin %s: %s", pos[0], kplug_strerror(-errno));
	memset(&a, 0, sizeof(a));
	memset(e, 0, sizeof(e));
	a.entries = (unsigned long)e;
	a.entries_cap = KPLUG_MAX_ENTRIES;
	err = kplug_info(p, &a);
	kplug_close(p);
	if (err)
		return error(EXIT_FAILED, hint_for(err), "info %s: %s", pos[0], kplug_strerror(err));
	print_info(&a, e, 1);
	if (json)
		printf("\n");
	return 0;
}

static int verb_log(int argc, char **argv)
{
	static char buf[KPLUG_LOG_SIZE];
	struct opts o = {};
	struct kplug *p;
	char *pos[4];
	__u64 dropped = 0;
	int n, len, clear = 0, i;

	for (i = 0; i < argc; i++)	/* the one flag without a value */
		if (!strcmp(argv[i], "--clear")) {
			clear = 1;
			memmove(&argv[i], &argv[i + 1], (argc - i) * sizeof(*argv));
			argc--;
			i--;
		}
	n = parse(argc, argv, "", pos, &o);
	if (n != 1)
		return n < 0 ? EXIT_USAGE : error(EXIT_USAGE, "see --help", "log wants NAME");
	p = kplug_open(pos[0]);
	if (!p)
		return error(EXIT_FAILED, hint_for(-errno), "plugin %s: %s", pos[0], kplug_strerror(-errno));
	len = kplug_read_log(p, buf, sizeof(buf), clear, &dropped);
	kplug_close(p);
	if (len < 0)
		return error(EXIT_FAILED, hint_for(len), "log %s: %s", pos[0], kplug_strerror(len));
	if (json) {
		buf[len] = '\0';
		printf("{\"log\":");
		json_str(buf);
		printf(",\"dropped\":%llu}\n", (unsigned long long)dropped);
		return 0;
	}
	fwrite(buf, 1, len, stdout);
	if (dropped)
		fprintf(stderr, "(%llu lines dropped by the rate limit)\n",
			(unsigned long long)dropped);
	return 0;
}

static int verb_remove(int argc, char **argv)
{
	struct opts o = {};
	struct kplug *p;
	char *pos[4];
	int n = parse(argc, argv, "", pos, &o), err;

	if (n != 1)
		return n < 0 ? EXIT_USAGE : error(EXIT_USAGE, "see --help", "remove wants NAME");
	p = kplug_open(pos[0]);
	if (!p)
		return error(EXIT_FAILED, hint_for(-errno), "plugin %s: %s", pos[0], kplug_strerror(-errno));
	err = kplug_remove(p);
	if (err)
		return error(EXIT_FAILED, hint_for(err), "remove %s: %s", pos[0], kplug_strerror(err));
	if (json)
		printf("{\"removed\":\"%s\"}\n", pos[0]);
	else
		printf("removed %s\n", pos[0]);
	return 0;
}

static int hook_list(void)
{
	struct kplug_hook_args a;
	unsigned int i;
	int err;

	if (json)
		printf("[");
	for (i = 0; !(err = kplug_hook_info(i, &a)); i++) {
		const char *combine = a.combine == KPLUG_HOOK_LAST ? "last" :
				      "first-nonzero";

		if (json) {
			printf("%s{\"name\":", i ? "," : "");
			json_str(a.name);
			printf(",\"context\":");
			json_str(a.context_desc);
			printf(",\"args\":");
			json_str(a.args_desc);
			printf(",\"combine\":\"%s\",\"default\":%u,\"attached\":%u,\"suspended\":%u,\"calls\":%llu,\"missed\":%llu}",
			       combine, a.default_result, a.nr_attached, a.nr_suspended,
			       (unsigned long long)a.calls, (unsigned long long)a.missed);
		} else {
			printf("%-26s attached %-2u calls %-8llu missed %-6llu %s, default %u\n"
			       "    context: %s\n    args:    %s\n", a.name,
			       a.nr_attached, (unsigned long long)a.calls,
			       (unsigned long long)a.missed, combine,
			       a.default_result, a.context_desc, a.args_desc);
			if (a.nr_suspended)
				printf("    suspended: %u (overran in atomic context; detach and attach again)\n",
				       a.nr_suspended);
		}
	}
	if (json)
		printf("]\n");
	if (err != -ENOENT)
		return error(EXIT_FAILED, hint_for(err), "hook list: %s", kplug_strerror(err));
	return 0;
}

/* hook attach|detach HOOK PLUGIN:ENTRY */
static int hook_change(int attach, const char *hook, char *target)
{
	const char *what = attach ? "attach" : "detach";
	char *entry = strchr(target, ':');
	struct kplug *p;
	int err;

	if (!entry || entry == target || !entry[1])
		return error(EXIT_USAGE, "see --help", "hook %s wants PLUGIN:ENTRY, not '%s'",
			     what, target);
	*entry++ = '\0';
	p = kplug_open(target);
	if (!p)
		return error(EXIT_FAILED, hint_for(-errno), "plugin %s: %s", target,
			     kplug_strerror(-errno));
	err = attach ? kplug_attach(p, hook, entry) : kplug_detach(p, hook, entry);
	kplug_close(p);
	if (err == -ENOENT)
		return error(EXIT_FAILED, "`kplugctl hook list` shows the hooks, `kplugctl info` the entries",
			     "hook %s %s %s:%s: no such hook or entry%s", what, hook,
			     target, entry, attach ? "" : ", or not attached");
	if (err == -EEXIST)
		return error(EXIT_FAILED, NULL, "hook attach %s %s:%s: attached already",
			     hook, target, entry);
	if (err == -EOPNOTSUPP)
		return error(EXIT_FAILED, "plugins run only where interrupts are on (docs/hooks.md)",
			     "hook attach %s %s:%s: the hook is called with interrupts off, where nothing could bound a plugin's CPU time",
			     hook, target, entry);
	if (err == -EINVAL && !strncmp(hook, "kprobe:", 7))
		return error(EXIT_FAILED, "kprobes refuse some functions (blacklist, notrace, kplug's own)",
			     "hook attach %s %s:%s: this function cannot be probed", hook,
			     target, entry);
	if (err)
		return error(EXIT_FAILED, hint_for(err), "hook %s %s %s:%s: %s", what,
			     hook, target, entry, kplug_strerror(err));
	if (json)
		printf("{\"%s\":\"%s\",\"hook\":\"%s\",\"entry\":\"%s\"}\n",
		       attach ? "attached" : "detached", target, hook, entry);
	else
		printf("%s %s:%s %s %s\n", attach ? "attached" : "detached", target,
		       entry, attach ? "to" : "from", hook);
	return 0;
}

static int verb_hook(int argc, char **argv)
{
	struct opts o = {};
	char *pos[4];
	int n = argc <= 4 ? parse(argc, argv, "", pos, &o) : 0;

	if (n < 0)
		return EXIT_USAGE;
	if (n == 1 && !strcmp(pos[0], "list"))
		return hook_list();
	if (n == 3 && !strcmp(pos[0], "attach"))
		return hook_change(1, pos[1], pos[2]);
	if (n == 3 && !strcmp(pos[0], "detach"))
		return hook_change(0, pos[1], pos[2]);
	return error(EXIT_USAGE, "see --help",
		     "hook wants list, attach HOOK PLUGIN:ENTRY or detach HOOK PLUGIN:ENTRY");
}

/*
 * The benchmark runner is its own program (bench/, kplug_bench): look for
 * it next to kplugctl, in ../tests/ of the build tree, then on PATH.
 */
static int verb_bench(int argc, char **argv)
{
	char self[4096], path[4200], *slash, **args;
	static const char *const rel[] = { "/kplug_bench", "/../tests/kplug_bench" };
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	unsigned int i;

	args = calloc(argc + 3, sizeof(*args));
	if (!args)
		return error(EXIT_FAILED, NULL, "out of memory");
	args[0] = "kplug_bench";
	args[1] = "--suite";
	memcpy(&args[2], argv, argc * sizeof(*argv));
	if (n > 0) {
		self[n] = 0;
		slash = strrchr(self, '/');
		if (slash)
			*slash = 0;
		for (i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
			snprintf(path, sizeof(path), "%s%s", self, rel[i]);
			if (!access(path, X_OK))
				execv(path, args);
		}
	}
	execvp(args[0], args);
	return error(EXIT_FAILED, "build it with make (build/tests/kplug_bench)",
		     "cannot run kplug_bench: %s", strerror(errno));
}

static const struct verb {
	const char *name, *usage, *help;
	int (*fn)(int argc, char **argv);
} verbs[] = {
	{ "create", "NAME FILE.c [--budget-ms N] [--mem-kb N]",
	  "Compile FILE.c and load it as plugin NAME. --budget-ms: default CPU budget\n"
	  "of each call; --mem-kb: stack per slot in KiB (default 16).", verb_create },
	{ "build", "FILE.c|FILE.o... -o FILE.kpi [--mem-kb N]",
	  "Compile C (or link ELF32 objects from any compiler: gcc -m32 -O2\n"
	  "-ffreestanding -fno-pic -c) into a kplug image without loading it.", verb_build },
	{ "load", "NAME FILE.kpi [--budget-ms N]",
	  "Load an image built by `kplugctl build` as plugin NAME.", verb_load },
	{ "invoke", "NAME ENTRY [ARG...] [--in FILE] [--out FILE] [--out-size N]",
	  "Call ENTRY of plugin NAME with up to 6 32-bit ARGs; print its result.\n"
	  "--in: bytes passed as the in buffer; --out: write the out buffer\n"
	  "(--out-size bytes, default 4096) to FILE.", verb_invoke },
	{ "list", "", "List the loaded plugins with their call counters.", verb_list },
	{ "info", "NAME", "Show a plugin: entries, counters, budget, memory, last fault.", verb_info },
	{ "log", "NAME [--clear]",
	  "Print the plugin's log: the lines it wrote with kplug_log()/kplug_printf()\n"
	  "(newest 16 KiB; at most 100 lines a second). --clear empties it.", verb_log },
	{ "remove", "NAME", "Remove plugin NAME (calls in flight finish first).", verb_remove },
	{ "hook", "list | attach HOOK PLUGIN:ENTRY | detach HOOK PLUGIN:ENTRY",
	  "Hook points: netfilter:ipv4_pre_routing and netfilter:ipv4_local_in (a\n"
	  "non-zero result drops the packet), kprobe:SYMBOL (made on attach, the\n"
	  "entry of kernel function SYMBOL), and those kernel modules register.\n"
	  "list: each hook with its context, arguments, how results combine,\n"
	  "attached plugins, calls and missed calls (interrupts were off). attach:\n"
	  "run ENTRY of PLUGIN whenever HOOK is called (after those attached\n"
	  "before); detach undoes it.", verb_hook },
	{ "bench", "[--only PART...] [--scale SECONDS] [--records]",
	  "Run the benchmark suite (kplug_bench; docs/performance.md) and print one\n"
	  "table: transfer latency user and kernel (needs kplug_bench.ko) to a null\n"
	  "plugin, state switches, eBPF baseline, creation, workloads. Under QEMU\n"
	  "-icount figures are instructions (emulated); on bare metal, ns and TSC\n"
	  "cycles. --only: transfer kernel ebpf create workload; --scale: calls/s\n"
	  "with one thread per CPU; --records: machine-readable lines.", verb_bench },
};

#define NR_VERBS (sizeof(verbs) / sizeof(verbs[0]))

static void usage(FILE *f)
{
	unsigned int i;

	fprintf(f, "Usage: kplugctl [-j] VERB [ARGS]   (kplugctl VERB --help for one verb)\n\n");
	for (i = 0; i < NR_VERBS; i++)
		fprintf(f, "  kplugctl %s %s\n", verbs[i].name, verbs[i].usage);
	fprintf(f, "\n  -j, --json   JSON output (errors too)\n"
		"Exit codes: 0 ok, 1 failed, 2 usage, 3 plugin faulted, 4 plugin over budget.\n");
}

int main(int argc, char **argv)
{
	unsigned int i;
	int a = 1, j;

	while (a < argc && argv[a][0] == '-') {
		if (!strcmp(argv[a], "-j") || !strcmp(argv[a], "--json")) {
			json = 1;
		} else if (!strcmp(argv[a], "-h") || !strcmp(argv[a], "--help")) {
			usage(stdout);
			return 0;
		} else {
			return error(EXIT_USAGE, "see kplugctl --help", "unknown option '%s'", argv[a]);
		}
		a++;
	}
	if (a >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	kplug_set_print(NULL);		/* errors are reported here, once */
	for (i = 0; i < NR_VERBS; i++) {
		if (strcmp(argv[a], verbs[i].name))
			continue;
		for (j = a + 1; j < argc; j++)
			if (!strcmp(argv[j], "--help") || !strcmp(argv[j], "-h")) {
				printf("Usage: kplugctl %s %s\n\n%s\n", verbs[i].name,
				       verbs[i].usage, verbs[i].help);
				return 0;
			}
		for (j = a + 1; j < argc; j++)
			if (!strcmp(argv[j], "-j") || !strcmp(argv[j], "--json")) {
				json = 1;
				memmove(&argv[j], &argv[j + 1], (argc - j) * sizeof(*argv));
				argc--;
				j--;
			}
		return verbs[i].fn(argc - a - 1, argv + a + 1);
	}
	return error(EXIT_USAGE, "see kplugctl --help", "unknown verb '%s'", argv[a]);
}
