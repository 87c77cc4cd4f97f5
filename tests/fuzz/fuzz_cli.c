// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: kplugctl's command-line parser (parse_command() and
 * parse_args() in tools/kplugctl.c, compiled into this file without its
 * main()).  The input is a command line, its words separated by NUL
 * bytes.  Nothing is run: parse_command() stops before the verb.
 *
 * Whatever the words: the result is 0 or the usage exit code (2), no read
 * outside them; a verb to run has between its minimum and maximum number
 * of positionals, only the options its table entry allows, and every
 * positional and option value points into the words; in JSON mode an
 * error is exactly one valid JSON document with an "error" member.
 */
#include <stdint.h>

#define KPLUGCTL_NO_MAIN
#include "../../tools/kplugctl.c"
#include "../vm/json.h"

#define MAX_WORDS 100

/* p lies in one of the words (a value may be the tail of "--in=FILE"). */
static bool in_words(const char *p, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (p >= argv[i] && p <= argv[i] + strlen(argv[i]))
			return true;
	return false;
}

static void check_verb(const struct verb *v, const struct args *a,
		       int argc, char **argv)
{
	unsigned int i;

	if (!v->fn) {		/* bench: the words after the verb, untouched */
		if (a->nrest < 0 || a->rest + a->nrest != argv + argc)
			abort();
		return;
	}
	if (a->npos < v->min_pos || a->npos > v->max_pos ||
	    (a->seen & ~(v->opts | GLOBAL_OPTS)))
		abort();
	for (i = 0; i < a->npos; i++)
		if (!in_words(a->pos[i], argc, argv))
			abort();
	if (!!a->in != !!(a->seen & O(IN)) ||
	    !!a->out != !!(a->seen & O(OUT)) ||
	    !!a->output != !!(a->seen & O(OUTPUT)))
		abort();
	if ((a->in && !in_words(a->in, argc, argv)) ||
	    (a->out && !in_words(a->out, argc, argv)) ||
	    (a->output && !in_words(a->output, argc, argv)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[MAX_WORDS + 2], *word;
	const struct verb *v;
	struct args a = {};
	const char *val;
	size_t i, start, n;
	int argc = 1, code;

	if (size > 1 << 16)
		return -1;
	argv[0] = "kplugctl";
	/* each word its own allocation of exactly its size, for ASan */
	for (start = 0, i = 0; i <= size && argc <= MAX_WORDS; i++) {
		if (i < size && data[i])
			continue;
		word = malloc(i - start + 1);
		memcpy(word, data + start, i - start);
		word[i - start] = '\0';
		argv[argc++] = word;
		start = i + 1;
	}
	argv[argc] = NULL;

	json = pretty = false;
	j_depth = 0;
	j_member = j_after_key = false;
	json_prescan(argc, argv);
	out_init();
	code = parse_command(argc, argv, &v, &a);
	if (code != 0 && code != EXIT_USAGE)
		abort();
	if (code == 0 && v)
		check_verb(v, &a, argc, argv);
	if (json) {
		fclose(out);
		if (code && (json_parse(doc, doc_len, "error", &val, &n) || !val))
			abort();
		if (!code && doc_len && json_parse(doc, doc_len, NULL, NULL, NULL))
			abort();
		free(doc);
		doc = NULL;
	}
	while (--argc > 0)
		free(argv[argc]);
	return 0;
}
