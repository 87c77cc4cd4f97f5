// SPDX-License-Identifier: GPL-2.0
/*
 * json_check [PATH]: exit 0 if stdin is exactly one valid JSON document
 * (tests/vm/json.h); with PATH, print the value there (its JSON text,
 * strings with their quotes) and exit 1 if there is none.  For the shell
 * tests in the VM, which has no python3.
 */
#include <stdio.h>
#include <stdlib.h>

#include "json.h"

int main(int argc, char **argv)
{
	size_t n = 0, cap = 1 << 16, len;
	char *buf = malloc(cap);
	const char *err, *val;

	while (buf && (len = fread(buf + n, 1, cap - n, stdin)) > 0) {
		n += len;
		if (n == cap)
			buf = realloc(buf, cap *= 2);
	}
	if (!buf)
		return 2;
	err = json_parse(buf, n, argc > 1 ? argv[1] : NULL, &val, &len);
	if (err) {
		fprintf(stderr, "json_check: invalid JSON: %s\n", err);
		return 1;
	}
	if (argc > 1) {
		if (!val) {
			fprintf(stderr, "json_check: no value at %s\n", argv[1]);
			return 1;
		}
		printf("%.*s\n", (int)len, val);
	}
	return 0;
}
