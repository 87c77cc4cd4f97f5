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
#define _GNU_SOURCE		/* asprintf */
#include <dirent.h>
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

static void j_kbool(const char *key, bool v)
{
	j_key(key);
	j_sep();
	fputs(v ? "true" : "false", out);
	j_member = true;
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
	const char *arg_name;	/* what the value is: FILE is completed as one */
	const char *help;	/* the global options' (the others are in their verb's help) */
} optdefs[] = {
	[OPT_BUDGET_MS]	= { "budget-ms", 0, true, "N" },
	[OPT_STACK_KB]	= { "stack-kb", 0, true, "N" },
	[OPT_IN]	= { "in", 0, true, "FILE" },
	[OPT_OUT]	= { "out", 0, true, "FILE" },
	[OPT_OUT_SIZE]	= { "out-size", 0, true, "N" },
	[OPT_OUTPUT]	= { "output", 'o', true, "FILE" },
	[OPT_CLEAR]	= { "clear", 0, false },
	[OPT_JSON]	= { "json", 'j', false, NULL, "JSON output (errors too)" },
	[OPT_PRETTY]	= { "pretty", 'p', false, NULL, "indented JSON output (implies -j)" },
	[OPT_HELP]	= { "help", 'h', false, NULL, "this text (after a verb: that verb's)" },
	[OPT_VERSION]	= { "version", 0, false, NULL, "kplugctl's version" },
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
	char **rest;		/* bench: its own arguments, unparsed */
	int nrest;
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

/*
 * --- symbols: the image's debug trailer (uapi: struct kplug_debug_hdr) ---
 *
 * The plugin's own bytes, so every offset is checked before use; a
 * trailer that breaks a rule is ignored as a whole.
 */
static struct {
	unsigned char *buf;	/* the trailer, or NULL */
	size_t len;
	const struct kplug_debug_sym *syms;
	__u32 nr;
	const struct kplug_debug_line *lines;	/* NULL: no line table */
	__u32 nr_lines;
} dbg;

/* A name at offset name of the string table, NUL-terminated inside it. */
static bool dbg_name_ok(__u32 strtab_off, __u32 end, __u32 name)
{
	return name < end - strtab_off &&
	       memchr(dbg.buf + strtab_off + name, 0, end - strtab_off - name);
}

/*
 * The line table, if the trailer ends with its footer and every row is
 * sound (inside, sorted, a file name in the string table) and no function
 * name s[] reaches into the rows; else none.
 */
static void dbg_set_lines(const struct kplug_debug_hdr *h, const struct kplug_debug_sym *s)
{
	const struct kplug_debug_line *l;
	struct kplug_debug_lines f;
	__u32 i, end;

	if (dbg.len < h->strtab_off + sizeof(f))
		return;
	memcpy(&f, dbg.buf + dbg.len - sizeof(f), sizeof(f));
	end = dbg.len - sizeof(f);
	if (f.magic != KPLUG_DEBUG_LINES_MAGIC || f.lines_off % 4 ||
	    f.lines_off < h->strtab_off || f.lines_off > end ||
	    f.nr_lines > (end - f.lines_off) / sizeof(*l))
		return;
	l = (const void *)(dbg.buf + f.lines_off);
	for (i = 0; i < f.nr_lines; i++)
		if ((l[i].line && !dbg_name_ok(h->strtab_off, f.lines_off, l[i].file)) ||
		    (i && l[i].offset < l[i - 1].offset))
			return;
	for (i = 0; i < h->nr_syms; i++)
		if (!dbg_name_ok(h->strtab_off, f.lines_off, s[i].name))
			return;
	dbg.lines = l;
	dbg.nr_lines = f.nr_lines;
}

static void dbg_set(unsigned char *buf, size_t len)
{
	struct kplug_debug_hdr h;
	const struct kplug_debug_sym *s;
	size_t i, end;

	free(dbg.buf);
	memset(&dbg, 0, sizeof(dbg));
	if (!buf || len < sizeof(h))
		goto bad;
	memcpy(&h, buf, sizeof(h));
	if (h.magic != KPLUG_DEBUG_MAGIC || h.size != len ||
	    h.nr_syms > (len - sizeof(h)) / sizeof(*s) ||
	    h.strtab_off < sizeof(h) + h.nr_syms * sizeof(*s) || h.strtab_off > len)
		goto bad;
	s = (const void *)(buf + sizeof(h));
	dbg.buf = buf;
	dbg.len = len;
	for (i = 0; i < h.nr_syms; i++)
		if (!dbg_name_ok(h.strtab_off, len, s[i].name) ||
		    (i && s[i].offset < s[i - 1].offset))
			goto bad;
	dbg.syms = s;
	dbg.nr = h.nr_syms;
	dbg_set_lines(&h, s);
	end = dbg.lines ? (const unsigned char *)dbg.lines - buf : len;
	/* names are shown, never obeyed: no terminal control from an image */
	for (i = h.strtab_off; i < end; i++)
		if (buf[i] && (buf[i] < ' ' || buf[i] == 0x7f))
			buf[i] = '?';
	return;
bad:
	free(buf);
	memset(&dbg, 0, sizeof(dbg));
}

static const char *dbg_name(const struct kplug_debug_sym *s)
{
	return (const char *)dbg.buf + ((const struct kplug_debug_hdr *)dbg.buf)->strtab_off +
	       s->name;
}

/* The function at sandbox address eip, and *off into it; NULL if none. */
static const struct kplug_debug_sym *dbg_find(__u32 eip, __u32 *off)
{
	const struct kplug_debug_sym *best = NULL;
	__u32 i;

	for (i = 0; i < dbg.nr && KPLUG_TEXT_BASE + dbg.syms[i].offset <= eip; i++)
		best = &dbg.syms[i];
	if (!best)
		return NULL;
	*off = eip - KPLUG_TEXT_BASE - best->offset;
	/* past its end (a size the compiler gave): not in it */
	if (best->size && *off >= best->size)
		return NULL;
	return best;
}

/*
 * The line of sandbox address eip in function fn (NULL if unknown): the
 * last row at or before it, if that row is inside fn and has a line.
 */
static const struct kplug_debug_line *dbg_line(__u32 eip, const struct kplug_debug_sym *fn)
{
	__u32 lo = 0, hi = dbg.nr_lines, mid, off = eip - KPLUG_TEXT_BASE;
	const struct kplug_debug_line *l;

	if (!fn || eip < KPLUG_TEXT_BASE)
		return NULL;
	while (lo < hi) {	/* the first row past off */
		mid = lo + (hi - lo) / 2;
		if (dbg.lines[mid].offset <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	l = &dbg.lines[lo - 1];
	return l->line && l->offset >= fn->offset ? l : NULL;
}

static const char *dbg_file(const struct kplug_debug_line *l)
{
	return (const char *)dbg.buf + ((const struct kplug_debug_hdr *)dbg.buf)->strtab_off +
	       l->file;
}

/* Fetch plugin p's debug trailer (and, if text, its text) into dbg. */
static void dbg_fetch(struct kplug *p, unsigned char **text, size_t *text_len)
{
	struct kplug_info_args a;
	unsigned char *buf = NULL;

	memset(&a, 0, sizeof(a));
	if (kplug_info(p, &a) || (!a.debug_size && !text))
		return;
	buf = a.debug_size ? malloc(a.debug_size) : NULL;
	a.debug = (unsigned long)buf;
	a.debug_cap = buf ? a.debug_size : 0;
	if (text) {
		*text = malloc(a.text_size ?: 1);
		a.text = (unsigned long)*text;
		a.text_cap = *text ? a.text_size : 0;
	}
	if (kplug_info(p, &a)) {
		free(buf);
		return;
	}
	if (text)
		*text_len = a.text_cap < a.text_size ? a.text_cap : a.text_size;
	dbg_set(buf, a.debug_cap < a.debug_size ? a.debug_cap : a.debug_size);
}

/* A fault record: the same keys in `invoke` and in `info`'s last_fault. */
static void j_fault(const char *key, const struct kplug_fault *f)
{
	const struct kplug_debug_line *l;
	const struct kplug_debug_sym *s;
	__u32 off;

	j_key(key);
	j_open('{');
	j_kstr("kind", kplug_fault_kind_str(f->kind));
	j_kuint("vector", f->vector);
	j_kuint("error_code", f->error_code);
	j_kuint("eip", f->eip);
	j_kuint("cr2", f->cr2);
	s = dbg_find(f->eip, &off);
	if (s) {
		j_kstr("function", dbg_name(s));
		j_kuint("offset", off);
	}
	l = dbg_line(f->eip, s);
	if (l) {
		j_kstr("file", dbg_file(l));
		j_kuint("line", l->line);
	}
	j_close('}');
}

static const char *fault_text(const struct kplug_fault *f)
{
	const struct kplug_debug_line *l;
	const struct kplug_debug_sym *s;
	static char at[600], text[800];
	__u32 off;

	s = dbg_find(f->eip, &off);
	l = dbg_line(f->eip, s);
	if (l)
		snprintf(at, sizeof(at), " (%s+%#x at %s:%u)", dbg_name(s), off, dbg_file(l),
			 l->line);
	else if (s)
		snprintf(at, sizeof(at), " (%s+%#x)", dbg_name(s), off);
	else
		at[0] = '\0';
	snprintf(text, sizeof(text), "%s (vector %u, error code %#x, eip %#x%s, cr2 %#x)",
		 kplug_fault_kind_str(f->kind), f->vector, f->error_code,
		 f->eip, at, f->cr2);
	return text;
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
	int err;
	KPLUG_INVOKE_OPTS(o, .args = args, .nargs = a->npos - first,
			  .budget_ms = a->budget_ms);

	in = a->in ? read_file(a->in, &in_len) : NULL;
	if (a->in && !in)
		return error(EXIT_FAILED, NULL, "cannot read %s: %s", a->in, strerror(errno));
	if (a->out) {
		out_len = a->seen & O(OUT_SIZE) ? a->out_size : 4096;
		outbuf = calloc(1, out_len ?: 1);
	}
	o.in = in;
	o.in_len = in_len;
	o.out = outbuf;
	o.out_len = out_len;
	err = kplug_invoke_opts(p, entry, &o);
	if (err == -EIO)
		dbg_fetch(p, NULL, NULL);	/* for function+offset */
	free(in);
	if (err == -EIO) {
		const struct kplug_fault *f = &o.fault;

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
	/* what the plugin said it wrote (kplug_out_len()), else all of it */
	if (outbuf && write_file(a->out, outbuf, o.out_written)) {
		free(outbuf);
		return error(EXIT_FAILED, NULL, "cannot write %s: %s", a->out, strerror(errno));
	}
	free(outbuf);
	if (json) {
		j_open('{');
		j_kuint("result", o.result);
		if (a->out)
			j_kuint("out_written", o.out_written);
		j_close('}');
	} else {
		fprintf(out, "%u\n", o.result);
	}
	return 0;
}

static int verb_invoke(struct args *a)
{
	__u32 args[KPLUG_MAX_ARGS];
	struct kplug *p;
	int code;

	code = call_args(a, 2, args) ?: check_budget(a);
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
	if (!err && a.faults)
		dbg_fetch(p, NULL, NULL);	/* for function+offset */
	kplug_close(p);
	if (err)
		return error(EXIT_FAILED, hint_for(err), "info %s: %s", args->pos[0],
			     kplug_strerror(err));
	print_info(&a, e);
	return 0;
}

/*
 * The text and debug trailer of an image file (FILE.kpi), checked as far
 * as dump needs: the kernel's validator (kmod/image.c) has the full rules.
 */
static int image_parts(const char *path, unsigned char **text, size_t *text_len)
{
	struct kplug_image_hdr h;
	unsigned char *img, *debug = NULL;
	size_t len;
	__u64 body;

	img = read_file(path, &len);
	if (!img)
		return error(EXIT_FAILED, NULL, "cannot read %s: %s", path, strerror(errno));
	if (len >= sizeof(h))
		memcpy(&h, img, sizeof(h));
	body = len < sizeof(h) ? 0 : (__u64)sizeof(h) + (__u64)h.nr_entries *
	       sizeof(struct kplug_image_entry) + h.text_size + h.data_size;
	if (len < sizeof(h) || h.magic != KPLUG_IMAGE_MAGIC || h.hdr_size != sizeof(h) ||
	    h.nr_entries > KPLUG_MAX_ENTRIES || body > len) {
		free(img);
		return error(EXIT_FAILED, "`kplugctl build` makes images", "%s is not a kplug image",
			     path);
	}
	*text = malloc(h.text_size ?: 1);
	if (*text)
		memcpy(*text, img + body - h.data_size - h.text_size, h.text_size);
	*text_len = h.text_size;
	if (body < len) {
		debug = malloc(len - body);
		if (debug)
			memcpy(debug, img + body, len - body);
	}
	dbg_set(debug, len - body);
	free(img);
	return *text ? 0 : error(EXIT_FAILED, NULL, "out of memory");
}

/*
 * objdump's disassembly of text (at KPLUG_TEXT_BASE) to out, with a
 * "<function>:" line where each function starts and a "file:line" line
 * where the line table starts a row.  0, or -1 if objdump could not run.
 */
static int disassemble(const unsigned char *text, size_t len)
{
	char path[] = "/tmp/kplugctl-dump.XXXXXX", cmd[256], line[512];
	unsigned long addr;
	int fd = mkstemp(path), status = -1, lines = 0;
	__u32 i = 0, k = 0;
	FILE *f = NULL;

	if (fd < 0)
		return -1;
	if (write(fd, text, len) == (ssize_t)len) {
		snprintf(cmd, sizeof(cmd),
			 "objdump -D -b binary -m i386 --adjust-vma=%#x %s 2>/dev/null",
			 KPLUG_TEXT_BASE, path);
		f = popen(cmd, "r");
	}
	close(fd);
	while (f && fgets(line, sizeof(line), f)) {
		/* instruction lines: "   11000:\t55 \tpush   %ebp" */
		if (sscanf(line, " %lx:", &addr) != 1 || !strchr(line, '\t'))
			continue;
		for (; i < dbg.nr && KPLUG_TEXT_BASE + dbg.syms[i].offset <= addr; i++)
			if (KPLUG_TEXT_BASE + dbg.syms[i].offset == addr)
				fprintf(out, "\n%08lx <%s>:\n", addr, dbg_name(&dbg.syms[i]));
		for (; k < dbg.nr_lines && KPLUG_TEXT_BASE + dbg.lines[k].offset <= addr; k++)
			if (KPLUG_TEXT_BASE + dbg.lines[k].offset == addr && dbg.lines[k].line)
				fprintf(out, "%s:%u\n", dbg_file(&dbg.lines[k]), dbg.lines[k].line);
		fputs(line, out);
		lines++;
	}
	if (f)
		status = pclose(f);
	unlink(path);
	return !status && lines ? 0 : -1;
}

/* dump NAME|FILE.kpi: the functions, then the disassembly (objdump). */
static int verb_dump(struct args *args)
{
	const char *what = args->pos[0];
	unsigned char *text = NULL;
	size_t text_len = 0;
	struct kplug *p;
	__u32 i;
	int err;

	if (ends_with(what, ".kpi") || strchr(what, '/')) {
		err = image_parts(what, &text, &text_len);
		if (err)
			return err;
	} else {
		p = open_plugin(what, &err);
		if (!p)
			return err;
		dbg_fetch(p, &text, &text_len);
		kplug_close(p);
		if (!text)
			return error(EXIT_FAILED, NULL, "dump %s: cannot read its text", what);
	}
	if (json) {
		j_open('{');
		j_key("functions");
		j_open('[');
	} else {
		fprintf(out, "%s: %zu bytes of text at %#x, %u functions%s\n", what, text_len,
			KPLUG_TEXT_BASE, dbg.nr, !dbg.buf ? " (no debug trailer)" :
			dbg.lines ? "" : " (no line table)");
	}
	for (i = 0; i < dbg.nr; i++) {
		if (json) {
			j_open('{');
			j_kstr("name", dbg_name(&dbg.syms[i]));
			j_kuint("address", KPLUG_TEXT_BASE + dbg.syms[i].offset);
			j_kuint("size", dbg.syms[i].size);
			j_close('}');
		} else {
			fprintf(out, "  %08x %6u  %s\n", KPLUG_TEXT_BASE + dbg.syms[i].offset,
				dbg.syms[i].size, dbg_name(&dbg.syms[i]));
		}
	}
	if (json) {
		j_close(']');
		j_key("lines");
		j_open('[');
		for (i = 0; i < dbg.nr_lines; i++) {
			if (!dbg.lines[i].line)
				continue;
			j_open('{');
			j_kuint("address", KPLUG_TEXT_BASE + dbg.lines[i].offset);
			j_kstr("file", dbg_file(&dbg.lines[i]));
			j_kuint("line", dbg.lines[i].line);
			j_close('}');
		}
		j_close(']');
		j_close('}');
		free(text);
		return 0;
	}
	err = disassemble(text, text_len);
	free(text);
	if (err)
		return error(EXIT_FAILED, "install binutils for the disassembly, or dump the image file on a machine that has it",
			     "dump %s: objdump (binutils) did not run", what);
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
			j_kstr("name", a.hook);
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
				"    context: %s\n    args:    %s\n", a.hook,
				a.nr_attached, (unsigned long long)a.calls,
				(unsigned long long)a.missed, combine,
				a.default_result, a.context_desc, a.args_desc);
			if (a.nr_suspended)
				fprintf(out, "    suspended: %u (overran in atomic context; `kplugctl hook show` says which)\n",
					a.nr_suspended);
		}
	}
	if (err != -ENOENT)
		return error(EXIT_FAILED, hint_for(err), "hook list: %s", kplug_strerror(err));
	if (json)
		j_close(']');
	return 0;
}

/* hook show [HOOK]: every attachment (of HOOK), oldest first. */
static int hook_show(const char *hook)
{
	struct kplug_hook_args a;
	__u32 id = 0;
	int err = need_module();

	if (err)
		return err;
	if (json)
		j_open('[');
	while (!(err = kplug_attachment_next(id, &a))) {
		id = a.att_id;
		if (hook && strcmp(hook, a.hook))
			continue;
		if (json) {
			j_open('{');
			j_kuint("id", a.att_id);
			j_kstr("hook", a.hook);
			j_kstr("plugin", a.plugin);
			j_kstr("entry", a.entry_name);
			j_kuint("calls", a.att_calls);
			j_kuint("faults", a.att_faults);
			j_kuint("overruns", a.att_overruns);
			j_kbool("suspended", a.att_flags & KPLUG_ATT_SUSPENDED);
			j_kuint("attached_ms", a.attached_ms);
			if (a.att_flags & KPLUG_ATT_SUSPENDED)
				j_kuint("suspended_ms", a.suspended_ms);
			j_close('}');
			continue;
		}
		fprintf(out, "%-4u %-26s %s:%s\n     calls %llu faults %llu overruns %llu, attached %llu.%llu s ago",
			a.att_id, a.hook, a.plugin, a.entry_name,
			(unsigned long long)a.att_calls, (unsigned long long)a.att_faults,
			(unsigned long long)a.att_overruns,
			(unsigned long long)a.attached_ms / 1000,
			(unsigned long long)a.attached_ms % 1000 / 100);
		if (a.att_flags & KPLUG_ATT_SUSPENDED)
			fprintf(out, ", suspended %llu.%llu s ago (overran in atomic context; detach and attach again)",
				(unsigned long long)a.suspended_ms / 1000,
				(unsigned long long)a.suspended_ms % 1000 / 100);
		fputc('\n', out);
	}
	if (err != -ENOENT)
		return error(EXIT_FAILED, hint_for(err), "hook show: %s", kplug_strerror(err));
	if (json)
		j_close(']');
	return 0;
}

/* A hook name the uapi can carry; a longer one is refused here, clearly. */
static int check_hook(const char *what, const char *hook)
{
	if (strlen(hook) >= KPLUG_HOOK_NAME_MAX)
		return error(EXIT_USAGE, NULL, "hook %s: hook name '%.40s...' is %zu characters, at most %d",
			     what, hook, strlen(hook), KPLUG_HOOK_NAME_MAX - 1);
	if (!kplug_name_valid(hook, KPLUG_HOOK_NAME_MAX, KPLUG_NAME_HOOK))
		return error(EXIT_USAGE, "hook names are [A-Za-z0-9_.:-]",
			     "hook %s: '%s' is not a hook name", what, hook);
	return 0;
}

static void print_change(bool attach, __u32 id, const char *hook, const char *plugin,
			 const char *entry)
{
	if (json) {
		j_open('{');
		if (id)
			j_kuint("id", id);
		j_kstr("hook", hook);
		j_kstr("plugin", plugin);
		j_kstr("entry", entry);
		j_kstr("action", attach ? "attached" : "detached");
		j_close('}');
	} else if (id) {
		fprintf(out, "%s %s:%s %s %s (attachment %u)\n", attach ? "attached" : "detached",
			plugin, entry, attach ? "to" : "from", hook, id);
	} else {
		fprintf(out, "%s %s:%s %s %s\n", attach ? "attached" : "detached", plugin,
			entry, attach ? "to" : "from", hook);
	}
}

/* hook attach HOOK PLUGIN:ENTRY */
static int hook_attach(const char *hook, char *target)
{
	char *entry = strchr(target, ':');
	struct kplug_hook_args a;
	struct kplug *p;
	__u32 att_id = 0;
	int err;

	if (!entry || entry == target || !entry[1])
		return error(EXIT_USAGE, "see --help", "hook attach wants PLUGIN:ENTRY, not '%s'",
			     target);
	err = check_hook("attach", hook);
	if (err)
		return err;
	*entry++ = '\0';
	p = open_plugin(target, &err);
	if (!p)
		return err;
	err = kplug_attach(p, hook, entry);
	/* the new attachment's id, for `hook show` and `hook detach ID` */
	while (!err && !kplug_attachment_next(att_id, &a)) {
		att_id = a.att_id;
		if (!strcmp(a.hook, hook) && a.id == kplug_id(p) &&
		    !strcmp(a.entry_name, entry))
			break;
	}
	kplug_close(p);
	if (err == -ENOENT)
		return error(EXIT_FAILED, "`kplugctl hook list` shows the hooks, `kplugctl info` the entries",
			     "hook attach %s %s:%s: no such hook or entry", hook, target, entry);
	if (err == -EEXIST)
		return error(EXIT_FAILED, "`kplugctl hook show` lists the attachments",
			     "hook attach %s %s:%s: attached already", hook, target, entry);
	if (err == -EOPNOTSUPP)
		return error(EXIT_FAILED, "plugins run only where interrupts are on (docs/hooks.md)",
			     "hook attach %s %s:%s: the hook is called with interrupts off, where nothing could bound a plugin's CPU time",
			     hook, target, entry);
	if (err == -EINVAL && !strncmp(hook, "kprobe:", 7))
		return error(EXIT_FAILED, "kprobes refuse some functions (blacklist, notrace, kplug's own)",
			     "hook attach %s %s:%s: this function cannot be probed", hook,
			     target, entry);
	if (err)
		return error(EXIT_FAILED, hint_for(err), "hook attach %s %s:%s: %s", hook,
			     target, entry, kplug_strerror(err));
	print_change(true, att_id, hook, target, entry);
	return 0;
}

/*
 * hook detach ID | HOOK PLUGIN | HOOK PLUGIN:ENTRY: each attachment that
 * matches, by its id (as `hook show` lists them).  The ID form prints one
 * object in JSON, the others an array of them.
 */
static int hook_detach(const char *id_str, const char *hook, char *plugin)
{
	char *entry = plugin ? strchr(plugin, ':') : NULL;
	struct kplug_hook_args a;
	__u32 want = 0, id = 0, n = 0;
	int err;

	if (id_str && (id_str[0] == '-' || parse_u32(id_str, &want) || !want))
		return error(EXIT_USAGE, "see --help",
			     "hook detach wants an attachment id (from `kplugctl hook show`), HOOK PLUGIN or HOOK PLUGIN:ENTRY, not '%s'",
			     id_str);
	if (entry) {
		*entry++ = '\0';
		if (!kplug_name_valid(entry, KPLUG_NAME_MAX, KPLUG_NAME_ENTRY))
			return error(EXIT_USAGE, "see --help", "hook detach: '%s' is not an entry name",
				     entry);
	}
	err = (hook ? check_hook("detach", hook) : 0) ?:
	      (plugin ? check_name(plugin) : 0) ?: need_module();
	if (err)
		return err;
	if (json && !want)
		j_open('[');
	while (!(err = kplug_attachment_next(id, &a))) {
		id = a.att_id;
		if (want ? id != want : strcmp(a.hook, hook) || strcmp(a.plugin, plugin) ||
					(entry && strcmp(a.entry_name, entry)))
			continue;
		err = kplug_detach_id(id);
		if (err == -ENOENT)	/* gone meanwhile (its plugin removed) */
			continue;
		if (err)
			return error(EXIT_FAILED, hint_for(err), "hook detach %u: %s", id,
				     kplug_strerror(err));
		n++;
		print_change(false, id, a.hook, a.plugin, a.entry_name);
	}
	if (err != -ENOENT)
		return error(EXIT_FAILED, hint_for(err), "hook detach: %s", kplug_strerror(err));
	if (!n && want)
		return error(EXIT_FAILED, "`kplugctl hook show` lists the attachments",
			     "hook detach %u: no such attachment", want);
	if (!n)
		return error(EXIT_FAILED, "`kplugctl hook show` lists the attachments",
			     "hook detach %s %s%s%s: not attached", hook, plugin,
			     entry ? ":" : "", entry ? entry : "");
	if (json && !want)
		j_close(']');
	return 0;
}

static int verb_hook(struct args *a)
{
	const char *sub = a->pos[0];

	if (!strcmp(sub, "list") && a->npos == 1)
		return hook_list();
	if (!strcmp(sub, "show") && a->npos <= 2)
		return hook_show(a->npos == 2 ? a->pos[1] : NULL);
	if (!strcmp(sub, "attach") && a->npos == 3)
		return hook_attach(a->pos[1], a->pos[2]);
	if (!strcmp(sub, "detach") && a->npos == 2)
		return hook_detach(a->pos[1], NULL, NULL);
	if (!strcmp(sub, "detach") && a->npos == 3)
		return hook_detach(NULL, a->pos[1], a->pos[2]);
	return error(EXIT_USAGE, "see --help",
		     "hook wants list, show [HOOK], attach HOOK PLUGIN:ENTRY, or detach ID, HOOK PLUGIN or HOOK PLUGIN:ENTRY");
}

/*
 * --- apply: the plugins of /etc/kplug/NAME.conf (docs/kplugctl.md) -----------------
 * Every file is read and checked first; one mistake and nothing is
 * applied.  Then each plugin is created unless one of that name is loaded
 * (it is kept as it is), and each attachment made unless it exists: a
 * second apply changes nothing.
 */
#define CONF_DIR	"/etc/kplug"
#define CONF_MAX_PLUGINS	64
#define CONF_MAX_ATTACH	64

struct conf_attach {
	char hook[KPLUG_NAME_MAX], entry[KPLUG_NAME_MAX];
	unsigned int line;
};

struct conf_plugin {
	char name[KPLUG_NAME_MAX];
	char *source, *image;		/* one of them, resolved path */
	__u32 budget_ms, stack_kb;
	const char *file;
	unsigned int line;
	unsigned int nr_att;
	struct conf_attach att[CONF_MAX_ATTACH];
};

struct conf {
	struct conf_plugin plugins[CONF_MAX_PLUGINS];
	unsigned int nr;
	char *files[256];
	unsigned int nr_files;
	unsigned int errors;
};

static void conf_error(struct conf *c, const char *file, unsigned int line,
		       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void conf_error(struct conf *c, const char *file, unsigned int line,
		       const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!c->errors++)
		out_reset();
	if (json) {
		if (c->errors == 1) {
			j_open('{');
			j_key("errors");
			j_open('[');
		}
		j_open('{');
		j_kstr("file", file);
		if (line)
			j_kuint("line", line);
		j_kstr("error", msg);
		j_close('}');
	} else {
		fprintf(stderr, "Error: %s%s%.0u: %s\n", file, line ? ":" : "", line, msg);
	}
}

/* A path in a config file is relative to the file's directory. */
static char *conf_path(const char *file, const char *path)
{
	const char *slash = strrchr(file, '/');
	char *p;

	if (path[0] == '/' || !slash)
		return strdup(path);
	if (asprintf(&p, "%.*s/%s", (int)(slash - file), file, path) < 0)
		return NULL;
	return p;
}

static int conf_number(struct conf *c, const char *file, unsigned int line,
		       const char *key, const char *val, __u32 *v)
{
	if (!val || val[0] == '-' || parse_u32(val, v)) {
		conf_error(c, file, line, "%s wants a number from 0 to 4294967295, not '%s'",
			   key, val ? val : "");
		return -1;
	}
	return 0;
}

/* Where the lines after a rejected "plugin" line go: checked, never applied. */
static struct conf_plugin conf_discard;

/* One line: KEY [VALUE...]; returns 0 or -1 (reported). */
static int conf_line(struct conf *c, const char *file, unsigned int line,
		     char **w, unsigned int n, struct conf_plugin **cur)
{
	static const char *const keys[] = {
		"plugin", "source", "image", "budget-ms", "stack-kb", "attach",
	};
	struct conf_plugin *p = *cur;
	unsigned int want = !strcmp(w[0], "attach") ? 3 : 2, i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]) && strcmp(w[0], keys[i]); i++)
		;
	if (i == sizeof(keys) / sizeof(keys[0])) {
		conf_error(c, file, line, "unknown key '%s' (plugin, source, image, budget-ms, stack-kb, attach)",
			   w[0]);
		return -1;
	}
	if (!strcmp(w[0], "plugin")) {	/* a new block, even if this line is bad */
		free(conf_discard.source);
		free(conf_discard.image);
		memset(&conf_discard, 0, sizeof(conf_discard));
		snprintf(conf_discard.name, sizeof(conf_discard.name), "%s",
			 n > 1 ? w[1] : "?");
		*cur = &conf_discard;
	}
	if (n != want) {
		conf_error(c, file, line, "%s wants %u value%s, not %u", w[0], want - 1,
			   want > 2 ? "s" : "", n - 1);
		return -1;
	}
	if (!strcmp(w[0], "plugin")) {
		if (!kplug_name_valid(w[1], KPLUG_NAME_MAX, KPLUG_NAME_PLUGIN)) {
			conf_error(c, file, line, "invalid plugin name '%s': names are 1 to %d characters of [A-Za-z0-9_.-]",
				   w[1], KPLUG_NAME_MAX - 1);
			return -1;
		}
		for (i = 0; i < c->nr; i++)
			if (!strcmp(c->plugins[i].name, w[1])) {
				conf_error(c, file, line, "plugin %s is already defined at %s:%u",
					   w[1], c->plugins[i].file, c->plugins[i].line);
				return -1;
			}
		if (c->nr == CONF_MAX_PLUGINS) {
			conf_error(c, file, line, "more than %d plugins", CONF_MAX_PLUGINS);
			return -1;
		}
		p = *cur = &c->plugins[c->nr++];
		memset(p, 0, sizeof(*p));
		strcpy(p->name, w[1]);
		p->file = file;
		p->line = line;
		return 0;
	}
	if (!p) {
		conf_error(c, file, line, "'%s' before any 'plugin NAME' line", w[0]);
		return -1;
	}
	if (!strcmp(w[0], "source") || !strcmp(w[0], "image")) {
		char **slot = w[0][0] == 's' ? &p->source : &p->image;

		if (p->source || p->image) {
			conf_error(c, file, line, "plugin %s has a source or image already",
				   p->name);
			return -1;
		}
		*slot = conf_path(file, w[1]);
		return *slot ? 0 : -1;
	}
	if (!strcmp(w[0], "budget-ms"))
		return conf_number(c, file, line, w[0], w[1], &p->budget_ms);
	if (!strcmp(w[0], "stack-kb"))
		return conf_number(c, file, line, w[0], w[1], &p->stack_kb);
	if (!strcmp(w[0], "attach")) {
		struct conf_attach *a = &p->att[p->nr_att];

		if (!kplug_name_valid(w[1], KPLUG_NAME_MAX, KPLUG_NAME_HOOK) ||
		    !kplug_name_valid(w[2], KPLUG_NAME_MAX, KPLUG_NAME_ENTRY)) {
			conf_error(c, file, line, "attach wants HOOK ENTRY (names of at most %d characters), not '%s %s'",
				   KPLUG_NAME_MAX - 1, w[1], w[2]);
			return -1;
		}
		for (i = 0; i < p->nr_att; i++)
			if (!strcmp(p->att[i].hook, w[1]) && !strcmp(p->att[i].entry, w[2])) {
				conf_error(c, file, line, "%s is attached to %s already (line %u)",
					   w[2], w[1], p->att[i].line);
				return -1;
			}
		if (p->nr_att == CONF_MAX_ATTACH) {
			conf_error(c, file, line, "more than %d attachments", CONF_MAX_ATTACH);
			return -1;
		}
		strcpy(a->hook, w[1]);
		strcpy(a->entry, w[2]);
		a->line = line;
		p->nr_att++;
		return 0;
	}
	return -1;	/* not reached: the keys are checked above */
}

static void conf_read(struct conf *c, const char *file)
{
	struct conf_plugin *cur = NULL;
	unsigned int line = 0, first = c->nr, i;
	char *text, *s, *next;
	size_t len;

	text = read_file(file, &len);
	if (!text) {
		conf_error(c, file, 0, "cannot read it: %s", strerror(errno));
		return;
	}
	for (s = text; s; s = next) {
		char *w[4];
		unsigned int n = 0;

		next = strchr(s, '\n');
		if (next)
			*next++ = '\0';
		line++;
		s[strcspn(s, "#")] = '\0';
		for (s = strtok(s, " \t\r"); s; s = strtok(NULL, " \t\r"))
			if (n < 4)
				w[n++] = s;
			else
				n = 4;
		if (n)
			conf_line(c, file, line, w, n, &cur);
	}
	free(text);
	for (i = first; i < c->nr; i++) {
		struct conf_plugin *p = &c->plugins[i];

		if (!p->source && !p->image)
			conf_error(c, file, p->line, "plugin %s has neither source nor image",
				   p->name);
		else if (p->image && p->stack_kb)
			conf_error(c, file, p->line, "plugin %s: stack-kb is for source; an image carries its stack size",
				   p->name);
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* PATH: a file, or a directory whose *.conf files are read in name order. */
static void conf_collect(struct conf *c, const char *path)
{
	struct dirent *d;
	struct stat st;
	unsigned int first = c->nr_files;
	DIR *dir;

	if (stat(path, &st)) {
		conf_error(c, path, 0, "%s", strerror(errno));
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		if (c->nr_files < 256)
			c->files[c->nr_files++] = strdup(path);
		return;
	}
	dir = opendir(path);
	if (!dir) {
		conf_error(c, path, 0, "%s", strerror(errno));
		return;
	}
	while ((d = readdir(dir)))
		if (ends_with(d->d_name, ".conf") && d->d_name[0] != '.' &&
		    c->nr_files < 256 &&
		    asprintf(&c->files[c->nr_files], "%s/%s", path, d->d_name) >= 0)
			c->nr_files++;
	closedir(dir);
	qsort(c->files + first, c->nr_files - first, sizeof(c->files[0]), cmp_str);
}

/* One action's line (text) or object (JSON). */
static void apply_say(const struct conf_plugin *p, const char *action,
		      const struct conf_attach *a, const char *text)
{
	if (!json) {
		fprintf(out, "%s: %s\n", p->name, text);
		return;
	}
	j_open('{');
	j_kstr("plugin", p->name);
	j_kstr("action", action);
	if (a) {
		j_kstr("hook", a->hook);
		j_kstr("entry", a->entry);
	}
	j_close('}');
}

static int apply_failed(struct conf *c, const struct conf_plugin *p,
			unsigned int line, const char *what, int err)
{
	if (!json && log_buf[0])
		fputs(log_buf, stderr);
	if (json) {
		j_open('{');
		j_kstr("plugin", p->name);
		j_kstr("action", "error");
		j_kstr("error", what);
		j_kstr("reason", kplug_strerror(err));
		if (log_buf[0])
			j_kstr("log", log_buf);
		j_close('}');
	} else {
		fprintf(stderr, "Error: %s:%u: plugin %s: %s: %s\n", p->file, line,
			p->name, what, kplug_strerror(err));
	}
	c->errors++;
	return err;
}

static struct kplug *apply_create(struct conf *c, const struct conf_plugin *p)
{
	const char *path = p->source ? p->source : p->image;
	struct kplug *k;
	void *image;
	size_t len;
	char *buf;
	int err;
	KPLUG_OPTS(opts, .log_buf = log_buf, .log_size = sizeof(log_buf),
		   .budget_ms = p->budget_ms, .stack_kb = p->stack_kb);

	log_buf[0] = '\0';
	buf = read_file(path, &len);
	if (!buf) {
		apply_failed(c, p, p->line, path, -errno);
		return NULL;
	}
	image = buf;
	if (p->source) {
		err = kplug_build(path, buf, &opts, &image, &len);
		free(buf);
		if (err) {
			apply_failed(c, p, p->line, "build", err);
			return NULL;
		}
	}
	k = kplug_create_image(p->name, image, len, &opts);
	free(image);
	if (!k)
		apply_failed(c, p, p->line, "create", -errno);
	return k;
}

static void apply_plugin(struct conf *c, const struct conf_plugin *p)
{
	char text[512];
	struct kplug *k = kplug_open(p->name);
	unsigned int i;
	int err;

	if (k) {
		apply_say(p, "kept", NULL, "loaded already, kept as it is");
	} else {
		k = apply_create(c, p);
		if (!k)
			return;
		snprintf(text, sizeof(text), "created from %s (id %u)",
			 p->source ? p->source : p->image, kplug_id(k));
		apply_say(p, "created", NULL, text);
	}
	for (i = 0; i < p->nr_att; i++) {
		const struct conf_attach *a = &p->att[i];

		err = kplug_attach(k, a->hook, a->entry);
		if (err && err != -EEXIST) {
			snprintf(text, sizeof(text), "attach %s to %s", a->entry, a->hook);
			log_buf[0] = '\0';
			apply_failed(c, p, a->line, text, err);
			continue;
		}
		snprintf(text, sizeof(text), "%s %s to %s", err ? "attached already:" : "attached",
			 a->entry, a->hook);
		apply_say(p, err ? "attached-already" : "attached", a, text);
	}
	kplug_close(k);
}

static int verb_apply(struct args *a)
{
	static struct conf c;
	unsigned int i;
	int err;

	if (!a->npos)
		conf_collect(&c, CONF_DIR);
	for (i = 0; i < a->npos; i++)
		conf_collect(&c, a->pos[i]);
	for (i = 0; i < c.nr_files; i++)
		conf_read(&c, c.files[i]);
	if (c.errors) {
		if (json) {
			j_close(']');
			j_close('}');
		}
		return EXIT_USAGE;
	}
	err = need_module();
	if (err)
		return err;
	kplug_set_print(NULL);
	if (json)
		j_open('[');
	for (i = 0; i < c.nr; i++)
		apply_plugin(&c, &c.plugins[i]);
	if (json)
		j_close(']');
	else if (!c.nr)
		fprintf(out, "nothing to apply\n");
	return c.errors ? EXIT_FAILED : 0;
}

/* --- version, feature (KPLUG_IOC_VERSION) ------------------------------------- */

static int module_version(struct kplug_version_args *v)
{
	int err = need_module();

	if (err)
		return err;
	err = kplug_version(v);
	if (err == -ENOTTY)
		return error(EXIT_FAILED, "update kplug.ko",
			     "this kplug.ko predates the version ioctl (uapi version 0)");
	if (err)
		return error(EXIT_FAILED, hint_for(err), "version: %s",
			     kplug_strerror(err));
	return 0;
}

static int verb_version(struct args *a)
{
	struct kplug_version_args v;
	int err = module_version(&v);

	if (err)
		return err;
	if (!json) {
		fprintf(out, "kplugctl %s (uapi %u)\nkplug.ko %s (uapi %u)\n",
			KPLUGCTL_VERSION, KPLUG_UAPI_VERSION, v.module_version,
			v.uapi_version);
		return 0;
	}
	j_open('{');
	j_kstr("kplugctl", KPLUGCTL_VERSION);
	j_kuint("kplugctl_uapi", KPLUG_UAPI_VERSION);
	j_kstr("module", v.module_version);
	j_kuint("module_uapi", v.uapi_version);
	j_close('}');
	return 0;
}

static void print_features(const struct kplug_version_args *v)
{
	const struct {
		const char *name;
		__u32 value;
	} limits[] = {
		{ "image_version", v->image_version },
		{ "services", v->nr_services - 1 },
		{ "max_args", v->max_args },
		{ "max_entries", v->max_entries },
		{ "text_max", v->text_max },
		{ "data_max", v->data_max },
		{ "stack_max", v->stack_max },
		{ "stack_default", v->stack_default },
		{ "hook_max_attach", v->hook_max_attach },
		{ "budget_ms", v->budget_ms },
		{ "max_budget_ms", v->max_budget_ms },
		{ "atomic_budget_us", v->atomic_budget_us },
	};
	unsigned int i;

	if (json) {
		j_kstr("module", v->module_version);
		j_kuint("uapi", v->uapi_version);
	} else {
		fprintf(out, "%-18s %s (uapi %u)\n", "module", v->module_version,
			v->uapi_version);
	}
	for (i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		if (json)
			j_kuint(limits[i].name, limits[i].value);
		else
			fprintf(out, "%-18s %u\n", limits[i].name, limits[i].value);
	}
}

static int verb_feature(struct args *a)
{
	struct kplug_version_args v;
	struct kplug_hook_args h;
	unsigned int i;
	int err = module_version(&v);

	if (err)
		return err;
	if (json)
		j_open('{');
	print_features(&v);
	if (json) {
		j_kstr("hooks_on_demand", v.hook_prefixes);
		j_key("hooks");
		j_open('[');
	} else {
		fprintf(out, "%-18s %s\n%-18s", "hooks_on_demand", v.hook_prefixes,
			"hooks");
	}
	for (i = 0; !(err = kplug_hook_info(i, &h)); i++) {
		if (json)
			j_str(h.name);
		else
			fprintf(out, " %s", h.name);
	}
	if (json)
		j_close(']');
	else
		fputc('\n', out);
	if (err != -ENOENT)
		return error(EXIT_FAILED, hint_for(err), "feature: hooks: %s",
			     kplug_strerror(err));
	if (json)
		j_close('}');
	return 0;
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
	{ "invoke", "NAME ENTRY [ARG...] [--in FILE] [--out FILE [--out-size N]] [--budget-ms N]",
	  "Call ENTRY of plugin NAME with up to 6 32-bit ARGs; print its result.\n"
	  "--in: bytes passed as the in buffer; --out: an out buffer of --out-size\n"
	  "bytes (default 4096), of which FILE gets what the plugin says it wrote\n"
	  "(kplug_out_len(); all of it if it does not say); --budget-ms: this\n"
	  "call's CPU budget (default: the plugin's).", verb_invoke, 2,
	  2 + KPLUG_MAX_ARGS, O(IN) | O(OUT) | O(OUT_SIZE) | O(BUDGET_MS) },
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
	{ "apply", "[DIR|FILE...]",
	  "Create the plugins and attachments that the config files describe\n"
	  "(default: /etc/kplug/*.conf, in name order; the boot service runs it).\n"
	  "A plugin already loaded under its name is kept, an attachment that\n"
	  "exists is left alone: applying twice changes nothing.  Every file is\n"
	  "checked before anything is applied (exit 2 on a mistake, naming file\n"
	  "and line).  Lines: plugin NAME, source FILE.c or image FILE.kpi\n"
	  "(relative to the config file), budget-ms N, stack-kb N, attach HOOK\n"
	  "ENTRY; # starts a comment.", verb_apply, 0, MAX_POS, 0 },
	{ "version", "", "Print the versions of kplugctl and of the loaded kplug.ko, with the\n"
	  "uapi version each speaks.", verb_version, 0, 0, 0 },
	{ "feature", "",
	  "Show what the loaded kplug.ko supports: uapi and image versions, the\n"
	  "number of services, limits (sizes, arguments, entries, attachments per\n"
	  "hook), the budget module parameters now, the registered hook points and\n"
	  "the prefixes of hooks made on demand.", verb_feature, 0, 0, 0 },
	{ "dump", "NAME|FILE.kpi",
	  "List the functions of a loaded plugin or an image file (address, size,\n"
	  "name, from the image's debug trailer), then disassemble its text with\n"
	  "objdump (binutils), a <function>: line where each starts and a\n"
	  "file:line line where each source line's code starts (the image's line\n"
	  "table). -j: the functions and the line table only.", verb_dump, 1, 1, 0 },
	{ "hook", "list | show [HOOK] | attach HOOK PLUGIN:ENTRY | detach ID|HOOK PLUGIN[:ENTRY]",
	  "Hook points: netfilter:ipv4_pre_routing and netfilter:ipv4_local_in (a\n"
	  "non-zero result drops the packet), kprobe:SYMBOL (made on attach, the\n"
	  "entry of kernel function SYMBOL, at most 120 characters), and those kernel\n"
	  "modules register.  list: each hook with its context, arguments, how\n"
	  "results combine, attached plugins, calls and missed calls (interrupts\n"
	  "were off). show: each attachment (of HOOK) with its id, plugin:entry,\n"
	  "calls, faults, overruns, and whether and since when it is suspended.\n"
	  "attach: run ENTRY of PLUGIN whenever HOOK is called (after those\n"
	  "attached before). detach: by attachment id, every entry of PLUGIN on\n"
	  "HOOK, or one. Removing a plugin detaches it everywhere.", verb_hook, 1, 3, 0 },
	{ "bench", "[--only PART...] [--scale SECONDS] [--records]",
	  "Run the benchmark suite (kplug_bench; docs/performance.md) and print one\n"
	  "table: transfer latency user and kernel (needs kplug_bench.ko) to a null\n"
	  "plugin, state switches, eBPF baseline, creation, workloads, the\n"
	  "packet-filter race against eBPF. Under QEMU -icount figures are\n"
	  "instructions (emulated); on bare metal, ns and TSC cycles. --only:\n"
	  "transfer kernel ebpf create workload race; --scale: calls/s\n"
	  "with one thread per CPU; --records: machine-readable lines. Its\n"
	  "arguments go to kplug_bench unchanged (no -j).", NULL, 0, 0, 0 },
};

#define NR_VERBS (sizeof(verbs) / sizeof(verbs[0]))

static const char exit_codes[] =
	"0 ok, 1 failed, 2 usage, 3 plugin faulted, 4 plugin over budget.";
static const char end_of_options[] = "ends the options (an ARG may then start with -)";

static void usage(FILE *f)
{
	char opt[32];
	unsigned int i;

	fprintf(f, "Usage: kplugctl [-j|-p] VERB [ARGS]   (kplugctl VERB --help for one verb)\n\n");
	for (i = 0; i < NR_VERBS; i++)
		fprintf(f, "  kplugctl %s %s\n", verbs[i].name, verbs[i].usage);
	fputc('\n', f);
	for (i = 0; i < NR_OPTS; i++) {
		if (!optdefs[i].help)
			continue;
		if (optdefs[i].short_name)
			snprintf(opt, sizeof(opt), "-%c, --%s", optdefs[i].short_name,
				 optdefs[i].name);
		else
			snprintf(opt, sizeof(opt), "--%s", optdefs[i].name);
		fprintf(f, "  %-14s %s\n", opt, optdefs[i].help);
	}
	fprintf(f, "  %-14s %s\nExit codes: %s\n", "--", end_of_options, exit_codes);
}

/*
 * --- The man page and bash completion, generated from verbs[] and
 * optdefs[] (kplugctl --generate man|bash-completion, run by make), so
 * that they say what --help says.
 */
static void man_text(const char *s)	/* troff-escaped, line starts safe */
{
	bool bol = true;

	for (; *s; s++) {
		if (bol && (*s == '.' || *s == '\''))
			fputs("\\&", out);
		bol = *s == '\n';
		if (*s == '\\')
			fputs("\\e", out);
		else if (*s == '-')
			fputs("\\-", out);
		else
			fputc(*s, out);
	}
}

static void man_page(void)
{
	char opt[48];
	unsigned int i;

	fprintf(out, ".\\\" Generated by kplugctl --generate man: do not edit.\n"
		".TH KPLUGCTL 8 \"\" \"kplug %s\" \"kplug\"\n"
		".SH NAME\nkplugctl \\- load, run and attach kplug kernel plugins\n"
		".SH SYNOPSIS\n.B kplugctl\n[\\fB\\-j\\fR|\\fB\\-p\\fR] \\fIVERB\\fR [\\fIARGS\\fR]\n"
		".SH DESCRIPTION\n", KPLUGCTL_VERSION);
	man_text("kplugctl drives kplug.ko through /dev/kplug (root only): it compiles C\n"
		 "plugins in process (libtcc) or links objects from any compiler, loads\n"
		 "them, invokes their entry points, attaches them to hook points, and\n"
		 "applies the plugin configuration of /etc/kplug at boot.\n");
	fputs(".SH COMMANDS\n", out);
	for (i = 0; i < NR_VERBS; i++) {
		fputs(".TP\n.B kplugctl ", out);
		man_text(verbs[i].name);
		fputc(' ', out);
		man_text(verbs[i].usage);
		fputc('\n', out);
		man_text(verbs[i].help);
		fputc('\n', out);
	}
	fputs(".SH OPTIONS\n", out);
	for (i = 0; i < NR_OPTS; i++) {
		if (!optdefs[i].help)
			continue;
		if (optdefs[i].short_name)
			snprintf(opt, sizeof(opt), "-%c, --%s", optdefs[i].short_name,
				 optdefs[i].name);
		else
			snprintf(opt, sizeof(opt), "--%s", optdefs[i].name);
		fputs(".TP\n.B ", out);
		man_text(opt);
		fputc('\n', out);
		man_text(optdefs[i].help);
		fputc('\n', out);
	}
	fputs(".TP\n.B \\-\\-\n", out);
	man_text(end_of_options);
	fputs("\n.SH EXIT STATUS\n", out);
	man_text(exit_codes);
	fputs("\n.SH FILES\n.TP\n.I /dev/kplug\nthe module's device\n"
	      ".TP\n.I /etc/kplug/*.conf\nplugins and attachments for \\fBkplugctl apply\\fR\n"
	      ".SH SEE ALSO\n\\fBlibkplug\\fR(3)\n", out);
}

static void completion_words(unsigned int mask)
{
	unsigned int i;

	for (i = 0; i < NR_OPTS; i++) {
		if (!(mask & (1u << i)))
			continue;
		fprintf(out, " --%s", optdefs[i].name);
		if (optdefs[i].short_name)
			fprintf(out, " -%c", optdefs[i].short_name);
	}
}

static void bash_completion(void)
{
	unsigned int i;

	fputs("# bash completion for kplugctl.  Generated by kplugctl --generate\n"
	      "# bash-completion: do not edit.\n"
	      "_kplugctl()\n{\n"
	      "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
	      "\tlocal verb= opts i\n\n"
	      "\tfor ((i = 1; i < COMP_CWORD; i++)); do\n"
	      "\t\tcase ${COMP_WORDS[i]} in\n\t\t-*) ;;\n"
	      "\t\t*) verb=${COMP_WORDS[i]}; break ;;\n\t\tesac\n\tdone\n"
	      "\tcase $prev in\n", out);
	for (i = 0; i < NR_OPTS; i++) {
		if (!optdefs[i].has_arg)
			continue;
		fprintf(out, "\t--%s", optdefs[i].name);
		if (optdefs[i].short_name)
			fprintf(out, "|-%c", optdefs[i].short_name);
		if (optdefs[i].arg_name && !strcmp(optdefs[i].arg_name, "FILE"))
			fputs(")\n\t\tCOMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n", out);
		else
			fputs(")\n\t\tCOMPREPLY=(); return ;;\n", out);
	}
	fputs("\tesac\n\tif [ -z \"$verb\" ]; then\n\t\topts=\"", out);
	for (i = 0; i < NR_VERBS; i++)
		fprintf(out, "%s%s", i ? " " : "", verbs[i].name);
	completion_words(GLOBAL_OPTS | O(VERSION));
	fputs("\"\n\t\tCOMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
	      "\t\treturn\n\tfi\n\tcase $verb in\n", out);
	for (i = 0; i < NR_VERBS; i++) {
		fprintf(out, "\t%s)\topts=\"", verbs[i].name);
		completion_words(verbs[i].opts | GLOBAL_OPTS);
		fputs("\" ;;\n", out);
	}
	fputs("\t*)\treturn ;;\n\tesac\n"
	      "\tif [[ $cur == -* ]]; then\n"
	      "\t\tCOMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
	      "\telse\n\t\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n\tfi\n}\n"
	      "complete -F _kplugctl kplugctl\n", out);
}

static int generate(const char *what)
{
	if (what && !strcmp(what, "man"))
		man_page();
	else if (what && !strcmp(what, "bash-completion"))
		bash_completion();
	else
		return error(EXIT_USAGE, NULL, "--generate wants man or bash-completion");
	return 0;
}

/*
 * The whole command line, nothing run: the options before the verb, the
 * verb, its arguments.  Returns an exit code; 0 with *verb set: run it
 * (a bench verb gets its own arguments, unparsed, in a->rest), 0 with
 * *verb NULL: done (--help, --version printed).  tests/fuzz/fuzz_cli.c
 * calls it on random command lines.
 */
static int parse_command(int argc, char **argv, const struct verb **verb,
			 struct args *a)
{
	const struct verb *v = NULL;
	unsigned int i;
	int a0 = 1, err;

	*verb = NULL;
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
		if (!strcmp(argv[a0], "--generate"))	/* for make: no JSON */
			return json ? error(EXIT_USAGE, NULL, "--generate has no JSON output") :
			       generate(a0 + 1 < argc ? argv[a0 + 1] : NULL);
		err = parse_args(1, argv + a0, GLOBAL_OPTS, 0, "kplugctl", a);
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
		a->rest = argv + a0 + 1;
		a->nrest = argc - a0 - 1;
		*verb = v;
		return 0;
	}
	err = parse_args(argc - a0 - 1, argv + a0 + 1, v->opts | GLOBAL_OPTS,
			 v->max_pos, v->name, a);
	if (err)
		return err;
	if (a->seen & O(HELP)) {	/* text, even with -j */
		printf("Usage: kplugctl %s %s\n\n%s\n", v->name, v->usage, v->help);
		return 0;
	}
	if (a->npos < v->min_pos) {
		char hint[64];

		snprintf(hint, sizeof(hint), "see kplugctl %s --help", v->name);
		return error(EXIT_USAGE, hint, "%s wants %s", v->name, v->usage);
	}
	*verb = v;
	return 0;
}

static int run(int argc, char **argv)
{
	const struct verb *v;
	struct args a = {};
	int err;

	err = parse_command(argc, argv, &v, &a);
	if (err || !v)
		return err;
	if (!v->fn)
		return run_bench(a.nrest, a.rest);
	return v->fn(&a);
}

/*
 * -j anywhere decides how even an error before it is printed (the parser
 * switches to JSON too, for the forms this loop does not see).
 */
static void json_prescan(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json"))
			json = true;
		if (!strcmp(argv[i], "-p") || !strcmp(argv[i], "--pretty"))
			json = pretty = true;
	}
}

#ifndef KPLUGCTL_NO_MAIN
int main(int argc, char **argv)
{
	json_prescan(argc, argv);
	out_init();
	kplug_set_print(NULL);		/* errors are reported here, once */
	return out_finish(run(argc, argv));
}
#endif
