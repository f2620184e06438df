package org.esf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.esf4j.api.Accuracy;
import org.esf4j.api.Event;
import org.esf4j.api.EventHeader;
import org.esf4j.api.EventKind;
import org.esf4j.api.ExecEvent;
import org.esf4j.api.FileId;
import org.esf4j.api.FileOpenEvent;
import org.esf4j.api.GenericEvent;
import org.esf4j.api.Mode;
import org.esf4j.api.PathState;
import org.esf4j.api.ProcessInfo;
import org.esf4j.api.SocketBindEvent;
import org.esf4j.api.SocketConnectEvent;
import org.esf4j.api.UringCmdEvent;
import org.esf4j.api.Verdict;
import org.esf4j.testsuite.JsonReader;
import org.junit.jupiter.api.Test;

/** Every kind renders as one JSON object (and one line), with its marks; kinds added later too. */
class RenderTest {

    private static final ProcessInfo P = ProcessInfo.of(42, -1, 1, 1000, 1000, 1000, 1000, "/usr/bin/bash", "bash",
            1234);
    private static final EventHeader H = new EventHeader(7, 11, 12, "test", Mode.NOTIFY, P);
    private static final FileId F = new FileId(8, 99, 5);

    /** A kind this code has never heard of, not even as a GenericEvent. */
    private record Future(EventHeader header) implements Event {
        @Override
        public EventKind kind() {
            return EventKind.extension("future.thing");
        }
    }

    @Test
    void everyKindIsOneJsonObjectWithItsFields() {
        List<Event> events = List.of(
                new ExecEvent(H, "/srv/run \"q\"\n", List.of("run", "a\tb", "\u00e9"), "/usr/bin/sh", F,
                        PathState.DELETED, Accuracy.APPROXIMATE),
                new FileOpenEvent(H, "/srv/f", F, 0, PathState.APPROXIMATE),
                new SocketBindEvent(H, 10, "::1", 0, 1),
                new SocketConnectEvent(H, 2, "203.0.113.9", 443, 1),
                new UringCmdEvent(H, "/dev/ng0n1", F, 1, PathState.EXACT),
                new GenericEvent(H, EventKind.extension("tsem.measure"), Map.of("digest", "ab\"cd")),
                new Future(H));
        for (Event e : events) {
            Map<String, Object> j = JsonReader.object(Render.json(e, Verdict.deny()));
            assertEquals(e.kind().name(), j.get("type"));
            assertEquals(7L, j.get("seq"));
            assertEquals("deny", j.get("verdict"));
            @SuppressWarnings("unchecked")
            Map<String, Object> p = (Map<String, Object>) j.get("process");
            assertEquals(42L, p.get("pid"));
            assertEquals(-1L, p.get("tid"), "absent tid stays -1");
            assertEquals("UNKNOWN", p.get("argvAccuracy"), "no arguments known");
            assertTrue(p.containsKey("entityId") && p.containsKey("cgroupId"), j.toString());
            assertTrue(Render.line(e).startsWith("#7 test pid=42 /usr/bin/bash "), Render.line(e));
        }
        Map<String, Object> exec = JsonReader.object(Render.json(events.get(0)));
        assertEquals("/srv/run \"q\"\n", exec.get("executable"));
        assertEquals(List.of("run", "a\tb", "\u00e9"), exec.get("argv"));
        assertEquals("APPROXIMATE", exec.get("argvAccuracy"));
        assertEquals("DELETED", exec.get("executableState"));
        assertEquals("/usr/bin/sh", exec.get("interpreter"));
        assertEquals(99L, exec.get("ino"));
        assertEquals("APPROXIMATE", JsonReader.object(Render.json(events.get(1))).get("pathState"));
        Map<String, Object> bind = JsonReader.object(Render.json(events.get(2)));
        assertEquals("::1", bind.get("address"));
        assertEquals(0L, bind.get("port"));
        Map<String, Object> connect = JsonReader.object(Render.json(events.get(3)));
        assertEquals("connect", connect.get("type"));
        assertEquals("203.0.113.9", connect.get("address"));
        assertEquals(443L, connect.get("port"));
        assertEquals(Map.of("digest", "ab\"cd"), JsonReader.object(Render.json(events.get(5))).get("fields"));
        assertEquals("future.thing", JsonReader.object(Render.json(events.get(6))).get("type"));
        assertTrue(Render.line(events.get(2)).contains("[::1]:0"), Render.line(events.get(2)));
        assertTrue(Render.line(events.get(1)).contains("/srv/f [approximate]"), Render.line(events.get(1)));
    }
}
