package org.esf4j.spi.nativeio.jna;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicBoolean;
import org.esf4j.spi.nativeio.Arch;
import org.esf4j.spi.nativeio.EpollEvent;
import org.esf4j.spi.nativeio.NativeBuffer;
import org.esf4j.spi.nativeio.Fcntl;
import org.esf4j.spi.nativeio.NativeOps;

/**
 * {@link NativeOps} over JNA <em>direct mapping</em>: {@code static native} methods bound to
 * glibc by {@link Native#register(Class, NativeLibrary)}. Pointers are Java {@code long}s,
 * {@code size_t}/{@code ssize_t} are {@code long}, and no method declares
 * {@code LastErrorException}: after a failing return the binding reads the calling thread's errno
 * with {@link Native#getLastError()}, which JNA saves right after the native call in a per-thread
 * slot, and returns {@code -errno}.
 *
 * <p>Every call passes primitives only, so none allocates on the Java heap (verified with
 * {@code ThreadMXBean} in {@code NativeOpsTest}); {@link #epollCtl} builds its
 * {@code struct epoll_event} in a per-thread buffer, and only {@link #setAffinity} (setup only)
 * allocates, an 8-byte {@link Memory} for the CPU mask. Memory from
 * {@link #allocate} is a zeroed {@link Memory} (malloc'ed, 16-byte aligned). Thread-safe.
 * Not API, may change without notice.
 *
 * @since 0.1
 */
public final class JnaNativeOps implements NativeOps {

    /** The symbols every supported glibc has. */
    private static final class Libc {
        static final Throwable FAILURE = register(Libc.class);

        static native int getpid();

        static native int fanotify_init(int flags, int eventFFlags);

        static native int fanotify_mark(int fd, int flags, long mask, int dirfd, long path);

        // open(2) is variadic; on the LP64 ABIs we support an int vararg travels like a fixed int.
        static native int open(long path, int flags, int mode);

        static native long read(int fd, long buf, long count);

        static native long write(int fd, long buf, long count);

        static native int close(int fd);

        // fcntl(2) is variadic; an int vararg travels like a fixed int on the LP64 ABIs we support
        static native int fcntl(int fd, int cmd, int arg);

        static native long readlink(long path, long buf, long size);

        static native int epoll_create1(int flags);

        static native int epoll_ctl(int epfd, int op, int fd, long event);

        static native int epoll_wait(int epfd, long events, int maxEvents, int timeout);

        static native int eventfd(int initval, int flags);

        static native int mount(long source, long target, long fstype, long flags, long data);

        static native int umount2(long target, int flags);

        static native int kill(int pid, int sig);

        static native int sched_setaffinity(int pid, long size, long mask);

        static native int sched_setscheduler(int pid, int policy, long param);

        static native long mmap(long addr, long length, int prot, int flags, int fd, long offset);

        static native int munmap(long addr, long length);

        static native int getpagesize();

        static native int socket(int domain, int type, int protocol);

        static native int bind(int fd, long addr, int addrLen);

        static native long sendto(int fd, long buf, long len, int flags, long addr, int addrLen);

        static native long recvfrom(int fd, long buf, long len, int flags, long addr, long addrLen);

        static native int setsockopt(int fd, int level, int name, long opt, int optLen);

        static native int getsockopt(int fd, int level, int name, long opt, long optLen);

        static native long pread(int fd, long buf, long count, long offset);

        static native long lseek(int fd, long offset, int whence);

        static native long pwrite(int fd, long buf, long count, long offset);

        // ioctl(2) is variadic; one pointer-sized vararg travels like a fixed argument on LP64.
        static native int ioctl(int fd, long request, long arg);

        static native int getrlimit(int resource, long rlimit);

        static native int clock_gettime(int clockId, long timespec);

        // syscall(2) is variadic; integer varargs travel like fixed arguments on LP64.
        static native long syscall(long number, long a1, long a2, long a3, long a4);
    }

    /** {@code fstat}/{@code stat}: real symbols since glibc 2.33. */
    private static final class Stat {
        static final Throwable FAILURE = register(Stat.class);

        static native int fstat(int fd, long buf);

        static native int stat(long path, long buf);
    }

    /** Before glibc 2.33 {@code fstat}/{@code stat} were inline wrappers around these. */
    private static final class XStat {
        static final Throwable FAILURE = register(XStat.class);

        static native int __fxstat(int ver, int fd, long buf);

        static native int __xstat(int ver, long path, long buf);
    }

    /** {@code gettid}: glibc 2.30+. */
    private static final class Gettid {
        static final Throwable FAILURE = register(Gettid.class);

        static native int gettid();
    }

    /** {@code syscall(SYS_gettid)} for older glibc; no variadic argument is passed. */
    private static final class Syscall {
        static final Throwable FAILURE = register(Syscall.class);

        static native long syscall(long number);
    }

    /** Binds the native methods of {@code c}; never throws, so no holder's static init can fail. */
    private static Throwable register(Class<?> c) {
        try {
            Native.register(c, NativeLibrary.getInstance("c")); // one cached handle for all classes
            return null;
        } catch (Throwable t) {
            return t;
        }
    }

    private final boolean haveStat;
    private final boolean haveGettid;
    private final ThreadLocal<Memory> epollEvent = ThreadLocal.withInitial(() -> zeroed(EpollEvent.SIZE));
    private final ThreadLocal<Memory> timespec = ThreadLocal.withInitial(() -> zeroed(16));

    /**
     * Binds glibc.
     *
     * @throws IllegalStateException naming the missing symbol when glibc lacks a needed function
     *         (JNA's own failures, such as a missing {@code jnidispatch} or denied native access,
     *         propagate as the {@link Error} JNA throws)
     */
    public JnaNativeOps() {
        if (Libc.FAILURE != null) {
            Throwable root = Libc.FAILURE;
            while (root.getCause() != null) {
                root = root.getCause(); // e.g. ExceptionInInitializerError <- IllegalCallerException
            }
            throw new IllegalStateException("cannot bind glibc through JNA: " + root, Libc.FAILURE);
        }
        haveStat = Stat.FAILURE == null;
        if (!haveStat && XStat.FAILURE != null) {
            throw new IllegalStateException("glibc has neither fstat nor __fxstat: " + Stat.FAILURE, XStat.FAILURE);
        }
        haveGettid = Gettid.FAILURE == null;
        if (!haveGettid && Syscall.FAILURE != null) {
            throw new IllegalStateException("glibc has neither gettid nor syscall: " + Gettid.FAILURE, Syscall.FAILURE);
        }
    }

    private static int err(int rc) {
        return rc < 0 ? -Native.getLastError() : rc;
    }

    private static long err(long rc) {
        return rc < 0 ? -Native.getLastError() : rc;
    }

    private static Memory zeroed(int size) {
        Memory m = new Memory(size);
        m.clear();
        return m;
    }

    @Override
    public String binding() {
        return "jna";
    }

    @Override
    public NativeBuffer allocate(int size) {
        if (size <= 0) {
            throw new IllegalArgumentException("size must be positive: " + size);
        }
        return new JnaBuffer(zeroed(size), size);
    }

    @Override
    public int getpid() {
        return Libc.getpid();
    }

    @Override
    public int gettid() {
        return haveGettid ? Gettid.gettid() : (int) err(Syscall.syscall(Arch.SYS_GETTID));
    }

    @Override
    public int fanotifyInit(int flags, int eventFFlags) {
        return err(Libc.fanotify_init(flags, eventFFlags));
    }

    @Override
    public int fanotifyMark(int fd, int flags, long mask, int dirfd, long pathAddr) {
        return err(Libc.fanotify_mark(fd, flags, mask, dirfd, pathAddr));
    }

    @Override
    public int open(long pathAddr, int flags, int mode) {
        return err(Libc.open(pathAddr, flags, mode));
    }

    @Override
    public long read(int fd, long bufAddr, long count) {
        return err(Libc.read(fd, bufAddr, count));
    }

    @Override
    public long write(int fd, long bufAddr, long count) {
        return err(Libc.write(fd, bufAddr, count));
    }

    @Override
    public int close(int fd) {
        return err(Libc.close(fd));
    }

    @Override
    public int dupCloexec(int fd) {
        return err(Libc.fcntl(fd, Fcntl.F_DUPFD_CLOEXEC, 0));
    }

    @Override
    public long readlink(long pathAddr, long bufAddr, long bufSize) {
        return err(Libc.readlink(pathAddr, bufAddr, bufSize));
    }

    @Override
    public int fstat(int fd, long statAddr) {
        return err(haveStat ? Stat.fstat(fd, statAddr) : XStat.__fxstat(Arch.STAT_VER, fd, statAddr));
    }

    @Override
    public int stat(long pathAddr, long statAddr) {
        return err(haveStat ? Stat.stat(pathAddr, statAddr) : XStat.__xstat(Arch.STAT_VER, pathAddr, statAddr));
    }

    @Override
    public int epollCreate1(int flags) {
        return err(Libc.epoll_create1(flags));
    }

    @Override
    public int epollCtl(int epfd, int op, int fd, int events, long data) {
        Memory ev = epollEvent.get();
        ev.setInt(EpollEvent.EVENTS, events);
        ev.setLong(EpollEvent.DATA, data);
        return err(Libc.epoll_ctl(epfd, op, fd, Pointer.nativeValue(ev)));
    }

    @Override
    public int epollWait(int epfd, long eventsAddr, int maxEvents, int timeoutMs) {
        return err(Libc.epoll_wait(epfd, eventsAddr, maxEvents, timeoutMs));
    }

    @Override
    public int eventfd(int initval, int flags) {
        return err(Libc.eventfd(initval, flags));
    }

    @Override
    public int mount(long sourceAddr, long targetAddr, long fstypeAddr, long flags, long dataAddr) {
        return err(Libc.mount(sourceAddr, targetAddr, fstypeAddr, flags, dataAddr));
    }

    @Override
    public int umount2(long targetAddr, int flags) {
        return err(Libc.umount2(targetAddr, flags));
    }

    @Override
    public int socket(int domain, int type, int protocol) {
        return err(Libc.socket(domain, type, protocol));
    }

    @Override
    public int bind(int fd, long addrAddr, int addrLen) {
        return err(Libc.bind(fd, addrAddr, addrLen));
    }

    @Override
    public long sendto(int fd, long bufAddr, long len, int flags, long addrAddr, int addrLen) {
        return err(Libc.sendto(fd, bufAddr, len, flags, addrAddr, addrLen));
    }

    @Override
    public long recvfrom(int fd, long bufAddr, long len, int flags, long addrAddr, long addrLenAddr) {
        return err(Libc.recvfrom(fd, bufAddr, len, flags, addrAddr, addrLenAddr));
    }

    @Override
    public int setsockopt(int fd, int level, int name, long optAddr, int optLen) {
        return err(Libc.setsockopt(fd, level, name, optAddr, optLen));
    }

    @Override
    public int getsockopt(int fd, int level, int name, long optAddr, long optLenAddr) {
        return err(Libc.getsockopt(fd, level, name, optAddr, optLenAddr));
    }

    @Override
    public int kill(int pid, int sig) {
        return err(Libc.kill(pid, sig));
    }

    @Override
    public long mmap(long addr, long length, int prot, int flags, int fd, long offset) {
        long a = Libc.mmap(addr, length, prot, flags, fd, offset);
        return a == -1L ? -Native.getLastError() : a; // MAP_FAILED
    }

    @Override
    public int pageSize() {
        return Libc.getpagesize();
    }

    @Override
    public int munmap(long addr, long length) {
        return err(Libc.munmap(addr, length));
    }

    @Override
    public long pwrite(int fd, long bufAddr, long count, long offset) {
        return err(Libc.pwrite(fd, bufAddr, count, offset));
    }

    @Override
    public long lseek(int fd, long offset, int whence) {
        return err(Libc.lseek(fd, offset, whence));
    }

    @Override
    public long pread(int fd, long bufAddr, long count, long offset) {
        return err(Libc.pread(fd, bufAddr, count, offset));
    }

    @Override
    public int ioctl(int fd, long request, long argAddr) {
        return err(Libc.ioctl(fd, request, argAddr));
    }

    @Override
    public int pidfdOpen(int pid, int flags) {
        return (int) err(Libc.syscall(Arch.SYS_PIDFD_OPEN, pid, flags, 0, 0));
    }

    @Override
    public int pidfdSendSignal(int pidfd, int sig) {
        return (int) err(Libc.syscall(Arch.SYS_PIDFD_SEND_SIGNAL, pidfd, sig, 0, 0));
    }

    @Override
    public int getrlimit(int resource, long rlimitAddr) {
        return err(Libc.getrlimit(resource, rlimitAddr));
    }

    @Override
    public long clockGettimeNanos(int clockId) {
        Memory ts = timespec.get();
        int rc = Libc.clock_gettime(clockId, Pointer.nativeValue(ts));
        if (rc < 0) {
            return -Native.getLastError();
        }
        return ts.getLong(0) * 1_000_000_000L + ts.getLong(8);
    }

    @Override
    public ByteBuffer view(long address, int size) {
        return new Pointer(address).getByteBuffer(0, size).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public int setAffinity(long cpuMask) {
        try (Memory mask = new Memory(Long.BYTES)) {
            mask.setLong(0, cpuMask);
            return err(Libc.sched_setaffinity(0, Long.BYTES, Pointer.nativeValue(mask)));
        }
    }

    @Override
    public int setFifo(int priority) {
        try (Memory param = new Memory(Integer.BYTES)) {
            param.setInt(0, priority);
            return err(Libc.sched_setscheduler(0, 1 /* SCHED_FIFO */, Pointer.nativeValue(param)));
        }
    }

    /** A zeroed {@link Memory} block and one little-endian view of it. */
    private static final class JnaBuffer implements NativeBuffer {
        private final Memory memory;
        private final long address;
        private final int size;
        private final ByteBuffer buffer;
        private final AtomicBoolean closed = new AtomicBoolean();

        JnaBuffer(Memory memory, int size) {
            this.memory = memory;
            this.address = Pointer.nativeValue(memory);
            this.size = size;
            this.buffer = memory.getByteBuffer(0, size).order(ByteOrder.LITTLE_ENDIAN);
        }

        @Override
        public long address() {
            return address;
        }

        @Override
        public int size() {
            return size;
        }

        @Override
        public ByteBuffer buffer() {
            return buffer;
        }

        /** Frees the memory; the view must not be used afterwards (it is not guarded). */
        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                memory.close();
            }
        }
    }
}
