package org.esf4j.backend.bpflsm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.esf4j.api.EventKind;
import org.junit.jupiter.api.Test;

/**
 * The decoder against the C header: offsets from gcc's offsetof, and a record written by C code
 * (bytes, not a Java re-creation of them) decoded field by field.
 */
class EventRecordTest {

    private static final Path HEADER = Path.of("src/main/bpf/esf4j.h").toAbsolutePath();

    private static byte[] runC(String name, String body) throws IOException, InterruptedException {
        Path dir = Files.createDirectories(Path.of("target", "test-helpers").toAbsolutePath());
        Path src = dir.resolve(name + ".c");
        Path bin = dir.resolve(name);
        Files.writeString(src, "#include <stddef.h>\n#include <stdio.h>\n#include <string.h>\n#include <linux/types.h>\n"
                + "#include \"" + HEADER + "\"\nint main(void) {\n" + body + "\nreturn 0;\n}\n");
        Process cc = new ProcessBuilder("gcc", "-O0", "-Wall", "-Werror", "-o", bin.toString(), src.toString())
                .redirectErrorStream(true).start();
        String out = new String(cc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(cc.waitFor(60, TimeUnit.SECONDS) && cc.exitValue() == 0, "gcc failed (is gcc installed?): " + out);
        Process p = new ProcessBuilder(bin.toString()).start();
        byte[] bytes = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0);
        return bytes;
    }

    @Test
    void offsetsMatchTheHeader() throws Exception {
        List<String> fields = List.of("type", "verdict", "ktime_ns", "pid", "tid", "ppid", "uid", "euid", "gid", "egid",
                "flags", "cgroup_id", "dev", "ino", "ctime_ns", "exe_dev", "exe_ino", "family", "port", "sock_type",
                "addr", "comm", "path_len", "exe_len", "path", "exe", "start_ns", "parent_start_ns", "state", "interp_off",
                "interp_len", "interp");
        StringBuilder body = new StringBuilder("printf(\"size %zu\\n\", sizeof(struct esf4j_event));\n");
        for (String f : fields) {
            body.append("printf(\"").append(f).append(" %zu\\n\", offsetof(struct esf4j_event, ").append(f).append("));\n");
        }
        String out = new String(runC("layout", body.toString()), StandardCharsets.US_ASCII);
        for (String line : out.split("\n")) {
            String[] kv = line.split(" ");
            String constant = kv[0].equals("size") ? "SIZE" : kv[0].toUpperCase(java.util.Locale.ROOT);
            int java = EventRecord.class.getDeclaredField(constant).getInt(null);
            assertEquals(Integer.parseInt(kv[1]), java, kv[0]);
        }
        assertTrue(out.lines().count() == fields.size() + 1, out);
    }

    /** The record's types are EventKind ids, and the state bits and sizes are the header's. */
    @Test
    void typesAndConstantsMatchTheHeader() throws Exception {
        String out = new String(runC("constants", """
                printf("%d %d %d %d %d %d %d %d %d %d %d %d\\n", ESF4J_EXEC, ESF4J_OPEN, ESF4J_BIND, ESF4J_URING,
                       ESF4J_CONNECT, ESF4J_TYPES, ESF4J_UNLINKED, ESF4J_STAT_DEV_MAY_DIFFER, ESF4J_PATH_MAX,
                       ESF4J_UNIX_PATH_MAX,
                       ESF4J_MAX_BIND_RULES, ESF4J_MAX_CONNECT_RULES);
                printf("%zu %zu\\n", sizeof(struct esf4j_connect_rule), offsetof(struct esf4j_connect_rule, mask));"""),
                StandardCharsets.US_ASCII);
        String[] v = out.trim().split("\\s+");
        assertEquals(List.of(EventKind.EXEC.id(), EventKind.FILE_OPEN.id(), EventKind.SOCKET_BIND.id(),
                EventKind.URING_CMD.id(), EventKind.SOCKET_CONNECT.id(), BpfMaps.TYPES, EventRecord.UNLINKED,
                EventRecord.STAT_DEV_MAY_DIFFER, EventRecord.PATH_MAX, EventRecord.UNIX_PATH_MAX, BpfMaps.MAX_BIND_RULES, BpfMaps.MAX_CONNECT_RULES,
                40, 24), java.util.Arrays.stream(v).map(Integer::valueOf).toList(), out);
        for (EventKind k : List.of(EventKind.EXEC, EventKind.FILE_OPEN, EventKind.SOCKET_BIND, EventKind.URING_CMD,
                EventKind.SOCKET_CONNECT)) {
            assertEquals(k, BpfRawEvent.kind(k.id()));
        }
    }

    @Test
    void decodesARecordWrittenByC() throws Exception {
        byte[] raw = runC("record", """
                struct esf4j_event e; memset(&e, 0, sizeof(e));
                e.type = ESF4J_CONNECT; e.verdict = ESF4J_DENIED_POLICY; e.ktime_ns = 123456789012345ULL;
                e.pid = 4242; e.tid = 4243; e.ppid = 1; e.uid = 1000; e.euid = 0; e.gid = 100; e.egid = 101;
                e.flags = 0x8000; e.cgroup_id = 77; e.dev = 0x801; e.ino = 0xfffffffffULL; e.ctime_ns = 5;
                e.exe_dev = 0x802; e.exe_ino = 99; e.family = 10; e.port = 8443; e.sock_type = 1;
                for (int i = 0; i < 16; i++) e.addr[i] = i;
                strcpy(e.comm, "nginx"); strcpy(e.path, "/srv/a b/\\xc3\\xa4"); e.path_len = strlen(e.path) + 1;
                strcpy(e.exe, "/usr/sbin/nginx"); e.exe_len = -36; /* -ENAMETOOLONG */
                e.start_ns = 1234567890123ULL; e.parent_start_ns = 987654321ULL; e.state = ESF4J_UNLINKED;
                strcpy(e.interp, "#! /usr/bin/env python3\\n"); e.interp_off = 3; e.interp_len = 12;
                fwrite(&e, sizeof(e), 1, stdout);""");
        assertEquals(EventRecord.SIZE, raw.length);
        ByteBuffer bb = ByteBuffer.allocate(raw.length + 8).order(ByteOrder.LITTLE_ENDIAN);
        bb.put(8, raw);
        EventRecord r = new EventRecord().wrap(bb, 8);
        assertEquals(EventKind.SOCKET_CONNECT.id(), r.type());
        assertTrue(r.denied());
        assertEquals(123456789012345L, r.ktimeNanos());
        assertEquals(4242, r.pid());
        assertEquals(4243, r.tid());
        assertEquals(1, r.ppid());
        assertEquals(1000, r.uid());
        assertEquals(0, r.euid());
        assertEquals(100, r.gid());
        assertEquals(101, r.egid());
        assertEquals(0x8000, r.flags());
        assertEquals(77, r.cgroupId());
        assertEquals(0x801, r.device());
        assertEquals(0xfffffffffL, r.inode());
        assertEquals(5, r.changeTimeNanos());
        assertEquals(0x802, r.executableDevice());
        assertEquals(99, r.executableInode());
        assertEquals(10, r.family());
        assertEquals(8443, r.port());
        assertEquals(1, r.socketType());
        byte[] addr = new byte[16];
        for (int i = 0; i < 16; i++) {
            addr[i] = (byte) i;
        }
        byte[] got = new byte[16];
        assertEquals(16, r.address(got));
        assertArrayEquals(addr, got);
        assertEquals("nginx", r.commString());
        byte[] path = new byte[EventRecord.PATH_MAX];
        int n = r.path(path);
        assertEquals("/srv/a b/ä", new String(path, 0, n, StandardCharsets.UTF_8));
        assertEquals(0, r.executable(path), "a failed bpf_d_path yields no executable path");
        assertEquals(1234567890123L, r.startNanos());
        assertEquals(987654321L, r.parentStartNanos());
        assertTrue(r.unlinked());
        assertTrue(r.startsWithShebang());
        n = r.interpreter(path);
        assertEquals("/usr/bin/env", new String(path, 0, n, StandardCharsets.UTF_8));
    }

    @Test
    void malformedInputIsBoundedNotTrusted() {
        ByteBuffer bb = ByteBuffer.allocate(EventRecord.SIZE).order(ByteOrder.LITTLE_ENDIAN);
        assertThrows(IndexOutOfBoundsException.class, () -> new EventRecord().wrap(bb, 1));
        assertThrows(IllegalArgumentException.class,
                () -> new EventRecord().wrap(ByteBuffer.allocate(EventRecord.SIZE), 0));
        EventRecord r = new EventRecord().wrap(bb, 0);
        for (int i = 0; i < EventRecord.PATH_MAX; i++) {
            bb.put(EventRecord.PATH + i, (byte) 'a'); // no NUL at all
        }
        bb.putInt(EventRecord.PATH_LEN, Integer.MAX_VALUE); // a length the kernel would never give
        byte[] dst = new byte[EventRecord.PATH_MAX];
        assertEquals(EventRecord.PATH_MAX, r.path(dst));
        bb.putShort(EventRecord.FAMILY, (short) 1); // AF_UNIX: no address bytes
        assertEquals(0, r.address(new byte[16]));
        assertEquals(EventRecord.UNIX_PATH_MAX, r.unixPath(dst), "a unix path is at most sun_path's size");
        bb.putShort(EventRecord.INTERP_OFF, (short) 250);
        bb.putShort(EventRecord.INTERP_LEN, (short) 100); // beyond the field
        assertEquals(0, r.interpreter(dst));
    }
}
