/* SPDX-License-Identifier: LGPL-2.1 */
/*
 * kplug.h - the only header a kplug plugin sees.
 *
 * A plugin is one C file (or several objects) that runs inside the kernel,
 * in its own sandbox, as 32-bit x86 code at privilege ring 1.  There is no
 * libc, no system header and no floating point: this header is all there is.
 *
 * Entry points
 *   Every non-static function of the plugin is an entry point, callable by
 *   name (at most 64 of them, names of at most 31 characters of
 *   [A-Za-z0-9_]).  The kernel calls it as
 *
 *	u32 entry(u32 a0, u32 a1, u32 a2, u32 a3, u32 a4, u32 a5,
 *		  const void *in, u32 in_len, void *out, u32 out_len);
 *
 *   (cdecl; unused trailing arguments may be left out of the definition),
 *   and the value it returns is the invocation's result.  in/out are the
 *   caller's buffers, copied into and (when the entry returns) out of the
 *   plugin's stack; NULL and 0 when the caller passed none.  KPLUG_ARGS
 *   spells out the full parameter list.  Helpers that are not entry points
 *   must be static.
 *
 *	#include <kplug.h>
 *
 *	static u32 sq(u32 x) { return x * x; }
 *	u32 sum_of_squares(u32 a, u32 b) { return sq(a) + sq(b); }
 *
 * What C is available
 *   Everything that compiles to integer code: pointers, structs, unbounded
 *   loops, recursion, globals (initialised ones in .data, the others zeroed
 *   in .bss), 64-bit integers (division goes through a small runtime
 *   helper).  A plugin runs until it returns, faults or exceeds its CPU
 *   budget; a bad pointer, a stack overflow or a privileged instruction
 *   aborts that invocation with a fault record, never the kernel.
 *
 * What is not
 *   float, double and floating-point constants: the FPU is switched off
 *   while a plugin runs (any x87/SSE instruction faults), so they are
 *   compile-time errors here.  No libc: only the functions declared below
 *   exist; calling anything else is an error.  No constructors, no
 *   thread-local storage.
 *
 * Other compilers
 *   The same header works with `gcc -m32 -O2 -ffreestanding -fno-pic -c`
 *   (or clang -m32); kplug links such objects into the same image format.
 */
#ifndef KPLUG_SDK_H
#define KPLUG_SDK_H

#if !defined(__i386__)
#error "kplug plugins are 32-bit x86 code: compile with -m32"
#endif

/* --- Types ---------------------------------------------------------------- */
typedef unsigned char		u8;
typedef unsigned short		u16;
typedef unsigned int		u32;
typedef unsigned long long	u64;
typedef signed char		s8;
typedef signed short		s16;
typedef signed int		s32;
typedef signed long long	s64;

typedef u8  uint8_t;
typedef u16 uint16_t;
typedef u32 uint32_t;
typedef u64 uint64_t;
typedef s8  int8_t;
typedef s16 int16_t;
typedef s32 int32_t;
typedef s64 int64_t;

typedef __SIZE_TYPE__		size_t;
typedef __PTRDIFF_TYPE__	ptrdiff_t;
typedef __WCHAR_TYPE__		wchar_t;
typedef u32			uintptr_t;
typedef s32			intptr_t;
typedef u64			uintmax_t;
typedef s64			intmax_t;

#if !defined(__STDC_VERSION__) || __STDC_VERSION__ < 202311L
typedef _Bool bool;
#define true	1
#define false	0
#endif

#define NULL	((void *)0)

#define U8_MAX	0xffu
#define U16_MAX	0xffffu
#define U32_MAX	0xffffffffu
#define U64_MAX	0xffffffffffffffffull
#define S32_MAX	0x7fffffff
#define S32_MIN	(-S32_MAX - 1)
#define S64_MAX	0x7fffffffffffffffll
#define S64_MIN	(-S64_MAX - 1)

/* <stdint.h> and <limits.h> spellings (long is 32 bits here). */
#define INT8_MAX	0x7f
#define INT8_MIN	(-INT8_MAX - 1)
#define INT16_MAX	0x7fff
#define INT16_MIN	(-INT16_MAX - 1)
#define INT32_MAX	S32_MAX
#define INT32_MIN	S32_MIN
#define INT64_MAX	S64_MAX
#define INT64_MIN	S64_MIN
#define UINT8_MAX	U8_MAX
#define UINT16_MAX	U16_MAX
#define UINT32_MAX	U32_MAX
#define UINT64_MAX	U64_MAX
#define SIZE_MAX	U32_MAX
#define UINTPTR_MAX	U32_MAX
#define CHAR_BIT	8
#define INT_MAX		S32_MAX
#define INT_MIN		S32_MIN
#define UINT_MAX	U32_MAX
#define LONG_MAX	S32_MAX
#define LONG_MIN	S32_MIN
#define ULONG_MAX	U32_MAX

#define offsetof(type, member)	__builtin_offsetof(type, member)
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

/* Up to this many u32 arguments reach an entry point. */
#define KPLUG_MAX_ARGS	6

/* The full parameter list of an entry point: u32 f(KPLUG_ARGS) { ... } */
#define KPLUG_ARGS	u32 a0, u32 a1, u32 a2, u32 a3, u32 a4, u32 a5, \
			const void *in, u32 in_len, void *out, u32 out_len

/*
 * Variable arguments.  Both tcc (which defines these builtins as macros for
 * i386) and gcc/clang (compiler builtins) accept this spelling, and on
 * i386 both lay va_list out as a plain pointer into the stack, so the
 * runtime's vsnprintf (built by gcc) works with either.
 */
typedef __builtin_va_list va_list;
#define va_start(ap, last)	__builtin_va_start(ap, last)
#define va_arg(ap, type)	__builtin_va_arg(ap, type)
#define va_end(ap)		__builtin_va_end(ap)
#define va_copy(dst, src)	__builtin_va_copy(dst, src)

/* --- Runtime (linked into the plugin's text when used) --------------------
 * Same meaning as in C.  They are weak: a plugin may define its own. */
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
void *memchr(const void *s, int c, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
char *strstr(const char *haystack, const char *needle);
char *strcpy(char *dst, const char *src);
char *strncpy(char *dst, const char *src, size_t n);
char *strcat(char *dst, const char *src);
char *strncat(char *dst, const char *src, size_t n);

/*
 * As in C, without errno: on overflow strtoul returns ULONG_MAX, strtol
 * LONG_MAX or LONG_MIN (long is 32 bits).
 */
unsigned long strtoul(const char *s, char **end, int base);
long strtol(const char *s, char **end, int base);

/*
 * Formatting, integers and strings only: %d %i %u %x %X %s %c %p %%, flags
 * '-' and '0', a field width (digits or '*'), a precision for %s, and the
 * length modifiers hh, h, l (32 bits, as long is here), ll (64 bits) and z.
 * Returns the length the full output would have; writes at most size
 * bytes including the NUL.
 */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* --- Atomics ---------------------------------------------------------------
 * Global data is shared by the calls of a plugin running on several CPUs
 * at once.  tcc has no __sync or __atomic builtins, so these are inline
 * functions over lock-prefixed instructions, the same under tcc, gcc and
 * clang.  Each is a full barrier (x86: locked instructions are).
 */
typedef struct {
	volatile s32 counter;
} atomic_t;

#define ATOMIC_INIT(i)	{ (i) }

static inline s32 atomic_read(const atomic_t *v)
{
	return v->counter;
}

static inline void atomic_set(atomic_t *v, s32 i)
{
	v->counter = i;
}

/* Adds i; returns the new value. */
static inline s32 atomic_add_return(s32 i, atomic_t *v)
{
	s32 old = i;

	__asm__ __volatile__("lock; xaddl %0, %1"
			     : "+r" (old), "+m" (v->counter) : : "memory");
	return old + i;
}

static inline void atomic_add(s32 i, atomic_t *v)
{
	atomic_add_return(i, v);
}

static inline void atomic_sub(s32 i, atomic_t *v)
{
	atomic_add_return(-i, v);
}

static inline void atomic_inc(atomic_t *v)
{
	atomic_add_return(1, v);
}

static inline void atomic_dec(atomic_t *v)
{
	atomic_add_return(-1, v);
}

/* True if the new value is 0. */
static inline bool atomic_dec_and_test(atomic_t *v)
{
	return atomic_add_return(-1, v) == 0;
}

/* Stores new if the value is old; returns the value it found. */
static inline s32 atomic_cmpxchg(atomic_t *v, s32 old, s32 new)
{
	s32 prev;

	__asm__ __volatile__("lock; cmpxchgl %2, %1"
			     : "=a" (prev), "+m" (v->counter)
			     : "r" (new), "0" (old) : "memory");
	return prev;
}

/* Stores new; returns the old value. */
static inline s32 atomic_xchg(atomic_t *v, s32 new)
{
	__asm__ __volatile__("xchgl %0, %1"	/* implicitly locked */
			     : "+r" (new), "+m" (v->counter) : : "memory");
	return new;
}

/* The compiler keeps memory accesses on their side of it. */
static inline void barrier(void)
{
	__asm__ __volatile__("" : : : "memory");
}

/* Full memory barrier: a locked no-op (mfence would be an SSE2 opcode). */
static inline void smp_mb(void)
{
	__asm__ __volatile__("lock; addl $0, (%%esp)" : : : "memory");
}

/* --- No floating point ----------------------------------------------------
 * The FPU is off while a plugin runs (CR0.TS: any x87/SSE instruction
 * faults).  Make the mistake a compile error that says why. */
#define float	kplug_error_floating_point_is_not_supported_in_plugins
#define double	kplug_error_floating_point_is_not_supported_in_plugins

/* --- Service calls ---------------------------------------------------------
 * Functions the kernel provides, reached through kplug's runtime page (a
 * thunk per service at a fixed address).  Pointers must point into the
 * plugin's own memory (buffers the kernel fills: its data or stack), or the
 * call faults the plugin with kind "service".
 */
#define __KPLUG_SERVICE(n)	(0x10000u + 16u * (n))

/* Append a line to the plugin's log (kplugctl log NAME); at most 256
 * bytes, 100 lines a second (the rest are counted as dropped). */
static inline u32 kplug_log(const char *msg, u32 len)
{
	return ((u32 (*)(const char *, u32))__KPLUG_SERVICE(1))(msg, len);
}

/* CLOCK_MONOTONIC, in nanoseconds. */
static inline u64 kplug_time_ns(void)
{
	return ((u64 (*)(void))__KPLUG_SERVICE(2))();
}

/* Fill buf with len (at most 4096) random bytes; returns len. */
static inline u32 kplug_random(void *buf, u32 len)
{
	return ((u32 (*)(void *, u32))__KPLUG_SERVICE(3))(buf, len);
}

/* The CPU running the plugin now. */
static inline u32 kplug_cpu(void)
{
	return ((u32 (*)(void))__KPLUG_SERVICE(4))();
}

/* Process and thread id of the task that invoked the plugin. */
static inline u32 kplug_pid(void)
{
	return ((u32 (*)(void))__KPLUG_SERVICE(5))();
}

static inline u32 kplug_tid(void)
{
	return ((u32 (*)(void))__KPLUG_SERVICE(6))();
}

/* Its command name, NUL-terminated in buf; returns its length. */
static inline u32 kplug_comm(char *buf, u32 len)
{
	return ((u32 (*)(char *, u32))__KPLUG_SERVICE(7))(buf, len);
}

/*
 * Say that the entry wrote the first n bytes of its out buffer: the caller
 * gets exactly those (kplugctl invoke --out writes n bytes, libkplug's
 * kplug_invoke_opts reports n).  n at most out_len, else the call faults.
 * The last call counts; without one the caller gets the whole buffer.
 */
static inline u32 kplug_out_len(u32 n)
{
	return ((u32 (*)(u32))__KPLUG_SERVICE(8))(n);
}

/* printf into the plugin's log (runtime). */
int kplug_printf(const char *fmt, ...);

#endif /* KPLUG_SDK_H */
