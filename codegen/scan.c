// SPDX-License-Identifier: LGPL-2.1
/*
 * A look at plugin source before tcc compiles it, for what tcc would
 * accept but a plugin must not have.  It reads the text the way the C
 * preprocessor does (line splices, comments, literals, directives at the
 * start of a line), and reports, as "file:line: error: ...":
 *
 *   - floating point: the words float and double, and floating-point
 *     constants (a pp-number with a '.' or an exponent).  Plugin code runs
 *     with the FPU off (CR0.TS), so x87 code would only fault at run time.
 *     sdk/kplug.h also turns float/double into errors (for any compiler),
 *     but tcc's message for that depends on where the word is, and a
 *     constant needs no keyword at all.
 *   - #include of anything but kplug.h: plugins see only the SDK header.
 *     tcc would look for "x.h" relative to the process's working directory.
 *     `#include <kplug.h>` itself is blanked out: the header is already in
 *     front of the source.
 *   - #pragma comment(...): in tcc, comment(option, "...") passes options
 *     to the compiler in the middle of a compilation (-dumpversion even
 *     exits the process).
 *
 * Conservative on purpose: it does not evaluate #if, so a float in an
 * #if 0 block is reported too.
 */
#include <errno.h>
#include <string.h>
#include "internal.h"

struct scan {
	char *p;		/* the source, in the buffer tcc will compile */
	unsigned int line;
	const char *file;
	struct kplug_codegen_log *log;
};

#define FAIL(s, line, ...) do {						\
	kplug_cg_log((s)->log, "%s:%u: error: ", (s)->file, line);	\
	kplug_cg_log((s)->log, __VA_ARGS__);				\
	return -EINVAL;							\
} while (0)

static bool is_splice(const char *p)
{
	return p[0] == '\\' && (p[1] == '\n' || (p[1] == '\r' && p[2] == '\n'));
}

/* The current character, after any backslash-newline. */
static char cur(struct scan *s)
{
	while (is_splice(s->p)) {
		s->p += s->p[1] == '\n' ? 2 : 3;
		s->line++;
	}
	return *s->p;
}

/* The character after the current one, without moving. */
static char peek(struct scan *s)
{
	const char *q;

	cur(s);
	if (!*s->p)
		return 0;
	for (q = s->p + 1; is_splice(q); q += q[1] == '\n' ? 2 : 3)
		;
	return *q;
}

static char next(struct scan *s)
{
	if (cur(s)) {
		s->line += *s->p == '\n';
		s->p++;
	}
	return cur(s);
}

static bool is_ident(char c, bool first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       c == '$' || (!first && c >= '0' && c <= '9');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static void skip_comment(struct scan *s)
{
	bool block = peek(s) == '*';

	next(s);
	next(s);
	while (cur(s)) {
		if (block ? cur(s) == '*' && peek(s) == '/' : cur(s) == '\n')
			break;
		next(s);
	}
	if (block && cur(s)) {
		next(s);
		next(s);
	}
}

/* Blanks and comments inside one line. */
static void skip_blanks(struct scan *s)
{
	for (;;) {
		char c = cur(s);

		if (is_blank(c))
			next(s);
		else if (c == '/' && (peek(s) == '*' || peek(s) == '/'))
			skip_comment(s);
		else
			return;
	}
}

static void skip_literal(struct scan *s)
{
	char q = cur(s), c;

	for (c = next(s); c && c != q && c != '\n'; c = next(s))
		if (c == '\\')
			next(s);
	if (c == q)
		next(s);
}

/* An identifier or pp-number; buf gets at most size - 1 of its chars. */
static void read_word(struct scan *s, char *buf, size_t size, bool number)
{
	size_t n = 0;
	char c;

	for (c = cur(s); is_ident(c, false) || (number && c == '.'); c = next(s)) {
		if (n + 1 < size)
			buf[n++] = c;
		if (number && strchr("eEpP", c) && (peek(s) == '+' || peek(s) == '-')) {
			next(s);		/* an exponent's sign */
			if (n + 1 < size)
				buf[n++] = cur(s);
		}
	}
	buf[n] = '\0';
}

static bool is_float(const char *num)
{
	bool hex = num[0] == '0' && (num[1] == 'x' || num[1] == 'X');

	return strchr(num, '.') || strpbrk(num, hex ? "pP" : "eE");
}

/* At '#' at the start of a line. */
static int directive(struct scan *s)
{
	char *start = s->p, word[32], name[64], close;
	unsigned int line = s->line;
	size_t n = 0;

	next(s);
	skip_blanks(s);
	read_word(s, word, sizeof(word), false);
	if (!strcmp(word, "pragma")) {
		skip_blanks(s);
		read_word(s, word, sizeof(word), false);
		if (!strcmp(word, "comment"))
			FAIL(s, line, "#pragma comment is not supported in plugins\n");
		return 0;
	}
	if (strcmp(word, "include") && strcmp(word, "include_next"))
		return 0;

	skip_blanks(s);
	if (cur(s) != '<' && cur(s) != '"')
		FAIL(s, line, "#include with a computed name: plugins see only kplug.h\n");
	close = cur(s) == '<' ? '>' : '"';
	while (next(s) && cur(s) != close && cur(s) != '\n')
		if (n + 1 < sizeof(name))
			name[n++] = cur(s);
	name[n] = '\0';
	if (cur(s) == close)
		next(s);
	skip_blanks(s);
	if (strcmp(name, "kplug.h") || (cur(s) && cur(s) != '\n'))
		FAIL(s, line, "#include %c%s%c: plugins see only kplug.h (always included)\n",
		     close == '>' ? '<' : '"', name, close);

	/* the header is already in front: blank the line, keep its newlines */
	for (; start < s->p; start++)
		if (*start != '\n')
			*start = ' ';
	return 0;
}

int kplug_cg_scan(char *src, const char *file, struct kplug_codegen_log *log)
{
	struct scan s = { .p = src, .line = 1, .file = file, .log = log };
	bool bol = true;		/* only blanks so far on this line */
	char word[64];
	int err;

	for (;;) {
		char c = cur(&s);
		unsigned int line = s.line;	/* after any splice */

		if (!c)
			return 0;
		if (c == '\n') {
			next(&s);
			bol = true;
		} else if (is_blank(c)) {
			next(&s);
		} else if (c == '/' && (peek(&s) == '*' || peek(&s) == '/')) {
			skip_comment(&s);
		} else if (c == '"' || c == '\'') {
			skip_literal(&s);
			bol = false;
		} else if (c == '#' && bol) {
			err = directive(&s);
			if (err)
				return err;
			bol = false;
		} else if (is_ident(c, true)) {
			read_word(&s, word, sizeof(word), false);
			if (!strcmp(word, "float") || !strcmp(word, "double"))
				FAIL(&s, line, "'%s': plugins cannot use floating point (the FPU is off in the sandbox)\n",
				     word);
			bol = false;
		} else if (is_digit(c) || (c == '.' && is_digit(peek(&s)))) {
			read_word(&s, word, sizeof(word), true);
			if (is_float(word))
				FAIL(&s, line, "floating-point constant '%s': plugins cannot use floating point (the FPU is off in the sandbox)\n",
				     word);
			bol = false;
		} else {
			next(&s);
			bol = false;
		}
	}
}
