// SPDX-License-Identifier: LGPL-2.1
/*
 * The code generator's log: messages for the user, appended to a caller's
 * buffer like the kernel's loader log (struct kplug_loader_log in kmod/image.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include "internal.h"

void kplug_cg_log(struct kplug_codegen_log *log, const char *fmt, ...)
{
	va_list ap;
	size_t room;
	int n;

	if (!log || !log->size || !log->buf)
		return;
	room = log->len < log->size ? log->size - log->len : 0;
	va_start(ap, fmt);
	n = vsnprintf(room ? log->buf + log->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		log->len += n;
}

void kplug_cg_log_begin(struct kplug_codegen_log *log)
{
	if (log && log->size && log->buf && !log->len)
		log->buf[0] = '\0';
}

