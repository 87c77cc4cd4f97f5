// SPDX-License-Identifier: LGPL-2.1
/*
 * libFuzzer target: kplug's ELF32 object reader and linker
 * (codegen/elf.c, link.c), which take objects from any compiler.  The
 * input is one object; the runtime and libtcc1 helpers are linked in as in
 * a real build.  Result: an image or -EINVAL with a reason in the log,
 * and an image it produces passes the kernel's own validator and has a
 * sound line table if any (lines.c reads the object's DWARF or stabs).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "../../codegen/codegen.h"
#include "../../kmod/image.h"

/*
 * The line table as kplugctl reads it: inside, sorted, names inside.  The
 * trailer is copied first: in the image it follows data, at any alignment.
 */
static void check_lines(const struct kplug_image *img)
{
	struct kplug_debug_hdr *d;
	const struct kplug_debug_line *row;
	struct kplug_debug_lines f;
	unsigned char *t;
	__u32 i, end;

	if (!img->debug)
		return;
	t = malloc(img->debug_size);
	if (!t)
		return;
	memcpy(t, img->debug, img->debug_size);
	d = (void *)t;
	if (img->debug_size < d->strtab_off + sizeof(f))
		goto out;
	memcpy(&f, t + img->debug_size - sizeof(f), sizeof(f));
	if (f.magic != KPLUG_DEBUG_LINES_MAGIC)
		goto out;
	end = img->debug_size - sizeof(f);
	if (f.lines_off % 4 || f.lines_off < d->strtab_off ||
	    f.lines_off + (__u64)f.nr_lines * sizeof(*row) != end)
		abort();
	row = (const void *)(t + f.lines_off);
	for (i = 0; i < f.nr_lines; i++) {
		if (row[i].offset > img->hdr->text_size ||
		    (i && row[i].offset <= row[i - 1].offset))
			abort();
		if (row[i].line &&
		    (d->strtab_off + row[i].file >= f.lines_off ||
		     !memchr(t + d->strtab_off + row[i].file, 0,
			     f.lines_off - d->strtab_off - row[i].file)))
			abort();
	}
out:
	free(t);
}

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
		check_lines(&img);
		free(image);
	} else if (err != -EINVAL && err != -ENOMEM) {
		abort();
	} else if (err == -EINVAL && log.len == 0) {
		abort();	/* a rejection always says why */
	}
	free(buf);
	return 0;
}
