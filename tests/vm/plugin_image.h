/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test helpers: wrap a flat NASM plugin (entry "main" at offset 0) into a
 * kplug image and drive /dev/kplug directly through the uapi.
 */
#ifndef KPLUG_TEST_PLUGIN_IMAGE_H
#define KPLUG_TEST_PLUGIN_IMAGE_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../uapi/kplug.h"

#define PLUGIN_DIR "/kplug/plugins/"

/*
 * An access to addr outside the sandbox was stopped: by paging (#PF at
 * addr, kind bad-access) or, where the CPU checks segment limits (hardware,
 * Bochs) and addr lies past a limit, by the limit first (#GP(0)/#SS(0),
 * kind limit).  tests/vm/limit_test.c asserts which layer decides where.
 */
static inline int stopped_outside(const struct kplug_fault *f, __u32 addr)
{
	if (f->vector == 14)
		return f->kind == KPLUG_FAULT_BAD_ACCESS && f->cr2 == addr;
	return (f->vector == 12 || f->vector == 13) && f->error_code == 0 &&
	       f->kind == KPLUG_FAULT_LIMIT;
}

/* Set an image's checksum after changing it. */
static inline void image_seal(void *image, __u32 len)
{
	struct kplug_image_hdr *h = image;

	h->checksum = 0;
	h->checksum = kplug_crc32(0, image, len);
}

/* Build an image from text; *len gets its size.  free() the result. */
static inline void *image_from_text(const void *text, __u32 text_size,
				    __u32 bss_size, __u32 *len)
{
	struct kplug_image_hdr *h;
	struct kplug_image_entry *e;
	size_t n = sizeof(*h) + sizeof(*e) + text_size;

	h = calloc(1, n);
	if (!h)
		return NULL;
	h->magic = KPLUG_IMAGE_MAGIC;
	h->version = KPLUG_IMAGE_VERSION;
	h->hdr_size = sizeof(*h);
	h->text_size = text_size;
	h->bss_size = bss_size;
	h->nr_entries = 1;
	e = (void *)(h + 1);
	strcpy(e->name, "main");
	memcpy(e + 1, text, text_size);
	*len = n;
	image_seal(h, n);
	return h;
}

/* Read PLUGIN_DIR/file and wrap it; NULL with errno on failure. */
static inline void *image_from_file(const char *file, __u32 *len)
{
	char path[256], buf[65536];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), PLUGIN_DIR "%s", file);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n <= 0)
		return NULL;
	return image_from_text(buf, n, 0, len);
}

static inline int kplug_create_raw(int fd, const char *name, const void *img,
				   __u32 len, char *log, __u32 log_size,
				   __u32 *id)
{
	struct kplug_create_args a = {
		.image = (unsigned long)img, .image_len = len,
		.log_buf = (unsigned long)log, .log_size = log_size,
	};

	snprintf(a.name, sizeof(a.name), "%s", name);
	if (ioctl(fd, KPLUG_IOC_CREATE, &a))
		return -errno;
	*id = a.id;
	return 0;
}

/* Load PLUGIN_DIR/file as plugin name. */
static inline int load_plugin(int fd, const char *name, const char *file,
			      __u32 *id)
{
	__u32 len;
	void *img = image_from_file(file, &len);
	int err;

	if (!img)
		return -errno;
	err = kplug_create_raw(fd, name, img, len, NULL, 0, id);
	free(img);
	return err;
}

static inline int invoke(int fd, __u32 id, __u32 nargs, const __u32 *args,
			 __u32 *result, struct kplug_fault *fault)
{
	struct kplug_invoke_args a = { .id = id, .nargs = nargs };

	memcpy(a.args, args, nargs * 4);
	if (ioctl(fd, KPLUG_IOC_INVOKE, &a)) {
		if (fault)
			*fault = a.fault;
		return -errno;
	}
	*result = a.result;
	return 0;
}

/* Does /proc/cpuinfo list flag (e.g. "umip") for this CPU? */
static inline int cpu_has(const char *flag)
{
	char line[8192], pat[64];
	FILE *f = fopen("/proc/cpuinfo", "r");
	int found = 0;

	snprintf(pat, sizeof(pat), " %s", flag);
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "flags", 5)) {
			char *p = strstr(line, pat);

			found = p && (p[strlen(pat)] == ' ' || p[strlen(pat)] == '\n');
			break;
		}
	if (f)
		fclose(f);
	return found;
}

static inline int remove_plugin(int fd, __u32 id)
{
	struct kplug_remove_args a = { .id = id };

	return ioctl(fd, KPLUG_IOC_REMOVE, &a) ? -errno : 0;
}

#endif
