package org.esf4j.api;

import java.util.List;
import java.util.Map;

/**
 * A running subscription. When {@link EndpointSecurity#newClient} returns it, delivery has
 * started: every kernel object it needs (marks, rules, programs) is live and its readers run, so
 * every event the kernel reports from then on reaches the handlers or is counted in a
 * {@link DropNotice}. Closing it removes every kernel mark, rule or program it installed and
 * answers every pending AUTH event, so the system is left as it was.
 *
 * @since 0.1
 */
public interface Client extends AutoCloseable {

    /**
     * Which backend serves each subscribed original event type.
     *
     * @return event type to backend name
     */
    Map<EventType, String> routes();

    /**
     * Which backend serves each subscribed kind of event.
     *
     * @return kind to backend name, by kind id
     */
    default Map<EventKind, String> routesByKind() {
        Map<EventKind, String> m = new java.util.TreeMap<>();
        routes().forEach((t, b) -> m.put(t.kind(), b));
        return m;
    }

    /**
     * How each subscribed kind is decided: the decision class its backend offers for it. A kind
     * served with {@link DecisionClass#TAINT} (TSEM) waits for the handler, but a deny only marks
     * the process untrusted: the operation asked goes through.
     *
     * @return kind to decision class, by kind id
     * @since 0.2
     */
    default Map<EventKind, DecisionClass> routeClasses() {
        return Map.of();
    }

    /**
     * A snapshot of the counters and latency histograms.
     *
     * @return the stats
     */
    ClientStats stats();

    /**
     * What a backend of this client offers beyond events, for sources with abilities of their own:
     * TSEM's modeling namespaces (launching a workload into one), for example. The type comes from
     * the backend's own module.
     *
     * @param <T> the extension type
     * @param type the extension's interface, e.g. {@code TsemNamespaces.class}
     * @return the extension of the first backend of this client that has one of that type, or empty
     * @since 0.2
     */
    default <T> java.util.Optional<T> extension(Class<T> type) {
        return java.util.Optional.empty();
    }

    /**
     * Replaces the client's policy rules of the original kinds while it runs; see
     * {@link #updateRules(List)}.
     *
     * @param rules the new rules (replacing those of the configuration)
     * @throws Esf4jException when a rule cannot be applied; the previous rules then stay in force
     * @throws IllegalStateException when the client is closed
     * @throws UnsupportedOperationException when the implementation cannot change rules
     */
    default void updatePolicy(List<PolicyRule> rules) {
        updateRules(rules);
    }

    /**
     * Replaces the client's rules while it runs. Sources that evaluate rules in the kernel (BPF
     * LSM) change their maps in place, without reloading programs, adding the new rules before
     * removing the old ones; the engine's copy, used for the other sources, is swapped at once.
     *
     * @param rules the new rules (replacing those of the configuration)
     * @throws Esf4jException when a rule cannot be applied (for example a path that does not
     *         exist for an inode-based source); the previous rules then stay in force
     * @throws IllegalArgumentException when a rule's kind is not subscribed in AUTH mode
     * @throws IllegalStateException when the client is closed
     * @throws UnsupportedOperationException when the implementation cannot change rules
     */
    default void updateRules(List<? extends Rule> rules) {
        throw new UnsupportedOperationException("updateRules");
    }

    /** Stops delivery, removes kernel state and answers pending events. Idempotent. */
    @Override
    void close();
}
