package org.esf4j.spi.engine;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;
import org.esf4j.api.ClientConfig;
import org.esf4j.api.HealthAction;
import org.esf4j.api.HealthEvent;
import org.esf4j.api.Verdict;
import org.esf4j.api.VerdictReason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a client's authorization handler keeps up. Every verdict a request gets goes through
 * {@link #onVerdict}: deadline verdicts in a row count up, a handler's verdict resets the count
 * and recovers a degraded handler. The watchdog calls {@link #check} at every sweep to find a
 * handler call that has run for too many deadlines. Degrading and recovering raise a
 * {@link HealthEvent} (listener, log line, JFR event {@code org.esf4j.Health}) on the thread that
 * noticed, never on the dispatch thread's queue (the dispatch thread may be the one stuck).
 */
final class Health {

    private static final Logger LOG = LoggerFactory.getLogger(Health.class);

    private final int missLimit;
    private final long stuckNanos;
    private final HealthAction action;
    private final Consumer<HealthEvent> listener;
    private final Runnable close;
    private final int serial;
    private final AtomicLong consecutive = new AtomicLong();
    private final Object lock = new Object();
    private volatile boolean degraded;
    private volatile boolean closing;

    Health(ClientConfig config, int serial, Runnable close) {
        this.missLimit = config.healthMisses();
        this.stuckNanos = config.healthStuckDeadlines() * config.deadline().toNanos();
        this.action = config.healthAction();
        this.listener = config.healthListener();
        this.close = close;
        this.serial = serial;
    }

    /** The client is closing: its deadline verdicts say nothing about the handler. */
    void closing() {
        closing = true;
    }

    /** Whether AUTH events that find the handler busy are answered at once. */
    boolean answerAtOnce() {
        return degraded && action == HealthAction.ANSWER_AT_ONCE;
    }

    /** A verdict was sent for a request. */
    void onVerdict(Verdict v) {
        if (closing) {
            return;
        }
        if (v.reason() == VerdictReason.DEADLINE) {
            long n = consecutive.incrementAndGet();
            if (n >= missLimit && !degraded) {
                degrade(n, 0, n + " AUTH events in a row were answered by the deadline, not the handler");
            }
        } else if (v.reason() == VerdictReason.HANDLER) {
            if (consecutive.get() != 0) { // read first: no write to a shared line per decision
                consecutive.set(0);
            }
            if (degraded) {
                recover();
            }
        }
    }

    /**
     * Looks for a handler call that has run too long.
     *
     * @param now the watchdog's clock
     * @param runningSince when the current handler call started (dispatch thread or a reader), or 0
     */
    void check(long now, long runningSince) {
        if (closing || degraded || runningSince == 0) {
            return;
        }
        long ran = now - runningSince;
        if (ran >= stuckNanos) {
            degrade(consecutive.get(), ran, "a handler call has run for " + ran / 1_000_000 + " ms, "
                    + stuckNanos / 1_000_000 + " ms being the limit (a wedged handler)");
        }
    }

    private void degrade(long misses, long stuck, String why) {
        synchronized (lock) {
            if (degraded) {
                return;
            }
            degraded = true;
        }
        String what = switch (action) {
            case KEEP_WAITING -> "events still wait for their deadline";
            case ANSWER_AT_ONCE -> "events that find the handler busy get the deadline verdict at once";
            case CLOSE -> "the client closes";
        };
        raise(new HealthEvent(HealthEvent.Kind.DEGRADED, misses, stuck, action,
                "esf4j client " + serial + ": handler degraded: " + why + "; " + what));
        if (action == HealthAction.CLOSE) {
            Thread t = new Thread(close, "esf4j-health-close-" + serial);
            t.setDaemon(true);
            t.start();
        }
    }

    private void recover() {
        synchronized (lock) {
            if (!degraded) {
                return;
            }
            degraded = false;
        }
        raise(new HealthEvent(HealthEvent.Kind.RECOVERED, 0, 0, action,
                "esf4j client " + serial + ": handler recovered: it answered an event before its deadline"));
    }

    private void raise(HealthEvent e) {
        if (e.kind() == HealthEvent.Kind.DEGRADED) {
            LOG.warn(e.message());
        } else {
            LOG.info(e.message());
        }
        HealthJfrEvent.commit(e);
        if (listener != null) {
            try {
                listener.accept(e);
            } catch (RuntimeException x) {
                LOG.warn("esf4j health listener threw", x);
            }
        }
    }

    /** The JFR event of a health change. */
    @Name("org.esf4j.Health")
    @Label("esf4j Handler Health")
    @Category("esf4j")
    @Description("A client's authorization handler degraded or recovered")
    @StackTrace(false)
    static final class HealthJfrEvent extends jdk.jfr.Event {
        @Label("Kind")
        String kind;

        @Label("Consecutive Deadline Misses")
        long consecutiveMisses;

        @Label("Handler Call Running For")
        @Timespan(Timespan.NANOSECONDS)
        long stuck;

        @Label("Action")
        String action;

        @Label("Message")
        String message;

        static void commit(HealthEvent h) {
            HealthJfrEvent e = new HealthJfrEvent();
            e.kind = h.kind().name();
            e.consecutiveMisses = h.consecutiveMisses();
            e.stuck = h.stuckNanos();
            e.action = h.action().name();
            e.message = h.message();
            e.commit();
        }
    }
}
