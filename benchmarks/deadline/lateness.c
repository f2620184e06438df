// SPDX-License-Identifier: Apache-2.0
/*
 * lateness: the floor under any user-space deadline watchdog. One thread sleeps until an absolute
 * CLOCK_MONOTONIC deadline (clock_nanosleep TIMER_ABSTIME), SAMPLES times, PERIOD_US apart, and
 * records how late it woke. Whatever load starves that thread starves a Java watchdog too, so the
 * Java figures of benchmarks/deadline/run are read against this one, measured under the same load.
 *
 *   lateness PERIOD_US SAMPLES [NICE]
 *   lateness --open FILE SAMPLES
 *
 * Prints one line: "c-timer n=N p50=… p99=… p99.9=… max=… (µs late)". With --open it is the
 * opener of the Java run instead, and the independent witness of its deadlines: it opens FILE
 * SAMPLES times and prints how long each open(2) took ("open n=N p50=… (µs)").
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int cmp(const void *a, const void *b) {
    long long x = *(const long long *) a, y = *(const long long *) b;
    return x < y ? -1 : x > y;
}

static double pct(const long long *v, int n, double p) {
    int i = (int) (p * (n - 1) + 0.5);
    return v[i] / 1000.0;
}

static int opens(const char *file, int n) {
    long long *took = calloc(n, sizeof *took);
    if (!took) {
        return 1;
    }
    for (int i = 0; i < n; i++) {
        long long t0 = now_ns();
        int fd = open(file, O_RDONLY | O_CLOEXEC);
        took[i] = now_ns() - t0;
        if (fd < 0) {
            perror(file);
            return 1;
        }
        close(fd);
    }
    qsort(took, n, sizeof *took, cmp);
    printf("open n=%d p50=%.1f p99=%.1f p99.9=%.1f max=%.1f (us)\n", n, pct(took, n, 0.5), pct(took, n, 0.99),
           pct(took, n, 0.999), took[n - 1] / 1000.0);
    free(took);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "--open") == 0) {
        return opens(argv[2], atoi(argv[3]));
    }
    if (argc < 3) {
        fprintf(stderr, "usage: lateness PERIOD_US SAMPLES [NICE]\n");
        return 64;
    }
    long period = atol(argv[1]) * 1000L;
    int n = atoi(argv[2]);
    if (period <= 0 || n <= 0) {
        fprintf(stderr, "lateness: PERIOD_US and SAMPLES must be positive\n");
        return 64;
    }
    if (argc > 3 && setpriority(PRIO_PROCESS, 0, atoi(argv[3])) != 0) {
        perror("setpriority");
        return 1;
    }
    long long *late = calloc(n, sizeof *late);
    if (!late) {
        return 1;
    }
    for (int i = 0; i < n; i++) {
        long long d = now_ns() + period;
        struct timespec ts = {d / 1000000000LL, d % 1000000000LL};
        int rc;
        while ((rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL)) == EINTR) {
        }
        if (rc != 0) {
            fprintf(stderr, "clock_nanosleep: %d\n", rc);
            return 1;
        }
        late[i] = now_ns() - d;
    }
    qsort(late, n, sizeof *late, cmp);
    printf("c-timer n=%d p50=%.1f p99=%.1f p99.9=%.1f max=%.1f (us late)\n", n, pct(late, n, 0.5),
           pct(late, n, 0.99), pct(late, n, 0.999), late[n - 1] / 1000.0);
    free(late);
    return 0;
}
