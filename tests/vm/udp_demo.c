// SPDX-License-Identifier: GPL-2.0
/*
 * udp_demo PORT... COUNT: send COUNT datagrams over loopback to each
 * PORT, then print how many arrived at each.  For the hook demo of
 * `make run` (busybox has no UDP client).
 */
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int n = argc > 2 ? atoi(argv[argc - 1]) : 0, i, j, rx[8], tx;

	if (n <= 0 || argc - 2 > 8) {
		fprintf(stderr, "usage: udp_demo PORT... COUNT (at most 8 ports)\n");
		return 2;
	}
	tx = socket(AF_INET, SOCK_DGRAM, 0);
	for (i = 0; i < argc - 2; i++) {
		a.sin_port = htons(atoi(argv[i + 1]));
		rx[i] = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		if (bind(rx[i], (struct sockaddr *)&a, sizeof(a))) {
			perror("udp_demo: bind");
			return 1;
		}
		for (j = 0; j < n; j++)
			sendto(tx, "kplug", 5, 0, (struct sockaddr *)&a, sizeof(a));
	}
	for (i = 0; i < argc - 2; i++) {
		struct pollfd p = { .fd = rx[i], .events = POLLIN };
		char buf[16];
		int got = 0;

		poll(&p, 1, 200);
		while (recv(rx[i], buf, sizeof(buf), 0) > 0)
			got++;
		printf("udp port %s: sent %d, received %d\n", argv[i + 1], n, got);
	}
	return 0;
}
