// SPDX-License-Identifier: LGPL-2.1
/*
 * libFuzzer target: the source pre-scanner (codegen/scan.c), which reads
 * plugin C before tcc does.  Any text: 0 or -EINVAL with a reason, no read
 * outside the string, and the text keeps its length (it only blanks).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../codegen/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[512];
	struct kplug_codegen_log log = { .buf = text, .size = sizeof(text) };
	char *src;
	size_t n;
	int err;

	if (size > 1 << 20)
		return -1;
	src = malloc(size + 1);
	memcpy(src, data, size);
	src[size] = '\0';
	n = strlen(src);
	err = kplug_cg_scan(src, "fuzz.c", &log);
	if ((err != 0 && err != -EINVAL) || strlen(src) != n ||
	    (err == -EINVAL && log.len == 0))
		abort();
	free(src);
	return 0;
}
