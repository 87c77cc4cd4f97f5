// SPDX-License-Identifier: GPL-2.0
/*
 * kplugctl: manage kplug plugins from the shell.  `kplugctl VERB ...`;
 * the verbs, their usage, help text, argument counts and options live in
 * one table (verbs[]) from which --help is printed and arguments are
 * checked.  -j prints JSON (errors too), -p pretty-printed JSON.
 *
 * Exit codes: 0 success, 1 the operation failed, 2 usage error,
 * 3 the plugin faulted, 4 the plugin ran past its CPU budget.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../libkplug/libkplug.h"

#ifndef KPLUGCTL_VERSION
#define KPLUGCTL_VERSION "unknown"
#endif

enum { EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_FAULT = 3, EXIT_BUDGET = 4 };

#define DEV_PATH	"/dev/kplug"
#define MAX_BUDGET_PATH	"/sys/module/kplug/parameters/max_budget_ms"

/*
 * --- output ------------------------------------------------------------------
 *
 * Verbs print to `out`.  In JSON mode that is a memory stream and reaches
 * stdout only when the verb succeeds: an error met half way through a
 * list replaces the partial document, so stdout always holds exactly one
 * JSON document.  In text mode `out` is stdout and errors go to stderr.
 */
static FILE *out;
static char *doc;
static size_t doc_len;
static bool json, pretty;

/* The writer's state: nesting depth, whether the current container has a
 * member already, whether a key was just written (its value follows). */
static int j_depth;
static bool j_member, j_after_key;

static void j_indent(void)
{
	int i;

	fputc('\n', out);
	for (i = 0; i < j_depth; i++)
		fputs("  ", out);
}

/* Before a value or a key: the comma and, in pretty mode, the newline. */
static void j_sep(void)
{
	if (j_after_key) {
		j_after_key = false;
		return;
	}
	if (j_member)
		fputc(',', out);
	if (pretty && j_depth)
		j_indent();
}

/*
 * Length of the well-formed UTF-8 sequence at s (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), or 0.
 */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned int cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

/*
 * A JSON string of n bytes: quotes, backslashes and control bytes
 * escaped; bytes that are not UTF-8 (a plugin's log may hold any) become
 * U+FFFD, so the document stays valid whatever the input.
 */
static void j_escape(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, len;

	fputc('"', out);
	while (i < n) {
		unsigned char c = s[i];

		if (c == '"' || c == '\\') {
			fprintf(out, "\\%c", c);
		} else if (c == '\n') {
			fputs("\\n", out);
		} else if (c == '\t') {
			fputs("\\t", out);
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(out, "\\u%04x", c);
		} else {
			len = utf8_len(s + i, n - i);
			if (len)
				fwrite(s + i, 1, len, out);
			else
				fputs("\\ufffd", out);
			i += len ? len : 1;
			continue;
		}
		i++;
	}
	fputc('"', out);
}

static void j_open(char c)
{
	j_sep();
	fputc(c, out);
	j_depth++;
	j_member = false;
}

static void j_close(char c)
{
	j_depth--;
	if (pretty && j_member)
		j_indent();
	fputc(c, out);
	j_member = true;
	if (!j_depth)
		fputc('\n', out);
}

static void j_key(const char *key)
{
	j_sep();
	j_escape(key, strlen(key));
	fputs(pretty ? ": " : ":", out);
	j_after_key = true;
}

static void j_strn(const char *s, size_t n)
{
	j_sep();
	j_escape(s, n);
	j_member = true;
}

static void j_str(const char *s)
{
	j_strn(s, strlen(s));
}

static void j_uint(unsigned long long v)
{
	j_sep();
	fprintf(out, "%llu", v);
	j_member = true;
}

static void j_kstr(const char *key, const char *s)
{
	j_key(key);
	j_str(s);
}

static void j_kuint(const char *key, unsigned long long v)
{
	j_key(key);
	j_uint(v);
}

/* Drop whatever a verb wrote so far (JSON mode): an error replaces it. */
static void out_reset(void)
{
	if (json) {
		fclose(out);
		free(doc);
		doc = NULL;
		out = open_memstream(&doc, &doc_len);
		if (!out) {
			perror("kplugctl");
			exit(EXIT_FAILED);
		}
	}
	j_depth = 0;
	j_member = j_after_key = false;
}

static void out_init(void)
{
	out = json ? open_memstream(&doc, &doc_len) : stdout;
	if (!out) {
		perror("kplugctl");
		exit(EXIT_FAILED);
	}
}

/* The document reaches stdout: once, at exit, whatever the outcome. */
static int out_finish(int code)
{
	if (json) {
		fclose(out);
		fwrite(doc, 1, doc_len, stdout);
		free(doc);
	}
	if (fflush(stdout) && !code)
		code = EXIT_FAILED;
	return code;
}

/*
 * Report an error: "Error: MSG -- HINT" on stderr, or in JSON mode the
 * document {"error": MSG, "hint": HINT, "log": LOG} (hint and log only
 * when there is one).  Returns code, the exit code.
 */
static int error_log(int code, const char *hint, const char *log,
		     const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (!json) {
		if (log && *log)
			fputs(log, stderr);
		fprintf(stderr, "Error: %s%s%s\n", msg, hint ? " -- " : "",
			hint ? hint : "");
		return code;
	}
	out_reset();
	j_open('{');
	j_kstr("error", msg);
	if (hint)
		j_kstr("hint", hint);
	if (log && *log)
		j_kstr("log", log);
	j_close('}');
	return code;
}

static int error(int code, const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int error(int code, const char *hint, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	code = error_log(code, hint, NULL, fmt, ap);
	va_end(ap);
	return code;
}

static const char *hint_for(int err)
{
	switch (-err) {
	case ENOENT:
		return "`kplugctl list` shows the plugins";
	case EACCES:
	case EPERM:
		return "kplug needs root";
	case EEXIST:
		return "pick another name or `kplugctl remove` the old plugin";
	}
	return NULL;
}

static int error_with_log(int code, const char *hint, const char *log,
			  const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int error_with_log(int code, const char *hint, const char *log,
			  const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	code = error_log(code, hint, log, fmt, ap);
	va_end(ap);
	return code;
}

/* A compile or loader failure: its log first (file:line: ...), then why. */
static int failed_with_log(int err, const char *what, const char *log)
{
	return error_with_log(EXIT_FAILED, hint_for(err), log, "%s: %s", what,
			      kplug_strerror(err));
}

/* --- arguments ---------------------------------------------------------------- */

/* Options; each verb's table entry says which it takes (a mask). */
enum opt {
	OPT_BUDGET_MS, OPT_STACK_KB, OPT_IN, OPT_OUT, OPT_OUT_SIZE, OPT_OUTPUT,
	OPT_CLEAR, OPT_JSON, OPT_PRETTY, OPT_HELP, OPT_VERSION,
};
#define O(x)		(1u << OPT_##x)
/* Accepted everywhere, before or after the verb. */
#define GLOBAL_OPTS	(O(JSON) | O(PRETTY) | O(HELP))

static const struct optdef {
	const char *name;	/* long name, without "--" */
	char short_name;	/* 0: none */
	bool has_arg;
} optdefs[] = {
	[OPT_BUDGET_MS]	= { "budget-ms", 0, true },
	[OPT_STACK_KB]	= { "stack-kb", 0, true },
	[OPT_IN]	= { "in", 0, true },
	[OPT_OUT]	= { "out", 0, true },
	[OPT_OUT_SIZE]	= { "out-size", 0, true },
	[OPT_OUTPUT]	= { "output", 'o', true },
	[OPT_CLEAR]	= { "clear", 0, false },
	[OPT_JSON]	= { "json", 'j', false },
	[OPT_PRETTY]	= { "pretty", 'p', false },
	[OPT_HELP]	= { "help", 'h', false },
	[OPT_VERSION]	= { "version", 0, false },
};
#define NR_OPTS	(sizeof(optdefs) / sizeof(optdefs[0]))

/*
 * Old spellings, still accepted so that scripts keep working; help and
 * docs give only the new name.  --mem-kb: the stack is the only memory
 * it ever sized, and the library and the image call it stack too.
 */
static const struct optalias {
	const char *name;
	enum opt opt;
} optaliases[] = {
	{ "mem-kb", OPT_STACK_KB },
};

/* Positionals kept; a verb's table entry says how many it takes (fewer). */
#define MAX_POS	64

struct args {
	unsigned int npos;
	char *pos[MAX_POS];
	unsigned int seen;	/* mask of the options given */
	__u32 budget_ms, stack_kb, out_size;
	const char *in, *out, *output;
};

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

static int set_opt(struct args *a, enum opt o, const char *val)
{
	const char *name = optdefs[o].name;
	__u32 *num = NULL;

	a->seen |= 1u << o;
	switch (o) {
	case OPT_BUDGET_MS:
		num = &a->budget_ms;
		break;
	case OPT_STACK_KB:
		num = &a->stack_kb;
		break;
	case OPT_OUT_SIZE:
		num = &a->out_size;
		break;
	case OPT_IN:
		a->in = val;
		break;
	case OPT_OUT:
		a->out = val;
		break;
	case OPT_OUTPUT:
		a->output = val;
		break;
	case OPT_JSON:
	case OPT_PRETTY:
		pretty |= o == OPT_PRETTY;
		if (!json) {	/* seen only now ("-jp"): nothing printed yet */
			json = true;
			out_init();
		}
		break;
	default:
		break;
	}
	/* unsigned only: "-1" as a size or budget is a mistake, not 2^32-1 */
	if (num && (val[0] == '-' || parse_u32(val, num)))
		return error(EXIT_USAGE, NULL,
			     "option --%s wants a number from 0 to 4294967295, not '%s'",
			     name, val);
	return 0;
}

static int find_long(const char *name, size_t len)
{
	unsigned int i;

	/* full names only: a new option never changes what a prefix meant */
	for (i = 0; i < NR_OPTS; i++)
		if (strlen(optdefs[i].name) == len &&
		    !strncmp(optdefs[i].name, name, len))
			return i;
	for (i = 0; i < sizeof(optaliases) / sizeof(optaliases[0]); i++)
		if (strlen(optaliases[i].name) == len &&
		    !strncmp(optaliases[i].name, name, len))
			return optaliases[i].opt;
	return -1;
}

static int find_short(char c)
{
	unsigned int i;

	for (i = 0; i < NR_OPTS; i++)
		if (optdefs[i].short_name && optdefs[i].short_name == c)
			return i;
	return -1;
}

/*
 * getopt_long's conventions, with bounded storage: "--name value",
 * "--name=value", "-o value", "-ovalue", "-jp", options anywhere among
 * the positionals, "--" ends the options.  A word starting with "-" and
 * a digit is a positional (a negative ARG), as is "-" alone.  At most
 * max_pos positionals: more is a usage error, counted but never stored.
 * allowed: mask of the options the verb takes.  Returns 0 or an exit code.
 */
static int parse_args(int argc, char **argv, unsigned int allowed,
		      unsigned int max_pos, const char *verb, struct args *a)
{
	bool opts_done = false;
	unsigned int extra = 0;
	int i, o;

	for (i = 0; i < argc; i++) {
		char *arg = argv[i], *val = NULL;

		if (opts_done || arg[0] != '-' || !arg[1] ||
		    (arg[1] >= '0' && arg[1] <= '9')) {
			if (a->npos < max_pos && a->npos < MAX_POS)
				a->pos[a->npos++] = arg;
			else
				extra++;
			continue;
		}
		if (!strcmp(arg, "--")) {
			opts_done = true;
			continue;
		}
		if (arg[1] == '-') {
			char *eq = strchr(arg + 2, '=');

			o = find_long(arg + 2, eq ? (size_t)(eq - arg - 2) : strlen(arg + 2));
			if (o < 0 || !(allowed & (1u << o)))
				return error(EXIT_USAGE, "see --help", "%s: unknown option '%.*s'",
					     verb, eq ? (int)(eq - arg) : (int)strlen(arg), arg);
			if (eq && !optdefs[o].has_arg)
				return error(EXIT_USAGE, "see --help",
					     "%s: option --%s takes no value", verb,
					     optdefs[o].name);
			val = eq ? eq + 1 : NULL;
		} else {
			/* a cluster of short options; one with a value ends it */
			for (arg++; *arg; arg++) {
				o = find_short(*arg);
				if (o < 0 || !(allowed & (1u << o)))
					return error(EXIT_USAGE, "see --help",
						     "%s: unknown option '-%c'", verb, *arg);
				if (optdefs[o].has_arg)
					break;
				if (set_opt(a, o, NULL))
					return EXIT_USAGE;
			}
			if (!*arg)
				continue;
			val = arg[1] ? arg + 1 : NULL;
		}
		if (optdefs[o].has_arg && !val) {
			if (++i >= argc)
				return error(EXIT_USAGE, "see --help",
					     "%s: option --%s needs a value", verb,
					     optdefs[o].name);
			val = argv[i];
		}
		if (set_opt(a, o, val))
			return EXIT_USAGE;
	}
	if (extra)
		return error(EXIT_USAGE, "see --help",
			     "%s: too many arguments (%u; at most %u)", verb,
			     a->npos + extra, max_pos);
	return 0;
}

/* --- checks that name the real cause ------------------------------------------- */

/* Without the module the library's errors read as "no such plugin". */
static int need_module(void)
{
	if (!access(DEV_PATH, F_OK) || errno != ENOENT)
		return 0;
	return error(EXIT_FAILED, "load it: insmod kplug.ko",
		     "kplug.ko is not loaded (no %s)", DEV_PATH);
}

/* Plugin names: 1..31 characters of [A-Za-z0-9_.-] (uapi/kplug.h). */
static int check_name(const char *name)
{
	if (!kplug_name_valid(name, KPLUG_NAME_MAX, KPLUG_NAME_PLUGIN))
		return error(EXIT_USAGE, NULL,
			     "invalid plugin name '%s': names are 1 to %d characters of [A-Za-z0-9_.-]",
			     name, KPLUG_NAME_MAX - 1);
	return 0;
}

/*
 * The module caps every call at its max_budget_ms parameter; a larger
 * --budget-ms would be cut down without a word, so refuse it here.
 */
static int check_budget(const struct args *a)
{
	unsigned long max;
	FILE *f;
	int n;

	if (!(a->seen & O(BUDGET_MS)))
		return 0;
	f = fopen(MAX_BUDGET_PATH, "r");
	if (!f)
		return 0;	/* no sysfs: the module still caps it */
	n = fscanf(f, "%lu", &max);
	fclose(f);
	if (n == 1 && a->budget_ms > max)
		return error(EXIT_USAGE, "raise it: echo N > " MAX_BUDGET_PATH,
			     "--budget-ms %u is above the module's max_budget_ms (%lu)",
			     a->budget_ms, max);
	return 0;
}

/* --- files ---------------------------------------------------------------------- */

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

/* --- verbs ---------------------------------------------------------------------- */

static char log_buf[64 * 1024];

/* A plugin created or loaded: the same keys for both verbs. */
static void print_plugin(const char *verb, struct kplug *p)
{
	if (json) {
		j_open('{');
		j_kstr("name", kplug_name(p));
		j_kuint("id", kplug_id(p));
		j_close('}');
	} else {
		fprintf(out, "%s %s (id %u)\n", verb, kplug_name(p), kplug_id(p));
	}
}

static int verb_create(struct args *a)
{
	size_t len;
	char *src;
	void *image;
	struct kplug *p;
	int err;
	KPLUG_OPTS(opts, .log_buf = log_buf, .log_size = sizeof(log_buf));

	err = check_name(a->pos[0]) ?: check_budget(a) ?: need_module();
	if (err)
		return err;
	src = read_file(a->pos[1], &len);
	if (!src)
		return error(EXIT_FAILED, NULL, "cannot read %s: %s", a->pos[1], strerror(errno));
	opts.budget_ms = a->budget_ms;
	opts.stack_kb = a->stack_kb;
	/* build, then load: messages name the user's file, not NAME.c */
	err = kplug_build(a->pos[1], src, &opts, &image, &len);
	free(src);
	if (err)
		return failed_with_log(err, "create", log_buf);
	p = kplug_create_image(a->pos[0], image, len, &opts);
	free(image);
	if (!p)
		return failed_with_log(-errno, "create", log_buf);
	print_plugin("created", p);
	kplug_close(p);
	return 0;
}

static int verb_build(struct args *a)
{
	const void *objs[MAX_POS];
	size_t lens[MAX_POS];
	void *image = NULL;
	size_t len;
	unsigned int i, n = a->npos;
	int err;
	KPLUG_OPTS(opts, .log_buf = log_buf, .log_size = sizeof(log_buf));

	if (!a->output)
		return error(EXIT_USAGE, "see --help", "build wants -o FILE.kpi");
	opts.stack_kb = a->stack_kb;
	for (i = 0; i < n; i++) {
		objs[i] = read_file(a->pos[i], &lens[i]);
		if (!objs[i]) {
			const char *bad = a->pos[i];

			err = errno;
			while (i--)
				free((void *)objs[i]);
			return error(EXIT_FAILED, NULL, "cannot read %s: %s", bad,
				     strerror(err));
		}
	}
	if (n == 1 && ends_with(a->pos[0], ".c"))
		err = kplug_build(a->pos[0], objs[0], &opts, &image, &len);
	else
		err = kplug_link(objs, lens, n, &opts, &image, &len);
	for (i = 0; i < n; i++)
		free((void *)objs[i]);
	if (err)
		return failed_with_log(err, "build", log_buf);
	if (write_file(a->output, image, len)) {
		free(image);
		return error(EXIT_FAILED, NULL, "cannot write %s: %s", a->output, strerror(errno));
	}
	free(image);
	if (json) {
		j_open('{');
		j_kstr("image", a->output);
		j_kuint("bytes", len);
		j_close('}');
	} else {
		fprintf(out, "wrote %s (%zu bytes)\n", a->output, len);
	}
	return 0;
}

static int verb_load(struct args *a)
{
	size_t len;
	void *image;
	struct kplug *p;
	int err;
	KPLUG_OPTS(opts, .log_buf = log_buf, .log_size = sizeof(log_buf));

	err = check_name(a->pos[0]) ?: check_budget(a) ?: need_module();
	if (err)
		return err;
	image = read_file(a->pos[1], &len);
	if (!image)
		return error(EXIT_FAILED, NULL, "cannot read %s: %s", a->pos[1], strerror(errno));
	opts.budget_ms = a->budget_ms;
	p = kplug_create_image(a->pos[0], image, len, &opts);
	free(image);
	if (!p)
		return failed_with_log(-errno, "load", log_buf);
	print_plugin("loaded", p);
	kplug_close(p);
	return 0;
}

/* A fault record: the same keys in `invoke` and in `info`'s last_fault. */
static void j_fault(const char *key, const struct kplug_fault *f)
{
	j_key(key);
	j_open('{');
	j_kstr("kind", kplug_fault_kind_str(f->kind));
	j_kuint("vector", f->vector);
	j_kuint("error_code", f->error_code);
	j_kuint("eip", f->eip);
	j_kuint("cr2", f->cr2);
	j_close('}');
}

static const char *fault_text(const struct kplug_fault *f)
{
	static char s[160];

	snprintf(s, sizeof(s), "%s (vector %u, error code %#x, eip %#x, cr2 %#x)",
		 kplug_fault_kind_str(f->kind), f->vector, f->error_code,
		 f->eip, f->cr2);
	return s;
}

/* Open plugin NAME, or say why not (the module missing comes first). */
static struct kplug *open_plugin(const char *name, int *code)
{
	struct kplug *p;

	*code = need_module();
	if (*code)
		return NULL;
	p = kplug_open(name);
	if (!p)
		*code = error(EXIT_FAILED, errno == ENOENT ? "`kplugctl list` shows the plugins" :
			      hint_for(-errno), "plugin %s: %s", name,
			      errno == ENOENT ? "no such plugin" : kplug_strerror(-errno));
	return p;
}

/*
 * Call ENTRY of p with args (call_args() of a's ARGs from pos[first])
 * and --in/--out, and report the result, a fault or an error the way
 * `invoke` does.
 */
/* The ARGs from pos[first] into args, and the --out-size rule. */
static int call_args(const struct args *a, unsigned int first, __u32 *args)
{
	unsigned int i;

	for (i = first; i < a->npos; i++)
		if (parse_u32(a->pos[i], &args[i - first]))
			return error(EXIT_USAGE, NULL, "ARG '%s' is not a 32-bit number", a->pos[i]);
	if ((a->seen & O(OUT_SIZE)) && !a->out)
		return error(EXIT_USAGE, "see --help", "--out-size wants --out FILE too");
	return 0;
}

static int call_report(struct kplug *p, const char *name, const char *entry,
		       struct args *a, unsigned int first, const __u32 *args)
{
	void *in = NULL, *outbuf = NULL;
	size_t in_len = 0, out_len = 0;
	__u32 result = 0;
	int err;

	in = a->in ? read_file(a->in, &in_len) : NULL;
	if (a->in && !in)
		return error(EXIT_FAILED, NULL, "cannot read %s: %s", a->in, strerror(errno));
	if (a->out) {
		out_len = a->seen & O(OUT_SIZE) ? a->out_size : 4096;
		outbuf = calloc(1, out_len ?: 1);
	}
	err = kplug_invoke(p, entry, args, a->npos - first, in, in_len, outbuf,
			   out_len, &result);
	free(in);
	if (err == -EIO) {
		const struct kplug_fault *f = kplug_last_fault();

		free(outbuf);
		if (!json) {
			fprintf(stderr, "Error: %s faulted: %s\n", name, fault_text(f));
			return EXIT_FAULT;
		}
		out_reset();
		j_open('{');
		j_kstr("error", "the plugin faulted");
		j_fault("fault", f);
		j_close('}');
		return EXIT_FAULT;
	}
	if (err) {
		free(outbuf);
		return error(err == -ETIME ? EXIT_BUDGET : EXIT_FAILED,
			     err == -ENOENT ? "`kplugctl info NAME` lists the entries" : hint_for(err),
			     "invoke %s %s: %s", name, entry,
			     err == -ENOENT ? "no such entry point" : kplug_strerror(err));
	}
	if (outbuf && write_file(a->out, outbuf, out_len)) {
		free(outbuf);
		return error(EXIT_FAILED, NULL, "cannot write %s: %s", a->out, strerror(errno));
	}
	free(outbuf);
	if (json) {
		j_open('{');
		j_kuint("result", result);
		j_close('}');
	} else {
		fprintf(out, "%u\n", result);
	}
	return 0;
}

static int verb_invoke(struct args *a)
{
	__u32 args[KPLUG_MAX_ARGS];
	struct kplug *p;
	int code;

	code = call_args(a, 2, args);
	if (code)
		return code;
	p = open_plugin(a->pos[0], &code);
	if (!p)
		return code;
	code = call_report(p, a->pos[0], a->pos[1], a, 2, args);
	kplug_close(p);
	return code;
}

/* --- the user-space host: run and test ------------------------------------------ */

/*
 * FILE (C source if it ends in .c, else an image) as a user plugin of
 * this process (libkplug's KPLUG_CREATE_USER): no module, no root.
 */
static struct kplug *user_plugin(const struct args *a, const char *file,
				 int *code)
{
	KPLUG_OPTS(opts, .log_buf = log_buf, .log_size = sizeof(log_buf),
		   .flags = KPLUG_CREATE_USER, .budget_ms = a->budget_ms,
		   .stack_kb = a->stack_kb);
	size_t len = strlen(file), n;
	void *image;
	char *src;
	struct kplug *p;
	int err;

	if (len > 2 && !strcmp(file + len - 2, ".c")) {
		src = read_file(file, &n);
		if (!src) {
			*code = error(EXIT_FAILED, NULL, "cannot read %s: %s", file, strerror(errno));
			return NULL;
		}
		err = kplug_build(file, src, &opts, &image, &n);
		free(src);
		if (err) {
			*code = failed_with_log(err, "build", log_buf);
			return NULL;
		}
	} else {
		image = read_file(file, &n);
		if (!image) {
			*code = error(EXIT_FAILED, NULL, "cannot read %s: %s", file, strerror(errno));
			return NULL;
		}
	}
	p = kplug_create_image("user", image, n, &opts);
	free(image);
	if (!p)
		*code = failed_with_log(-errno, "user host", log_buf);
	return p;
}

/* The plugin's log lines, to stderr (text mode; JSON callers use `log`). */
static void user_log(struct kplug *p)
{
	int n = kplug_read_log(p, log_buf, sizeof(log_buf), 1, NULL);

	if (n > 0 && !json)
		fwrite(log_buf, 1, n, stderr);
}

static int verb_run(struct args *a)
{
	__u32 args[KPLUG_MAX_ARGS];
	struct kplug *p;
	int code;

	code = call_args(a, 2, args);
	if (code)
		return code;
	p = user_plugin(a, a->pos[0], &code);
	if (!p)
		return code;
	code = call_report(p, a->pos[0], a->pos[1], a, 2, args);
	user_log(p);
	kplug_remove(p);
	return code;
}

static int verb_test(struct args *a)
{
	struct kplug_image_entry e[KPLUG_MAX_ENTRIES];
	struct kplug_info_args info = {
		.entries = (unsigned long)e, .entries_cap = KPLUG_MAX_ENTRIES,
	};
	unsigned int i, passed = 0, failed = 0;
	struct kplug *p;
	int code, err;

	p = user_plugin(a, a->pos[0], &code);
	if (!p)
		return code;
	kplug_info(p, &info);
	if (json) {
		j_open('{');
		j_key("tests");
		j_open('[');
	}
	for (i = 0; i < info.nr_entries; i++) {
		const struct kplug_fault *f = kplug_last_fault();
		__u32 result = 0;
		bool ok;

		if (strncmp(e[i].name, "test_", 5))
			continue;
		err = kplug_invoke(p, e[i].name, NULL, 0, NULL, 0, NULL, 0, &result);
		ok = !err && !result;
		passed += ok;
		failed += !ok;
		if (json) {
			j_open('{');
			j_kstr("name", e[i].name);
			j_kstr("status", ok ? "ok" : "failed");
			if (!err)
				j_kuint("result", result);
			else if (err == -EIO)
				j_fault("fault", f);
			else
				j_kstr("error", kplug_strerror(err));
			j_close('}');
		} else if (ok) {
			fprintf(out, "ok      %s\n", e[i].name);
		} else if (!err) {
			fprintf(out, "FAILED  %s: returned %u\n", e[i].name, result);
		} else {
			fprintf(out, "FAILED  %s: %s\n", e[i].name,
				err == -EIO ? fault_text(f) : kplug_strerror(err));
		}
		user_log(p);
	}
	kplug_remove(p);
	if (json) {
		j_close(']');
		j_kuint("passed", passed);
		j_kuint("failed", failed);
		j_close('}');
	} else {
		fprintf(out, "%u passed, %u failed\n", passed, failed);
	}
	if (!passed && !failed)
		return error(EXIT_FAILED, "name self-tests test_*: they return 0 on success",
			     "%s has no test_ entries", a->pos[0]);
	return failed ? EXIT_FAILED : 0;
}

static void print_info(const struct kplug_info_args *a, const struct kplug_image_entry *e)
{
	__u32 i;

	if (json) {
		j_open('{');
		j_kuint("id", a->id);
		j_kstr("name", a->name);
		j_key("entries");
		j_open('[');
		for (i = 0; e && i < a->nr_entries && i < KPLUG_MAX_ENTRIES; i++) {
			j_open('{');
			j_kstr("name", e[i].name);
			j_kuint("offset", e[i].offset);
			j_close('}');
		}
		j_close(']');
		j_kuint("invocations", a->invocations);
		j_kuint("faults", a->faults);
		j_kuint("timeouts", a->timeouts);
		j_kuint("budget_ms", a->budget_ms);
		j_kuint("stack_size", a->stack_size);
		j_kuint("mem_bytes", a->mem_bytes);
		if (a->faults)
			j_fault("last_fault", &a->last_fault);
		j_close('}');
		return;
	}
	if (!e) {
		fprintf(out, "%-5u %-31s %10llu calls %6llu faults %6llu timeouts\n", a->id,
			a->name, (unsigned long long)a->invocations,
			(unsigned long long)a->faults, (unsigned long long)a->timeouts);
		return;
	}
	fprintf(out, "name:        %s\nid:          %u\nentries:    ", a->name, a->id);
	for (i = 0; i < a->nr_entries && i < KPLUG_MAX_ENTRIES; i++)
		fprintf(out, " %s", e[i].name);
	fprintf(out, "\ninvocations: %llu\nfaults:      %llu\ntimeouts:    %llu\n",
		(unsigned long long)a->invocations, (unsigned long long)a->faults,
		(unsigned long long)a->timeouts);
	if (a->budget_ms)
		fprintf(out, "budget:      %u ms\n", a->budget_ms);
	else
		fprintf(out, "budget:      module default\n");
	fprintf(out, "stack:       %u bytes per slot\nmemory:      %llu bytes\n",
		a->stack_size, (unsigned long long)a->mem_bytes);
	if (a->faults)
		fprintf(out, "last fault:  %s\n", fault_text(&a->last_fault));
}

static int verb_list(struct args *args)
{
	struct kplug_info_args a;
	__u32 id = 0;
	int err = need_module();

	if (err)
		return err;
	if (json)
		j_open('[');
	while (!(err = kplug_info_next(id, &a))) {
		print_info(&a, NULL);
		id = a.id;
	}
	if (err != -ENOENT)
		return error(EXIT_FAILED, hint_for(err), "list: %s", kplug_strerror(err));
	if (json)
		j_close(']');
	return 0;
}

static int verb_info(struct args *args)
{
	struct kplug_image_entry e[KPLUG_MAX_ENTRIES];
	struct kplug_info_args a;
	struct kplug *p;
	int err;

	p = open_plugin(args->pos[0], &err);
	if (!p)
		return err;
	memset(&a, 0, sizeof(a));
	memset(e, 0, sizeof(e));
	a.entries = (unsigned long)e;
	a.entries_cap = KPLUG_MAX_ENTRIES;
	err = kplug_info(p, &a);
	kplug_close(p);
	if (err)
		return error(EXIT_FAILED, hint_for(err), "info %s: %s", args->pos[0],
			     kplug_strerror(err));
	print_info(&a, e);
	return 0;
}

static int verb_log(struct args *args)
{
	static char buf[KPLUG_LOG_SIZE];
	struct kplug *p;
	__u64 dropped = 0;
	int len;

	p = open_plugin(args->pos[0], &len);
	if (!p)
		return len;
	len = kplug_read_log(p, buf, sizeof(buf), !!(args->seen & O(CLEAR)), &dropped);
	kplug_close(p);
	if (len < 0)
		return error(EXIT_FAILED, hint_for(len), "log %s: %s", args->pos[0],
			     kplug_strerror(len));
	if (json) {
		/* by length: the ring may be full, and may hold any byte */
		j_open('{');
		j_key("log");
		j_strn(buf, len);
		j_kuint("dropped", dropped);
		j_close('}');
		return 0;
	}
	fwrite(buf, 1, len, out);
	if (dropped)
		fprintf(stderr, "(%llu lines dropped by the rate limit)\n",
			(unsigned long long)dropped);
	return 0;
}

static int verb_remove(struct args *args)
{
	struct kplug *p;
	int err;

	p = open_plugin(args->pos[0], &err);
	if (!p)
		return err;
	err = kplug_remove(p);
	if (err)
		return error(EXIT_FAILED, hint_for(err), "remove %s: %s", args->pos[0],
			     kplug_strerror(err));
	if (json) {
		j_open('{');
		j_kstr("name", args->pos[0]);
		j_kstr("action", "removed");
		j_close('}');
	} else {
		fprintf(out, "removed %s\n", args->pos[0]);
	}
	return 0;
}

static int hook_list(void)
{
	struct kplug_hook_args a;
	unsigned int i;
	int err = need_module();

	if (err)
		return err;
	if (json)
		j_open('[');
	for (i = 0; !(err = kplug_hook_info(i, &a)); i++) {
		const char *combine = a.combine == KPLUG_HOOK_LAST ? "last" :
				      "first-nonzero";

		if (json) {
			j_open('{');
			j_kstr("name", a.name);
			j_kstr("context", a.context_desc);
			j_kstr("args", a.args_desc);
			j_kstr("combine", combine);
			j_kuint("default", a.default_result);
			j_kuint("attached", a.nr_attached);
			j_kuint("suspended", a.nr_suspended);
			j_kuint("calls", a.calls);
			j_kuint("missed", a.missed);
			j_close('}');
		} else {
			fprintf(out, "%-26s attached %-2u calls %-8llu missed %-6llu %s, default %u\n"
				"    context: %s\n    args:    %s\n", a.name,
				a.nr_attached, (unsigned long long)a.calls,
				(unsigned long long)a.missed, combine,
				a.default_result, a.context_desc, a.args_desc);
			if (a.nr_suspended)
				fprintf(out, "    suspended: %u (overran in atomic context; detach and attach again)\n",
					a.nr_suspended);
		}
	}
	if (err != -ENOENT)
		return error(EXIT_FAILED, hint_for(err), "hook list: %s", kplug_strerror(err));
	if (json)
		j_close(']');
	return 0;
}

/* hook attach|detach HOOK PLUGIN:ENTRY */
static int hook_change(bool attach, const char *hook, char *target)
{
	const char *what = attach ? "attach" : "detach";
	char *entry = strchr(target, ':');
	struct kplug *p;
	int err;

	if (!entry || entry == target || !entry[1])
		return error(EXIT_USAGE, "see --help", "hook %s wants PLUGIN:ENTRY, not '%s'",
			     what, target);
	/* the uapi's name field: the library would say only "invalid" */
	if (strlen(hook) >= KPLUG_NAME_MAX)
		return error(EXIT_USAGE, !strncmp(hook, "kprobe:", 7) ?
			     "kprobe:SYMBOL takes symbols of up to 24 characters" : NULL,
			     "hook %s: hook name '%s' is %zu characters, at most %d",
			     what, hook, strlen(hook), KPLUG_NAME_MAX - 1);
	*entry++ = '\0';
	p = open_plugin(target, &err);
	if (!p)
		return err;
	err = attach ? kplug_attach(p, hook, entry) : kplug_detach(p, hook, entry);
	kplug_close(p);
	if (err == -ENOENT)
		return error(EXIT_FAILED, "`kplugctl hook list` shows the hooks, `kplugctl info` the entries",
			     "hook %s %s %s:%s: no such hook or entry%s", what, hook,
			     target, entry, attach ? "" : ", or not attached");
	if (err == -EEXIST)
		return error(EXIT_FAILED, NULL, "hook %s %s %s:%s: attached already",
			     what, hook, target, entry);
	if (err == -EOPNOTSUPP)
		return error(EXIT_FAILED, "plugins run only where interrupts are on (docs/hooks.md)",
			     "hook %s %s %s:%s: the hook is called with interrupts off, where nothing could bound a plugin's CPU time",
			     what, hook, target, entry);
	if (err == -EINVAL && !strncmp(hook, "kprobe:", 7))
		return error(EXIT_FAILED, "kprobes refuse some functions (blacklist, notrace, kplug's own)",
			     "hook %s %s %s:%s: this function cannot be probed", what,
			     hook, target, entry);
	if (err)
		return error(EXIT_FAILED, hint_for(err), "hook %s %s %s:%s: %s", what,
			     hook, target, entry, kplug_strerror(err));
	if (json) {
		j_open('{');
		j_kstr("hook", hook);
		j_kstr("plugin", target);
		j_kstr("entry", entry);
		j_kstr("action", attach ? "attached" : "detached");
		j_close('}');
	} else {
		fprintf(out, "%s %s:%s %s %s\n", attach ? "attached" : "detached", target,
			entry, attach ? "to" : "from", hook);
	}
	return 0;
}

static int verb_hook(struct args *a)
{
	const char *sub = a->pos[0];

	if (!strcmp(sub, "list") && a->npos == 1)
		return hook_list();
	if (!strcmp(sub, "attach") && a->npos == 3)
		return hook_change(true, a->pos[1], a->pos[2]);
	if (!strcmp(sub, "detach") && a->npos == 3)
		return hook_change(false, a->pos[1], a->pos[2]);
	return error(EXIT_USAGE, "see --help",
		     "hook wants list, attach HOOK PLUGIN:ENTRY or detach HOOK PLUGIN:ENTRY");
}

/*
 * The benchmark runner is its own program (bench/, kplug_bench): look for
 * it next to kplugctl, in ../tests/ of the build tree, then on PATH.  Its
 * arguments are its own: passed through unparsed.
 */
static int run_bench(int argc, char **argv)
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
	fflush(stdout);
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
	int (*fn)(struct args *a);
	unsigned int min_pos, max_pos, opts;
} verbs[] = {
	{ "create", "NAME FILE.c [--budget-ms N] [--stack-kb N]",
	  "Compile FILE.c and load it as plugin NAME. --budget-ms: default CPU budget\n"
	  "of each call (at most the module's max_budget_ms); --stack-kb: stack per\n"
	  "slot in KiB (default 16).", verb_create, 2, 2, O(BUDGET_MS) | O(STACK_KB) },
	{ "build", "FILE.c|FILE.o... -o FILE.kpi [--stack-kb N]",
	  "Compile C (or link ELF32 objects from any compiler: gcc -m32 -O2\n"
	  "-ffreestanding -fno-pic -c) into a kplug image without loading it.",
	  verb_build, 1, MAX_POS, O(OUTPUT) | O(STACK_KB) },
	{ "load", "NAME FILE.kpi [--budget-ms N]",
	  "Load an image built by `kplugctl build` as plugin NAME.", verb_load, 2, 2,
	  O(BUDGET_MS) },
	{ "invoke", "NAME ENTRY [ARG...] [--in FILE] [--out FILE [--out-size N]]",
	  "Call ENTRY of plugin NAME with up to 6 32-bit ARGs; print its result.\n"
	  "--in: bytes passed as the in buffer; --out: write the out buffer\n"
	  "(--out-size bytes, default 4096) to FILE.", verb_invoke, 2,
	  2 + KPLUG_MAX_ARGS, O(IN) | O(OUT) | O(OUT_SIZE) },
	{ "run", "FILE.c|FILE.kpi ENTRY [ARG...] [--in FILE] [--out FILE [--out-size N]]\n"
	  "              [--budget-ms N] [--stack-kb N]",
	  "Run ENTRY of a plugin in this process, the user-space host: no module, no\n"
	  "root. The same image, sandbox layout, segment limits, services and fault\n"
	  "records as in the kernel; its log goes to stderr. It isolates bugs, not\n"
	  "attackers: the plugin shares this process. Needs a kernel whose CPU sees\n"
	  "the process's LDT (not a PVM guest).", verb_run, 2, 2 + KPLUG_MAX_ARGS,
	  O(IN) | O(OUT) | O(OUT_SIZE) | O(BUDGET_MS) | O(STACK_KB) },
	{ "test", "FILE.c|FILE.kpi [--budget-ms N] [--stack-kb N]",
	  "Run the plugin's self-tests in the user-space host (as `run`): every entry\n"
	  "named test_*, without arguments; each passes if it returns 0. Exit 0 if\n"
	  "all pass.", verb_test, 1, 1, O(BUDGET_MS) | O(STACK_KB) },
	{ "list", "", "List the loaded plugins with their call counters.", verb_list, 0, 0, 0 },
	{ "info", "NAME", "Show a plugin: entries, counters, budget, memory, last fault.",
	  verb_info, 1, 1, 0 },
	{ "log", "NAME [--clear]",
	  "Print the plugin's log: the lines it wrote with kplug_log()/kplug_printf()\n"
	  "(newest 16 KiB, whole lines; at most 100 lines a second). --clear empties\n"
	  "it.", verb_log, 1, 1, O(CLEAR) },
	{ "remove", "NAME", "Remove plugin NAME (calls in flight finish first).",
	  verb_remove, 1, 1, 0 },
	{ "hook", "list | attach HOOK PLUGIN:ENTRY | detach HOOK PLUGIN:ENTRY",
	  "Hook points: netfilter:ipv4_pre_routing and netfilter:ipv4_local_in (a\n"
	  "non-zero result drops the packet), kprobe:SYMBOL (made on attach, the\n"
	  "entry of kernel function SYMBOL, at most 24 characters), and those kernel\n"
	  "modules register.  list: each hook with its context, arguments, how\n"
	  "results combine, attached plugins, calls and missed calls (interrupts\n"
	  "were off). attach: run ENTRY of PLUGIN whenever HOOK is called (after\n"
	  "those attached before); detach undoes it.", verb_hook, 1, 3, 0 },
	{ "bench", "[--only PART...] [--scale SECONDS] [--records]",
	  "Run the benchmark suite (kplug_bench; docs/performance.md) and print one\n"
	  "table: transfer latency user and kernel (needs kplug_bench.ko) to a null\n"
	  "plugin, state switches, eBPF baseline, creation, workloads. Under QEMU\n"
	  "-icount figures are instructions (emulated); on bare metal, ns and TSC\n"
	  "cycles. --only: transfer kernel ebpf create workload; --scale: calls/s\n"
	  "with one thread per CPU; --records: machine-readable lines. Its\n"
	  "arguments go to kplug_bench unchanged (no -j).", NULL, 0, 0, 0 },
};

#define NR_VERBS (sizeof(verbs) / sizeof(verbs[0]))

static void usage(FILE *f)
{
	unsigned int i;

	fprintf(f, "Usage: kplugctl [-j|-p] VERB [ARGS]   (kplugctl VERB --help for one verb)\n\n");
	for (i = 0; i < NR_VERBS; i++)
		fprintf(f, "  kplugctl %s %s\n", verbs[i].name, verbs[i].usage);
	fprintf(f, "\n  -j, --json     JSON output (errors too)\n"
		"  -p, --pretty   indented JSON output (implies -j)\n"
		"  -h, --help     this text\n"
		"  --version      kplugctl's version\n"
		"  --             ends the options (an ARG may then start with -)\n"
		"Exit codes: 0 ok, 1 failed, 2 usage, 3 plugin faulted, 4 plugin over budget.\n");
}

static int run(int argc, char **argv)
{
	const struct verb *v = NULL;
	struct args a = {};
	unsigned int i;
	int a0 = 1, err;

	/* options before the verb: the global ones and --version */
	for (; a0 < argc && argv[a0][0] == '-' && strcmp(argv[a0], "--"); a0++) {
		if (!strcmp(argv[a0], "--version")) {
			if (!json) {
				fprintf(out, "kplugctl %s\n", KPLUGCTL_VERSION);
				return 0;
			}
			j_open('{');
			j_kstr("version", KPLUGCTL_VERSION);
			j_close('}');
			return 0;
		}
		if (!strcmp(argv[a0], "-h") || !strcmp(argv[a0], "--help")) {
			usage(stdout);
			return 0;
		}
		err = parse_args(1, argv + a0, GLOBAL_OPTS, 0, "kplugctl", &a);
		if (err)
			return err;
	}
	if (a0 < argc && !strcmp(argv[a0], "--"))
		a0++;
	if (a0 >= argc) {
		usage(stderr);
		return error(EXIT_USAGE, "see kplugctl --help", "no verb");
	}
	for (i = 0; i < NR_VERBS; i++)
		if (!strcmp(argv[a0], verbs[i].name))
			v = &verbs[i];
	if (!v)
		return error(EXIT_USAGE, "see kplugctl --help", "unknown verb '%s'", argv[a0]);
	if (!v->fn) {
		if (json)
			return error(EXIT_USAGE, NULL, "%s has no JSON output", v->name);
		return run_bench(argc - a0 - 1, argv + a0 + 1);
	}
	err = parse_args(argc - a0 - 1, argv + a0 + 1, v->opts | GLOBAL_OPTS,
			 v->max_pos, v->name, &a);
	if (err)
		return err;
	if (a.seen & O(HELP)) {	/* text, even with -j */
		printf("Usage: kplugctl %s %s\n\n%s\n", v->name, v->usage, v->help);
		return 0;
	}
	if (a.npos < v->min_pos)
		return error(EXIT_USAGE, "see kplugctl %s --help",
			     "%s wants %s", v->name, v->usage);
	return v->fn(&a);
}

int main(int argc, char **argv)
{
	int i;

	/*
	 * -j anywhere decides how even an error before it is printed (the
	 * parser switches to JSON too, for the forms this loop does not see).
	 */
	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json"))
			json = true;
		if (!strcmp(argv[i], "-p") || !strcmp(argv[i], "--pretty"))
			json = pretty = true;
	}
	out_init();
	kplug_set_print(NULL);		/* errors are reported here, once */
	return out_finish(run(argc, argv));
}
