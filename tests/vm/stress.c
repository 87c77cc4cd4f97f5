// SPDX-License-Identifier: GPL-2.0
/*
 * Churn stress for the test VM (make stress; a short run in make check):
 * every kind of work at once, from several threads and processes, for
 * SECONDS, with every result checked.
 *
 *   churn    create, invoke, map, remove, again and again
 *   hammer   three threads calling one shared plugin
 *   hooks    attach and detach a netfilter filter while
 *   traffic  loopback UDP runs through it (every datagram must arrive:
 *            the filter accepts all)
 *   mapper   map a plugin's data, remove the plugin, use the mapping
 *   killer   SIGKILL a child in the middle of a create or an invocation
 *   lister   walk the plugin list
 *
 * Then: every plugin it made is gone, and the kernel's unreclaimable slab
 * is within a bound of where it started (nothing grows with the work).
 * Prints one line per kind with its count, and "stress: ok" or
 * "stress: FAILED".  Usage: stress SECONDS (root, kplug.ko loaded).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "hook_util.h"

#define NF_HOOK_NAME	"netfilter:ipv4_local_in"
#define PORT		7731

static const char src[] =
	"static u32 calls;\n"
	"u32 add(u32 a, u32 b) { calls++; return a + b; }\n"
	"u32 spin(u32 n) { volatile u32 i; for (i = 0; i < n; i++); return n; }\n"
	"u32 filter(KPLUG_ARGS) { calls++; return 0; }\n";

/* src built once (kplug_build): creates load the image, not recompile */
static void *image;
static size_t image_len;

static struct kplug *create(const char *name)
{
	return kplug_create_image(name, image, image_len, NULL);
}

static double deadline;
static atomic_int failures;
static atomic_ulong churned, hammered, attached, datagrams, mapped, killed,
	listed;

static int running(void)
{
	return now_s() < deadline && !failures;
}

#define FAIL(...) do {							\
	fprintf(stderr, "stress: FAIL: " __VA_ARGS__);			\
	fputc('\n', stderr);						\
	failures++;							\
} while (0)

static int add(struct kplug *p, __u32 a, __u32 b)
{
	__u32 args[2] = { a, b }, r = 0;
	int err = kplug_invoke(p, "add", args, 2, NULL, 0, NULL, 0, &r);

	if (err)
		FAIL("%s: add: %s", kplug_name(p), kplug_strerror(err));
	else if (r != a + b)
		FAIL("%s: add(%u, %u) = %u", kplug_name(p), a, b, r);
	return err || r != a + b;
}

static void *churn(void *arg)
{
	char name[32];
	unsigned int n = 0, i;

	while (running()) {
		struct kplug *p;
		size_t len;
		__u32 *data;

		snprintf(name, sizeof(name), "st.churn.%u", n++);
		p = create(name);
		if (!p) {
			FAIL("create %s: %s", name, strerror(errno));
			break;
		}
		for (i = 0; i < 20 && !add(p, i, n); i++)
			;
		data = kplug_map_data(p, &len);
		if (!data)
			FAIL("map %s: %s", name, strerror(errno));
		else if (data[0] != 20)		/* calls, the only data */
			FAIL("%s: calls %u, not 20", name, data[0]);
		if (data)
			munmap(data, len);
		if (kplug_remove(p))
			FAIL("remove %s", name);
		churned++;
	}
	return NULL;
}

static void *hammer(void *arg)
{
	struct kplug *p = arg;
	__u32 i = 0;

	while (running() && !add(p, i, ~i * 3))
		i++, hammered++;
	return NULL;
}

static void *hooks(void *arg)
{
	struct kplug *p = arg;
	int err;

	while (running()) {
		err = kplug_attach(p, NF_HOOK_NAME, "filter");
		if (err) {
			FAIL("attach: %s", kplug_strerror(err));
			break;
		}
		usleep(2000);
		err = kplug_detach(p, NF_HOOK_NAME, "filter");
		if (err) {
			FAIL("detach: %s", kplug_strerror(err));
			break;
		}
		attached++;
	}
	return NULL;
}

static void *traffic(void *arg)
{
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_port = htons(PORT),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int rx = udp_socket(PORT), tx = udp_socket(0);
	struct pollfd pfd = { .fd = rx, .events = POLLIN };
	char buf[16];

	if (rx < 0 || tx < 0) {
		FAIL("udp sockets: %s", strerror(errno));
		return NULL;
	}
	while (running()) {
		if (sendto(tx, "x", 1, 0, (struct sockaddr *)&to,
			   sizeof(to)) != 1) {
			FAIL("sendto: %s", strerror(errno));
			break;
		}
		/* one at a time: a filter that accepts all loses none
		 * (10 s: far above any stall of the emulated CPUs) */
		if (poll(&pfd, 1, 10000) != 1 ||
		    recv(rx, buf, sizeof(buf), 0) != 1) {
			FAIL("a datagram went missing through the filter");
			break;
		}
		datagrams++;
	}
	close(rx);
	close(tx);
	return NULL;
}

static void *mapper(void *arg)
{
	char name[32];
	unsigned int n = 0;

	while (running()) {
		struct kplug *p;
		volatile __u32 *data;
		size_t len;

		snprintf(name, sizeof(name), "st.map.%u", n++);
		p = create(name);
		if (!p) {
			FAIL("create %s: %s", name, strerror(errno));
			break;
		}
		add(p, 1, 2);
		data = kplug_map_data(p, &len);
		if (!data) {
			FAIL("map %s: %s", name, strerror(errno));
			kplug_remove(p);
			break;
		}
		if (kplug_remove(p))
			FAIL("remove %s", name);
		/* the mapping holds its pages: still there, still ours */
		if (data[0] != 1)
			FAIL("%s: calls %u after remove, not 1", name, data[0]);
		data[0] = 42;
		if (data[0] != 42)
			FAIL("%s: mapping not writable after remove", name);
		munmap((void *)data, len);
		mapped++;
	}
	return NULL;
}

/* A child is killed at a random moment of a create or a long call. */
static void *killer(void *arg)
{
	unsigned int n = 0, seed = getpid();

	while (running()) {
		char name[32];
		struct kplug *p;
		pid_t pid;

		snprintf(name, sizeof(name), "st.kill.%u", n++);
		pid = fork();
		if (pid == 0) {
			__u32 big = 200000000, r;

			p = create(name);
			if (p)
				kplug_invoke(p, "spin", &big, 1, NULL, 0, NULL,
					     0, &r);
			_exit(0);
		}
		if (pid < 0) {
			FAIL("fork: %s", strerror(errno));
			break;
		}
		usleep(rand_r(&seed) % 50000);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		/* plugins outlive their creator: remove it if it was made */
		p = kplug_open(name);
		if (p && kplug_remove(p))
			FAIL("remove %s", name);
		killed++;
	}
	return NULL;
}

static void *lister(void *arg)
{
	struct kplug_info_args info;
	__u32 id;

	while (running()) {
		id = 0;
		memset(&info, 0, sizeof(info));
		while (!kplug_info_next(id, &info)) {
			id = info.id;
			memset(&info, 0, sizeof(info));
		}
		listed++;
	}
	return NULL;
}

/* Unreclaimable slab, in kB (/proc/meminfo). */
static long slab_kb(void)
{
	char line[128];
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "SUnreclaim: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

/* Plugins whose names start with "st.": none may be left. */
static int leftovers(void)
{
	struct kplug_info_args info = {};
	__u32 id = 0;
	int n = 0;

	while (!kplug_info_next(id, &info)) {
		if (!strncmp(info.name, "st.", 3)) {
			fprintf(stderr, "stress: left behind: %s\n", info.name);
			n++;
		}
		id = info.id;
		memset(&info, 0, sizeof(info));
	}
	return n;
}

int main(int argc, char **argv)
{
	void *(*const kinds[])(void *) = { churn, hammer, hammer, hammer,
					   hooks, traffic, mapper, killer,
					   lister };
	struct kplug *shared, *hook;
	pthread_t th[9];
	long before, after;
	unsigned int i;

	if (argc != 2 || atoi(argv[1]) <= 0) {
		fprintf(stderr, "usage: stress SECONDS\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (lo_up()) {
		perror("stress: loopback");
		return 1;
	}
	if (kplug_build("stress.c", src, NULL, &image, &image_len)) {
		perror("stress: build");
		return 1;
	}
	before = slab_kb();
	shared = create("st.shared");
	hook = create("st.hook");
	if (!shared || !hook) {
		perror("stress: create");
		return 1;
	}
	/*
	 * The first attach registers the netfilter hook, which patches the
	 * kernel's code (a static key): done here, before the traffic, since
	 * QEMU's TCG with several vCPUs can keep a stale translation of a
	 * site patched while another vCPU runs it (tests/vm/provider_test.c).
	 * The hook stays registered until the module goes.
	 */
	if (kplug_attach(hook, NF_HOOK_NAME, "filter") ||
	    kplug_detach(hook, NF_HOOK_NAME, "filter")) {
		perror("stress: first attach");
		return 1;
	}
	deadline = now_s() + atoi(argv[1]);
	for (i = 0; i < 9; i++)
		pthread_create(&th[i], NULL, kinds[i],
			       kinds[i] == hooks ? (void *)hook : shared);
	for (i = 0; i < 9; i++)
		pthread_join(th[i], NULL);
	if (kplug_remove(shared) || kplug_remove(hook))
		FAIL("removing the shared plugins");
	if (leftovers())
		FAIL("plugins left behind");
	sleep(2);	/* frees deferred past an RCU grace period */
	after = slab_kb();

	printf("stress: %s s: %lu create/invoke/map/remove cycles, %lu shared calls, %lu attach/detach, %lu datagrams through the filter, %lu map-then-remove, %lu SIGKILLed children, %lu list walks\n",
	       argv[1], churned, hammered, attached, datagrams, mapped,
	       killed, listed);
	/*
	 * The bound: slab moves by itself (sockets, task structs of the
	 * children just reaped, RCU-freed objects not yet freed); 4 MB is
	 * far above that and far below what a leak per operation would add
	 * over thousands of them.
	 */
	printf("stress: unreclaimable slab %ld kB before, %ld kB after\n",
	       before, after);
	if (before < 0 || after - before > 4096)
		FAIL("unreclaimable slab grew by %ld kB", after - before);
	printf("stress: %s\n", failures ? "FAILED" : "ok");
	return failures ? 1 : 0;
}
