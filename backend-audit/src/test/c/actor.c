/*
 * Test helper: "another process" for the audit kernel tests (a copy of the BPF LSM tests' actor,
 * with exec arguments and io_uring bind). Performs one operation and prints its outcome ("OK" or
 * the errno name), so the tests see exactly what an unrelated process sees.
 *
 *   actor open PATH [N]       open(PATH) N times (default 1); prints the first failure or OK
 *   actor burst PATH N        prints "READY", waits for a line on stdin, then opens PATH N times
 *   actor exec PATH [ARG...]  execv(PATH, {PATH, ARG...}); prints the errno name if exec fails
 *   actor bind4|bind6 PORT    binds a TCP socket to 127.0.0.1 / :: PORT
 *   actor bindunix PATH       binds an AF_UNIX socket to PATH
 *   actor bindburst N         prints "READY", waits for a line on stdin, then binds N TCP sockets
 *                             to 127.0.0.1 port 0 (one bind each)
 *   actor uring               creates a TCP socket, prints "READY <pid> <fd>", waits for a line on
 *                             stdin, then submits IORING_OP_URING_CMD SOCKET_URING_OP_SIOCINQ on
 *                             the socket through a raw io_uring; prints OK or the errno of the
 *                             completion (EOPNOTSUPP where sockets have no uring_cmd, before 6.7)
 *   actor uringbind PORT      like uring, but submits IORING_OP_BIND of the socket to 127.0.0.1
 *                             PORT (6.11+; EINVAL before)
 *   actor uringconnect PORT   like uring, but submits IORING_OP_CONNECT of the socket to 127.0.0.1
 *                             PORT
 *   actor connect4|connect6 ADDR PORT
 *                             connects a non-blocking TCP socket to ADDR PORT (EINPROGRESS, then
 *                             waits for the outcome); prints OK or the errno name
 *   actor openat DIR NAME keep|close
 *                             opens DIR, prints "READY <pid> <fd>", waits for a line on stdin, then
 *                             openat(fd, NAME); "close" closes the directory right after; prints OK
 *                             or the errno name, then waits for a line before it exits
 *   actor openunlink PATH     prints "READY <pid>", waits for a line, opens PATH, unlinks it, prints
 *                             OK, waits for a line
 *   actor execat DIR NAME [ARG...]
 *                             execveat(9, NAME, {NAME, ARG...}, 0) with DIR opened as descriptor 9
 *                             (open across the exec, as a script run through it needs)
 *   actor fexec PATH [ARG...] execveat(9, "", {PATH, ARG...}, AT_EMPTY_PATH) with PATH opened as
 *                             descriptor 9 (open across the exec)
 *   actor interp-keep|interp-close SCRIPT [ARG...]
 *                             the interpreter of a test script ("#!.../actor interp-keep"): does
 *                             not open SCRIPT; interp-close closes descriptor 9 first; prints
 *                             STARTED, waits for a line
 *   actor wait OP ARG...      prints "READY <pid>", waits for a line on stdin, then does OP
 *
 * Exit status: 0 on success, 1 when the operation failed, 2 on usage errors.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#define SOCKET_URING_OP_SIOCINQ 0 /* include/uapi/linux/io_uring.h, 6.7+ */
#define OP_CONNECT 16               /* enum io_uring_op */
#define OP_URING_CMD 46
#define OP_BIND 56                  /* 6.11+ */

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
    case EINPROGRESS: return "EINPROGRESS";
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

static int uring(int opcode, int port) {
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
    unsigned tail = *(unsigned *)(sq + p.sq_off.tail);
    unsigned idx = tail & *(unsigned *)(sq + p.sq_off.ring_mask);
    struct io_uring_sqe *sqe = &sqes[idx];
    memset(sqe, 0, sizeof *sqe);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sqe->opcode = opcode;
    sqe->fd = s;
    if (opcode == OP_BIND) {
        sqe->addr = (unsigned long)&a;
        sqe->addr2 = sizeof a;
    } else if (opcode == OP_CONNECT) {
        sqe->addr = (unsigned long)&a;
        sqe->off = sizeof a;
    } else {
        sqe->cmd_op = SOCKET_URING_OP_SIOCINQ;
    }
    sqe->user_data = 42;
    ((unsigned *)(sq + p.sq_off.array))[idx] = idx;
    __atomic_store_n((unsigned *)(sq + p.sq_off.tail), tail + 1, __ATOMIC_RELEASE);
    if (syscall(__NR_io_uring_enter, ring, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0) return result(0);
    unsigned head = *(unsigned *)(cq + p.cq_off.head);
    struct io_uring_cqe *cqe = (struct io_uring_cqe *)(cq + p.cq_off.cqes)
                               + (head & *(unsigned *)(cq + p.cq_off.ring_mask));
    if (cqe->res < 0) { errno = -cqe->res; return result(0); }
    return result(1);
}

/* A non-blocking connect, as most clients make it: EINPROGRESS, then the outcome. */
static int connect_to(int six, const char *addr, int port) {
    int s = socket(six ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (s < 0) return result(0);
    struct sockaddr_storage st;
    memset(&st, 0, sizeof st);
    socklen_t len;
    if (six) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&st;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons(port);
        if (inet_pton(AF_INET6, addr, &a->sin6_addr) != 1) return 2;
        len = sizeof *a;
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&st;
        a->sin_family = AF_INET;
        a->sin_port = htons(port);
        if (inet_pton(AF_INET, addr, &a->sin_addr) != 1) return 2;
        len = sizeof *a;
    }
    if (connect(s, (struct sockaddr *)&st, len) == 0) return result(1);
    if (errno != EINPROGRESS) return result(0);
    struct pollfd p = {.fd = s, .events = POLLOUT};
    if (poll(&p, 1, 10000) != 1) { errno = ETIMEDOUT; return result(0); }
    int err = 0;
    socklen_t el = sizeof err;
    getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &el);
    errno = err;
    return result(err == 0);
}

static int exec_at(int dirfd, const char *name, int flags, char **args) {
    extern char **environ;
    fflush(stdout);
    syscall(SYS_execveat, dirfd, name, args, environ, flags);
    return result(0);
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
    if (strcmp(op, "exec") == 0 && argc >= 3) {
        fflush(stdout);
        execv(argv[2], &argv[2]);
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
            a.sin6_addr = in6addr_any; /* "::": works where the loopback has no IPv6 address */
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
    if (strcmp(op, "uring") == 0) return uring(OP_URING_CMD, 0);
    if (strcmp(op, "uringbind") == 0 && argc == 3) return uring(OP_BIND, atoi(argv[2]));
    if (strcmp(op, "uringconnect") == 0 && argc == 3) return uring(OP_CONNECT, atoi(argv[2]));
    if ((strcmp(op, "connect4") == 0 || strcmp(op, "connect6") == 0) && argc == 4)
        return connect_to(op[7] == '6', argv[2], atoi(argv[3]));
    if (strcmp(op, "openat") == 0 && argc == 5) {
        int d = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (d < 0) return result(0);
        printf("READY %d %d\n", getpid(), d);
        wait_line();
        int fd = openat(d, argv[3], O_RDONLY | O_CLOEXEC);
        int e = errno;
        if (strcmp(argv[4], "close") == 0) close(d);
        errno = e;
        int rc = result(fd >= 0);
        wait_line();
        return rc;
    }
    if ((strcmp(op, "interp-keep") == 0 || strcmp(op, "interp-close") == 0) && argc >= 3) {
        if (strcmp(op, "interp-close") == 0) close(9);
        printf("STARTED\n");
        wait_line();
        return 0;
    }
    if (strcmp(op, "openunlink") == 0 && argc == 3) {
        printf("READY %d\n", getpid());
        wait_line();
        int fd = open(argv[2], O_RDONLY | O_CLOEXEC);
        int rc = result(fd >= 0 && unlink(argv[2]) == 0);
        wait_line();
        return rc;
    }
    if (strcmp(op, "execat") == 0 && argc >= 4) {
        int d = open(argv[2], O_RDONLY | O_DIRECTORY);
        if (d < 0 || dup2(d, 9) < 0) return result(0);
        if (d != 9) close(d);
        return exec_at(9, argv[3], 0, &argv[3]);
    }
    if (strcmp(op, "fexec") == 0 && argc >= 3) {
        int fd = open(argv[2], O_RDONLY);
        if (fd < 0 || dup2(fd, 9) < 0) return result(0);
        if (fd != 9) close(fd);
        return exec_at(9, "", AT_EMPTY_PATH, &argv[2]);
    }
usage:
    fprintf(stderr, "usage: actor [wait] open PATH [N] | burst PATH N | exec PATH [ARG...] | bind4|bind6 PORT"
                    " | bindunix PATH | bindburst N | uring | uringbind PORT | uringconnect PORT"
                    " | connect4|connect6 ADDR PORT | openat DIR NAME keep|close | openunlink PATH"
                    " | execat DIR NAME [ARG...] | fexec PATH [ARG...] | interp-keep|interp-close SCRIPT\n");
    return 2;
}
