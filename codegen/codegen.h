/* SPDX-License-Identifier: LGPL-2.1 */
/*
 * kplug code generation: plugin C source -> i386 ELF object (libtcc, in
 * process) -> kplug image (kplug's own linker, uapi/kplug.h format).
 *
 * Conventions (libbpf's): every function returns 0 or a negative errno and
 * also sets errno; -EINVAL means the input was rejected, and the log then
 * says why in lines a user can act on ("file.c:12: error: ...").  Buffers
 * returned through void ** are malloc()ed; the caller free()s them.  All
 * functions are thread-safe (libtcc is serialised internally).
 */
#ifndef KPLUG_CODEGEN_H
#define KPLUG_CODEGEN_H

#include <errno.h>
#include <stddef.h>
#include <linux/types.h>

/*
 * The one error convention of codegen and libkplug, so that the two can
 * never disagree on a sign: err is a negative errno, as in the kernel
 * (return kplug_err(-EINVAL)); errno is set to -err.
 */
static inline int kplug_err(int err)
{
	errno = -err;
	return err;
}

/* The same for functions that return a pointer: NULL, errno = -err. */
static inline void *kplug_err_ptr(int err)
{
	errno = -err;
	return NULL;
}

/*
 * Messages for the user: text is appended to buf (always NUL-terminated,
 * truncated if size is too small); len counts every byte that would have
 * been written, so len >= size means truncated.  size 0: no log.
 */
struct kplug_codegen_log {
	char *buf;
	size_t size;
	size_t len;
};

/* One ELF32 i386 relocatable object; name is used in log lines. */
struct kplug_object {
	const char *name;
	const void *data;
	size_t len;
};

/*
 * Compile one plugin source file (C, NUL-terminated) to an ELF32 i386
 * relocatable object in *obj / *obj_len.  The source sees only the SDK
 * header (codegen/sdk/kplug.h, built in; `#include <kplug.h>` is optional).
 * filename names the source in messages (NULL: "plugin.c").
 * -EINVAL: compile errors (in the log); -ENOMEM; -EIO: the object could
 * not be written back (e.g. /proc is not mounted).
 */
int kplug_codegen_compile(const char *filename, const char *source,
			  struct kplug_codegen_log *log, void **obj,
			  size_t *obj_len);

/*
 * Link objects (from kplug_codegen_compile, or from gcc/clang -m32
 * -ffreestanding -fno-pic -c) into a kplug image in *image / *image_len:
 * text at KPLUG_TEXT_BASE, data at kplug_data_base(text_size), then bss.
 * The runtime and libtcc1 helpers are linked in as needed.  Every global
 * function defined in objs becomes an entry point.  stack_size: 0 for the
 * default, else a multiple of 4096 up to KPLUG_STACK_MAX.
 * -EINVAL: bad object, undefined symbol, unsupported relocation or section,
 * bad entry points, or limits exceeded (all in the log); -ENOMEM.
 */
int kplug_codegen_link(const struct kplug_object *objs, unsigned int nr_objs,
		       __u32 stack_size, struct kplug_codegen_log *log,
		       void **image, size_t *image_len);

/* Compile then link one source file: the whole path from C to an image. */
int kplug_codegen_build(const char *filename, const char *source,
			__u32 stack_size, struct kplug_codegen_log *log,
			void **image, size_t *image_len);

#endif /* KPLUG_CODEGEN_H */
