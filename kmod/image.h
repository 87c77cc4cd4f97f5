/* SPDX-License-Identifier: GPL-2.0 OR LGPL-2.1 */
/*
 * Plugin image validation.  Built into the module and into the host tests
 * (tests/host), so every rule is unit-tested outside the kernel.
 */
#ifndef KPLUG_IMAGE_H
#define KPLUG_IMAGE_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#endif
#include "../uapi/kplug.h"

/*
 * A loader log: text for the user, like the BPF verifier log.  Not the
 * plugin's own log (the SDK's kplug_log() service, struct kplug_log_ring):
 * this one explains why an image or a create was refused.
 */
struct kplug_loader_log {
	char *buf;
	size_t size;		/* 0: logging off */
	size_t len;		/* bytes that would have been written */
};

void kplug_loader_log(struct kplug_loader_log *log, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The parts of a valid image, pointing into it. */
struct kplug_image {
	const struct kplug_image_hdr *hdr;
	const struct kplug_image_entry *entries;
	const __u8 *text;
	const __u8 *data;
	const __u8 *debug;	/* the debug trailer, or NULL */
	__u32 debug_size;
};

int kplug_image_check(const void *buf, __u32 len, struct kplug_loader_log *log,
		      struct kplug_image *img);

#endif /* KPLUG_IMAGE_H */
