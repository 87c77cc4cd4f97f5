// SPDX-License-Identifier: GPL-2.0
/*
 * The SDK's C library, types and atomics, checked from inside a plugin:
 * check() returns 0, or the line of the first check that failed.  Built
 * by tcc, gcc and clang (tests/vm/compilers_test.sh, host codegen_test);
 * count() is the atomics' concurrency test (tests/vm/sdk_test.sh).
 */
#define CHECK(x) do { if (!(x)) return __LINE__; } while (0)

struct pair {
	u8 a;
	u32 b;
};

static atomic_t hits = ATOMIC_INIT(0);
static u32 racy;

static u32 check_strings(void)
{
	char buf[32], *end;
	const char *s = "kernel plugins";

	CHECK(strcpy(buf, "abc") == buf && !strcmp(buf, "abc"));
	CHECK(strcat(buf, "def") == buf && !strcmp(buf, "abcdef"));
	CHECK(strncat(buf, "ghijk", 2) == buf && !strcmp(buf, "abcdefgh"));
	CHECK(!strcmp(strncat(buf, "", 5), "abcdefgh"));
	memset(buf, 'x', sizeof(buf));
	CHECK(strncpy(buf, "ab", 5) == buf && !memcmp(buf, "ab\0\0\0x", 6));
	strncpy(buf, "abcdef", 3);
	CHECK(!memcmp(buf, "abc\0\0x", 6));	/* unterminated, as in C */
	CHECK(strchr(s, 'n') == s + 3 && strchr(s, 'z') == NULL);
	CHECK(strchr(s, '\0') == s + strlen(s));
	CHECK(strrchr(s, 'n') == s + 12 && strrchr(s, 'q') == NULL);
	CHECK(strstr(s, "plug") == s + 7 && strstr(s, "plugz") == NULL);
	CHECK(strstr(s, "") == s && strstr("", "a") == NULL);
	CHECK(strncmp("abcd", "abcz", 3) == 0 && strncmp("abcd", "abcz", 4) < 0);
	CHECK(strncmp("b", "a", 0) == 0 && strncmp("\xff", "a", 1) > 0);
	CHECK(memchr(s, 'p', 14) == s + 7 && memchr(s, 'p', 7) == NULL);
	strcpy(buf, "0123456789");
	CHECK(memmove(buf + 2, buf, 5) == buf + 2 && !strcmp(buf, "0101234789"));
	CHECK(memmove(buf, buf + 3, 4) == buf && !strcmp(buf, "1234234789"));

	CHECK(strtoul("  42xyz", &end, 10) == 42 && !strcmp(end, "xyz"));
	CHECK(strtoul("0x1F", &end, 0) == 31 && !*end);
	CHECK(strtoul("ff", NULL, 16) == 255);
	CHECK(strtoul("017", NULL, 0) == 15);
	CHECK(strtoul("-1", NULL, 10) == ULONG_MAX);
	CHECK(strtoul("4294967295", NULL, 10) == 4294967295u);
	CHECK(strtoul("4294967296", &end, 10) == ULONG_MAX && !*end);
	CHECK(strtoul("zz", &end, 36) == 35 * 36 + 35);
	CHECK(strtoul("nope", &end, 10) == 0 && !strcmp(end, "nope"));
	CHECK(strtoul("12", &end, 1) == 0 && !strcmp(end, "12"));
	CHECK(strtol("-2147483648", NULL, 10) == LONG_MIN);
	CHECK(strtol("-2147483649", NULL, 10) == LONG_MIN);
	CHECK(strtol("2147483648", NULL, 10) == LONG_MAX);
	CHECK(strtol("+77", &end, 8) == 63 && !*end);
	CHECK(strtol("\t-0x10", NULL, 16) == -16);
	return 0;
}

static u32 check_types(void)
{
	static const wchar_t wide[] = L"kp";
	struct pair pairs[3];
	bool yes = true;

	CHECK(sizeof(u8) == 1 && sizeof(u16) == 2 && sizeof(u32) == 4 && sizeof(u64) == 8);
	CHECK(sizeof(int8_t) == 1 && sizeof(int64_t) == 8 && sizeof(uintmax_t) == 8);
	CHECK(sizeof(size_t) == 4 && sizeof(ptrdiff_t) == 4 && sizeof(uintptr_t) == 4);
	CHECK(sizeof(wchar_t) == 4 && wide[0] == 'k' && wide[1] == 'p' && !wide[2]);
	CHECK(yes == true && !false && sizeof(bool) == 1);
	CHECK((size_t)-1 == SIZE_MAX && (u32)-1 == UINT32_MAX && INT8_MIN == -128);
	CHECK(INT64_MIN < 0 && UINT16_MAX == 65535 && CHAR_BIT == 8);
	CHECK(offsetof(struct pair, b) == 4 && ARRAY_SIZE(pairs) == 3);
	return 0;
}

static u32 check_atomics(void)
{
	atomic_t v = ATOMIC_INIT(5);

	CHECK(atomic_read(&v) == 5);
	CHECK(atomic_add_return(3, &v) == 8);
	atomic_inc(&v);
	atomic_sub(2, &v);
	CHECK(atomic_read(&v) == 7);
	CHECK(atomic_cmpxchg(&v, 6, 100) == 7 && atomic_read(&v) == 7);
	CHECK(atomic_cmpxchg(&v, 7, 1) == 7 && atomic_read(&v) == 1);
	CHECK(atomic_dec_and_test(&v) && atomic_read(&v) == 0);
	atomic_dec(&v);
	CHECK(!atomic_dec_and_test(&v) && atomic_read(&v) == -2);
	CHECK(atomic_xchg(&v, 9) == -2 && atomic_read(&v) == 9);
	atomic_set(&v, 0);
	barrier();	/* both barriers compile and run */
	smp_mb();
	CHECK(atomic_read(&v) == 0);
	return 0;
}

u32 check(void)
{
	u32 line = check_strings();

	if (!line)
		line = check_types();
	if (!line)
		line = check_atomics();
	return line;
}

/* n atomic increments of a global and n plain ones; returns the total. */
u32 count(u32 n)
{
	u32 i;

	for (i = 0; i < n; i++) {
		atomic_inc(&hits);
		racy++;
	}
	return atomic_read(&hits);
}

u32 counted(u32 plain)
{
	return plain ? racy : (u32)atomic_read(&hits);
}
