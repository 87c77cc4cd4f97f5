/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Workload 1, the Kernel Plugins paper's image transcoder: 24-bit colour
 * (r, g, b bytes) to 8-bit grey.  Plain C with no headers, so the very
 * same text is compiled into the bench module (gcc -O2, x86-64), into a
 * plugin by libtcc and into a plugin by gcc -m32 -O2: the difference
 * between them is the sandbox and the compiler, not the source.
 */

/* ITU-R BT.601 luma in 8.8 fixed point: the weights sum to 256. */
static void work_grey(const unsigned char *rgb, unsigned char *grey,
		      unsigned int pixels)
{
	unsigned int i;

	for (i = 0; i < pixels; i++, rgb += 3)
		grey[i] = (77 * rgb[0] + 150 * rgb[1] + 29 * rgb[2]) >> 8;
}

/* Deterministic test pattern, so kernel and user fill the same bytes. */
static void work_fill(unsigned char *buf, unsigned int len, unsigned int seed)
{
	unsigned int i;

	for (i = 0; i < len; i++) {
		seed = seed * 1103515245u + 12345u;
		buf[i] = seed >> 16;
	}
}
