// SPDX-License-Identifier: LGPL-2.1
/*
 * libkplug: the user-space side of kplug.  Compiles C with the code
 * generator (codegen/), talks to /dev/kplug through the ioctls of
 * uapi/kplug.h.  See libkplug.h for the conventions.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "libkplug.h"
#include "uhost.h"
#include "../codegen/codegen.h"
#include "../kmod/image.h"

#define EXPORT __attribute__((visibility("default")))

struct kplug {
	int fd;			/* -1 for a user plugin */
	struct uhost *user;	/* KPLUG_CREATE_USER: runs in this process */
	__u32 id;
	char name[KPLUG_NAME_MAX];
	__u32 nr_entries;
	struct kplug_image_entry entries[KPLUG_MAX_ENTRIES];
};

static __thread struct kplug_fault last_fault;	/* kplug_invoke's */

/* --- diagnostics ---------------------------------------------------------- */

static void print_stderr(enum kplug_print_level level, const char *msg)
{
	if (level != KPLUG_PRINT_DEBUG)
		fputs(msg, stderr);
}

/*
 * One of the two is set.  Atomic pointers, not a lock: a program that
 * forks while another thread prints must not inherit a held lock.
 */
static kplug_print_cb print_cb = print_stderr;
static kplug_print_fn print_fn;		/* kplug_set_print()'s, if set */

EXPORT kplug_print_cb kplug_set_print_cb(kplug_print_cb cb)
{
	kplug_print_fn fn = __atomic_exchange_n(&print_fn, NULL, __ATOMIC_ACQ_REL);
	kplug_print_cb old = __atomic_exchange_n(&print_cb, cb, __ATOMIC_ACQ_REL);

	return fn ? NULL : old;
}

EXPORT kplug_print_fn kplug_set_print(kplug_print_fn fn)
{
	__atomic_store_n(&print_cb, NULL, __ATOMIC_RELEASE);
	return __atomic_exchange_n(&print_fn, fn, __ATOMIC_ACQ_REL);
}

static void pr(enum kplug_print_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void pr(enum kplug_print_level level, const char *fmt, ...)
{
	kplug_print_cb cb;
	kplug_print_fn fn;
	char msg[512];
	va_list ap;

	cb = __atomic_load_n(&print_cb, __ATOMIC_ACQUIRE);
	fn = __atomic_load_n(&print_fn, __ATOMIC_ACQUIRE);
	if (!cb && (!fn || level == KPLUG_PRINT_DEBUG))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (cb)
		cb(level, msg);
	else
		fn(msg);
}

/*
 * The context of this thread's last failure, for kplug_strerror(): which
 * plugin, entry or hook the error was about.
 */
static __thread int ctx_err;
static __thread char ctx_msg[256];

static int fail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx_msg, sizeof(ctx_msg), fmt, ap);
	va_end(ap);
	ctx_err = err;
	pr(KPLUG_PRINT_DEBUG, "libkplug: %s\n", ctx_msg);
	return kplug_err(err);
}

/* A failure without more to say than its errno: no stale context. */
static int plain(int err)
{
	ctx_err = 0;
	return kplug_err(err);
}

static void *plain_ptr(int err)
{
	ctx_err = 0;
	return kplug_err_ptr(err);
}

/*
 * Copy a caller's options struct of any size (libbpf's OPTS_VALID): it
 * starts with its size_t sz; a shorter one is zero-extended, a longer one
 * must be zero past ours.  NULL: all zero.
 */
static int opts_copy(void *dst, size_t size, const void *src)
{
	const char *p = src;
	size_t n;

	memset(dst, 0, size);
	if (!src)
		return 0;
	n = *(const size_t *)src;
	if (n < sizeof(size_t))
		return fail(-EINVAL, "options: sz %zu is smaller than the field itself", n);
	for (p += size; p < (const char *)src + n; p++)
		if (*p)
			return fail(-E2BIG, "options: byte %zu is set, and this libkplug knows only %zu",
				    (size_t)(p - (const char *)src), size);
	memcpy(dst, src, n < size ? n : size);
	*(size_t *)dst = n;	/* the caller's: where its output fields end */
	return 0;
}

/*
 * --- Versions (KPLUG_IOC_VERSION) ---
 * The first open of the device in a process asks the module what it
 * speaks; a module older than this library gets one warning, so that a
 * newer call it then refuses (-ENOTTY, -E2BIG) is explained.
 */
static pthread_once_t version_once = PTHREAD_ONCE_INIT;

static int version_get(int fd, struct kplug_version_args *v)
{
	memset(v, 0, sizeof(*v));
	return ioctl(fd, KPLUG_IOC_VERSION, v) ? -errno : 0;
}

static void version_check(void)
{
	int fd = open("/dev/kplug", O_RDWR | O_CLOEXEC), err;
	struct kplug_version_args v;

	if (fd < 0)
		return;
	err = version_get(fd, &v);
	close(fd);
	if (err == -ENOTTY)
		v.uapi_version = 0;	/* predates the ioctl */
	else if (err)
		return;
	if (v.uapi_version < KPLUG_UAPI_VERSION)
		pr(KPLUG_PRINT_WARN, "libkplug: kplug.ko speaks uapi version %u, older than this library's %u: newer calls may fail (update the module)\n",
		   v.uapi_version, KPLUG_UAPI_VERSION);
}

static int opts_get(const struct kplug_opts *in, struct kplug_opts *out)
{
	return opts_copy(out, sizeof(*out), in);
}

static int dev_open(void)
{
	int fd = open("/dev/kplug", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		int err = errno;

		if (err == ENOENT) {
			pr(KPLUG_PRINT_WARN, "libkplug: /dev/kplug does not exist: is kplug.ko loaded?\n");
			return fail(-err, "/dev/kplug does not exist: is kplug.ko loaded?");
		}
		if (err == EACCES || err == EPERM)
			return fail(-err, "/dev/kplug: permission denied: kplug needs root (CAP_SYS_ADMIN)");
		return fail(-err, "/dev/kplug: %s", strerror(err));
	}
	pthread_once(&version_once, version_check);
	return fd;
}

/* A handle for plugin id (or name): fetch its name and entry table. */
static struct kplug *handle_new(int fd, __u32 id, const char *name)
{
	struct kplug *p = calloc(1, sizeof(*p));
	struct kplug_info_args a = {};
	int err;

	if (!p) {
		close(fd);
		return plain_ptr(-ENOMEM);
	}
	p->fd = fd;
	a.id = id;
	if (name) {
		a.flags = KPLUG_INFO_BY_NAME;
		snprintf(a.name, sizeof(a.name), "%s", name);
	}
	a.entries = (unsigned long)p->entries;
	a.entries_cap = KPLUG_MAX_ENTRIES;
	if (ioctl(fd, KPLUG_IOC_INFO, &a)) {
		err = errno;
		close(fd);
		free(p);
		if (err == ENOENT && name)
			fail(-err, "no plugin called %s", name);
		else if (err == ENOENT)
			fail(-err, "plugin %u was removed", id);
		else
			fail(-err, "plugin %s: %s", name ? name : "", strerror(err));
		return NULL;
	}
	p->id = a.id;
	memcpy(p->name, a.name, sizeof(p->name));
	p->nr_entries = a.nr_entries < KPLUG_MAX_ENTRIES ? a.nr_entries :
							   KPLUG_MAX_ENTRIES;
	return p;
}

static int name_ok(const char *name)
{
	return name && kplug_name_valid(name, KPLUG_NAME_MAX, KPLUG_NAME_PLUGIN);
}

/* A user plugin: the image in this process's own sandbox (uhost.c). */
static struct kplug *user_create(const char *name, const void *image,
				 size_t len, struct kplug_opts *o)
{
	struct kplug_loader_log log = {};
	const struct kplug_image_entry *e;
	struct kplug *p;
	__u32 budget = o->flags & KPLUG_CREATE_NO_BUDGET ? UHOST_NO_BUDGET :
							 o->budget_ms;
	int err;

	if (o->log_buf && o->log_size) {
		log.buf = o->log_buf;
		log.size = o->log_size;
		o->log_buf[0] = '\0';
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return kplug_err_ptr(-ENOMEM);
	err = uhost_create(image, len, budget, &log, &p->user);
	if (err) {
		free(p);
		return kplug_err_ptr(err);
	}
	p->fd = -1;
	strcpy(p->name, name);
	e = uhost_entries(p->user, &p->nr_entries);
	memcpy(p->entries, e, p->nr_entries * sizeof(*e));
	return p;
}

EXPORT struct kplug *kplug_create_image(const char *name, const void *image,
					size_t len, const struct kplug_opts *opts)
{
	struct kplug_create_args a = {};
	struct kplug_opts o;
	int fd, err;

	if (opts_get(opts, &o))
		return NULL;
	if (!name_ok(name) || !image || !len || len > 0xffffffffu ||
	    (o.flags & ~(KPLUG_CREATE_USER | KPLUG_CREATE_NO_BUDGET)) ||
	    (o.flags == KPLUG_CREATE_NO_BUDGET))
		return plain_ptr(-EINVAL);
	if (o.flags & KPLUG_CREATE_USER)
		return user_create(name, image, len, &o);
	fd = dev_open();
	if (fd < 0)
		return NULL;
	a.image = (unsigned long)image;
	a.image_len = len;
	a.budget_ms = o.budget_ms;
	if (o.log_buf && o.log_size) {
		a.log_buf = (unsigned long)o.log_buf;
		/* the kernel refuses a larger log (EINVAL): use 1 MiB of it */
		a.log_size = o.log_size > (1u << 20) ? 1u << 20 : o.log_size;
		o.log_buf[0] = '\0';
	}
	strcpy(a.name, name);
	if (ioctl(fd, KPLUG_IOC_CREATE, &a)) {
		err = errno;
		close(fd);
		if (err == EEXIST)
			fail(-err, "a plugin called %s exists", name);
		else if (err == EINVAL)
			fail(-err, "create %s: the kernel refused the image or an option (its log says why)",
			     name);
		else if (err == E2BIG)
			fail(-err, "create %s: the image or its sandbox is too large (the log says which)",
			     name);
		else
			fail(-err, "create %s: %s", name, strerror(err));
		return NULL;
	}
	return handle_new(fd, a.id, NULL);
}

/* The codegen log writes into the caller's log buffer, if any. */
static void log_init(struct kplug_codegen_log *log, const struct kplug_opts *o)
{
	memset(log, 0, sizeof(*log));
	if (o->log_buf && o->log_size) {
		log->buf = o->log_buf;
		log->size = o->log_size;
		o->log_buf[0] = '\0';
	}
}

EXPORT int kplug_link(const void *const *objs, const size_t *obj_lens,
		      unsigned int nr_objs, const struct kplug_opts *opts,
		      void **image, size_t *len)
{
	struct kplug_object *v;
	struct kplug_codegen_log log;
	struct kplug_opts o;
	unsigned int i;
	int err;

	if (opts_get(opts, &o))
		return -errno;
	if (!objs || !obj_lens || !nr_objs || !image || !len)
		return plain(-EINVAL);
	v = calloc(nr_objs, sizeof(*v));
	if (!v)
		return plain(-ENOMEM);
	for (i = 0; i < nr_objs; i++) {
		v[i].data = objs[i];
		v[i].len = obj_lens[i];
	}
	log_init(&log, &o);
	err = kplug_codegen_link(v, nr_objs, o.stack_kb * 1024, &log, image, len);
	free(v);
	return err ? fail(err, "link: refused (the log says why)") : 0;
}

EXPORT int kplug_build(const char *filename, const char *source,
		       const struct kplug_opts *opts, void **image, size_t *len)
{
	struct kplug_codegen_log log;
	struct kplug_opts o;
	int err;

	if (opts_get(opts, &o))
		return -errno;
	if (!filename || !source || !image || !len)
		return plain(-EINVAL);
	log_init(&log, &o);
	err = kplug_codegen_build(filename, source, o.stack_kb * 1024, &log,
				  image, len);
	return err ? fail(err, "build %s: refused (the log says why)", filename) : 0;
}

EXPORT struct kplug *kplug_create(const char *name, const char *source,
				  const struct kplug_opts *opts)
{
	char filename[KPLUG_NAME_MAX + 2];
	struct kplug *p;
	void *image;
	size_t len;
	int err;

	if (!name_ok(name))
		return plain_ptr(-EINVAL);
	snprintf(filename, sizeof(filename), "%s.c", name);
	if (kplug_build(filename, source, opts, &image, &len))
		return NULL;
	p = kplug_create_image(name, image, len, opts);
	err = errno;
	free(image);
	errno = err;
	return p;
}

EXPORT struct kplug *kplug_open(const char *name)
{
	int fd;

	if (!name_ok(name))
		return plain_ptr(-EINVAL);
	fd = dev_open();
	if (fd < 0)
		return NULL;
	return handle_new(fd, 0, name);
}

/* The index of the entry called name, or p->nr_entries if there is none. */
static __u32 entry_index(const struct kplug *p, const char *name)
{
	__u32 i;

	for (i = 0; i < p->nr_entries; i++)
		if (!strcmp(p->entries[i].name, name))
			break;
	return i;
}

/* Did the caller's options struct (its size in sz) reach field end? */
#define OPTS_HAS(o, field) \
	((o) && (o)->sz >= offsetof(typeof(*(o)), field) + sizeof((o)->field))

EXPORT int kplug_invoke_opts(struct kplug *p, const char *entry,
			     struct kplug_invoke_opts *opts)
{
	struct kplug_invoke_args a = {};
	struct kplug_invoke_opts o;
	int err = 0;
	__u32 i;

	if (opts_copy(&o, sizeof(o), opts))
		return -errno;
	if (!p || !entry)
		return fail(-EINVAL, "invoke: no plugin handle or entry name");
	if (o.nargs > KPLUG_MAX_ARGS || (o.nargs && !o.args))
		return fail(-EINVAL, "invoke %s:%s: nargs %u (at most %d, with args set)",
			    p->name, entry, o.nargs, KPLUG_MAX_ARGS);
	if ((o.in_len && !o.in) || (o.out_len && !o.out) ||
	    o.in_len > 0xffffffffu || o.out_len > 0xffffffffu)
		return fail(-EINVAL, "invoke %s:%s: a buffer length without its buffer, or above 4 GiB",
			    p->name, entry);
	i = entry_index(p, entry);
	if (i == p->nr_entries)
		return fail(-ENOENT, "plugin %s has no entry point %s", p->name, entry);
	a.id = p->id;
	a.entry = i;
	a.nargs = o.nargs;
	if (o.nargs)
		memcpy(a.args, o.args, o.nargs * sizeof(*o.args));
	a.budget_ms = o.budget_ms;
	a.in = (unsigned long)o.in;
	a.in_len = o.in_len;
	a.out = (unsigned long)o.out;
	a.out_len = o.out_len;
	if (p->user) {		/* the user host (uhost.c) */
		err = uhost_invoke(p->user, i, o.args, o.nargs, o.in, o.in_len,
				   o.out, o.out_len, o.budget_ms, &a.result,
				   &a.fault, &a.out_written);
	} else if (ioctl(p->fd, KPLUG_IOC_INVOKE, &a)) {
		err = -errno;
	}
	if (err == -EIO)
		fail(err, "%s:%s faulted: %s at eip %#x (vector %u, error code %#x, cr2 %#x)",
		     p->name, entry, kplug_fault_kind_str(a.fault.kind), a.fault.eip,
		     a.fault.vector, a.fault.error_code, a.fault.cr2);
	else if (err == -ETIME)
		fail(err, "%s:%s ran past its CPU budget (%u ms; 0: the plugin's default)",
		     p->name, entry, o.budget_ms);
	else if (err == -ENOENT)
		fail(err, "plugin %s was removed", p->name);
	else if (err == -E2BIG)
		fail(err, "invoke %s:%s: in_len + out_len (%zu) above half the plugin's stack",
		     p->name, entry, o.in_len + o.out_len);
	else if (err == -EINVAL)
		fail(err, "invoke %s:%s: refused (budget_ms above the module's max_budget_ms?)",
		     p->name, entry);
	else if (err)
		fail(err, "invoke %s:%s: %s", p->name, entry, strerror(-err));
	/* output fields, as far as the caller's struct has them */
	if (OPTS_HAS(opts, fault))
		opts->fault = err == -EIO ? a.fault : (struct kplug_fault){};
	if (err)
		return kplug_err(err);
	if (OPTS_HAS(opts, result))
		opts->result = a.result;
	if (OPTS_HAS(opts, out_written))
		opts->out_written = a.out_written;
	return 0;
}

EXPORT int kplug_invoke(struct kplug *p, const char *entry, const __u32 *args,
			unsigned int nargs, const void *in, size_t in_len,
			void *out, size_t out_len, __u32 *result)
{
	KPLUG_INVOKE_OPTS(o, .args = args, .nargs = nargs, .in = in,
			  .in_len = in_len, .out = out, .out_len = out_len);
	int err = kplug_invoke_opts(p, entry, &o);

	if (err == -EIO)
		last_fault = o.fault;
	if (!err && result)
		*result = o.result;
	return err ? kplug_err(err) : 0;
}

EXPORT const struct kplug_fault *kplug_last_fault(void)
{
	return &last_fault;
}

EXPORT const char *kplug_fault_kind_str(__u32 kind)
{
	static const char *const names[] = {
		[KPLUG_FAULT_NONE] = "none",
		[KPLUG_FAULT_BAD_ACCESS] = "bad-access",
		[KPLUG_FAULT_STACK] = "stack",
		[KPLUG_FAULT_PRIVILEGED] = "privileged",
		[KPLUG_FAULT_ESCAPE] = "escape",
		[KPLUG_FAULT_DIVIDE] = "divide",
		[KPLUG_FAULT_INVALID_OPCODE] = "invalid-opcode",
		[KPLUG_FAULT_FPU] = "fpu",
		[KPLUG_FAULT_LIMIT] = "limit",
		[KPLUG_FAULT_DEBUG] = "debug",
		[KPLUG_FAULT_ALIGNMENT] = "alignment",
		[KPLUG_FAULT_OTHER] = "other",
		[KPLUG_FAULT_SERVICE] = "service",
	};

	return kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "unknown";
}

/*
 * Size-versioned structs: an ioctl's command number carries the size of
 * its argument struct (uapi/kplug.h), so the caller's own sizeof goes to
 * the kernel, which reads and writes min(its size, the caller's).  A
 * program built against an older header never has newer fields written.
 */
static unsigned long cmd_sized(unsigned long cmd, size_t size)
{
	return _IOC(_IOC_DIR(cmd), _IOC_TYPE(cmd), _IOC_NR(cmd), size);
}

/* What the LIBKPLUG_1 symbols' callers pass: the structs of that header. */
#define HOOK_ARGS_SIZE_V1	352
_Static_assert(offsetof(struct kplug_hook_args, hook) == HOOK_ARGS_SIZE_V1,
	       "kplug_hook_args grew after its first version's fields only");

static int size_ok(size_t size, size_t v1)
{
	return size >= v1 && size <= _IOC_SIZEMASK;
}

#define INFO_ARGS_SIZE_V1	128
_Static_assert(offsetof(struct kplug_info_args, debug) == INFO_ARGS_SIZE_V1,
	       "kplug_info_args grew after its first version's fields only");

EXPORT int kplug_info_sz(const struct kplug *p, struct kplug_info_args *info,
			 size_t size)
{
	struct kplug_info_args in;

	if (!p || !info || !size_ok(size, INFO_ARGS_SIZE_V1))
		return fail(-EINVAL, "info: no handle or struct, or its size %zu below %u",
			    size, INFO_ARGS_SIZE_V1);
	/* the caller's room for the entry table, debug trailer and text */
	memset(&in, 0, sizeof(in));
	memcpy(&in, info, size < sizeof(in) ? size : sizeof(in));
	memset(info, 0, size);
	info->id = p->id;
	info->entries = in.entries;
	info->entries_cap = in.entries_cap;
	if (size > INFO_ARGS_SIZE_V1) {
		info->debug = in.debug;
		info->debug_cap = in.debug_cap;
		info->text = in.text;
		info->text_cap = in.text_cap;
	}
	if (p->user) {		/* a plugin of the user host (uhost.c) */
		struct kplug_info_args u = {};
		__u32 n;

		uhost_info(p->user, &u);
		memcpy(u.name, p->name, sizeof(u.name));
		n = in.entries_cap < u.nr_entries ? in.entries_cap : u.nr_entries;
		if (in.entries)
			memcpy((void *)(unsigned long)in.entries, p->entries,
			       n * sizeof(p->entries[0]));
		u.entries = in.entries;
		u.entries_cap = in.entries_cap;
		memcpy(info, &u, size < sizeof(u) ? size : sizeof(u));
		return 0;
	}
	if (ioctl(p->fd, cmd_sized(KPLUG_IOC_INFO, size), info)) {
		int err = errno;

		if (err == ENOENT)
			return fail(-err, "plugin %s was removed", p->name);
		return fail(-err, "info %s: %s", p->name, strerror(err));
	}
	return 0;
}

/* One ioctl on a short-lived /dev/kplug fd (calls without a handle). */
static int dev_ioctl(unsigned long cmd, void *arg)
{
	int fd = dev_open(), err = 0;

	if (fd < 0)
		return fd;
	if (ioctl(fd, cmd, arg))
		err = errno;
	close(fd);
	/* ENOENT is these calls' "no more": not worth a message */
	if (err && err != ENOENT)
		return fail(-err, "%s", strerror(err));
	return err ? plain(-err) : 0;
}

EXPORT int kplug_version(struct kplug_version_args *v)
{
	int fd, err;

	if (!v)
		return kplug_err(-EINVAL);
	fd = dev_open();
	if (fd < 0)
		return fd;
	err = version_get(fd, v);
	close(fd);
	return err ? kplug_err(err) : 0;
}

EXPORT int kplug_info_next_sz(__u32 id, struct kplug_info_args *info, size_t size)
{
	if (!info || !size_ok(size, INFO_ARGS_SIZE_V1))
		return fail(-EINVAL, "info_next: no struct, or its size %zu below %u",
			    size, INFO_ARGS_SIZE_V1);
	memset(info, 0, size);
	info->id = id;
	info->flags = KPLUG_INFO_NEXT;
	return dev_ioctl(cmd_sized(KPLUG_IOC_INFO, size), info);
}

static int hook_op(struct kplug *p, const char *hook, const char *entry,
		   __u32 op)
{
	struct kplug_hook_args a = {};
	__u32 i;

	const char *what = op == KPLUG_HOOK_ATTACH ? "attach" : "detach";
	int err;

	if (!p || !hook || !entry ||
	    !kplug_name_valid(hook, sizeof(a.hook), KPLUG_NAME_HOOK))
		return fail(-EINVAL, "%s: no handle, or no valid hook name (1..%d of [A-Za-z0-9_.:-])",
			    what, KPLUG_HOOK_NAME_MAX - 1);
	if (p->user)
		return fail(-EOPNOTSUPP, "%s: %s runs in this process (user host): no hooks",
			    what, p->name);
	i = entry_index(p, entry);
	if (i == p->nr_entries)
		return fail(-ENOENT, "plugin %s has no entry point %s", p->name, entry);
	a.op = op;
	/* name when it fits: a kernel without the hook field takes those */
	if (strlen(hook) < sizeof(a.name))
		strcpy(a.name, hook);
	else
		strcpy(a.hook, hook);
	a.id = p->id;
	a.entry = i;
	if (!ioctl(p->fd, KPLUG_IOC_HOOK, &a))
		return 0;
	err = errno;
	if (err == ENOENT && op == KPLUG_HOOK_DETACH)
		return fail(-err, "%s:%s is not attached to %s", p->name, entry, hook);
	if (err == ENOENT)
		return fail(-err, "attach %s:%s: no hook %s (or the plugin was removed)",
			    p->name, entry, hook);
	if (err == EEXIST)
		return fail(-err, "%s:%s is attached to %s already", p->name, entry, hook);
	if (err == ENOSPC)
		return fail(-err, "hook %s has %d plugins attached, the most it takes", hook,
			    KPLUG_HOOK_MAX_ATTACH);
	if (err == EOPNOTSUPP)
		return fail(-err, "hook %s is called with interrupts off: it takes no plugins", hook);
	return fail(-err, "%s %s:%s to %s: %s", what, p->name, entry, hook, strerror(err));
}

EXPORT int kplug_attach(struct kplug *p, const char *hook, const char *entry)
{
	return hook_op(p, hook, entry, KPLUG_HOOK_ATTACH);
}

EXPORT int kplug_detach(struct kplug *p, const char *hook, const char *entry)
{
	return hook_op(p, hook, entry, KPLUG_HOOK_DETACH);
}

EXPORT int kplug_hook_info_sz(unsigned int index, struct kplug_hook_args *info,
			      size_t size)
{
	if (!info || !size_ok(size, HOOK_ARGS_SIZE_V1))
		return plain(-EINVAL);
	memset(info, 0, size);
	info->op = KPLUG_HOOK_INFO;
	info->index = index;
	return dev_ioctl(cmd_sized(KPLUG_IOC_HOOK, size), info);
}

EXPORT int kplug_attachment_next_sz(__u32 att_id, struct kplug_hook_args *info,
				    size_t size)
{
	if (!info || !size_ok(size, sizeof(*info)))
		return plain(-EINVAL);
	memset(info, 0, size);
	info->op = KPLUG_HOOK_ATT_INFO;
	info->att_id = att_id;
	return dev_ioctl(cmd_sized(KPLUG_IOC_HOOK, size), info);
}

EXPORT int kplug_detach_id(__u32 att_id)
{
	struct kplug_hook_args a = {};

	if (!att_id)
		return plain(-EINVAL);
	a.op = KPLUG_HOOK_DETACH;
	a.att_id = att_id;
	return dev_ioctl(KPLUG_IOC_HOOK, &a);
}

EXPORT int kplug_read_log(const struct kplug *p, char *buf, size_t size,
			  int clear, __u64 *dropped)
{
	struct kplug_log_args a = {};

	if (!p || (size && !buf))
		return plain(-EINVAL);
	if (p->user)
		return uhost_log_read(p->user, buf, size, clear, dropped);
	a.id = p->id;
	a.flags = clear ? KPLUG_LOG_CLEAR : 0;
	a.buf = (unsigned long)buf;
	a.size = size > 0xffffffffu ? 0xffffffffu : size;
	if (ioctl(p->fd, KPLUG_IOC_LOG, &a))
		return plain(-errno);
	if (dropped)
		*dropped = a.dropped;
	return a.len;
}

EXPORT void *kplug_map_data(const struct kplug *p, size_t *len)
{
	struct kplug_info_args a = {};
	void *m;

	if (!p || !len)
		return plain_ptr(-EINVAL);
	if (p->user)	/* its data is at data_base in this process */
		return plain_ptr(-EOPNOTSUPP);
	if (kplug_info(p, &a))
		return NULL;
	if (!a.data_pages)
		return plain_ptr(-ENODATA);
	*len = (size_t)a.data_pages * KPLUG_PAGE_SIZE;
	m = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_SHARED, p->fd,
		 KPLUG_MMAP_OFFSET(p->id, 0));
	return m == MAP_FAILED ? plain_ptr(-errno) : m;
}

EXPORT int kplug_remove(struct kplug *p)
{
	struct kplug_remove_args a = {};
	int err = 0;

	if (!p)
		return plain(-EINVAL);
	if (p->user) {
		kplug_close(p);
		return 0;
	}
	a.id = p->id;
	if (ioctl(p->fd, KPLUG_IOC_REMOVE, &a))
		err = errno;
	kplug_close(p);
	return err ? plain(-err) : 0;
}

EXPORT void kplug_close(struct kplug *p)
{
	if (!p)
		return;
	if (p->user)
		uhost_remove(p->user);	/* nothing outlives the process */
	else
		close(p->fd);
	free(p);
}

EXPORT const char *kplug_name(const struct kplug *p)
{
	return p ? p->name : NULL;
}

EXPORT __u32 kplug_id(const struct kplug *p)
{
	return p ? p->id : 0;
}

EXPORT const char *kplug_strerror(int err)
{
	err = err < 0 ? err : -err;
	if (err && err == ctx_err)
		return ctx_msg;
	switch (-err) {
	case 0:
		return "success";
	case EIO:
		return "the plugin faulted (see its fault record)";
	case ETIME:
		return "the plugin ran past its CPU budget";
	case EINTR:
		return "interrupted by a fatal signal";
	case ENOENT:
		return "no such plugin or entry point";
	case EEXIST:
		return "a plugin with that name exists";
	case EINVAL:
		return "invalid argument, source or image (see the log)";
	case E2BIG:
		return "too large (image, sandbox or buffers)";
	case EBUSY:
		return "every stack slot of this CPU is in use";
	case EPERM:
	case EACCES:
		return "permission denied: kplug needs root";
	case ENOMEM:
		return "out of memory";
	case EFAULT:
		return "bad address";
	}
	return strerror(-err);
}

/* --- LIBKPLUG_1's forms of the sized calls: that header's struct sizes --- */
#undef kplug_info
#undef kplug_info_next
#undef kplug_hook_info

EXPORT int kplug_info(const struct kplug *p, struct kplug_info_args *info)
{
	return kplug_info_sz(p, info, INFO_ARGS_SIZE_V1);
}

EXPORT int kplug_info_next(__u32 id, struct kplug_info_args *info)
{
	return kplug_info_next_sz(id, info, INFO_ARGS_SIZE_V1);
}

EXPORT int kplug_hook_info(unsigned int index, struct kplug_hook_args *info)
{
	return kplug_hook_info_sz(index, info, HOOK_ARGS_SIZE_V1);
}
