/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The workload plugin's entries, around grey.c and filter.c (the build
 * concatenates the three files: a plugin source has no #include).  The
 * user writes the image or the packets into this plugin's bss through
 * kplug_map_data() and then invokes; offsets below are from the start of
 * the mapping (the plugin's data_base), so user space needs no symbols.
 */
#define WORK_RGB_MAX	(3400u * 1024)		/* a 3.3 MB 24-bit image */
#define WORK_PKTS_MAX	4096

static unsigned char work_rgb[WORK_RGB_MAX];
static unsigned char work_out[WORK_RGB_MAX / 3 + 16];
static unsigned char work_pkts[WORK_PKTS_MAX * WORK_PKT_SIZE];

/* Where the buffers are: 0 rgb, 1 grey out, 2 packets (sandbox address). */
unsigned int buf_addr(unsigned int which)
{
	return which == 0 ? (unsigned int)work_rgb :
	       which == 1 ? (unsigned int)work_out : (unsigned int)work_pkts;
}

/* Transcode `pixels` pixels of work_rgb into work_out; returns a byte
 * of the result so the work cannot be optimised away. */
unsigned int grey(unsigned int pixels)
{
	if (pixels > WORK_RGB_MAX / 3)
		return -1;
	work_grey(work_rgb, work_out, pixels);
	return pixels ? work_out[pixels - 1] : 0;
}

/* Filter n packets from work_pkts: the number accepted. */
unsigned int filter(unsigned int n)
{
	if (n > WORK_PKTS_MAX)
		return -1;
	return work_filter(work_pkts, n);
}

/* One packet from the call's in buffer (a hook-style per-packet call). */
unsigned int filter_in(unsigned int a0, unsigned int a1, unsigned int a2,
		       unsigned int a3, unsigned int a4, unsigned int a5,
		       const unsigned char *in, unsigned int in_len)
{
	return work_filter_one(in, in_len);
}

/* The transfer benchmark's plugin: nothing at all, with 0..6 arguments. */
int null(void)
{
	return 0;
}
