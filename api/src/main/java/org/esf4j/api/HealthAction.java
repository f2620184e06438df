package org.esf4j.api;

/**
 * What a client does while its authorization handler is degraded ({@link HealthEvent}).
 *
 * @since 0.2
 */
public enum HealthAction {
    /** Report only: every event still waits for its deadline (the behaviour without a policy). */
    KEEP_WAITING,
    /**
     * Answer with the deadline verdict at once every AUTH event that arrives while the handler is
     * busy (running, or with events queued), so that processes stop paying the deadline; an event
     * that finds the handler idle goes to it, and the first verdict it gives in time recovers.
     */
    ANSWER_AT_ONCE,
    /** Close the client (every pending event gets the deadline verdict; marks and rules go). */
    CLOSE
}
