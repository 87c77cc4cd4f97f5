// SPDX-License-Identifier: LGPL-2.1
/*
 * libFuzzer target: the ar reader (codegen/archive.c), which walks
 * archives of helper objects.  Every member it returns lies inside the
 * buffer, and the walk ends.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "../../codegen/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const unsigned char *member;
	size_t pos = 0, len, last = 0;
	char name[17];
	uint8_t *buf;
	int r;

	buf = fuzz_copy(data, size);
	if (!buf)
		return -1;
	while ((r = kplug_cg_ar_next(buf, size, &pos, name, &member, &len)) == 1) {
		if (member < buf || member + len > buf + size || pos <= last ||
		    strnlen(name, sizeof(name)) == sizeof(name))
			abort();
		last = pos;
		if (len)	/* touch the member's ends: ASan checks them */
			(void)*(volatile const unsigned char *)(member + len - 1);
	}
	if (r != 0 && r != -EINVAL)
		abort();
	free(buf);
	return 0;
}
