package org.esf4j.backend.audit;

import static org.esf4j.backend.audit.AuditKernel.act;
import static org.esf4j.backend.audit.AuditKernel.await;
import static org.esf4j.backend.audit.AuditKernel.awaitEvent;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.esf4j.api.Client;
import org.esf4j.api.EndpointSecurity;
import org.esf4j.api.EventType;
import org.esf4j.api.ExecEvent;
import org.esf4j.api.FileOpenEvent;
import org.esf4j.api.SecurityEvent;
import org.esf4j.api.SocketBindEvent;
import org.esf4j.api.UringCmdEvent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Each event type observed through the real kernel for a real process (the actor helper), with
 * its fields checked against what the process did. Runs on the host and in the guest kernels.
 */
class AuditEventsTest {

    private static AuditStatus before;
    private static List<String> rulesBefore;

    /** A tmpfs of the test's own: on an overlay (the guests' /tmp) PATH records name the upper layer's device. */
    private static Path dir;

    @BeforeAll
    static void tmpfs() throws Exception {
        dir = Files.createTempDirectory("esf4j-audit-test");
        AuditKernel.run(List.of("mount", "-t", "tmpfs", "-o", "size=64m,mode=0755", "esf4j-audit-test", dir.toString()));
    }

    @AfterAll
    static void unmount() throws Exception {
        if (dir != null) {
            AuditKernel.run(List.of("umount", "-l", dir.toString()));
            Files.deleteIfExists(dir);
        }
    }

    @BeforeAll
    static void state() throws Exception {
        AuditKernel.requireAudit();
        before = AuditKernel.status();
        rulesBefore = liveRules();
    }

    @AfterAll
    static void stateIsRestored() throws Exception {
        if (before == null) {
            return;
        }
        AuditStatus after = AuditKernel.status();
        try {
            assertEquals(before.enabled(), after.enabled(), "audit enabled restored");
            assertEquals(rulesBefore, liveRules(), "rules as before");
        } finally {
            AuditKernel.restoreEnabled(before.enabled());
        }
    }

    /** Rule keys, without leftovers of dead esf4j processes (which any start removes). */
    private static List<String> liveRules() throws Exception {
        return AuditKernel.ruleKeys().stream().filter(k -> !AuditRules.isLeftover(k)).toList();
    }

    @Test
    void execWithLongArgumentsAndFields() throws Exception {
        Queue<SecurityEvent> q = new ConcurrentLinkedQueue<>();
        Path t = Files.copy(Path.of("/bin/true"), dir.resolve("true copy"));
        String longArg = "L".repeat(20_000) + "end";
        List<String> args = List.of("with space", "quote\"d", "tab\there", "ünïcode", longArg);
        try (Client c = EndpointSecurity.newClient(AuditKernel.notify(EventType.EXEC).eventHandler(q::add).build())) {
            List<String> cmd = new ArrayList<>(List.of("exec", t.toString()));
            cmd.addAll(args);
            AuditKernel.Outcome o = act(cmd.toArray(String[]::new));
            assertEquals("exit=0", o.line());
            ExecEvent e = awaitEvent(q, ExecEvent.class, x -> x.process().pid() == o.pid()
                    && x.executable().equals(t.toString()));
            List<String> want = new ArrayList<>(List.of(t.toString()));
            want.addAll(args);
            assertEquals(want, e.argv());
            assertEquals(Files.getAttribute(t, "unix:ino"), e.file().inode());
            assertEquals(((Number) Files.getAttribute(t, "unix:dev")).longValue(), e.file().device());
            assertEquals(t.toString(), e.process().executable(), "after exec the process runs the copy");
            assertEquals("true copy", e.process().comm());
            assertEquals(0, e.process().uid());
            assertEquals(ProcessHandle.current().pid(), e.process().ppid());
            assertEquals("audit", e.header().source());
            AuditKernel.assertNoBackendErrors(c);
        }
    }

    @Test
    void openOfPathWithSpacesAndNonAsciiBytes() throws Exception {
        Queue<SecurityEvent> q = new ConcurrentLinkedQueue<>();
        Path sub = Files.createDirectories(dir.resolve("dir with space"));
        Path f = Files.writeString(sub.resolve("fïlé ü\u00e9.txt"), "x");
        try (Client c = EndpointSecurity.newClient(AuditKernel.notify(EventType.FILE_OPEN).eventHandler(q::add).build())) {
            AuditKernel.Outcome o = act("open", f.toString());
            assertEquals("OK", o.line());
            FileOpenEvent e = awaitEvent(q, FileOpenEvent.class, x -> x.process().pid() == o.pid()
                    && x.path().equals(f.toString()));
            assertEquals(Files.getAttribute(f, "unix:ino"), e.file().inode());
            assertEquals(((Number) Files.getAttribute(f, "unix:dev")).longValue(), e.file().device());
            assertEquals(0x80000, e.openFlags() & 0x80003, "O_RDONLY|O_CLOEXEC");
            assertTrue(e.process().executable().endsWith("/actor"), e.process().executable());
            // a relative open resolves against the process's working directory
            AuditKernel.Outcome rel = actIn(sub, "open", f.getFileName().toString());
            assertEquals("OK", rel.line());
            awaitEvent(q, FileOpenEvent.class, x -> x.process().pid() == rel.pid() && x.path().equals(f.toString()));
            // failed calls are not reported by default
            String missingPath = dir.resolve("missing").toString();
            AuditKernel.Outcome missing = act("open", missingPath);
            assertEquals("ENOENT", missing.line());
            AuditKernel.Outcome marker = act("open", f.toString());
            awaitEvent(q, FileOpenEvent.class, x -> x.process().pid() == marker.pid() && x.path().equals(f.toString()));
            assertTrue(q.stream().noneMatch(x -> x instanceof FileOpenEvent fo && fo.path().equals(missingPath)),
                    "failed open reported");
            AuditKernel.assertNoBackendErrors(c);
        }
    }

    private static AuditKernel.Outcome actIn(Path cwd, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(AuditKernel.actor().toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
        return new AuditKernel.Outcome(p.pid(), new String(p.getInputStream().readAllBytes()).trim());
    }

    @Test
    void bindIpv4Ipv6AndUnix() throws Exception {
        Queue<SecurityEvent> q = new ConcurrentLinkedQueue<>();
        try (Client c = EndpointSecurity.newClient(AuditKernel.notify(EventType.SOCKET_BIND).eventHandler(q::add).build())) {
            AuditKernel.Outcome v4 = act("bind4", "47311");
            AuditKernel.Outcome v6 = act("bind6", "47312");
            Path sock = dir.resolve("s ock");
            AuditKernel.Outcome ux = act("bindunix", sock.toString());
            assertEquals("OK", v4.line());
            assertEquals("OK", v6.line());
            assertEquals("OK", ux.line());
            SocketBindEvent a = awaitEvent(q, SocketBindEvent.class, x -> x.process().pid() == v4.pid());
            assertEquals(2, a.family());
            assertEquals("127.0.0.1", a.address());
            assertEquals(47311, a.port());
            SocketBindEvent b = awaitEvent(q, SocketBindEvent.class, x -> x.process().pid() == v6.pid());
            assertEquals(10, b.family());
            assertEquals("0:0:0:0:0:0:0:0", b.address());
            assertEquals(47312, b.port());
            SocketBindEvent u = awaitEvent(q, SocketBindEvent.class, x -> x.process().pid() == ux.pid());
            assertEquals(1, u.family());
            assertEquals(sock.toString(), u.address());
            AuditKernel.assertNoBackendErrors(c);
        }
    }

    @Test
    void uringCommandAndUringBind() throws Exception {
        boolean sockets = AuditKernel.atLeast(6, 7);   // sockets accept uring commands
        boolean bindOp = AuditKernel.atLeast(6, 11);   // IORING_OP_BIND
        Queue<SecurityEvent> q = new ConcurrentLinkedQueue<>();
        try (Client c = EndpointSecurity.newClient(AuditKernel.notify(EventType.URING_CMD, EventType.SOCKET_BIND)
                .eventHandler(q::add).build());
             AuditKernel.Interactive cmd = new AuditKernel.Interactive("uring")) {
            String r = cmd.go();
            assertEquals(sockets ? "OK" : "EOPNOTSUPP", r);
            if (sockets) {
                UringCmdEvent e = awaitEvent(q, UringCmdEvent.class, x -> x.process().pid() == cmd.pid());
                assertEquals(AuditRawEvent.UNKNOWN_OP, e.commandOp(), "audit does not report the op");
                assertTrue(e.process().executable().endsWith("/actor"), e.process().executable());
            }
            try (AuditKernel.Interactive bind = new AuditKernel.Interactive("uringbind", "47313")) {
                String rb = bind.go();
                assertEquals(bindOp ? "OK" : "EINVAL", rb);
                if (bindOp) {
                    SocketBindEvent e = awaitEvent(q, SocketBindEvent.class, x -> x.process().pid() == bind.pid());
                    assertEquals(2, e.family());
                    assertEquals("127.0.0.1", e.address());
                    assertEquals(47313, e.port());
                }
            }
            AuditKernel.assertNoBackendErrors(c);
        }
    }
}
