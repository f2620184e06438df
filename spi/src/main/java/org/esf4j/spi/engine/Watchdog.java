package org.esf4j.spi.engine;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;
import org.esf4j.api.Verdict;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The deadline watchdog ({@code esf4j-watchdog-N}): answers every AUTH request that is still
 * undecided at its deadline with the client's deadline verdict, whatever its handler does
 * (blocks, deadlocks, never completes its future). It watches the requests waiting in the
 * dispatch path (a FIFO, which is also deadline order because every request of a client gets
 * the same deadline) and the request whose handler runs on each reader thread.
 *
 * <p>It parks until the earliest pending deadline, and for one deadline period when nothing is
 * pending: a request that arrives while it sleeps has a deadline no earlier than its wake-up,
 * so it never needs to be woken and never polls.
 *
 * <p>It is a thread of its own, never the handler's. On a host whose CPUs are all busy, how late
 * an ordinary thread wakes is the scheduler's (several milliseconds at the 99th percentile with a
 * CPU hog per core), so the watchdog asks to be a {@code SCHED_FIFO} thread, priority
 * {@value #FIFO_DEFAULT} unless {@value #FIFO_PROP} says otherwise (0: an ordinary thread). That
 * needs CAP_SYS_NICE; without it the watchdog stays ordinary and says so once. It sleeps almost
 * always, so it takes next to no CPU from anyone (benchmarks/deadline).
 */
final class Watchdog {

    private static final Logger LOG = LoggerFactory.getLogger(Watchdog.class);
    /** System property: the watchdog's {@code SCHED_FIFO} priority, 1-99; unset or 0 for none. */
    static final String FIFO_PROP = "esf4j.watchdog.fifo-priority";
    /** Default of {@link #FIFO_PROP}: the lowest real-time priority, above every ordinary thread. */
    static final int FIFO_DEFAULT = 1;

    private final ConcurrentLinkedQueue<Request> fifo = new ConcurrentLinkedQueue<>();
    private final Verdict deadlineVerdict;
    private final long idleParkNanos;
    private final Thread thread;
    private List<BackendSink> sinks = List.of();
    private Health health;
    private Dispatcher dispatcher;
    private org.esf4j.spi.nativeio.NativeOps ops;
    private static volatile boolean refusalLogged;
    private volatile boolean running = true;

    Watchdog(Verdict deadlineVerdict, long deadlineNanos, int serial) {
        this.deadlineVerdict = deadlineVerdict;
        this.idleParkNanos = deadlineNanos;
        this.thread = new Thread(this::run, "esf4j-watchdog-" + serial);
        this.thread.setDaemon(true);
        this.thread.setPriority(Thread.MAX_PRIORITY);
    }

    void start(List<BackendSink> watched, Health health, Dispatcher dispatcher, org.esf4j.spi.nativeio.NativeOps ops) {
        this.sinks = List.copyOf(watched);
        this.health = health;
        this.dispatcher = dispatcher;
        this.ops = ops;
        thread.start();
    }

    /**
     * {@link #FIFO_PROP} as set.
     *
     * @return 0 for none, else 1-99
     * @throws IllegalArgumentException for any other value
     */
    static int fifoPriority() {
        String v = System.getProperty(FIFO_PROP, Integer.toString(FIFO_DEFAULT)).trim();
        int prio;
        try {
            prio = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            prio = -1;
        }
        if (prio < 0 || prio > 99) {
            throw new IllegalArgumentException(FIFO_PROP + "=" + v + ": a SCHED_FIFO priority from 1 to 99, or 0 for none");
        }
        return prio;
    }

    /** Applies {@link #FIFO_PROP} to the calling (watchdog) thread. */
    private void schedule() {
        int prio = fifoPriority();
        if (prio > 0) {
            int rc = ops.setFifo(prio);
            if (rc >= 0) {
                LOG.debug("esf4j watchdog: SCHED_FIFO priority {}", prio);
            } else if (System.getProperty(FIFO_PROP) != null) {
                LOG.warn("esf4j watchdog: SCHED_FIFO priority {} refused ({}); it runs as an ordinary thread", prio,
                        org.esf4j.spi.nativeio.Errno.describe(-rc));
            } else if (!refusalLogged) {
                refusalLogged = true;
                LOG.info("esf4j watchdog: runs as an ordinary thread (SCHED_FIFO refused: {}; CAP_SYS_NICE needed):"
                        + " on a fully busy host deadline verdicts may come milliseconds late",
                        org.esf4j.spi.nativeio.Errno.describe(-rc));
            }
        }
    }

    void add(Request r) {
        fifo.offer(r);
    }

    private void run() {
        schedule();
        while (running) {
            long next;
            try {
                next = sweep(System.nanoTime());
            } catch (Throwable t) {
                // Never die: without this thread no deadline would hold.
                LOG.error("esf4j watchdog: unexpected failure; continuing", t);
                next = System.nanoTime() + 1_000_000;
            }
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(this, wait);
            }
        }
    }

    /** Answers what is due; returns when to look again. */
    private long sweep(long now) {
        long next = now + idleParkNanos;
        Request r;
        while ((r = fifo.peek()) != null) {
            long s = r.state();
            if (Request.isDecided(s)) {
                fifo.poll();
            } else if (r.deadlineNanos - now <= 0) {
                fifo.poll();
                r.decide(s, deadlineVerdict);
            } else {
                next = Math.min(next, r.deadlineNanos);
                break;
            }
        }
        long since = dispatcher.handlerSince();
        for (BackendSink sink : sinks) {
            long st = sink.strandedSince();
            if (st != 0) {
                since = since == 0 ? st : Math.min(since, st);
            }
            Request h = sink.inHandler;
            if (h != null) {
                long t = sink.inHandlerSince;
                since = since == 0 ? t : Math.min(since, t);
                long s = h.state();
                if (!Request.isDecided(s)) {
                    long d = h.deadlineNanos;
                    if (d - now <= 0) {
                        if (h.decide(s, deadlineVerdict)) {
                            // the reader is stuck in the handler: let the backend replace it
                            sink.strand(h, s | 1);
                        }
                    } else {
                        next = Math.min(next, d);
                    }
                }
            }
        }
        health.check(now, since);
        return next;
    }

    /** Answers everything still pending with {@code v} (used by close). */
    void answerAll(Verdict v) {
        Request r;
        while ((r = fifo.poll()) != null) {
            r.decide(r.state(), v);
        }
        for (BackendSink sink : sinks) {
            Request h = sink.inHandler;
            if (h != null) {
                h.decide(h.state(), v);
            }
        }
    }

    void stop() {
        running = false;
        LockSupport.unpark(thread);
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
