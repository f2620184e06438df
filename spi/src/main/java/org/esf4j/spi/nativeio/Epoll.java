package org.esf4j.spi.nativeio;

/**
 * The {@code epoll(7)} and {@code eventfd(2)} constants, with the values of
 * {@code <linux/eventpoll.h>} and {@code <sys/eventfd.h>} on Linux x86-64 and aarch64
 * ({@code LayoutTest} compares them with the installed headers). Not API, may change without
 * notice.
 *
 * @since 0.1
 */
public final class Epoll {

    private Epoll() {
    }

    /** {@code EPOLLIN} (0x1): readable. */
    public static final int EPOLLIN = 0x001;
    /** {@code EPOLLERR} (0x8): error condition (always reported). */
    public static final int EPOLLERR = 0x008;
    /** {@code EPOLLHUP} (0x10): hang-up (always reported). */
    public static final int EPOLLHUP = 0x010;
    /** {@code EPOLL_CLOEXEC} (= {@code O_CLOEXEC}): {@code epoll_create1} flag. */
    public static final int EPOLL_CLOEXEC = Fcntl.O_CLOEXEC;
    /** {@code EPOLL_CTL_ADD} (1). */
    public static final int EPOLL_CTL_ADD = 1;
    /** {@code EPOLL_CTL_DEL} (2). */
    public static final int EPOLL_CTL_DEL = 2;
    /** {@code EPOLL_CTL_MOD} (3). */
    public static final int EPOLL_CTL_MOD = 3;
    /** {@code EFD_CLOEXEC} (= {@code O_CLOEXEC}): {@code eventfd} flag. */
    public static final int EFD_CLOEXEC = Fcntl.O_CLOEXEC;
    /** {@code EFD_NONBLOCK} (= {@code O_NONBLOCK}): {@code eventfd} flag. */
    public static final int EFD_NONBLOCK = Fcntl.O_NONBLOCK;
}
