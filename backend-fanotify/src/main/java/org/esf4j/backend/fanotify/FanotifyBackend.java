package org.esf4j.backend.fanotify;

import static org.esf4j.spi.nativeio.Fanotify.*;

import java.io.File;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.esf4j.api.ClientConfig;
import org.esf4j.api.Esf4jException;
import org.esf4j.api.EventKind;
import org.esf4j.api.Mode;
import org.esf4j.api.Scope;
import org.esf4j.spi.Backend;
import org.esf4j.spi.BackendContext;
import org.esf4j.spi.EventSink;
import org.esf4j.spi.RawEvent;
import org.esf4j.spi.ReaderLoop;
import org.esf4j.spi.nativeio.Errno;
import org.esf4j.spi.nativeio.Fcntl;
import org.esf4j.spi.nativeio.NativeBuffer;
import org.esf4j.spi.nativeio.NativeOps;
import org.esf4j.spi.nativeio.Natives;
import org.esf4j.spi.process.ExecFiles;
import org.esf4j.spi.process.ProcFiles;
import org.esf4j.spi.process.ProcessModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One fanotify group serving one client.
 *
 * <h2>Threads</h2>
 * One reader ({@link ReaderLoop}, {@code esf4j-fanotify-reader-N}) reads the group, answers the
 * library's own events at once (the JVM's class loading, JIT and file reads raise permission
 * events too), and hands every other event to the engine's {@link EventSink}. The reader never
 * opens a file, never logs and allocates nothing per event on the engine's fast path; answers from
 * other threads (handler, deadline watchdog) go through {@link #respond}, which writes the response
 * before closing the event fd. A reader stuck in a handler that runs on it past the deadline is
 * replaced ({@link #replaceReader}): a new reader, with buffers of its own, takes the group and
 * the events the stuck one had read, so a handler that opens a file in scope (whose permission
 * event only this group's reader can answer) holds up no more than its own event.
 *
 * <h2>One exec per execve</h2>
 * The kernel asks {@code FAN_OPEN_EXEC_PERM} for the program, then again for each interpreter it
 * opens for the same exec (a script's {@code #!} interpreter, the ELF interpreter). The reader reads
 * the program's interpreter from the event's own descriptor ({@link ExecFiles}), and marks the
 * process's next exec events for that interpreter, and then for its own ELF interpreter, as
 * {@link RawEvent#joined() joined}: the engine applies the deny rules to them and otherwise allows
 * them, and no handler sees them.
 *
 * <h2>Failure semantics</h2>
 * The group uses {@code FAN_UNLIMITED_QUEUE}, so the kernel never drops a permission event (a
 * full queue would otherwise allow it silently). Every event that is read costs the reader a file
 * descriptor (and a pidfd) until it is handled; a read that ran out of descriptors would make the
 * kernel drop notifications and deny permission events without a trace, so the read buffer is
 * sized to the descriptors this process may still open, and {@code FAN_REPORT_FD_ERROR} (6.13+)
 * turns what still fails into events the reader counts as drops. Closing the group — normally, or
 * because the JVM died — makes the kernel allow everything still pending.
 */
final class FanotifyBackend implements Backend {

    private static final Logger LOG = LoggerFactory.getLogger(FanotifyBackend.class);
    private static final AtomicInteger SERIAL = new AtomicInteger();
    /** Bytes one event takes in a read: the metadata and a pidfd record. */
    private static final int EVENT_BYTES = EventMetadata.SIZE + INFO_PIDFD_SIZE;
    private static final int READ_BUFFER_MAX = 64 * 1024;
    /** Descriptors left to the rest of the JVM when sizing the read buffer. */
    private static final int FD_RESERVE = 256;
    private static final int RLIMIT_NOFILE = 7;
    /** How long after an exec event its interpreters' exec events are expected. */
    private static final long JOIN_WINDOW_NANOS = 2_000_000_000L;
    private static final int TYPE_EXEC = EventKind.EXEC.id();
    private static final int IDLE = 0;
    private static final int IN_SINK = 1;
    private static final int HANDED_OVER = 2;

    private final NativeOps ops;
    private final EventSink sink;
    private final ProcessModel processes;
    private final FanotifyProbe.Features features;
    private final ClientConfig.ReaderMode readerMode;
    private final int groupFd;
    private final int selfPid;
    private final boolean authExec;
    private final boolean authOpen;
    private final boolean notifyExec;
    private final boolean notifyOpen;
    private final boolean kernelCache;
    private final long permMask;
    private final long notifyMask;
    private final List<Scope> scopes;
    private final ReaderLoop reader;
    private final int readBytes;

    private final AtomicInteger inflight = new AtomicInteger();
    private volatile boolean closed;
    private final AtomicBoolean closing = new AtomicBoolean();
    private final ConcurrentLinkedQueue<NativeBuffer> responseBuffers = new ConcurrentLinkedQueue<>();
    private final ThreadLocal<NativeBuffer> responseBuffer = ThreadLocal.withInitial(this::newResponseBuffer);

    /** The reading agent's, then each successor's; the interpreters expected survive a replacement. */
    private final Joins joins = new Joins();
    /** The agent that reads now (it changes when a stuck reader is replaced). */
    private volatile Agent current;

    private FanotifyBackend(BackendContext ctx, FanotifyProbe.Features features, NativeOps ops, int groupFd) {
        this.ops = ops;
        this.sink = ctx.sink();
        this.processes = ctx.processes();
        this.features = features;
        this.readerMode = ctx.config().readerMode();
        this.groupFd = groupFd;
        this.selfPid = ops.getpid();
        Map<EventKind, Mode> ev = ctx.events();
        this.authExec = ev.get(EventKind.EXEC) == Mode.AUTH;
        this.authOpen = ev.get(EventKind.FILE_OPEN) == Mode.AUTH;
        this.notifyExec = ev.get(EventKind.EXEC) == Mode.NOTIFY;
        this.notifyOpen = ev.get(EventKind.FILE_OPEN) == Mode.NOTIFY;
        this.kernelCache = ctx.config().kernelCache() && features.ignoreFlags() != 0;
        // FAN_ONDIR: opens of directories are reported too (opendir, O_DIRECTORY)
        this.permMask = (authOpen ? FAN_OPEN_PERM | FAN_ONDIR : 0) | (authExec ? FAN_OPEN_EXEC_PERM : 0);
        this.notifyMask = (notifyOpen ? FAN_OPEN | FAN_ONDIR : 0) | (notifyExec ? FAN_OPEN_EXEC : 0);
        this.scopes = ctx.config().scopes().isEmpty() ? List.of(Scope.mount(Path.of("/"))) : ctx.config().scopes();
        this.readBytes = readBufferBytes(ops);
        this.current = new Agent();
        this.reader = new ReaderLoop("esf4j-fanotify-reader-" + SERIAL.incrementAndGet(), readerMode, ops, current,
                groupFd);
    }

    /**
     * Creates the group (no marks yet: they are placed by {@link #start()} once the reader runs).
     */
    static FanotifyBackend open(BackendContext ctx, FanotifyProbe.Features features) {
        for (EventKind t : ctx.events().keySet()) {
            if (t != EventKind.EXEC && t != EventKind.FILE_OPEN) {
                throw new Esf4jException("fanotify cannot report " + t + " events");
            }
        }
        if (ctx.events().containsKey(EventKind.EXEC) && !features.execPermission()) {
            throw new Esf4jException("this kernel has no FAN_OPEN_EXEC_PERM (Linux 5.0+ is needed for exec events)");
        }
        ctx.options(FanotifyProvider.NAME); // no options: refuse unknown ones
        NativeOps ops = Natives.get();
        int flags = FanotifyProbe.BASE_INIT_FLAGS | (features.pidfd() ? FAN_REPORT_PIDFD : 0)
                | (features.fdError() ? FAN_REPORT_FD_ERROR : 0);
        int fd = ops.fanotifyInit(flags, FanotifyProbe.EVENT_F_FLAGS);
        if (fd < 0) {
            throw new Esf4jException("fanotify_init failed: " + Errno.describe(-fd));
        }
        try {
            return new FanotifyBackend(ctx, features, ops, fd);
        } catch (RuntimeException e) {
            ops.close(fd);
            throw e;
        }
    }

    /**
     * The read buffer: as many events as this process can take descriptors for (each read event
     * holds an event fd and a pidfd until it is handled), at most 64 KiB.
     */
    private static int readBufferBytes(NativeOps ops) {
        int events = READ_BUFFER_MAX / EVENT_BYTES;
        try (NativeBuffer rl = ops.allocate(16)) {
            if (ops.getrlimit(RLIMIT_NOFILE, rl.address()) == 0) {
                long soft = rl.buffer().getLong(0);
                String[] open = new File("/proc/self/fd").list();
                long free = soft - (open == null ? 0 : open.length) - FD_RESERVE;
                events = (int) Math.max(1, Math.min(events, free / 2));
            }
        }
        return events * EVENT_BYTES;
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
        Agent a = current;
        a.allocate();
        FanotifyRawEvent raw = a.raw;
        try (NativeBuffer scratch = ops.allocate(256)) {
            ByteBuffer bb = scratch.buffer();
            bb.putInt(0, EventMetadata.SIZE).put(4, (byte) FANOTIFY_METADATA_VERSION).put(5, (byte) 0)
              .putShort(6, (short) EventMetadata.SIZE).putLong(8, FAN_OPEN_PERM).putInt(16, -1).putInt(20, selfPid);
            EventMetadata m = new EventMetadata().wrap(bb, EventMetadata.SIZE);
            while (m.next()) {
                m.pidfd();
                m.mask();
            }
        }
        raw.reset(EventKind.FILE_OPEN, Mode.AUTH, selfPid, -1, 0, System.nanoTime(), -1, -1);
        raw.eventFd(groupFd, true, 0, -1);
        raw.targetPathLength();
        raw.executablePathLength();
        raw.inode();
        joins.expect(selfPid, 0, 0, System.nanoTime());
        joins.matches(selfPid, 0, 0, System.nanoTime());
        a.execFiles.interpreter(groupFd);
    }

    private void placeMarks() {
        NativeBuffer pathBuf = ops.allocate(RawEvent.MAX_PATH + 1);
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
                    int rc = ops.fanotifyMark(groupFd, FAN_MARK_ADD | markType, mask | extra, Fcntl.AT_FDCWD, addr);
                    if (rc < 0) {
                        throw new Esf4jException("fanotify_mark(" + s.kind() + " " + p + ") failed: "
                                + Errno.describe(-rc) + hint(-rc, s));
                    }
                }
            }
        } finally {
            pathBuf.close();
        }
        LOG.debug("fanotify marks placed on {} (perm mask {}, notify mask {}, reader {}, {} events per read)", scopes,
                Long.toHexString(permMask), Long.toHexString(notifyMask), readerMode, readBytes / EVENT_BYTES);
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

    /**
     * The reader's work, one read of the group per call, with the buffers of one reader thread. A
     * successor ({@link #replaceReader}) gets buffers of its own: the stuck handler may still read
     * its event through the old ones.
     */
    private final class Agent implements ReaderLoop.Agent {
        private NativeBuffer readMem;
        private NativeBuffer response;
        private final EventMetadata md = new EventMetadata();
        private FanotifyRawEvent raw;
        private ProcFiles proc;
        private ExecFiles execFiles;
        /** Bytes of a stuck reader's batch to handle before the next read (a successor's first work). */
        private int pending;
        private long pendingReceived;
        private long pendingLo;
        /** Where the events after the one in the engine begin; written before {@link #sinkState}. */
        private int restOffset;
        /**
         * {@link #IDLE}, {@link #IN_SINK} while this agent's thread is inside
         * {@link EventSink#onEvent}, or {@link #HANDED_OVER} once a successor claimed the rest of
         * the batch. One compare-and-set on each side decides who handles the rest: no lock on
         * the reader's path.
         */
        private final java.util.concurrent.atomic.AtomicInteger sinkState = new java.util.concurrent.atomic.AtomicInteger();
        /** Set by this agent's thread when its leaving the sink found the batch handed over. */
        private boolean handedOver;

        void allocate() {
            readMem = ops.allocate(readBytes);
            response = newResponseBuffer();
            proc = new ProcFiles(ops);
            execFiles = new ExecFiles(ops);
            raw = new FanotifyRawEvent(proc, execFiles);
        }

        /**
         * The agent that takes over from this one, stuck in the engine: it starts with the events
         * this one read after the stuck one. Null when this agent's thread is not in the engine,
         * the engine says it is no longer stuck, or the thread left the engine meanwhile.
         */
        Agent successor(BooleanSupplier stillStuck) {
            if (sinkState.get() != IN_SINK || !stillStuck.getAsBoolean()
                    || !sinkState.compareAndSet(IN_SINK, HANDED_OVER)) {
                return null;
            }
            // claimed: this agent's thread will not touch its batch again
            Agent next = new Agent();
            next.allocate();
            int rest = md.limit() - restOffset;
            if (rest > 0) {
                next.readMem.buffer().put(0, readMem.buffer(), restOffset, rest);
                next.pending = rest;
                next.pendingReceived = pendingReceived;
                next.pendingLo = pendingLo;
            }
            current = next;
            return next;
        }

        @Override
        public int doWork() {
            if (pending > 0) {
                int n = pending;
                pending = 0;
                return dispatch(md.wrap(readMem.buffer(), n), pendingReceived, pendingLo);
            }
            long n = ops.read(groupFd, readMem.address(), readBytes);
            if (n > 0) {
                return dispatch(md.wrap(readMem.buffer(), (int) n), System.nanoTime(), reader.lastEmptyNanos());
            }
            int errno = (int) -n;
            if (n == 0 || errno == Errno.EAGAIN || errno == Errno.EINTR) {
                return 0;
            }
            if (errno == Errno.EMFILE || errno == Errno.ENFILE) {
                // the kernel could not give the first event of this read a descriptor: it dropped it
                // (a notification) or denied it (a permission event), and says no more
                sink.onDrop("event-fd", 1, "the fanotify reader ran out of file descriptors ("
                        + Errno.describe(errno) + "): the kernel dropped one event, or denied it if it was a"
                        + " permission event");
                return 1;
            }
            sink.onError("read", errno);
            if (errno == Errno.EBADF) {
                throw new Esf4jException("the fanotify group was closed under the reader");
            }
            return 0;
        }

        @Override
        public void onError(Throwable t) {
            sink.onError("reader: " + t, 0);
        }

        @Override
        public void onStop() {
            if (readMem != null) {
                proc.close();
                execFiles.close();
                readMem.close();
            }
        }

        private int dispatch(EventMetadata m, long received, long lo) {
            pendingReceived = received;
            pendingLo = lo;
            int count = 0;
            while (m.next()) {
                count++;
                long mask = m.mask();
                int fd = m.fd();
                int pid = m.pid();
                int pidfd = m.pidfd();
                boolean perm = (mask & (FAN_OPEN_PERM | FAN_OPEN_EXEC_PERM | FAN_ACCESS_PERM)) != 0;
                if ((mask & FAN_Q_OVERFLOW) != 0) {
                    sink.onDrop("kernel-queue", -1, "FAN_Q_OVERFLOW: the fanotify queue overflowed and the kernel "
                            + "dropped events (permission events dropped this way were allowed)");
                } else if (fd < 0) {
                    sink.onDrop("event-fd", 1, perm
                            ? "the kernel could not open the file for the event (" + fdError(fd) + ") and denied the access itself"
                            : "the kernel could not open the file for the event (" + fdError(fd) + ") and dropped it");
                } else if (pid == selfPid) {
                    // The library's own process: answer at once, before anything else.
                    if (perm) {
                        writeResponse(response, fd, FAN_ALLOW);
                    }
                    ops.close(fd);
                    sink.onSelf();
                } else {
                    handle(mask, fd, pid, pidfd, perm, lo, received, m.end());
                }
                if (pidfd >= 0) {
                    ops.close(pidfd);
                }
                if (handedOver) {
                    return count; // replaced while in the engine: the rest is the successor's
                }
            }
            String bad = m.malformed();
            if (bad != null) {
                // the walk cannot go past a record it cannot size: the rest of this read is lost
                sink.onError("malformed fanotify event: " + bad, 0);
                sink.onDrop("malformed", -1, "a malformed fanotify record (" + bad + "): the rest of that read,"
                        + " an unknown number of events, was skipped (permission events among them wait for the"
                        + " group's close, which allows them)");
            }
            return count;
        }

        private void handle(long mask, int fd, int pid, int pidfd, boolean perm, long lo, long received, int rest) {
            EventKind kind;
            Mode mode;
            if (perm) {
                if ((mask & FAN_OPEN_EXEC_PERM) != 0 && authExec) {
                    kind = EventKind.EXEC;
                } else if ((mask & FAN_OPEN_PERM) != 0 && authOpen) {
                    kind = EventKind.FILE_OPEN;
                } else {
                    writeResponse(response, fd, FAN_ALLOW);
                    ops.close(fd);
                    return;
                }
                mode = Mode.AUTH;
            } else {
                if ((mask & FAN_OPEN_EXEC) != 0 && notifyExec) {
                    kind = EventKind.EXEC;
                } else if ((mask & FAN_OPEN) != 0 && notifyOpen) {
                    kind = EventKind.FILE_OPEN;
                } else {
                    ops.close(fd);
                    return;
                }
                mode = Mode.NOTIFY;
            }
            // fanotify reports the process, not the thread; a pidfd of FAN_NOPIDFD (or -ESRCH with
            // FAN_REPORT_FD_ERROR) means the process exited before the event was read
            boolean alive = pidfd >= 0 || pidfd == Integer.MIN_VALUE;
            raw.reset(kind, mode, pid, -1, 0, received, ((long) kind.id() << 32) | (fd & 0xffffffffL), -1);
            raw.eventFd(fd, mode == Mode.AUTH && alive, lo, pidfd);
            if (kind == EventKind.EXEC) {
                if (raw.inode() != 0 && joins.matches(pid, raw.device(), raw.inode(), received)) {
                    raw.joined();
                }
                // the interpreter's own ELF interpreter comes next (a script's shell, then ld.so)
                joins.expectInterpreterOf(pid, raw, proc, received);
            }
            restOffset = rest;
            sinkState.set(IN_SINK);
            try {
                sink.onEvent(raw);
            } catch (Throwable t) {
                // The engine owns the answer of an AUTH event from here on; it must not throw. If it did,
                // its deadline watchdog still answers; never answer twice (the fd number may be reused).
                sink.onError("engine: " + t, 0);
            } finally {
                handedOver = !sinkState.compareAndSet(IN_SINK, IDLE);
            }
            if (mode == Mode.NOTIFY) {
                ops.close(fd);
            }
        }
    }

    private static String fdError(int fd) {
        return fd == FAN_NOFD ? "no descriptor" : Errno.describe(-fd);
    }

    @Override
    public boolean replaceReader(BooleanSupplier stillStuck) {
        if (closing.get()) {
            return false;
        }
        Agent stuck = current;
        return reader.handOver(() -> stuck.successor(stillStuck));
    }

    /**
     * The interpreters the reader expects next, per process: after an exec event for a program
     * that names an interpreter, the process's next exec event for that file (by identity) belongs
     * to the same {@code execve}. A handful of processes exec at the same moment, so a small
     * array does.
     */
    private final class Joins {
        private static final int SLOTS = 64;
        private final int[] pids = new int[SLOTS];
        private final long[] devs = new long[SLOTS];
        private final long[] inos = new long[SLOTS];
        private final long[] until = new long[SLOTS];
        private final byte[] path = new byte[RawEvent.MAX_PATH];
        private int next;

        void expect(int pid, long dev, long ino, long now) {
            int free = -1;
            for (int i = 0; i < SLOTS; i++) {
                if (pids[i] == pid || until[i] - now < 0) {
                    free = i;
                    break;
                }
            }
            if (free < 0) {
                free = next;
                next = (next + 1) % SLOTS;
            }
            pids[free] = pid;
            devs[free] = dev;
            inos[free] = ino;
            until[free] = now + JOIN_WINDOW_NANOS;
        }

        /** Whether the exec of (dev, ino) by pid is the interpreter its last exec named; consumes it. */
        boolean matches(int pid, long dev, long ino, long now) {
            for (int i = 0; i < SLOTS; i++) {
                if (pids[i] == pid && until[i] - now >= 0) {
                    boolean hit = inos[i] == ino && devs[i] == dev;
                    if (hit) {
                        pids[i] = 0;
                    }
                    return hit;
                }
            }
            return false;
        }

        /** Reads the interpreter the file names and expects it (by identity) from the same process. */
        void expectInterpreterOf(int pid, FanotifyRawEvent r, ProcFiles proc, long now) {
            String interp = r.interpreter();
            if (interp == null || interp.isEmpty()) {
                return;
            }
            byte[] b = interp.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            if (b.length >= path.length || proc.stat(b, b.length) != 0) {
                return;
            }
            expect(pid, proc.statDevice(), proc.statInode(), now);
        }
    }

    private void writeResponse(NativeBuffer buf, int fd, int verdict) {
        ByteBuffer rb = buf.buffer();
        rb.putInt(0, fd);
        rb.putInt(4, verdict);
        long rc = ops.write(groupFd, buf.address(), 8);
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
        // No new events (the marks go), then the reader reads what the kernel had queued: the
        // engine delivers the notifications and allows the permission events (it is closing).
        flushMarks();
        boolean stopped = reader.stop(2_000, 5_000);
        closed = true;
        while (inflight.get() != 0) {
            Thread.onSpinWait();
        }
        // Closing the group removes every mark and makes the kernel allow whatever is pending.
        ops.close(groupFd);
        reader.close();
        if (stopped) {
            NativeBuffer b;
            while ((b = responseBuffers.poll()) != null) {
                b.close();
            }
        }
    }

    private void flushMarks() {
        for (int type : new int[] {FAN_MARK_MOUNT, FAN_MARK_FILESYSTEM, FAN_MARK_INODE}) {
            ops.fanotifyMark(groupFd, FAN_MARK_FLUSH | type, 0, Fcntl.AT_FDCWD, 0L);
        }
    }

    /** For tests: the reader thread. */
    Thread readerThread() {
        return reader.thread();
    }

    /**
     * For tests: handles {@code length} bytes of records as if a read of the group had returned
     * them, with reader buffers of their own (records the kernel never sends to esf4j's groups,
     * such as {@code FAN_Q_OVERFLOW}, or malformed ones). Handles the first record.
     */
    int dispatchForTest(ByteBuffer records, int length) {
        Agent a = new Agent();
        a.allocate();
        try {
            a.readMem.buffer().put(0, records, 0, length);
            return a.dispatch(a.md.wrap(a.readMem.buffer(), length), System.nanoTime(), System.nanoTime());
        } finally {
            a.onStop();
        }
    }

    /** For tests: how many events one read takes at most. */
    int eventsPerRead() {
        return readBytes / EVENT_BYTES;
    }

    @Override
    public String toString() {
        List<String> s = new ArrayList<>();
        scopes.forEach(x -> s.add(x.kind() + ":" + x.path()));
        return "fanotify" + s;
    }
}
