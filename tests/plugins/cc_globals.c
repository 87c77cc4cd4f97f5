// SPDX-License-Identifier: GPL-2.0
/*
 * Globals and a switch table for the compiler matrix
 * (tests/vm/compilers_test.sh): a tiny stack machine whose dense switch
 * compilers turn into a jump table (absolute addresses in read-only
 * data), initialised and zeroed globals, a table of function pointers.
 */
enum op { PUSH, ADD, SUB, MUL, DUP, SWAP, DROP, STORE, LOAD, JNZ, HALT };

struct machine {
	u32 stack[32];
	u32 sp;
	u32 steps;
};

static struct machine m;			/* bss */
static u32 regs[8];				/* bss */
static u32 runs = 100;				/* data */
static const u8 square_sum[] = {		/* rodata: a*a + b*b */
	DUP, MUL, SWAP, DUP, MUL, ADD, HALT,
};
static const u8 count_down[] = {		/* sum of n..1 into reg 0 */
	DUP, LOAD, 0, ADD, STORE, 0, PUSH, 1, SUB, DUP, JNZ, 0, HALT,
};

static u32 pop(void)
{
	return m.sp ? m.stack[--m.sp] : 0;
}

static void push(u32 v)
{
	if (m.sp < ARRAY_SIZE(m.stack))
		m.stack[m.sp++] = v;
}

static u32 run(const u8 *code, u32 len)
{
	u32 pc = 0, a, b;

	while (pc < len) {
		m.steps++;
		switch (code[pc++]) {
		case PUSH:
			push(code[pc++]);
			break;
		case ADD:
			b = pop();
			push(pop() + b);
			break;
		case SUB:
			b = pop();
			push(pop() - b);
			break;
		case MUL:
			b = pop();
			push(pop() * b);
			break;
		case DUP:
			a = pop();
			push(a);
			push(a);
			break;
		case SWAP:
			b = pop();
			a = pop();
			push(b);
			push(a);
			break;
		case DROP:
			pop();
			break;
		case STORE:
			a = code[pc++] & 7;
			regs[a] = pop();
			break;
		case LOAD:
			push(regs[code[pc++] & 7]);
			break;
		case JNZ:
			a = code[pc++];
			if (pop())
				pc = a;
			break;
		case HALT:
			return pop();
		default:
			return 0xdead;
		}
	}
	return pop();
}

static u32 prog_square_sum(u32 a, u32 b)
{
	m.sp = 0;
	push(a);
	push(b);
	return run(square_sum, sizeof(square_sum));
}

static u32 prog_count_down(u32 n, u32 unused)
{
	m.sp = 0;
	regs[0] = 0;
	push(n);
	run(count_down, sizeof(count_down));
	return regs[0];
}

static u32 (*const progs[])(u32, u32) = { prog_square_sum, prog_count_down };

/* Program which (0: a*a + b*b, 1: a + (a-1) + ... + 1) on a and b. */
u32 vm(u32 which, u32 a, u32 b)
{
	runs++;
	return which < ARRAY_SIZE(progs) ? progs[which](a, b) : 0xbad;
}

/* The globals: calls so far (from 100), and steps executed. */
u32 counters(u32 which)
{
	return which ? m.steps : runs;
}
