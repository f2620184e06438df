package org.esf4j.cli;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.esf4j.api.Accuracy;
import org.esf4j.api.DropNotice;
import org.esf4j.api.Event;
import org.esf4j.api.EventHeader;
import org.esf4j.api.ExecEvent;
import org.esf4j.api.FileId;
import org.esf4j.api.FileOpenEvent;
import org.esf4j.api.Mode;
import org.esf4j.api.PathState;
import org.esf4j.api.ProcessId;
import org.esf4j.api.ProcessInfo;
import org.esf4j.api.SocketBindEvent;
import org.esf4j.api.SocketConnectEvent;
import org.esf4j.testsuite.JsonReader;

/**
 * The command line's JSON lines turned back into events, so that what {@code esf4j watch --json}
 * prints can be held to the conformance suite like a client's events.
 */
final class JsonEvents {

    private JsonEvents() {
    }

    /** A process as the JSON gives it. */
    record Decoded(int pid, int tid, int ppid, int uid, int euid, int gid, int egid, String executable, String comm,
                   long startTimeTicks, long cgroupId, List<String> argv, Accuracy argvAccuracy,
                   Optional<ProcessId> id, Optional<ProcessId> parentId) implements ProcessInfo {
    }

    /**
     * One line of output.
     *
     * @param line the line
     * @return an Event, a DropNotice, or null for a line that is neither (a log line)
     */
    static Object decode(String line) {
        if (!line.startsWith("{")) {
            return null;
        }
        Map<String, Object> j = JsonReader.object(line);
        if (j.containsKey("drop")) {
            Map<String, Object> d = map(j.get("drop"));
            return new DropNotice(str(d, "source"), str(d, "layer"), num(d, "count"), num(d, "firstMissingSequence"),
                    str(d, "detail"));
        }
        EventHeader h = new EventHeader(num(j, "seq"), num(j, "kernelTimeNanos"), num(j, "receivedNanos"),
                str(j, "source"), Mode.valueOf(str(j, "mode")), process(map(j.get("process"))));
        return switch (str(j, "type")) {
            case "exec" -> new ExecEvent(h, str(j, "executable"), strings(j.get("argv")), str(j, "interpreter"),
                    file(j), PathState.valueOf(str(j, "executableState")), Accuracy.valueOf(str(j, "argvAccuracy")));
            case "open" -> new FileOpenEvent(h, str(j, "path"), file(j), (int) num(j, "flags"),
                    PathState.valueOf(str(j, "pathState")));
            case "bind" -> new SocketBindEvent(h, (int) num(j, "family"), str(j, "address"), (int) num(j, "port"),
                    (int) num(j, "socketType"));
            case "connect" -> new SocketConnectEvent(h, (int) num(j, "family"), str(j, "address"), (int) num(j, "port"),
                    (int) num(j, "socketType"));
            default -> throw new IllegalArgumentException("a kind the suite does not compare: " + line);
        };
    }

    private static ProcessInfo process(Map<String, Object> p) {
        return new Decoded((int) num(p, "pid"), (int) num(p, "tid"), (int) num(p, "ppid"), (int) num(p, "uid"),
                (int) num(p, "euid"), (int) num(p, "gid"), (int) num(p, "egid"), str(p, "exe"), str(p, "comm"),
                num(p, "startTime"), num(p, "cgroupId"), strings(p.get("argv")), Accuracy.valueOf(str(p, "argvAccuracy")),
                id(p.get("entityId")), id(p.get("parentEntityId")));
    }

    /** The entity id's pid and start time (the boot id is not compared). */
    private static Optional<ProcessId> id(Object entity) {
        if (entity == null) {
            return Optional.empty();
        }
        ByteBuffer b = ByteBuffer.wrap(Base64.getUrlDecoder().decode((String) entity)).order(ByteOrder.LITTLE_ENDIAN);
        b.position(8);
        int pid = b.getInt();
        long start = b.getLong();
        return Optional.of(new ProcessId("0", pid, start));
    }

    private static FileId file(Map<String, Object> j) {
        return new FileId(num(j, "dev"), num(j, "ino"), num(j, "ctime"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static List<String> strings(Object o) {
        return (List<String>) o;
    }

    private static String str(Map<String, Object> m, String k) {
        Object v = m.get(k);
        if (!(v instanceof String s)) {
            throw new IllegalArgumentException("no string " + k + " in " + m);
        }
        return s;
    }

    private static long num(Map<String, Object> m, String k) {
        Object v = m.get(k);
        if (!(v instanceof Long l)) {
            throw new IllegalArgumentException("no number " + k + " in " + m);
        }
        return l;
    }
}
