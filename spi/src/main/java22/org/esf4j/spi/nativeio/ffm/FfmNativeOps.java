package org.esf4j.spi.nativeio.ffm;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicBoolean;
import org.esf4j.spi.nativeio.Arch;
import org.esf4j.spi.nativeio.EpollEvent;
import org.esf4j.spi.nativeio.NativeBuffer;
import org.esf4j.spi.nativeio.Fcntl;
import org.esf4j.spi.nativeio.NativeOps;

/**
 * {@link NativeOps} over the Foreign Function &amp; Memory API (JDK 22+). Loaded reflectively by
 * {@code Natives} only on JDK 22+, since this class file is version 66.
 *
 * <h2>How a call is made</h2>
 * Every glibc function has one {@code static final} downcall {@link MethodHandle}, linked once in
 * {@link H} with {@code Linker.Option.captureCallState("errno")} and called with
 * {@code invokeExact}. The capture segment is allocated once per thread ({@link ThreadLocal},
 * {@link Arena#ofAuto()}); errno is read from it through a {@code static final} {@link VarHandle}
 * only when the return value signals failure, and returned as {@code -errno}.
 *
 * <h2>Pointers as {@code long}</h2>
 * Pointer parameters are declared {@code JAVA_LONG} rather than {@code ADDRESS}: on the LP64
 * ABIs we support (x86-64 System V, AAPCS64) a pointer and a 64-bit integer travel in the same
 * register, and passing the caller's raw address as a {@code long} creates no
 * {@link MemorySegment} per call (with {@code ADDRESS}, each call would need
 * {@code MemorySegment.ofAddress(addr)}, an allocation unless escape analysis removes it).
 * {@link #setAffinity} (setup only) allocates a tiny confined arena.
 *
 * <h2>Allocation</h2>
 * Our code allocates nothing per call. The JDK (21+) slices the capture segment on every call
 * ({@code SharedUtils.checkCaptureSegment}, JDK-8308445); C2 scalar-replaces that 40-byte slice
 * when the whole downcall is inlined into the compiled caller, which needs
 * {@code SharedUtils.checkNative} (38 bytes, above {@code MaxInlineSize}) to be inlined. Measured
 * on JDK 25: in about one JVM in 30 one call site misses this and allocates 40 bytes per call.
 * Hosts that need a guaranteed zero-allocation hot path add
 * {@code -XX:CompileCommand=inline,jdk.internal.foreign.abi.SharedUtils::checkNative} (0 in 30),
 * keep their hot loops small (a huge caller exhausts C2's inlining budget), or use JNA, whose
 * direct mapping never allocates.
 *
 * <p>Thread-safe. Not API, may change without notice.
 *
 * @since 0.1
 */
public final class FfmNativeOps implements NativeOps {

    /** The layout of the capture-state segment and its errno field (base offset 0). */
    private static final MemoryLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    /**
     * The downcall handles. Linking never throws out of this initializer: the first failure (a
     * missing symbol, or {@link IllegalCallerException} when native access is denied) is kept in
     * {@code FAILURE} and the constructor reports it. Optional symbols are null when absent.
     */
    private static final class H {
        static Throwable failure;
        static final MethodHandle getpid = link("getpid", FunctionDescriptor.of(JAVA_INT));
        static final MethodHandle fanotify_init = link("fanotify_init", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
        static final MethodHandle fanotify_mark = link("fanotify_mark",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG));
        static final MethodHandle open = link("open", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT), 2);
        static final MethodHandle read = link("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));
        static final MethodHandle write = link("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));
        static final MethodHandle close = link("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        // fcntl(2) is variadic: the third argument (an int here) is the first variadic one
        static final MethodHandle fcntl = link("fcntl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), 2);
        static final MethodHandle readlink = link("readlink", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG));
        static final MethodHandle epoll_create1 = link("epoll_create1", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        static final MethodHandle epoll_ctl = link("epoll_ctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
        static final MethodHandle epoll_wait = link("epoll_wait", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT));
        static final MethodHandle eventfd = link("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
        static final MethodHandle mount = link("mount",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG));
        static final MethodHandle umount2 = link("umount2", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT));
        static final MethodHandle kill = link("kill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
        static final MethodHandle mmap = link("mmap",
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
        static final MethodHandle socket = link("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
        static final MethodHandle bind = link("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT));
        static final MethodHandle sendto = link("sendto",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
        static final MethodHandle recvfrom = link("recvfrom",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));
        static final MethodHandle setsockopt = link("setsockopt",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT));
        static final MethodHandle getsockopt = link("getsockopt",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
        static final MethodHandle getpagesize = link("getpagesize", FunctionDescriptor.of(JAVA_INT));
        static final MethodHandle munmap = link("munmap", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));
        static final MethodHandle pread = link("pread", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG));
        static final MethodHandle pwrite = link("pwrite", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG));
        static final MethodHandle lseek = link("lseek", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
        static final MethodHandle ioctl = link("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), 2);
        static final MethodHandle syscall2 = link("syscall", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), 1);
        static final MethodHandle syscall4 = link("syscall",
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), 1);
        static final MethodHandle getrlimit = link("getrlimit", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));
        static final MethodHandle clock_gettime = link("clock_gettime", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));
        static final MethodHandle sched_setaffinity = link("sched_setaffinity",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
        static final MethodHandle sched_setscheduler = link("sched_setscheduler",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
        // glibc 2.33+ exports fstat/stat; before, they were inline wrappers around __fxstat/__xstat,
        // so the fallback binds _STAT_VER and keeps one handle (one call site) per function.
        static final MethodHandle fstat = linkEither("fstat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG),
                "__fxstat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG), Arch.STAT_VER);
        static final MethodHandle stat = linkEither("stat", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG),
                "__xstat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), Arch.STAT_VER);
        // glibc 2.30+ has gettid; before, syscall(SYS_gettid) (variadic, no variadic argument).
        static final MethodHandle gettid = gettid();
        static final Throwable FAILURE = failure;

        /** {@code name}, or {@code fallback} with {@code ver} bound as its first C argument. */
        private static MethodHandle linkEither(String name, FunctionDescriptor fd, String fallback,
                                               FunctionDescriptor fallbackFd, int ver) {
            MethodHandle mh = linkOptional(name, fd, -1);
            if (mh != null || failure != null) {
                return mh;
            }
            MethodHandle fb = link(fallback, fallbackFd);
            return fb == null ? null : MethodHandles.insertArguments(fb, 1, ver); // 0 is the capture segment
        }

        private static MethodHandle gettid() {
            MethodHandle mh = linkOptional("gettid", FunctionDescriptor.of(JAVA_INT), -1);
            if (mh != null || failure != null) {
                return mh;
            }
            MethodHandle sc = link("syscall", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG), 1);
            return sc == null ? null : MethodHandles.explicitCastArguments(
                    MethodHandles.insertArguments(sc, 1, (long) Arch.SYS_GETTID),
                    MethodType.methodType(int.class, MemorySegment.class));
        }

        private static MethodHandle link(String name, FunctionDescriptor fd) {
            return link(name, fd, -1);
        }

        private static MethodHandle link(String name, FunctionDescriptor fd, int firstVariadicArg) {
            MethodHandle mh = linkOptional(name, fd, firstVariadicArg);
            if (mh == null && failure == null) {
                failure = new UnsatisfiedLinkError("symbol not found in the C library: " + name);
            }
            return mh;
        }

        /** @return the handle, or null when the symbol is missing or linking failed (kept in failure) */
        @SuppressWarnings("restricted")
        private static MethodHandle linkOptional(String name, FunctionDescriptor fd, int firstVariadicArg) {
            if (failure != null) {
                return null;
            }
            try {
                Linker linker = Linker.nativeLinker();
                MemorySegment symbol = linker.defaultLookup().find(name).orElse(null);
                if (symbol == null) {
                    return null;
                }
                Linker.Option errno = Linker.Option.captureCallState("errno");
                return firstVariadicArg < 0
                        ? linker.downcallHandle(symbol, fd, errno)
                        : linker.downcallHandle(symbol, fd, errno, Linker.Option.firstVariadicArg(firstVariadicArg));
            } catch (Throwable t) {
                failure = t;
                return null;
            }
        }
    }

    /**
     * Per-thread native scratch: the errno capture segment, one {@code struct epoll_event} and one
     * {@code struct timespec}.
     */
    private static final class Scratch {
        final MemorySegment errno;
        final MemorySegment epollEvent;
        final long epollEventAddress;
        final MemorySegment timespec;
        final long timespecAddress;

        Scratch() {
            Arena arena = Arena.ofAuto();
            errno = arena.allocate(CAPTURE_LAYOUT);
            epollEvent = arena.allocate(EpollEvent.SIZE, 8);
            epollEventAddress = epollEvent.address();
            timespec = arena.allocate(16, 8);
            timespecAddress = timespec.address();
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /**
     * Links glibc (once per JVM).
     *
     * @throws IllegalCallerException when native access is not enabled for this module
     *         ({@code --enable-native-access=ALL-UNNAMED} on the class path,
     *         {@code --enable-native-access=org.esf4j.spi} on the module path)
     * @throws UnsatisfiedLinkError naming the first glibc symbol that is missing
     */
    public FfmNativeOps() {
        Throwable f = H.FAILURE;
        if (f instanceof IllegalCallerException) {
            // Natives adds the fix (the --enable-native-access flag) to every FFM failure.
            throw new IllegalCallerException("native access is not enabled for " + describeModule() + ": "
                    + f.getMessage(), f);
        }
        if (f != null) {
            UnsatisfiedLinkError e = new UnsatisfiedLinkError("cannot link glibc through FFM: " + f);
            e.initCause(f);
            throw e;
        }
    }

    private static String describeModule() {
        Module m = FfmNativeOps.class.getModule();
        return m.isNamed() ? "module " + m.getName() : "the unnamed module (class path)";
    }

    private static int errno(Scratch s) {
        return (int) ERRNO.get(s.errno, 0L);
    }

    private static int result(int rc, Scratch s) {
        return rc < 0 ? -errno(s) : rc;
    }

    private static long result(long rc, Scratch s) {
        return rc < 0 ? -errno(s) : rc;
    }

    /** invokeExact throws Throwable; the downcalls themselves throw nothing checked. */
    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new AssertionError(t);
    }

    @Override
    public String binding() {
        return "ffm";
    }

    @Override
    public NativeBuffer allocate(int size) {
        if (size <= 0) {
            throw new IllegalArgumentException("size must be positive: " + size);
        }
        return new FfmBuffer(size);
    }

    @Override
    public int getpid() {
        try {
            return (int) H.getpid.invokeExact(SCRATCH.get().errno);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int gettid() {
        try {
            return (int) H.gettid.invokeExact(SCRATCH.get().errno);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int fanotifyInit(int flags, int eventFFlags) {
        Scratch s = SCRATCH.get();
        try {
            return result((int) H.fanotify_init.invokeExact(s.errno, flags, eventFFlags), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int fanotifyMark(int fd, int flags, long mask, int dirfd, long pathAddr) {
        Scratch s = SCRATCH.get();
        try {
            return result((int) H.fanotify_mark.invokeExact(s.errno, fd, flags, mask, dirfd, pathAddr), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int open(long pathAddr, int flags, int mode) {
        Scratch s = SCRATCH.get();
        try {
            return result((int) H.open.invokeExact(s.errno, pathAddr, flags, mode), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public long read(int fd, long bufAddr, long count) {
        Scratch s = SCRATCH.get();
        try {
            return result((long) H.read.invokeExact(s.errno, fd, bufAddr, count), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public long write(int fd, long bufAddr, long count) {
        Scratch s = SCRATCH.get();
        try {
            return result((long) H.write.invokeExact(s.errno, fd, bufAddr, count), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int close(int fd) {
        Scratch s = SCRATCH.get();
        try {
            return result((int) H.close.invokeExact(s.errno, fd), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int dupCloexec(int fd) {
        Scratch s = SCRATCH.get();
        try {
            return result((int) H.fcntl.invokeExact(s.errno, fd, Fcntl.F_DUPFD_CLOEXEC, 0), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public long readlink(long pathAddr, long bufAddr, long bufSize) {
        Scratch s = SCRATCH.get();
        try {
            return result((long) H.readlink.invokeExact(s.errno, pathAddr, bufAddr, bufSize), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int fstat(int fd, long statAddr) {
        Scratch s = SCRATCH.get();
        try {
            return result((int) H.fstat.invokeExact(s.errno, fd, statAddr), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int stat(long pathAddr, long statAddr) {
        Scratch s = SCRATCH.get();
        try {
            return result((int) H.stat.invokeExact(s.errno, pathAddr, statAddr), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int epollCreate1(int flags) {
        Scratch s = SCRATCH.get();
        try {
            return result((int) H.epoll_create1.invokeExact(s.errno, flags), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int epollCtl(int epfd, int op, int fd, int events, long data) {
        Scratch s = SCRATCH.get();
        s.epollEvent.set(JAVA_INT_UNALIGNED, EpollEvent.EVENTS, events);
        s.epollEvent.set(JAVA_LONG_UNALIGNED, EpollEvent.DATA, data);
        try {
            return result((int) H.epoll_ctl.invokeExact(s.errno, epfd, op, fd, s.epollEventAddress), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int epollWait(int epfd, long eventsAddr, int maxEvents, int timeoutMs) {
        Scratch s = SCRATCH.get();
        try {
            return result((int) H.epoll_wait.invokeExact(s.errno, epfd, eventsAddr, maxEvents, timeoutMs), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int eventfd(int initval, int flags) {
        Scratch s = SCRATCH.get();
        try {
            return result((int) H.eventfd.invokeExact(s.errno, initval, flags), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int mount(long sourceAddr, long targetAddr, long fstypeAddr, long flags, long dataAddr) {
        Scratch s = SCRATCH.get();
        try {
            return result((int) H.mount.invokeExact(s.errno, sourceAddr, targetAddr, fstypeAddr, flags, dataAddr), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int umount2(long targetAddr, int flags) {
        Scratch s = SCRATCH.get();
        try {
            return result((int) H.umount2.invokeExact(s.errno, targetAddr, flags), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int socket(int domain, int type, int protocol) {
        Scratch s = SCRATCH.get();
        try {
            return result((int) H.socket.invokeExact(s.errno, domain, type, protocol), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int bind(int fd, long addrAddr, int addrLen) {
        Scratch s = SCRATCH.get();
        try {
            return result((int) H.bind.invokeExact(s.errno, fd, addrAddr, addrLen), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public long sendto(int fd, long bufAddr, long len, int flags, long addrAddr, int addrLen) {
        Scratch s = SCRATCH.get();
        try {
            return result((long) H.sendto.invokeExact(s.errno, fd, bufAddr, len, flags, addrAddr, addrLen), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public long recvfrom(int fd, long bufAddr, long len, int flags, long addrAddr, long addrLenAddr) {
        Scratch s = SCRATCH.get();
        try {
            return result((long) H.recvfrom.invokeExact(s.errno, fd, bufAddr, len, flags, addrAddr, addrLenAddr), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int setsockopt(int fd, int level, int name, long optAddr, int optLen) {
        Scratch s = SCRATCH.get();
        try {
            return result((int) H.setsockopt.invokeExact(s.errno, fd, level, name, optAddr, optLen), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int getsockopt(int fd, int level, int name, long optAddr, long optLenAddr) {
        Scratch s = SCRATCH.get();
        try {
            return result((int) H.getsockopt.invokeExact(s.errno, fd, level, name, optAddr, optLenAddr), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int kill(int pid, int sig) {
        Scratch s = SCRATCH.get();
        try {
            return result((int) H.kill.invokeExact(s.errno, pid, sig), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public long mmap(long addr, long length, int prot, int flags, int fd, long offset) {
        Scratch s = SCRATCH.get();
        try {
            long a = (long) H.mmap.invokeExact(s.errno, addr, length, prot, flags, fd, offset);
            return a == -1L ? -errno(s) : a; // MAP_FAILED
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int pageSize() {
        try {
            return (int) H.getpagesize.invokeExact(SCRATCH.get().errno);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int munmap(long addr, long length) {
        Scratch s = SCRATCH.get();
        try {
            return result((int) H.munmap.invokeExact(s.errno, addr, length), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public long pwrite(int fd, long bufAddr, long count, long offset) {
        Scratch s = SCRATCH.get();
        try {
            return result((long) H.pwrite.invokeExact(s.errno, fd, bufAddr, count, offset), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public long lseek(int fd, long offset, int whence) {
        Scratch s = SCRATCH.get();
        try {
            return result((long) H.lseek.invokeExact(s.errno, fd, offset, whence), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public long pread(int fd, long bufAddr, long count, long offset) {
        Scratch s = SCRATCH.get();
        try {
            return result((long) H.pread.invokeExact(s.errno, fd, bufAddr, count, offset), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int ioctl(int fd, long request, long argAddr) {
        Scratch s = SCRATCH.get();
        try {
            return result((int) H.ioctl.invokeExact(s.errno, fd, request, argAddr), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int pidfdOpen(int pid, int flags) {
        Scratch s = SCRATCH.get();
        try {
            return (int) result((long) H.syscall2.invokeExact(s.errno, (long) Arch.SYS_PIDFD_OPEN, (long) pid,
                    (long) flags), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int pidfdSendSignal(int pidfd, int sig) {
        Scratch s = SCRATCH.get();
        try {
            return (int) result((long) H.syscall4.invokeExact(s.errno, (long) Arch.SYS_PIDFD_SEND_SIGNAL,
                    (long) pidfd, (long) sig, 0L, 0L), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int getrlimit(int resource, long rlimitAddr) {
        Scratch s = SCRATCH.get();
        try {
            return result((int) H.getrlimit.invokeExact(s.errno, resource, rlimitAddr), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public long clockGettimeNanos(int clockId) {
        Scratch s = SCRATCH.get();
        try {
            int rc = (int) H.clock_gettime.invokeExact(s.errno, clockId, s.timespecAddress);
            if (rc < 0) {
                return -errno(s);
            }
            return s.timespec.get(JAVA_LONG, 0) * 1_000_000_000L + s.timespec.get(JAVA_LONG, 8);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    @SuppressWarnings("restricted")
    public ByteBuffer view(long address, int size) {
        return MemorySegment.ofAddress(address).reinterpret(size).asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public int setAffinity(long cpuMask) {
        Scratch s = SCRATCH.get();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mask = arena.allocate(JAVA_LONG);
            mask.set(JAVA_LONG, 0, cpuMask);
            return result((int) H.sched_setaffinity.invokeExact(s.errno, 0, (long) Long.BYTES, mask.address()), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int setFifo(int priority) {
        Scratch s = SCRATCH.get();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment param = arena.allocate(JAVA_INT);
            param.set(JAVA_INT, 0, priority);
            return result((int) H.sched_setscheduler.invokeExact(s.errno, 0, 1 /* SCHED_FIFO */, param.address()), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Zeroed memory from its own shared arena, 16-byte aligned, with one little-endian view.
     * Access through the view after {@link #close()} throws {@link IllegalStateException}.
     */
    private static final class FfmBuffer implements NativeBuffer {
        private final Arena arena = Arena.ofShared();
        private final MemorySegment segment;
        private final ByteBuffer buffer;
        private final AtomicBoolean closed = new AtomicBoolean();

        FfmBuffer(int size) {
            segment = arena.allocate(size, 16);
            buffer = segment.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        }

        @Override
        public long address() {
            return segment.address();
        }

        @Override
        public int size() {
            return (int) segment.byteSize();
        }

        @Override
        public ByteBuffer buffer() {
            return buffer;
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                arena.close();
            }
        }
    }
}
