package org.esf4j.api;

/**
 * How a client subscribes to an event type (Apple ES: AUTH vs NOTIFY).
 *
 * @since 0.1
 */
public enum Mode {
    /** The operation waits for a verdict (or is decided by kernel policy). */
    AUTH,
    /** Observation only; the operation is never delayed. */
    NOTIFY
}
