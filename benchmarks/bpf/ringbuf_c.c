// SPDX-License-Identifier: GPL-2.0-only
/*
 * C baseline of the ring buffer consumer benchmark: libbpf's ring_buffer consumer against
 * ringbuf.bpf.o (see the protocol at the top of ringbuf.bpf.c).
 *
 * A producer pinned to --producer-cpu calls getppid() in a tight loop (or at --rate calls/s) for
 * --seconds (or --events calls); each call while its tgid is in the "target" map makes the BPF
 * program reserve, fill and submit one 936-byte esf4j_event. The producer is
 *
 *   --producer thread   (default) a thread of this process
 *   --producer process  the trigger program (trigger.c; next to this executable or in its
 *                       parent directory, or --trigger PATH) as a child process: the setup of
 *                       a consumer in another process such as the Java one, so the like-for-like
 *                       baseline for it
 *
 * The main thread, pinned to --consumer-cpu, consumes:
 *
 *   epoll  ring_buffer__poll(): epoll_wait on the map fd, then drain (the LSM backend's shape)
 *   spin   ring_buffer__consume() in a loop, never sleeping
 *
 * For every record the callback reads ktime_ns in place and records the delivery latency
 * clock_gettime(CLOCK_MONOTONIC) - ktime_ns in a log-linear histogram (64 sub-buckets per power
 * of two: under 1.6 % error; the max is exact). It also checks the record (size, type, pid) and
 * the producing CPU's sequence in flags: out of order is bad, the gaps must add up to the drops.
 *
 * Output, one line per run:
 *   ringbuf c-<mode> producer=thread|process producer_cpu=P consumer_cpu=C ring_bytes=B
 *     seconds=S rate=R produced=N consumed=N drops=N lost=N gaps=N bad=N polls=N events_per_s=X
 *     p50_us=X p90_us=X p99_us=X p999_us=X max_us=X
 * produced = getppid() calls made while targeted; drops = the per-CPU "drops" map summed;
 * lost = produced - consumed - drops (must be 0); gaps = sequence numbers missing from the
 * records (must equal drops); bad = malformed or out-of-order records (must be 0);
 * polls = ring_buffer__poll/consume calls that returned at least one record;
 * events_per_s = consumed / (producer start .. last record).
 *
 * Build: gcc -O2 -Wall -o ringbuf_c ringbuf_c.c -lbpf -lpthread   (or benchmarks/bpf/build --tools)
 * Run (root): ringbuf_c [--object PATH] [--seconds N] [--events N] [--rate N] [--ring-bytes N]
 *             [--mode epoll|spin] [--producer-cpu N] [--consumer-cpu N]
 *             [--producer thread|process] [--trigger PATH]
 * Exit status: 0 when every call is accounted for (consumed + drops, gaps = drops, nothing bad),
 * 2 when not, 1 on errors, 64 on usage errors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "../../backend-bpf-lsm/src/main/bpf/esf4j.h"

_Static_assert(sizeof(struct esf4j_event) == 936, "esf4j_event must be 936 bytes");

/* ---- log-linear latency histogram (ns) --------------------------------------------------------- */

#define SUB_BITS 6
#define SUB (1 << SUB_BITS)
#define BUCKETS (64 * SUB)

static uint64_t hist[BUCKETS];
static uint64_t hist_n, hist_max;

static unsigned bucket_of(uint64_t v)
{
	if (v < SUB)
		return (unsigned)v;
	unsigned e = 63 - __builtin_clzll(v); /* >= SUB_BITS */
	return (e - SUB_BITS + 1) * SUB + (unsigned)((v >> (e - SUB_BITS)) & (SUB - 1));
}

static uint64_t bucket_high(unsigned b) /* largest value in bucket b */
{
	if (b < SUB)
		return b;
	unsigned e = b / SUB + SUB_BITS - 1, sub = b % SUB;
	return (((uint64_t)(SUB + sub) + 1) << (e - SUB_BITS)) - 1;
}

static void record(uint64_t v)
{
	hist[bucket_of(v)]++;
	hist_n++;
	if (v > hist_max)
		hist_max = v;
}

static double percentile_us(double p)
{
	if (hist_n == 0)
		return 0;
	uint64_t rank = (uint64_t)(p * (double)hist_n + 0.5), seen = 0;
	if (rank < 1)
		rank = 1;
	for (unsigned b = 0; b < BUCKETS; b++) {
		seen += hist[b];
		if (seen >= rank) {
			uint64_t v = bucket_high(b);
			return (v > hist_max ? hist_max : v) / 1000.0;
		}
	}
	return hist_max / 1000.0;
}

/* ---- options, state ------------------------------------------------------------------------------ */

static const char *object = NULL;
static double seconds = 5;
static uint64_t max_events = 0; /* 0 = until --seconds */
static uint64_t rate = 0;       /* calls/s, 0 = tight loop */
static uint32_t ring_bytes = 1 << 22;
static int spin = 0;
static int producer_cpu = 0, consumer_cpu = 1;
static int process = 0;
static const char *trigger = NULL;

static atomic_int producer_done;
static uint64_t produced;
static uint64_t start_ns;

static uint32_t self_tgid;
static uint64_t consumed, bad, gaps;
static uint64_t last_record_ns;
static int ncpus;
static uint32_t *last_seq; /* per producing CPU (the record's ppid), from its flags */

static uint64_t now_ns(void)
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
	int err = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	if (err) {
		fprintf(stderr, "ringbuf_c: cannot pin to CPU %d: %s\n", cpu, strerror(err));
		exit(1);
	}
}

static void on_sigchld(int sig)
{
	(void)sig;
	atomic_store_explicit(&producer_done, 1, memory_order_release);
}

/* Path of a file next to this executable or in its parent directory (the object sits in
 * benchmarks/bpf/, the programs in benchmarks/bpf/target/), else the bare name. */
static const char *beside_exe(const char *name)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return name;
	exe[n] = 0;
	char *slash = strrchr(exe, '/');
	*slash = 0;
	char *path = malloc(strlen(exe) + strlen(name) + 2);
	sprintf(path, "%s/%s", exe, name);
	if (access(path, R_OK) == 0)
		return path;
	if ((slash = strrchr(exe, '/'))) {
		*slash = 0;
		sprintf(path, "%s/%s", exe, name);
		if (access(path, R_OK) == 0)
			return path;
	}
	return name;
}

/* Starts the trigger with --wait-stdin; returns its pid, with *in (its stdin) and *out (its
 * stdout, past the "trigger pid=" line). */
static pid_t spawn_trigger(FILE **in, FILE **out)
{
	int to[2], from[2];
	if (pipe2(to, O_CLOEXEC) || pipe2(from, O_CLOEXEC)) {
		perror("ringbuf_c: pipe");
		exit(1);
	}
	char secs[32], cpu[16], evs[32], rt[32];
	snprintf(secs, sizeof(secs), "%g", seconds);
	snprintf(cpu, sizeof(cpu), "%d", producer_cpu);
	snprintf(evs, sizeof(evs), "%llu", (unsigned long long)max_events);
	snprintf(rt, sizeof(rt), "%llu", (unsigned long long)rate);
	char *args[] = {(char *)trigger, "--seconds", secs, "--cpu", cpu, "--events", evs, "--rate", rt,
			"--wait-stdin", NULL};
	pid_t pid = fork();
	if (pid < 0) {
		perror("ringbuf_c: fork");
		exit(1);
	}
	if (pid == 0) {
		dup2(to[0], 0);
		dup2(from[1], 1);
		execv(trigger, args);
		fprintf(stderr, "ringbuf_c: cannot run %s: %s\n", trigger, strerror(errno));
		_exit(127);
	}
	close(to[0]);
	close(from[1]);
	*in = fdopen(to[1], "w");
	*out = fdopen(from[0], "r");
	char line[128];
	int child = 0;
	if (!fgets(line, sizeof(line), *out) || sscanf(line, "trigger pid=%d", &child) != 1 || child != pid) {
		fprintf(stderr, "ringbuf_c: %s did not start\n", trigger);
		exit(1);
	}
	return pid;
}

static void *producer(void *arg)
{
	(void)arg;
	pin(producer_cpu);
	uint64_t t0 = now_ns(), end = t0 + (uint64_t)(seconds * 1e9), n = 0;
	double period = rate ? 1e9 / (double)rate : 0;
	start_ns = t0;
	for (;;) {
		/* check the clock every 64 calls in a tight loop (about a microsecond apart) */
		if ((n & 63) == 0 || rate) {
			uint64_t t = now_ns();
			if (t >= end)
				break;
			if (rate) {
				uint64_t due = t0 + (uint64_t)(period * (double)n);
				while (t < due) {
					__builtin_ia32_pause();
					t = now_ns();
				}
			}
		}
		if (max_events && n >= max_events)
			break;
		syscall(SYS_getppid);
		n++;
	}
	produced = n;
	atomic_store_explicit(&producer_done, 1, memory_order_release);
	return NULL;
}

static int on_record(void *ctx, void *data, size_t size)
{
	(void)ctx;
	uint64_t t = now_ns();
	const struct esf4j_event *e = data;
	if (size != sizeof(*e) || e->type != ESF4J_OPEN || e->pid != self_tgid || e->ppid >= (uint32_t)ncpus ||
	    e->flags <= last_seq[e->ppid]) {
		bad++;
		return 0;
	}
	gaps += e->flags - last_seq[e->ppid] - 1;
	last_seq[e->ppid] = e->flags;
	record(t > e->ktime_ns ? t - e->ktime_ns : 0);
	consumed++;
	last_record_ns = t;
	return 0;
}

static uint64_t sum_drops(int fd)
{
	uint64_t *v = calloc(ncpus, sizeof(uint64_t)), sum = 0;
	__u32 key = ESF4J_OPEN;
	if (v && bpf_map_lookup_elem(fd, &key, v) == 0)
		for (int i = 0; i < ncpus; i++)
			sum += v[i];
	free(v);
	return sum;
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list args)
{
	return level == LIBBPF_DEBUG ? 0 : vfprintf(stderr, fmt, args);
}

static void usage(void)
{
	fprintf(stderr, "usage: ringbuf_c [--object PATH] [--seconds N] [--events N] [--rate N] [--ring-bytes N]\n"
			"                 [--mode epoll|spin] [--producer-cpu N] [--consumer-cpu N]\n"
			"                 [--producer thread|process] [--trigger PATH]\n");
	exit(64);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"object", required_argument, 0, 'o'},	     {"seconds", required_argument, 0, 's'},
		{"events", required_argument, 0, 'n'},	     {"rate", required_argument, 0, 'r'},
		{"ring-bytes", required_argument, 0, 'b'},   {"mode", required_argument, 0, 'm'},
		{"producer-cpu", required_argument, 0, 'p'}, {"consumer-cpu", required_argument, 0, 'c'},
		{"producer", required_argument, 0, 'P'},     {"trigger", required_argument, 0, 't'},
		{0, 0, 0, 0},
	};
	const char *producer_arg = "thread";
	int o;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'o': object = optarg; break;
		case 's': seconds = atof(optarg); break;
		case 'n': max_events = strtoull(optarg, NULL, 0); break;
		case 'r': rate = strtoull(optarg, NULL, 0); break;
		case 'b': ring_bytes = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'm':
			if (!strcmp(optarg, "spin"))
				spin = 1;
			else if (!strcmp(optarg, "epoll"))
				spin = 0;
			else
				usage();
			break;
		case 'p': producer_cpu = atoi(optarg); break;
		case 'c': consumer_cpu = atoi(optarg); break;
		case 'P':
			producer_arg = optarg;
			if (!strcmp(optarg, "process"))
				process = 1;
			else if (strcmp(optarg, "thread"))
				usage();
			break;
		case 't': trigger = optarg; break;
		default: usage();
		}
	}
	if (optind != argc || seconds <= 0)
		usage();
	if (!object)
		object = beside_exe("ringbuf.bpf.o");
	if (!trigger)
		trigger = beside_exe("trigger");

	libbpf_set_print(quiet);
	ncpus = libbpf_num_possible_cpus();
	last_seq = calloc(ncpus, sizeof(*last_seq));
	self_tgid = getpid();

	struct bpf_object *obj = bpf_object__open_file(object, NULL);
	if (!obj) {
		fprintf(stderr, "ringbuf_c: cannot open %s: %s\n", object, strerror(errno));
		return 1;
	}
	struct bpf_map *events = bpf_object__find_map_by_name(obj, "events");
	struct bpf_program *prog = bpf_object__find_program_by_name(obj, "ringbuf_produce");
	if (!events || !prog) {
		fprintf(stderr, "ringbuf_c: %s has no map 'events' or program 'ringbuf_produce'\n", object);
		return 1;
	}
	int err = bpf_map__set_max_entries(events, ring_bytes);
	if (!err)
		err = bpf_object__load(obj);
	if (err) {
		fprintf(stderr, "ringbuf_c: cannot load %s: %s\n", object, strerror(-err));
		return 1;
	}
	int target_fd = bpf_object__find_map_fd_by_name(obj, "target");
	int drops_fd = bpf_object__find_map_fd_by_name(obj, "drops");
	__u32 zero = 0;
	pin(consumer_cpu);
	FILE *trigger_in = NULL, *trigger_out = NULL;
	pid_t child = 0;
	__u32 target_tgid = self_tgid;
	if (process) {
		struct sigaction sa = {.sa_handler = on_sigchld};
		sigaction(SIGCHLD, &sa, NULL);
		child = spawn_trigger(&trigger_in, &trigger_out);
		target_tgid = child;
		self_tgid = child; /* the records' pid */
	}
	if (bpf_map_update_elem(target_fd, &zero, &target_tgid, BPF_ANY)) {
		fprintf(stderr, "ringbuf_c: cannot set target: %s\n", strerror(errno));
		return 1;
	}
	struct bpf_link *link = bpf_program__attach(prog);
	if (!link) {
		fprintf(stderr, "ringbuf_c: cannot attach: %s\n", strerror(errno));
		return 1;
	}
	struct ring_buffer *rb = ring_buffer__new(bpf_map__fd(events), on_record, NULL, NULL);
	if (!rb) {
		fprintf(stderr, "ringbuf_c: ring_buffer__new: %s\n", strerror(errno));
		return 1;
	}

	pthread_t thread;
	if (process) {
		start_ns = now_ns();
		fputc('\n', trigger_in);
		fflush(trigger_in);
	} else if ((err = pthread_create(&thread, NULL, producer, NULL))) {
		fprintf(stderr, "ringbuf_c: pthread_create: %s\n", strerror(err));
		return 1;
	}
	uint64_t polls = 0;
	for (;;) {
		int done = atomic_load_explicit(&producer_done, memory_order_acquire);
		int n = spin ? ring_buffer__consume(rb) : ring_buffer__poll(rb, 100);
		if (n < 0 && n != -EINTR) {
			fprintf(stderr, "ringbuf_c: %s: %s\n", spin ? "ring_buffer__consume" : "ring_buffer__poll",
				strerror(-n));
			return 1;
		}
		if (n > 0)
			polls++;
		/* the producer's last submit happened before it set done: one more drain empties the ring */
		if (done && n <= 0)
			break;
	}
	if (process) {
		int status;
		char line[256];
		unsigned long long calls;
		waitpid(child, &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !fgets(line, sizeof(line), trigger_out) ||
		    sscanf(line, "trigger calls=%llu", &calls) != 1) {
			fprintf(stderr, "ringbuf_c: %s failed\n", trigger);
			return 1;
		}
		produced = calls;
	} else {
		pthread_join(thread, NULL);
	}
	__u32 none = 0;
	bpf_map_update_elem(target_fd, &zero, &none, BPF_ANY);

	uint64_t drops = sum_drops(drops_fd);
	/* records dropped after each CPU's last consumed one are gaps too: the "seq" map has the last
	 * number each CPU handed out */
	uint64_t *last = calloc(ncpus, sizeof(uint64_t));
	if (last && bpf_map_lookup_elem(bpf_object__find_map_fd_by_name(obj, "seq"), &zero, last) == 0)
		for (int i = 0; i < ncpus; i++)
			gaps += last[i] - last_seq[i];
	free(last);
	uint64_t elapsed = (last_record_ns > start_ns ? last_record_ns : now_ns()) - start_ns;
	printf("ringbuf c-%s producer=%s producer_cpu=%d consumer_cpu=%d ring_bytes=%u seconds=%g rate=%llu produced=%llu "
	       "consumed=%llu drops=%llu lost=%lld gaps=%llu bad=%llu polls=%llu events_per_s=%.0f p50_us=%.2f p90_us=%.2f "
	       "p99_us=%.2f p999_us=%.2f max_us=%.2f\n",
	       spin ? "spin" : "epoll", producer_arg, producer_cpu, consumer_cpu, ring_bytes, seconds, (unsigned long long)rate,
	       (unsigned long long)produced, (unsigned long long)consumed, (unsigned long long)drops,
	       (long long)(produced - consumed - drops), (unsigned long long)gaps, (unsigned long long)bad, (unsigned long long)polls,
	       consumed / (elapsed / 1e9), percentile_us(0.50), percentile_us(0.90), percentile_us(0.99),
	       percentile_us(0.999), hist_max / 1000.0);
	ring_buffer__free(rb);
	bpf_link__destroy(link);
	bpf_object__close(obj);
	return produced == consumed + drops && gaps == drops && bad == 0 ? 0 : 2;
}
