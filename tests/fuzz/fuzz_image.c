// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the plugin image validator (kmod/image.c, the code the
 * module runs on every CREATE).  Whatever the bytes, it must return 0 or
 * -EINVAL without reading outside them, and an image it accepts must hold
 * together: every part it points to lies inside the buffer.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "../../kmod/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kplug_image img;
	char text[512];
	struct kplug_loader_log log = { .buf = text, .size = sizeof(text) };
	const uint8_t *end;
	uint8_t *buf;
	int err;

	buf = fuzz_copy(data, size);
	if (!buf)
		return -1;
	end = buf + size;
	err = kplug_image_check(buf, size, &log, &img);
	if (err != 0 && err != -EINVAL)
		abort();
	if (err == 0) {
		const __u8 *e = (const __u8 *)img.entries;

		if ((const uint8_t *)img.hdr != buf || img.text > end ||
		    img.data > end || e > end ||
		    img.text + img.hdr->text_size > end ||
		    img.data + img.hdr->data_size > end ||
		    e + img.hdr->nr_entries * sizeof(*img.entries) > end)
			abort();
	} else if (log.len == 0) {
		abort();	/* a rejection always says why */
	}
	free(buf);
	return 0;
}
