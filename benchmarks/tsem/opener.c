/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The workload of the TSEM hook-to-decision benchmark: opens FILE N times, timing each open(2)
 * with CLOCK_MONOTONIC (in a modeling namespace each open waits until the orchestrator releases
 * it), and prints the percentiles in microseconds on one line.
 *
 *   opener FILE N
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static long long now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return x < y ? -1 : x > y;
}

static double pct(long long *v, int n, double p)
{
	int i = (int)(p / 100.0 * n + 0.999999) - 1;
	if (i < 0)
		i = 0;
	if (i >= n)
		i = n - 1;
	return v[i] / 1000.0;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: opener FILE N\n");
		return 64;
	}
	int n = atoi(argv[2]);
	if (n <= 0)
		return 64;
	long long *lat = calloc((size_t)n, sizeof(*lat));
	if (!lat)
		return 1;
	for (int i = 0; i < n; i++) {
		long long t0 = now();
		int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
		lat[i] = now() - t0;
		if (fd < 0) {
			perror("open");
			return 1;
		}
		close(fd);
	}
	qsort(lat, (size_t)n, sizeof(*lat), cmp);
	printf("opens=%d p50=%.1f p90=%.1f p99=%.1f p99.9=%.1f max=%.1f\n", n, pct(lat, n, 50), pct(lat, n, 90),
	       pct(lat, n, 99), pct(lat, n, 99.9), lat[n - 1] / 1000.0);
	return 0;
}
