package org.esf4j.spi.engine;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletableFuture;
import org.esf4j.api.Authorization;
import org.esf4j.api.AuthorizationRequest;
import org.esf4j.api.Event;
import org.esf4j.api.EventKind;
import org.esf4j.api.SecurityEvent;
import org.esf4j.api.Verdict;
import org.esf4j.api.VerdictReason;
import org.esf4j.spi.RawEvent;

/**
 * An AUTH event waiting for its verdict. Exactly one decision reaches the backend: every path
 * (handler, late handler, watchdog, close) goes through {@link #decide}, which claims the request
 * with one compare-and-set on {@link #state} before touching the kernel.
 *
 * <p>{@code state} is {@code generation << 1 | decided}. A request that runs its handler on the
 * reader thread is reused for the next event when it was decided synchronously (so that path
 * allocates nothing); each reuse starts a new generation, so a watchdog that read an older
 * generation can never claim the new event. Fields other than {@code state} are written by the
 * thread that prepares the request before the volatile write of a new generation, and read by
 * others after reading it.
 *
 * <p>Two final classes present it to callbacks: {@link Core} (an {@link AuthorizationRequest}, for
 * the four original kinds) and {@link Open} (an {@link Authorization} of any other kind); the
 * engine makes the one that fits the event's kind.
 */
abstract sealed class Request permits Request.Core, Request.Open {

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Request.class, "state", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final BackendSink sink;
    private volatile long state;
    long token;
    EventKind kind;
    int pid;
    long receivedNanos;
    long kernelTimeNanos;
    long deadlineNanos;
    /** The materialized event, or null until a handler asks for it (reader thread only). */
    Event event;
    /** The reader's raw event while the handler runs synchronously on the reader thread; else null. */
    RawEvent raw;
    /** The thread that owns {@link #raw} (the backend's reader thread). */
    Thread rawOwner;
    /** The kernel let the operation through before the handler ran (a KERNEL_POLICY source). */
    boolean alreadyAllowed;
    boolean keyed;
    long device;
    long inode;
    long changeTime;
    long executableHash;
    private volatile Verdict verdict;
    private volatile CompletableFuture<Verdict> future;
    /** The source's descriptor of the event's file, open until the answer, or -1 (see {@link #file}). */
    int fileFd = -1;
    /** Set by {@link #file} before it looks at {@link #state}; read by {@link #decide} after its claim. */
    private volatile boolean fileWanted;
    private final Object fileLock = new Object();

    Request(BackendSink sink) {
        this.sink = sink;
    }

    /** A request for an event of one of the four original kinds. */
    static final class Core extends Request implements AuthorizationRequest<SecurityEvent> {
        Core(BackendSink sink) {
            super(sink);
        }

        @Override
        public SecurityEvent event() {
            return (SecurityEvent) materialized();
        }

        @Override
        Authorization<? extends Event> view() {
            return this;
        }
    }

    /** A request for an event of a kind added since, or of one source. */
    static final class Open extends Request implements Authorization<Event> {
        Open(BackendSink sink) {
            super(sink);
        }

        @Override
        public Event event() {
            return materialized();
        }

        @Override
        Authorization<? extends Event> view() {
            return this;
        }
    }

    /** @return this request as the callbacks see it */
    abstract Authorization<? extends Event> view();

    /** A new request of the class that fits the kind. */
    static Request of(BackendSink sink, EventKind kind) {
        return kind.isSecurityEvent() ? new Core(sink) : new Open(sink);
    }

    /** Starts a new generation for the event in {@code raw}. */
    void prepare(RawEvent raw, long deadlineNanos) {
        this.token = raw.token();
        this.kind = raw.kind();
        this.pid = raw.pid();
        this.receivedNanos = raw.receivedNanos();
        this.kernelTimeNanos = raw.kernelTimeNanos();
        this.deadlineNanos = deadlineNanos;
        this.event = null;
        this.raw = raw;
        this.rawOwner = Thread.currentThread();
        this.alreadyAllowed = raw.kernelDecision() == RawEvent.KernelDecision.ALLOWED;
        this.keyed = false;
        this.verdict = null;
        this.future = null;
        this.fileFd = raw.fileDescriptor();
        this.fileWanted = false;
        state = ((state >>> 1) + 1) << 1;
    }

    /** Copies the cache key out of the raw event, so that a later decision can store it. */
    void captureKey(RawEvent r) {
        if (!keyed) {
            device = r.device();
            inode = r.inode();
            changeTime = r.changeTimeNanos();
            executableHash = Bytes.hash(r.executablePath(), r.executablePathLength());
            keyed = true;
        }
    }

    long state() {
        return state;
    }

    static boolean isDecided(long s) {
        return (s & 1) != 0;
    }

    boolean isDecided() {
        return isDecided(state);
    }

    /**
     * Claims the request in generation {@code expected} and answers the kernel.
     *
     * @return true if this call decided, false if the request was already decided
     */
    boolean decide(long expected, Verdict v) {
        if (isDecided(expected)) {
            return false;
        }
        long tok = token; // read before the claim: a new generation cannot start while undecided
        if (!STATE.compareAndSet(this, expected, expected | 1)) {
            return false;
        }
        if (fileWanted) {
            synchronized (fileLock) { // the answer closes the source's descriptor: not while file() duplicates it
                sink.answer(this, tok, v);
            }
        } else {
            sink.answer(this, tok, v);
        }
        verdict = v;
        sink.health().onVerdict(v);
        CompletableFuture<Verdict> f = future;
        if (f != null) {
            f.complete(v);
        }
        return true;
    }

    final Event materialized() {
        Event e = event;
        if (e == null) {
            RawEvent r = raw;
            if (r == null || Thread.currentThread() != rawOwner) {
                throw new IllegalStateException(r == null
                        ? "this request was used after its handler returned; a handler on the reader thread "
                                + "that answers later must return null"
                        : "call event() first on the handler's own thread (the reader thread)");
            }
            e = sink.materialize(r);
            event = e;
        }
        return e;
    }

    public long deadlineNanos() {
        return deadlineNanos;
    }

    /**
     * A read-only channel on the event's own file, through a duplicate of the descriptor the
     * source opened for the event: reading it makes no open, so it raises no event and cannot wait
     * on this client's own group. Empty when the source gives no descriptor or the request is
     * already answered (the source's descriptor is closed then).
     *
     * @return the channel, which the caller closes
     */
    public java.util.Optional<java.nio.channels.SeekableByteChannel> file() {
        long s = state;
        int fd = fileFd;
        if (fd < 0 || isDecided(s)) {
            return java.util.Optional.empty();
        }
        fileWanted = true;
        synchronized (fileLock) {
            if (state != s) {
                return java.util.Optional.empty(); // answered meanwhile
            }
            org.esf4j.spi.nativeio.NativeOps ops = org.esf4j.spi.nativeio.Natives.get();
            int dup = ops.dupCloexec(fd);
            if (dup < 0) {
                sink.counters.errors.incrementAndGet();
                return java.util.Optional.empty();
            }
            return java.util.Optional.of(new EventFileChannel(ops, dup));
        }
    }

    public boolean respond(Verdict v) {
        java.util.Objects.requireNonNull(v, "verdict");
        boolean ok = decide(state, v.withReason(VerdictReason.HANDLER));
        if (!ok) {
            sink.counters.lateResponses.incrementAndGet();
        }
        return ok;
    }

    public CompletableFuture<Verdict> verdict() {
        CompletableFuture<Verdict> f = future;
        if (f == null) {
            synchronized (this) {
                f = future;
                if (f == null) {
                    f = new CompletableFuture<>();
                    future = f;
                }
            }
        }
        Verdict v = verdict;
        if (v != null) {
            f.complete(v);
        }
        return f;
    }

    @Override
    public String toString() {
        return "AuthorizationRequest[" + kind + " pid=" + pid + " from " + sink.name + "]";
    }
}
