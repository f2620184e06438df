package org.esf4j.spi.nativeio;

/**
 * The one internal interface between esf4j and the C library: the system calls the backends
 * need, implemented twice — with Panama FFM on JDK 22+ and with JNA (direct mapping) on JDK
 * 17–21. Not API, may change without notice.
 *
 * <h2>Conventions</h2>
 * <ul>
 *   <li>Every call returns its C result on success and {@code -errno} on failure. errno is
 *       captured by the binding right after the call (FFM: {@code captureCallState("errno")};
 *       JNA: {@code Native.getLastError()}), never through a second call.</li>
 *   <li>Buffers are passed as native addresses ({@code long}) of memory the caller owns,
 *       normally a {@link NativeBuffer}. Hot-path calls ({@link #read}, {@link #write},
 *       {@link #readlink}, {@link #epollWait}, {@link #fstat}, {@link #close}) allocate nothing
 *       on the Java heap.</li>
 *   <li>Path arguments are NUL-terminated byte strings at a native address. Setup-time helpers
 *       that take a {@code String} allocate.</li>
 * </ul>
 * Implementations are thread-safe: any thread may call any method.
 */
public interface NativeOps {

    /** @return {@code "ffm"} or {@code "jna"}. */
    String binding();

    /** Allocates zeroed native memory owned by the returned buffer (freed on close). */
    NativeBuffer allocate(int size);

    int getpid();

    int gettid();

    /** {@code fanotify_init(2)}. */
    int fanotifyInit(int flags, int eventFFlags);

    /** {@code fanotify_mark(2)}; {@code pathAddr} may be 0 (NULL). */
    int fanotifyMark(int fd, int flags, long mask, int dirfd, long pathAddr);

    /** {@code open(2)} with a NUL-terminated path at {@code pathAddr}. */
    int open(long pathAddr, int flags, int mode);

    /** {@code read(2)}. */
    long read(int fd, long bufAddr, long count);

    /** {@code write(2)}. */
    long write(int fd, long bufAddr, long count);

    /** {@code close(2)}. */
    int close(int fd);

    /**
     * {@code fcntl(fd, F_DUPFD_CLOEXEC, 0)}: another descriptor of the same open file (no new
     * open, so no fanotify event), close-on-exec.
     */
    int dupCloexec(int fd);

    /** {@code readlink(2)}: path at {@code pathAddr}, result (not NUL-terminated) at {@code bufAddr}. */
    long readlink(long pathAddr, long bufAddr, long bufSize);

    /** {@code fstat(2)} into a {@code struct stat} (x86-64: 144 bytes) at {@code statAddr}. */
    int fstat(int fd, long statAddr);

    /** {@code stat(2)} of the NUL-terminated path at {@code pathAddr}. */
    int stat(long pathAddr, long statAddr);

    /** {@code epoll_create1(2)}. */
    int epollCreate1(int flags);

    /** {@code epoll_ctl(2)} with a {@code struct epoll_event} built from {@code events} and {@code data}. */
    int epollCtl(int epfd, int op, int fd, int events, long data);

    /** {@code epoll_wait(2)} into an array of {@code struct epoll_event} (12 bytes each, packed, on x86-64). */
    int epollWait(int epfd, long eventsAddr, int maxEvents, int timeoutMs);

    /** {@code eventfd(2)}. */
    int eventfd(int initval, int flags);

    /** {@code mount(2)}; string arguments are NUL-terminated at the given addresses (0 = NULL). */
    int mount(long sourceAddr, long targetAddr, long fstypeAddr, long flags, long dataAddr);

    /** {@code umount2(2)}. */
    int umount2(long targetAddr, int flags);

    /** {@code kill(2)}. */
    int kill(int pid, int sig);

    /** {@code sched_setaffinity(2)} for the calling thread with a one-word CPU mask. */
    int setAffinity(long cpuMask);

    /**
     * {@code sched_setscheduler(2)} with {@code SCHED_FIFO} for the calling thread (setup only).
     *
     * @param priority 1 (lowest) to 99
     * @return 0, or -errno ({@code EPERM} without CAP_SYS_NICE or an RLIMIT_RTPRIO that allows it)
     */
    int setFifo(int priority);

    /**
     * {@code mmap(2)}.
     *
     * @return the mapping's address, or {@code -errno}
     */
    long mmap(long addr, long length, int prot, int flags, int fd, long offset);

    /** {@code socket(2)}. */
    int socket(int domain, int type, int protocol);

    /** {@code bind(2)} to the {@code struct sockaddr} of {@code addrLen} bytes at {@code addrAddr}. */
    int bind(int fd, long addrAddr, int addrLen);

    /** {@code sendto(2)}; {@code addrAddr} may be 0 (NULL) for a connected socket. */
    long sendto(int fd, long bufAddr, long len, int flags, long addrAddr, int addrLen);

    /**
     * {@code recvfrom(2)}. The sender's address goes to {@code addrAddr} (0 = not wanted) and its
     * length to the {@code socklen_t} at {@code addrLenAddr}, which holds the buffer's size on entry.
     */
    long recvfrom(int fd, long bufAddr, long len, int flags, long addrAddr, long addrLenAddr);

    /** {@code setsockopt(2)} with the option value of {@code optLen} bytes at {@code optAddr}. */
    int setsockopt(int fd, int level, int name, long optAddr, int optLen);

    /**
     * {@code getsockopt(2)}: the value goes to {@code optAddr} and its length to the
     * {@code socklen_t} at {@code optLenAddr}, which holds the buffer's size on entry.
     */
    int getsockopt(int fd, int level, int name, long optAddr, long optLenAddr);

    /** {@code getpagesize(2)}: the size of a memory page. */
    int pageSize();

    /** {@code munmap(2)}. */
    int munmap(long addr, long length);

    /**
     * A little-endian {@link java.nio.ByteBuffer} over native memory the caller owns (e.g. a
     * mapping from {@link #mmap}); nothing is copied. The view must not be used after the memory
     * is released. Setup only (allocates the view).
     *
     * @param address start of the memory
     * @param size its size in bytes (at most {@link Integer#MAX_VALUE})
     * @return the view
     */
    java.nio.ByteBuffer view(long address, int size);

    /** {@code pread(2)}: reads at {@code offset} without moving the file position. */
    long pread(int fd, long bufAddr, long count, long offset);

    /** {@code pwrite(2)}: writes at {@code offset} without moving the file position. */
    long pwrite(int fd, long bufAddr, long count, long offset);

    /** {@code lseek(2)}: moves the file position; returns the new offset or {@code -errno}. */
    long lseek(int fd, long offset, int whence);

    /** {@code ioctl(2)} with a pointer (or integer) argument. */
    int ioctl(int fd, long request, long argAddr);

    /** {@code pidfd_open(2)} (Linux 5.3): a file descriptor that refers to the process. */
    int pidfdOpen(int pid, int flags);

    /** {@code pidfd_send_signal(2)} (Linux 5.1) without {@code siginfo}; signal 0 tests liveness. */
    int pidfdSendSignal(int pidfd, int sig);

    /** {@code getrlimit(2)} into a {@code struct rlimit} (two u64: soft, hard) at {@code rlimitAddr}. */
    int getrlimit(int resource, long rlimitAddr);

    /**
     * {@code clock_gettime(2)} as nanoseconds (allocates nothing).
     *
     * @param clockId e.g. {@code CLOCK_REALTIME} 0, {@code CLOCK_MONOTONIC} 1, {@code CLOCK_BOOTTIME} 7
     * @return the time in nanoseconds, or {@code -errno}
     */
    long clockGettimeNanos(int clockId);

    /** {@code strerror(3)} text for a positive errno, via the shared table. */
    default String strerror(int errno) {
        return Errno.describe(errno);
    }
}
