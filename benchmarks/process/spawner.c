// SPDX-License-Identifier: Apache-2.0
//
// The process model's load: LOOPS loops that each fork and exec /bin/true (fork, exec and exit
// events on the proc connector) as fast as they can for SECONDS, or at most RATE spawns per
// second in total; or, with "hold N", N children that stay alive until stdin closes (for the
// memory a model spends per process).
//
//   spawner run SECONDS LOOPS [RATE]   prints "spawned=N seconds=S" when done
//   spawner hold N                     prints "holding N" once all are alive, waits for EOF on stdin
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static long loop(double seconds, double rate) {
    char *argv[] = {"true", NULL};
    char *envp[] = {NULL};
    double start = now(), end = start + seconds;
    long n = 0;
    while (now() < end) {
        if (rate > 0) {
            double due = start + n / rate;
            double wait = due - now();
            if (wait > 0) {
                struct timespec ts = {(time_t)wait, (long)((wait - (time_t)wait) * 1e9)};
                nanosleep(&ts, NULL);
            }
        }
        pid_t p = fork();
        if (p == 0) {
            execve("/bin/true", argv, envp);
            _exit(127);
        }
        if (p < 0) { perror("fork"); break; }
        int st;
        waitpid(p, &st, 0);
        n++;
    }
    return n;
}

int main(int argc, char **argv) {
    if (argc >= 4 && strcmp(argv[1], "run") == 0) {
        double seconds = atof(argv[2]);
        int loops = atoi(argv[3]);
        double rate = argc > 4 ? atof(argv[4]) : 0;
        int fds[2];
        if (pipe(fds) != 0) return 1;
        double t0 = now();
        for (int i = 0; i < loops; i++) {
            if (fork() == 0) {
                long n = loop(seconds, rate > 0 ? rate / loops : 0);
                if (write(fds[1], &n, sizeof n) != sizeof n) _exit(1);
                _exit(0);
            }
        }
        long total = 0;
        for (int i = 0; i < loops; i++) {
            long n;
            if (read(fds[0], &n, sizeof n) == sizeof n) total += n;
        }
        while (wait(NULL) > 0) {}
        printf("spawned=%ld seconds=%.3f\n", total, now() - t0);
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "hold") == 0) {
        int n = atoi(argv[2]);
        pid_t *kids = calloc(n, sizeof *kids);
        if (!kids) return 1;
        for (int i = 0; i < n; i++) {
            pid_t p = fork();
            if (p == 0) {
                char *a[] = {"sleep", "3600", NULL};
                char *e[] = {NULL};
                execve("/bin/sleep", a, e);
                _exit(127);
            }
            if (p < 0) { perror("fork"); return 1; }
            kids[i] = p;
        }
        printf("holding %d\n", n);
        fflush(stdout);
        char buf[64];
        while (read(0, buf, sizeof buf) > 0) {}
        for (int i = 0; i < n; i++) kill(kids[i], SIGTERM); /* not the group: the caller is in it */
        while (wait(NULL) > 0) {}
        return 0;
    }
    fprintf(stderr, "usage: spawner run SECONDS LOOPS [RATE] | spawner hold N\n");
    return 2;
}
