package org.esf4j.spi.engine;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.esf4j.api.AuthorizationCallback;
import org.esf4j.api.ClientConfig;
import org.esf4j.api.DecisionCallback;
import org.esf4j.api.DropHandler;
import org.esf4j.api.DropNotice;
import org.esf4j.api.Event;
import org.esf4j.api.EventCallback;
import org.esf4j.api.Verdict;
import org.esf4j.api.VerdictReason;
import org.esf4j.spi.nativeio.Errno;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's dispatch thread ({@code esf4j-dispatch-N}): runs authorization handlers one at a
 * time in delivery order (Apple ES semantics), then event handlers, decision listeners, drop
 * handlers and the engine's own logging, so that none of them runs on a reader thread. The queue
 * is bounded; what does not fit is counted and reported as a drop notice, never lost silently.
 */
final class Dispatcher {

    private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);
    private static final Object STOP = new Object();
    private static final int LOG_FIRST = 20;
    private static final int LOG_EVERY = 1000;

    private record Notify(Event event, Counters counters) {
    }

    private record Decision(Event event, Verdict verdict, Counters counters) {
    }

    private final ArrayBlockingQueue<Object> queue;
    private final AuthorizationCallback authorizationHandler;
    private final EventCallback eventHandler;
    private final DecisionCallback decisionListener;
    private final DropHandler dropHandler;
    private final boolean notifyDecisions;
    private final Thread thread;
    private final AtomicLong overflow = new AtomicLong();
    private final AtomicLong overflowFirstSequence = new AtomicLong(Long.MAX_VALUE);
    private final AtomicLong logged = new AtomicLong();
    private volatile boolean stopping;
    /** When the running authorization handler call started, or 0. */
    private volatile long handlerSince;

    Dispatcher(ClientConfig config, int serial) {
        this.queue = new ArrayBlockingQueue<>(config.dispatchQueueCapacity());
        this.authorizationHandler = config.authorizationCallback();
        this.eventHandler = config.eventCallback();
        this.decisionListener = config.decisionCallback();
        this.dropHandler = config.dropHandler();
        this.notifyDecisions = config.notifyDecisions();
        this.thread = new Thread(this::run, "esf4j-dispatch-" + serial);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** @return when the running authorization handler call started, or 0 when none runs */
    long handlerSince() {
        return handlerSince;
    }

    /** @return whether a handler call runs or requests wait for one */
    boolean busy() {
        return handlerSince != 0 || !queue.isEmpty();
    }

    boolean isDispatchThread() {
        return Thread.currentThread() == thread;
    }

    // ------------------------------------------------------------------ producers (any thread)

    boolean offerRequest(Request r) {
        return queue.offer(r);
    }

    void offerNotify(Event e, Counters c) {
        if (!queue.offer(new Notify(e, c))) {
            c.dropped.incrementAndGet();
            overflowed(e.sequence());
        }
    }

    void offerDecision(Event e, Verdict v, Counters c) {
        if (decisionListener == null && !(notifyDecisions && eventHandler != null)) {
            return;
        }
        if (isDispatchThread()) {
            deliverDecision(e, v, c);
        } else if (!queue.offer(new Decision(e, v, c))) {
            c.dropped.incrementAndGet();
            overflowed(e.sequence());
        }
    }

    void offerDrop(DropNotice d) {
        if (!queue.offer(d)) {
            overflowed(d.firstMissingSequence());
            if (d.count() > 0) {
                overflow.addAndGet(d.count() - 1);
            }
        }
    }

    private void overflowed(long sequence) {
        overflow.incrementAndGet();
        if (sequence >= 0) {
            overflowFirstSequence.accumulateAndGet(sequence, Math::min);
        }
    }

    /** Calls the event handler on the calling (reader) thread. */
    void callEventHandler(Event e, Counters c) {
        c.delivered.incrementAndGet();
        try {
            eventHandler.onEvent(e);
        } catch (Throwable t) {
            c.handlerErrors.incrementAndGet();
            logHandlerError("event handler", t);
        }
    }

    void logHandlerError(String where, Throwable t) {
        long n = logged.incrementAndGet();
        if (n <= LOG_FIRST || n % LOG_EVERY == 0) {
            queue.offer((Runnable) () -> LOG.warn("esf4j handler threw ({} of {}); the deadline verdict was sent "
                    + "where an answer was owed", where, n, t));
        }
    }

    void logBackendError(String backend, String operation, int errno) {
        long n = logged.incrementAndGet();
        if (n <= LOG_FIRST || n % LOG_EVERY == 0) {
            queue.offer((Runnable) () -> LOG.warn("esf4j backend {}: {} failed{} (error {} of this client)", backend,
                    operation, errno == 0 ? "" : ": " + Errno.describe(errno), n));
        }
    }

    // ------------------------------------------------------------------ the thread

    private void run() {
        while (true) {
            Object item;
            try {
                item = queue.take();
            } catch (InterruptedException e) {
                if (stopping) {
                    return;
                }
                continue;
            }
            if (item == STOP) {
                return;
            }
            try {
                handle(item);
            } catch (Throwable t) {
                LOG.warn("esf4j dispatch: a callback threw", t);
            }
            flushOverflow();
        }
    }

    private void handle(Object item) {
        if (item instanceof Request r) {
            runHandler(r);
        } else if (item instanceof Notify n) {
            callEventHandler(n.event(), n.counters());
        } else if (item instanceof Decision d) {
            deliverDecision(d.event(), d.verdict(), d.counters());
        } else if (item instanceof DropNotice d) {
            if (dropHandler != null) {
                dropHandler.onDrop(d);
            }
        } else if (item instanceof Runnable task) {
            task.run();
        }
    }

    private void runHandler(Request r) {
        long s = r.state();
        if (Request.isDecided(s)) {
            return; // its deadline passed while it waited in the queue
        }
        r.sink.counters.delivered.incrementAndGet();
        Verdict v;
        handlerSince = System.nanoTime();
        try {
            v = authorizationHandler.onAuthorization(r.view());
        } catch (Throwable t) {
            r.sink.handlerFailed(r, s, t);
            return;
        } finally {
            handlerSince = 0;
        }
        if (v != null && !r.decide(s, v.withReason(VerdictReason.HANDLER))) {
            r.sink.counters.lateResponses.incrementAndGet();
        }
    }

    private void deliverDecision(Event e, Verdict v, Counters c) {
        try {
            if (decisionListener != null) {
                decisionListener.onDecision(e, v);
            }
            if (notifyDecisions && eventHandler != null) {
                eventHandler.onEvent(e);
            }
        } catch (Throwable t) {
            c.handlerErrors.incrementAndGet();
            logHandlerError("decision listener", t);
        }
    }

    private void flushOverflow() {
        long n = overflow.get();
        if (n == 0 || queue.remainingCapacity() == 0) {
            return;
        }
        n = overflow.getAndSet(0);
        long first = overflowFirstSequence.getAndSet(Long.MAX_VALUE);
        if (n > 0 && dropHandler != null) {
            dropHandler.onDrop(new DropNotice("engine", "engine-queue", n, first == Long.MAX_VALUE ? -1 : first,
                    n + " event(s) for the event handler or decision listener did not fit in the dispatch queue"
                            + " (capacity " + (queue.size()
                            + queue.remainingCapacity()) + ")"));
        }
    }

    /**
     * Stops the thread after it has worked off what is queued, waiting at most {@code timeoutMillis}
     * (not at all when called from the dispatch thread itself).
     */
    void stop(long timeoutMillis) {
        stopping = true;
        if (isDispatchThread()) {
            return;
        }
        if (!queue.offer(STOP)) {
            thread.interrupt();
        }
        try {
            thread.join(timeoutMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            thread.interrupt();
            LOG.warn("esf4j dispatch thread still busy in a handler {} ms after close; it was left to finish",
                    TimeUnit.MILLISECONDS.toMillis(timeoutMillis));
        }
    }
}
