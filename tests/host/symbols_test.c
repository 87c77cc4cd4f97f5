// SPDX-License-Identifier: GPL-2.0
/*
 * libkplug.a exports only its API: a program with its own functions and
 * variables named like libtcc's (tcc_new, new_scope, ...) links with it,
 * keeps them to itself, and libkplug still compiles with its own.  Also
 * checks the archive's global symbols against libkplug.map with nm.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../libkplug/libkplug.h"
#include "kselftest_harness.h"

/* The program's own, same names as libtcc's globals. */
static int calls;
void *tcc_new(void) { calls++; return NULL; }
void tcc_delete(void *s) { calls++; }
int tcc_compile_string(void *s, const char *str) { calls++; return -1; }
void *tcc_malloc(unsigned long n) { calls++; return NULL; }
void new_scope(void *o) { calls++; }
void leave_scope(void *o) { calls++; }
void *prev_scope;
int nb_temp_local_vars = 12345;
void _tcc_error(const char *fmt, ...) { calls++; }

TEST(own_symbols_stay_the_programs)
{
	static const char src[] = "u32 f(u32 a)\n{\n\treturn a + 1;\n}\n";
	char log[4096] = "";
	KPLUG_OPTS(opts, .log_buf = log, .log_size = sizeof(log));
	void *image = NULL;
	size_t len = 0;

	ASSERT_EQ(0, kplug_build("t.c", src, &opts, &image, &len)) TH_LOG("%s", log);
	EXPECT_LT(0, len);
	free(image);
	EXPECT_EQ(0, calls);
	EXPECT_EQ(12345, nb_temp_local_vars);
	EXPECT_EQ(NULL, prev_scope);
}

/* Every defined global of libkplug.a is a name of libkplug.map. */
TEST(only_the_api_is_global)
{
	char cmd[4096], sym[256], map[8192], line[512];
	size_t n;
	FILE *f;
	int seen = 0;

	f = fopen(LIBKPLUG_MAP, "r");
	ASSERT_NE(NULL, f);
	n = fread(map, 1, sizeof(map) - 1, f);
	map[n] = '\0';
	fclose(f);
	snprintf(cmd, sizeof(cmd), "nm -g --defined-only %s", LIBKPLUG_A);
	f = popen(cmd, "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		char want[300], type;

		/* "VALUE TYPE NAME"; the archive member's header is skipped */
		if (sscanf(line, "%*s %c %255s", &type, sym) != 2)
			continue;

		snprintf(want, sizeof(want), "\t%s;", sym);
		EXPECT_NE(NULL, strstr(map, want)) TH_LOG("%s is global", sym);
		seen++;
	}
	pclose(f);
	EXPECT_LT(10, seen);
}

TEST_HARNESS_MAIN
