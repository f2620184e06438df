package com.example.legacy;

import org.esf4j.api.*;

/**
 * 0.1 code on Java 21: an exhaustive pattern switch over the sealed SecurityEvent (no default),
 * an exhaustive switch expression over EventType, and the README's guard.
 */
public final class LegacySwitch {

    private LegacySwitch() {
    }

    public static String kind(SecurityEvent e) {
        return switch (e) {
            case ExecEvent x -> "exec:" + x.executable();
            case FileOpenEvent o -> "open:" + o.path();
            case SocketBindEvent b -> "bind:" + b.port();
            case UringCmdEvent u -> "uring:" + u.commandOp();
        };
    }

    public static int ordinalOf(EventType t) {
        return switch (t) {
            case EXEC -> 0;
            case FILE_OPEN -> 1;
            case SOCKET_BIND -> 2;
            case URING_CMD -> 3;
        };
    }

    public static AuthorizationHandler guard() {
        return req -> switch (req.event()) {
            case ExecEvent e when e.executable().startsWith("/srv/uploads/") -> Verdict.deny();
            case FileOpenEvent o when o.path().endsWith(".key") -> Verdict.deny();
            default -> Verdict.allow().cached();
        };
    }
}
