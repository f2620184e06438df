// SPDX-License-Identifier: Apache-2.0
//
// The C baseline of the process model: subscribes to the proc connector (NETLINK_CONNECTOR,
// CN_IDX_PROC) with the socket buffer esf4j's model uses, and only counts what arrives: forks of
// processes (not threads), execs, exits of processes, and ENOBUFS (the kernel dropped events).
// Prints "ready" once subscribed; on SIGTERM or SIGINT prints the counts and its CPU time.
//
//   connector_count [RCVBUF_BYTES]
#define _GNU_SOURCE
#include <errno.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static void on_signal(int s) { (void)s; stop = 1; }

int main(int argc, char **argv) {
    int rcvbuf = argc > 1 ? atoi(argv[1]) : 4 << 20;
    int s = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_CONNECTOR);
    if (s < 0) { perror("socket"); return 1; }
    setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf);
    struct sockaddr_nl a = {.nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC, .nl_pid = 0};
    if (bind(s, (struct sockaddr *)&a, sizeof a) < 0) { perror("bind"); return 1; }
    struct {
        struct nlmsghdr h;
        struct cn_msg c;
        enum proc_cn_mcast_op op;
    } __attribute__((packed)) m = {0};
    m.h.nlmsg_len = sizeof m;
    m.h.nlmsg_type = NLMSG_DONE;
    m.c.id.idx = CN_IDX_PROC;
    m.c.id.val = CN_VAL_PROC;
    m.c.len = sizeof m.op;
    m.op = PROC_CN_MCAST_LISTEN;
    if (send(s, &m, sizeof m, 0) < 0) { perror("send"); return 1; }
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    printf("ready\n");
    fflush(stdout);
    long forks = 0, execs = 0, exits = 0, lost = 0, messages = 0;
    char buf[65536] __attribute__((aligned(8)));
    while (!stop) {
        ssize_t n = recv(s, buf, sizeof buf, 0);
        if (n < 0) {
            if (errno == ENOBUFS) { lost++; continue; }
            if (errno == EINTR) continue;
            perror("recv");
            break;
        }
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
            struct cn_msg *c = NLMSG_DATA(h);
            struct proc_event *e = (struct proc_event *)c->data;
            messages++;
            switch (e->what) {
            case PROC_EVENT_FORK:
                if (e->event_data.fork.child_pid == e->event_data.fork.child_tgid) forks++;
                break;
            case PROC_EVENT_EXEC: execs++; break;
            case PROC_EVENT_EXIT:
                if (e->event_data.exit.process_pid == e->event_data.exit.process_tgid) exits++;
                break;
            default: break;
            }
        }
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
    printf("forks=%ld execs=%ld exits=%ld losses=%ld messages=%ld cpu=%.3f\n", forks, execs, exits, lost, messages, cpu);
    return 0;
}
