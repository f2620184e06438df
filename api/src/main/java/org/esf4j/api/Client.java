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
    /**
     * Replaces the client's policy rules while it runs. Sources that evaluate rules in the
     * kernel (BPF LSM) change their maps in place, without reloading programs, adding the new
     * rules before removing the old ones; the engine's copy, used for the other sources, is
     * swapped at once.
     *
     * @param rules the new rules (replacing those of the configuration)
     * @throws Esf4jException when a rule cannot be applied (for example a path that does not
     *         exist for an inode-based source); the previous rules then stay in force
     * @throws IllegalStateException when the client is closed
     * @throws UnsupportedOperationException when the implementation cannot change rules
     */
    default void updatePolicy(java.util.List<PolicyRule> rules) {
        throw new UnsupportedOperationException("updatePolicy");
    }

    @Override
    void close();
}
