// SPDX-License-Identifier: LGPL-2.1
/*
 * The plugin runtime: the few C library functions a plugin may call (see
 * sdk/kplug.h), and that compilers call on their own (memcpy, memmove and
 * memset for struct copies and initialisers).
 *
 * Built once, at build time, as freestanding i386 code with no FPU/SIMD
 * instructions, embedded into the code generator, and linked into a
 * plugin's text only when the plugin uses it.  Every function is weak so a
 * plugin may bring its own.  No 64-bit division helper is used (see
 * div_small()), so the runtime needs nothing from libtcc1.
 */
#include "kplug.h"

#define RT __attribute__((weak))

RT void *memcpy(void *dst, const void *src, size_t n)
{
	u8 *d = dst;
	const u8 *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}

RT void *memmove(void *dst, const void *src, size_t n)
{
	u8 *d = dst;
	const u8 *s = src;

	if (d <= s || d >= s + n)
		return memcpy(dst, src, n);
	while (n--)		/* overlapping, dst above src: copy backwards */
		d[n] = s[n];
	return dst;
}

RT void *memset(void *dst, int c, size_t n)
{
	u8 *d = dst;

	while (n--)
		*d++ = (u8)c;
	return dst;
}

RT int memcmp(const void *a, const void *b, size_t n)
{
	const u8 *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

RT size_t strlen(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return p - s;
}

RT int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (u8)*a - (u8)*b;
		if (!*a)
			break;
	}
	return 0;
}

RT int strcmp(const char *a, const char *b)
{
	return strncmp(a, b, (size_t)-1);
}

RT void *memchr(const void *s, int c, size_t n)
{
	const u8 *p = s;

	for (; n; n--, p++)
		if (*p == (u8)c)
			return (void *)p;
	return NULL;
}

RT char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

RT char *strrchr(const char *s, int c)
{
	const char *last = NULL;

	for (;; s++) {
		if (*s == (char)c)
			last = s;
		if (!*s)
			return (char *)last;
	}
}

RT char *strstr(const char *haystack, const char *needle)
{
	size_t n = strlen(needle);

	for (; *haystack; haystack++)
		if (!strncmp(haystack, needle, n))
			return (char *)haystack;
	return n ? NULL : (char *)haystack;
}

RT char *strcpy(char *dst, const char *src)
{
	char *d = dst;

	while ((*d++ = *src++))
		;
	return dst;
}

/*
 * As C's: pads dst with NULs to n, and leaves it unterminated if src is
 * n characters or longer.
 */
RT char *strncpy(char *dst, const char *src, size_t n)
{
	size_t i;

	for (i = 0; i < n && src[i]; i++)
		dst[i] = src[i];
	for (; i < n; i++)
		dst[i] = '\0';
	return dst;
}

RT char *strcat(char *dst, const char *src)
{
	strcpy(dst + strlen(dst), src);
	return dst;
}

/* Appends at most n characters of src, then always a NUL. */
RT char *strncat(char *dst, const char *src, size_t n)
{
	char *d = dst + strlen(dst);

	while (n-- && *src)
		*d++ = *src++;
	*d = '\0';
	return dst;
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 99;
}

/*
 * The magnitude of the number at s (C's rules: leading space, a sign,
 * base 0 means 0x -> 16, 0 -> 8, else 10; "0x" accepted for base 16), its
 * sign in *neg, and the end in *end (s itself if there are no digits).
 * Saturates at U32_MAX, setting *over (plugins have no errno).
 */
static u32 parse_ul(const char *s, char **end, int base, bool *neg, bool *over)
{
	const char *p = s;
	bool any = false;
	u32 v = 0;
	int d;

	*neg = *over = false;
	while (*p == ' ' || (*p >= '\t' && *p <= '\r'))
		p++;
	if (*p == '-' || *p == '+')
		*neg = *p++ == '-';
	if ((base == 0 || base == 16) && p[0] == '0' &&
	    (p[1] == 'x' || p[1] == 'X') && digit_value(p[2]) < 16) {
		p += 2;
		base = 16;
	} else if (base == 0) {
		base = p[0] == '0' ? 8 : 10;
	}
	if (base < 2 || base > 36) {
		if (end)
			*end = (char *)s;
		return 0;
	}
	for (; (d = digit_value(*p)) < base; p++) {
		any = true;
		if (v > (U32_MAX - d) / base)
			*over = true;
		else
			v = v * base + d;
	}
	if (end)
		*end = (char *)(any ? p : s);
	return *over ? U32_MAX : v;
}

/* C's strtoul ("-1" is U32_MAX, as in C); U32_MAX on overflow. */
RT unsigned long strtoul(const char *s, char **end, int base)
{
	bool neg, over;
	u32 v = parse_ul(s, end, base, &neg, &over);

	return over ? U32_MAX : neg ? -v : v;
}

/* C's strtol; S32_MAX or S32_MIN on overflow. */
RT long strtol(const char *s, char **end, int base)
{
	bool neg, over;
	u32 v = parse_ul(s, end, base, &neg, &over);

	if (neg)
		return over || v > (u32)S32_MAX + 1 ? S32_MIN : -(s64)v;
	return over || v > S32_MAX ? S32_MAX : (long)v;
}

/* Output that counts what it could not store, as vsnprintf must. */
struct out {
	char *buf;
	size_t size;
	size_t len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

/*
 * *n /= base, returning the remainder, one bit at a time: gcc would call
 * __udivdi3/__umoddi3 for a 64-bit division, and the runtime is meant to
 * stand alone.  Printing a 64-bit number costs 64 steps a digit.
 */
static u32 div_small(u64 *n, u32 base)
{
	u64 q = 0;
	u32 r = 0;
	int i;

	if (!(*n >> 32)) {
		u32 v = (u32)*n;

		*n = v / base;
		return v % base;
	}
	for (i = 63; i >= 0; i--) {
		r = (r << 1) | (u32)((*n >> i) & 1);	/* r < base: no overflow */
		q <<= 1;
		if (r >= base) {
			r -= base;
			q |= 1;
		}
	}
	*n = q;
	return r;
}

#define F_LEFT	1
#define F_ZERO	2

static void put_num(struct out *o, u64 v, bool neg, u32 base, bool upper,
		    int flags, int width, const char *prefix)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];		/* 2^64 has 20 decimal digits */
	int n = 0, plen = 0, len;

	do
		tmp[n++] = digits[div_small(&v, base)];
	while (v);
	if (neg)
		prefix = "-";
	while (prefix && prefix[plen])
		plen++;
	len = n + plen;
	if (!(flags & (F_LEFT | F_ZERO)))
		pad(o, ' ', width - len);
	while (plen--)
		put(o, *prefix++);
	if ((flags & (F_LEFT | F_ZERO)) == F_ZERO)
		pad(o, '0', width - len);
	while (n--)
		put(o, tmp[n]);
	if (flags & F_LEFT)
		pad(o, ' ', width - len);
}

static void put_str(struct out *o, const char *s, int prec, int flags,
		    int width)
{
	int n = 0, i;

	if (!s)
		s = "(null)";
	while ((prec < 0 || n < prec) && s[n])
		n++;
	if (!(flags & F_LEFT))
		pad(o, ' ', width - n);
	for (i = 0; i < n; i++)
		put(o, s[i]);
	if (flags & F_LEFT)
		pad(o, ' ', width - n);
}

RT int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { .buf = buf, .size = size };

	for (; *fmt; fmt++) {
		int flags = 0, width = 0, prec = -1, lng = 0, shrt = 0;
		u64 v;
		bool neg;

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		for (fmt++; *fmt == '-' || *fmt == '0'; fmt++)
			flags |= *fmt == '-' ? F_LEFT : F_ZERO;
		if (*fmt == '*') {
			width = va_arg(ap, int);
			if (width < 0) {
				flags |= F_LEFT;
				width = -width;
			}
			fmt++;
		}
		for (; *fmt >= '0' && *fmt <= '9'; fmt++)
			width = width * 10 + (*fmt - '0');
		if (*fmt == '.') {
			prec = 0;
			if (*++fmt == '*') {
				prec = va_arg(ap, int);
				fmt++;
			}
			for (; *fmt >= '0' && *fmt <= '9'; fmt++)
				prec = prec * 10 + (*fmt - '0');
		}
		for (; *fmt == 'l' || *fmt == 'h' || *fmt == 'z'; fmt++) {
			lng += *fmt == 'l';	/* l, z: int-sized here */
			shrt += *fmt == 'h';
		}

		switch (*fmt) {
		case 'd':
		case 'i':
			if (lng >= 2) {
				s64 s = va_arg(ap, s64);

				neg = s < 0;
				v = neg ? -(u64)s : (u64)s;
			} else {
				s32 s = va_arg(ap, s32);

				if (shrt)
					s = shrt > 1 ? (s8)s : (s16)s;
				neg = s < 0;
				v = neg ? -(u64)(s64)s : (u64)s;
			}
			put_num(&o, v, neg, 10, false, flags, width, NULL);
			break;
		case 'u':
		case 'x':
		case 'X':
			v = lng >= 2 ? va_arg(ap, u64) : va_arg(ap, u32);
			if (shrt && lng < 2)
				v = shrt > 1 ? (u8)v : (u16)v;
			put_num(&o, v, false, *fmt == 'u' ? 10 : 16,
				*fmt == 'X', flags, width, NULL);
			break;
		case 'p':
			v = (uintptr_t)va_arg(ap, void *);
			put_num(&o, v, false, 16, false, flags, width, "0x");
			break;
		case 'c':
			pad(&o, ' ', (flags & F_LEFT) ? 0 : width - 1);
			put(&o, (char)va_arg(ap, int));
			pad(&o, ' ', (flags & F_LEFT) ? width - 1 : 0);
			break;
		case 's':
			put_str(&o, va_arg(ap, const char *), prec, flags, width);
			break;
		case '%':
			put(&o, '%');
			break;
		case '\0':		/* a lone '%' ends the format */
			fmt--;
			break;
		default:		/* unknown: print it as written */
			put(&o, '%');
			put(&o, *fmt);
			break;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

RT int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

RT int kplug_printf(const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return n;
	if (n >= (int)sizeof(line))
		n = sizeof(line) - 1;
	return kplug_log(line, n);
}
