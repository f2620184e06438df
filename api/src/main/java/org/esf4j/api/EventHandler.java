package org.esf4j.api;

/**
 * Receives events (NOTIFY events, and AUTH events after they were decided, when the client asks).
 * Runs on the client's dispatch thread. It receives the four original kinds only: a client that
 * subscribes to a kind added since ({@link EventKind#SOCKET_CONNECT}, extension kinds) gives an
 * {@link EventCallback} instead.
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
