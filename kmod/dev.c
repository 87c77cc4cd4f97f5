// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/kplug: the ioctl interface of uapi/kplug.h.  Every argument is
 * validated here before anything else sees it.
 */
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "compat.h"
#include "internal.h"

#define KPLUG_IMAGE_LEN_MAX	(sizeof(struct kplug_image_hdr) + \
				 KPLUG_MAX_ENTRIES * sizeof(struct kplug_image_entry) + \
				 KPLUG_TEXT_MAX + KPLUG_DATA_MAX)
#define KPLUG_LOG_SIZE_MAX	(1u << 20)	/* of a CREATE's loader log */

/*
 * Copy an extensible argument struct: the ioctl number carries the
 * caller's size; older (shorter, but at least min) structs are zero
 * extended, newer ones must be zero past what we know.
 */
static __always_inline int copy_args(void *dst, size_t ksize, size_t min,
				     unsigned int cmd, void __user *src)
{
	size_t usize = _IOC_SIZE(cmd);

	if (usize == ksize)	/* the usual case, at a constant size: no
				 * run-time object size check */
		return copy_from_user(dst, src, ksize) ? -EFAULT : 0;
	if (usize < min)
		return -EINVAL;
	return copy_struct_from_user(dst, ksize, src, usize);
}

static __always_inline int copy_args_out(void __user *dst, const void *src,
					 size_t ksize, unsigned int cmd)
{
	size_t usize = _IOC_SIZE(cmd);

	if (usize >= ksize)
		return copy_to_user(dst, src, ksize) ? -EFAULT : 0;
	return copy_to_user(dst, src, usize) ? -EFAULT : 0;
}

/*
 * Write the loader log back, NUL-terminated and truncated to the caller's
 * buffer; with no kernel copy (it could not be allocated) an empty log.
 */
static int log_copy_out(const struct kplug_loader_log *log, u64 ubuf)
{
	size_t n = min(log->len + 1, log->size);

	if (!log->buf)
		return put_user('\0', (char __user *)u64_to_user_ptr(ubuf));
	log->buf[n - 1] = '\0';
	return copy_to_user(u64_to_user_ptr(ubuf), log->buf, n) ? -EFAULT : 0;
}

/*
 * All or nothing (uapi/kplug.h): the plugin is built reserved, the id and
 * the log go back to the caller, and only if both arrived is it published.
 * Once the argument struct is read every rejection is explained in the log.
 */
static long ioc_create(unsigned int cmd, void __user *uarg)
{
	struct kplug_create_args a;
	struct kplug_loader_log log = {};
	struct kplug_plugin *p = NULL;
	void *image = NULL;
	int err;

	err = copy_args(&a, sizeof(a), sizeof(a), cmd, uarg);
	if (err)
		return err;
	/* Half a buffer description leaves nowhere to explain anything. */
	if (!a.log_size != !a.log_buf)
		return -EINVAL;
	if (a.log_size) {
		/* A log over the limit is refused, but still explained. */
		log.buf = kvzalloc(min(a.log_size, KPLUG_LOG_SIZE_MAX),
				   GFP_KERNEL_ACCOUNT);
		if (!log.buf) {
			err = -ENOMEM;
			goto out;
		}
		log.size = min(a.log_size, KPLUG_LOG_SIZE_MAX);
	}

	err = -EINVAL;
	if (a.log_size > KPLUG_LOG_SIZE_MAX) {
		kplug_loader_log(&log, "log_size: %u bytes, at most %u\n", a.log_size,
				 KPLUG_LOG_SIZE_MAX);
		goto out;
	}
	if (a.flags) {
		kplug_loader_log(&log, "flags: 0x%x, none are defined\n", a.flags);
		goto out;
	}
	if (a.reserved) {
		kplug_loader_log(&log, "reserved: must be 0\n");
		goto out;
	}
	if (!a.image_len) {
		kplug_loader_log(&log, "image_len: 0, no image\n");
		goto out;
	}
	if (a.image_len > KPLUG_IMAGE_LEN_MAX) {
		kplug_loader_log(&log, "image_len: %u bytes, at most %zu\n",
				 a.image_len, KPLUG_IMAGE_LEN_MAX);
		err = -E2BIG;
		goto out;
	}
	image = kvmalloc(a.image_len, GFP_KERNEL_ACCOUNT);
	if (!image) {
		err = -ENOMEM;
		goto out;
	}
	if (copy_from_user(image, u64_to_user_ptr(a.image), a.image_len)) {
		kplug_loader_log(&log, "image: %u bytes at 0x%llx are not readable\n",
				 a.image_len, a.image);
		err = -EFAULT;
		goto out;
	}
	err = kplug_plugin_create(a.name, image, a.image_len, a.budget_ms, &log,
				  &p);
	if (!err) {
		a.id = p->id;
		err = copy_args_out(uarg, &a, sizeof(a), cmd);
	}
out:
	/* A log the caller cannot read is the error it must see. */
	if (a.log_size && log_copy_out(&log, a.log_buf))
		err = -EFAULT;
	if (p) {
		if (err)
			kplug_plugin_discard(p);
		else
			kplug_plugin_publish(p);
	}
	kvfree(image);
	kvfree(log.buf);
	return err;
}

/* The struct before out_written (uapi: KPLUG_IOC_INVOKE). */
#define INVOKE_ARGS_SIZE_V1	offsetofend(struct kplug_invoke_args, out_len)

static long ioc_invoke(unsigned int cmd, void __user *uarg)
{
	struct kplug_invoke_args __user *ua = uarg;
	struct kplug_invoke_args a;
	struct kplug_call call = {};
	struct kplug_plugin *p;
	void *in = NULL, *out = NULL;
	int err, err2;

	err = copy_args(&a, sizeof(a), INVOKE_ARGS_SIZE_V1, cmd, uarg);
	if (err)
		return err;
	if (a.flags || a.reserved || a.nargs > KPLUG_MAX_ARGS ||
	    memchr_inv(&a.fault, 0, sizeof(a.fault)) ||
	    (a.in_len && !a.in) || (a.out_len && !a.out))
		return -EINVAL;
	p = kplug_plugin_get(a.id);
	if (!p)
		return -ENOENT;
	err = -EINVAL;
	if (a.entry >= p->nr_entries)
		goto out;
	err = -E2BIG;
	if ((u64)a.in_len + a.out_len > p->sb.stack_size / 2)
		goto out;
	err = -ENOMEM;
	in = a.in_len ? kvmalloc(a.in_len, GFP_KERNEL) : NULL;
	out = a.out_len ? kvmalloc(a.out_len, GFP_KERNEL) : NULL;
	if ((a.in_len && !in) || (a.out_len && !out))
		goto out;
	err = -EFAULT;
	if (a.in_len && copy_from_user(in, u64_to_user_ptr(a.in), a.in_len))
		goto out;

	call.entry = a.entry;
	memcpy(call.args, a.args, a.nargs * sizeof(u32));
	call.budget_ms = a.budget_ms;
	call.in = in;
	call.in_len = a.in_len;
	call.out = out;
	call.out_len = a.out_len;
	err = kplug_run(p, &call, &a.result, &a.fault);
	kplug_plugin_account(p, err, &a.fault);
	a.out_written = call.out_reported ? call.out_written : a.out_len;
	if (!err && a.out_len &&
	    copy_to_user(u64_to_user_ptr(a.out), out, a.out_len))
		err = -EFAULT;
	/* Only the out fields go back: the result, a fault record only when
	 * there is one (the caller's is zero, checked above), and the
	 * written length if the caller's struct has it. */
	err2 = put_user(a.result, &ua->result) ? -EFAULT : 0;
	if (err == -EIO && !err2 &&
	    copy_to_user(&ua->fault, &a.fault, sizeof(a.fault)))
		err2 = -EFAULT;
	if (!err2 && _IOC_SIZE(cmd) >= offsetofend(typeof(a), out_written) &&
	    put_user(a.out_written, &ua->out_written))
		err2 = -EFAULT;
	err = err ?: err2;
out:
	if (in)		/* the usual call has no buffers: skip the calls */
		kvfree(in);
	if (out)
		kvfree(out);
	kplug_plugin_put(p);
	return err;
}

/* The struct before its debug and text fields (uapi: KPLUG_IOC_INFO). */
#define INFO_ARGS_SIZE_V1	offsetof(struct kplug_info_args, debug)

/* Up to cap bytes of the plugin's text to user buffer ubuf. */
static int text_copy_out(struct kplug_plugin *p, u64 ubuf, u32 cap)
{
	u32 n = min(cap, p->text_size);
	void *buf;
	int err;

	if (!n)
		return 0;
	buf = kvmalloc(n, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	err = kplug_sandbox_read(&p->sb, KPLUG_TEXT_BASE, buf, n);
	if (!err && copy_to_user(u64_to_user_ptr(ubuf), buf, n))
		err = -EFAULT;
	kvfree(buf);
	return err;
}

static long ioc_info(unsigned int cmd, void __user *uarg)
{
	struct kplug_plugin_stats stats;
	struct kplug_info_args a;
	struct kplug_plugin *p;
	u32 n;
	int err;

	err = copy_args(&a, sizeof(a), INFO_ARGS_SIZE_V1, cmd, uarg);
	if (err)
		return err;
	if (a.flags & ~__KPLUG_INFO_ALL ||
	    (a.flags & KPLUG_INFO_BY_NAME && a.flags & KPLUG_INFO_NEXT) ||
	    (a.entries_cap && !a.entries) || (a.debug_cap && !a.debug) ||
	    (a.text_cap && !a.text))
		return -EINVAL;
	if (a.flags & KPLUG_INFO_BY_NAME) {
		if (!kplug_name_valid(a.name, sizeof(a.name), KPLUG_NAME_PLUGIN))
			return -EINVAL;
		p = kplug_plugin_find(a.name, 0, false);
	} else if (a.flags & KPLUG_INFO_NEXT) {
		p = kplug_plugin_find(NULL, a.id, true);
	} else {
		p = kplug_plugin_get(a.id);
	}
	if (!p)
		return -ENOENT;

	a.id = p->id;
	memcpy(a.name, p->name, sizeof(a.name));
	a.nr_entries = p->nr_entries;
	a.budget_ms = p->budget_ms;
	a.stack_size = p->sb.stack_size;
	a.mem_bytes = (u64)(p->sb.nr_pages + 2) * PAGE_SIZE;	/* + the pgd */
	a.data_base = p->sb.data_base;
	a.data_pages = (p->sb.stacks_base - p->sb.data_base) / PAGE_SIZE;
	kplug_plugin_stats_sum(p, &stats);
	a.invocations = stats.invocations;
	a.faults = stats.faults;
	a.timeouts = stats.timeouts;
	spin_lock_irq(&p->lock);
	a.last_fault = p->last_fault;
	spin_unlock_irq(&p->lock);
	a.debug_size = p->debug_size;
	a.text_size = p->text_size;
	n = min(a.entries_cap, p->nr_entries);
	err = 0;
	if (n && copy_to_user(u64_to_user_ptr(a.entries), p->entries,
			      n * sizeof(*p->entries)))
		err = -EFAULT;
	n = min(a.debug_cap, p->debug_size);
	if (!err && n && copy_to_user(u64_to_user_ptr(a.debug), p->debug, n))
		err = -EFAULT;
	if (!err)
		err = text_copy_out(p, a.text, a.text_cap);
	kplug_plugin_put(p);
	return err ?: copy_args_out(uarg, &a, sizeof(a), cmd);
}

static long ioc_log(unsigned int cmd, void __user *uarg)
{
	struct kplug_log_args a;
	struct kplug_plugin *p;
	char *buf;
	int err;

	err = copy_args(&a, sizeof(a), sizeof(a), cmd, uarg);
	if (err)
		return err;
	if (a.flags & ~KPLUG_LOG_CLEAR || (a.size && !a.buf))
		return -EINVAL;
	p = kplug_plugin_get(a.id);
	if (!p)
		return -ENOENT;
	a.size = min_t(u32, a.size, KPLUG_LOG_SIZE);
	buf = kvmalloc(a.size ?: 1, GFP_KERNEL);
	if (!buf) {
		kplug_plugin_put(p);
		return -ENOMEM;
	}
	a.len = kplug_log_read(p, buf, a.size, a.flags & KPLUG_LOG_CLEAR,
			       &a.dropped);
	kplug_plugin_put(p);
	err = a.len && copy_to_user(u64_to_user_ptr(a.buf), buf, a.len) ?
	      -EFAULT : 0;
	kvfree(buf);
	return err ?: copy_args_out(uarg, &a, sizeof(a), cmd);
}

/*
 * Out of the registry first, so that no new attach finds it, then off
 * every hook (logged): nothing of it runs once REMOVE returns.
 */
static long ioc_remove(unsigned int cmd, void __user *uarg)
{
	struct kplug_remove_args a;
	struct kplug_plugin *p;
	int err;

	err = copy_args(&a, sizeof(a), sizeof(a), cmd, uarg);
	if (err)
		return err;
	if (a.flags)
		return -EINVAL;
	p = kplug_plugin_unlist(a.id);
	if (!p)
		return -ENOENT;
	kplug_hook_detach_plugin(p);
	kplug_plugin_put(p);
	return 0;
}

/* The struct before its attachment fields (uapi: "Attachments"). */
#define HOOK_ARGS_SIZE_V1	offsetofend(struct kplug_hook_args, reserved2)

/*
 * The hook name of an ATTACH or DETACH: name, or hook (which holds long
 * ones) when name is empty; never both.  NULL if neither is a valid
 * name.
 */
static const char *hook_name(const struct kplug_hook_args *a)
{
	if (a->name[0] && a->hook[0])
		return NULL;
	if (a->name[0])
		return kplug_name_valid(a->name, sizeof(a->name),
					KPLUG_NAME_HOOK) ? a->name : NULL;
	return kplug_name_valid(a->hook, sizeof(a->hook), KPLUG_NAME_HOOK) ?
	       a->hook : NULL;
}

/* The hook's name in both fields; name only if it fits (else empty). */
static void hook_name_out(struct kplug_hook_args *a, const char *name)
{
	strscpy_pad(a->hook, name, sizeof(a->hook));
	if (strscpy_pad(a->name, name, sizeof(a->name)) < 0)
		memset(a->name, 0, sizeof(a->name));
}

static long hook_att_info(struct kplug_hook_args *a)
{
	struct kplug_att_info info;
	int err;

	err = kplug_hook_att_info(a->att_id, &info);
	if (err)
		return err;
	hook_name_out(a, info.hook);
	memcpy(a->plugin, info.plugin, sizeof(a->plugin));
	memcpy(a->entry_name, info.entry_name, sizeof(a->entry_name));
	a->att_id = info.id;
	a->id = info.plugin_id;
	a->entry = info.entry;
	a->att_flags = info.suspended ? KPLUG_ATT_SUSPENDED : 0;
	a->att_calls = info.calls;
	a->att_faults = info.faults;
	a->att_overruns = info.overruns;
	a->attached_ms = info.attached_ms;
	a->suspended_ms = info.suspended_ms;
	return 0;
}

static long ioc_hook(unsigned int cmd, void __user *uarg)
{
	struct kplug_hook_args a;
	struct kplug_hook_info info;
	const char *name;
	int err;

	err = copy_args(&a, sizeof(a), HOOK_ARGS_SIZE_V1, cmd, uarg);
	if (err)
		return err;
	if (a.flags || a.reserved || a.reserved2)
		return -EINVAL;
	switch (a.op) {
	case KPLUG_HOOK_ATTACH:
		name = hook_name(&a);
		if (!name)
			return -EINVAL;
		err = kplug_hook_attach(name, a.id, a.entry, &a.att_id);
		if (err)
			return err;
		/* all or nothing: an id the caller cannot see is undone */
		err = copy_args_out(uarg, &a, sizeof(a), cmd);
		if (err)
			kplug_hook_detach(NULL, 0, 0, a.att_id);
		return err;
	case KPLUG_HOOK_DETACH:
		if (a.att_id) {
			if (a.name[0] || a.hook[0] || a.id || a.entry)
				return -EINVAL;
			return kplug_hook_detach(NULL, 0, 0, a.att_id);
		}
		name = hook_name(&a);
		if (!name)
			return -EINVAL;
		return kplug_hook_detach(name, a.id, a.entry, 0);
	case KPLUG_HOOK_ATT_INFO:
		err = hook_att_info(&a);
		return err ?: copy_args_out(uarg, &a, sizeof(a), cmd);
	case KPLUG_HOOK_INFO:
		break;
	default:
		return -EINVAL;
	}
	err = kplug_hook_info(a.index, &info);
	if (err)
		return err;
	hook_name_out(&a, info.name);
	a.context = info.context;
	a.combine = info.combine;
	a.default_result = info.default_result;
	a.nr_attached = info.nr_attached;
	a.calls = info.calls;
	a.missed = info.missed;
	a.nr_suspended = info.nr_suspended;
	memcpy(a.context_desc, info.context_desc, sizeof(a.context_desc));
	memcpy(a.args_desc, info.args_desc, sizeof(a.args_desc));
	return copy_args_out(uarg, &a, sizeof(a), cmd);
}

static long ioc_version(unsigned int cmd, void __user *uarg)
{
	struct kplug_version_args a;
	int err;

	err = copy_args(&a, sizeof(a), sizeof(a), cmd, uarg);
	if (err)
		return err;
	if (a.flags || a.reserved)
		return -EINVAL;
	memset(&a, 0, sizeof(a));
	a.uapi_version = KPLUG_UAPI_VERSION;
	strscpy(a.module_version, KPLUG_VERSION, sizeof(a.module_version));
	a.image_version = KPLUG_IMAGE_VERSION;
	a.nr_services = KPLUG_SVC_COUNT;
	a.nr_hooks = kplug_hook_summary(a.hook_prefixes, sizeof(a.hook_prefixes));
	a.max_args = KPLUG_MAX_ARGS;
	a.max_entries = KPLUG_MAX_ENTRIES;
	a.text_max = KPLUG_TEXT_MAX;
	a.data_max = KPLUG_DATA_MAX;
	a.stack_max = KPLUG_STACK_MAX;
	a.stack_default = KPLUG_STACK_DEFAULT;
	a.hook_max_attach = KPLUG_HOOK_MAX_ATTACH;
	kplug_run_budgets(&a.budget_ms, &a.max_budget_ms, &a.atomic_budget_us);
	return copy_args_out(uarg, &a, sizeof(a), cmd);
}

/* The ioctls; the size in a command number may vary (copy_args). */
static const struct {
	unsigned int cmd;
	long (*fn)(unsigned int cmd, void __user *uarg);
} ioctls[] = {
	{ KPLUG_IOC_CREATE, ioc_create },
	{ KPLUG_IOC_INVOKE, ioc_invoke },
	{ KPLUG_IOC_REMOVE, ioc_remove },
	{ KPLUG_IOC_INFO, ioc_info },
	{ KPLUG_IOC_LOG, ioc_log },
	{ KPLUG_IOC_HOOK, ioc_hook },
	{ KPLUG_IOC_VERSION, ioc_version },
};

static long kplug_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ioctls); i++)
		if (_IOC_TYPE(cmd) == _IOC_TYPE(ioctls[i].cmd) &&
		    _IOC_NR(cmd) == _IOC_NR(ioctls[i].cmd) &&
		    _IOC_DIR(cmd) == _IOC_DIR(ioctls[i].cmd))
			return ioctls[i].fn(cmd, (void __user *)arg);
	return -ENOTTY;
}

/* Map a plugin's data/bss pages (uapi: KPLUG_MMAP_OFFSET). */
static int kplug_mmap(struct file *file, struct vm_area_struct *vma)
{
	u32 id = vma->vm_pgoff >> 16, first = vma->vm_pgoff & 0xffff;
	unsigned long n = vma_pages(vma), i;
	struct kplug_plugin *p;
	u32 pages;
	int err = 0;

	if (vma->vm_pgoff >> 47 || !(vma->vm_flags & VM_SHARED) ||
	    vma->vm_flags & VM_EXEC)
		return -EINVAL;
	p = kplug_plugin_get(id);
	if (!p)
		return -ENOENT;
	pages = (p->sb.stacks_base - p->sb.data_base) / PAGE_SIZE;
	if (first >= pages || n > pages - first) {
		kplug_plugin_put(p);
		return -EINVAL;
	}
	vm_flags_clear(vma, VM_MAYEXEC);
	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	for (i = 0; i < n && !err; i++) {
		void *k = kplug_sandbox_kaddr(&p->sb, p->sb.data_base +
					      (first + i) * PAGE_SIZE);

		/* each inserted page holds its own reference */
		err = k ? vm_insert_page(vma, vma->vm_start + i * PAGE_SIZE,
					 virt_to_page(k)) : -EFAULT;
	}
	kplug_plugin_put(p);
	return err;
}

static int kplug_open(struct inode *inode, struct file *file)
{
	return capable(CAP_SYS_ADMIN) ? 0 : -EPERM;
}

static const struct file_operations kplug_fops = {
	.owner = THIS_MODULE,
	.open = kplug_open,
	.unlocked_ioctl = kplug_ioctl,
	.mmap = kplug_mmap,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice kplug_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "kplug",
	.fops = &kplug_fops,
	.mode = 0600,
};

int kplug_dev_init(void)
{
	return misc_register(&kplug_misc);
}

void kplug_dev_exit(void)
{
	misc_deregister(&kplug_misc);
}
