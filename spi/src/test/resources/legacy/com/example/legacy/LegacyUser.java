package com.example.legacy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.esf4j.api.*;

/**
 * Code written against esf4j 0.1, before the event model was opened: four event types, a sealed
 * SecurityEvent, the v1 handlers, the records' 0.1 constructors. It must compile unchanged against
 * today's API, and run against today's engine while backends report new kinds. Java 17: no
 * pattern switch (see LegacySwitch for that).
 */
public final class LegacyUser {

    private LegacyUser() {
    }

    /** Every event type the library had, exhaustively, as 0.1 code switched on them. */
    public static String shortNameOf(EventType t) {
        switch (t) {
            case EXEC:
                return "exec";
            case FILE_OPEN:
                return "open";
            case SOCKET_BIND:
                return "bind";
            case URING_CMD:
                return "uring";
            default:
                throw new AssertionError(t);
        }
    }

    /** What 0.1 code did with each record. */
    public static String describe(SecurityEvent e) {
        if (e instanceof ExecEvent x) {
            return "exec " + x.executable() + " " + x.argv() + " " + x.interpreter() + " " + x.file();
        } else if (e instanceof FileOpenEvent o) {
            return "open " + o.path() + " " + o.openFlags() + " " + o.file();
        } else if (e instanceof SocketBindEvent b) {
            return "bind " + b.family() + " " + b.address() + " " + b.port() + " " + b.socketType();
        } else if (e instanceof UringCmdEvent u) {
            return "uring " + u.targetPath() + " " + u.commandOp();
        }
        throw new AssertionError("a SecurityEvent that is none of the four: " + e);
    }

    /** The records' 0.1 canonical constructors. */
    public static List<SecurityEvent> constructed() {
        ProcessInfo p = ProcessInfo.of(1, 1, 0, 0, 0, 0, 0, "/sbin/init", "init", 0);
        EventHeader h = new EventHeader(1, 2, 3, "test", Mode.NOTIFY, p);
        FileId f = new FileId(8, 42, 7);
        return List.of(new ExecEvent(h, "/bin/true", List.of("true"), "", f),
                new FileOpenEvent(h, "/etc/hosts", f, 0),
                new SocketBindEvent(h, 2, "127.0.0.1", 8080, 1),
                new UringCmdEvent(h, "/dev/null", f, 0));
    }

    /**
     * A 0.1 configuration: the README's guard for exec and open (AUTH), and a notification
     * handler for binds.
     */
    public static ClientConfig config(Consumer<String> log) {
        return ClientConfig.builder()
                .subscribe(EventType.EXEC, Mode.AUTH)
                .subscribe(EventType.FILE_OPEN, Mode.AUTH)
                .subscribe(EventType.SOCKET_BIND, Mode.NOTIFY)
                .scope(Scope.mount(Path.of("/")))
                .deadline(Duration.ofSeconds(5)).deadlineVerdict(true)
                .authorizationHandler(req -> {
                    SecurityEvent e = req.event();
                    log.accept(shortNameOf(e.type()) + ": " + describe(e));
                    if (e instanceof FileOpenEvent o && o.path().endsWith(".key")) {
                        return Verdict.deny();
                    }
                    return Verdict.allow();
                })
                .eventHandler(e -> log.accept(shortNameOf(e.type()) + ": " + describe(e)))
                .dropHandler(d -> log.accept("drop: " + d))
                .build();
    }
}
