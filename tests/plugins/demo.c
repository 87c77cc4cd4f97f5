// SPDX-License-Identifier: GPL-2.0
/*
 * The demo plugin of `make run`, compiled in the VM by `kplugctl create`.
 * Every non-static function is an entry point.
 */
static u32 fib(u32 n)
{
	return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

u32 add(u32 a, u32 b)
{
	return a + b;
}

u32 fibonacci(u32 n)
{
	return fib(n);
}

/* Busy for a while: long enough to be interrupted and rescheduled. */
u32 spin(u32 n)
{
	u32 i, x = 0;

	for (i = 0; i < n; i++)
		x = x * 31 + i;
	return x;
}

/* Count the words of the in buffer; write a summary to out. */
u32 words(u32 a0, u32 a1, u32 a2, u32 a3, u32 a4, u32 a5,
	  const char *in, u32 in_len, char *out, u32 out_len)
{
	u32 i, n = 0;
	bool word = false;

	for (i = 0; i < in_len; i++) {
		bool space = in[i] == ' ' || in[i] == '\n' || in[i] == '\t';

		if (!space && !word)
			n++;
		word = !space;
	}
	i = snprintf(out, out_len, "%u words in %u bytes\n", n, in_len);
	kplug_out_len(i < out_len ? i : out_len ? out_len - 1 : 0);
	return n;
}

/* n service calls: the benchmark's service-call cost. */
u32 cpu_calls(u32 n)
{
	u32 i, x = 0;

	for (i = 0; i < n; i++)
		x += kplug_cpu();
	return x;
}

/* A line in the plugin's log (kplugctl log demo). */
u32 hello(u32 n)
{
	char comm[16];

	kplug_comm(comm, sizeof(comm));
	return kplug_printf("hello %u from %s (pid %u) on cpu %u", n, comm,
			    kplug_pid(), kplug_cpu());
}

/* Dereference an address the sandbox does not map: the call faults. */
u32 bad_pointer(u32 addr)
{
	return *(volatile u32 *)addr;
}
