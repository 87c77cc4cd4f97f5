/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by the libFuzzer targets in tests/fuzz/. */
#ifndef KPLUG_FUZZ_H
#define KPLUG_FUZZ_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * A malloc()ed copy of exactly size bytes (libFuzzer's buffer may be
 * larger), so ASan sees any read past them; NULL for inputs over 1 MiB,
 * which no parser here is meant for.
 */
static inline uint8_t *fuzz_copy(const uint8_t *data, size_t size)
{
	uint8_t *buf;

	if (size > 1 << 20)
		return NULL;
	buf = malloc(size ? size : 1);
	memcpy(buf, data, size);
	return buf;
}

#endif
