// SPDX-License-Identifier: GPL-2.0 OR LGPL-2.1
/*
 * Plugin image validation: every header field, size and offset is checked
 * before the kernel trusts any of it.  Shared with the host tests.
 */
#ifdef __KERNEL__
#include <linux/crc32.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
#else
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#endif
#include "image.h"

void kplug_loader_log(struct kplug_loader_log *log, const char *fmt, ...)
{
	va_list ap;
	size_t room;
	int n;

	if (!log || !log->size)
		return;
	room = log->len < log->size ? log->size - log->len : 0;
	va_start(ap, fmt);
	n = vsnprintf(room ? log->buf + log->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		log->len += n;
}

/* The CRC-32 of the image with the header's checksum field as zero. */
static __u32 image_checksum(const struct kplug_image_hdr *h, __u32 len)
{
	struct kplug_image_hdr zeroed = *h;
	__u32 crc;

	zeroed.checksum = 0;
#ifdef __KERNEL__
	crc = ~crc32_le(~0u, (const void *)&zeroed, sizeof(zeroed));
	crc = ~crc32_le(~crc, (const void *)(h + 1), len - sizeof(zeroed));
#else
	crc = kplug_crc32(0, &zeroed, sizeof(zeroed));
	crc = kplug_crc32(crc, h + 1, len - sizeof(zeroed));
#endif
	return crc;
}

#define REJECT(...) do { kplug_loader_log(log, __VA_ARGS__); return -EINVAL; } while (0)

int kplug_image_check(const void *buf, __u32 len, struct kplug_loader_log *log,
		      struct kplug_image *img)
{
	const struct kplug_image_hdr *h = buf;
	const struct kplug_image_entry *e;
	__u64 need;
	__u32 i, j;

	if (len < sizeof(*h))
		REJECT("image: %u bytes is shorter than the %zu-byte header\n",
		       len, sizeof(*h));
	if (h->magic != KPLUG_IMAGE_MAGIC)
		REJECT("header: bad magic 0x%08x (want 0x%08x, \"KPLG\")\n",
		       h->magic, KPLUG_IMAGE_MAGIC);
	if (h->version != KPLUG_IMAGE_VERSION)
		REJECT("header: version %u is not supported (this kernel knows %u)\n",
		       h->version, KPLUG_IMAGE_VERSION);
	if (h->hdr_size != sizeof(*h))
		REJECT("header: hdr_size %u, want %zu\n", h->hdr_size, sizeof(*h));
	if (image_checksum(h, len) != h->checksum)
		REJECT("image: checksum 0x%08x does not match the contents (0x%08x): the image is damaged\n",
		       h->checksum, image_checksum(h, len));
	if (!h->text_size)
		REJECT("header: text_size is 0: an image needs code\n");
	if (h->text_size > KPLUG_TEXT_MAX)
		REJECT("header: text_size %u exceeds the limit of %u\n",
		       h->text_size, KPLUG_TEXT_MAX);
	if ((__u64)h->data_size + h->bss_size > KPLUG_DATA_MAX)
		REJECT("header: data_size %u + bss_size %u exceeds the limit of %u\n",
		       h->data_size, h->bss_size, KPLUG_DATA_MAX);
	if (h->stack_size % KPLUG_PAGE_SIZE || h->stack_size > KPLUG_STACK_MAX)
		REJECT("header: stack_size %u must be a multiple of %u and at most %u\n",
		       h->stack_size, KPLUG_PAGE_SIZE, KPLUG_STACK_MAX);
	if (!h->nr_entries || h->nr_entries > KPLUG_MAX_ENTRIES)
		REJECT("header: nr_entries %u must be 1..%u\n", h->nr_entries,
		       KPLUG_MAX_ENTRIES);

	need = (__u64)sizeof(*h) + (__u64)h->nr_entries * sizeof(*e) +
	       h->text_size + h->data_size;
	if (need > len)
		REJECT("image: %u bytes, but the header describes %llu (header %zu + %u entries x %zu + text %u + data %u)\n",
		       len, (unsigned long long)need, sizeof(*h), h->nr_entries,
		       sizeof(*e), h->text_size, h->data_size);
	/* what follows data can only be a debug trailer, whole */
	if (need < len) {
		struct kplug_debug_hdr d;	/* a copy: data_size may be odd */
		__u32 rest = len - need;

		if (rest >= sizeof(d))
			memcpy(&d, (const __u8 *)buf + need, sizeof(d));
		if (rest < sizeof(d) || d.magic != KPLUG_DEBUG_MAGIC)
			REJECT("image: %u bytes after data, and they are not a debug trailer (magic 0x%08x)\n",
			       rest, KPLUG_DEBUG_MAGIC);
		if (d.size != rest || rest > KPLUG_DEBUG_MAX)
			REJECT("debug: size %u, but %u bytes follow data (at most %u)\n",
			       d.size, rest, KPLUG_DEBUG_MAX);
	}

	e = (const void *)(h + 1);
	for (i = 0; i < h->nr_entries; i++) {
		if (!kplug_name_valid(e[i].name, sizeof(e[i].name), KPLUG_NAME_ENTRY))
			REJECT("entry %u: name must be 1..%d characters of [A-Za-z0-9_], NUL-terminated\n",
			       i, KPLUG_NAME_MAX - 1);
		if (e[i].offset >= h->text_size)
			REJECT("entry %u (%s): offset 0x%x is outside text (size 0x%x)\n",
			       i, e[i].name, e[i].offset, h->text_size);
		if (e[i].reserved)
			REJECT("entry %u (%s): reserved field must be 0\n", i,
			       e[i].name);
		for (j = 0; j < i; j++)
			if (!strcmp(e[i].name, e[j].name))
				REJECT("entry %u: name \"%s\" already used by entry %u\n",
				       i, e[i].name, j);
	}

	if (img) {
		img->hdr = h;
		img->entries = e;
		img->text = (const __u8 *)(e + h->nr_entries);
		img->data = img->text + h->text_size;
		img->debug = need < len ? img->data + h->data_size : NULL;
		img->debug_size = len - need;
	}
	return 0;
}
