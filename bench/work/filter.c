/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Workload 2, a packet filter: parse an IPv4 + UDP header from raw bytes
 * and accept the packet if its destination port is in a table.  No
 * headers, the same text in the bench module and in both plugin builds
 * (see grey.c).  Packets are WORK_PKT_SIZE bytes, starting at the IPv4
 * header (no link layer).
 */
#define WORK_PKT_SIZE	64
#define WORK_NR_PORTS	16

static const unsigned short work_ports[WORK_NR_PORTS] = {
	53, 67, 68, 123, 137, 138, 161, 162,
	443, 500, 514, 1194, 1900, 4500, 5353, 51820,
};

/* 1: accept, 0: drop.  Malformed headers are dropped, never trusted. */
static int work_filter_one(const unsigned char *p, unsigned int len)
{
	unsigned int ihl, tot, port, i;

	if (len < 20 || (p[0] >> 4) != 4)
		return 0;
	ihl = (p[0] & 15) * 4;
	tot = p[2] << 8 | p[3];
	if (ihl < 20 || tot > len || ihl + 8 > tot || p[9] != 17)
		return 0;
	if ((p[6] & 0x3f) || p[7])	/* a fragment: no UDP header here */
		return 0;
	port = p[ihl + 2] << 8 | p[ihl + 3];
	for (i = 0; i < WORK_NR_PORTS; i++)
		if (work_ports[i] == port)
			return 1;
	return 0;
}

/* Packets back to back, WORK_PKT_SIZE apart: the number accepted. */
static unsigned int work_filter(const unsigned char *pkts, unsigned int n)
{
	unsigned int i, accepted = 0;

	for (i = 0; i < n; i++)
		accepted += work_filter_one(pkts + i * WORK_PKT_SIZE,
					    WORK_PKT_SIZE);
	return accepted;
}

/*
 * n deterministic UDP/IPv4 packets: about one in four to a port of the
 * table, a few non-UDP and a few fragments, so every branch is taken.
 */
static void work_packets(unsigned char *pkts, unsigned int n, unsigned int seed)
{
	unsigned int i, j, port;
	unsigned char *p;

	for (i = 0; i < n; i++) {
		p = pkts + i * WORK_PKT_SIZE;
		for (j = 0; j < WORK_PKT_SIZE; j++)
			p[j] = 0;
		seed = seed * 1103515245u + 12345u;
		port = (seed >> 16) & 3 ? (seed >> 8) & 0xffff :
			work_ports[(seed >> 20) % WORK_NR_PORTS];
		p[0] = 0x45;
		p[3] = WORK_PKT_SIZE;
		p[6] = (seed >> 12) % 32 == 0 ? 0x20 : 0x40;	/* MF or DF */
		p[8] = 64;
		p[9] = (seed >> 4) % 16 == 0 ? 6 : 17;		/* TCP or UDP */
		p[22] = port >> 8;
		p[23] = port;
		p[25] = WORK_PKT_SIZE - 20;
	}
}
