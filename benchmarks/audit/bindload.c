// SPDX-License-Identifier: Apache-2.0
/*
 * bindload: the workload of the audit end-to-end benchmark (benchmarks/audit/e2e). Each
 * iteration opens a UDP socket, binds it to 127.0.0.1 on an ephemeral port and closes it: one
 * successful bind(2), so one audit event (SYSCALL, SOCKADDR, PROCTITLE, EOE) under a bind rule.
 *
 *   bindload N [RATE]
 *
 * Waits for a line on stdin (so the reader knows its pid before the first bind), then runs N
 * iterations, paced to RATE binds/s when RATE > 0 (as fast as it can otherwise), and prints
 *
 *   done binds=<ok> failed=<n> elapsed_ns=<first bind to last>
 *
 * Exit status: 0 when every bind succeeded, 1 otherwise, 64 on usage errors.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

int main(int argc, char **argv) {
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: bindload N [RATE]\n");
        return 64;
    }
    long n = atol(argv[1]);
    long rate = argc == 3 ? atol(argv[2]) : 0;
    if (n <= 0 || rate < 0) {
        fprintf(stderr, "bindload: N must be > 0 and RATE >= 0\n");
        return 64;
    }
    char line[64];
    if (!fgets(line, sizeof line, stdin)) {
        fprintf(stderr, "bindload: no go line on stdin\n");
        return 1;
    }
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    long ok = 0, failed = 0;
    int64_t start = now_ns();
    double interval = rate > 0 ? 1e9 / (double)rate : 0;
    for (long i = 0; i < n; i++) {
        if (rate > 0) {
            int64_t due = start + (int64_t)(interval * (double)i);
            int64_t now;
            while ((now = now_ns()) < due) {
                if (due - now > 200000) {
                    struct timespec s = {0, (long)(due - now - 100000)};
                    nanosleep(&s, NULL);
                }
            }
        }
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            failed++;
            continue;
        }
        if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0) ok++;
        else failed++;
        close(fd);
    }
    int64_t elapsed = now_ns() - start;
    printf("done binds=%ld failed=%ld elapsed_ns=%lld\n", ok, failed, (long long)elapsed);
    return failed == 0 ? 0 : 1;
}
