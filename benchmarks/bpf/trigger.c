// SPDX-License-Identifier: GPL-2.0-only
/*
 * Producer for a ring buffer consumer in another process (the Java benchmark): calls getppid()
 * in a tight loop (or at --rate calls/s) on one CPU for --seconds (or --events calls). A
 * consumer that loaded ringbuf.bpf.o and wrote this process's pid into its "target" map gets
 * one esf4j_event (or one counted drop) per call; see the protocol at the top of ringbuf.bpf.c.
 *
 *   trigger [--seconds N] [--events N] [--rate N] [--cpu N] [--wait-stdin]
 *
 * Prints "trigger pid=PID" first (flushed), so a parent can set "target" before the calls
 * start; with --wait-stdin it then waits for a line (or end of file) on stdin before calling,
 * without it the consumer must set "target" first (e.g. from Process.pid() before writing the
 * line). When done it prints
 *   trigger calls=N seconds=S calls_per_s=X
 * where calls = getppid() calls made (consumed + drops on the consumer side).
 *
 * Build: gcc -O2 -Wall -o trigger trigger.c   (or benchmarks/bpf/build --tools). No libbpf.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void usage(void)
{
	fprintf(stderr, "usage: trigger [--seconds N] [--events N] [--rate N] [--cpu N] [--wait-stdin]\n");
	exit(64);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"seconds", required_argument, 0, 's'}, {"events", required_argument, 0, 'n'},
		{"rate", required_argument, 0, 'r'},	{"cpu", required_argument, 0, 'c'},
		{"wait-stdin", no_argument, 0, 'w'},	{0, 0, 0, 0},
	};
	double seconds = 5;
	uint64_t max_events = 0, rate = 0;
	int cpu = -1, wait_stdin = 0, o;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 's': seconds = atof(optarg); break;
		case 'n': max_events = strtoull(optarg, NULL, 0); break;
		case 'r': rate = strtoull(optarg, NULL, 0); break;
		case 'c': cpu = atoi(optarg); break;
		case 'w': wait_stdin = 1; break;
		default: usage();
		}
	}
	if (optind != argc || seconds <= 0)
		usage();
	if (cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			perror("trigger: sched_setaffinity");
			return 1;
		}
	}
	printf("trigger pid=%d\n", getpid());
	fflush(stdout);
	if (wait_stdin) {
		char line[64];
		if (!fgets(line, sizeof(line), stdin) && ferror(stdin)) {
			perror("trigger: stdin");
			return 1;
		}
	}

	uint64_t t0 = now_ns(), end = t0 + (uint64_t)(seconds * 1e9), n = 0, t = t0;
	double period = rate ? 1e9 / (double)rate : 0;
	for (;;) {
		if ((n & 63) == 0 || rate) { /* every 64 calls in a tight loop: about a microsecond */
			t = now_ns();
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
	t = now_ns();
	printf("trigger calls=%llu seconds=%.3f calls_per_s=%.0f\n", (unsigned long long)n, (t - t0) / 1e9,
	       n / ((t - t0) / 1e9));
	return 0;
}
