// SPDX-License-Identifier: LGPL-2.1
/*
 * Run one entry point of a kplug image as plain 32-bit code in this
 * (ring 3, -m32) process: text mapped at KPLUG_TEXT_BASE, data and bss at
 * kplug_data_base(), exactly where the linker put them.  Not the sandbox -
 * no ring 1, no limits, the FPU is on - but the same bytes, so host tests
 * can check what the compiler, the linker and the runtime produced.
 *
 * Usage: codegen_run32 IMAGE ENTRY [ARG...]
 * Prints "result R"; if R points into the image's data, also "string S"
 * with the NUL-terminated string there.  With KPLUG_TIME set in the
 * environment it also prints "ns N", the call's CLOCK_MONOTONIC time: the
 * benchmark's native baseline for code run in the sandbox (under QEMU
 * -icount, instructions).
 */
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "../../uapi/kplug.h"

typedef __u32 (*entry_fn)(__u32, __u32, __u32, __u32, __u32, __u32);

static void *map(__u32 addr, __u32 len)
{
	void *p = mmap((void *)(unsigned long)addr, kplug_page_align(len ? len : 1),
		       PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	return p;
}

int main(int argc, char **argv)
{
	static unsigned char buf[64 << 20];
	const struct kplug_image_hdr *h = (const void *)buf;
	const struct kplug_image_entry *e = (const void *)(h + 1);
	const unsigned char *text;
	__u32 a[KPLUG_MAX_ARGS] = {}, data_base, r, i;
	unsigned char *t, *d;
	struct timespec t0, t1;
	FILE *f;
	size_t n;

	if (argc < 3 || !(f = fopen(argv[1], "rb")))
		return 2;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (n < sizeof(*h))
		return 2;
	text = (const unsigned char *)(e + h->nr_entries);
	data_base = kplug_data_base(h->text_size);
	t = map(KPLUG_TEXT_BASE, h->text_size);
	memcpy(t, text, h->text_size);
	mprotect(t, kplug_page_align(h->text_size), PROT_READ | PROT_EXEC);
	d = map(data_base, h->data_size + h->bss_size);
	memcpy(d, text + h->text_size, h->data_size);
	for (i = 0; i + 3 < (__u32)argc && i < KPLUG_MAX_ARGS; i++)
		a[i] = strtoul(argv[i + 3], NULL, 0);
	for (i = 0; i < h->nr_entries; i++)
		if (!strcmp(e[i].name, argv[2]))
			break;
	if (i == h->nr_entries) {
		fprintf(stderr, "no entry %s\n", argv[2]);
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = ((entry_fn)(unsigned long)(KPLUG_TEXT_BASE + e[i].offset))(
		a[0], a[1], a[2], a[3], a[4], a[5]);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("result %u\n", r);
	if (getenv("KPLUG_TIME"))
		printf("ns %lld\n", (t1.tv_sec - t0.tv_sec) * 1000000000ll +
		       t1.tv_nsec - t0.tv_nsec);
	if (r >= data_base && r < data_base + h->data_size + h->bss_size)
		printf("string %s\n", (const char *)(unsigned long)r);
	return 0;
}
