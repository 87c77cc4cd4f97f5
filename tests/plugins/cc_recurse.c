// SPDX-License-Identifier: GPL-2.0
/*
 * A recursive plugin for the compiler matrix (tests/vm/compilers_test.sh):
 * a recursive-descent evaluator of integer expressions and Ackermann's
 * function, each image built by tcc, gcc and clang at several levels.
 */
struct parser {
	const char *s;
	u32 len, pos;
	u32 depth, max_depth;
};

static s32 expr(struct parser *p);

static char peek(struct parser *p)
{
	while (p->pos < p->len && p->s[p->pos] == ' ')
		p->pos++;
	return p->pos < p->len ? p->s[p->pos] : 0;
}

static s32 primary(struct parser *p)
{
	char c = peek(p);
	s32 v = 0;

	if (c == '(') {
		p->pos++;
		if (++p->depth > p->max_depth)
			p->max_depth = p->depth;
		v = expr(p);
		p->depth--;
		if (peek(p) == ')')
			p->pos++;
		return v;
	}
	if (c == '-') {
		p->pos++;
		return -primary(p);
	}
	while (c >= '0' && c <= '9') {
		v = v * 10 + (c - '0');
		p->pos++;
		c = p->pos < p->len ? p->s[p->pos] : 0;
	}
	return v;
}

static s32 term(struct parser *p)
{
	s32 v = primary(p);
	char c;

	while ((c = peek(p)) == '*' || c == '/' || c == '%') {
		s32 r;

		p->pos++;
		r = primary(p);
		if (c == '*')
			v *= r;
		else if (r == 0)
			v = 0;
		else
			v = c == '/' ? v / r : v % r;
	}
	return v;
}

static s32 expr(struct parser *p)
{
	s32 v = term(p);
	char c;

	while ((c = peek(p)) == '+' || c == '-') {
		p->pos++;
		v = c == '+' ? v + term(p) : v - term(p);
	}
	return v;
}

/* The value of the expression in the in buffer; out gets its nesting. */
u32 eval(u32 a0, u32 a1, u32 a2, u32 a3, u32 a4, u32 a5,
	 const char *in, u32 in_len, char *out, u32 out_len)
{
	struct parser p = { .s = in, .len = in_len };
	s32 v = expr(&p);

	snprintf(out, out_len, "%d depth %u", v, p.max_depth);
	return v;
}

static u32 ack(u32 m, u32 n)
{
	if (m == 0)
		return n + 1;
	if (n == 0)
		return ack(m - 1, 1);
	return ack(m - 1, ack(m, n - 1));
}

u32 ackermann(u32 m, u32 n)
{
	return ack(m, n);
}
