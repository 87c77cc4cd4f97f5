// SPDX-License-Identifier: LGPL-2.1
/*
 * Plugin C source -> ELF32 i386 relocatable object, with libtcc (built for
 * the i386 target), in process.
 *
 * The source is compiled as
 *
 *	#line 1 "kplug.h"
 *	<sdk/kplug.h, built in>
 *	#line 1 "filename"
 *	<the user's source>
 *
 * so that the plugin sees exactly one header and every message carries the
 * user's file name and line ("file.c:12: error: ...").  With -g, which
 * changes no code, the object's stabs give the same file:line for every
 * address (the image's line table: lines.c).  No include path
 * exists (-nostdinc), and scan.c refuses any #include but kplug.h before
 * tcc runs (tcc would look for "x.h" in the working directory).
 *
 * libtcc keeps its compiler state in globals (tcc_state, the token and
 * code generator state), so one compilation runs at a time: tcc_lock.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "libtcc.h"
#include "internal.h"

static pthread_mutex_t tcc_lock = PTHREAD_MUTEX_INITIALIZER;

struct session {
	struct kplug_codegen_log *log;
	bool failed;		/* an error tcc reports only as a warning */
};

/*
 * tcc's messages, one per call, already "file:line: error: text".  tcc
 * only warns about a call to an undeclared function; here that is an
 * error (the function cannot exist: plugins have no libc).
 */
static void on_message(void *opaque, const char *msg)
{
	static const char implicit[] = "warning: implicit declaration of function";
	struct session *s = opaque;
	const char *w = strstr(msg, implicit);

	if (w) {
		s->failed = true;
		kplug_cg_log(s->log, "%.*serror: %s (declare it before use; plugins have no libc, only kplug.h)\n",
			     (int)(w - msg), msg, w + strlen("warning: "));
		return;
	}
	kplug_cg_log(s->log, "%s%s\n", msg,
		     strstr(msg, "kplug_error_floating_point") ?
		     " (float and double: the FPU is off in the sandbox)" : "");
}

/*
 * header + #line + source, checked by kplug_cg_scan() (which also blanks
 * `#include <kplug.h>`: the header is already there).
 */
static int assemble(const char *filename, const char *source,
		    struct kplug_codegen_log *log, char **out)
{
	const char *hdr = (const char *)kplug_cg_sdk_header;
	size_t hlen = strlen(hdr), i;
	char *buf, *q;
	int err;

	buf = malloc(hlen + strlen(filename) + 64 + strlen(source) + 1);
	if (!buf)
		return -ENOMEM;
	q = buf + sprintf(buf, "#line 1 \"kplug.h\"\n");
	memcpy(q, hdr, hlen);
	q += hlen;
	q += sprintf(q, "\n#line 1 \"");
	for (i = 0; filename[i]; i++)	/* no quotes or escapes in #line */
		*q++ = (filename[i] == '"' || filename[i] == '\\' ||
			(unsigned char)filename[i] < ' ') ? '_' : filename[i];
	q += sprintf(q, "\"\n");
	strcpy(q, source);
	err = kplug_cg_scan(q, filename, log);
	if (err) {
		free(buf);
		return err;
	}
	*out = buf;
	return 0;
}

/* Compile buf into the file at path; 0 or -EINVAL. */
static int run_tcc(const char *buf, const char *path, struct session *s)
{
	TCCState *tcc;
	int err = -EINVAL;

	pthread_mutex_lock(&tcc_lock);
	tcc = tcc_new();
	if (!tcc) {
		pthread_mutex_unlock(&tcc_lock);
		return -ENOMEM;
	}
	tcc_set_error_func(tcc, s, on_message);
	tcc_set_options(tcc, "-nostdinc -nostdlib -g");
	tcc_undefine_symbol(tcc, "__STDC_HOSTED__");
	tcc_define_symbol(tcc, "__STDC_HOSTED__", "0");
	tcc_set_output_type(tcc, TCC_OUTPUT_OBJ);
	if (!tcc_compile_string(tcc, buf) && !s->failed &&
	    !tcc_output_file(tcc, path))
		err = 0;
	tcc_delete(tcc);
	pthread_mutex_unlock(&tcc_lock);
	return err;
}

/* The whole content of fd. */
static int read_back(int fd, void **obj, size_t *obj_len)
{
	struct stat st;
	size_t done = 0;
	char *buf;

	if (fstat(fd, &st))
		return -errno;
	buf = malloc(st.st_size ? st.st_size : 1);
	if (!buf)
		return -ENOMEM;
	while (done < (size_t)st.st_size) {
		ssize_t n = pread(fd, buf + done, st.st_size - done, done);

		if (n <= 0) {
			free(buf);
			return n ? -errno : -EIO;
		}
		done += n;
	}
	*obj = buf;
	*obj_len = done;
	return 0;
}

int kplug_codegen_compile(const char *filename, const char *source,
			  struct kplug_codegen_log *log, void **obj,
			  size_t *obj_len)
{
	struct session s = { .log = log };
	char path[64], *buf;
	int fd, err;

	kplug_cg_log_begin(log);
	if (!source || !obj || !obj_len)
		return kplug_err(-EINVAL);
	*obj = NULL;
	*obj_len = 0;
	if (!filename || !*filename)
		filename = "plugin.c";
	err = assemble(filename, source, log, &buf);
	if (err)
		return kplug_err(err);

	/* tcc writes objects only to a path: give it an anonymous file */
	fd = memfd_create("kplug-object", MFD_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		kplug_cg_log(log, "error: memfd_create: %s\n", strerror(-err));
		free(buf);
		return kplug_err(err);
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (access(path, W_OK)) {
		kplug_cg_log(log, "error: cannot open %s for the compiled object: is /proc mounted?\n",
			     path);
		err = -EIO;
	} else {
		err = run_tcc(buf, path, &s);
		if (!err)
			err = read_back(fd, obj, obj_len);
	}
	close(fd);
	free(buf);
	return err ? kplug_err(err) : 0;
}
