package org.esf4j.api;

/**
 * The client's authorization handler stopped keeping up, or recovered. Raised by the engine when a
 * number of AUTH events in a row were answered by the deadline rather than by the handler, or when
 * one handler call has run for several deadlines (a wedged handler); then the client applies its
 * {@link HealthAction}. Delivered to {@link ClientConfig.Builder#onHealth}, logged, and recorded as
 * the JFR event {@code org.esf4j.Health}.
 *
 * @param kind degraded or recovered
 * @param consecutiveMisses deadline verdicts in a row when it was raised
 * @param stuckNanos how long the current handler call had run (0 when none was running)
 * @param action what the client does while degraded
 * @param message one line for a log or an alert
 * @since 0.2
 */
public record HealthEvent(Kind kind, long consecutiveMisses, long stuckNanos, HealthAction action, String message) {

    /** Whether the handler degraded or recovered. */
    public enum Kind {
        /** Deadline misses in a row, or a handler call running for several deadlines. */
        DEGRADED,
        /** The handler answered an event before its deadline again. */
        RECOVERED
    }
}
