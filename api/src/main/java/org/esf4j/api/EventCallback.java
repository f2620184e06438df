package org.esf4j.api;

/**
 * Receives events of any kind (the open counterpart of {@link EventHandler}): NOTIFY events, and
 * AUTH events after they were decided, when the client asks. Runs on the client's dispatch thread
 * unless the client runs handlers on the reader thread. Handle kinds you do not know with a
 * default branch: kinds are added over time.
 *
 * @since 0.1
 */
@FunctionalInterface
public interface EventCallback {
    /**
     * Called for each event.
     *
     * @param event the event
     */
    void onEvent(Event event);
}
