// SPDX-License-Identifier: LGPL-2.1
/*
 * Line tables for the debug trailer (link.c): the source line each address
 * of the text comes from, read from the objects' own debug information:
 *
 *   - stabs (.stab, .stabstr): what tcc emits with -g, which compile.c
 *     always passes (the code is the same with or without it);
 *   - DWARF .debug_line, versions 2 to 5: gcc's and clang's -g.
 *
 * Objects are untrusted input and elf.c does not check their debug
 * sections (nothing loads them), so every read here is bounds-checked.  A
 * table that breaks a rule is left out with a warning in the log: line
 * numbers are a debugging aid, never a reason to refuse a plugin.  A
 * section is read from a copy with its R_386_32 relocations applied (the
 * addresses of code, the offsets of strings).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "../uapi/kplug.h"

/* A bounds-checked reader: once bad, every read gives 0. */
struct rd {
	const unsigned char *p, *end;
	bool bad;
};

static const unsigned char *take(struct rd *r, size_t n)
{
	const unsigned char *p = r->p;

	if (r->bad || (size_t)(r->end - r->p) < n) {
		r->bad = true;
		return NULL;
	}
	r->p += n;
	return p;
}

static __u32 get(struct rd *r, size_t n)	/* n = 1, 2 or 4, little-endian */
{
	const unsigned char *p = take(r, n);
	__u32 v = 0;

	while (p && n--)
		v = v << 8 | p[n];
	return v;
}

/* An LEB128 number's bits; *shift: how many were read, *last: its last byte. */
static __u64 leb(struct rd *r, unsigned int *shift, unsigned char *last)
{
	const unsigned char *b;
	__u64 v = 0;

	*shift = 0;
	*last = 0;
	do {
		b = take(r, 1);
		if (!b)
			return 0;
		if (*shift < 64)
			v |= (__u64)(*b & 0x7f) << *shift;
		*shift += 7;
		*last = *b;
	} while (*b & 0x80);
	return v;
}

static __u64 uleb(struct rd *r)
{
	unsigned int shift;
	unsigned char last;

	return leb(r, &shift, &last);
}

static __s64 sleb(struct rd *r)
{
	unsigned int shift;
	unsigned char last;
	__u64 v = leb(r, &shift, &last);

	if (shift < 64 && (last & 0x40))
		v |= ~(__u64)0 << shift;	/* sign-extend */
	return (__s64)v;
}

/* The next n bytes of r as a reader of their own (bad if r has fewer). */
static struct rd sub(struct rd *r, __u64 n)
{
	struct rd s = { .p = take(r, n) };

	s.end = s.p ? s.p + n : NULL;
	s.bad = !s.p;
	return s;
}

/* A NUL-terminated string at the reader, or NULL (and bad). */
static const char *str(struct rd *r)
{
	const unsigned char *nul = r->bad ? NULL : memchr(r->p, 0, r->end - r->p);

	if (!nul) {
		r->bad = true;
		return NULL;
	}
	return (const char *)take(r, nul - r->p + 1);
}

/* --- the table being built ------------------------------------------------ */

/*
 * Limits that keep a hostile object's cost linear in its size, and the
 * table within what the trailer can hold (KPLUG_DEBUG_MAX) anyway.
 */
#define MAX_ROWS	(1u << 20)
#define MAX_FILES	(1u << 16)
#define MAX_NAME	1024		/* bytes of a file name, with its directory */
#define RECENT_FILES	4		/* names file_index() compares with */

static int add_row(struct kplug_cg_lines *t, __u32 addr, __u32 line,
		   unsigned int file)
{
	struct kplug_cg_line *row;

	if (t->nr == MAX_ROWS)
		return 0;
	if (t->nr == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 256;

		row = realloc(t->row, cap * sizeof(*row));
		if (!row)
			return -ENOMEM;
		t->row = row;
		t->cap = cap;
	}
	row = &t->row[t->nr];
	row->addr = addr;
	row->line = line;
	row->file = file;
	row->order = t->nr++;
	return 0;
}

void kplug_cg_lines_free(struct kplug_cg_lines *t)
{
	size_t i;

	for (i = 0; i < t->nr_files; i++)
		free(t->file[i]);
	free(t->file);
	free(t->row);
	memset(t, 0, sizeof(*t));
}

/* --- sections --------------------------------------------------------------- */

struct src {
	struct kplug_cg_lines *t;
	struct kplug_cg_obj *o;
	kplug_cg_addr_fn *addr;
	void *ctx;
	struct kplug_codegen_log *log;
	const char *why;	/* a rule the table broke, for the warning */
	unsigned int debug_str, debug_line_str;	/* sections, 0: none */
};

/*
 * The index of file name in t->file, added unless it is one of the last
 * few names (names come in runs: a unit's file table, a function's N_SOL).
 * A name in the trailer twice costs less than comparing each with every
 * other, which a hostile object could make quadratic.  -EINVAL (s->why)
 * past the limits, or -ENOMEM.
 */
static long file_index(struct src *s, const char *name)
{
	struct kplug_cg_lines *t = s->t;
	size_t i, len = strlen(name);
	char **f;

	for (i = t->nr_files; i-- > 0 && i + RECENT_FILES >= t->nr_files;)
		if (!strcmp(t->file[i], name))
			return i;
	if (len > MAX_NAME || t->nr_files == MAX_FILES ||
	    t->names_size + len + 1 > KPLUG_DEBUG_MAX) {
		s->why = "its file names are too long or too many";
		return -EINVAL;
	}
	if (t->nr_files == t->cap_files) {
		size_t cap = t->cap_files ? 2 * t->cap_files : 16;

		f = realloc(t->file, cap * sizeof(*f));
		if (!f)
			return -ENOMEM;
		t->file = f;
		t->cap_files = cap;
	}
	t->file[t->nr_files] = strdup(name);
	if (!t->file[t->nr_files])
		return -ENOMEM;
	t->names_size += len + 1;
	return t->nr_files++;
}

static int section(struct kplug_cg_obj *o, const char *name)
{
	unsigned int i;

	for (i = 1; i < o->shnum; i++)
		if (!strcmp(kplug_cg_elf_sec_name(o, i), name))
			return i;
	return 0;
}

/* Section i has bytes in the file (elf.c checked that they are inside). */
static bool has_bytes(struct kplug_cg_obj *o, unsigned int i, Elf32_Shdr *sh)
{
	kplug_cg_elf_shdr(o, i, sh);
	return i && sh->sh_type != SHT_NOBITS && sh->sh_type != SHT_NULL;
}

/*
 * String off of section i (0: none), or NULL if it is not inside or is
 * longer than any file name may be.
 */
static const char *sec_str(struct kplug_cg_obj *o, unsigned int i, __u32 off)
{
	Elf32_Shdr sh;
	__u32 max;

	if (!has_bytes(o, i, &sh) || off >= sh.sh_size)
		return NULL;
	max = sh.sh_size - off < MAX_NAME + 1 ? sh.sh_size - off : MAX_NAME + 1;
	if (!memchr(o->buf + sh.sh_offset + off, 0, max))
		return NULL;
	return (const char *)o->buf + sh.sh_offset + off;
}

/*
 * A copy of section i with the R_386_32 relocations of every REL section
 * that applies to it; NULL if malformed (s->why) or out of memory.  If
 * marks, (*marks)[k] says whether bytes k..k+3 were relocated.
 */
static unsigned char *relocated(struct src *s, unsigned int i, __u32 *len,
				unsigned char **marks)
{
	struct kplug_cg_obj *o = s->o;
	unsigned char *copy, *mark = NULL;
	Elf32_Shdr sh, rs;
	unsigned int k, j;

	if (!has_bytes(o, i, &sh)) {
		s->why = "the section has no contents";
		return NULL;
	}
	copy = malloc(sh.sh_size ? sh.sh_size : 1);
	if (marks)
		mark = calloc(1, sh.sh_size ? sh.sh_size : 1);
	if (!copy || (marks && !mark))
		goto fail;
	memcpy(copy, o->buf + sh.sh_offset, sh.sh_size);
	for (k = 1; k < o->shnum; k++) {
		kplug_cg_elf_shdr(o, k, &rs);
		if ((rs.sh_type != SHT_REL && rs.sh_type != SHT_RELA) ||
		    rs.sh_info != i)
			continue;
		if (rs.sh_type == SHT_RELA || rs.sh_link != o->symtab ||
		    rs.sh_entsize != sizeof(Elf32_Rel) ||
		    rs.sh_size % sizeof(Elf32_Rel)) {
			s->why = "its relocations are not i386 REL entries";
			goto fail;
		}
		for (j = 0; j < rs.sh_size / sizeof(Elf32_Rel); j++) {
			unsigned int sym;
			__u32 a;
			Elf32_Rel r;

			kplug_cg_elf_rel(o, k, j, &r);
			sym = ELF32_R_SYM(r.r_info);
			if (ELF32_R_TYPE(r.r_info) == R_386_NONE)
				continue;
			if (ELF32_R_TYPE(r.r_info) != R_386_32 ||
			    sym >= o->nsyms || (__u64)r.r_offset + 4 > sh.sh_size) {
				s->why = "a relocation is not R_386_32 inside the section";
				goto fail;
			}
			memcpy(&a, copy + r.r_offset, 4);	/* addend in place */
			a += s->addr(s->ctx, o, sym);
			memcpy(copy + r.r_offset, &a, 4);
			if (mark)
				mark[r.r_offset] = 1;
		}
	}
	*len = sh.sh_size;
	if (marks)
		*marks = mark;
	return copy;
fail:
	free(copy);
	free(mark);
	return NULL;
}

/* --- stabs (tcc -g) ------------------------------------------------------- */

enum { N_FUN = 0x24, N_SLINE = 0x44, N_SO = 0x64, N_SOL = 0x84 };
#define STAB_SIZE	12	/* strx u32, type u8, other u8, desc u16, value u32 */

/*
 * tcc: N_SO and N_SOL name the file; N_FUN starts a function (its value is
 * the function's address, relocated); N_SLINE is a line: its value is an
 * offset into the current function, or an address if it was relocated
 * (top-level asm).  A N_FUN without a name ends the function (gcc -gstabs).
 */
static int read_stabs(struct src *s, unsigned int stab)
{
	unsigned char *buf, *mark;
	unsigned int strsec;
	long file = -1;
	__u32 len, k, func = 0;
	bool in_func = false;
	Elf32_Shdr sh;
	int err = 0;

	kplug_cg_elf_shdr(s->o, stab, &sh);
	strsec = sh.sh_link;
	if (!strsec || strsec >= s->o->shnum) {
		s->why = "no string table";
		return -EINVAL;
	}
	buf = relocated(s, stab, &len, &mark);
	if (!buf)
		return s->why ? -EINVAL : -ENOMEM;
	for (k = 0; !err && k + STAB_SIZE <= len; k += STAB_SIZE) {
		const unsigned char *e = buf + k;
		__u32 strx = e[0] | e[1] << 8 | e[2] << 16 | (__u32)e[3] << 24;
		__u32 desc = e[6] | e[7] << 8;
		__u32 value = e[8] | e[9] << 8 | e[10] << 16 | (__u32)e[11] << 24;
		const char *name = strx ? sec_str(s->o, strsec, strx) : "";

		if (!name) {
			s->why = "a string is outside .stabstr, or too long";
			err = -EINVAL;
			break;
		}
		switch (e[4]) {
		case N_SO:
		case N_SOL:
			/* "dir/" then "file.c"; an empty N_SO ends the unit */
			if (!*name)
				in_func = false;
			if (!*name || name[strlen(name) - 1] == '/')
				break;
			file = file_index(s, name);
			if (file < 0)
				err = file;
			break;
		case N_FUN:
			if (*name) {
				func = value;
				in_func = true;
			} else if (in_func) {	/* value: the function's size */
				err = add_row(s->t, func + value, 0, 0);
				in_func = false;
			}
			break;
		case N_SLINE:
			if (file < 0 || !desc || (!in_func && !mark[k + 8]))
				break;
			err = add_row(s->t, mark[k + 8] ? value : func + value,
				      desc, file);
			break;
		}
	}
	free(buf);
	free(mark);
	return err;
}

/* --- DWARF .debug_line (gcc, clang -g) ------------------------------------ */

enum {
	DW_FORM_data2 = 0x05, DW_FORM_data4, DW_FORM_data8, DW_FORM_string,
	DW_FORM_block, DW_FORM_block1, DW_FORM_data1 = 0x0b, DW_FORM_strp = 0x0e,
	DW_FORM_udata = 0x0f, DW_FORM_data16 = 0x1e, DW_FORM_line_strp = 0x1f,
	DW_LNCT_path = 1, DW_LNCT_directory_index,
};

#define MAX_DIRS	256

struct unit {
	__u32 version;
	unsigned int min_inst, line_range, opcode_base;
	int line_base;
	const unsigned char *op_len;	/* standard opcodes' operand counts */
	long *file;			/* t->file indexes, -1: unknown */
	__u64 nr_files, cap_files;
	const char *dir[MAX_DIRS];	/* include directories, by index */
	unsigned int nr_dirs;
};

/*
 * Add file name to u's files, in directory dir: "dir/name" if name is
 * relative and dir is not 0 (the compilation directory, which would only
 * say where the plugin was built).
 */
static int unit_file(struct src *s, struct unit *u, const char *name,
		     __u64 dir)
{
	long *f, k = -1;
	char *path;

	if (name && strnlen(name, MAX_NAME + 1) > MAX_NAME) {
		s->why = "a file name is too long";
		return -EINVAL;
	}
	if (name && *name != '/' && dir && dir < u->nr_dirs && u->dir[dir]) {
		/* both at most MAX_NAME: file_index() refuses a longer path */
		path = malloc(strlen(u->dir[dir]) + strlen(name) + 2);
		if (!path)
			return -ENOMEM;
		strcat(strcat(strcpy(path, u->dir[dir]), "/"), name);
		k = file_index(s, path);
		free(path);
	} else if (name) {
		k = file_index(s, name);
	}
	if (k < -1)
		return k;
	if (u->nr_files == MAX_FILES) {
		s->why = "too many files";
		return -EINVAL;
	}
	if (u->nr_files == u->cap_files) {
		u->cap_files = u->cap_files ? 2 * u->cap_files : 16;
		f = realloc(u->file, u->cap_files * sizeof(*f));
		if (!f)
			return -ENOMEM;
		u->file = f;
	}
	u->file[u->nr_files++] = k;
	return 0;
}

/*
 * One value of form form: *name is set to it if it is a string (NULL if
 * it is a string this reader cannot find), *num if it is a number.  0, or
 * -EINVAL (s->why).
 */
static int read_form(struct src *s, struct rd *r, __u64 form, const char **name,
		__u64 *num)
{
	const char *v = NULL;
	__u64 n = 0;

	switch (form) {
	case DW_FORM_string:
		v = str(r);
		break;
	case DW_FORM_strp:
		v = sec_str(s->o, s->debug_str, get(r, 4));
		break;
	case DW_FORM_line_strp:
		v = sec_str(s->o, s->debug_line_str, get(r, 4));
		break;
	case DW_FORM_udata:
		n = uleb(r);
		break;
	case DW_FORM_data1:
	case DW_FORM_data2:
	case DW_FORM_data4:
		n = get(r, form == DW_FORM_data1 ? 1 : form == DW_FORM_data2 ? 2 : 4);
		break;
	case DW_FORM_data8:
	case DW_FORM_data16:
		take(r, form == DW_FORM_data8 ? 8 : 16);
		break;
	case DW_FORM_block:
	case DW_FORM_block1:
		take(r, form == DW_FORM_block ? uleb(r) : get(r, 1));
		break;
	default:
		s->why = "a file entry has an unknown DWARF form";
		return -EINVAL;
	}
	*name = v;
	*num = n;
	return 0;
}

static bool dir_ok(struct src *s, const char *dir)
{
	if (dir && strnlen(dir, MAX_NAME + 1) > MAX_NAME) {
		s->why = "a directory name is too long";
		return false;
	}
	return true;
}

/*
 * DWARF 5: directories or files, entries described by (content, form)
 * pairs; only the path and the directory index are kept.
 */
static int entries5(struct src *s, struct rd *r, struct unit *u, bool files)
{
	__u64 fmt[2 * 255], i, nr, num;
	unsigned int nfmt = get(r, 1), k;
	int err;

	for (k = 0; k < 2 * nfmt; k++)
		fmt[k] = uleb(r);
	nr = uleb(r);
	if (nr && !nfmt) {	/* entries of no bytes: nothing would end them */
		s->why = "entries without contents";
		return -EINVAL;
	}
	for (i = 0; i < nr && !r->bad; i++) {
		const char *path = NULL, *v;
		__u64 dir = 0;

		for (k = 0; k < nfmt; k++) {
			err = read_form(s, r, fmt[2 * k + 1], &v, &num);
			if (err)
				return err;
			if (fmt[2 * k] == DW_LNCT_path)
				path = v;
			if (fmt[2 * k] == DW_LNCT_directory_index)
				dir = num;
		}
		if (files) {
			err = unit_file(s, u, path, dir);
			if (err)
				return err;
		} else if (!dir_ok(s, path)) {
			return -EINVAL;
		} else if (u->nr_dirs < MAX_DIRS) {
			u->dir[u->nr_dirs++] = path;
		}
	}
	return 0;
}

/*
 * DWARF 2-4: directory names (from index 1: 0 is the compilation
 * directory), then (name, directory, mtime, length) files.
 */
static int entries4(struct src *s, struct rd *r, struct unit *u)
{
	const char *name;
	__u64 dir;
	int err;

	u->dir[u->nr_dirs++] = NULL;
	while ((name = str(r)) && *name) {
		if (!dir_ok(s, name))
			return -EINVAL;
		if (u->nr_dirs < MAX_DIRS)
			u->dir[u->nr_dirs++] = name;
	}
	while ((name = str(r)) && *name) {
		dir = uleb(r);
		uleb(r);
		uleb(r);
		err = unit_file(s, u, name, dir);
		if (err)
			return err;
	}
	return 0;
}

/* The header of the unit at r (its program follows at r). */
static int unit_header(struct src *s, struct rd *r, struct unit *u)
{
	struct rd h;
	int err;

	u->version = get(r, 2);
	if (u->version < 2 || u->version > 5) {
		s->why = "the version is not 2 to 5";
		return -EINVAL;
	}
	if (u->version >= 5 && (get(r, 1) != 4 || get(r, 1) != 0)) {
		s->why = "addresses are not 4 bytes";
		return -EINVAL;
	}
	h = sub(r, get(r, 4));		/* header_length */
	u->min_inst = get(&h, 1);
	if (u->version >= 4 && get(&h, 1) != 1) {
		s->why = "VLIW operations";
		return -EINVAL;
	}
	get(&h, 1);			/* default_is_stmt: all rows count */
	u->line_base = (signed char)get(&h, 1);
	u->line_range = get(&h, 1);
	u->opcode_base = get(&h, 1);
	u->op_len = take(&h, u->opcode_base ? u->opcode_base - 1 : 0);
	if (!u->line_range || !u->opcode_base) {
		s->why = "line_range or opcode_base is 0";
		return -EINVAL;
	}
	if (u->version >= 5) {
		err = entries5(s, &h, u, false);
		if (!err)
			err = entries5(s, &h, u, true);
	} else {
		err = entries4(s, &h, u);
	}
	if (!err && (h.bad || r->bad)) {
		s->why = "the header is cut short";
		err = -EINVAL;
	}
	return err;
}

/* line: a signed line number, kept unsigned so that it wraps, not overflows */
static int emit(struct src *s, struct unit *u, __u32 addr, __u64 line,
		__u64 file)
{
	/* DWARF 5 counts files from 0, earlier versions from 1 */
	__u64 i = u->version >= 5 ? file : file - 1;
	long f = i < u->nr_files ? u->file[i] : -1;

	if (f < 0)
		return 0;	/* no name for it: no row */
	return add_row(s->t, addr, line && line <= UINT32_MAX ? line : 0, f);
}

/* The line program of u, from r to its end. */
static int run_program(struct src *s, struct rd *r, struct unit *u)
{
	__u32 addr = 0;
	__u64 file = 1, line = 1;	/* line: as emit() */
	bool have_addr = false;	/* an object's sequences all set it */
	int err = 0;

	while (!err && !r->bad && r->p < r->end) {
		unsigned int op = get(r, 1), adj, k;
		const char *name;
		struct rd ext;

		if (op >= u->opcode_base) {		/* special */
			adj = op - u->opcode_base;
			addr += adj / u->line_range * u->min_inst;
			line += (__u64)(__s64)(u->line_base + (int)(adj % u->line_range));
			if (have_addr)
				err = emit(s, u, addr, line, file);
			continue;
		}
		switch (op) {
		case 0:					/* extended */
			ext = sub(r, uleb(r));
			switch (get(&ext, 1)) {
			case 1:				/* end_sequence */
				if (have_addr)
					err = add_row(s->t, addr, 0, 0);
				addr = 0;
				file = 1;
				line = 1;
				have_addr = false;
				break;
			case 2:				/* set_address */
				addr = get(&ext, 4);
				have_addr = !ext.bad;
				break;
			case 3:				/* define_file */
				name = str(&ext);
				err = unit_file(s, u, name, uleb(&ext));
				break;
			}
			break;
		case 1:					/* copy */
			if (have_addr)
				err = emit(s, u, addr, line, file);
			break;
		case 2:					/* advance_pc */
			addr += uleb(r) * u->min_inst;
			break;
		case 3:					/* advance_line */
			line += (__u64)sleb(r);
			break;
		case 4:					/* set_file */
			file = uleb(r);
			break;
		case 8:					/* const_add_pc */
			addr += (255 - u->opcode_base) / u->line_range *
				u->min_inst;
			break;
		case 9:					/* fixed_advance_pc */
			addr += get(r, 2);
			break;
		default:	/* set_column, negate_stmt, ...: operands skipped */
			for (k = 0; k < u->op_len[op - 1]; k++)
				uleb(r);
		}
	}
	if (!err && r->bad) {
		s->why = "the line program is cut short";
		err = -EINVAL;
	}
	return err;
}

static int read_dwarf(struct src *s, unsigned int sec)
{
	struct unit u = { 0 };
	unsigned char *buf;
	struct rd all, r;
	__u32 len, n;
	int err = 0;

	buf = relocated(s, sec, &len, NULL);
	if (!buf)
		return s->why ? -EINVAL : -ENOMEM;
	s->debug_str = section(s->o, ".debug_str");
	s->debug_line_str = section(s->o, ".debug_line_str");
	all.p = buf;
	all.end = buf + len;
	all.bad = false;
	while (!err && all.p < all.end) {
		n = get(&all, 4);
		if (n >= 0xfffffff0) {
			s->why = "64-bit DWARF";
			err = -EINVAL;
			break;
		}
		r = sub(&all, n);
		u.nr_files = 0;
		u.nr_dirs = 0;
		err = unit_header(s, &r, &u);
		if (!err)
			err = run_program(s, &r, &u);
	}
	if (!err && all.bad) {
		s->why = "a unit is longer than the section";
		err = -EINVAL;
	}
	free(u.file);
	free(buf);
	return err;
}

int kplug_cg_lines_add(struct kplug_cg_lines *t, struct kplug_cg_obj *o,
		       kplug_cg_addr_fn *addr, void *ctx,
		       struct kplug_codegen_log *log)
{
	struct src s = { .t = t, .o = o, .addr = addr, .ctx = ctx };
	size_t nr = t->nr, nr_files = t->nr_files;
	unsigned int sec;
	const char *what;
	int err = 0;

	sec = section(o, ".debug_line");
	what = ".debug_line";
	if (sec) {
		err = read_dwarf(&s, sec);
	} else {
		sec = section(o, ".stab");
		what = ".stab";
		if (sec)
			err = read_stabs(&s, sec);
	}
	if (err == -EINVAL) {	/* drop what this object added */
		t->nr = nr;
		while (t->nr_files > nr_files) {
			t->nr_files--;
			t->names_size -= strlen(t->file[t->nr_files]) + 1;
			free(t->file[t->nr_files]);
		}
		kplug_cg_log(log, "%s: warning: %s left out (%s): no line numbers for this object\n",
			     o->name, what, s.why);
		err = 0;
	}
	return err;
}
