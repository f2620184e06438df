package org.esf4j.api;

/**
 * One of the four original kinds of event: exec, file open, socket bind and io_uring command.
 * This set is closed for good: a switch over it written today stays exhaustive, and no kind will
 * ever be added here (new kinds are {@link Event}s, delivered only to clients that subscribe to
 * them with an {@link EventCallback} or {@link AuthorizationCallback}):
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
public sealed interface SecurityEvent extends Event permits ExecEvent, FileOpenEvent, SocketBindEvent, UringCmdEvent {

    /**
     * The event type.
     *
     * @return the type
     */
    EventType type();

    @Override
    default EventKind kind() {
        return type().kind();
    }
}
