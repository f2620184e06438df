// SPDX-License-Identifier: Apache-2.0
/*
 * capture: records what the kernel audit subsystem emits for a reproducible workload, in the
 * text form of audit.log ("type=<NAME> msg=<payload>\n") that libauparse and the Java loader
 * read. It is the source of the audit parser benchmark's input and of the parser's test records.
 *
 *   capture -o FILE [--iterations N] [--long-every N] [--arg-bytes N] [--no-uring]
 *   capture -o FILE --no-workload --seconds S     record whatever the rules match for S seconds
 *   capture --check                               print audit status and count rules keyed
 *                                                 esf4j_bench (exit 1 if any is left)
 *   capture --remove-stale                        delete every rule keyed esf4j_bench (left by a
 *                                                 capture that was killed with SIGKILL), then --check
 *
 * What it does, in order:
 *   1. AUDIT_GET; refuses to run when audit is locked (enabled = 2); enables audit when it is off
 *      (the previous value is restored on exit).
 *   2. Adds its rules (all keyed esf4j_bench): a NEVER rule on the exit list for its own pid,
 *      prepended (AUDIT_FILTER_PREPEND); then on the exit list with arch=b64: execve+execveat;
 *      open+openat+openat2 with success=1; bind; and on the io_uring list (7) opcode 46
 *      (IORING_OP_URING_CMD) unless --no-uring.
 *   3. Joins the multicast group AUDIT_NLGRP_READLOG with an 8 MiB receive buffer
 *      (SO_RCVBUFFORCE) and writes every record it receives, whoever caused it.
 *   4. Forks the workload (below), waits for it, drains for --drain-ms (500) more.
 *   5. Removes exactly the rules it added and restores `enabled`, also after SIGINT/SIGTERM or a
 *      failure after step 2; then lists the rules to check that none keyed esf4j_bench is left.
 *
 * The workload (a child process, so it is not excluded), per iteration, in a fresh directory
 * under $TMPDIR (removed at the end): creates and opens files named "plain.txt",
 * "with space.txt" and a non-ASCII name (hex-encoded by the kernel); openat2 (OPENAT2 record);
 * execs /bin/true with a few arguments, one with a space and, every --long-every iterations, one
 * of --arg-bytes (20000) bytes (EXECVE aN_len/aN[i] chunks over several records); binds an IPv4,
 * an IPv6, a unix path and a unix abstract socket (SOCKADDR); and submits IORING_OP_URING_CMD
 * (SOCKET_URING_OP_SIOCINQ) on a UDP socket twice, inline and with IOSQE_ASYNC (the latter gives
 * the URINGOP + EOE event without SYSCALL and PROCTITLE).
 *
 * Needs root (CAP_AUDIT_CONTROL, CAP_AUDIT_READ, CAP_NET_ADMIN) in the initial namespaces.
 * Exit status: 0 on success; 1 on failure (the rules are removed in either case); 2 when the
 * capture saw ENOBUFS (records were lost: the file is still written, but incomplete).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libaudit.h>
#include <linux/audit.h>
#include <linux/io_uring.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define KEY "esf4j_bench"
#define MAX_RULES 8
#define RCVBUF (8 << 20)

#ifndef __NR_openat2
#define __NR_openat2 437
#endif
#define URING_OP_URING_CMD 46
#define SOCKET_URING_OP_SIOCINQ 0

static volatile sig_atomic_t stop;
static int ctl_fd = -1;
static uint32_t seq;

struct rule {
    struct audit_rule_data *data;
    size_t len;
    int added;
};
static struct rule rules[MAX_RULES];
static int nrules;
static int enabled_before = -1; /* restore target; -1 = nothing changed */

static void on_signal(int sig) { (void)sig; stop = 1; }

/* ---- netlink control requests ------------------------------------------------------------- */

/* Sends a request and waits for its NLMSG_ERROR (the ack, or the error). For AUDIT_GET it also
 * waits for the status reply and copies it: the kernel sends replies from a helper thread, so the
 * reply usually arrives after the ack. */
static int request(uint16_t type, const void *payload, size_t len, struct audit_status *status_out) {
    size_t total = NLMSG_SPACE(len);
    char *msg = calloc(1, total);
    if (!msg) return -ENOMEM;
    struct nlmsghdr *nh = (struct nlmsghdr *)msg;
    nh->nlmsg_len = NLMSG_LENGTH(len);
    nh->nlmsg_type = type;
    nh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    nh->nlmsg_seq = ++seq;
    if (len) memcpy(NLMSG_DATA(nh), payload, len);
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    ssize_t n = sendto(ctl_fd, msg, total, 0, (struct sockaddr *)&kernel, sizeof kernel);
    free(msg);
    if (n < 0) return -errno;
    char buf[16384];
    int acked = 0, replied = status_out == NULL;
    for (;;) {
        struct pollfd p = {.fd = ctl_fd, .events = POLLIN};
        int r = poll(&p, 1, 5000);
        if (r == 0) return -ETIMEDOUT;
        if (r < 0) { if (errno == EINTR) continue; return -errno; }
        ssize_t got = recv(ctl_fd, buf, sizeof buf, 0);
        if (got < 0) { if (errno == EINTR) continue; return -errno; }
        int rem = (int)got;
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, rem); h = NLMSG_NEXT(h, rem)) {
            if (h->nlmsg_seq != seq) continue;
            if (h->nlmsg_type == AUDIT_GET && status_out) {
                size_t plen = h->nlmsg_len - NLMSG_HDRLEN;
                memset(status_out, 0, sizeof *status_out);
                memcpy(status_out, NLMSG_DATA(h), plen < sizeof *status_out ? plen : sizeof *status_out);
                replied = 1;
            } else if (h->nlmsg_type == NLMSG_ERROR) {
                struct nlmsgerr *e = NLMSG_DATA(h);
                if (e->error) return e->error;
                acked = 1;
            }
        }
        if (acked && replied) return 0;
    }
}

static int get_status(struct audit_status *s) { return request(AUDIT_GET, NULL, 0, s); }

static int set_enabled(uint32_t value) {
    struct audit_status s = {0};
    s.mask = AUDIT_STATUS_ENABLED;
    s.enabled = value;
    return request(AUDIT_SET, &s, sizeof s, NULL);
}

/* ---- rules ---------------------------------------------------------------------------------- */

static struct audit_rule_data *rule_new(uint32_t list, uint32_t action) {
    struct audit_rule_data *r = calloc(1, sizeof *r + 256);
    if (!r) { perror("calloc"); exit(1); }
    r->flags = list;
    r->action = action;
    return r;
}

static void rule_bit(struct audit_rule_data *r, int nr) { r->mask[nr / 32] |= 1u << (nr % 32); }

static void rule_field(struct audit_rule_data *r, uint32_t field, uint32_t op, uint32_t value) {
    uint32_t i = r->field_count++;
    r->fields[i] = field;
    r->fieldflags[i] = op;
    r->values[i] = value;
}

static void rule_key(struct audit_rule_data *r) {
    uint32_t len = (uint32_t)strlen(KEY);
    rule_field(r, AUDIT_FILTERKEY, AUDIT_EQUAL, len);
    memcpy(r->buf + r->buflen, KEY, len);
    r->buflen += len;
}

static void rule_push(struct audit_rule_data *r) {
    rules[nrules].data = r;
    rules[nrules].len = (sizeof *r + r->buflen + 3) & ~(size_t)3;
    rules[nrules].added = 0;
    nrules++;
}

static void build_rules(int uring) {
    struct audit_rule_data *r;
    /* -A exit,never -S all -F pid=<self> -k esf4j_bench (prepended: ahead of every rule) */
    r = rule_new(AUDIT_FILTER_EXIT | AUDIT_FILTER_PREPEND, AUDIT_NEVER);
    memset(r->mask, 0xff, sizeof r->mask);
    rule_field(r, AUDIT_PID, AUDIT_EQUAL, (uint32_t)getpid());
    rule_key(r);
    rule_push(r);
    /* -a always,exit -F arch=b64 -S execve,execveat -k esf4j_bench */
    r = rule_new(AUDIT_FILTER_EXIT, AUDIT_ALWAYS);
    rule_bit(r, 59);
    rule_bit(r, 322);
    rule_field(r, AUDIT_ARCH, AUDIT_EQUAL, AUDIT_ARCH_X86_64);
    rule_key(r);
    rule_push(r);
    /* -a always,exit -F arch=b64 -S open,openat,openat2 -F success=1 -k esf4j_bench */
    r = rule_new(AUDIT_FILTER_EXIT, AUDIT_ALWAYS);
    rule_bit(r, 2);
    rule_bit(r, 257);
    rule_bit(r, 437);
    rule_field(r, AUDIT_ARCH, AUDIT_EQUAL, AUDIT_ARCH_X86_64);
    rule_field(r, AUDIT_SUCCESS, AUDIT_EQUAL, 1);
    rule_key(r);
    rule_push(r);
    /* -a always,exit -F arch=b64 -S bind -k esf4j_bench */
    r = rule_new(AUDIT_FILTER_EXIT, AUDIT_ALWAYS);
    rule_bit(r, 49);
    rule_field(r, AUDIT_ARCH, AUDIT_EQUAL, AUDIT_ARCH_X86_64);
    rule_key(r);
    rule_push(r);
    if (uring) {
        /* -a always,io_uring -U uring_cmd -k esf4j_bench */
        r = rule_new(AUDIT_FILTER_URING_EXIT, AUDIT_ALWAYS);
        rule_bit(r, URING_OP_URING_CMD);
        rule_key(r);
        rule_push(r);
    }
}

/* Counts the kernel's rules whose key is esf4j_bench (AUDIT_LIST_RULES); with remove != 0 also
 * deletes each of them by sending the listed rule back with AUDIT_DEL_RULE (after the listing). */
static struct audit_rule_data *stale[64];
static size_t stale_len[64];
static int nstale;

static int count_our_rules_impl(int remove);
static int count_our_rules(void) { return count_our_rules_impl(0); }

static int remove_our_rules(void) {
    int n = count_our_rules_impl(1);
    if (n < 0) return n;
    int failed = 0;
    for (int i = 0; i < nstale; i++) {
        int rc = request(AUDIT_DEL_RULE, stale[i], stale_len[i], NULL);
        if (rc) { fprintf(stderr, "capture: AUDIT_DEL_RULE of a stale rule failed: %s\n", strerror(-rc)); failed = 1; }
        free(stale[i]);
    }
    nstale = 0;
    return failed ? -EIO : n;
}

static int count_our_rules_impl(int remove) {
    size_t total = NLMSG_SPACE(0);
    char msg[NLMSG_SPACE(0)];
    memset(msg, 0, sizeof msg);
    struct nlmsghdr *nh = (struct nlmsghdr *)msg;
    nh->nlmsg_len = NLMSG_LENGTH(0);
    nh->nlmsg_type = AUDIT_LIST_RULES;
    nh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    nh->nlmsg_seq = ++seq;
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    if (sendto(ctl_fd, msg, total, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) return -errno;
    static char buf[1 << 16];
    int ours = 0, done = 0, acked = 0;
    while (!done || !acked) {
        struct pollfd p = {.fd = ctl_fd, .events = POLLIN};
        int r = poll(&p, 1, 5000);
        if (r == 0) return done ? ours : -ETIMEDOUT;
        if (r < 0) { if (errno == EINTR) continue; return -errno; }
        ssize_t got = recv(ctl_fd, buf, sizeof buf, 0);
        if (got < 0) { if (errno == EINTR) continue; return -errno; }
        int rem = (int)got;
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, rem); h = NLMSG_NEXT(h, rem)) {
            if (h->nlmsg_seq != seq) continue;
            if (h->nlmsg_type == NLMSG_DONE) done = 1;
            else if (h->nlmsg_type == NLMSG_ERROR) {
                struct nlmsgerr *e = NLMSG_DATA(h);
                if (e->error) return e->error;
                acked = 1;
            } else if (h->nlmsg_type == AUDIT_LIST_RULES) {
                struct audit_rule_data *d = NLMSG_DATA(h);
                uint32_t off = 0;
                for (uint32_t i = 0; i < d->field_count && i < AUDIT_MAX_FIELDS; i++) {
                    uint32_t f = d->fields[i];
                    int is_str = f == AUDIT_FILTERKEY || f == AUDIT_WATCH || f == AUDIT_DIR || f == AUDIT_EXE
                                 || (f >= AUDIT_SUBJ_USER && f <= AUDIT_OBJ_LEV_HIGH && f != AUDIT_OBJ_UID
                                     && f != AUDIT_OBJ_GID && f != AUDIT_ARCH);
                    if (!is_str) continue;
                    if (f == AUDIT_FILTERKEY && d->values[i] == strlen(KEY) && off + d->values[i] <= d->buflen
                        && memcmp(d->buf + off, KEY, strlen(KEY)) == 0) {
                        ours++;
                        size_t len = h->nlmsg_len - NLMSG_HDRLEN;
                        if (remove && nstale < 64 && (stale[nstale] = malloc(len))) {
                            memcpy(stale[nstale], d, len);
                            stale_len[nstale++] = len;
                        }
                    }
                    off += d->values[i];
                }
            }
        }
    }
    return ours;
}

/* Removes what was added and restores `enabled`; safe to call more than once. */
static int cleanup(void) {
    int failed = 0;
    for (int i = nrules - 1; i >= 0; i--) {
        if (!rules[i].added) continue;
        /* the kernel clears AUDIT_FILTER_PREPEND once the rule is in place: delete without it */
        rules[i].data->flags &= ~(uint32_t)AUDIT_FILTER_PREPEND;
        int rc = request(AUDIT_DEL_RULE, rules[i].data, rules[i].len, NULL);
        if (rc) { fprintf(stderr, "capture: AUDIT_DEL_RULE #%d failed: %s\n", i, strerror(-rc)); failed = 1; }
        else rules[i].added = 0;
    }
    if (enabled_before >= 0) {
        int rc = set_enabled((uint32_t)enabled_before);
        if (rc) { fprintf(stderr, "capture: restoring enabled=%d failed: %s\n", enabled_before, strerror(-rc)); failed = 1; }
        else enabled_before = -1;
    }
    return failed;
}

/* ---- workload ------------------------------------------------------------------------------ */

struct uring {
    int fd;
    unsigned *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_tail;
    struct io_uring_sqe *sqes;
};

static int uring_init(struct uring *u) {
    struct io_uring_params p;
    memset(&p, 0, sizeof p);
    u->fd = (int)syscall(__NR_io_uring_setup, 4, &p);
    if (u->fd < 0) return -1;
    size_t sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
    size_t cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
    char *sq = mmap(NULL, sq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, u->fd, IORING_OFF_SQ_RING);
    char *cq = mmap(NULL, cq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, u->fd, IORING_OFF_CQ_RING);
    u->sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_POPULATE, u->fd, IORING_OFF_SQES);
    if (sq == MAP_FAILED || cq == MAP_FAILED || u->sqes == MAP_FAILED) return -1;
    u->sq_tail = (unsigned *)(sq + p.sq_off.tail);
    u->sq_mask = (unsigned *)(sq + p.sq_off.ring_mask);
    u->sq_array = (unsigned *)(sq + p.sq_off.array);
    u->cq_head = (unsigned *)(cq + p.cq_off.head);
    u->cq_tail = (unsigned *)(cq + p.cq_off.tail);
    return 0;
}

/* Submits one IORING_OP_URING_CMD (SOCKET_URING_OP_SIOCINQ) on sock and waits for it. */
static void uring_cmd(struct uring *u, int sock, int async) {
    unsigned tail = *u->sq_tail;
    unsigned idx = tail & *u->sq_mask;
    struct io_uring_sqe *sqe = &u->sqes[idx];
    memset(sqe, 0, sizeof *sqe);
    sqe->opcode = URING_OP_URING_CMD;
    sqe->fd = sock;
    sqe->flags = async ? IOSQE_ASYNC : 0;
    sqe->cmd_op = SOCKET_URING_OP_SIOCINQ;
    u->sq_array[idx] = idx;
    __atomic_store_n(u->sq_tail, tail + 1, __ATOMIC_RELEASE);
    syscall(__NR_io_uring_enter, u->fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0);
    unsigned head = *u->cq_head;
    if (head != __atomic_load_n(u->cq_tail, __ATOMIC_ACQUIRE)) __atomic_store_n(u->cq_head, head + 1, __ATOMIC_RELEASE);
}

static void touch(const char *name) {
    int fd = open(name, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    if (fd >= 0) close(fd);
    fd = openat(AT_FDCWD, name, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) close(fd);
}

static void bind_all(const char *dir, int i) {
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a4 = {.sin_family = AF_INET, .sin_port = 0, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (s >= 0) { bind(s, (struct sockaddr *)&a4, sizeof a4); close(s); }
    s = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_port = 0, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    if (s >= 0) { bind(s, (struct sockaddr *)&a6, sizeof a6); close(s); }
    s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un un = {.sun_family = AF_UNIX};
    snprintf(un.sun_path, sizeof un.sun_path, "%.90s/sock-%d", dir, i);
    if (s >= 0) { bind(s, (struct sockaddr *)&un, sizeof un); close(s); unlink(un.sun_path); }
    s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un ab = {.sun_family = AF_UNIX};
    int n = snprintf(ab.sun_path + 1, sizeof ab.sun_path - 1, "esf4j-bench-%d-%d", (int)getpid(), i);
    if (s >= 0) { bind(s, (struct sockaddr *)&ab, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n)); close(s); }
}

static void exec_true(int i, int long_every, size_t arg_bytes) {
    static char *big;
    if (!big) {
        big = malloc(arg_bytes + 1);
        if (!big) return;
    }
    char num[32];
    snprintf(num, sizeof num, "--iteration=%d", i);
    char *argv[6];
    int n = 0;
    argv[n++] = "/bin/true";
    argv[n++] = num;
    argv[n++] = "two words";
    if (long_every > 0 && i % long_every == 0) {
        /* alternate a plain argument (quoted chunks) and one with spaces (hex chunks) */
        for (size_t k = 0; k < arg_bytes; k++) big[k] = (i / long_every) % 2 && k % 64 == 63 ? ' ' : (char)('a' + k % 26);
        big[arg_bytes] = 0;
        argv[n++] = big;
    }
    argv[n++] = "last";
    argv[n] = NULL;
    pid_t pid = fork();
    if (pid == 0) {
        char *envp[] = {"PATH=/usr/bin:/bin", NULL};
        execve(argv[0], argv, envp);
        _exit(127);
    }
    if (pid > 0) waitpid(pid, NULL, 0);
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb; (void)flag; (void)ftw;
    return remove(path);
}

static void workload(int iterations, int long_every, size_t arg_bytes, int use_uring) {
    char dir[4096];
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/esf4j-capture-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) { perror("mkdtemp"); _exit(1); }
    if (chdir(dir)) { perror("chdir"); _exit(1); }
    struct uring u = {.fd = -1};
    int usock = -1;
    if (use_uring) {
        if (uring_init(&u) == 0) usock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        else fprintf(stderr, "capture: io_uring unavailable (%s): no URINGOP records\n", strerror(errno));
    }
    for (int i = 0; i < iterations && !stop; i++) {
        touch("plain.txt");
        touch("with space.txt");
        touch("\xc3\xbcnic\xc3\xb6" "de-\xe3\x83\x95\xe3\x82\xa1\xe3\x82\xa4\xe3\x83\xab.txt"); /* ünicöde-ファイル */
        struct { uint64_t flags, mode, resolve; } how = {O_RDONLY | O_CLOEXEC, 0, 0x04 /* RESOLVE_NO_SYMLINKS */};
        int fd = (int)syscall(__NR_openat2, AT_FDCWD, "plain.txt", &how, sizeof how);
        if (fd >= 0) close(fd);
        exec_true(i, long_every, arg_bytes);
        bind_all(dir, i);
        if (usock >= 0) {
            uring_cmd(&u, usock, 0);
            uring_cmd(&u, usock, 1);
        }
    }
    if (chdir("/")) { /* nothing */ }
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    _exit(0);
}

/* ---- main ---------------------------------------------------------------------------------- */

static void usage(void) {
    fprintf(stderr, "usage: capture -o FILE [--iterations N] [--long-every N] [--arg-bytes N] [--no-uring] [--drain-ms N]\n"
                    "       capture -o FILE --no-workload --seconds S\n"
                    "       capture --check | --remove-stale\n");
    exit(64);
}

static long now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

int main(int argc, char **argv) {
    const char *out = NULL;
    int iterations = 200, long_every = 8, use_uring = 1, run_workload = 1, check = 0;
    long seconds = 0, drain_ms = 500;
    size_t arg_bytes = 20000;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-o") && i + 1 < argc) out = argv[++i];
        else if (!strcmp(a, "--iterations") && i + 1 < argc) iterations = atoi(argv[++i]);
        else if (!strcmp(a, "--long-every") && i + 1 < argc) long_every = atoi(argv[++i]);
        else if (!strcmp(a, "--arg-bytes") && i + 1 < argc) arg_bytes = (size_t)atol(argv[++i]);
        else if (!strcmp(a, "--drain-ms") && i + 1 < argc) drain_ms = atol(argv[++i]);
        else if (!strcmp(a, "--seconds") && i + 1 < argc) seconds = atol(argv[++i]);
        else if (!strcmp(a, "--no-uring")) use_uring = 0;
        else if (!strcmp(a, "--no-workload")) run_workload = 0;
        else if (!strcmp(a, "--check")) check = 1;
        else if (!strcmp(a, "--remove-stale")) check = 2;
        else usage();
    }
    if (!check && !out) usage();
    if (!run_workload && seconds <= 0) usage();
    if (arg_bytes < 1 || arg_bytes > 100000) { fprintf(stderr, "capture: --arg-bytes must be 1..100000\n"); return 64; }

    ctl_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
    if (ctl_fd < 0) { perror("capture: socket(NETLINK_AUDIT)"); return 1; }
    struct audit_status st;
    int rc = get_status(&st);
    if (rc) { fprintf(stderr, "capture: AUDIT_GET failed: %s\n", strerror(-rc)); return 1; }
    if (check == 2) {
        int removed = remove_our_rules();
        if (removed < 0) { fprintf(stderr, "capture: removing stale rules failed: %s\n", strerror(-removed)); return 1; }
        printf("removed %d rule(s) keyed %s\n", removed, KEY);
        check = 1;
    }
    if (check) {
        int ours = count_our_rules();
        if (ours < 0) { fprintf(stderr, "capture: AUDIT_LIST_RULES failed: %s\n", strerror(-ours)); return 1; }
        printf("enabled=%u pid=%u backlog_limit=%u lost=%u rules_keyed_%s=%d\n", st.enabled, st.pid, st.backlog_limit,
               st.lost, KEY, ours);
        return ours == 0 ? 0 : 1;
    }
    if (st.enabled == 2) { fprintf(stderr, "capture: audit is locked (enabled=2): rules cannot be changed until reboot\n"); return 1; }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: poll() returns EINTR */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);

    FILE *f = fopen(out, "w");
    if (!f) { perror(out); return 1; }
    static char fbuf[1 << 20];
    setvbuf(f, fbuf, _IOFBF, sizeof fbuf);

    int mc = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
    int size = RCVBUF;
    if (mc < 0 || (setsockopt(mc, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) && setsockopt(mc, SOL_SOCKET, SO_RCVBUF, &size, sizeof size))) {
        perror("capture: multicast socket");
        return 1;
    }
    struct sockaddr_nl group = {.nl_family = AF_NETLINK, .nl_groups = 1u << (AUDIT_NLGRP_READLOG - 1)};
    if (bind(mc, (struct sockaddr *)&group, sizeof group)) { perror("capture: bind AUDIT_NLGRP_READLOG"); return 1; }

    int status = 0;
    long records = 0, enobufs = 0;
    pid_t child = -1;
    if (st.enabled == 0) {
        enabled_before = 0;
        rc = set_enabled(1);
        if (rc) { fprintf(stderr, "capture: enabling audit failed: %s\n", strerror(-rc)); enabled_before = -1; return 1; }
    }
    build_rules(use_uring);
    for (int i = 0; i < nrules; i++) {
        rc = request(AUDIT_ADD_RULE, rules[i].data, rules[i].len, NULL);
        if (rc) {
            fprintf(stderr, "capture: AUDIT_ADD_RULE #%d failed: %s\n", i, strerror(-rc));
            if (rules[i].data->flags == AUDIT_FILTER_URING_EXIT) continue; /* older kernel: go on without */
            status = 1;
            goto out;
        }
        rules[i].added = 1;
    }

    if (run_workload) {
        fflush(f);
        child = fork();
        if (child < 0) { perror("fork"); status = 1; goto out; }
        if (child == 0) {
            close(mc);
            close(ctl_fd);
            workload(iterations, long_every, arg_bytes, use_uring);
        }
    }
    long deadline = run_workload ? -1 : now_ms() + seconds * 1000;
    static char buf[1 << 16];
    for (;;) {
        if (stop) break;
        if (child > 0) {
            int ws;
            if (waitpid(child, &ws, WNOHANG) == child) {
                child = -1;
                if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0) { fprintf(stderr, "capture: the workload failed\n"); status = 1; }
                deadline = now_ms() + drain_ms;
            }
        }
        if (deadline >= 0 && now_ms() >= deadline) break;
        struct pollfd p = {.fd = mc, .events = POLLIN};
        int r = poll(&p, 1, 50);
        if (r <= 0) continue;
        ssize_t got = recv(mc, buf, sizeof buf, MSG_DONTWAIT);
        if (got < 0) {
            if (errno == ENOBUFS) enobufs++;
            continue;
        }
        /* one record per datagram; the payload is not padded to NLMSG_ALIGNTO, so NLMSG_NEXT
         * would step past it: take the first message, clamped to what was received */
        if (got >= NLMSG_HDRLEN) {
            struct nlmsghdr *h = (struct nlmsghdr *)buf;
            if (h->nlmsg_type < 1100) continue;
            const char *text = NLMSG_DATA(h);
            size_t len = (h->nlmsg_len < (size_t)got ? h->nlmsg_len : (size_t)got);
            len = len > NLMSG_HDRLEN ? len - NLMSG_HDRLEN : 0;
            while (len > 0 && (text[len - 1] == '\0' || text[len - 1] == '\n')) len--;
            const char *name = audit_msg_type_to_name(h->nlmsg_type);
            if (name) fprintf(f, "type=%s msg=%.*s\n", name, (int)len, text);
            else fprintf(f, "type=UNKNOWN[%d] msg=%.*s\n", h->nlmsg_type, (int)len, text);
            records++;
        }
    }
    if (child > 0) { kill(child, SIGTERM); waitpid(child, NULL, 0); }
out:
    if (cleanup()) status = 1;
    if (fclose(f)) { perror(out); status = 1; }
    int left = count_our_rules();
    if (left != 0) {
        fprintf(stderr, "capture: after cleanup %d rule(s) keyed %s remain%s\n", left, KEY, left < 0 ? " (list failed)" : "");
        status = 1;
    }
    struct audit_status after;
    if (get_status(&after) == 0 && after.enabled != st.enabled) {
        fprintf(stderr, "capture: enabled is %u, was %u\n", after.enabled, st.enabled);
        status = 1;
    }
    fprintf(stderr, "capture: %ld records to %s, enobufs=%ld, rules removed, enabled=%u as before\n", records, out, enobufs,
            st.enabled);
    if (status == 0 && enobufs) status = 2;
    return status;
}
