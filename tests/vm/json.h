/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A strict JSON parser (RFC 8259) for the CLI tests: python3 is not in
 * the test VM, and grep cannot tell valid JSON from text that looks like
 * it.  json_parse() accepts exactly one document (whitespace around it)
 * with well-formed UTF-8, and can find one value by path: object keys
 * and array indices separated by '.', e.g. "entries.0.name".  Shared by
 * tests/vm/json_check.c (the VM's command) and tests/host/cli_test.c.
 */
#ifndef KPLUG_TEST_JSON_H
#define KPLUG_TEST_JSON_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct json {
	const char *s, *end;	/* the text */
	const char *err;	/* first error, NULL while fine */
	const char *found;	/* the value at the path, and its length */
	size_t found_len;
	int depth;
};

static void json_value(struct json *j, const char *path);

static void json_ws(struct json *j)
{
	while (j->s < j->end && (*j->s == ' ' || *j->s == '\t' ||
				 *j->s == '\n' || *j->s == '\r'))
		j->s++;
}

static bool json_fail(struct json *j, const char *why)
{
	if (!j->err)
		j->err = why;
	j->s = j->end;
	return false;
}

static bool json_lit(struct json *j, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(j->end - j->s) < n || memcmp(j->s, lit, n))
		return json_fail(j, "bad literal");
	j->s += n;
	return true;
}

static int json_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A string; *raw and *len get its text between the quotes. */
static bool json_string(struct json *j, const char **raw, size_t *len)
{
	const unsigned char *s;
	int i;

	if (j->s >= j->end || *j->s != '"')
		return json_fail(j, "string expected");
	*raw = ++j->s;
	while (j->s < j->end && *j->s != '"') {
		s = (const unsigned char *)j->s;
		if (*s < 0x20)
			return json_fail(j, "control character in string");
		if (*s == '\\') {
			if (j->end - j->s < 2)
				return json_fail(j, "truncated escape");
			if (strchr("\"\\/bfnrt", s[1]) && s[1]) {
				j->s += 2;
				continue;
			}
			if (s[1] != 'u' || j->end - j->s < 6)
				return json_fail(j, "bad escape");
			for (i = 2; i < 6; i++)
				if (json_hex(s[i]) < 0)
					return json_fail(j, "bad \\u escape");
			j->s += 6;
			continue;
		}
		if (*s < 0x80) {
			j->s++;
			continue;
		}
		{	/* UTF-8: no overlong forms, surrogates or > U+10FFFF */
			unsigned int cp, n, k;

			if (*s >= 0xc2 && *s <= 0xdf)
				n = 2, cp = *s & 0x1f;
			else if (*s >= 0xe0 && *s <= 0xef)
				n = 3, cp = *s & 0x0f;
			else if (*s >= 0xf0 && *s <= 0xf4)
				n = 4, cp = *s & 0x07;
			else
				return json_fail(j, "invalid UTF-8");
			if ((size_t)(j->end - j->s) < n)
				return json_fail(j, "invalid UTF-8");
			for (k = 1; k < n; k++) {
				if ((s[k] & 0xc0) != 0x80)
					return json_fail(j, "invalid UTF-8");
				cp = cp << 6 | (s[k] & 0x3f);
			}
			if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
			    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
				return json_fail(j, "invalid UTF-8");
			j->s += n;
		}
	}
	if (j->s >= j->end)
		return json_fail(j, "unterminated string");
	*len = j->s - *raw;
	j->s++;
	return true;
}

static void json_number(struct json *j)
{
	const char *s = j->s;

	if (s < j->end && *s == '-')
		s++;
	if (s >= j->end || *s < '0' || *s > '9') {
		json_fail(j, "bad number");
		return;
	}
	if (*s == '0')
		s++;
	else
		while (s < j->end && *s >= '0' && *s <= '9')
			s++;
	if (s < j->end && *s == '.') {
		if (++s >= j->end || *s < '0' || *s > '9') {
			json_fail(j, "bad fraction");
			return;
		}
		while (s < j->end && *s >= '0' && *s <= '9')
			s++;
	}
	if (s < j->end && (*s == 'e' || *s == 'E')) {
		if (++s < j->end && (*s == '+' || *s == '-'))
			s++;
		if (s >= j->end || *s < '0' || *s > '9') {
			json_fail(j, "bad exponent");
			return;
		}
		while (s < j->end && *s >= '0' && *s <= '9')
			s++;
	}
	j->s = s;
}

/* path: what remains to find below this value (NULL: nothing). */
static const char *json_path_next(const char *path, const char **comp, size_t *len)
{
	const char *dot = strchr(path, '.');

	*comp = path;
	*len = dot ? (size_t)(dot - path) : strlen(path);
	return dot ? dot + 1 : "";
}

static void json_members(struct json *j, const char *path, bool object)
{
	const char *comp = NULL, *rest = NULL, *key;
	size_t comp_len = 0, key_len, index = 0;
	char close = object ? '}' : ']';

	if (++j->depth > 64) {
		json_fail(j, "nested too deeply");
		return;
	}
	if (path)
		rest = json_path_next(path, &comp, &comp_len);
	j->s++;
	json_ws(j);
	if (j->s < j->end && *j->s == close) {
		j->s++;
		j->depth--;
		return;
	}
	for (;;) {
		bool match = false;

		json_ws(j);
		if (object) {
			if (!json_string(j, &key, &key_len))
				return;
			match = comp && key_len == comp_len && !memcmp(key, comp, key_len);
			json_ws(j);
			if (j->s >= j->end || *j->s != ':') {
				json_fail(j, "':' expected");
				return;
			}
			j->s++;
			json_ws(j);
		} else if (comp) {
			char *end;
			unsigned long want = strtoul(comp, &end, 10);

			match = end == comp + comp_len && end != comp && want == index;
		}
		json_value(j, match ? rest : NULL);
		index++;
		json_ws(j);
		if (j->s < j->end && *j->s == ',') {
			j->s++;
			continue;
		}
		if (j->s < j->end && *j->s == close) {
			j->s++;
			j->depth--;
			return;
		}
		json_fail(j, object ? "',' or '}' expected" : "',' or ']' expected");
		return;
	}
}

static void json_value(struct json *j, const char *path)
{
	const char *start, *raw;
	size_t len;

	json_ws(j);
	start = j->s;
	if (j->s >= j->end) {
		json_fail(j, "value expected");
		return;
	}
	switch (*j->s) {
	case '{':
		json_members(j, path && *path ? path : NULL, true);
		break;
	case '[':
		json_members(j, path && *path ? path : NULL, false);
		break;
	case '"':
		json_string(j, &raw, &len);
		break;
	case 't':
		json_lit(j, "true");
		break;
	case 'f':
		json_lit(j, "false");
		break;
	case 'n':
		json_lit(j, "null");
		break;
	default:
		json_number(j);
	}
	if (path && !*path && !j->err) {
		j->found = start;
		j->found_len = j->s - start;
	}
}

/*
 * Parse s[0..n) as one document; find path (NULL or "" for the whole).
 * Returns NULL when valid, else why not.  *val, *val_len: the text of
 * the value at path (NULL if absent).
 */
static const char *json_parse(const char *s, size_t n, const char *path,
			      const char **val, size_t *val_len)
{
	struct json j = { .s = s, .end = s + n };

	json_value(&j, path ? path : "");
	json_ws(&j);
	if (!j.err && j.s != j.end)
		j.err = "text after the document";
	if (val) {
		*val = j.found;
		*val_len = j.found_len;
	}
	return j.err;
}

#endif /* KPLUG_TEST_JSON_H */
