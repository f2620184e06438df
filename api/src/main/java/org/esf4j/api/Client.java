package org.esf4j.api;

import java.util.Map;

/**
 * A running subscription. Closing it removes every kernel mark, rule or program it installed
 * and answers every pending AUTH event, so the system is left as it was.
 *
 * @since 0.1
 */
public interface Client extends AutoCloseable {

    /**
     * Which backend serves each subscribed event type.
     *
     * @return event type to backend name
     */
    Map<EventType, String> routes();

    /**
     * A snapshot of the counters and latency histograms.
     *
     * @return the stats
     */
    ClientStats stats();

    /** Stops delivery, removes kernel state and answers pending events. Idempotent. */
    @Override
    void close();
}
