package org.esf4j.api;

/**
 * An event of any kind: the open root of esf4j's event model. Every event esf4j delivers is an
 * {@code Event}; the four original kinds are also {@link SecurityEvent}s, and kinds added since
 * (such as {@link SocketConnectEvent}) or specific to one source ({@link GenericEvent}) are
 * {@code Event}s only. A client receives only the kinds it subscribed to.
 *
 * <p>Code that handles {@code Event}s switches with a {@code default} branch, so that kinds added
 * later reach it there:
 * {@snippet :
 * switch (event) {
 *     case ExecEvent e -> log(e.executable());
 *     case SocketConnectEvent c -> log(c.address() + ":" + c.port());
 *     default -> { }   // kinds this code does not know yet
 * }
 * }
 *
 * @since 0.1
 */
public interface Event {

    /**
     * The common header.
     *
     * @return the header
     */
    EventHeader header();

    /**
     * The kind of event.
     *
     * @return the kind
     */
    EventKind kind();

    /**
     * Shortcut for {@code header().sequence()}.
     *
     * @return the per-client sequence number
     */
    default long sequence() {
        return header().sequence();
    }

    /**
     * Shortcut for {@code header().process()}.
     *
     * @return the acting process
     */
    default ProcessInfo process() {
        return header().process();
    }
}
