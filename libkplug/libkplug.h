/* SPDX-License-Identifier: LGPL-2.1 */
/*
 * libkplug: create, invoke and remove kplug plugins.
 *
 * Conventions (libbpf's): functions returning int return 0 or a negative
 * errno and also set errno; functions returning a pointer return NULL and
 * set errno on failure.  Handles are opaque.  Every function is
 * thread-safe; a handle may be used by several threads at once.
 *
 * Plugins are global, named kernel objects: they live until removed
 * (kplug_remove, or `kplugctl remove`), not until the handle is closed.
 * Names are 1..31 characters of [A-Za-z0-9_.-].  Root only.
 *
 * User plugins (KPLUG_CREATE_USER) run the same image in the calling
 * process instead, with no module and no root: the kernel sandbox's
 * layout, segment limits, calling convention, services and fault records,
 * for developing and testing plugins and for measuring them on the real
 * CPU.  This isolates bugs, not attackers: the plugin shares the process.
 * One user plugin per process at a time (its sandbox has fixed
 * addresses); it lives until kplug_remove or kplug_close, and has no id,
 * hooks or mmap (its data is at data_base in the process already).
 */
#ifndef LIBKPLUG_H
#define LIBKPLUG_H

#include <stddef.h>
#include <linux/types.h>
#include <linux/kplug.h>	/* the kernel interface (uapi/kplug.h) */

#ifdef __cplusplus
extern "C" {
#endif

struct kplug;

/*
 * Options for kplug_create / kplug_create_image / kplug_build.  Declare
 * with KPLUG_OPTS(); unknown trailing bytes of a newer caller's struct
 * must be zero (else -E2BIG).
 */
struct kplug_opts {
	size_t sz;		/* sizeof(struct kplug_opts) */
	__u32 budget_ms;	/* default CPU budget per call; 0 = module's */
	__u32 stack_kb;		/* stack per slot, KiB; 0 = 16 (C builds) */
	char *log_buf;		/* compile and loader messages, NUL-terminated */
	size_t log_size;	/* bytes at log_buf; 0: no log */
	__u32 flags;		/* KPLUG_CREATE_* */
};

/* Run the plugin in this process (docs/libkplug.md, "User-space host"). */
#define KPLUG_CREATE_USER	(1u << 0)
/* A user plugin without CPU budget (no timer: benchmarks, debuggers). */
#define KPLUG_CREATE_NO_BUDGET	(1u << 1)

#define KPLUG_OPTS(name, ...) \
	struct kplug_opts name = { .sz = sizeof(struct kplug_opts), __VA_ARGS__ }

/* Compile C source (file name for messages: "<name>.c") and load it. */
struct kplug *kplug_create(const char *name, const char *source,
			   const struct kplug_opts *opts);
/* Load a kplug image (uapi/kplug.h format, e.g. from kplugctl build). */
struct kplug *kplug_create_image(const char *name, const void *image,
				 size_t len, const struct kplug_opts *opts);
/* A handle to an existing plugin. */
struct kplug *kplug_open(const char *name);

/*
 * One call of entry point `entry`: its inputs and, filled on return, its
 * outputs.  Declare with KPLUG_INVOKE_OPTS(); like struct kplug_opts it may
 * grow, and the library writes only the output fields the caller's sz
 * covers.
 */
struct kplug_invoke_opts {
	size_t sz;		/* sizeof(struct kplug_invoke_opts) */
	const __u32 *args;	/* nargs (0..6) 32-bit arguments */
	__u32 nargs;
	__u32 budget_ms;	/* this call's CPU budget; 0 = the plugin's
				 * default (at most the module's max_budget_ms) */
	const void *in;		/* copied in: the entry's in, in_len */
	size_t in_len;
	void *out;		/* copied back: the entry's out, out_len */
	size_t out_len;
	/* out: */
	size_t out_written;	/* bytes of out the plugin wrote (it says so
				 * with kplug_out_len()); out_len if it did
				 * not say; 0 with kernels older than the
				 * field */
	__u32 result;		/* the entry's return value */
	struct kplug_fault fault; /* -EIO: what the plugin did (kind, vector,
				 * error code, EIP, CR2); else zero */
};

#define KPLUG_INVOKE_OPTS(name, ...) \
	struct kplug_invoke_opts name = { \
		.sz = sizeof(struct kplug_invoke_opts), __VA_ARGS__ }

/*
 * Call entry `entry` of the plugin.  0: opts->result, out_written (and the
 * out buffer) are filled.  -EIO: the plugin faulted, opts->fault says how;
 * -ETIME: past its CPU budget; -EINTR: a fatal signal; -ENOENT: no such
 * entry, or the plugin was removed; -E2BIG: in_len + out_len above half
 * its stack; -EINVAL: bad arguments, or budget_ms above the module's
 * max_budget_ms.
 */
int kplug_invoke_opts(struct kplug *p, const char *entry,
		      struct kplug_invoke_opts *opts);

/*
 * The first form, kept for programs that use it: kplug_invoke_opts with
 * args, nargs, in and out; *result gets the return value, and -EIO
 * leaves the fault in kplug_last_fault() (this thread's last).
 */
int kplug_invoke(struct kplug *p, const char *entry, const __u32 *args,
		 unsigned int nargs, const void *in, size_t in_len,
		 void *out, size_t out_len, __u32 *result);
const struct kplug_fault *kplug_last_fault(void);
/* A short name for a fault kind ("bad-access", "privileged", ...). */
const char *kplug_fault_kind_str(__u32 kind);

/*
 * Copy the newest bytes of the plugin's log (lines it wrote with
 * kplug_log()/kplug_printf()) into buf, whole lines only (never the tail
 * of one); returns the byte count (not NUL-terminated) or a negative
 * errno.  *dropped (may be NULL) gets the
 * number of lines the rate limit refused.  clear: empty the log after.
 */
int kplug_read_log(const struct kplug *p, char *buf, size_t size, int clear,
		   __u64 *dropped);

/*
 * Map the plugin's data and bss into this process, shared (its counters
 * and tables, read and written without a copy); *len gets the mapping's
 * length, which starts at the plugin's data_base (see kplug_info).
 * Unmap with munmap().  NULL and errno on failure.
 */
void *kplug_map_data(const struct kplug *p, size_t *len);

/* Remove the plugin from the kernel and free the handle. */
int kplug_remove(struct kplug *p);
/* Free the handle; the plugin stays loaded. */
void kplug_close(struct kplug *p);

const char *kplug_name(const struct kplug *p);
__u32 kplug_id(const struct kplug *p);

/*
 * Functions that fill a uapi struct take its size (the _sz names; the
 * macros pass sizeof): the library and the kernel write no more than the
 * caller's struct holds, so a program built against an older header
 * keeps working with a newer library and kernel.  -EINVAL for a size
 * below the struct's first version.
 */

/* Fill *info (KPLUG_IOC_INFO) for the plugin.  Set info->entries and
 * info->entries_cap first to also get the entry table (else set them 0). */
int kplug_info_sz(const struct kplug *p, struct kplug_info_args *info,
		  size_t size);
#define kplug_info(p, info) kplug_info_sz(p, info, sizeof(*(info)))
/* Info of the plugin with the smallest id above id (start with 0);
 * -ENOENT after the last one.  Lists every plugin. */
int kplug_info_next_sz(__u32 id, struct kplug_info_args *info, size_t size);
#define kplug_info_next(id, info) kplug_info_next_sz(id, info, sizeof(*(info)))

/*
 * Hook points registered by kernel modules (include/kplug_hook.h in the
 * kplug tree).  kplug_attach: run entry `entry` of the plugin whenever
 * hook `hook` is called, after the plugins attached before it.  -ENOENT:
 * no such hook, plugin or entry; -EEXIST: attached already.
 * kplug_detach undoes it (returns once calls in flight are done).
 */
int kplug_attach(struct kplug *p, const char *hook, const char *entry);
int kplug_detach(struct kplug *p, const char *hook, const char *entry);

/* The index-th registered hook (0, 1, ...); -ENOENT past the last. */
int kplug_hook_info_sz(unsigned int index, struct kplug_hook_args *info,
		       size_t size);
#define kplug_hook_info(index, info) \
	kplug_hook_info_sz(index, info, sizeof(*(info)))

/*
 * Attachments, on every hook: the one with the smallest id above att_id
 * (start with 0); -ENOENT after the last.  Fills att_id, hook (the hook's
 * full name), id and plugin (the plugin), entry and entry_name, att_flags
 * (KPLUG_ATT_SUSPENDED), att_calls, att_faults, att_overruns, attached_ms
 * and suspended_ms.
 */
int kplug_attachment_next_sz(__u32 att_id, struct kplug_hook_args *info,
			     size_t size);
#define kplug_attachment_next(att_id, info) \
	kplug_attachment_next_sz(att_id, info, sizeof(*(info)))
/* Detach attachment att_id; -ENOENT if there is none. */
int kplug_detach_id(__u32 att_id);

/*
 * Build an image without loading it: from C source, or (kplug_link) from
 * ELF32 relocatable objects built by any compiler with -m32 -ffreestanding
 * -fno-pic.  *image is malloc()ed.
 */
int kplug_build(const char *filename, const char *source,
		const struct kplug_opts *opts, void **image, size_t *len);
int kplug_link(const void *const *objs, const size_t *obj_lens,
	       unsigned int nr_objs, const struct kplug_opts *opts,
	       void **image, size_t *len);

/*
 * What the loaded module is and supports (KPLUG_IOC_VERSION: uapi and
 * module versions, services, hooks, limits).  -ENOTTY: a module older
 * than the ioctl (uapi version 0).
 */
int kplug_version(struct kplug_version_args *v);

/*
 * A message for a kplug error code (negative errno).  If err is the error
 * of this thread's last failed libkplug call, the message says what
 * failed ("plugin demo has no entry point nope", "demo:f faulted:
 * bad-access at eip 0x11023 ..."); otherwise it is a general one in
 * kplug's terms.  The string stays valid until this thread's next call.
 */
const char *kplug_strerror(int err);

/*
 * Library diagnostics.  WARN: something the caller should know (the
 * module is missing); INFO: progress; DEBUG: every failure with its
 * context (what kplug_strerror says).  The default prints WARN and INFO
 * to stderr.  kplug_set_print_cb sets a callback for every level (NULL:
 * silent) and returns the previous one (NULL if none or a kplug_print_fn
 * was set); kplug_set_print, the first form, sets one without levels for
 * WARN and INFO.  Each replaces the other.
 */
enum kplug_print_level {
	KPLUG_PRINT_WARN,
	KPLUG_PRINT_INFO,
	KPLUG_PRINT_DEBUG,
};

typedef void (*kplug_print_cb)(enum kplug_print_level level, const char *msg);
kplug_print_cb kplug_set_print_cb(kplug_print_cb cb);
typedef void (*kplug_print_fn)(const char *msg);
kplug_print_fn kplug_set_print(kplug_print_fn fn);

#ifdef __cplusplus
}
#endif

#endif /* LIBKPLUG_H */
