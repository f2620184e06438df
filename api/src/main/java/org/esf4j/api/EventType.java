package org.esf4j.api;

/**
 * The kinds of security events esf4j delivers.
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
