// SPDX-License-Identifier: LGPL-2.1
/*
 * A reader for ar archives (the System V/GNU format that ar and `tcc -ar`
 * write), enough to find the ELF members of libtcc1.a.  The archive is
 * built in, but it is still read with every size checked.
 */
#include <errno.h>
#include <string.h>
#include "internal.h"

#define AR_MAGIC	"!<arch>\n"
#define AR_HDR_SIZE	60	/* name 16, date 12, uid 6, gid 6, mode 8, size 10, "`\n" */

int kplug_cg_ar_next(const unsigned char *buf, size_t len, size_t *pos,
		     char name[17], const unsigned char **data, size_t *size)
{
	for (;;) {
		const unsigned char *h;
		size_t p = *pos, n = 0;
		int i;

		if (!p) {
			if (len < 8 || memcmp(buf, AR_MAGIC, 8))
				return -EINVAL;
			p = 8;
		}
		p += p & 1;		/* members start on even offsets */
		if (p >= len)
			return 0;
		if (len - p < AR_HDR_SIZE)
			return -EINVAL;
		h = buf + p;
		if (h[58] != '`' || h[59] != '\n')
			return -EINVAL;
		for (i = 48; i < 58 && h[i] != ' '; i++) {
			if (h[i] < '0' || h[i] > '9')
				return -EINVAL;
			n = n * 10 + (h[i] - '0');
		}
		p += AR_HDR_SIZE;
		if (n > len - p)
			return -EINVAL;
		*pos = p + n;
		if (h[0] == '/')	/* "/" symbols, "//" long names */
			continue;
		for (i = 0; i < 16 && h[i] != '/' && h[i] != ' '; i++)
			name[i] = h[i];
		name[i] = '\0';
		*data = buf + p;
		*size = n;
		return 1;
	}
}
