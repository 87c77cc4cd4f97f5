// SPDX-License-Identifier: LGPL-2.1
/*
 * A ~200-line plugin for tests/host/codegen_test.c: it times compiling it,
 * and runs its entry points as built by tcc and by gcc to compare results.
 * Ordinary plugin code: checksums, a hash table, sorting, parsing,
 * formatting, 64-bit arithmetic, recursion, structs.
 */
#include <kplug.h>

#define TABLE_SIZE 64

struct item {
	u32 key;
	u32 value;
	bool used;
};

static struct item table[TABLE_SIZE];
static u32 crc_table[256];
static char text[128];
static const char digits[] = "0123456789abcdef";
u32 calls;

static void crc_init(void)
{
	u32 i, j, c;

	for (i = 0; i < 256; i++) {
		c = i;
		for (j = 0; j < 8; j++)
			c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
}

static u32 crc32(const u8 *p, size_t n)
{
	u32 c = 0xffffffffu;

	if (!crc_table[1])
		crc_init();
	while (n--)
		c = crc_table[(c ^ *p++) & 0xff] ^ (c >> 8);
	return c ^ 0xffffffffu;
}

static u32 fnv1a(const char *s)
{
	u32 h = 2166136261u;

	while (*s)
		h = (h ^ (u8)*s++) * 16777619u;
	return h;
}

static struct item *slot(u32 key)
{
	u32 i, h = key * 2654435761u;

	for (i = 0; i < TABLE_SIZE; i++) {
		struct item *it = &table[(h + i) % TABLE_SIZE];

		if (!it->used || it->key == key)
			return it;
	}
	return NULL;
}

u32 put(u32 key, u32 value)
{
	struct item *it = slot(key);

	calls++;
	if (!it)
		return 0;
	it->key = key;
	it->value = value;
	it->used = true;
	return 1;
}

u32 get(u32 key, u32 dflt)
{
	struct item *it = slot(key);

	calls++;
	return it && it->used ? it->value : dflt;
}

static void swap(u32 *a, u32 *b)
{
	u32 t = *a;

	*a = *b;
	*b = t;
}

static void quicksort(u32 *v, int lo, int hi)
{
	u32 pivot;
	int i, j;

	if (lo >= hi)
		return;
	pivot = v[(lo + hi) / 2];
	i = lo;
	j = hi;
	while (i <= j) {
		while (v[i] < pivot)
			i++;
		while (v[j] > pivot)
			j--;
		if (i <= j)
			swap(&v[i++], &v[j--]);
	}
	quicksort(v, lo, j);
	quicksort(v, i, hi);
}

/* Sort n pseudo-random numbers from seed; return a checksum of the order. */
u32 sort_check(u32 seed, u32 n)
{
	u32 v[256], i, sum = 0;

	if (n > 256)
		n = 256;
	for (i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		v[i] = seed >> 8;
	}
	quicksort(v, 0, (int)n - 1);
	for (i = 1; i < n; i++)
		if (v[i - 1] > v[i])
			return 0;
	for (i = 0; i < n; i++)
		sum = sum * 31 + v[i];
	return sum;
}

static u32 parse_u32(const char **sp, u32 base)
{
	const char *s = *sp;
	u32 v = 0;

	for (;;) {
		const char *d = digits;
		u32 k = 0;

		while (*d && *d != *s) {
			d++;
			k++;
		}
		if (!*d || k >= base)
			break;
		v = v * base + k;
		s++;
	}
	*sp = s;
	return v;
}

/* Sum of the numbers in a comma-separated list ("12,0x1f,7"). */
u32 parse_sum(u32 which)
{
	static const char *lists[] = { "12,0x1f,7", "1,2,3,4,5,6,7,8,9,10", "0xffff,1" };
	const char *s = lists[which % 3];
	u32 sum = 0;

	while (*s) {
		if (s[0] == '0' && s[1] == 'x') {
			s += 2;
			sum += parse_u32(&s, 16);
		} else {
			sum += parse_u32(&s, 10);
		}
		if (*s == ',')
			s++;
	}
	return sum;
}

static u64 fib(u32 n)
{
	return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

/* 64-bit arithmetic: fib(n) mod m, and a 64-bit division. */
u32 fib_mod(u32 n, u32 m)
{
	u64 f = fib(n % 40);

	return m ? (u32)(f % m) : (u32)(f / 3);
}

u32 checksum(u32 a, u32 b)
{
	u8 buf[16];
	u32 i;

	for (i = 0; i < 16; i++)
		buf[i] = (u8)(a >> (i % 4 * 8)) ^ (u8)(b * i);
	return crc32(buf, sizeof(buf)) ^ fnv1a("kplug");
}

/* Format into text; return the crc of what was written. */
u32 format(u32 a, u32 b)
{
	s64 big = (s64)a * -1000003;
	int n;

	n = snprintf(text, sizeof(text), "%u|%d|%x|%08X|%lld|%s|%c|%%", a,
		     (int)b, a, b, big, "str", 'k');
	return crc32((const u8 *)text, n > 0 ? (size_t)n : 0);
}
