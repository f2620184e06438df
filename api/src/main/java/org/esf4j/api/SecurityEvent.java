package org.esf4j.api;

/**
 * A security event. Switch over the permitted records:
 * {@snippet :
 * switch (event) {
 *     case ExecEvent e -> log(e.executable());
 *     case FileOpenEvent o -> log(o.path());
 *     case SocketBindEvent b -> log(b.port());
 *     case UringCmdEvent u -> log(u.commandOp());
 * }
 * }
 *
 * @since 0.1
 */
public sealed interface SecurityEvent permits ExecEvent, FileOpenEvent, SocketBindEvent, UringCmdEvent {

    /**
     * The common header.
     *
     * @return the header
     */
    EventHeader header();

    /**
     * The event type.
     *
     * @return the type
     */
    EventType type();

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
