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

static __thread struct kplug_fault last_fault;

static void print_stderr(const char *msg)
{
	fputs(msg, stderr);
}

static kplug_print_fn print_fn = print_stderr;

EXPORT kplug_print_fn kplug_set_print(kplug_print_fn fn)
{
	kplug_print_fn old = print_fn;

	print_fn = fn;
	return old;
}

static void pr(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void pr(const char *fmt, ...)
{
	kplug_print_fn fn = print_fn;
	char msg[512];
	va_list ap;

	if (!fn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fn(msg);
}

/* Copy a caller's options struct of any size (libbpf's OPTS_VALID):
 * a shorter one is zero-extended, a longer one must be zero past ours. */
static int opts_get(const struct kplug_opts *in, struct kplug_opts *out)
{
	size_t n;

	memset(out, 0, sizeof(*out));
	if (!in)
		return 0;
	n = in->sz;
	if (n < sizeof(in->sz))
		return kplug_err(-EINVAL);
	if (n > sizeof(*out)) {
		const char *p = (const char *)in + sizeof(*out);

		for (; p < (const char *)in + n; p++)
			if (*p)
				return kplug_err(-E2BIG);
		n = sizeof(*out);
	}
	memcpy(out, in, n);
	return 0;
}

static int dev_open(void)
{
	int fd = open("/dev/kplug", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		int err = errno;

		if (err == ENOENT)
			pr("libkplug: /dev/kplug does not exist: is kplug.ko loaded?\n");
		return kplug_err(-err);
	}
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
		return kplug_err_ptr(-ENOMEM);
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
		return kplug_err_ptr(-err);
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
		return kplug_err_ptr(-EINVAL);
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
		return kplug_err_ptr(-err);
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
		return kplug_err(-EINVAL);
	v = calloc(nr_objs, sizeof(*v));
	if (!v)
		return kplug_err(-ENOMEM);
	for (i = 0; i < nr_objs; i++) {
		v[i].data = objs[i];
		v[i].len = obj_lens[i];
	}
	log_init(&log, &o);
	err = kplug_codegen_link(v, nr_objs, o.stack_kb * 1024, &log, image, len);
	free(v);
	return err ? kplug_err(err) : 0;
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
		return kplug_err(-EINVAL);
	log_init(&log, &o);
	err = kplug_codegen_build(filename, source, o.stack_kb * 1024, &log,
				  image, len);
	return err ? kplug_err(err) : 0;
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
		return kplug_err_ptr(-EINVAL);
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
		return kplug_err_ptr(-EINVAL);
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

EXPORT int kplug_invoke(struct kplug *p, const char *entry, const __u32 *args,
			unsigned int nargs, const void *in, size_t in_len,
			void *out, size_t out_len, __u32 *result)
{
	struct kplug_invoke_args a = {};
	__u32 i;

	if (!p || !entry || nargs > KPLUG_MAX_ARGS || (nargs && !args) ||
	    (in_len && !in) || (out_len && !out) || in_len > 0xffffffffu ||
	    out_len > 0xffffffffu)
		return kplug_err(-EINVAL);
	i = entry_index(p, entry);
	if (i == p->nr_entries)
		return kplug_err(-ENOENT);
	if (p->user) {
		int err = uhost_invoke(p->user, i, args, nargs, in, in_len, out,
				       out_len, 0, result ? result : &a.result,
				       &a.fault);

		if (err == -EIO)
			last_fault = a.fault;
		return err ? kplug_err(err) : 0;
	}
	a.id = p->id;
	a.entry = i;
	a.nargs = nargs;
	if (nargs)
		memcpy(a.args, args, nargs * sizeof(*args));
	a.in = (unsigned long)in;
	a.in_len = in_len;
	a.out = (unsigned long)out;
	a.out_len = out_len;
	if (ioctl(p->fd, KPLUG_IOC_INVOKE, &a)) {
		int err = errno;

		if (err == EIO)
			last_fault = a.fault;
		return kplug_err(-err);
	}
	if (result)
		*result = a.result;
	return 0;
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

EXPORT int kplug_info(const struct kplug *p, struct kplug_info_args *info)
{
	struct kplug_info_args a = {};

	if (!p || !info)
		return kplug_err(-EINVAL);
	if (p->user) {
		uhost_info(p->user, &a);
		memcpy(a.name, p->name, sizeof(a.name));
		if (info->entries)
			memcpy((void *)(unsigned long)info->entries, p->entries,
			       (info->entries_cap < a.nr_entries ?
				info->entries_cap : a.nr_entries) *
			       sizeof(p->entries[0]));
		a.entries = info->entries;
		a.entries_cap = info->entries_cap;
		*info = a;
		return 0;
	}
	a.id = p->id;
	a.entries = info->entries;	/* the caller's room for the table */
	a.entries_cap = info->entries_cap;
	if (ioctl(p->fd, KPLUG_IOC_INFO, &a))
		return kplug_err(-errno);
	*info = a;
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
	return err ? kplug_err(-err) : 0;
}

EXPORT int kplug_info_next(__u32 id, struct kplug_info_args *info)
{
	if (!info)
		return kplug_err(-EINVAL);
	memset(info, 0, sizeof(*info));
	info->id = id;
	info->flags = KPLUG_INFO_NEXT;
	return dev_ioctl(KPLUG_IOC_INFO, info);
}

static int hook_op(struct kplug *p, const char *hook, const char *entry,
		   __u32 op)
{
	struct kplug_hook_args a = {};
	__u32 i;

	if (!p || !hook || !entry || !*hook || strlen(hook) >= sizeof(a.name))
		return kplug_err(-EINVAL);
	if (p->user)
		return kplug_err(-EOPNOTSUPP);
	i = entry_index(p, entry);
	if (i == p->nr_entries)
		return kplug_err(-ENOENT);
	a.op = op;
	strcpy(a.name, hook);
	a.id = p->id;
	a.entry = i;
	if (ioctl(p->fd, KPLUG_IOC_HOOK, &a))
		return kplug_err(-errno);
	return 0;
}

EXPORT int kplug_attach(struct kplug *p, const char *hook, const char *entry)
{
	return hook_op(p, hook, entry, KPLUG_HOOK_ATTACH);
}

EXPORT int kplug_detach(struct kplug *p, const char *hook, const char *entry)
{
	return hook_op(p, hook, entry, KPLUG_HOOK_DETACH);
}

EXPORT int kplug_hook_info(unsigned int index, struct kplug_hook_args *info)
{
	if (!info)
		return kplug_err(-EINVAL);
	memset(info, 0, sizeof(*info));
	info->op = KPLUG_HOOK_INFO;
	info->index = index;
	return dev_ioctl(KPLUG_IOC_HOOK, info);
}

EXPORT int kplug_read_log(const struct kplug *p, char *buf, size_t size,
			  int clear, __u64 *dropped)
{
	struct kplug_log_args a = {};

	if (!p || (size && !buf))
		return kplug_err(-EINVAL);
	if (p->user)
		return uhost_log_read(p->user, buf, size, clear, dropped);
	a.id = p->id;
	a.flags = clear ? KPLUG_LOG_CLEAR : 0;
	a.buf = (unsigned long)buf;
	a.size = size > 0xffffffffu ? 0xffffffffu : size;
	if (ioctl(p->fd, KPLUG_IOC_LOG, &a))
		return kplug_err(-errno);
	if (dropped)
		*dropped = a.dropped;
	return a.len;
}

EXPORT void *kplug_map_data(const struct kplug *p, size_t *len)
{
	struct kplug_info_args a = {};
	void *m;

	if (!p || !len)
		return kplug_err_ptr(-EINVAL);
	if (p->user)	/* its data is at data_base in this process */
		return kplug_err_ptr(-EOPNOTSUPP);
	if (kplug_info(p, &a))
		return NULL;
	if (!a.data_pages)
		return kplug_err_ptr(-ENODATA);
	*len = (size_t)a.data_pages * KPLUG_PAGE_SIZE;
	m = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_SHARED, p->fd,
		 KPLUG_MMAP_OFFSET(p->id, 0));
	return m == MAP_FAILED ? kplug_err_ptr(-errno) : m;
}

EXPORT int kplug_remove(struct kplug *p)
{
	struct kplug_remove_args a = {};
	int err = 0;

	if (!p)
		return kplug_err(-EINVAL);
	if (p->user) {
		kplug_close(p);
		return 0;
	}
	a.id = p->id;
	if (ioctl(p->fd, KPLUG_IOC_REMOVE, &a))
		err = errno;
	kplug_close(p);
	return err ? kplug_err(-err) : 0;
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
	switch (err < 0 ? -err : err) {
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
	return strerror(err < 0 ? -err : err);
}
