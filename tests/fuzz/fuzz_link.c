// SPDX-License-Identifier: LGPL-2.1
/*
 * libFuzzer target: kplug's ELF32 object reader and linker
 * (codegen/elf.c, link.c), which take objects from any compiler.  The
 * input is one object; the runtime and libtcc1 helpers are linked in as in
 * a real build.  Result: an image or -EINVAL with a reason in the log,
 * and an image it produces passes the kernel's own validator.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "../../codegen/codegen.h"
#include "../../kmod/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[1024], text2[512];
	struct kplug_codegen_log log = { .buf = text, .size = sizeof(text) };
	struct kplug_loader_log klog = { .buf = text2, .size = sizeof(text2) };
	struct kplug_object obj = { .name = "fuzz.o" };
	struct kplug_image img;
	void *image = NULL;
	size_t image_len = 0;
	uint8_t *buf;
	int err;

	buf = fuzz_copy(data, size);
	if (!buf)
		return -1;
	obj.data = buf;
	obj.len = size;
	err = kplug_codegen_link(&obj, 1, 0, &log, &image, &image_len);
	if (err == 0) {
		if (kplug_image_check(image, image_len, &klog, &img))
			abort();	/* the linker made an image Linux refuses */
		free(image);
	} else if (err != -EINVAL && err != -ENOMEM) {
		abort();
	} else if (err == -EINVAL && log.len == 0) {
		abort();	/* a rejection always says why */
	}
	free(buf);
	return 0;
}
