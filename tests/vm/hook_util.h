/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test helpers for the VM tests that drive hooks with real traffic
 * (provider_test.c, hostile_test.c, stress.c, fuzz_vm.c): loopback, UDP
 * sockets, counting the datagrams that arrive, a hook's info by name,
 * module parameters, the monotonic clock.
 */
#ifndef KPLUG_TEST_HOOK_UTIL_H
#define KPLUG_TEST_HOOK_UTIL_H

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../../libkplug/libkplug.h"

/* The monotonic clock in seconds: wall time, only for bounding loops. */
static inline double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static inline int lo_up(void)
{
	struct ifreq ifr = {};
	int s = socket(AF_INET, SOCK_DGRAM, 0), err;

	strcpy(ifr.ifr_name, "lo");
	err = ioctl(s, SIOCGIFFLAGS, &ifr);
	ifr.ifr_flags |= IFF_UP;
	err = err ?: ioctl(s, SIOCSIFFLAGS, &ifr);
	close(s);
	return err;
}

/* A non-blocking UDP socket, bound to loopback port if port is not 0. */
static inline int udp_socket(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
				 .sin_port = htons(port) };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	if (s >= 0 && port && bind(s, (struct sockaddr *)&a, sizeof(a))) {
		close(s);
		return -1;
	}
	return s;
}

/*
 * The datagrams that reach s: wait until `want` have arrived (up to 10 s:
 * a plugin that overran pushes the rest of the softirq work to ksoftirqd,
 * which a loaded TCG host may not run for hundreds of ms), then 200 ms
 * more for any beyond it (a filter failing open late).  A count, not a
 * time: a slow host only makes this wait longer.  Where want is 0 the
 * caller has already seen later datagrams of the same sender arrive
 * (loopback delivers in order).
 */
static inline int drain(int s, int want)
{
	struct pollfd pfd = { .fd = s, .events = POLLIN };
	char buf[16];
	int n = 0, waited = 0;

	for (;;) {
		while (recv(s, buf, sizeof(buf), 0) > 0)
			n++;
		if (n >= want) {
			if (poll(&pfd, 1, 200) <= 0)
				return n;
		} else if (waited >= 10000) {
			return n;
		} else {
			poll(&pfd, 1, 100);
			waited += 100;
		}
	}
}

/* The hook called name, or one with an empty name if there is none. */
static inline struct kplug_hook_args hook_named(const char *name)
{
	struct kplug_hook_args h = {};
	unsigned int i;

	for (i = 0; !kplug_hook_info(i, &h); i++)
		if (!strcmp(h.hook, name))
			return h;
	memset(&h, 0, sizeof(h));
	return h;
}

/* Read (mode "r", into value[size]) or write (mode "w") a module
 * parameter or other sysfs/proc file: 0 or -1. */
static inline int param(const char *path, const char *mode, char *value,
			int size)
{
	FILE *f = fopen(path, mode);
	int err;

	if (!f)
		return -1;
	if (*mode == 'w')
		err = fputs(value, f) < 0;
	else
		err = !fgets(value, size, f);
	return fclose(f) || err ? -1 : 0;
}

#endif
