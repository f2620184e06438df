package org.esf4j.spi.engine;

import org.esf4j.api.AuthorizationCallback;
import org.esf4j.api.ClientConfig;
import org.esf4j.api.Event;
import org.esf4j.api.EventHeader;
import org.esf4j.api.EventKind;
import org.esf4j.api.Mode;
import org.esf4j.api.ProcessInfo;
import org.esf4j.api.Verdict;
import org.esf4j.api.VerdictReason;
import org.esf4j.spi.Backend;
import org.esf4j.spi.EventSink;
import org.esf4j.spi.RawEvent;

/**
 * The engine's side of one backend within one client: receives every kernel event on the
 * backend's reader thread and decides, in this order, without allocating: policy rules (deny,
 * {@link VerdictReason#KERNEL_POLICY}), muting (allow, {@link VerdictReason#MUTED}), the engine's
 * verdict cache ({@link VerdictReason#CACHE}), no handler (allow, {@link VerdictReason#KERNEL_POLICY}).
 * Events a {@code KERNEL_POLICY} source (BPF LSM) already decided in the kernel carry a
 * {@link RawEvent.KernelDecision}: a rule or a kernel cache hit is reported with that verdict and
 * reason; when no rule matched, the kernel has let the operation through, and the handler's
 * verdict matters for later occurrences only, through the kernel cache when it is
 * {@code cached()} (allow or deny).
 * Everything else goes to the authorization callback, on the reader thread
 * ({@link ClientConfig.HandlerThread#READER}, reusing one request object per request class) or
 * through the dispatch queue (default; the event is materialized on the reader thread, which
 * allocates). The backend builds the event ({@link RawEvent#toEvent}) and resolves its process
 * through the shared process model ({@link RawEvent#process}).
 */
final class BackendSink implements EventSink {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(BackendSink.class);
    private static final java.lang.invoke.VarHandle IN_HANDLER;

    static {
        try {
            IN_HANDLER = java.lang.invoke.MethodHandles.lookup().findVarHandle(BackendSink.class, "inHandler",
                    Request.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final String name;
    final Counters counters = new Counters();
    private final EsfClient client;
    private final ClientConfig config;
    private final AuthorizationCallback handler;
    private final boolean onReader;
    private final boolean eagerEvent;
    private final long deadlineNanos;
    private final Verdict deadlineVerdict;
    private Backend backend;
    /** The reusable requests of the reader thread (reader-thread handlers only), per request class. */
    private Request readerCore;
    private Request readerOpen;
    /** The request whose handler runs on the reader thread right now, for the watchdog. */
    volatile Request inHandler;
    /** When the handler call of {@link #inHandler} started. */
    volatile long inHandlerSince;
    /**
     * Requests whose handler was still running on a reader thread that the backend replaced
     * ({@link #strand}), with the time each call started; the entry goes when the call returns.
     */
    private final java.util.concurrent.ConcurrentHashMap<Request, Long> stranded =
            new java.util.concurrent.ConcurrentHashMap<>();
    private volatile boolean closing;
    private volatile Thread readerThread;

    BackendSink(String name, EsfClient client) {
        this.name = name;
        this.client = client;
        this.config = client.config;
        this.handler = config.authorizationCallback();
        this.onReader = config.handlerThread() == ClientConfig.HandlerThread.READER;
        this.eagerEvent = config.decisionCallback() != null || config.notifyDecisions();
        this.deadlineNanos = config.deadline().toNanos();
        this.deadlineVerdict = config.deadlineVerdict();
        this.readerCore = new Request.Core(this);
        this.readerOpen = new Request.Open(this);
    }

    void backend(Backend b) {
        this.backend = b;
    }

    Backend backend() {
        return backend;
    }

    // ------------------------------------------------------------------ reader thread

    @Override
    public void onEvent(RawEvent raw) {
        if (readerThread == null) {
            readerThread = Thread.currentThread();
        }
        counters.received.incrementAndGet();
        if (config.kinds().get(raw.kind()) != raw.mode()) {
            unsubscribed(raw);
            return;
        }
        if (raw.mode() == Mode.NOTIFY) {
            if (raw.isJoined()) {
                counters.joined.incrementAndGet();
                return;
            }
            if (client.muting.isMuted(raw)) {
                counters.muted.incrementAndGet();
                return;
            }
            if (config.eventCallback() != null) {
                Event e = materialize(raw);
                if (onReader) {
                    client.dispatcher.callEventHandler(e, counters);
                } else {
                    client.dispatcher.offerNotify(e, counters);
                }
            }
            return;
        }
        if (closing) {
            answerNow(raw, Verdict.of(true, VerdictReason.DEADLINE, false));
            return;
        }
        if (raw.isJoined()) {
            counters.joined.incrementAndGet();
            Verdict v = client.policy.denies(raw, client.processes) ? Verdict.of(false, VerdictReason.KERNEL_POLICY, false)
                    : Verdict.of(true, VerdictReason.KERNEL_POLICY, false);
            count(v);
            backend.respond(raw.token(), v.isAllowed(), false);
            return;
        }
        switch (raw.kernelDecision()) {
            case NONE -> {
                if (client.policy.denies(raw, client.processes)) {
                    answerNow(raw, Verdict.of(false, VerdictReason.KERNEL_POLICY, false));
                    return;
                }
            }
            case DENIED_POLICY -> {
                answerNow(raw, Verdict.of(false, VerdictReason.KERNEL_POLICY, false));
                return;
            }
            case ALLOWED_CACHE -> {
                answerNow(raw, Verdict.of(true, VerdictReason.CACHE, false));
                return;
            }
            case DENIED_CACHE -> {
                answerNow(raw, Verdict.of(false, VerdictReason.CACHE, false));
                return;
            }
            case ALLOWED -> { } // the kernel evaluated the policy; muting, cache and handler follow
        }
        if (client.muting.isMuted(raw)) {
            answerNow(raw, Verdict.of(true, VerdictReason.MUTED, false));
            return;
        }
        // an operation the kernel already let through cannot be held by the engine's cache: its
        // answer would report a deny that never happened (bind and connect have no kernel cache)
        if (raw.kernelDecision() != RawEvent.KernelDecision.ALLOWED && !client.cache.isEmpty()) {
            int hit = client.cache.lookup(raw.kind().id(), raw.device(), raw.inode(), raw.changeTimeNanos(),
                    Bytes.hash(raw.executablePath(), raw.executablePathLength()));
            if (hit != VerdictCache.MISS) {
                answerNow(raw, Verdict.of(hit == 1, VerdictReason.CACHE, false));
                return;
            }
        }
        if (handler == null) {
            answerNow(raw, Verdict.of(true, VerdictReason.KERNEL_POLICY, false));
            return;
        }
        long deadline = raw.receivedNanos() + deadlineNanos;
        if (client.health.answerAtOnce() && (onReader ? inHandler != null || !stranded.isEmpty()
                : client.dispatcher.busy())) {
            // the handler is degraded and busy: the process gets now what the deadline would give it
            answerNow(raw, deadlineVerdict);
            client.health.onVerdict(deadlineVerdict);
            return;
        }
        if (onReader) {
            runOnReader(raw, deadline);
        } else {
            Request r = Request.of(this, raw.kind());
            r.prepare(raw, deadline);
            r.event = materialize(raw);
            r.captureKey(raw);
            r.raw = null;
            client.watchdog.add(r);
            if (!client.dispatcher.offerRequest(r)) {
                long seq = r.event.sequence();
                if (r.decide(r.state(), deadlineVerdict)) {
                    counters.dropped.incrementAndGet();
                    client.dispatcher.offerDrop(new org.esf4j.api.DropNotice("engine", "engine-queue", 1, seq,
                            "the dispatch queue (" + config.dispatchQueueCapacity() + ") was full: answered "
                                    + (deadlineVerdict.isAllowed() ? "allow" : "deny") + " without the handler"));
                }
            }
        }
    }

    private void runOnReader(RawEvent raw, long deadline) {
        boolean core = raw.kind().isSecurityEvent();
        Request r = core ? readerCore : readerOpen;
        r.prepare(raw, deadline);
        if (eagerEvent) {
            r.event = materialize(raw);
        }
        long s = r.state();
        inHandlerSince = System.nanoTime();
        inHandler = r;
        counters.delivered.incrementAndGet();
        Verdict v;
        try {
            v = handler.onAuthorization(r.view());
        } catch (Throwable t) {
            if (!leaveHandler(r)) {
                counters.handlerErrors.incrementAndGet();
                client.dispatcher.logHandlerError(name, t);
                return;
            }
            handlerFailed(r, s, t);
            r.raw = null;
            return;
        }
        if (!leaveHandler(r)) {
            // this thread was replaced while the handler ran; the deadline answered its event
            if (v != null) {
                counters.lateResponses.incrementAndGet();
            }
            return;
        }
        if (v != null) {
            if (!r.decide(s, v.withReason(VerdictReason.HANDLER))) {
                counters.lateResponses.incrementAndGet();
            }
        } else if (!Request.isDecided(r.state())) {
            // The handler answers later: the request leaves the reader thread with its event.
            if (r.event == null) {
                r.event = materialize(raw);
            }
            r.captureKey(raw);
            if (core) {
                readerCore = new Request.Core(this);
            } else {
                readerOpen = new Request.Open(this);
            }
            client.watchdog.add(r);
        }
        r.raw = null;
    }

    /**
     * Ends a handler call on a reader thread.
     *
     * @return false when the thread was replaced meanwhile ({@link #strand}): the request and the
     *         reader's state are no longer this thread's, and it must return without touching them
     */
    private boolean leaveHandler(Request r) {
        if (IN_HANDLER.compareAndSet(this, r, (Request) null)) {
            return true;
        }
        return stranded.isEmpty() || stranded.remove(r) == null;
    }

    /**
     * Called by the watchdog when it answered, at its deadline, the request whose handler runs on
     * the reader thread: the reader is stuck in user code, and a permission-event source's own
     * processes (the handler's own opens among them) wait on it. The backend replaces the reader;
     * the stuck call keeps its request object and its thread, and the new reader gets fresh ones.
     *
     * @param r the request answered
     * @param decided its state after the watchdog's answer
     */
    void strand(Request r, long decided) {
        if (!onReader || backend == null || closing) {
            return;
        }
        long since = inHandlerSince;
        boolean moved = backend.replaceReader(() -> {
            // before the new reader exists. The entry goes in first: a reader leaving the handler
            // finds its inHandler taken only after that, and then finds the entry (leaveHandler).
            if (r.state() != decided) {
                return false;
            }
            stranded.put(r, since);
            if (!IN_HANDLER.compareAndSet(this, r, (Request) null)) {
                stranded.remove(r); // the handler returned meanwhile: nothing to replace
                return false;
            }
            if (readerCore == r) {
                readerCore = new Request.Core(this);
            } else if (readerOpen == r) {
                readerOpen = new Request.Open(this);
            }
            return true;
        });
        if (moved) {
            counters.readerHandovers.incrementAndGet();
            LOG.warn("esf4j {}: a handler on the reader thread ran past its deadline ({} ms so far); the event got"
                    + " the deadline verdict and a new reader thread took over the source ({} replaced threads"
                    + " still in a handler)", name, (System.nanoTime() - since) / 1_000_000, stranded.size());
        }
    }

    /** @return when the oldest handler call still running on a replaced reader thread started, or 0 */
    long strandedSince() {
        if (stranded.isEmpty()) {
            return 0;
        }
        long min = 0;
        for (Long t : stranded.values()) {
            min = min == 0 ? t : Math.min(min, t);
        }
        return min;
    }

    Health health() {
        return client.health;
    }

    void handlerFailed(Request r, long s, Throwable t) {
        counters.handlerErrors.incrementAndGet();
        r.decide(s, deadlineVerdict);
        client.dispatcher.logHandlerError(name, t);
    }

    /** Decides an event on the fast path, before any request exists. */
    private void answerNow(RawEvent raw, Verdict v) {
        count(v);
        backend.respond(raw.token(), v.isAllowed(), false);
        measure(v, raw.receivedNanos(), raw.kernelTimeNanos(), raw.pid(), raw.kind());
        if (eagerEvent) {
            client.dispatcher.offerDecision(materialize(raw), v, counters);
        }
    }

    /**
     * Sends a claimed request's verdict to the kernel and does the book-keeping. Any thread.
     */
    void answer(Request r, long token, Verdict v) {
        boolean cacheable = v.isCached() && v.reason() == VerdictReason.HANDLER;
        boolean kernelCache = cacheable && (v.isAllowed() || backend.cachesDenials()) && config.kernelCache();
        if (cacheable && !kernelCache && !r.alreadyAllowed) {
            engineCache(r, v); // before the kernel hears it, so the next event already hits
        }
        count(v);
        boolean stored = backend.respond(token, v.isAllowed(), kernelCache);
        if (kernelCache) {
            if (stored) {
                counters.kernelCacheEntries.incrementAndGet();
            } else if (!r.alreadyAllowed) {
                engineCache(r, v); // the backend cannot cache in the kernel
            }
        }
        measure(v, r.receivedNanos, r.kernelTimeNanos, r.pid, r.kind);
        if (eagerEvent && r.event != null) {
            client.dispatcher.offerDecision(r.event, v, counters);
        }
    }

    private void engineCache(Request r, Verdict v) {
        RawEvent raw = r.raw;
        if (!r.keyed && raw != null && Thread.currentThread() == r.rawOwner) {
            r.captureKey(raw);
        }
        if (r.keyed) {
            client.cache.put(r.kind.id(), r.device, r.inode, r.changeTime, r.executableHash, v.isAllowed());
        }
    }

    /**
     * Counts a decision. Called just before the kernel is answered, so the counters already show
     * it when the acting process sees its result.
     */
    private void count(Verdict v) {
        switch (v.reason()) {
            case HANDLER -> counters.handlerVerdicts.incrementAndGet();
            case DEADLINE -> counters.deadlineMisses.incrementAndGet();
            case CACHE -> counters.cacheHits.incrementAndGet();
            case MUTED -> counters.muted.incrementAndGet();
            case KERNEL_POLICY -> counters.policyDecisions.incrementAndGet();
            default -> { }
        }
        if (!v.isAllowed()) {
            counters.denied.incrementAndGet();
        }
    }

    /** Records the latency of a decision that reached the kernel, and its JFR event. */
    private void measure(Verdict v, long received, long kernelTime, int pid, EventKind kind) {
        long now = System.nanoTime();
        client.receiveToDecision.record(now - received);
        if (kernelTime != 0) {
            client.hookToDecision.record(now - kernelTime);
        }
        if (DecisionEvent.TYPE.isEnabled()) {
            DecisionEvent.commit(name, kind, pid, v, now - received);
        }
    }

    /**
     * Turns the reader's raw event into an API event (allocates): the backend resolves the process
     * and builds the event. Reader thread only.
     */
    Event materialize(RawEvent raw) {
        ProcessInfo p = raw.process(client.processes);
        EventHeader h = new EventHeader(client.sequence.getAndIncrement(), raw.kernelTimeNanos(), raw.receivedNanos(),
                name, raw.mode(), p);
        return raw.toEvent(h);
    }

    // ------------------------------------------------------------------ EventSink, rest

    @Override
    public void onSelf() {
        counters.self.incrementAndGet();
    }

    /**
     * An event of a kind (or in a mode) the client did not subscribe to: a backend's error. It
     * never reaches a handler (code written for fewer kinds would not know it); a permission
     * event still gets the policy's answer, so that the process does not wait for the deadline.
     */
    private void unsubscribed(RawEvent raw) {
        counters.errors.incrementAndGet();
        client.dispatcher.logBackendError(name, "delivering an event of the unsubscribed kind " + raw.kind() + " in "
                + raw.mode(), 0);
        if (raw.mode() == Mode.AUTH) {
            Verdict v = client.policy.denies(raw, client.processes) ? Verdict.of(false, VerdictReason.KERNEL_POLICY, false)
                    : Verdict.of(true, VerdictReason.KERNEL_POLICY, false);
            count(v);
            backend.respond(raw.token(), v.isAllowed(), false);
        }
    }

    @Override
    public void onDrop(String layer, long count, String detail) {
        counters.dropped.addAndGet(count < 0 ? 1 : count);
        client.dispatcher.offerDrop(new org.esf4j.api.DropNotice(name, layer, count, -1, detail));
    }

    @Override
    public void onError(String operation, int errno) {
        counters.errors.incrementAndGet();
        client.dispatcher.logBackendError(name, operation, errno);
    }

    /** From now on AUTH events are allowed at once (the client is closing). */
    void closing() {
        closing = true;
    }

    /** @return the thread that delivered events, or null */
    Thread readerThread() {
        return readerThread;
    }
}
