// SPDX-License-Identifier: GPL-2.0
/*
 * The packet-filter race (docs/performance.md, "The packet-filter race"):
 * the four filters of bench/work/race.c over its packet mix, as
 *   - plain kernel C in the bench module (the floor): /proc/kplug_bench
 *     "race F N";
 *   - kplug plugins, built by gcc -m32 -O2 on the host and by libtcc in
 *     the VM: attached to the bench module's hook "bench" and called
 *     with each packet as the in buffer ("racehook N"), and, without the
 *     transfer, race_batch() looping over the mix inside one invocation;
 *   - eBPF (bench/race.bpf.c, loaded with libbpf, JIT as the kernel has
 *     it): BPF_PROG_TEST_RUN of each packet, repeat REPEAT.
 * Every implementation's verdicts are checked against the mix's table;
 * a wrong one fails the run.  Then real traffic: UDP over lo with kplug's
 * filter on netfilter:ipv4_pre_routing against the same filter as eBPF
 * on lo's tc ingress (both count matches and pass every packet).
 *
 * "With transfer" is the whole call of one packet; "own" is that minus
 * the same call of the empty filter (race_filter0, the eBPF `empty`).
 *
 * `kplug_bench --race-check IMPL` (tests/vm/race_test.sh) runs only the
 * verdict check of one implementation, with one sample each.
 */
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bench.h"
#include "work/race.c"

#define SAMPLES		2000	/* module: passes over the mix */
#define REPEAT		1000	/* eBPF: test runs per packet */
#define BATCH		1000	/* plugin: passes in one invocation */
#define BATCH_CALLS	5
#define LO_PACKETS	2000	/* per loopback run */
#define LO_PORT		7721

static const char *const filter_names[RACE_FILTERS + 1] = {
	"empty", "IPv4", "IPv4 from 10.1/16", "TCP to port 21",
	"TCP from 10.1/16 to port 21, IHL",
};

static struct race_mix mix;
static int quick;		/* --race-check: one sample each */
static char ebpf_note[64];

/* The verdicts filter f must give on the mix: bit i for frame i. */
static unsigned int want(unsigned int f)
{
	unsigned int i, v = 0;

	for (i = 0; i < RACE_MIX; i++)
		v |= (race_frames[i].want >> (f - 1) & 1u) << i;
	return v;
}

static int verdicts_ok(const char *who, unsigned int f, unsigned int got)
{
	if (f == 0 || got == want(f))
		return 1;
	fprintf(stderr, "race: FAIL: %s, filter %u: verdicts 0x%03x, want 0x%03x\n",
		who, f, got, want(f));
	return 0;
}

/*
 * One row per implementation and filter: the full call per packet as
 * the figure, the filter's own cost in the note.
 */
static void race_row(unsigned int f, const char *impl, double with,
		     double own, const char *extra)
{
	char name[96], note[128];

	if (quick)
		return;
	snprintf(name, sizeof(name), "%u %s: %s", f, filter_names[f], impl);
	snprintf(note, sizeof(note), "per packet, with transfer; own %.1f%s%s",
		 own, extra ? "; " : "", extra ? extra : "");
	bench_value("race", name, (uint64_t)(with + 0.5), bench_time_unit(), note);
}

/* --- kernel C, the floor -------------------------------------------- */

static int race_kernel(void)
{
	double per[RACE_FILTERS + 1];
	struct bench_stats st;
	unsigned int f;
	char c[32];

	if (bench_kclock())
		return fprintf(stderr, "race: no /proc/kplug_bench\n"), 1;
	for (f = 0; f <= RACE_FILTERS; f++) {
		snprintf(c, sizeof(c), "race %u %u", f, quick ? 1 : SAMPLES);
		if (bench_kcmd(&st, NULL, c))
			return perror("race: /proc/kplug_bench"), 1;
		if (!verdicts_ok("kernel C", f, bench_kfield("verdicts")))
			return 1;
		per[f] = (double)st.median / RACE_MIX;
		if (f)
			race_row(f, "kernel C (floor)", per[f], per[f] - per[0],
				 NULL);
	}
	return 0;
}

/* --- kplug plugins ---------------------------------------------------- */

static struct kplug *plugin_open(int gcc)
{
	char path[256];
	struct kplug *p;
	size_t len;
	char *buf;

	snprintf(path, sizeof(path), "%sbench/%s", bench_plugin_dir,
		 gcc ? "work-gcc.kpi" : "work.c");
	buf = bench_slurp(path, &len);
	if (!buf)
		return NULL;
	p = gcc ? kplug_create_image("race_gcc", buf, len, NULL) :
		  kplug_create("race_tcc", buf, NULL);
	free(buf);
	return p;
}

/* One invocation of race_batch(f, reps), timed from here; its verdicts. */
static uint64_t batch(struct kplug *p, unsigned int f, unsigned int reps,
		      __u32 *v)
{
	__u32 args[2] = { f, reps };
	uint64_t t[BATCH_CALLS], t0;
	struct bench_stats st;
	unsigned int i, n = quick ? 1 : BATCH_CALLS;

	for (i = 0; i < n; i++) {
		t0 = bench_now();
		if (kplug_invoke(p, "race_batch", args, 2, NULL, 0, NULL, 0, v))
			return perror("race: race_batch"), exit(1), 0;
		t[i] = bench_now() - t0;
	}
	bench_stats(t, n, 0, &st);
	return st.median;
}

static int race_plugin(int gcc)
{
	const char *impl = gcc ? "kplug, gcc -m32 -O2" : "kplug, tcc (in VM)";
	unsigned int f, reps = quick ? 1 : BATCH;
	double own[RACE_FILTERS + 1];
	struct bench_stats st;
	struct kplug *p;
	char entry[16], c[32];
	uint64_t t0;
	__u32 v;
	int err = 1;

	if (bench_kclock())
		return fprintf(stderr, "race: no /proc/kplug_bench\n"), 1;
	p = plugin_open(gcc);
	if (!p)
		return perror("race: plugin"), 1;
	t0 = batch(p, 0, reps, &v);
	for (f = 1; f <= RACE_FILTERS; f++) {
		own[f] = ((double)batch(p, f, reps, &v) - t0) / reps / RACE_MIX;
		if (!verdicts_ok(impl, f, v))
			goto out;
	}
	for (f = 1; f <= RACE_FILTERS; f++) {
		snprintf(entry, sizeof(entry), "race%u", f);
		if (kplug_attach(p, "bench", entry)) {
			perror("race: attach to \"bench\"");
			goto out;
		}
		snprintf(c, sizeof(c), "racehook %u", quick ? 1 : SAMPLES);
		if (bench_kcmd(&st, NULL, c)) {
			perror("race: racehook");
			goto out;
		}
		kplug_detach(p, "bench", entry);
		if (!verdicts_ok(impl, f, bench_kfield("verdicts")))
			goto out;
		race_row(f, impl, (double)st.median / RACE_MIX, own[f],
			 "through hook \"bench\"");
	}
	err = 0;
out:
	kplug_remove(p);
	return err;
}

/* --- eBPF -------------------------------------------------------------- */

static struct bpf_object *bpf_open(void)
{
	char path[256];
	struct bpf_object *obj;
	FILE *jit;
	int on;

	snprintf(ebpf_note, sizeof(ebpf_note), "bpf_jit_enable: unknown");
	jit = fopen("/proc/sys/net/core/bpf_jit_enable", "r");
	if (jit) {
		if (fscanf(jit, "%d", &on) == 1)
			snprintf(ebpf_note, sizeof(ebpf_note),
				 "bpf_jit_enable=%d (%s)", on,
				 on ? "JIT" : "interpreter");
		fclose(jit);
	}
	snprintf(path, sizeof(path), "%sbench/race.bpf.o", bench_plugin_dir);
	obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		fprintf(stderr, "race: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	if (bpf_object__load(obj)) {
		fprintf(stderr, "race: loading %s: %s\n", path, strerror(errno));
		bpf_object__close(obj);
		return NULL;
	}
	return obj;
}

static int prog_fd(struct bpf_object *obj, const char *name)
{
	struct bpf_program *prog = bpf_object__find_program_by_name(obj, name);

	return prog ? bpf_program__fd(prog) : -1;
}

static int race_ebpf(void)
{
	double with[RACE_FILTERS + 1];
	struct bpf_object *obj = bpf_open();
	unsigned int f, i, v;
	char name[16];
	int fd, err = 1;

	if (!obj)
		return 1;
	for (f = 0; f <= RACE_FILTERS; f++) {
		snprintf(name, sizeof(name), f ? "race%u" : "empty", f);
		fd = prog_fd(obj, name);
		if (fd < 0) {
			fprintf(stderr, "race: no eBPF program %s\n", name);
			goto out;
		}
		with[f] = 0;
		for (i = 0, v = 0; i < RACE_MIX; i++) {
			LIBBPF_OPTS(bpf_test_run_opts, run,
				    .data_in = mix.frame[i],
				    .data_size_in = mix.len[i],
				    .repeat = quick ? 1 : REPEAT);

			if (bpf_prog_test_run_opts(fd, &run)) {
				perror("race: BPF_PROG_TEST_RUN");
				goto out;
			}
			v |= (run.retval != 0) << i;
			with[f] += run.duration;
		}
		with[f] /= RACE_MIX;
		if (!verdicts_ok("eBPF", f, v))
			goto out;
		if (f)
			race_row(f, "eBPF (tc program, test run)", with[f],
				 with[f] - with[0], ebpf_note);
	}
	err = 0;
out:
	bpf_object__close(obj);
	return err;
}

/* --- real traffic on lo ------------------------------------------------ */

struct lo_run {
	int rx, tx[2];		/* tx[0] from 127.0.0.1, tx[1] from 10.1.0.1 */
};

static int udp_socket(const char *addr, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	inet_pton(AF_INET, addr, &sa.sin_addr);
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)))
		return -1;
	return s;
}

/*
 * LO_PACKETS datagrams, alternately from each sender, each received
 * before the next is sent: instructions (or ns) per packet.
 */
static double lo_traffic(struct lo_run *lo)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(LO_PORT) };
	char buf[64] = "kplug race";
	unsigned int i, got = 0;
	uint64_t t0;

	inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
	t0 = bench_now();
	for (i = 0; i < LO_PACKETS; i++) {
		if (sendto(lo->tx[i & 1], buf, 32, 0, (struct sockaddr *)&to,
			   sizeof(to)) != 32)
			return -1;
		got += recv(lo->rx, buf, sizeof(buf), MSG_DONTWAIT) == 32;
	}
	if (got != LO_PACKETS) {
		fprintf(stderr, "race: lo: %u of %u datagrams arrived\n", got,
			LO_PACKETS);
		return -1;
	}
	return (double)(bench_now() - t0) / LO_PACKETS;
}

/*
 * What filter f must count of lo_traffic(): all, the half from 10.1/16,
 * or none (UDP).
 */
static unsigned int lo_want(unsigned int f)
{
	return f == 1 ? LO_PACKETS : f == 2 ? LO_PACKETS / 2 : 0;
}

/*
 * per: instructions per packet with this filter, none: with none,
 * other: with the other implementation's.
 */
static void lo_row(unsigned int f, const char *impl, double per, double none,
		   const char *other_name, double other)
{
	char name[96], note[192];

	snprintf(name, sizeof(name), "lo %u %s: %s", f, filter_names[f], impl);
	snprintf(note, sizeof(note),
		 "per UDP packet sent and received; %.0f packets/s (emulated), %.2fx %s; hook+filter %.0f",
		 1e9 / per, other / per, other_name, per - none);
	bench_value("race", name, (uint64_t)(per + 0.5), bench_time_unit(), note);
}

static int race_lo(void)
{
	struct bpf_object *obj = NULL;
	struct lo_run lo = { -1, { -1, -1 } };
	double none, kp[RACE_FILTERS + 1], bp[RACE_FILTERS + 1];
	unsigned int f, ifindex = if_nametoindex("lo");
	struct bpf_map *bss;
	struct kplug *p;
	char entry[16];
	__u32 key = 0, count = 0;
	__u64 matched;
	int err = 1;

	LIBBPF_OPTS(bpf_tc_hook, tc, .ifindex = ifindex,
		    .attach_point = BPF_TC_INGRESS);

	lo.rx = udp_socket("0.0.0.0", LO_PORT);
	lo.tx[0] = udp_socket("127.0.0.1", 0);
	lo.tx[1] = udp_socket("10.1.0.1", 0);
	if (lo.rx < 0 || lo.tx[0] < 0 || lo.tx[1] < 0) {
		bench_note("race", "lo: not measured: sockets (is lo up with 10.1.0.1/16?)");
		err = 0;
		goto out;
	}
	none = lo_traffic(&lo);
	p = none < 0 ? NULL : plugin_open(1);
	if (!p) {
		fprintf(stderr, "race: lo: %s\n",
			none < 0 ? "traffic failed" : "gcc plugin not created");
		goto out;
	}
	obj = bpf_open();
	bss = obj ? bpf_object__find_map_by_name(obj, ".bss") : NULL;
	if (!bss) {
		fprintf(stderr, "race: lo: no eBPF counter (.bss)\n");
		goto out_plugin;
	}
	if (bpf_tc_hook_create(&tc) && errno != EEXIST) {
		fprintf(stderr, "race: lo: tc ingress (sch_ingress.ko?): %s\n",
			strerror(errno));
		goto out_plugin;
	}
	for (f = 1; f <= RACE_FILTERS; f++) {
		LIBBPF_OPTS(bpf_tc_opts, opts);

		snprintf(entry, sizeof(entry), "count%u", f);
		if (kplug_attach(p, "netfilter:ipv4_pre_routing", entry)) {
			perror("race: lo: attach to netfilter:ipv4_pre_routing");
			goto out_tc;
		}
		kp[f] = lo_traffic(&lo);
		kplug_detach(p, "netfilter:ipv4_pre_routing", entry);
		if (kplug_invoke(p, "race_matched", NULL, 0, NULL, 0, NULL, 0,
				 &count) || count != lo_want(f)) {
			fprintf(stderr, "race: lo: kplug filter %u counted %u, want %u\n",
				f, count, lo_want(f));
			goto out_tc;
		}
		matched = 0;
		opts.prog_fd = prog_fd(obj, entry);
		if (bpf_map__update_elem(bss, &key, sizeof(key), &matched,
					 sizeof(matched), 0) ||
		    bpf_tc_attach(&tc, &opts)) {
			fprintf(stderr, "race: lo: tc attach (cls_bpf.ko?): %s\n",
				strerror(errno));
			goto out_tc;
		}
		bp[f] = lo_traffic(&lo);
		opts.prog_fd = opts.prog_id = opts.flags = 0;
		bpf_tc_detach(&tc, &opts);
		if (bpf_map__lookup_elem(bss, &key, sizeof(key), &matched,
					 sizeof(matched), 0) ||
		    matched != lo_want(f)) {
			fprintf(stderr, "race: lo: eBPF filter %u counted %llu, want %u\n",
				f, (unsigned long long)matched, lo_want(f));
			goto out_tc;
		}
		if (kp[f] < 0 || bp[f] < 0)
			goto out_tc;
	}
	bench_value("race", "lo: no filter", (uint64_t)(none + 0.5),
		    bench_time_unit(), "per UDP packet sent and received");
	for (f = 1; f <= RACE_FILTERS; f++) {
		lo_row(f, "kplug gcc, netfilter:ipv4_pre_routing", kp[f], none,
		       "eBPF's", bp[f]);
		lo_row(f, "eBPF, tc ingress (cls_bpf, direct action)", bp[f], none,
		       "kplug's", kp[f]);
	}
	err = 0;
out_tc:
	tc.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;	/* the qdisc too */
	bpf_tc_hook_destroy(&tc);
out_plugin:
	kplug_remove(p);
out:
	bpf_object__close(obj);
	close(lo.rx);
	close(lo.tx[0]);
	close(lo.tx[1]);
	return err;
}

int bench_race(void)
{
	race_mix(&mix);
	if (race_kernel() || race_plugin(1) || race_plugin(0) || race_ebpf())
		return 1;
	return race_lo();
}

/* kernel, gcc, tcc or ebpf: 0 if its verdicts match the table. */
int bench_race_check(const char *impl)
{
	unsigned int f;

	quick = 1;
	bench_init_env(0);
	race_mix(&mix);
	for (f = 1; f <= RACE_FILTERS; f++)	/* the C against the table */
		if (!verdicts_ok("user-space C", f, race_run(&mix, f, 1)))
			return 1;
	if (!strcmp(impl, "kernel"))
		return race_kernel();
	if (!strcmp(impl, "gcc") || !strcmp(impl, "tcc"))
		return race_plugin(!strcmp(impl, "gcc"));
	if (!strcmp(impl, "ebpf"))
		return race_ebpf();
	fprintf(stderr, "race: unknown implementation '%s' (kernel gcc tcc ebpf)\n",
		impl);
	return 2;
}
