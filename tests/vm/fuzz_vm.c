// SPDX-License-Identifier: GPL-2.0
/*
 * The in-VM fuzzer (make fuzz-vm; a short run in make check): the real
 * module, for SECONDS, from two threads.
 *
 *   images   CREATE with mutated images (header fields, entries, sizes,
 *            random bytes; the checksum resealed most of the time, so the
 *            mutations reach the deep checks).  An independent oracle
 *            written here from the image format in uapi/kplug.h predicts
 *            accept or reject; they must agree.  What is accepted is
 *            invoked: random entries, arguments and buffers, mutated code
 *            run at ring 1 (a fault or the budget is fine, an oops is not),
 *            then removed.
 *   abuse    ioctls, mmap and close with bad pointers (NULL, read-only,
 *            PROT_NONE, kernel, non-canonical, straddling an unmapped
 *            page), huge sizes and unknown commands, on an fd another
 *            thread closes and reopens underneath.
 *
 * Prints counts and rates and "fuzz-vm: ok" or "fuzz-vm: FAILED" (an
 * oracle mismatch, an errno outside the documented ones).  The kernel log
 * must stay clean: the rig checks it.  Usage: fuzz_vm SECONDS [SEED]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include "../../uapi/kplug.h"
#include "hook_util.h"

static double deadline;
static atomic_int failures;
static atomic_ulong created, rejected, nomem, invoked, faulted, abused;
static atomic_int dev_fd = -1;

#define FAIL(...) do {							\
	fprintf(stderr, "fuzz-vm: FAIL: " __VA_ARGS__);			\
	fputc('\n', stderr);						\
	failures++;							\
} while (0)

static __u32 rnd(__u64 *s)	/* xorshift64* */
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (*s * 2685821657736338717ull) >> 32;
}

/* --- the oracle ------------------------------------------------------------ */
/* Written again, not uapi's kplug_name_valid(): the oracle must not share
 * the code it checks. */
static int name_ok(const char *n, size_t size)
{
	size_t i;

	for (i = 0; i < size && n[i]; i++)
		if (!(n[i] == '_' || (n[i] >= '0' && n[i] <= '9') ||
		      (n[i] >= 'a' && n[i] <= 'z') || (n[i] >= 'A' && n[i] <= 'Z')))
			return 0;
	return i > 0 && i < size;
}

/* 1 if uapi/kplug.h's rules accept the image, else 0. */
static int oracle(const __u8 *img, __u32 len)
{
	struct kplug_image_hdr h;
	const struct kplug_image_entry *e;
	__u32 i, j, sum;
	__u64 need;
	__u8 *copy;

	if (len < sizeof(h))
		return 0;
	memcpy(&h, img, sizeof(h));
	if (h.magic != KPLUG_IMAGE_MAGIC || h.version != KPLUG_IMAGE_VERSION ||
	    h.hdr_size != sizeof(h))
		return 0;
	copy = malloc(len);
	memcpy(copy, img, len);
	((struct kplug_image_hdr *)copy)->checksum = 0;
	sum = kplug_crc32(0, copy, len);
	free(copy);
	if (sum != h.checksum)
		return 0;
	if (!h.text_size || h.text_size > KPLUG_TEXT_MAX ||
	    (__u64)h.data_size + h.bss_size > KPLUG_DATA_MAX ||
	    h.stack_size % KPLUG_PAGE_SIZE || h.stack_size > KPLUG_STACK_MAX ||
	    !h.nr_entries || h.nr_entries > KPLUG_MAX_ENTRIES)
		return 0;
	need = (__u64)sizeof(h) + (__u64)h.nr_entries * sizeof(*e) +
	       h.text_size + h.data_size;
	if (need > len)
		return 0;
	if (need < len) {	/* a debug trailer: magic, and its size is the rest */
		struct kplug_debug_hdr d;

		if (len - need < sizeof(d))
			return 0;
		memcpy(&d, img + need, sizeof(d));
		if (d.magic != KPLUG_DEBUG_MAGIC || d.size != len - need ||
		    d.size > KPLUG_DEBUG_MAX)
			return 0;
	}
	e = (const void *)(img + sizeof(h));
	for (i = 0; i < h.nr_entries; i++) {
		if (!name_ok(e[i].name, sizeof(e[i].name)) ||
		    e[i].offset >= h.text_size || e[i].reserved)
			return 0;
		for (j = 0; j < i; j++)
			if (!strncmp(e[i].name, e[j].name, sizeof(e[i].name)))
				return 0;
	}
	return 1;
}

/* --- images ---------------------------------------------------------------- */
static const char seed_src[] =
	"static u32 table[64], calls;\n"
	"static char text[] = \"kplug\";\n"
	"u32 add(u32 a, u32 b) { calls++; return a + b; }\n"
	"u32 walk(u32 i) { u32 s = 0; while (i--) s += table[i & 63] + text[i % 5]; return s; }\n"
	"u32 copy(KPLUG_ARGS) { u32 i; for (i = 0; i < in_len && i < out_len; i++) ((u8 *)out)[i] = ((const u8 *)in)[i] ^ 1; return i; }\n"
	"u32 rec(u32 n) { return n ? rec(n - 1) + 1 : 0; }\n";

static void reseal(__u8 *img, __u32 len)
{
	struct kplug_image_hdr *h = (void *)img;

	h->checksum = 0;
	h->checksum = kplug_crc32(0, img, len);
}

/* A mutant of seed (seed_len bytes) in a new buffer; *len its size. */
static __u8 *mutate(const __u8 *seed, __u32 seed_len, __u32 *len, __u64 *s)
{
	struct kplug_image_hdr *h;
	struct kplug_image_entry *e;
	__u32 n = seed_len, i, k, grow = 0;
	__u8 *img;

	switch (rnd(s) % 8) {		/* size changes first */
	case 0: n = rnd(s) % (seed_len + 1); break;		/* truncate */
	case 1: grow = 1 + rnd(s) % 8192; break;		/* extend */
	}
	img = calloc(1, n + grow + 1);
	memcpy(img, seed, n < seed_len ? n : seed_len);
	n += grow;
	h = (void *)img;
	e = (void *)(img + sizeof(*h));
	for (k = 1 + rnd(s) % 4; k--; ) {
		switch (rnd(s) % 10) {
		case 0: case 1:		/* random bytes anywhere, code included */
			for (i = 1 + rnd(s) % 16; i-- && n; )
				img[rnd(s) % n] = rnd(s);
			break;
		case 2:
			if (n >= sizeof(*h))
				h->text_size += (int)(rnd(s) % 9) - 4;
			break;
		case 3:
			if (n >= sizeof(*h))
				h->data_size = rnd(s) % 3 ? h->data_size + grow :
					       rnd(s);
			break;
		case 4:
			if (n >= sizeof(*h))
				h->bss_size = rnd(s) % 2 ? rnd(s) % (1 << 20) :
					      rnd(s);
			break;
		case 5:
			if (n >= sizeof(*h))
				h->stack_size = rnd(s) % 3 ? (rnd(s) % 300) << 12 :
						rnd(s);
			break;
		case 6:
			if (n >= sizeof(*h))
				h->nr_entries = rnd(s) % 3 ? h->nr_entries +
					(int)(rnd(s) % 3) - 1 : rnd(s);
			break;
		case 7:		/* an entry's offset */
			if (n >= sizeof(*h) + sizeof(*e) * 4)
				e[rnd(s) % 4].offset = rnd(s) % 2 ?
					rnd(s) % (h->text_size + 8) : rnd(s);
			break;
		case 8:		/* an entry's name: a byte, or another's */
			if (n >= sizeof(*h) + sizeof(*e) * 4) {
				i = rnd(s) % 4;
				if (rnd(s) % 2)
					e[i].name[rnd(s) % KPLUG_NAME_MAX] = rnd(s);
				else
					memcpy(e[i].name, e[rnd(s) % 4].name,
					       KPLUG_NAME_MAX);
			}
			break;
		case 9:
			if (n >= sizeof(*h))
				((__u8 *)h)[rnd(s) % sizeof(*h)] ^= 1 << rnd(s) % 8;
			break;
		}
	}
	if (rnd(s) % 10)	/* most mutants get a valid checksum */
		if (n >= sizeof(*h))
			reseal(img, n);
	*len = n;
	return img;
}

static int create(int fd, const char *name, const void *img, __u32 len,
		  __u32 *id)
{
	char log[256];
	struct kplug_create_args a = {
		.image = (uintptr_t)img, .image_len = len,
		.log_buf = (uintptr_t)log, .log_size = sizeof(log),
	};

	snprintf(a.name, sizeof(a.name), "%s", name);
	if (ioctl(fd, KPLUG_IOC_CREATE, &a))
		return -errno;
	*id = a.id;
	return 0;
}

/* Random calls of an accepted mutant: faults and overruns are fine. */
static void invoke_some(int fd, __u32 id, __u32 nr_entries, __u64 *s)
{
	char in[256], out[256];
	int i;

	for (i = 0; i < 8; i++) {
		struct kplug_invoke_args a = {
			.id = id, .entry = rnd(s) % (nr_entries + 1),
			.nargs = rnd(s) % 8, .budget_ms = 20,
			.in = (uintptr_t)in, .in_len = rnd(s) % sizeof(in),
			.out = (uintptr_t)out, .out_len = rnd(s) % sizeof(out),
		};
		int j, err;

		for (j = 0; j < KPLUG_MAX_ARGS; j++)
			a.args[j] = rnd(s) % 3 ? rnd(s) % 100 : rnd(s);
		err = ioctl(fd, KPLUG_IOC_INVOKE, &a) ? errno : 0;
		invoked++;
		if (err == EIO || err == ETIME)
			faulted++;
		else if (err && err != ENOENT && err != EINVAL && err != EINTR)
			FAIL("invoke entry %u nargs %u: %s", a.entry, a.nargs,
			     strerror(err));
	}
}

static void *images(void *arg)
{
	__u64 s = *(__u64 *)arg;
	void *seed;
	size_t seed_len;
	int fd = open("/dev/kplug", O_RDWR);
	unsigned int n = 0;

	if (fd < 0 || kplug_build("seed.c", seed_src, NULL, &seed, &seed_len)) {
		FAIL("set-up: %s", strerror(errno));
		return NULL;
	}
	if (!oracle(seed, seed_len))
		FAIL("the oracle rejects the unmutated seed");
	while (now_s() < deadline && !failures) {
		char name[32];
		__u32 len, id = 0;
		__u8 *img = mutate(seed, seed_len, &len, &s);
		int want = oracle(img, len), err;

		snprintf(name, sizeof(name), "fz.%u", n++);
		err = create(fd, name, img, len, &id);
		if (err == -ENOMEM && want) {
			nomem++;	/* a large bss in a 1 GiB VM */
		} else if ((err == 0) != want) {
			FAIL("image %u (%u bytes): kernel %s, oracle %s", n - 1,
			     len, err ? strerror(-err) : "accepts",
			     want ? "accepts" : "rejects");
			if (len >= sizeof(struct kplug_image_hdr)) {
				struct kplug_image_hdr *h = (void *)img;

				fprintf(stderr, "fuzz-vm: text %u data %u bss %u stack %u entries %u\n",
					h->text_size, h->data_size, h->bss_size,
					h->stack_size, h->nr_entries);
			}
		} else if (err && err != -EINVAL) {
			FAIL("create: %s", strerror(-err));
		} else if (!err) {
			struct kplug_remove_args r = { .id = id };

			created++;
			invoke_some(fd, id,
				    ((struct kplug_image_hdr *)img)->nr_entries,
				    &s);
			if (ioctl(fd, KPLUG_IOC_REMOVE, &r))
				FAIL("remove: %s", strerror(errno));
		} else {
			rejected++;
		}
		free(img);
	}
	free(seed);
	close(fd);
	return NULL;
}

/* --- bad pointers, sizes and commands ----------------------------------- */
static void *abuse(void *arg)
{
	__u64 s = *(__u64 *)arg;
	__u8 *ro = mmap(NULL, 8192, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	__u8 *none = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	__u8 *edge = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	static const unsigned long cmds[] = {
		KPLUG_IOC_CREATE, KPLUG_IOC_INVOKE, KPLUG_IOC_REMOVE,
		KPLUG_IOC_INFO, KPLUG_IOC_LOG, KPLUG_IOC_HOOK, KPLUG_IOC_VERSION,
		_IOWR('K', 99, struct kplug_info_args), 0x1234,
	};
	uintptr_t bad[8];

	munmap(edge + 4096, 4096);	/* edge + 4090: straddles a hole */
	bad[0] = 0;
	bad[1] = (uintptr_t)ro;
	bad[2] = (uintptr_t)none;
	bad[3] = 0xffffffff81000000ul;	/* kernel */
	bad[4] = 0x0000800000000000ul;	/* non-canonical */
	bad[5] = (uintptr_t)edge + 4090;
	bad[6] = (uintptr_t)edge;	/* good, with junk in it */
	bad[7] = ~0ul;
	while (now_s() < deadline && !failures) {
		int fd = atomic_load(&dev_fd);
		unsigned long cmd = cmds[rnd(&s) % (sizeof(cmds) / sizeof(cmds[0]))];
		uintptr_t p = bad[rnd(&s) % 8];
		__u64 *q = (__u64 *)edge;
		int i, err;

		for (i = 0; i < 512; i++)	/* junk for the "good" pointer */
			q[i] = rnd(&s) % 4 ? rnd(&s) :
			       (uintptr_t)bad[rnd(&s) % 8] | (__u64)rnd(&s) << 32;
		err = ioctl(fd, cmd, p) ? errno : 0;
		if (err && err != EFAULT && err != EINVAL && err != ENOTTY &&
		    err != EBADF && err != ENOENT && err != E2BIG &&
		    err != EEXIST && err != ENOMEM && err != EIO &&
		    err != ETIME && err != EPERM && err != ENAMETOOLONG &&
		    err != EBUSY && err != EOPNOTSUPP)
			FAIL("ioctl %#lx on %#lx: %s", cmd, (unsigned long)p,
			     strerror(err));
		if (rnd(&s) % 16 == 0) {	/* mmap: any offset, any size */
			void *m = mmap(NULL, 4096 << rnd(&s) % 4,
				       PROT_READ | PROT_WRITE, MAP_SHARED, fd,
				       (off_t)(rnd(&s) % 64) << 12);

			if (m != MAP_FAILED)
				munmap(m, 4096);
		}
		abused++;
	}
	return NULL;
}

/* Closes the abused fd and opens a new one, again and again. */
static void *reopen(void *arg)
{
	while (now_s() < deadline && !failures) {
		int fd = open("/dev/kplug", O_RDWR);
		int old = atomic_exchange(&dev_fd, fd);

		usleep(1000);
		close(old);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	__u64 seed, s1, s2;
	pthread_t th[3];
	double secs, t0;

	if (argc < 2 || atoi(argv[1]) <= 0) {
		fprintf(stderr, "usage: fuzz_vm SECONDS [SEED]\n");
		return 2;
	}
	secs = atoi(argv[1]);
	seed = argc > 2 ? strtoull(argv[2], NULL, 0) : (__u64)time(NULL);
	printf("fuzz-vm: seed %llu\n", (unsigned long long)seed);
	s1 = seed * 2 + 1;
	s2 = seed * 2 + 3;
	dev_fd = open("/dev/kplug", O_RDWR);
	if (dev_fd < 0) {
		perror("fuzz-vm: /dev/kplug");
		return 1;
	}
	t0 = now_s();
	deadline = t0 + secs;
	pthread_create(&th[0], NULL, images, &s1);
	pthread_create(&th[1], NULL, abuse, &s2);
	pthread_create(&th[2], NULL, reopen, NULL);
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	secs = now_s() - t0;
	printf("fuzz-vm: %.0f s: %lu images (%lu accepted, %lu rejected as the oracle said, %lu ENOMEM), %lu invocations (%lu faulted or overran), %lu bad-pointer ioctls: %.0f images/s, %.0f ioctls/s\n",
	       secs, created + rejected + nomem, created, rejected, nomem,
	       invoked, faulted, abused, (created + rejected + nomem) / secs,
	       abused / secs);
	printf("fuzz-vm: %s\n", failures ? "FAILED" : "ok");
	return failures ? 1 : 0;
}
