package org.esf4j.backend.fanotify;

import static org.esf4j.spi.nativeio.Fanotify.*;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.esf4j.api.ClientConfig;
import org.esf4j.api.Esf4jException;
import org.esf4j.api.EventType;
import org.esf4j.api.Mode;
import org.esf4j.api.Scope;
import org.esf4j.spi.Backend;
import org.esf4j.spi.BackendContext;
import org.esf4j.spi.EventSink;
import org.esf4j.spi.nativeio.EpollEvent;
import org.esf4j.spi.nativeio.Errno;
import org.esf4j.spi.nativeio.NativeBuffer;
import org.esf4j.spi.nativeio.NativeOps;
import org.esf4j.spi.nativeio.Natives;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One fanotify permission group serving one client.
 *
 * <h2>Threads</h2>
 * One platform reader thread ({@code esf4j-fanotify-reader-N}) reads the group, answers the
 * library's own events at once (the JVM's class loading, JIT and file reads raise permission
 * events too), and hands every other event to the engine's {@link EventSink}. The reader never
 * opens a file, never logs and allocates nothing per event; answers from other threads (handler,
 * deadline watchdog) go through {@link #respond}, which writes the response before closing the
 * event fd.
 *
 * <h2>Failure semantics</h2>
 * The group uses {@code FAN_UNLIMITED_QUEUE}, so the kernel never drops a permission event (a
 * full queue would otherwise allow it silently). Closing the group — normally, or because the JVM
 * died — makes the kernel allow everything still pending.
 */
final class FanotifyBackend implements Backend {

    private static final Logger LOG = LoggerFactory.getLogger(FanotifyBackend.class);
    private static final AtomicInteger SERIAL = new AtomicInteger();
    private static final int READ_BUFFER = 64 * 1024;
    private static final long DATA_GROUP = 0;
    private static final long DATA_WAKE = 1;
    private static final int TYPE_EXEC = EventType.EXEC.ordinal();

    private final NativeOps ops;
    private final EventSink sink;
    private final FanotifyProbe.Features features;
    private final ClientConfig.ReaderMode readerMode;
    private final int groupFd;
    private final int epollFd;
    private final int wakeFd;
    private final int selfPid;
    private final boolean authExec;
    private final boolean authOpen;
    private final boolean notifyExec;
    private final boolean notifyOpen;
    private final boolean kernelCache;
    private final long permMask;
    private final long notifyMask;
    private final List<Scope> scopes;
    private final Thread reader;

    private final AtomicInteger inflight = new AtomicInteger();
    private volatile boolean running = true;
    private volatile boolean closed;
    private final java.util.concurrent.atomic.AtomicBoolean closing = new java.util.concurrent.atomic.AtomicBoolean();
    private final ConcurrentLinkedQueue<NativeBuffer> responseBuffers = new ConcurrentLinkedQueue<>();
    private final ThreadLocal<NativeBuffer> responseBuffer = ThreadLocal.withInitial(this::newResponseBuffer);

    private FanotifyBackend(BackendContext ctx, FanotifyProbe.Features features, NativeOps ops, int groupFd,
                            int epollFd, int wakeFd) {
        this.ops = ops;
        this.sink = ctx.sink();
        this.features = features;
        this.readerMode = ctx.config().readerMode();
        this.groupFd = groupFd;
        this.epollFd = epollFd;
        this.wakeFd = wakeFd;
        this.selfPid = ops.getpid();
        Map<EventType, Mode> ev = ctx.events();
        this.authExec = ev.get(EventType.EXEC) == Mode.AUTH;
        this.authOpen = ev.get(EventType.FILE_OPEN) == Mode.AUTH;
        this.notifyExec = ev.get(EventType.EXEC) == Mode.NOTIFY;
        this.notifyOpen = ev.get(EventType.FILE_OPEN) == Mode.NOTIFY;
        this.kernelCache = ctx.config().kernelCache() && features.ignoreFlags() != 0;
        this.permMask = (authOpen ? FAN_OPEN_PERM : 0) | (authExec ? FAN_OPEN_EXEC_PERM : 0);
        this.notifyMask = (notifyOpen ? FAN_OPEN : 0) | (notifyExec ? FAN_OPEN_EXEC : 0);
        this.scopes = ctx.config().scopes().isEmpty() ? List.of(Scope.mount(Path.of("/"))) : ctx.config().scopes();
        this.reader = new Thread(this::readLoop, "esf4j-fanotify-reader-" + SERIAL.incrementAndGet());
        this.reader.setDaemon(true);
    }

    /**
     * Creates the group (no marks yet: they are placed by {@link #start()} once the reader runs).
     */
    static FanotifyBackend open(BackendContext ctx, FanotifyProbe.Result probe) {
        for (EventType t : ctx.events().keySet()) {
            if (t != EventType.EXEC && t != EventType.FILE_OPEN) {
                throw new Esf4jException("fanotify cannot report " + t + " events");
            }
        }
        if (ctx.events().containsKey(EventType.EXEC) && !probe.features().execPermission()) {
            throw new Esf4jException("this kernel has no FAN_OPEN_EXEC_PERM (Linux 5.0+ is needed for exec events)");
        }
        NativeOps ops = Natives.get();
        int flags = FanotifyProbe.BASE_INIT_FLAGS | (probe.features().pidfd() ? FAN_REPORT_PIDFD : 0);
        int fd = ops.fanotifyInit(flags, FanotifyProbe.EVENT_F_FLAGS);
        if (fd < 0) {
            throw new Esf4jException("fanotify_init failed: " + Errno.describe(-fd));
        }
        int ep = -1;
        int wake = -1;
        try {
            ep = check(ops.epollCreate1(EPOLL_CLOEXEC), "epoll_create1");
            wake = check(ops.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), "eventfd");
            check(ops.epollCtl(ep, EPOLL_CTL_ADD, fd, EPOLLIN, DATA_GROUP), "epoll_ctl(group)");
            check(ops.epollCtl(ep, EPOLL_CTL_ADD, wake, EPOLLIN, DATA_WAKE), "epoll_ctl(eventfd)");
            return new FanotifyBackend(ctx, probe.features(), ops, fd, ep, wake);
        } catch (RuntimeException e) {
            ops.close(fd);
            if (ep >= 0) {
                ops.close(ep);
            }
            if (wake >= 0) {
                ops.close(wake);
            }
            throw e;
        }
    }

    private static int check(int rc, String op) {
        if (rc < 0) {
            throw new Esf4jException(op + " failed: " + Errno.describe(-rc));
        }
        return rc;
    }

    @Override
    public void start() {
        warmUp();
        reader.start();
        try {
            placeMarks();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * Runs the reader's code paths once before any mark exists, so that the reader thread never
     * has to load a class (and thus open a jar) while it is the only thread that can answer.
     */
    private void warmUp() {
        try (NativeBuffer scratch = ops.allocate(256); ProcLinks proc = new ProcLinks(ops)) {
            ByteBuffer bb = scratch.buffer();
            bb.putInt(0, EventMetadata.SIZE).put(4, (byte) FANOTIFY_METADATA_VERSION).put(5, (byte) 0)
              .putShort(6, (short) EventMetadata.SIZE).putLong(8, FAN_OPEN_PERM).putInt(16, -1).putInt(20, selfPid);
            EventMetadata md = new EventMetadata().wrap(bb, EventMetadata.SIZE);
            while (md.next()) {
                md.pidfd();
                md.mask();
            }
            byte[] path = new byte[org.esf4j.spi.RawEvent.MAX_PATH];
            proc.exePath(selfPid, path);
            proc.fdPath(groupFd, path);
            proc.fstat(groupFd);
            FanotifyRawEvent raw = new FanotifyRawEvent(proc);
            raw.reset(EventType.FILE_OPEN, Mode.AUTH, selfPid, selfPid, 0, System.nanoTime(), -1, -1);
            raw.eventFd(groupFd);
            raw.targetPathLength();
            raw.executablePathLength();
            raw.inode();
            responseBuffer.get();
        }
    }

    private void placeMarks() {
        NativeBuffer pathBuf = ops.allocate(org.esf4j.spi.RawEvent.MAX_PATH + 1);
        try {
            for (Scope s : scopes) {
                Path p = s.path().toAbsolutePath().normalize();
                int markType = switch (s.kind()) {
                    case MOUNT -> FAN_MARK_MOUNT;
                    case FILESYSTEM -> FAN_MARK_FILESYSTEM;
                    case PATH -> FAN_MARK_INODE;
                };
                long extra = s.kind() == Scope.Kind.PATH && Files.isDirectory(p) ? FAN_EVENT_ON_CHILD : 0;
                long addr = pathBuf.putCString(0, p.toString());
                for (long mask : new long[] {permMask, notifyMask}) {
                    if (mask == 0) {
                        continue;
                    }
                    int rc = ops.fanotifyMark(groupFd, FAN_MARK_ADD | markType, mask | extra, FanotifyProbe.AT_FDCWD, addr);
                    if (rc < 0) {
                        throw new Esf4jException("fanotify_mark(" + s.kind() + " " + p + ") failed: "
                                + Errno.describe(-rc) + hint(-rc, s));
                    }
                }
            }
        } finally {
            pathBuf.close();
        }
        LOG.debug("fanotify marks placed on {} (perm mask {}, notify mask {}, reader {})", scopes,
                Long.toHexString(permMask), Long.toHexString(notifyMask), readerMode);
    }

    private static String hint(int errno, Scope s) {
        if (errno == Errno.ENOENT) {
            return " (the path does not exist)";
        }
        if (errno == Errno.EINVAL && s.kind() != Scope.Kind.PATH) {
            return " (mount and filesystem marks are refused on internal and procfs-like file systems;"
                    + " permission events are refused where the file system disallows them)";
        }
        if (errno == Errno.EXDEV) {
            return " (this file system cannot be watched through a filesystem mark; use a mount mark)";
        }
        return "";
    }

    // ---------------------------------------------------------------- reader thread

    private void readLoop() {
        try (NativeBuffer mem = ops.allocate(READ_BUFFER + EpollEvent.SIZE * 2); ProcLinks proc = new ProcLinks(ops)) {
            ByteBuffer bb = mem.buffer();
            long readAddr = mem.address();
            long epollAddr = mem.address() + READ_BUFFER;
            EventMetadata md = new EventMetadata();
            FanotifyRawEvent raw = new FanotifyRawEvent(proc);
            NativeBuffer response = responseBuffer.get();
            boolean spin = readerMode == ClientConfig.ReaderMode.SPINNING;
            while (running) {
                long n = ops.read(groupFd, readAddr, READ_BUFFER);
                if (n > 0) {
                    dispatch(md.wrap(bb, (int) n), raw, response);
                    continue;
                }
                int errno = (int) -n;
                if (n == 0 || errno == Errno.EAGAIN) {
                    if (spin) {
                        Thread.onSpinWait();
                    } else {
                        int rc = ops.epollWait(epollFd, epollAddr, 2, -1);
                        if (rc < 0 && -rc != Errno.EINTR) {
                            sink.onError("epoll_wait", -rc);
                            pause();
                        }
                    }
                } else if (errno != Errno.EINTR) {
                    sink.onError("read", errno);
                    if (errno == Errno.EBADF) {
                        return;
                    }
                    pause();
                }
            }
        } catch (Throwable t) {
            // The reader must never die silently: the engine counts it and logs it off this thread.
            sink.onError("reader: " + t, 0);
        }
    }

    private static void pause() {
        try {
            TimeUnit.MILLISECONDS.sleep(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void dispatch(EventMetadata md, FanotifyRawEvent raw, NativeBuffer response) {
        long received = System.nanoTime();
        while (md.next()) {
            long mask = md.mask();
            int fd = md.fd();
            int pid = md.pid();
            int pidfd = md.pidfd();
            boolean perm = (mask & (FAN_OPEN_PERM | FAN_OPEN_EXEC_PERM | FAN_ACCESS_PERM)) != 0;
            if ((mask & FAN_Q_OVERFLOW) != 0) {
                sink.onDrop("kernel-queue", -1, "FAN_Q_OVERFLOW: the fanotify queue overflowed and the kernel "
                        + "dropped events (permission events dropped this way were allowed)");
            } else if (fd < 0) {
                if (perm) {
                    sink.onDrop("event-fd", 1, "the kernel could not create the event fd and denied the access itself");
                }
            } else if (pid == selfPid) {
                // The library's own process: answer at once, before anything else.
                if (perm) {
                    writeResponse(response, fd, FAN_ALLOW);
                }
                ops.close(fd);
                sink.onSelf();
            } else {
                handle(raw, mask, fd, pid, pidfd, perm, received, response);
            }
            if (pidfd >= 0) {
                ops.close(pidfd);
            }
        }
        String bad = md.malformed();
        if (bad != null) {
            sink.onError("malformed fanotify event: " + bad, 0);
        }
    }

    private void handle(FanotifyRawEvent raw, long mask, int fd, int pid, int pidfd, boolean perm, long received,
                        NativeBuffer response) {
        EventType type;
        Mode mode;
        if (perm) {
            if ((mask & FAN_OPEN_EXEC_PERM) != 0 && authExec) {
                type = EventType.EXEC;
            } else if ((mask & FAN_OPEN_PERM) != 0 && authOpen) {
                type = EventType.FILE_OPEN;
            } else {
                writeResponse(response, fd, FAN_ALLOW);
                ops.close(fd);
                return;
            }
            mode = Mode.AUTH;
        } else {
            if ((mask & FAN_OPEN_EXEC) != 0 && notifyExec) {
                type = EventType.EXEC;
            } else if ((mask & FAN_OPEN) != 0 && notifyOpen) {
                type = EventType.FILE_OPEN;
            } else {
                ops.close(fd);
                return;
            }
            mode = Mode.NOTIFY;
        }
        raw.reset(type, mode, pid, pid, 0, received, ((long) type.ordinal() << 32) | (fd & 0xffffffffL), -1);
        raw.eventFd(fd);
        raw.processGone(pidfd == FAN_NOPIDFD);
        try {
            sink.onEvent(raw);
        } catch (Throwable t) {
            // The engine owns the answer of an AUTH event from here on; it must not throw. If it did,
            // its deadline watchdog still answers; never answer twice (the fd number may be reused).
            sink.onError("engine: " + t, 0);
        }
        if (mode == Mode.NOTIFY) {
            ops.close(fd);
        }
    }

    private void writeResponse(NativeBuffer response, int fd, int verdict) {
        ByteBuffer rb = response.buffer();
        rb.putInt(0, fd);
        rb.putInt(4, verdict);
        long rc = ops.write(groupFd, response.address(), 8);
        if (rc < 0) {
            sink.onError("write(fanotify_response)", (int) -rc);
        }
    }

    private NativeBuffer newResponseBuffer() {
        NativeBuffer b = ops.allocate(8);
        responseBuffers.add(b);
        return b;
    }

    // ---------------------------------------------------------------- answers from any thread

    @Override
    public boolean respond(long token, boolean allow, boolean cacheInKernel) {
        int fd = (int) token;
        inflight.incrementAndGet();
        try {
            if (closed) {
                // The group is gone and the kernel has allowed the event; only the fd is left.
                ops.close(fd);
                return false;
            }
            boolean cached = false;
            if (allow && cacheInKernel && kernelCache) {
                long mask = (int) (token >>> 32) == TYPE_EXEC ? FAN_OPEN_EXEC_PERM | FAN_OPEN_PERM : FAN_OPEN_PERM;
                // An inode ignore mark without SURV_MODIFY: the kernel clears it when the file is
                // modified; evictable, so it does not pin the inode.
                cached = ops.fanotifyMark(groupFd, FAN_MARK_ADD | features.ignoreFlags(), mask & permMask, fd, 0L) == 0;
            }
            writeResponse(responseBuffer.get(), fd, allow ? FAN_ALLOW : FAN_DENY);
            ops.close(fd);
            return cached;
        } finally {
            inflight.decrementAndGet();
        }
    }

    // ---------------------------------------------------------------- shutdown

    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        running = false;
        wake();
        if (reader.isAlive() && Thread.currentThread() != reader) {
            try {
                reader.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        closed = true;
        while (inflight.get() != 0) {
            Thread.onSpinWait();
        }
        // Closing the group removes every mark and makes the kernel allow whatever is pending.
        ops.close(groupFd);
        ops.close(epollFd);
        ops.close(wakeFd);
        if (!reader.isAlive()) {
            NativeBuffer b;
            while ((b = responseBuffers.poll()) != null) {
                b.close();
            }
        }
    }

    private void wake() {
        try (NativeBuffer one = ops.allocate(8)) {
            one.buffer().putLong(0, 1);
            ops.write(wakeFd, one.address(), 8);
        }
    }

    /** For tests: the reader thread. */
    Thread readerThread() {
        return reader;
    }

    @Override
    public String toString() {
        List<String> s = new ArrayList<>();
        scopes.forEach(x -> s.add(x.kind() + ":" + x.path()));
        return "fanotify" + s;
    }
}
