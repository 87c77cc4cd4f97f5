/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The packet-filter race (docs/performance.md, "The packet-filter race"):
 * the four filters of Necula and Lee's PCC experiment (OSDI'96), in plain
 * C with no headers, the same text in the bench module (the floor), in
 * both plugin builds and in user space; bench/race.bpf.c is the eBPF
 * version of the same four.
 *
 * A filter gets an IPv4 packet from its header on, as kplug's netfilter
 * hook gives it (no link layer), and returns 1 (match) or 0:
 *   1  IPv4: at least 20 bytes, version 4;
 *   2  1, and the source address is in RACE_NET/16;
 *   3  1, protocol TCP, destination port 21, the TCP header taken to
 *      start at byte 20 (the IP header length ignored, as in PCC's 3);
 *   4  2, protocol TCP, not a later fragment, destination port 21 with
 *      the TCP header where the IP header length says.
 */
#define RACE_NET	0x0a010000u	/* 10.1.0.0/16 */
#define RACE_PORT	21
#define RACE_FILTERS	4
#define RACE_MIX	10		/* frames in the packet mix */
#define RACE_FRAME_MAX	80		/* bytes, Ethernet header included */
#define RACE_ETH_HLEN	14

static int race_ipv4(const unsigned char *p, unsigned int len)
{
	return len >= 20 && (p[0] >> 4) == 4;
}

static int race_from_net(const unsigned char *p)
{
	return ((unsigned int)p[12] << 24 | p[13] << 16) == RACE_NET;
}

static int race_filter1(const unsigned char *p, unsigned int len)
{
	return race_ipv4(p, len);
}

static int race_filter2(const unsigned char *p, unsigned int len)
{
	return race_ipv4(p, len) && race_from_net(p);
}

static int race_filter3(const unsigned char *p, unsigned int len)
{
	return race_ipv4(p, len) && p[9] == 6 && len >= 24 &&
	       (p[22] << 8 | p[23]) == RACE_PORT;
}

static int race_filter4(const unsigned char *p, unsigned int len)
{
	unsigned int ihl;

	if (!race_ipv4(p, len) || !race_from_net(p) || p[9] != 6)
		return 0;
	if ((p[6] & 0x1f) || p[7])	/* a later fragment: no TCP header */
		return 0;
	ihl = (p[0] & 15) * 4;
	return ihl >= 20 && len >= ihl + 4 &&
	       (p[ihl + 2] << 8 | p[ihl + 3]) == RACE_PORT;
}

/*
 * The packet mix: Ethernet frames, each written down by hand with the
 * verdict each filter must give (bit f-1 of `want`), so the filters are
 * checked against this table, not against each other.
 */
static const struct race_frame {
	unsigned short type;		/* Ethertype */
	unsigned char ihl;		/* IPv4: header words */
	unsigned char proto;		/* IPv4: protocol */
	unsigned int src;		/* IPv4: source address */
	unsigned short frag;		/* IPv4: flags and fragment offset */
	unsigned short dport;		/* TCP/UDP destination port */
	unsigned char l4;		/* bytes after the IP header */
	unsigned char want;		/* bit f-1: filter f matches */
} race_frames[RACE_MIX] = {
	{ 0x0800, 5, 6, 0x0a010203, 0x4000, 21, 20, 0xf },	/* FTP from the net */
	{ 0x0800, 6, 6, 0x0a010203, 0x4000, 21, 20, 0xb },	/* same, IP options */
	{ 0x0800, 5, 6, 0x0a020001, 0x4000, 21, 20, 0x5 },	/* FTP, other net */
	{ 0x0800, 5, 6, 0x0a010203, 0x4000, 80, 20, 0x3 },	/* HTTP from the net */
	{ 0x0800, 5, 17, 0x0a010203, 0x0000, 21, 8, 0x3 },	/* UDP to 21 */
	{ 0x0800, 5, 6, 0x0a010203, 0x0001, 21, 20, 0x7 },	/* later fragment */
	{ 0x0800, 6, 6, 0xc0a80001, 0x4000, 21, 20, 0x1 },	/* options, other net */
	{ 0x0800, 5, 6, 0x0a010203, 0x4000, 21, 0, 0x3 },	/* IP header only */
	{ 0x86dd, 0, 0, 0, 0, 0, 40, 0x0 },			/* IPv6 */
	{ 0x0806, 0, 0, 0, 0, 0, 28, 0x0 },			/* ARP */
};

/* Write frame i of the mix at f (RACE_FRAME_MAX bytes); its length. */
static unsigned int race_frame(unsigned int i, unsigned char *f)
{
	const struct race_frame *r = &race_frames[i];
	unsigned int j, len, hl = r->ihl * 4;
	unsigned char *ip = f + RACE_ETH_HLEN, *l4 = ip + hl;

	for (j = 0; j < RACE_FRAME_MAX; j++)
		f[j] = 0;
	f[0] = 2;			/* destination MAC 02:00:00:00:00:01 */
	f[5] = 1;
	f[12] = r->type >> 8;
	f[13] = r->type;
	if (r->type == 0x86dd)
		ip[0] = 0x60;
	if (r->type == 0x0806) {	/* ARP request, Ethernet/IPv4 */
		ip[1] = 1;
		ip[2] = 8;
		ip[4] = 6;
		ip[5] = 4;
		ip[7] = 1;
	}
	if (r->type != 0x0800)
		return RACE_ETH_HLEN + r->l4;
	len = hl + r->l4;
	ip[0] = 0x40 | r->ihl;
	ip[2] = len >> 8;
	ip[3] = len;
	ip[6] = r->frag >> 8;
	ip[7] = r->frag;
	ip[8] = 64;
	ip[9] = r->proto;
	ip[12] = r->src >> 24;
	ip[13] = r->src >> 16;
	ip[14] = r->src >> 8;
	ip[15] = r->src;
	ip[16] = 10;			/* destination 10.0.0.1 */
	ip[19] = 1;
	for (j = 20; j < hl; j++)
		ip[j] = 1;		/* IP options: NOPs */
	if (r->l4) {
		l4[0] = 0x9c;		/* source port 40000 */
		l4[1] = 0x40;
		l4[2] = r->dport >> 8;
		l4[3] = r->dport;
	}
	return RACE_ETH_HLEN + len;
}

/* The empty filter: what calling a filter costs, subtracted from 1..4. */
static int race_filter0(const unsigned char *p, unsigned int len)
{
	return 0;
}

static int (*const race_filters[RACE_FILTERS + 1])(const unsigned char *,
						   unsigned int) = {
	race_filter0, race_filter1, race_filter2, race_filter3, race_filter4,
};

struct race_mix {
	unsigned char frame[RACE_MIX][RACE_FRAME_MAX];
	unsigned int len[RACE_MIX];
};

static void race_mix(struct race_mix *m)
{
	unsigned int i;

	for (i = 0; i < RACE_MIX; i++)
		m->len[i] = race_frame(i, m->frame[i]);
}

/*
 * reps passes of filter f (0..4) over the mix, each packet from its IPv4
 * header as netfilter gives it; the verdicts of the last pass (bit i:
 * frame i matched).
 */
static unsigned int race_run(const struct race_mix *m, unsigned int f,
			     unsigned int reps)
{
	unsigned int r, i, v = 0;

	for (r = 0; r < reps; r++)
		for (i = 0, v = 0; i < RACE_MIX; i++)
			v |= race_filters[f](m->frame[i] + RACE_ETH_HLEN,
					     m->len[i] - RACE_ETH_HLEN) << i;
	return v;
}
