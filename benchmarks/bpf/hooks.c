/*
 * Per-hook overhead of the esf4j BPF LSM programs: one syscall loop per hook, timed per iteration,
 * with the object not loaded (base) and loaded in three modes of the hook's event type:
 *
 *   base    the object not loaded: the kernel's own cost of the loop
 *   off     loaded and attached, config OFF for the type: the attached program returns at once
 *   notify  config NOTIFY, a consumer thread draining the ring buffer (ring_buffer__poll)
 *   auth    config AUTH with deny rules for other objects in the hook's deny map, plus the drain
 *
 * Hooks and loops (one iteration each):
 *
 *   open       open(FILE, O_RDONLY) + close: file_open
 *   exec       vfork + execve(EXEC) + waitpid: bprm_check_security (and the exec's own file_open,
 *              whose program returns at once: its type stays OFF). vfork, not fork: fork would copy
 *              the page tables of the ring buffer mapping, which only exists while loaded.
 *   bind       socket(AF_INET, SOCK_STREAM) + bind(127.0.0.1:0) + close: socket_bind
 *   uring_cmd  one IORING_OP_URING_CMD (SOCKET_URING_OP_SIOCINQ on a UDP socket) submitted and
 *              reaped with one io_uring_enter, raw syscalls: uring_cmd. Sockets accept uring
 *              commands from Linux 6.7; before that the kernel refuses the command before the LSM
 *              hook (EOPNOTSUPP) and the hook is reported as n/a with the kernel's answer.
 *
 * Schedule: the baselines bracket every loaded round, base(0) round(1) base(1) ... round(R)
 * base(R); the object is loaded and attached at the start of each round and closed at its end,
 * each followed by SETTLE ms of pause, and the order of off/notify/auth rotates from round to
 * round. Many short rounds rather than a few long ones: the emulated CPU has episodes of up to
 * 2x slowness lasting a fraction of a second to seconds (presumably other work on the host; seen
 * on either kernel, in some runs and not in others), which then spoil a few rounds' p50s instead
 * of one state's.
 *
 *   ratio_p50          the floor: the low decile over the rounds of the state's p50, over the
 *                      low decile over the repetitions of the base p50. The slow episodes only
 *                      ever add time, and at times they hit half the rounds of a run: medians
 *                      then mix slow and fast rounds, the floors stay put (run to run within a
 *                      few per cent)
 *   ratio_med          the same with medians (equal to ratio_p50 when the run was quiet)
 *   ratio_q1, ratio_q3 quartiles over the rounds of the bracketed ratio: the state's p50 over the
 *                      mean p50 of base(r-1) and base(r) (what a slow drift cannot bias)
 *   ratio_min/max      for base, the repetitions' p50s over their median (slow_reps: how many
 *                      are more than 1.2x the median); for the states, range of bracketed ratios
 *   ratio_p99          pooled p99 over pooled base p99 (an indication only: tails are where the
 *                      emulator's noise lives)
 *   p50/p99/mean_ns    over all rounds' samples pooled (emulated time: compare within a run only)
 *
 * The loop runs on CPU 0, the consumer thread on CPU 1 (when there is one). The process is not
 * muted: its own events are the ones measured.
 *
 *   hooks --object OBJ --file FILE --exec PROG [--rounds R (20)] [--settle-ms SETTLE (300)]
 *         [--open N (8000)] [--exec-n N (250)] [--bind N (4000)] [--uring N (10000)]
 *         [--hooks open,exec,bind,uring_cmd]
 *
 * N is the timed iterations per hook, state and round, after a tenth of it (at least 5) of
 * warm-up.
 *
 * Output, one line per hook and state (machine-parsable key=value):
 *   hooks kernel=6.12 hook=open state=notify n=.. p50_ns=.. p99_ns=.. mean_ns=.. ratio_p50=..
 *         ratio_med=.. ratio_q1=.. ratio_q3=.. ratio_min=.. ratio_max=.. ratio_p99=.. events=.. drops=..
 * (base adds slow_reps=..; a hook the kernel cannot run has na="reason" instead)
 * and before them one "hooks-rep" line per hook, state and round (p50/p99/mean of that round; for
 * the states, ratio_p50 is that round's bracketed ratio).
 * Exit status: 0 when every loop ran and every notify/auth state delivered its events; 1 otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/io_uring.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "../../backend-bpf-lsm/src/main/bpf/esf4j.h"

#ifndef SOCKET_URING_OP_SIOCINQ
#define SOCKET_URING_OP_SIOCINQ 0 /* include/uapi/linux/io_uring.h, Linux 6.7 */
#endif

enum { H_OPEN, H_EXEC, H_BIND, H_URING, H_N };
enum { S_BASE, S_OFF, S_NOTIFY, S_AUTH, S_N };
static const char *hook_name[H_N] = {"open", "exec", "bind", "uring_cmd"};
static const __u32 hook_type[H_N] = {ESF4J_OPEN, ESF4J_EXEC, ESF4J_BIND, ESF4J_URING};
static const char *state_name[S_N] = {"base", "off", "notify", "auth"};
static const __u32 state_mode[S_N] = {ESF4J_OFF, ESF4J_OFF, ESF4J_NOTIFY, ESF4J_AUTH};

#define MAX_ROUNDS 64
#define DENY_RULES 100

static const char *object_path, *file_path, *exec_path;
static int rounds = 20;
static int settle_ms = 300;
static long iters[H_N] = {8000, 250, 4000, 10000};
static int enabled[H_N] = {1, 1, 1, 1};
static char kernel[32];
static int failed;

/* samples[h][s][r]: per-iteration ns; for base, r = 0..rounds; for the others r = 1..rounds */
static uint64_t *samples[H_N][S_N][MAX_ROUNDS + 1];
static long events_seen[H_N][S_N][MAX_ROUNDS + 1], drops_seen[H_N][S_N][MAX_ROUNDS + 1];

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "hooks: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static inline uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void pin(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set); /* best effort */
}

/* ---- the loops ------------------------------------------------------------------------------ */

static void iter_open(void)
{
	int fd = open(file_path, O_RDONLY);
	if (fd < 0)
		die("open %s: %s", file_path, strerror(errno));
	close(fd);
}

static char *const exec_argv[] = {"hooks-nop", NULL};
static char *const exec_envp[] = {NULL};

static void iter_exec(void)
{
	pid_t pid = vfork();
	if (pid == 0) {
		execve(exec_path, exec_argv, exec_envp);
		_exit(127);
	}
	if (pid < 0)
		die("vfork: %s", strerror(errno));
	int status;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		die("exec %s: child status %#x", exec_path, status);
}

static void iter_bind(void)
{
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		die("socket: %s", strerror(errno));
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	if (bind(s, (struct sockaddr *)&a, sizeof(a)))
		die("bind: %s", strerror(errno));
	close(s);
}

/* io_uring through raw syscalls: one SQE in flight at a time, submitted and reaped in one call. */
static struct {
	int fd, sock;
	unsigned *sq_tail, *sq_mask, *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
} ring = {.fd = -1, .sock = -1};
static char uring_na[160];

/* Submits one SIOCINQ uring command; returns the CQE's result (or -errno of io_uring_enter). */
static int uring_once(void)
{
	unsigned tail = *ring.sq_tail;
	struct io_uring_sqe *sqe = &ring.sqes[tail & *ring.sq_mask];
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = ring.sock;
	sqe->cmd_op = SOCKET_URING_OP_SIOCINQ;
	__atomic_store_n(ring.sq_tail, tail + 1, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, ring.fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0)
		return -errno;
	unsigned head = *ring.cq_head;
	if (head == __atomic_load_n(ring.cq_tail, __ATOMIC_ACQUIRE))
		return -EAGAIN;
	int res = ring.cqes[head & *ring.cq_mask].res;
	__atomic_store_n(ring.cq_head, head + 1, __ATOMIC_RELEASE);
	return res;
}

static void iter_uring(void)
{
	int r = uring_once();
	if (r < 0)
		die("uring_cmd SIOCINQ: %s", strerror(-r));
}

/* Sets the ring up and tries one command; on failure, uring_na says why. */
static void uring_setup(void)
{
	struct io_uring_params p = {0};
	ring.fd = syscall(__NR_io_uring_setup, 4, &p);
	if (ring.fd < 0) {
		snprintf(uring_na, sizeof(uring_na), "io_uring_setup: %s (%s)", strerrorname_np(errno), strerror(errno));
		return;
	}
	size_t sq_len = p.sq_off.array + p.sq_entries * sizeof(__u32);
	size_t cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	if (p.features & IORING_FEAT_SINGLE_MMAP)
		sq_len = cq_len = sq_len > cq_len ? sq_len : cq_len;
	char *sq = mmap(NULL, sq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring.fd, IORING_OFF_SQ_RING);
	char *cq = (p.features & IORING_FEAT_SINGLE_MMAP)
			   ? sq
			   : mmap(NULL, cq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring.fd, IORING_OFF_CQ_RING);
	ring.sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_POPULATE, ring.fd, IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || ring.sqes == MAP_FAILED)
		die("io_uring mmap: %s", strerror(errno));
	ring.sq_tail = (unsigned *)(sq + p.sq_off.tail);
	ring.sq_mask = (unsigned *)(sq + p.sq_off.ring_mask);
	unsigned *array = (unsigned *)(sq + p.sq_off.array);
	for (unsigned i = 0; i < p.sq_entries; i++)
		array[i] = i;
	ring.cq_head = (unsigned *)(cq + p.cq_off.head);
	ring.cq_tail = (unsigned *)(cq + p.cq_off.tail);
	ring.cq_mask = (unsigned *)(cq + p.cq_off.ring_mask);
	ring.cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
	ring.sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (ring.sock < 0)
		die("socket: %s", strerror(errno));
	int r = uring_once();
	if (r < 0)
		snprintf(uring_na, sizeof(uring_na), "IORING_OP_URING_CMD SOCKET_URING_OP_SIOCINQ on a socket: %s (%s)",
			 strerrorname_np(-r), strerror(-r));
}

static void (*const iter_fn[H_N])(void) = {iter_open, iter_exec, iter_bind, iter_uring};

/* Warm-up (a tenth, at least 5), then n timed iterations into a new array. */
static uint64_t *run_loop(int h)
{
	long n = iters[h], warm = n / 10 < 5 ? 5 : n / 10;
	void (*fn)(void) = iter_fn[h];
	uint64_t *t = malloc(n * sizeof(*t));
	if (!t)
		die("out of memory");
	for (long i = 0; i < warm; i++)
		fn();
	for (long i = 0; i < n; i++) {
		uint64_t a = now_ns();
		fn();
		t[i] = now_ns() - a;
	}
	return t;
}

/* ---- the object ----------------------------------------------------------------------------- */

static struct bpf_object *obj;
static struct bpf_link *links[16];
static int nlinks;
static struct ring_buffer *rb;
static int cfg_fd, drops_fd;
static long ev_count[ESF4J_TYPES];
static volatile int consumer_stop;
static pthread_t consumer_thread;

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

static int on_event(void *ctx, void *data, size_t len)
{
	const struct esf4j_event *e = data;
	(void)ctx;
	if (len >= sizeof(*e) && e->type < ESF4J_TYPES)
		ev_count[e->type]++;
	return 0;
}

static void load(void)
{
	obj = bpf_object__open_file(object_path, NULL);
	if (!obj || bpf_object__load(obj))
		die("load %s: %s", object_path, strerror(errno));
	struct bpf_program *p;
	nlinks = 0;
	bpf_object__for_each_program(p, obj) {
		if (nlinks == (int)(sizeof(links) / sizeof(links[0])))
			die("too many programs");
		links[nlinks] = bpf_program__attach(p);
		if (!links[nlinks])
			die("attach %s: %s", bpf_program__name(p), strerror(errno));
		nlinks++;
	}
	cfg_fd = bpf_object__find_map_fd_by_name(obj, "config");
	drops_fd = bpf_object__find_map_fd_by_name(obj, "drops");
	rb = ring_buffer__new(bpf_object__find_map_fd_by_name(obj, "events"), on_event, NULL, NULL);
	if (cfg_fd < 0 || drops_fd < 0 || !rb)
		die("maps of %s missing", object_path);
}

static void unload(void)
{
	ring_buffer__free(rb);
	rb = NULL;
	for (int i = 0; i < nlinks; i++)
		bpf_link__destroy(links[i]);
	nlinks = 0;
	bpf_object__close(obj);
	obj = NULL;
}

static void set_mode(__u32 type, __u32 mode)
{
	if (bpf_map_update_elem(cfg_fd, &type, &mode, BPF_ANY))
		die("config: %s", strerror(errno));
}

static long drops_of(__u32 type)
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 v[ncpu > 0 ? ncpu : 1];
	long sum = 0;
	if (ncpu > 0 && bpf_map_lookup_elem(drops_fd, &type, v) == 0)
		for (int i = 0; i < ncpu; i++)
			sum += v[i];
	return sum;
}

static void *consumer(void *arg)
{
	(void)arg;
	if (sysconf(_SC_NPROCESSORS_ONLN) > 1)
		pin(1);
	while (!consumer_stop)
		ring_buffer__poll(rb, 50);
	return NULL;
}

static void consumer_start(void)
{
	consumer_stop = 0;
	if (pthread_create(&consumer_thread, NULL, consumer, NULL))
		die("pthread_create failed");
}

static void consumer_end(void)
{
	consumer_stop = 1;
	pthread_join(consumer_thread, NULL);
	while (ring_buffer__consume(rb) > 0)
		;
}

/* DENY_RULES rules for objects that are not the ones the loop touches (deny_bind holds at most
 * ESF4J_MAX_BIND_RULES: all of them, none covering port 0). */
static void deny_rules(int h, int add)
{
	struct stat st;
	__u8 one = 1;
	int fd;
	switch (h) {
	case H_OPEN:
	case H_EXEC:
		fd = bpf_object__find_map_fd_by_name(obj, h == H_OPEN ? "deny_open" : "deny_exec");
		if (stat(h == H_OPEN ? file_path : exec_path, &st))
			die("stat: %s", strerror(errno));
		for (int i = 0; i < DENY_RULES; i++) {
			struct esf4j_file_key k = {.dev = st.st_dev, .ino = 0x40000000ull + i};
			if (add ? bpf_map_update_elem(fd, &k, &one, BPF_ANY) : bpf_map_delete_elem(fd, &k))
				die("deny rule: %s", strerror(errno));
		}
		break;
	case H_BIND:
		fd = bpf_object__find_map_fd_by_name(obj, "deny_bind");
		for (__u32 i = 0; i < ESF4J_MAX_BIND_RULES; i++) {
			struct esf4j_bind_rule r = {0};
			if (add)
				r = (struct esf4j_bind_rule){.family = i % 2 ? 10 : 2, .low = 1024 + 100 * i,
							     .high = 1024 + 100 * i + 50, .used = 1};
			if (bpf_map_update_elem(fd, &i, &r, BPF_ANY))
				die("deny rule: %s", strerror(errno));
		}
		break;
	case H_URING:
		fd = bpf_object__find_map_fd_by_name(obj, "deny_uring");
		if (fstat(ring.sock, &st))
			die("fstat: %s", strerror(errno));
		for (int i = 0; i < DENY_RULES; i++) {
			struct esf4j_uring_key k = {.dev = st.st_dev, .ino = 0x40000000ull + i,
						    .op = i % 2 ? 0xffffffffu : SOCKET_URING_OP_SIOCINQ};
			if (add ? bpf_map_update_elem(fd, &k, &one, BPF_ANY) : bpf_map_delete_elem(fd, &k))
				die("deny rule: %s", strerror(errno));
		}
		break;
	}
}

static void measure_loaded(int h, int s, int r)
{
	__u32 type = hook_type[h];
	if (s == S_AUTH)
		deny_rules(h, 1);
	set_mode(type, state_mode[s]);
	long drops0 = drops_of(type);
	memset(ev_count, 0, sizeof(ev_count));
	if (s >= S_NOTIFY)
		consumer_start();
	samples[h][s][r] = run_loop(h);
	set_mode(type, ESF4J_OFF);
	if (s >= S_NOTIFY)
		consumer_end();
	events_seen[h][s][r] = ev_count[type];
	drops_seen[h][s][r] = drops_of(type) - drops0;
	if (s == S_AUTH)
		deny_rules(h, 0);
	/* every timed and warm-up iteration is one event of the type (others' events may add some) */
	long want = iters[h] + (iters[h] / 10 < 5 ? 5 : iters[h] / 10);
	if (s >= S_NOTIFY && events_seen[h][s][r] + drops_seen[h][s][r] < want) {
		fprintf(stderr, "hooks: %s %s round %d: %ld events + %ld drops, expected %ld\n", hook_name[h],
			state_name[s], r, events_seen[h][s][r], drops_seen[h][s][r], want);
		failed = 1;
	}
}

/* ---- statistics ----------------------------------------------------------------------------- */

struct stats {
	long n;
	double p50, p99, mean;
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static double pct(const uint64_t *sorted, long n, double p) /* nearest rank */
{
	long i = (long)(p * n + 0.999999) - 1;
	return sorted[i < 0 ? 0 : i >= n ? n - 1 : i];
}

static struct stats stats_of(uint64_t *const *arrays, int count, long n_each)
{
	struct stats st = {.n = n_each * count};
	uint64_t *all = malloc(st.n * sizeof(*all));
	double sum = 0;
	for (int i = 0; i < count; i++)
		memcpy(all + i * n_each, arrays[i], n_each * sizeof(*all));
	qsort(all, st.n, sizeof(*all), cmp_u64);
	for (long i = 0; i < st.n; i++)
		sum += all[i];
	st.p50 = pct(all, st.n, 0.50);
	st.p99 = pct(all, st.n, 0.99);
	st.mean = sum / st.n;
	free(all);
	return st;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The q-quantile of v[0..n) (sorts v), interpolated linearly between ranks. */
static double quantile(double *v, int n, double q)
{
	qsort(v, n, sizeof(*v), cmp_double);
	double x = q * (n - 1);
	int i = (int)x;
	return i + 1 < n ? v[i] + (x - i) * (v[i + 1] - v[i]) : v[n - 1];
}

static void report(int h)
{
	long n = iters[h];
	if (!enabled[h])
		return;
	if (h == H_URING && uring_na[0]) {
		for (int s = 0; s < S_N; s++)
			printf("hooks kernel=%s hook=%s state=%s na=\"%s\"\n", kernel, hook_name[h], state_name[s], uring_na);
		return;
	}
	double base_p50[MAX_ROUNDS + 1], tmp[MAX_ROUNDS + 1];
	for (int r = 0; r <= rounds; r++) {
		struct stats st = stats_of(&samples[h][S_BASE][r], 1, n);
		base_p50[r] = tmp[r] = st.p50;
		printf("hooks-rep kernel=%s hook=%s state=base rep=%d n=%ld p50_ns=%.0f p99_ns=%.0f mean_ns=%.0f\n", kernel,
		       hook_name[h], r, st.n, st.p50, st.p99, st.mean);
	}
	double base_med = quantile(tmp, rounds + 1, 0.5), base_floor = quantile(tmp, rounds + 1, 0.1);
	struct stats base = stats_of(&samples[h][S_BASE][0], rounds + 1, n);
	double bq1 = quantile(tmp, rounds + 1, 0.25), bq3 = quantile(tmp, rounds + 1, 0.75); /* tmp now sorted */
	int slow = 0;
	for (int r = 0; r <= rounds; r++)
		slow += base_p50[r] > 1.2 * base_med;
	printf("hooks kernel=%s hook=%s state=base n=%ld p50_ns=%.0f p99_ns=%.0f mean_ns=%.0f ratio_p50=1.000 "
	       "ratio_med=1.000 ratio_q1=%.3f ratio_q3=%.3f ratio_min=%.3f ratio_max=%.3f slow_reps=%d ratio_p99=1.000 events=0 drops=0\n",
	       kernel, hook_name[h], base.n, base.p50, base.p99, base.mean, bq1 / base_med, bq3 / base_med,
	       tmp[0] / base_med, tmp[rounds] / base_med, slow);
	for (int s = S_OFF; s < S_N; s++) {
		double p50[MAX_ROUNDS], ratio[MAX_ROUNDS];
		long ev = 0, dr = 0;
		for (int r = 1; r <= rounds; r++) {
			struct stats st = stats_of(&samples[h][s][r], 1, n);
			p50[r - 1] = st.p50;
			ratio[r - 1] = st.p50 / ((base_p50[r - 1] + base_p50[r]) / 2);
			ev += events_seen[h][s][r];
			dr += drops_seen[h][s][r];
			printf("hooks-rep kernel=%s hook=%s state=%s rep=%d n=%ld p50_ns=%.0f p99_ns=%.0f mean_ns=%.0f "
			       "ratio_p50=%.3f events=%ld drops=%ld\n",
			       kernel, hook_name[h], state_name[s], r, st.n, st.p50, st.p99, st.mean, ratio[r - 1],
			       events_seen[h][s][r], drops_seen[h][s][r]);
		}
		struct stats st = stats_of(&samples[h][s][1], rounds, n);
		double med = quantile(p50, rounds, 0.5), low = quantile(p50, rounds, 0.1);
		double q1 = quantile(ratio, rounds, 0.25), q3 = quantile(ratio, rounds, 0.75); /* ratio now sorted */
		printf("hooks kernel=%s hook=%s state=%s n=%ld p50_ns=%.0f p99_ns=%.0f mean_ns=%.0f ratio_p50=%.3f "
		       "ratio_med=%.3f ratio_q1=%.3f ratio_q3=%.3f ratio_min=%.3f ratio_max=%.3f ratio_p99=%.3f events=%ld drops=%ld\n",
		       kernel, hook_name[h], state_name[s], st.n, st.p50, st.p99, st.mean,
		       low / base_floor, med / base_med, q1, q3, ratio[0], ratio[rounds - 1], st.p99 / base.p99, ev, dr);
	}
}

/* ---- main ----------------------------------------------------------------------------------- */

static void usage(void)
{
	fprintf(stderr, "usage: hooks --object OBJ --file FILE --exec PROG [--rounds R] [--settle-ms MS] [--open N]\n"
			"             [--exec-n N] [--bind N] [--uring N] [--hooks open,exec,bind,uring_cmd]\n");
	exit(64);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"object", required_argument, 0, 'o'}, {"file", required_argument, 0, 'f'},
		{"exec", required_argument, 0, 'e'},   {"rounds", required_argument, 0, 'r'},
		{"open", required_argument, 0, 1},     {"exec-n", required_argument, 0, 2},
		{"bind", required_argument, 0, 3},     {"uring", required_argument, 0, 4},
		{"hooks", required_argument, 0, 'H'},  {"settle-ms", required_argument, 0, 's'},
		{0, 0, 0, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'o': object_path = optarg; break;
		case 'f': file_path = optarg; break;
		case 'e': exec_path = optarg; break;
		case 'r': rounds = atoi(optarg); break;
		case 's': settle_ms = atoi(optarg); break;
		case 1: case 2: case 3: case 4: iters[c - 1] = atol(optarg); break;
		case 'H':
			for (int h = 0; h < H_N; h++)
				enabled[h] = strstr(optarg, hook_name[h]) != NULL;
			break;
		default: usage();
		}
	}
	if (!object_path || !file_path || !exec_path || rounds < 1 || rounds > MAX_ROUNDS)
		usage();
	for (int h = 0; h < H_N; h++)
		if (iters[h] < 1)
			usage();

	struct utsname u;
	uname(&u);
	int major = 0, minor = 0;
	sscanf(u.release, "%d.%d", &major, &minor);
	snprintf(kernel, sizeof(kernel), "%d.%d", major, minor);
	setvbuf(stdout, NULL, _IOLBF, 0);
	libbpf_set_print(libbpf_log);
	pin(0);
	uring_setup();
	if (enabled[H_URING] && uring_na[0])
		fprintf(stderr, "hooks: uring_cmd n/a: %s\n", uring_na);
	int run[H_N];
	for (int h = 0; h < H_N; h++)
		run[h] = enabled[h] && !(h == H_URING && uring_na[0]);

	uint64_t t0 = now_ns();
	for (int r = 0; r <= rounds; r++) {
		for (int h = 0; h < H_N; h++)
			if (run[h])
				samples[h][S_BASE][r] = run_loop(h);
		fprintf(stderr, "hooks: base %d done (%.1f s)\n", r, (now_ns() - t0) / 1e9);
		if (r == rounds)
			break;
		uint64_t l0 = now_ns();
		load();
		fprintf(stderr, "hooks: round %d: loaded and attached %d programs in %.1f s\n", r + 1, nlinks,
			(now_ns() - l0) / 1e9);
		usleep(settle_ms * 1000); /* let the attach's deferred work (RCU, text patching) pass */
		for (int h = 0; h < H_N; h++)
			if (run[h])
				for (int i = 0; i < S_N - 1; i++) /* off, notify, auth; then notify, auth, off; ... */
					measure_loaded(h, S_OFF + (i + r) % (S_N - 1), r + 1);
		unload();
		usleep(settle_ms * 1000); /* the detach's deferred work (trampolines freed after RCU) */
		fprintf(stderr, "hooks: round %d done (%.1f s)\n", r + 1, (now_ns() - t0) / 1e9);
	}
	for (int h = 0; h < H_N; h++)
		report(h);
	return failed;
}
