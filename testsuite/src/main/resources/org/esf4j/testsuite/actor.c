/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The one test helper of every backend's kernel tests: "another process" that performs one
 * operation and prints its outcome ("OK" or the errno name), so the tests see exactly what an
 * unrelated process sees, and the conformance workload's system calls that no shell command makes.
 *
 *   actor open PATH [N]         open(PATH, O_RDONLY) N times (default 1); prints the first failure or OK
 *   actor write PATH            open(PATH, O_WRONLY|O_APPEND) and append one byte
 *   actor burst PATH N          prints "READY", waits for a line on stdin, then opens PATH N times
 *   actor openeach DIR N        opens DIR/f0 .. DIR/f<N-1> once each (N distinct files)
 *   actor tmpfile DIR           open(DIR, O_TMPFILE | O_RDWR): an unnamed file
 *   actor ntop HEX              prints the IPv4 (8 hex digits) or IPv6 (32) address as the C
 *                               library's inet_ntop writes it (the suite's independent formatter)
 *   actor exec PATH [ARG...]    execv(PATH, {PATH, ARG...}); prints the errno name if exec fails
 *   actor bind4|bind6 PORT      binds a TCP socket to 127.0.0.1 / :: PORT
 *   actor bindudp6 ADDR PORT    binds a UDP socket to the IPv6 address ADDR, PORT
 *   actor bindunix PATH         binds an AF_UNIX socket to PATH (@NAME: the abstract namespace)
 *   actor bindburst N           prints "READY", waits for a line on stdin, then binds N TCP sockets
 *                               to 127.0.0.1 port 0 (one bind each)
 *   actor connect4|connect6 ADDR PORT
 *                               connects a TCP socket to ADDR PORT (blocking)
 *   actor connect4nb|connect6nb ADDR PORT
 *                               connects a non-blocking TCP socket, as most clients do: the call fails
 *                               with EINPROGRESS, then the actor waits for the outcome and prints it
 *   actor connectunix PATH      connects an AF_UNIX stream socket to PATH
 *   actor listen ADDR PORT      listens on ADDR PORT (TCP, IPv4 or IPv6 literal), prints
 *                               "READY <pid>", and exits at the next line on stdin
 *   actor uring [N]             creates a TCP socket, prints "READY <pid> <fd>", waits for a line on
 *                               stdin, then submits IORING_OP_URING_CMD SOCKET_URING_OP_SIOCINQ on
 *                               the socket through a raw io_uring; prints OK or the errno of the
 *                               completion (EOPNOTSUPP where sockets have no uring_cmd, before 6.7);
 *                               N times (default 1), waiting for a line before each further one
 *   actor uringbind PORT        like uring, but submits IORING_OP_BIND of the socket to 127.0.0.1
 *                               PORT (6.11+; EINVAL before)
 *   actor uringconnect PORT     like uring, but submits IORING_OP_CONNECT of the socket to 127.0.0.1
 *                               PORT
 *   actor uringbatch bind|connect PORT...
 *                               submits one IORING_OP_BIND or IORING_OP_CONNECT per PORT (at most 8),
 *                               each of a TCP socket of its own to 127.0.0.1 PORT, in one
 *                               io_uring_enter; prints OK or the errno of the first failed completion
 *   actor vfork PATH [ARG...]   vfork(), the child execs PATH; waits for it
 *   actor spawn PATH [ARG...]   posix_spawn(PATH) (glibc: clone with CLONE_VM|CLONE_VFORK); waits
 *   actor execveat DIR NAME [ARG...]
 *                               execveat(open(DIR), NAME, {NAME, ARG...}, environ, 0)
 *   actor fexecve PATH [ARG...] execveat(open(PATH), "", {PATH, ARG...}, environ, AT_EMPTY_PATH)
 *   actor execveat9 DIR NAME [ARG...] | fexecve9 PATH [ARG...]
 *                               the same with DIR or PATH open as descriptor 9 across the exec (as a
 *                               script run through a descriptor needs: the kernel passes it /dev/fd/9)
 *   actor interp-keep|interp-close SCRIPT [ARG...]
 *                               an interpreter for test scripts ("#!.../actor interp-keep"): does not
 *                               open SCRIPT; interp-close closes descriptor 9 first; prints STARTED,
 *                               waits for a line on stdin
 *   actor thread-exec PATH [ARG...]
 *                               a second thread execs PATH (the kernel makes it the leader)
 *   actor opens DIR             the open(2) cases of the conformance workload, in DIR: a name relative
 *                               to a directory fd, a directory, O_PATH, through a symbolic link, a file
 *                               renamed and one unlinked right after the open, O_TMPFILE
 *   actor uid UID GID PATH [ARG...]
 *                               setresgid(GID), setresuid(UID), then execv PATH
 *   actor openat DIR NAME keep|close
 *                               opens DIR, prints "READY <pid> <fd>", waits for a line on stdin, then
 *                               openat(fd, NAME); "close" closes the directory right after; prints OK
 *                               or the errno name, then waits for a line before it exits
 *   actor openunlink PATH       prints "READY <pid>", waits for a line, opens PATH, unlinks it, prints
 *                               OK, waits for a line
 *   actor reopendeleted PATH    opens PATH, unlinks it, then opens it again through /proc/self/fd
 *   actor wait OP ARG...        prints "READY <pid>", waits for a line on stdin, then does OP
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
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <stddef.h>
#include <unistd.h>

#define SOCKET_URING_OP_SIOCINQ 0 /* include/uapi/linux/io_uring.h, 6.7+ */
#define OP_CONNECT 16               /* enum io_uring_op */
#define OP_URING_CMD 46
#define OP_BIND 56                  /* 6.11+ */

extern char **environ;

static const char *errname(int e) {
    switch (e) {
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case ENOENT: return "ENOENT";
    case EINTR: return "EINTR";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case EINVAL: return "EINVAL";
    case EADDRINUSE: return "EADDRINUSE";
    case ECONNREFUSED: return "ECONNREFUSED";
    case ENETUNREACH: return "ENETUNREACH";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    case EINPROGRESS: return "EINPROGRESS";
    case ETIMEDOUT: return "ETIMEDOUT";
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

/*
 * Submits N operations of one opcode in one io_uring_enter, each on a TCP socket of its own (bind or
 * connect to 127.0.0.1 PORTS[i]); with READY, prints "READY <pid> <fd>" (the first socket) and waits
 * for a line first. Prints OK, or the errno of the first failed completion; ROUNDS times on the same
 * sockets, waiting for a line before each further round.
 */
static int uring(int opcode, int n, const int *ports, int ready, long rounds) {
    int socks[8];
    struct sockaddr_in addrs[8];
    if (n < 1 || n > 8) { errno = EINVAL; return result(0); }
    for (int i = 0; i < n; i++) {
        socks[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (socks[i] < 0) return result(0);
        memset(&addrs[i], 0, sizeof addrs[i]);
        addrs[i].sin_family = AF_INET;
        addrs[i].sin_port = htons(ports[i]);
        addrs[i].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    }
    if (ready) {
        printf("READY %d %d\n", getpid(), socks[0]);
        wait_line();
    }
    struct io_uring_params p;
    memset(&p, 0, sizeof p);
    int ring = syscall(__NR_io_uring_setup, 8, &p);
    if (ring < 0) return result(0);
    size_t sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
    size_t cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
    char *sq = mmap(0, sq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_SQ_RING);
    char *cq = mmap(0, cq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_CQ_RING);
    struct io_uring_sqe *sqes = mmap(0, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
                                     MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_SQES);
    if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED) return result(0);
    for (long round = 1;; round++) {
        unsigned tail = *(unsigned *)(sq + p.sq_off.tail);
        unsigned mask = *(unsigned *)(sq + p.sq_off.ring_mask);
        for (int i = 0; i < n; i++) {
            unsigned idx = (tail + i) & mask;
            struct io_uring_sqe *sqe = &sqes[idx];
            memset(sqe, 0, sizeof *sqe);
            sqe->opcode = opcode;
            sqe->fd = socks[i];
            if (opcode == OP_BIND) {
                sqe->addr = (unsigned long)&addrs[i];
                sqe->addr2 = sizeof addrs[i];
            } else if (opcode == OP_CONNECT) {
                sqe->addr = (unsigned long)&addrs[i];
                sqe->off = sizeof addrs[i];
            } else {
                sqe->cmd_op = SOCKET_URING_OP_SIOCINQ;
            }
            sqe->user_data = 42 + i;
            ((unsigned *)(sq + p.sq_off.array))[idx] = idx;
        }
        __atomic_store_n((unsigned *)(sq + p.sq_off.tail), tail + n, __ATOMIC_RELEASE);
        if (syscall(__NR_io_uring_enter, ring, n, n, IORING_ENTER_GETEVENTS, NULL, 0) < 0) return result(0);
        int first = 0;
        for (int seen = 0; seen < n;) {
            unsigned head = __atomic_load_n((unsigned *)(cq + p.cq_off.head), __ATOMIC_ACQUIRE);
            unsigned ctail = __atomic_load_n((unsigned *)(cq + p.cq_off.tail), __ATOMIC_ACQUIRE);
            if (head == ctail) {
                if (syscall(__NR_io_uring_enter, ring, 0, n - seen, IORING_ENTER_GETEVENTS, NULL, 0) < 0) return result(0);
                continue;
            }
            struct io_uring_cqe *cqe = (struct io_uring_cqe *)(cq + p.cq_off.cqes)
                                       + (head & *(unsigned *)(cq + p.cq_off.ring_mask));
            if (cqe->res < 0 && !first) first = -cqe->res;
            __atomic_store_n((unsigned *)(cq + p.cq_off.head), head + 1, __ATOMIC_RELEASE);
            seen++;
        }
        errno = first;
        int rc = result(first == 0);
        if (round >= rounds) return rc;
        wait_line();
    }
}

/* A bind, or a connect (non-blocking ones fail with EINPROGRESS; then the outcome is awaited). */
static int inet(int six, const char *addr, int port, int type, int do_connect, int nonblock) {
    int s = socket(six ? AF_INET6 : AF_INET, type | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);
    if (s < 0) return result(0);
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    int rc;
    if (six) {
        struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
        if (inet_pton(AF_INET6, addr, &a.sin6_addr) != 1) { errno = EINVAL; return result(0); }
        rc = do_connect ? connect(s, (struct sockaddr *)&a, sizeof a) : bind(s, (struct sockaddr *)&a, sizeof a);
    } else {
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
        if (inet_pton(AF_INET, addr, &a.sin_addr) != 1) { errno = EINVAL; return result(0); }
        rc = do_connect ? connect(s, (struct sockaddr *)&a, sizeof a) : bind(s, (struct sockaddr *)&a, sizeof a);
    }
    if (rc == 0 || !nonblock || errno != EINPROGRESS) return result(rc == 0);
    struct pollfd p = {.fd = s, .events = POLLOUT};
    if (poll(&p, 1, 10000) != 1) { errno = ETIMEDOUT; return result(0); }
    int err = 0;
    socklen_t el = sizeof err;
    getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &el);
    errno = err;
    return result(err == 0);
}

/* Listens on ADDR PORT, prints "READY <pid>", and returns at the next line on stdin. */
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

static int unix_socket(const char *path, int do_connect) {
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    socklen_t len = sizeof a;
    if (path[0] == '@') { /* abstract: a leading NUL, and the length says where the name ends */
        strncpy(a.sun_path + 1, path + 1, sizeof a.sun_path - 2);
        len = offsetof(struct sockaddr_un, sun_path) + 1 + strlen(path + 1);
    } else {
        strncpy(a.sun_path, path, sizeof a.sun_path - 1);
    }
    int rc = do_connect ? connect(s, (struct sockaddr *)&a, len) : bind(s, (struct sockaddr *)&a, len);
    return result(s >= 0 && rc == 0);
}

static int wait_child(pid_t pid) {
    int status;
    if (pid < 0 || waitpid(pid, &status, 0) < 0) return result(0);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return result(1);
    errno = ECHILD;
    return result(0);
}

/*
 * execveat(fd, NAME, ARGS, environ, AT_FLAGS) with PATH opened (OFLAGS) as fd: any descriptor, closed
 * at the exec unless OFLAGS says otherwise, or descriptor 9 kept open across the exec (FD9).
 */
static int exec_at(const char *path, int oflags, int fd9, const char *name, int at_flags, char **args) {
    int fd = open(path, oflags);
    if (fd < 0) return result(0);
    if (fd9) {
        if (dup2(fd, 9) < 0) return result(0);
        if (fd != 9) close(fd);
        fd = 9;
    }
    fflush(stdout);
    syscall(SYS_execveat, fd, name, args, environ, at_flags);
    return result(0);
}

struct thread_exec { char **argv; };

static void *thread_main(void *p) {
    struct thread_exec *t = p;
    execv(t->argv[0], t->argv);
    printf("%s\n", errname(errno));
    exit(1);
}

static int do_opens(const char *dir) {
    char p[4096];
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);        /* a directory */
    if (dfd < 0) return result(0);
    int fd = openat(dfd, "rel-created", O_CREAT | O_WRONLY | O_CLOEXEC, 0644); /* relative to a dir fd */
    if (fd < 0) return result(0);
    close(fd);
    fd = openat(dfd, "rel-created", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return result(0);
    close(fd);
    snprintf(p, sizeof p, "%s/rel-created", dir);
    fd = open(p, O_PATH | O_CLOEXEC);                                 /* O_PATH */
    if (fd < 0) return result(0);
    close(fd);
    snprintf(p, sizeof p, "%s/link-to-created", dir);
    if (symlink("rel-created", p) != 0) return result(0);
    fd = open(p, O_RDONLY | O_CLOEXEC);                               /* through a symbolic link */
    if (fd < 0) return result(0);
    close(fd);
    snprintf(p, sizeof p, "%s/renamed-before", dir);
    fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);               /* renamed right after */
    if (fd < 0) return result(0);
    char q[4096];
    snprintf(q, sizeof q, "%s/renamed-after", dir);
    if (rename(p, q) != 0) return result(0);
    close(fd);
    snprintf(p, sizeof p, "%s/unlinked", dir);
    fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);               /* unlinked right after */
    if (fd < 0) return result(0);
    if (unlink(p) != 0) return result(0);
    close(fd);
    fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);           /* O_TMPFILE */
    if (fd >= 0) close(fd);
    close(dfd);
    return result(1);
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
    if (strcmp(op, "write") == 0 && argc == 3) {
        int fd = open(argv[2], O_WRONLY | O_APPEND | O_CLOEXEC);
        if (fd < 0) return result(0);
        int ok = write(fd, "x", 1) == 1;
        close(fd);
        return result(ok);
    }
    if (strcmp(op, "burst") == 0 && argc == 4) {
        printf("READY\n");
        wait_line();
        return opens(argv[2], atol(argv[3]));
    }
    if (strcmp(op, "tmpfile") == 0 && argc == 3) {
        int fd = open(argv[2], O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
        if (fd >= 0) close(fd);
        return result(fd >= 0);
    }
    if (strcmp(op, "ntop") == 0 && argc == 3) {
        unsigned char b[16];
        size_t n = strlen(argv[2]) / 2;
        if ((n != 4 && n != 16) || strlen(argv[2]) % 2) goto usage;
        for (size_t i = 0; i < n; i++) {
            unsigned int v;
            if (sscanf(argv[2] + 2 * i, "%2x", &v) != 1) goto usage;
            b[i] = (unsigned char)v;
        }
        char text[INET6_ADDRSTRLEN];
        if (!inet_ntop(n == 4 ? AF_INET : AF_INET6, b, text, sizeof text)) return result(0);
        printf("%s\n", text);
        return 0;
    }
    if (strcmp(op, "openeach") == 0 && argc == 4) {
        long n = atol(argv[3]);
        int first = 0;
        char name[4096];
        for (long i = 0; i < n; i++) {
            snprintf(name, sizeof name, "%s/f%ld", argv[2], i);
            int fd = open(name, O_RDONLY | O_CLOEXEC);
            if (fd < 0) { if (!first) first = errno; } else close(fd);
        }
        errno = first;
        return result(first == 0);
    }
    if (strcmp(op, "exec") == 0 && argc >= 3) {
        fflush(stdout);
        execv(argv[2], &argv[2]);
        return result(0);
    }
    if ((strcmp(op, "bind4") == 0 || strcmp(op, "bind6") == 0) && argc == 3)
        return inet(op[4] == '6', op[4] == '6' ? "::" : "127.0.0.1", atoi(argv[2]), SOCK_STREAM, 0, 0);
    if (strcmp(op, "bindudp6") == 0 && argc == 4) return inet(1, argv[2], atoi(argv[3]), SOCK_DGRAM, 0, 0);
    if ((strcmp(op, "connect4") == 0 || strcmp(op, "connect6") == 0 || strcmp(op, "connect4nb") == 0
         || strcmp(op, "connect6nb") == 0) && argc == 4)
        return inet(op[7] == '6', argv[2], atoi(argv[3]), SOCK_STREAM, 1, op[8] == 'n');
    if (strcmp(op, "bindunix") == 0 && argc == 3) return unix_socket(argv[2], 0);
    if (strcmp(op, "connectunix") == 0 && argc == 3) return unix_socket(argv[2], 1);
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
    if (strcmp(op, "uring") == 0) {
        int none = 0;
        return uring(OP_URING_CMD, 1, &none, 1, argc > 2 ? atol(argv[2]) : 1);
    }
    if ((strcmp(op, "uringbind") == 0 || strcmp(op, "uringconnect") == 0) && argc == 3) {
        int port = atoi(argv[2]);
        return uring(op[5] == 'b' ? OP_BIND : OP_CONNECT, 1, &port, 1, 1);
    }
    if (strcmp(op, "uringbatch") == 0 && argc >= 4 && argc <= 11) {
        int ports[8];
        for (int i = 3; i < argc; i++) ports[i - 3] = atoi(argv[i]);
        if (strcmp(argv[2], "bind") != 0 && strcmp(argv[2], "connect") != 0) goto usage;
        return uring(argv[2][0] == 'b' ? OP_BIND : OP_CONNECT, argc - 3, ports, 0, 1);
    }
    if (strcmp(op, "vfork") == 0 && argc >= 3) {
        fflush(stdout);
        pid_t pid = vfork();
        if (pid == 0) {
            execv(argv[2], &argv[2]);
            _exit(127);
        }
        return wait_child(pid);
    }
    if (strcmp(op, "spawn") == 0 && argc >= 3) {
        pid_t pid;
        fflush(stdout);
        int rc = posix_spawn(&pid, argv[2], NULL, NULL, &argv[2], environ);
        if (rc != 0) { errno = rc; return result(0); }
        return wait_child(pid);
    }
    if (strcmp(op, "execveat") == 0 && argc >= 4)
        return exec_at(argv[2], O_PATH | O_DIRECTORY | O_CLOEXEC, 0, argv[3], 0, &argv[3]);
    if (strcmp(op, "execveat9") == 0 && argc >= 4)
        return exec_at(argv[2], O_RDONLY | O_DIRECTORY, 1, argv[3], 0, &argv[3]);
    /* no O_CLOEXEC: a script's interpreter reads it as /dev/fd/N */
    if ((strcmp(op, "fexecve") == 0 || strcmp(op, "fexecve9") == 0) && argc >= 3)
        return exec_at(argv[2], O_RDONLY, op[7] == '9', "", AT_EMPTY_PATH, &argv[2]);
    if ((strcmp(op, "interp-keep") == 0 || strcmp(op, "interp-close") == 0) && argc >= 3) {
        if (strcmp(op, "interp-close") == 0) close(9);
        printf("STARTED\n");
        wait_line();
        return 0;
    }
    if (strcmp(op, "thread-exec") == 0 && argc >= 3) {
        static struct thread_exec t;
        t.argv = &argv[2];
        pthread_t th;
        fflush(stdout);
        if (pthread_create(&th, NULL, thread_main, &t) != 0) return result(0);
        pause();
        return 1;
    }
    if (strcmp(op, "opens") == 0 && argc == 3) return do_opens(argv[2]);
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
    if (strcmp(op, "openunlink") == 0 && argc == 3) {
        printf("READY %d\n", getpid());
        wait_line();
        int fd = open(argv[2], O_RDONLY | O_CLOEXEC);
        int rc = result(fd >= 0 && unlink(argv[2]) == 0);
        wait_line();
        return rc;
    }
    if (strcmp(op, "reopendeleted") == 0 && argc == 3) {
        int fd = open(argv[2], O_RDONLY | O_CLOEXEC);
        if (fd < 0 || unlink(argv[2]) != 0) return result(0);
        char self[64];
        snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
        return result(open(self, O_RDONLY | O_CLOEXEC) >= 0);
    }
    if (strcmp(op, "listen") == 0 && argc == 4) return listens(argv[2], atoi(argv[3]));
    if (strcmp(op, "uid") == 0 && argc >= 5) {
        gid_t g = (gid_t) atoi(argv[3]);
        uid_t u = (uid_t) atoi(argv[2]);
        if (setresgid(g, g, g) != 0 || setresuid(u, u, u) != 0) return result(0);
        fflush(stdout);
        execv(argv[4], &argv[4]);
        return result(0);
    }
usage:
    fprintf(stderr, "usage: actor [wait] OP ARG..., OP: open PATH [N] | write PATH | burst PATH N | openeach DIR N"
                    " | tmpfile DIR | ntop HEX | exec PATH [ARG...] | bind4|bind6 PORT | bindudp6 ADDR PORT"
                    " | bindunix PATH | bindburst N | connect4|connect6|connect4nb|connect6nb ADDR PORT"
                    " | connectunix PATH | uring [N] | uringbind PORT | uringconnect PORT | uringbatch bind|connect PORT..."
                    " | vfork|spawn PATH [ARG...]"
                    " | execveat|execveat9 DIR NAME [ARG...] | fexecve|fexecve9 PATH [ARG...]"
                    " | interp-keep|interp-close SCRIPT | thread-exec PATH [ARG...] | opens DIR"
                    " | uid UID GID PATH [ARG...] | openat DIR NAME keep|close | openunlink PATH"
                    " | reopendeleted PATH | listen ADDR PORT\n");
    return 2;
}
