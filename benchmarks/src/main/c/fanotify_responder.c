/*
 * fanotify_responder: the C baseline of the fanotify latency benchmark.
 *
 *   fanotify_responder --dir DIR --mode blocking|spinning [--cpu N] [--pidfd]
 *
 * Places a mount mark for FAN_OPEN_PERM on DIR and answers FAN_ALLOW to every permission
 * event, with the same strategy as the esf4j fanotify backend's reader thread:
 *
 *   - the group is non-blocking (FAN_NONBLOCK) in both modes; the loop first reads;
 *   - on EAGAIN, "blocking" sleeps in epoll_wait(-1) on {group fd, stop eventfd} and reads
 *     again; "spinning" executes one PAUSE (what Thread.onSpinWait() compiles to) and reads
 *     again;
 *   - every event of a read is answered in order: write the response, then close the event fd
 *     (and the pidfd, when --pidfd asks for FAN_REPORT_PIDFD like the Java backend does);
 *   - events of this process itself are allowed too (the Java side answers its own pid first).
 *
 * Protocol with the harness: prints "READY" once the mark is placed; lines on stdin are
 * ignored; stdin EOF, SIGTERM or SIGINT stop it, and it prints "EVENTS n" (permission events
 * answered, own ones included), "SELF n", "OVERFLOW n" and "ERRORS n" before exiting. Exit
 * status 0 means no error was seen.
 *
 * Build: gcc -O2 -Wall -Wextra -pthread -o fanotify_responder fanotify_responder.c
 * Needs CAP_SYS_ADMIN (root). Pinning: run it under `taskset -c N` or pass --cpu N.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/fanotify.h>
#include <unistd.h>

#ifndef FAN_REPORT_PIDFD
#define FAN_REPORT_PIDFD 0x00000080
#endif
#ifndef FAN_EVENT_INFO_TYPE_PIDFD
#define FAN_EVENT_INFO_TYPE_PIDFD 4
#endif

#define READ_BUFFER (64 * 1024)
#define PERM_MASK (FAN_OPEN_PERM | FAN_ACCESS_PERM | FAN_OPEN_EXEC_PERM)

static atomic_int stop_requested;
static int wake_fd = -1;

static unsigned char buf[READ_BUFFER] __attribute__((aligned(8)));

static unsigned long long n_events, n_self, n_overflow, n_errors;

static void request_stop(void)
{
    uint64_t one = 1;
    atomic_store_explicit(&stop_requested, 1, memory_order_release);
    /* async-signal-safe; wakes a reader sleeping in epoll_wait */
    if (write(wake_fd, &one, sizeof one) < 0) {
        /* the eventfd counter cannot overflow with a handful of writes; nothing to do */
    }
}

static void on_signal(int sig)
{
    (void) sig;
    request_stop();
}

static void *watch_stdin(void *arg)
{
    char line[256];
    (void) arg;
    for (;;) {
        ssize_t n = read(STDIN_FILENO, line, sizeof line);
        if (n == 0 || (n < 0 && errno != EINTR)) {
            break;
        }
    }
    request_stop();
    return NULL;
}

static void die(const char *what)
{
    fprintf(stderr, "fanotify_responder: %s: %s (errno %d)\n", what, strerror(errno), errno);
    exit(2);
}

static void usage(void)
{
    fprintf(stderr, "usage: fanotify_responder --dir DIR --mode blocking|spinning [--cpu N] [--pidfd]\n");
    exit(64);
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("isb" ::: "memory");
#else
    __asm__ __volatile__("" ::: "memory");
#endif
}

/* Answers every event of one read(); returns nothing, counts everything. */
static void handle(int group_fd, pid_t self, ssize_t n)
{
    struct fanotify_event_metadata *md = (struct fanotify_event_metadata *) buf;
    long len = (long) n;
    while (FAN_EVENT_OK(md, len)) {
        if (md->vers != FANOTIFY_METADATA_VERSION) {
            fprintf(stderr, "fanotify_responder: metadata version %u, expected %u\n",
                    (unsigned) md->vers, (unsigned) FANOTIFY_METADATA_VERSION);
            exit(2);
        }
        int pidfd = -1;
        /* Info records follow the metadata in no promised order: dispatch on the type. */
        for (uint32_t off = md->metadata_len; off + sizeof(struct fanotify_event_info_header) <= md->event_len;) {
            const struct fanotify_event_info_header *h =
                (const struct fanotify_event_info_header *) ((const unsigned char *) md + off);
            if (h->len < sizeof *h || off + h->len > md->event_len) {
                break;
            }
            if (h->info_type == FAN_EVENT_INFO_TYPE_PIDFD && h->len >= 8) {
                int32_t v;
                memcpy(&v, (const unsigned char *) h + 4, sizeof v);
                pidfd = v;
            }
            off += h->len;
        }
        if (md->mask & FAN_Q_OVERFLOW) {
            n_overflow++;
        } else if (md->fd >= 0) {
            if (md->mask & PERM_MASK) {
                /* Own pid or not, the answer is the same; the Java side also allows its own first. */
                struct fanotify_response r = { .fd = md->fd, .response = FAN_ALLOW };
                if (write(group_fd, &r, sizeof r) != (ssize_t) sizeof r) {
                    n_errors++;
                }
                n_events++;
                if (md->pid == self) {
                    n_self++;
                }
            }
            /* Response first, then close: a closed fd number could be reused by a new event. */
            close(md->fd);
        }
        if (pidfd >= 0) {
            close(pidfd);
        }
        md = FAN_EVENT_NEXT(md, len);
    }
}

int main(int argc, char **argv)
{
    const char *dir = NULL;
    int spinning = -1;
    int cpu = -1;
    int pidfd = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
            dir = argv[++i];
        } else if (strcmp(argv[i], "--mode") == 0 && i + 1 < argc) {
            const char *m = argv[++i];
            if (strcmp(m, "blocking") == 0) {
                spinning = 0;
            } else if (strcmp(m, "spinning") == 0) {
                spinning = 1;
            } else {
                usage();
            }
        } else if (strcmp(argv[i], "--cpu") == 0 && i + 1 < argc) {
            char *end;
            long v = strtol(argv[++i], &end, 10);
            if (*end != '\0' || v < 0 || v >= CPU_SETSIZE) {
                usage();
            }
            cpu = (int) v;
        } else if (strcmp(argv[i], "--pidfd") == 0) {
            pidfd = 1;
        } else {
            usage();
        }
    }
    if (dir == NULL || spinning < 0) {
        usage();
    }

    if (cpu >= 0) {
        /* Before any thread exists, so the stdin watcher inherits the mask. */
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
        if (sched_setaffinity(0, sizeof set, &set) != 0) {
            die("sched_setaffinity");
        }
    }

    pid_t self = getpid();
    wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake_fd < 0) {
        die("eventfd");
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: epoll_wait returns EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    unsigned init_flags = FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK | FAN_UNLIMITED_QUEUE
                          | (pidfd ? FAN_REPORT_PIDFD : 0);
    int group_fd = fanotify_init(init_flags, O_RDONLY | O_LARGEFILE | O_CLOEXEC | O_NOATIME);
    if (group_fd < 0) {
        die("fanotify_init");
    }
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) {
        die("epoll_create1");
    }
    struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 0 };
    if (epoll_ctl(ep, EPOLL_CTL_ADD, group_fd, &ev) != 0) {
        die("epoll_ctl(group)");
    }
    ev.data.u64 = 1;
    if (epoll_ctl(ep, EPOLL_CTL_ADD, wake_fd, &ev) != 0) {
        die("epoll_ctl(eventfd)");
    }

    pthread_t watcher;
    if (pthread_create(&watcher, NULL, watch_stdin, NULL) != 0) {
        errno = EAGAIN;
        die("pthread_create");
    }
    pthread_detach(watcher);

    if (fanotify_mark(group_fd, FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_OPEN_PERM, AT_FDCWD, dir) != 0) {
        die("fanotify_mark");
    }
    printf("READY\n");
    fflush(stdout);

    struct epoll_event events[2];
    while (!atomic_load_explicit(&stop_requested, memory_order_relaxed)) {
        ssize_t n = read(group_fd, buf, sizeof buf);
        if (n > 0) {
            handle(group_fd, self, n);
            continue;
        }
        if (n == 0 || errno == EAGAIN) {
            if (spinning) {
                cpu_relax();
            } else if (epoll_wait(ep, events, 2, -1) < 0 && errno != EINTR) {
                die("epoll_wait");
            }
        } else if (errno != EINTR) {
            die("read");
        }
    }

    /* Closing the group allows whatever is still pending. */
    close(group_fd);
    printf("EVENTS %llu\nSELF %llu\nOVERFLOW %llu\nERRORS %llu\n", n_events, n_self, n_overflow, n_errors);
    fflush(stdout);
    return n_errors == 0 ? 0 : 1;
}
