package org.esf4j.api;

/**
 * Receives events (NOTIFY events, and AUTH events after they were decided, when the client asks).
 * Runs on the client's dispatch thread.
 *
 * @since 0.1
 */
@FunctionalInterface
public interface EventHandler {
    /**
     * Called for each event.
     *
     * @param event the event
     */
    void onEvent(SecurityEvent event);
}
