package org.esf4j.api;

/**
 * The four original kinds of event, those of {@link SecurityEvent}. This enum is closed: kinds
 * added since are {@link EventKind}s only (a switch over {@code EventType} stays exhaustive).
 * {@link #kind()} gives the open counterpart, whose {@link EventKind#id()} is the stable number
 * to store; never store an ordinal.
 *
 * @since 0.1
 */
public enum EventType {
    /** A program is executed ({@link ExecEvent}). */
    EXEC("exec"),
    /** A file is opened ({@link FileOpenEvent}). */
    FILE_OPEN("open"),
    /** A socket is bound to a local address ({@link SocketBindEvent}). */
    SOCKET_BIND("bind"),
    /** An io_uring passthrough command is issued ({@link UringCmdEvent}). */
    URING_CMD("uring");

    private final String shortName;

    EventType(String shortName) {
        this.shortName = shortName;
    }

    /**
     * The short name used on command lines and in JSON ({@code exec}, {@code open}, {@code bind},
     * {@code uring}).
     *
     * @return the short name
     */
    public String shortName() {
        return shortName;
    }

    /**
     * The open kind of this type.
     *
     * @return the kind
     */
    public EventKind kind() {
        return switch (this) {
            case EXEC -> EventKind.EXEC;
            case FILE_OPEN -> EventKind.FILE_OPEN;
            case SOCKET_BIND -> EventKind.SOCKET_BIND;
            case URING_CMD -> EventKind.URING_CMD;
        };
    }

    /**
     * The type of a kind, when it is one of the four original kinds.
     *
     * @param kind a kind
     * @return its type, or {@code null} for the kinds added since
     */
    public static EventType of(EventKind kind) {
        for (EventType t : values()) {
            if (t.kind() == kind) {
                return t;
            }
        }
        return null;
    }

    /**
     * Parses a short name or an enum constant name, case-insensitively.
     *
     * @param name e.g. {@code "exec"} or {@code "FILE_OPEN"}
     * @return the event type
     * @throws IllegalArgumentException for an unknown name, listing the valid ones
     */
    public static EventType parse(String name) {
        for (EventType t : values()) {
            if (t.shortName.equalsIgnoreCase(name) || t.name().equalsIgnoreCase(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown event type '" + name + "': expected one of exec, open, bind, uring");
    }
}
