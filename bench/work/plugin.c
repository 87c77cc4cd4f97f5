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

/*
 * The packet-filter race (race.c).  raceN: filter N on the packet in the
 * call's in buffer (the "bench" hook, from its IPv4 header).
 */
#define RACE_ENTRY(n)							\
unsigned int race##n(unsigned int a0, unsigned int a1, unsigned int a2,	\
		     unsigned int a3, unsigned int a4, unsigned int a5,	\
		     const unsigned char *in, unsigned int in_len)	\
{									\
	return race_filter##n(in, in_len);				\
}
RACE_ENTRY(1)
RACE_ENTRY(2)
RACE_ENTRY(3)
RACE_ENTRY(4)

/*
 * countN: on a netfilter hook, count the packets filter N matches and
 * accept them all (0); race_matched() reads the count and clears it.
 */
static unsigned int race_count;

#define RACE_COUNT(n)							\
unsigned int count##n(unsigned int len, unsigned int hooknum,		\
		      unsigned int ifindex, unsigned int a3,		\
		      unsigned int a4, unsigned int a5,			\
		      const unsigned char *in, unsigned int in_len)	\
{									\
	race_count += race_filter##n(in, in_len);			\
	return 0;							\
}
RACE_COUNT(1)
RACE_COUNT(2)
RACE_COUNT(3)
RACE_COUNT(4)

unsigned int race_matched(void)
{
	unsigned int n = race_count;

	race_count = 0;
	return n;
}

/*
 * reps passes of filter f (0: the empty one) over the mix, made here
 * on the first call: the verdicts of the last pass, or -1 for a bad f.
 */
unsigned int race_batch(unsigned int f, unsigned int reps)
{
	static struct race_mix mix;
	static int made;

	if (f > RACE_FILTERS)
		return -1;
	if (!made) {
		race_mix(&mix);
		made = 1;
	}
	return race_run(&mix, f, reps);
}
