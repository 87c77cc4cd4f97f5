// SPDX-License-Identifier: GPL-2.0
/*
 * The packet-filter race, eBPF side: the four filters of bench/work/race.c
 * as tc (sched_cls) programs with direct packet access, the fastest form
 * eBPF has for a filter on an skb.  They see the Ethernet frame, so each
 * first checks the Ethertype (the kplug and kernel C filters get the IPv4
 * packet from netfilter, where that test has been made).
 *
 *   raceN    return the verdict (1 match, 0 no): BPF_PROG_TEST_RUN
 *   countN   count a match in `matched`, pass the packet (TC_ACT_OK):
 *            tc ingress on lo, next to kplug's netfilter filter
 *   empty    return 0: what a test run costs around a program
 *
 * Built with clang -O2 -target bpf, loaded with libbpf (bench/race.c).
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#define RACE_NET	0x0a010000u	/* as bench/work/race.c */
#define RACE_PORT	21

__u64 matched;

/* The frame's IPv4 packet (20 bytes readable), or NULL. */
static __always_inline unsigned char *ipv4(struct __sk_buff *skb,
					   unsigned char **end)
{
	unsigned char *data = (void *)(long)skb->data;
	unsigned char *ip = data + 14;

	*end = (void *)(long)skb->data_end;
	if (ip + 20 > *end || data[12] != 0x08 || data[13] != 0x00 ||
	    (ip[0] >> 4) != 4)
		return NULL;
	return ip;
}

static __always_inline int from_net(const unsigned char *ip)
{
	return ((__u32)ip[12] << 24 | ip[13] << 16) == RACE_NET;
}

static __always_inline int filter1(struct __sk_buff *skb)
{
	unsigned char *end;

	return ipv4(skb, &end) != NULL;
}

static __always_inline int filter2(struct __sk_buff *skb)
{
	unsigned char *end, *ip = ipv4(skb, &end);

	return ip && from_net(ip);
}

static __always_inline int filter3(struct __sk_buff *skb)
{
	unsigned char *end, *ip = ipv4(skb, &end);

	return ip && ip[9] == 6 && ip + 24 <= end &&
	       (ip[22] << 8 | ip[23]) == RACE_PORT;
}

static __always_inline int filter4(struct __sk_buff *skb)
{
	unsigned char *end, *ip = ipv4(skb, &end), *tcp;
	unsigned int ihl;

	if (!ip || !from_net(ip) || ip[9] != 6)
		return 0;
	if ((ip[6] & 0x1f) || ip[7])
		return 0;
	ihl = (ip[0] & 15) * 4;
	tcp = ip + ihl;		/* one pointer, checked once, for the verifier */
	if (ihl < 20 || tcp + 4 > end)
		return 0;
	return (tcp[2] << 8 | tcp[3]) == RACE_PORT;
}

#define RACE_PROGS(n)						\
SEC("tc") int race##n(struct __sk_buff *skb)			\
{								\
	return filter##n(skb);					\
}								\
SEC("tc") int count##n(struct __sk_buff *skb)			\
{								\
	if (filter##n(skb))					\
		matched++;					\
	return TC_ACT_OK;					\
}
RACE_PROGS(1)
RACE_PROGS(2)
RACE_PROGS(3)
RACE_PROGS(4)

SEC("tc") int empty(struct __sk_buff *skb)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
