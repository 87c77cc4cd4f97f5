/*
 * The hook demo of `make run`: one plugin, two hooks.  drop_udp sits on
 * netfilter:ipv4_local_in and drops UDP to port 7702; count sits on
 * kprobe:getname and counts the kernel's path-name lookups.  stats reads
 * the counters back (they could as well be mapped: kplug_map_data).
 */
static u32 dropped, passed, lookups;

u32 drop_udp(KPLUG_ARGS)
{
	const u8 *ip = in;
	u32 ihl;

	if (in_len < 20 || ip[0] >> 4 != 4 || ip[9] != 17)
		return 0;	/* not IPv4 UDP: accept */
	ihl = (ip[0] & 15) * 4;
	if (in_len < ihl + 4)
		return 0;
	if ((ip[ihl + 2] << 8 | ip[ihl + 3]) == 7702) {
		dropped++;
		return 1;	/* drop */
	}
	passed++;
	return 0;
}

u32 count(KPLUG_ARGS)
{
	lookups++;
	return 0;
}

u32 stats(u32 which)
{
	return which == 0 ? dropped : which == 1 ? passed : lookups;
}
