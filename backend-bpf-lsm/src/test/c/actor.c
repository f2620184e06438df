/*
 * Test helper: "another process" for the BPF LSM kernel tests. Performs one operation and prints
 * its outcome ("OK" or the errno name), so the tests see exactly what an unrelated process sees.
 *
 *   actor open PATH [N]       open(PATH) N times (default 1); prints the first failure or OK
 *   actor burst PATH N        prints "READY", waits for a line on stdin, then opens PATH N times
 *   actor exec PATH           execv(PATH); prints the errno name if exec fails
 *   actor bind4|bind6 PORT    binds a TCP socket to 127.0.0.1 / ::1 PORT
 *   actor bindunix PATH       binds an AF_UNIX socket to PATH
 *   actor bindburst N         prints "READY", waits for a line on stdin, then binds N TCP sockets
 *                             to 127.0.0.1 port 0 (one bind each)
 *   actor uring [N]           creates a TCP socket, prints "READY <pid> <fd>", waits for a line on
 *                             stdin, then submits IORING_OP_URING_CMD SOCKET_URING_OP_SIOCINQ on
 *                             the socket through a raw io_uring; prints OK or the errno of the
 *                             completion (EOPNOTSUPP where sockets have no uring_cmd, before 6.7);
 *                             N times (default 1), waiting for a line before each further one
 *   actor connect4|connect6 ADDR PORT
 *                             connects a TCP socket to ADDR PORT (an IPv4 / IPv6 literal)
 *   actor listen ADDR PORT    listens on ADDR PORT (TCP), prints "READY <pid>", and exits at the
 *                             next line on stdin (or its end)
 *   actor openunlinked PATH   opens PATH, unlinks it, then opens it again through /proc/self/fd
 *   actor wait OP ARGS...     prints "READY <pid>", waits for a line on stdin, then does OP
 *
 * Exit status: 0 on success, 1 when the operation failed, 2 on usage errors.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#define SOCKET_URING_OP_SIOCINQ 0 /* include/uapi/linux/io_uring.h, 6.7+ */

static const char *errname(int e) {
    switch (e) {
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case ENOENT: return "ENOENT";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case EINVAL: return "EINVAL";
    case EADDRINUSE: return "EADDRINUSE";
    case ECONNREFUSED: return "ECONNREFUSED";
    case ENETUNREACH: return "ENETUNREACH";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    default: return strerror(e);
    }
}

static int result(int ok) {
    if (ok) { printf("OK\n"); return 0; }
    printf("%s\n", errname(errno));
    return 1;
}

static void wait_line(void) {
    char line[64];
    fflush(stdout);
    if (!fgets(line, sizeof line, stdin)) exit(2);
}

static int opens(const char *path, long n) {
    int first = 0;
    for (long i = 0; i < n; i++) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) { if (!first) first = errno; } else close(fd);
    }
    errno = first;
    return result(first == 0);
}

/* One IORING_OP_URING_CMD on socket s through the ring; prints OK or the completion's errno. */
static int uring_cmd(int ring, struct io_uring_params *p, char *sq, char *cq, struct io_uring_sqe *sqes, int s) {
    unsigned tail = *(unsigned *)(sq + p->sq_off.tail);
    unsigned idx = tail & *(unsigned *)(sq + p->sq_off.ring_mask);
    struct io_uring_sqe *sqe = &sqes[idx];
    memset(sqe, 0, sizeof *sqe);
    sqe->opcode = IORING_OP_URING_CMD;
    sqe->fd = s;
    sqe->cmd_op = SOCKET_URING_OP_SIOCINQ;
    sqe->user_data = 42;
    ((unsigned *)(sq + p->sq_off.array))[idx] = idx;
    __atomic_store_n((unsigned *)(sq + p->sq_off.tail), tail + 1, __ATOMIC_RELEASE);
    if (syscall(__NR_io_uring_enter, ring, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0) return result(0);
    unsigned head = *(unsigned *)(cq + p->cq_off.head);
    struct io_uring_cqe *cqe = (struct io_uring_cqe *)(cq + p->cq_off.cqes)
                               + (head & *(unsigned *)(cq + p->cq_off.ring_mask));
    int res = cqe->res;
    __atomic_store_n((unsigned *)(cq + p->cq_off.head), head + 1, __ATOMIC_RELEASE);
    if (res < 0) { errno = -res; return result(0); }
    return result(1);
}

static int uring(long n) {
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) return result(0);
    printf("READY %d %d\n", getpid(), s);
    wait_line();
    struct io_uring_params p;
    memset(&p, 0, sizeof p);
    int ring = syscall(__NR_io_uring_setup, 4, &p);
    if (ring < 0) return result(0);
    size_t sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
    size_t cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
    char *sq = mmap(0, sq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_SQ_RING);
    char *cq = mmap(0, cq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_CQ_RING);
    struct io_uring_sqe *sqes = mmap(0, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
                                     MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_SQES);
    if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED) return result(0);
    int rc = uring_cmd(ring, &p, sq, cq, sqes, s);
    for (long i = 1; i < n; i++) {
        fflush(stdout);
        wait_line();
        rc = uring_cmd(ring, &p, sq, cq, sqes, s);
    }
    return rc;
}

static int connects(int six, const char *addr, int port) {
    int s = socket(six ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) return result(0);
    if (six) {
        struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
        if (inet_pton(AF_INET6, addr, &a.sin6_addr) != 1) return 2;
        return result(connect(s, (struct sockaddr *)&a, sizeof a) == 0);
    }
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    if (inet_pton(AF_INET, addr, &a.sin_addr) != 1) return 2;
    return result(connect(s, (struct sockaddr *)&a, sizeof a) == 0);
}

static int listens(const char *addr, int port) {
    struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
    struct sockaddr_in a4 = {.sin_family = AF_INET, .sin_port = htons(port)};
    int six = inet_pton(AF_INET6, addr, &a6.sin6_addr) == 1;
    if (!six && inet_pton(AF_INET, addr, &a4.sin_addr) != 1) return 2;
    int s = socket(six ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) return result(0);
    if (bind(s, six ? (struct sockaddr *)&a6 : (struct sockaddr *)&a4, six ? sizeof a6 : sizeof a4) != 0
        || listen(s, 16) != 0)
        return result(0);
    printf("READY %d\n", getpid());
    wait_line();
    return result(1);
}

static int open_unlinked(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || unlink(path) != 0) return result(0);
    char self[64];
    snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
    int again = open(self, O_RDONLY | O_CLOEXEC);
    return result(again >= 0);
}

int main(int argc, char **argv) {
    if (argc < 2) goto usage;
    if (strcmp(argv[1], "wait") == 0 && argc >= 3) {
        printf("READY %d\n", getpid());
        wait_line();
        argv++;
        argc--;
    }
    const char *op = argv[1];
    if (strcmp(op, "open") == 0 && argc >= 3) return opens(argv[2], argc > 3 ? atol(argv[3]) : 1);
    if (strcmp(op, "burst") == 0 && argc == 4) {
        printf("READY\n");
        wait_line();
        return opens(argv[2], atol(argv[3]));
    }
    if (strcmp(op, "exec") == 0 && argc == 3) {
        fflush(stdout);
        char *args[] = {argv[2], NULL};
        execv(argv[2], args);
        return result(0);
    }
    if ((strcmp(op, "bind4") == 0 || strcmp(op, "bind6") == 0) && argc == 3) {
        int six = op[4] == '6';
        int s = socket(six ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (s < 0) return result(0);
        int one = 1;
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (six) {
            struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(atoi(argv[2]))};
            inet_pton(AF_INET6, "::1", &a.sin6_addr);
            return result(bind(s, (struct sockaddr *)&a, sizeof a) == 0);
        }
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[2]))};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        return result(bind(s, (struct sockaddr *)&a, sizeof a) == 0);
    }
    if (strcmp(op, "bindunix") == 0 && argc == 3) {
        int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_un a = {.sun_family = AF_UNIX};
        strncpy(a.sun_path, argv[2], sizeof a.sun_path - 1);
        return result(s >= 0 && bind(s, (struct sockaddr *)&a, sizeof a) == 0);
    }
    if (strcmp(op, "bindburst") == 0 && argc == 3) {
        printf("READY\n");
        wait_line();
        long n = atol(argv[2]), failed = 0;
        for (long i = 0; i < n; i++) {
            int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
            struct sockaddr_in a = {.sin_family = AF_INET};
            a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) != 0) failed++;
            if (s >= 0) close(s);
        }
        errno = EIO;
        return result(failed == 0);
    }
    if (strcmp(op, "uring") == 0) return uring(argc > 2 ? atol(argv[2]) : 1);
    if ((strcmp(op, "connect4") == 0 || strcmp(op, "connect6") == 0) && argc == 4)
        return connects(op[7] == '6', argv[2], atoi(argv[3]));
    if (strcmp(op, "openunlinked") == 0 && argc == 3) return open_unlinked(argv[2]);
    if (strcmp(op, "listen") == 0 && argc == 4) return listens(argv[2], atoi(argv[3]));
usage:
    fprintf(stderr, "usage: actor [wait] open PATH [N] | burst PATH N | exec PATH | bind4|bind6 PORT | bindunix PATH"
                    " | bindburst N | uring [N] | connect4|connect6 ADDR PORT | listen ADDR PORT | openunlinked PATH\n");
    return 2;
}
