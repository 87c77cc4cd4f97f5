/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * kplug user/kernel interface: the /dev/kplug ioctls and the plugin image
 * format.  This header is the specification; keep it and the code in step.
 *
 * Plugins
 *   A plugin is a flat 32-bit x86 program linked for the fixed sandbox
 *   layout below.  The kernel runs it at privilege ring 1 in compatibility
 *   mode, in its own low-half page table, with segment limits ending at its
 *   code (CS) and at the top of its sandbox (DS/ES/SS).  Plugins are named,
 *   global kernel objects that live until removed.
 *
 * Image (struct kplug_image_hdr, little endian)
 *   header | entry table (nr_entries x struct kplug_image_entry) | text | data
 *   [| debug]
 *   The header's checksum is the CRC-32 of the whole image with that field
 *   read as zero (see kplug_crc32()).  The optional debug trailer (struct
 *   kplug_debug_hdr, below) is for tools: the kernel checks its magic and
 *   size, keeps it as it is and hands it back (KPLUG_IOC_INFO); it never
 *   interprets the rest, and readers must check every offset in it.
 *   text is loaded at KPLUG_TEXT_BASE and mapped read+execute; data at
 *   kplug_data_base(text_size), followed by bss_size zero bytes, mapped
 *   read+write, never executable.  An entry's offset is relative to
 *   KPLUG_TEXT_BASE and must lie inside text.  All reserved fields must be
 *   zero.  The kernel rejects any image that breaks a rule with -EINVAL and,
 *   if a log buffer was given, a readable explanation in it.
 *
 * Calling convention
 *   An entry is called like the cdecl function
 *     u32 entry(u32 a0, u32 a1, u32 a2, u32 a3, u32 a4, u32 a5,
 *               const void *in, u32 in_len, void *out, u32 out_len)
 *   (an entry may declare fewer parameters).  The arguments are on the
 *   plugin stack above a return address that leads to kplug's exit stub
 *   (KPLUG_RUNTIME_BASE).  in/out are the invocation's buffers, copied into
 *   and out of the plugin's stack slot by the kernel (NULL when empty); out
 *   is zeroed before the call and copied back whole when the entry
 *   returns.  An entry says how many bytes of out it wrote with the
 *   out_len service (KPLUG_SVC_OUT_LEN); INVOKE reports them in
 *   out_written.  The result is EAX.
 *
 * Ioctls (all on an fd of /dev/kplug, root only).  Every argument struct is
 * extensible: the size encoded in the ioctl number is the caller's struct
 * size; a shorter struct than the first version is -EINVAL, a longer one must
 * have only zero bytes past what the kernel knows (else -E2BIG).  Unknown
 * flag bits and non-zero reserved fields are -EINVAL.
 *
 *   KPLUG_IOC_CREATE  load an image as a new plugin called name.
 *       -EINVAL bad name, flags, reserved, image, or log_size over 1 MiB
 *       (1048576; the log says which), or log_buf and log_size not both
 *       set or both 0; -EEXIST name in use; -E2BIG image_len or the
 *       sandbox too large; -ENOMEM; -EFAULT bad pointer (an unwritable
 *       log buffer or argument struct gives -EFAULT whatever else failed).
 *       Every failure after the argument struct was read is explained in
 *       the log, which is always NUL-terminated, truncated if log_size is
 *       too small.  All or nothing: the log and id are written back
 *       before the plugin becomes visible, so a failed CREATE leaves no
 *       plugin and the same CREATE can simply be retried.  (Until it
 *       returns, a concurrent CREATE of the same name gets -EEXIST and
 *       lookups do not find it.)  On success id holds the plugin's id.
 *   KPLUG_IOC_INVOKE  call entry number `entry` of plugin `id` with nargs
 *       32-bit arguments.  The call may use budget_ms of CPU time inside
 *       the plugin (0: the plugin's default from CREATE, or else the
 *       module's budget_ms parameter), never more than the module's
 *       max_budget_ms parameter.  The caller's process context is needed:
 *       the plugin runs preemptibly, and a fatal signal stops it.  0: the plugin returned, result holds EAX.
 *       -EIO: the plugin faulted; fault describes it (the call is aborted,
 *       the plugin stays loaded and can be invoked again).  -ETIME: the
 *       plugin ran past its CPU budget.  -EINTR: a fatal signal arrived
 *       (also while waiting for a stack slot of this CPU, which two
 *       suspended invocations of the plugin may hold).
 *       -ENOENT no such plugin, -EINVAL bad entry/nargs/flags/reserved,
 *       in_len + out_len may be at most half the plugin's stack size
 *       (-E2BIG otherwise).  out_written (ignored on input): the bytes of
 *       out the plugin said it wrote (KPLUG_SVC_OUT_LEN; its last call
 *       counts), or out_len if it did not say (plugins built before the
 *       service: the whole buffer, as before).  A caller with the older,
 *       shorter struct (ending at out_len) does not get it.
 *   KPLUG_IOC_INFO  describe a plugin: by id; by name (KPLUG_INFO_BY_NAME,
 *       id ignored); or the plugin with the smallest id greater than id
 *       (KPLUG_INFO_NEXT: start from 0 to list them all).  Fills name, the
 *       counters and sizes, and up to entries_cap entries of the entry
 *       table at entries.  -ENOENT: no such plugin (or no further one).
 *       With the struct's later fields: up to debug_cap bytes of the
 *       image's debug trailer at debug and up to text_cap bytes of its
 *       text at text (debug_size and text_size say how many there are;
 *       0 and NULL: none wanted).
 *   KPLUG_IOC_LOG  copy the newest bytes of plugin `id`'s log (the lines
 *       it wrote with the log service) to buf, whole lines only (the copy
 *       never starts inside a line, even after the ring wrapped or when
 *       buf is smaller than the log); KPLUG_LOG_CLEAR empties it.
 *   KPLUG_IOC_REMOVE  remove plugin `id`.  Invocations in flight finish
 *       first (they hold a reference); new ones get -ENOENT.  Its hook
 *       attachments are detached (each logged to the kernel log) before
 *       REMOVE returns.
 *   KPLUG_IOC_HOOK  hook points registered by kernel code
 *       (include/kplug_hook.h); op is one of:
 *       KPLUG_HOOK_INFO  the index-th registered hook (0, 1, ...): fills
 *           name, context, combine, default_result, nr_attached, calls,
 *           context_desc, args_desc, missed, nr_suspended.  -ENOENT past
 *           the last.
 *       KPLUG_HOOK_ATTACH  attach entry `entry` of plugin `id` to hook
 *           `name`; attached plugins run in attach order, at most
 *           KPLUG_HOOK_MAX_ATTACH per hook (-ENOSPC).  -ENOENT no such
 *           hook or plugin, -EINVAL bad entry or name, -EEXIST the same
 *           (hook, plugin, entry) is attached already, -EOPNOTSUPP the
 *           hook is called with interrupts off.  "kprobe:SYMBOL" names a
 *           hook made on demand on the entry of kernel function SYMBOL
 *           (-ENOENT no such symbol, -EINVAL one kprobes refuse); it goes
 *           away with its last attachment; other errors of kprobes'
 *           registration (-EBUSY, -EILSEQ) pass through.
 *       KPLUG_HOOK_DETACH  undo an ATTACH of the same triple (-ENOENT if
 *           not attached); returns after calls in flight are done.
 *       flags, reserved and reserved2 must be 0; the out fields are
 *       ignored on input, index is used by INFO only, name/id/entry by
 *       ATTACH/DETACH.
 *   KPLUG_IOC_VERSION  what this module is and supports: its uapi version
 *       (KPLUG_UAPI_VERSION when it was built; raised whenever an ioctl,
 *       field, flag, service or fault kind is added), its MODULE_VERSION,
 *       the image format version, the number of services, the hook points
 *       registered now and the prefixes of those made on demand
 *       ("kprobe:"), and its limits (sizes, budgets: the module
 *       parameters' current values).  flags and reserved must be 0
 *       (-EINVAL); never fails otherwise.  Older modules have no such
 *       ioctl (-ENOTTY): treat them as uapi version 0.
 *
 *   Attachments and long hook names (the fields after reserved2; a caller
 *   with the shorter, older struct keeps the behaviour above):
 *       hook  the hook's full name, up to KPLUG_HOOK_NAME_MAX - 1
 *           characters ("kprobe:" and a long symbol).  ATTACH/DETACH take
 *           the name from hook when name is empty (both set: -EINVAL);
 *           INFO and ATT_INFO fill hook, and name only when it fits.
 *       Every attachment has an id, unique while the module is loaded,
 *       which ATTACH returns in att_id.
 *       KPLUG_HOOK_ATT_INFO  the attachment with the smallest id above
 *           att_id, on any hook (start from 0): fills att_id, hook (and
 *           name), id, entry, plugin, entry_name, att_flags
 *           (KPLUG_ATT_SUSPENDED), att_calls (including calls that found
 *           no stack slot free, which the hook counts as missed too),
 *           att_faults, att_overruns, attached_ms and suspended_ms.
 *           -ENOENT after the last.
 *       KPLUG_HOOK_DETACH with att_id non-zero detaches that attachment
 *           (name, hook, id and entry must then be 0: -EINVAL).
 *       Removing a plugin (KPLUG_IOC_REMOVE) detaches its attachments
 *       first, each logged to the kernel log; unloading the module logs
 *       every attachment and plugin it destroys.
 */
#ifndef _UAPI_KPLUG_H
#define _UAPI_KPLUG_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define KPLUG_UAPI_VERSION	1	/* KPLUG_IOC_VERSION */
#define KPLUG_NAME_MAX		32	/* bytes, including the NUL */
#define KPLUG_MAX_ARGS		6

/*
 * Names are 1 .. size - 1 characters, NUL-terminated within size bytes
 * (KPLUG_NAME_MAX for every name here), of [A-Za-z0-9_] and the
 * characters of extra: none for entries (C identifiers), ".-" for
 * plugins, ".-:" for hooks ("kprobe:SYMBOL").  The one check of that
 * rule, shared by the kernel, libkplug, kplugctl and kplug's linker so
 * that none of them accepts a name another refuses.  ASCII only, whatever
 * the locale.  Returns 1 if name is valid, else 0.
 */
#define KPLUG_NAME_ENTRY	""
#define KPLUG_NAME_PLUGIN	".-"
#define KPLUG_NAME_HOOK		".-:"

static inline int kplug_name_valid(const char *name, __u64 size,
				   const char *extra)
{
	const char *x;
	__u64 i;

	for (i = 0; i < size && name[i]; i++) {
		char c = name[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_')
			continue;
		for (x = extra; *x && *x != c; x++)
			;
		if (!*x)
			return 0;
	}
	return i > 0 && i < size;
}

/* --- Sandbox layout: the same in every plugin ---------------------------- */
#define KPLUG_PAGE_SIZE		4096u
#define KPLUG_NULL_GUARD	0x00010000u	/* 0..64 KiB is never mapped */
#define KPLUG_RUNTIME_BASE	0x00010000u	/* kplug's exit stub (one page) */
#define KPLUG_TEXT_BASE		0x00011000u	/* image text is linked here */
#define KPLUG_SANDBOX_MAX	0x10000000u	/* 256 MiB: the sandbox ends below */

#define KPLUG_TEXT_MAX		(16u << 20)
#define KPLUG_DATA_MAX		(64u << 20)	/* data + bss */
#define KPLUG_STACK_DEFAULT	(16u << 10)
#define KPLUG_STACK_MAX		(1u << 20)

static inline __u32 kplug_page_align(__u32 x)
{
	return (x + KPLUG_PAGE_SIZE - 1) & ~(KPLUG_PAGE_SIZE - 1);
}

/* Where an image's data is linked, given its text size. */
static inline __u32 kplug_data_base(__u32 text_size)
{
	return KPLUG_TEXT_BASE + kplug_page_align(text_size);
}

/* --- Image format -------------------------------------------------------- */
#define KPLUG_IMAGE_MAGIC	0x474c504bu	/* "KPLG" */
#define KPLUG_IMAGE_VERSION	1

struct kplug_image_entry {
	char	name[KPLUG_NAME_MAX];	/* NUL-terminated, [A-Za-z0-9_] */
	__u32	offset;			/* from KPLUG_TEXT_BASE, inside text */
	__u32	reserved;
};

struct kplug_image_hdr {
	__u32	magic;		/* KPLUG_IMAGE_MAGIC */
	__u16	version;	/* KPLUG_IMAGE_VERSION */
	__u16	hdr_size;	/* sizeof(struct kplug_image_hdr) */
	__u32	text_size;	/* bytes of text (code and constants), > 0 */
	__u32	data_size;	/* bytes of initialised data */
	__u32	bss_size;	/* zero bytes after data */
	__u32	stack_size;	/* per stack slot; 0 = KPLUG_STACK_DEFAULT */
	__u32	nr_entries;	/* 1 .. KPLUG_MAX_ENTRIES */
	__u32	checksum;	/* kplug_crc32() of the image, this field 0 */
};

#define KPLUG_MAX_ENTRIES	64

/*
 * The debug trailer: function symbols of the text, sorted by offset, for
 * function+offset in fault reports and disassembly (kplugctl info, dump).
 *   struct kplug_debug_hdr | nr_syms x struct kplug_debug_sym | names
 * A name is a NUL-terminated string at strtab_off + sym.name, inside the
 * trailer.
 *
 * An optional line table follows the names (the linker writes one where the
 * objects carry line information: tcc's always, gcc's and clang's with -g):
 *   ... names | nr_lines x struct kplug_debug_line | struct kplug_debug_lines
 * The footer, the trailer's last 16 bytes, says where the rows are.  Readers
 * that predate it take the table for more names, which no symbol points to.
 */
#define KPLUG_DEBUG_MAGIC	0x4244504bu	/* "KPDB" */
#define KPLUG_DEBUG_MAX		(1u << 20)	/* bytes of trailer */

struct kplug_debug_hdr {
	__u32	magic;		/* KPLUG_DEBUG_MAGIC */
	__u32	size;		/* of the trailer, this header included */
	__u32	nr_syms;
	__u32	strtab_off;	/* from the trailer's start */
};

struct kplug_debug_sym {
	__u32	offset;		/* from KPLUG_TEXT_BASE */
	__u32	size;		/* bytes of code; 0 if the compiler did not say */
	__u32	name;		/* from strtab_off */
	__u32	reserved;
};

#define KPLUG_DEBUG_LINES_MAGIC	0x4c44504bu	/* "KPDL" */

/* A row holds from its offset up to the next row's. */
struct kplug_debug_line {
	__u32	offset;		/* from KPLUG_TEXT_BASE; rows sorted by it */
	__u32	line;		/* from 1; 0: no line information here */
	__u32	file;		/* the source file's name, from strtab_off */
};

struct kplug_debug_lines {
	__u32	magic;		/* KPLUG_DEBUG_LINES_MAGIC */
	__u32	nr_lines;
	__u32	lines_off;	/* from the trailer's start; 4-aligned */
	__u32	reserved;
};

/*
 * CRC-32 (the IEEE polynomial; chains like zlib's crc32(): start with 0,
 * pass the previous result).  A bitwise reference for user space; the
 * kernel computes the same function with crc32_le().
 */
static inline __u32 kplug_crc32(__u32 crc, const void *buf, __u64 len)
{
	const __u8 *p = (const __u8 *)buf;
	int k;

	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = crc >> 1 ^ (0xedb88320u & (0u - (crc & 1)));
	}
	return ~crc;
}

/*
 * An image's checksum: the CRC-32 of the whole image with the checksum
 * field read as zero.  To seal an image, set checksum to 0, then to
 * kplug_crc32(0, image, len).
 */

/* --- Ioctls -------------------------------------------------------------- */
struct kplug_create_args {
	__aligned_u64	image;		/* in: user pointer to the image */
	__aligned_u64	log_buf;	/* in: user buffer for the loader log */
	__u32		image_len;	/* in: bytes at image */
	__u32		log_size;	/* in: bytes at log_buf, 0 = no log,
					 * at most 1 MiB */
	__u32		flags;		/* in: none defined yet, must be 0 */
	__u32		id;		/* out: the new plugin's id */
	char		name[KPLUG_NAME_MAX];	/* in: [A-Za-z0-9_.-], NUL-terminated */
	__u32		budget_ms;	/* in: default CPU budget of an invocation,
					 * 0 = the module's budget_ms */
	__u32		reserved;
};

/* Why a plugin was stopped (struct kplug_fault.kind). */
enum kplug_fault_kind {
	KPLUG_FAULT_NONE = 0,
	KPLUG_FAULT_BAD_ACCESS,	/* page fault outside its mapped memory */
	KPLUG_FAULT_STACK,	/* page fault in a stack guard */
	KPLUG_FAULT_PRIVILEGED,	/* privileged instruction, #GP(0) */
	KPLUG_FAULT_ESCAPE,	/* selector, gate or int n: #GP/#NP/#TS(sel) */
	KPLUG_FAULT_DIVIDE,	/* #DE */
	KPLUG_FAULT_INVALID_OPCODE, /* #UD */
	KPLUG_FAULT_FPU,	/* x87/SSE/AVX: #NM */
	KPLUG_FAULT_LIMIT,	/* segment limit: #SS, or #GP(0) past a limit */
	KPLUG_FAULT_DEBUG,	/* #DB, #BP */
	KPLUG_FAULT_ALIGNMENT,	/* #AC */
	KPLUG_FAULT_OTHER,	/* any other exception */
	KPLUG_FAULT_SERVICE,	/* a service call with a bad number or
				 * argument (vector KPLUG_FAULT_VECTOR_SERVICE,
				 * error_code = service, cr2 = bad address) */
};

#define KPLUG_FAULT_VECTOR_SERVICE	257

/*
 * Service calls, plugin -> kernel.  Service n is a cdecl function at
 * KPLUG_RUNTIME_BASE + 16 * n in every sandbox (the SDK wraps them); its
 * pointer arguments must lie in the plugin's memory (writable data or
 * stack for buffers the kernel fills), else the call faults (kind
 * KPLUG_FAULT_SERVICE).
 *   1 u32 log(const char *msg, u32 len)    append a line (at most
 *        KPLUG_LOG_LINE_MAX bytes) to the plugin's log; at most
 *        KPLUG_LOG_RATE lines a second, the rest are counted as dropped;
 *        returns the bytes logged
 *   2 u64 time_ns(void)                    CLOCK_MONOTONIC
 *   3 u32 random(void *buf, u32 len)       len (<= 4096) random bytes
 *   4 u32 cpu(void)                        the CPU running the plugin
 *   5 u32 pid(void), 6 u32 tid(void)      of the task that invoked it
 *   7 u32 comm(char *buf, u32 len)         its command name, NUL-terminated
 *   8 u32 out_len(u32 n)                   the entry wrote the first n
 *        bytes of its out buffer (n <= out_len, else a service fault);
 *        INVOKE reports n in out_written; returns n
 */
#define KPLUG_SVC_LOG		1
#define KPLUG_SVC_TIME_NS	2
#define KPLUG_SVC_RANDOM	3
#define KPLUG_SVC_CPU		4
#define KPLUG_SVC_PID		5
#define KPLUG_SVC_TID		6
#define KPLUG_SVC_COMM		7
#define KPLUG_SVC_OUT_LEN	8
#define KPLUG_SVC_COUNT		9	/* numbers are below this */

#define KPLUG_LOG_LINE_MAX	256
#define KPLUG_LOG_RATE		100
#define KPLUG_LOG_SIZE		16384	/* per plugin, oldest lines go first */

struct kplug_fault {
	__u32	kind;		/* enum kplug_fault_kind */
	__u32	vector;		/* exception vector */
	__u32	error_code;	/* as pushed by the CPU, else 0 */
	__u32	eip;		/* plugin EIP at the fault */
	__u32	cr2;		/* faulting address for page faults */
	__u32	reserved;
};

struct kplug_invoke_args {
	__u32	id;		/* in: plugin id */
	__u32	entry;		/* in: index into the image's entry table */
	__u32	nargs;		/* in: 0 .. KPLUG_MAX_ARGS */
	__u32	flags;		/* in: none defined yet, must be 0 */
	__u32	args[KPLUG_MAX_ARGS];	/* in */
	__u32	result;		/* out: EAX when the plugin returned */
	__u32	budget_ms;	/* in: CPU budget of this call, 0 = the plugin's */
	struct kplug_fault fault; /* out: filled when the ioctl fails with EIO;
				   * must be zero on input */
	__aligned_u64	in;	/* in: user pointer, in_len bytes for the plugin */
	__aligned_u64	out;	/* in: user buffer for out_len bytes it writes */
	__u32	in_len;
	__u32	out_len;
	/* --- the written length of out (see INVOKE) --------------------- */
	__u32	out_written;	/* out: bytes of out the plugin wrote */
	__u32	reserved;	/* must be 0 */
};

struct kplug_log_args {
	__u32	id;		/* in: plugin id */
	__u32	flags;		/* in: KPLUG_LOG_CLEAR empties the log after */
	__aligned_u64	buf;	/* in: user buffer for the log text */
	__u32	size;		/* in: bytes at buf */
	__u32	len;		/* out: bytes copied (the newest ones) */
	__aligned_u64	dropped; /* out: lines refused by the rate limit */
};

#define KPLUG_LOG_CLEAR		(1u << 0)

#define KPLUG_INFO_BY_NAME	(1u << 0)
#define KPLUG_INFO_NEXT		(1u << 1)
#define __KPLUG_INFO_ALL	(KPLUG_INFO_BY_NAME | KPLUG_INFO_NEXT)

struct kplug_info_args {
	__u32	id;		/* in/out */
	__u32	flags;		/* in: KPLUG_INFO_* */
	char	name[KPLUG_NAME_MAX];	/* in (BY_NAME) / out */
	__aligned_u64	entries;	/* in: user array of entries_cap entries */
	__u32	entries_cap;	/* in */
	__u32	nr_entries;	/* out: entries in the image */
	__u32	budget_ms;	/* out: default budget, 0 = the module's */
	__u32	stack_size;	/* out: per stack slot */
	__aligned_u64	mem_bytes;	/* out: memory of the sandbox and tables */
	__aligned_u64	invocations;	/* out: calls made */
	__aligned_u64	faults;		/* out: calls that faulted */
	__aligned_u64	timeouts;	/* out: calls stopped by the budget */
	struct kplug_fault last_fault;	/* out: the most recent fault */
	__u32	data_base;	/* out: sandbox address of data, then bss */
	__u32	data_pages;	/* out: pages of data + bss (mmap-able) */
	/* --- the image's debug trailer and text, for tools ------------- */
	__aligned_u64	debug;	/* in: user buffer of debug_cap bytes */
	__u32	debug_cap;	/* in */
	__u32	debug_size;	/* out: bytes of the trailer, 0: none */
	__aligned_u64	text;	/* in: user buffer of text_cap bytes */
	__u32	text_cap;	/* in */
	__u32	text_size;	/* out: bytes of text */
};

/*
 * mmap of /dev/kplug maps a plugin's data and bss pages into the caller,
 * shared: what the plugin writes the caller reads and the other way round
 * (the role of BPF array maps).  The offset names the plugin and the first
 * page: KPLUG_MMAP_OFFSET(id, page); the length may cover at most the
 * remaining data_pages.  Never executable.  The pages stay valid while
 * mapped, even after the plugin is removed.
 */
#define KPLUG_MMAP_OFFSET(id, page) \
	((((__u64)(id) << 16) | (page)) * KPLUG_PAGE_SIZE)

struct kplug_remove_args {
	__u32	id;
	__u32	flags;		/* must be 0 */
};

/* Hook points (KPLUG_IOC_HOOK; kernel side in include/kplug_hook.h). */
/*
 * Where a hook is called from (docs/hooks.md, "Contexts"):
 *   PROCESS   task, preemptible: the plugin may be rescheduled; budget_ms
 *   ATOMIC    softirq, or preemption/BH off, interrupts on: never
 *             rescheduled; budget atomic_budget_us, checked at each
 *             interrupt; an attachment that overruns it is suspended;
 *             one whose calls take more than atomic_share_pct percent of
 *             a CPU's time is skipped (missed) for the rest of that
 *             second (module parameters)
 *   IRQS_OFF  interrupts disabled: nothing could bound a plugin's CPU
 *             time, so such a hook takes no attachments (-EOPNOTSUPP)
 * A call that finds interrupts off (or hardirq, NMI) runs nothing, returns
 * the default and counts as missed.
 */
#define KPLUG_HOOK_CTX_PROCESS	(1u << 0)
#define KPLUG_HOOK_CTX_ATOMIC	(1u << 1)
#define KPLUG_HOOK_CTX_IRQS_OFF	(1u << 2)

#define KPLUG_HOOK_FIRST_NONZERO 0	/* stop at the first non-zero result */
#define KPLUG_HOOK_LAST		1	/* run all, return the last result */

#define KPLUG_HOOK_INFO		0
#define KPLUG_HOOK_ATTACH	1
#define KPLUG_HOOK_DETACH	2
#define KPLUG_HOOK_ATT_INFO	3

/* att_flags: overran in atomic context, runs no more until attached again */
#define KPLUG_ATT_SUSPENDED	(1u << 0)

/* A hook's full name, with the NUL: "kprobe:" and 120 characters. */
#define KPLUG_HOOK_NAME_MAX	128

#define KPLUG_HOOK_MAX_ATTACH	16
#define KPLUG_HOOK_DESC_MAX	128

struct kplug_hook_args {
	__u32	op;		/* in: KPLUG_HOOK_INFO/ATTACH/DETACH */
	__u32	flags;		/* in: none defined yet, must be 0 */
	char	name[KPLUG_NAME_MAX];	/* in (ATTACH/DETACH), out (INFO) */
	__u32	index;		/* in (INFO): which hook, from 0 */
	__u32	id;		/* in (ATTACH/DETACH): plugin id */
	__u32	entry;		/* in (ATTACH/DETACH): entry index */
	__u32	context;	/* out: KPLUG_HOOK_CTX_* */
	__u32	combine;	/* out: KPLUG_HOOK_FIRST_NONZERO/LAST */
	__u32	default_result;	/* out */
	__u32	nr_attached;	/* out */
	__u32	reserved;	/* must be 0 */
	__aligned_u64	calls;	/* out: calls of the hook with plugins attached */
	char	context_desc[KPLUG_HOOK_DESC_MAX];	/* out */
	char	args_desc[KPLUG_HOOK_DESC_MAX];		/* out */
	__aligned_u64	missed;	/* out: calls that ran no plugin: interrupts
				 * were off, or no stack slot was free */
	__u32	nr_suspended;	/* out: attachments stopped for overrunning
				 * in atomic context, or for their share of
				 * a CPU there (until attached again) */
	__u32	reserved2;	/* must be 0 */
	/* --- attachments and long hook names (see the top) ------------- */
	/* in (ATTACH/DETACH, if name is empty), out (INFO, ATT_INFO) */
	char	hook[KPLUG_HOOK_NAME_MAX];
	/* in (ATT_INFO: list after it; DETACH: by id), out (ATTACH, ATT_INFO) */
	__u32	att_id;
	/* out (ATT_INFO), as the top of this header describes them: */
	__u32	att_flags;	/* KPLUG_ATT_* */
	char	plugin[KPLUG_NAME_MAX];
	char	entry_name[KPLUG_NAME_MAX];
	__aligned_u64	att_calls;	/* times the hook called the entry */
	__aligned_u64	att_faults;	/* of those, faulted */
	__aligned_u64	att_overruns;	/* stopped by the budget */
	__aligned_u64	attached_ms;	/* age of the attachment */
	__aligned_u64	suspended_ms;	/* time since it was suspended */
};

/* KPLUG_IOC_VERSION: every field but flags and reserved is out. */
#define KPLUG_VERSION_STR_MAX	32
#define KPLUG_PREFIXES_MAX	64

struct kplug_version_args {
	__u32	flags;			/* in: none defined yet, must be 0 */
	__u32	uapi_version;		/* KPLUG_UAPI_VERSION of the module */
	char	module_version[KPLUG_VERSION_STR_MAX];	/* MODULE_VERSION */
	__u32	image_version;		/* KPLUG_IMAGE_VERSION it loads */
	__u32	nr_services;		/* services are 1 .. nr_services - 1 */
	__u32	nr_hooks;		/* hook points registered now */
	char	hook_prefixes[KPLUG_PREFIXES_MAX];	/* of hooks made on
					 * demand, space-separated */
	__u32	max_args;		/* KPLUG_MAX_ARGS */
	__u32	max_entries;		/* KPLUG_MAX_ENTRIES */
	__u32	text_max;		/* KPLUG_TEXT_MAX */
	__u32	data_max;		/* KPLUG_DATA_MAX */
	__u32	stack_max;		/* KPLUG_STACK_MAX */
	__u32	stack_default;		/* KPLUG_STACK_DEFAULT */
	__u32	hook_max_attach;	/* KPLUG_HOOK_MAX_ATTACH */
	__u32	budget_ms;		/* module parameters, now */
	__u32	max_budget_ms;
	__u32	atomic_budget_us;
	__u32	reserved;		/* in: must be 0 */
};

#define KPLUG_IOC_MAGIC		'K'
#define KPLUG_IOC_CREATE	_IOWR(KPLUG_IOC_MAGIC, 1, struct kplug_create_args)
#define KPLUG_IOC_INVOKE	_IOWR(KPLUG_IOC_MAGIC, 2, struct kplug_invoke_args)
#define KPLUG_IOC_REMOVE	_IOW(KPLUG_IOC_MAGIC, 3, struct kplug_remove_args)
#define KPLUG_IOC_INFO		_IOWR(KPLUG_IOC_MAGIC, 4, struct kplug_info_args)
#define KPLUG_IOC_LOG		_IOWR(KPLUG_IOC_MAGIC, 5, struct kplug_log_args)
#define KPLUG_IOC_HOOK		_IOWR(KPLUG_IOC_MAGIC, 6, struct kplug_hook_args)
#define KPLUG_IOC_VERSION	_IOWR(KPLUG_IOC_MAGIC, 7, struct kplug_version_args)

#endif /* _UAPI_KPLUG_H */
