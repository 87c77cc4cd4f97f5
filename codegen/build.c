// SPDX-License-Identifier: LGPL-2.1
/*
 * C source to kplug image in one call: what kplug_create() needs.
 */
#include <errno.h>
#include <stdlib.h>
#include "internal.h"

int kplug_codegen_build(const char *filename, const char *source,
			__u32 stack_size, struct kplug_codegen_log *log,
			void **image, size_t *image_len)
{
	struct kplug_object o = { .name = filename ? filename : "plugin.c" };
	void *obj;
	int err;

	if (!image || !image_len)
		return kplug_err(-EINVAL);
	*image = NULL;
	*image_len = 0;
	err = kplug_codegen_compile(filename, source, log, &obj, &o.len);
	if (err)
		return err;
	o.data = obj;
	err = kplug_codegen_link(&o, 1, stack_size, log, image, image_len);
	free(obj);
	return err;
}
