package org.esf4j.backend.audit;

import static org.esf4j.backend.audit.AuditKernel.act;
import static org.esf4j.backend.audit.AuditKernel.awaitEvent;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.esf4j.api.Accuracy;
import org.esf4j.api.Client;
import org.esf4j.api.ClientConfig;
import org.esf4j.api.EndpointSecurity;
import org.esf4j.api.Event;
import org.esf4j.api.EventCallback;
import org.esf4j.api.EventKind;
import org.esf4j.api.ExecEvent;
import org.esf4j.api.FileOpenEvent;
import org.esf4j.api.PathState;
import org.esf4j.api.ProcessInfo;
import org.esf4j.api.SocketBindEvent;
import org.esf4j.api.SocketConnectEvent;
import org.esf4j.api.UringCmdEvent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Each event kind observed through the real kernel for a real process (the actor helper), with
 * its fields checked against what the process did. Runs on the host and in the guest kernels.
 */
class AuditEventsTest {

    private static final AtomicInteger GATES = new AtomicInteger();
    private static AuditStatus before;
    private static List<String> rulesBefore;

    /** A tmpfs of the test's own: on an overlay (the guests' /tmp) PATH records name the upper layer's device. */
    private static Path dir;
    /** {@link #dir} with symbolic links resolved: the paths events give. */
    private static Path real;

    @BeforeAll
    static void tmpfs() throws Exception {
        dir = Files.createTempDirectory("esf4j-audit-test");
        AuditKernel.run(List.of("mount", "-t", "tmpfs", "-o", "size=64m,mode=0755", "esf4j-audit-test", dir.toString()));
        real = dir.toRealPath();
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

    /**
     * Holds the reader thread in the handler of the open of a marker file (the client handles
     * events on the reader thread), so that an actor can change what a later event names (close a
     * descriptor, unlink a file) before the backend resolves it: no race with the reader.
     */
    private static final class Gate implements AutoCloseable {
        final Path marker;
        final CountDownLatch open = new CountDownLatch(1);

        Gate() throws Exception {
            marker = Files.writeString(real.resolve("gate-" + GATES.incrementAndGet()), "");
        }

        /** A callback that queues every event and stops at the marker's open until {@link #close}. */
        EventCallback queueInto(Queue<Event> q) {
            return e -> {
                q.add(e);
                if (e instanceof FileOpenEvent f && f.path().equals(marker.toString())) {
                    try {
                        open.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException x) {
                        Thread.currentThread().interrupt();
                    }
                }
            };
        }

        /** Opens the marker from another process: the reader stops when it gets there. */
        void hold() throws Exception {
            assertEquals("OK", act("open", marker.toString()).line());
        }

        @Override
        public void close() {
            open.countDown();
        }
    }

    private static ClientConfig.Builder gated(Gate g, Queue<Event> q, EventKind... kinds) {
        return AuditKernel.notify(kinds).onEvent(g.queueInto(q)).handlerThread(ClientConfig.HandlerThread.READER);
    }

    /** The JDK starts a child through its spawn helper, which then execs the command: not the actor's exec. */
    private static boolean isSpawnHelper(ExecEvent e) {
        return e.executable().endsWith("/jspawnhelper");
    }

    private static void assertProcessFields(ProcessInfo p, long pid) {
        assertEquals(pid, p.pid());
        assertEquals(ProcessInfo.UNKNOWN, p.tid(), "audit has no thread id");
        assertEquals(ProcessHandle.current().pid(), p.ppid());
        assertEquals(0, p.uid());
        assertEquals(ProcessInfo.UNKNOWN, p.cgroupId(), "audit gives no cgroup");
    }

    @Test
    void execWithLongArgumentsAndFields() throws Exception {
        Queue<Event> q = new ConcurrentLinkedQueue<>();
        Path t = Files.copy(Path.of("/bin/true"), real.resolve("true copy"));
        String longArg = "L".repeat(20_000) + "end";
        List<String> args = List.of("with space", "quote\"d", "tab\there", "ünïcode", longArg);
        try (Client c = EndpointSecurity.newClient(AuditKernel.notify(EventKind.EXEC).onEvent(q::add).build())) {
            List<String> cmd = new ArrayList<>(List.of("wait", "exec", t.toString()));
            cmd.addAll(args);
            ExecEvent e;
            long ticks;
            long pid;
            try (AuditKernel.Interactive a = new AuditKernel.Interactive(cmd.toArray(String[]::new))) {
                pid = a.pid();
                ticks = AuditKernel.startTicks(pid);
                Thread.sleep(100); // the actor's own exec lies before the window of the one it makes
                a.send();
                assertTrue(a.process.waitFor(60, TimeUnit.SECONDS));
                e = awaitEvent(q, ExecEvent.class, x -> x.process().pid() == a.pid()
                        && x.executable().equals(t.toString()));
            }
            List<String> want = new ArrayList<>(List.of(t.toString()));
            want.addAll(args);
            assertEquals(want, e.argv());
            assertEquals(Accuracy.EXACT, e.argvAccuracy(), "an ELF file's arguments are exact");
            assertEquals(t.toString(), e.executable());
            assertEquals(PathState.EXACT, e.executableState());
            assertEquals(AuditKernel.elfInterpreter(t), e.interpreter(), "PT_INTERP as the file names it");
            assertTrue(!e.interpreter().isEmpty(), "/bin/true is dynamically linked");
            assertEquals(Files.getAttribute(t, "unix:ino"), e.file().inode());
            assertEquals(((Number) Files.getAttribute(t, "unix:dev")).longValue(), e.file().device());
            // the process that called exec, as it was before: the actor
            assertProcessFields(e.process(), pid);
            assertEquals(AuditKernel.actor().toString(), e.process().executable(), "the caller, before the exec");
            assertEquals("actor", e.process().comm());
            assertEquals(ticks, e.process().startTimeTicks(), "start time from the process model");
            assertEquals("audit", e.header().source());
            assertEquals(0, e.header().kernelTimeNanos(), "audit has no monotonic time of the hook");
            AuditKernel.assertNoBackendErrors(c);
        }
    }

    @Test
    void execOfAStaticElfFileHasNoInterpreterAndAScriptNamesItsOwn() throws Exception {
        Queue<Event> q = new ConcurrentLinkedQueue<>();
        Path st = Files.copy(AuditKernel.staticActor(), real.resolve("static actor"));
        Path script = Files.writeString(real.resolve("a script"), "#!/bin/sh -e\nexit 0\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (Client c = EndpointSecurity.newClient(AuditKernel.notify(EventKind.EXEC).onEvent(q::add).build())) {
            AuditKernel.Outcome s = act("exec", st.toString(), "bind4", "0");
            assertEquals("OK", s.line());
            ExecEvent e = awaitEvent(q, ExecEvent.class, x -> x.process().pid() == s.pid()
                    && x.executable().equals(st.toString()));
            assertEquals(st.toString(), e.executable());
            assertEquals("", e.interpreter(), "a static ELF file has none");
            assertEquals(List.of(st.toString(), "bind4", "0"), e.argv());
            assertEquals(Accuracy.EXACT, e.argvAccuracy());

            AuditKernel.Outcome o = act("exec", script.toString(), "one", "two words");
            assertEquals("exit=0", o.line());
            ExecEvent x = awaitEvent(q, ExecEvent.class, y -> y.process().pid() == o.pid() && !isSpawnHelper(y)
                    && !y.executable().equals(AuditKernel.actorPath()));
            assertEquals(script.toString(), x.executable(), "the script, not its interpreter");
            assertEquals(PathState.EXACT, x.executableState());
            assertEquals("/bin/sh", x.interpreter(), "the #! path as the script names it");
            // the kernel passed [/bin/sh, -e, script, one, two words]: argv[0] is lost
            assertEquals(List.of(script.toString(), "one", "two words"), x.argv());
            assertEquals(Accuracy.APPROXIMATE, x.argvAccuracy());
            assertEquals(Files.getAttribute(script, "unix:ino"), x.file().inode());
            AuditKernel.assertNoBackendErrors(c);
        }
    }

    /** execveat(dirfd, name) and execveat(fd, "", AT_EMPTY_PATH) of ELF files: the kernel's own path. */
    @Test
    void execOfAnElfFileThroughADescriptorGivesItsPath() throws Exception {
        Queue<Event> q = new ConcurrentLinkedQueue<>();
        Path sub = Files.createDirectories(real.resolve("bin dir"));
        Path t = Files.copy(Path.of("/bin/true"), sub.resolve("t2"));
        try (Client c = EndpointSecurity.newClient(AuditKernel.notify(EventKind.EXEC).onEvent(q::add).build())) {
            AuditKernel.Outcome at = act("execat", sub.toString(), "t2", "x");
            assertEquals("exit=0", at.line());
            ExecEvent e = awaitEvent(q, ExecEvent.class, x -> x.process().pid() == at.pid() && !isSpawnHelper(x)
                    && !x.executable().equals(AuditKernel.actorPath()));
            assertEquals(t.toString(), e.executable(), "not the bare name");
            assertEquals(PathState.EXACT, e.executableState());
            assertEquals(List.of("t2", "x"), e.argv());
            assertEquals(Accuracy.EXACT, e.argvAccuracy());

            AuditKernel.Outcome fd = act("fexec", t.toString(), "y");
            assertEquals("exit=0", fd.line());
            ExecEvent f = awaitEvent(q, ExecEvent.class, x -> x.process().pid() == fd.pid() && !isSpawnHelper(x)
                    && !x.executable().equals(AuditKernel.actorPath()));
            assertEquals(t.toString(), f.executable(), "not the empty name");
            assertEquals(PathState.EXACT, f.executableState());
            assertEquals(List.of(t.toString(), "y"), f.argv());
            AuditKernel.assertNoBackendErrors(c);
        }
    }

    /**
     * A script run through a descriptor: its path when the descriptor still names it, else the
     * bare name (RELATIVE) or nothing (UNKNOWN), never a guess. The scripts' interpreter is the
     * actor, which does not open the script the kernel passes it as {@code /dev/fd/9} (the guests
     * have no {@code /dev/fd}).
     */
    @Test
    void aScriptRunThroughADescriptorIsNamedOnlyWhileTheDescriptorIs() throws Exception {
        Path sub = Files.createDirectories(real.resolve("scripts"));
        String actor = AuditKernel.actor().toString();
        Path keep = Files.writeString(sub.resolve("keep.sh"), "#!" + actor + " interp-keep\n");
        Path close = Files.writeString(sub.resolve("close.sh"), "#!" + actor + " interp-close\n");
        for (Path p : List.of(keep, close)) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Queue<Event> q = new ConcurrentLinkedQueue<>();
        try (Gate g = new Gate();
             Client c = EndpointSecurity.newClient(gated(g, q, EventKind.EXEC, EventKind.FILE_OPEN).build())) {
            try (AuditKernel.Interactive a = new AuditKernel.Interactive("wait", "fexec", keep.toString())) {
                a.send();
                assertEquals("STARTED", a.line());
                g.close();
                ExecEvent e = awaitEvent(q, ExecEvent.class, x -> x.process().pid() == a.pid() && !isSpawnHelper(x)
                        && !x.executable().equals(AuditKernel.actorPath()));
                assertEquals(keep.toString(), e.executable(), "the descriptor still names the script");
                assertEquals(PathState.EXACT, e.executableState());
                assertEquals(actor, e.interpreter());
                assertEquals(List.of("/dev/fd/9"), e.argv(), "the script's name as the kernel passed it");
                assertEquals(Accuracy.APPROXIMATE, e.argvAccuracy());
                a.send();
            }
        }
        for (boolean relative : new boolean[] {true, false}) {
            q.clear();
            try (Gate g = new Gate();
                 Client c = EndpointSecurity.newClient(gated(g, q, EventKind.EXEC, EventKind.FILE_OPEN).build())) {
                String[] cmd = relative ? new String[] {"wait", "execat", sub.toString(), "close.sh"}
                        : new String[] {"wait", "fexec", close.toString()};
                try (AuditKernel.Interactive a = new AuditKernel.Interactive(cmd)) {
                    g.hold(); // the reader stops before the exec; it goes on once descriptor 9 is closed
                    a.send();
                    assertEquals("STARTED", a.line());
                    g.close();
                    ExecEvent e = awaitEvent(q, ExecEvent.class, x -> x.process().pid() == a.pid() && !isSpawnHelper(x)
                            && !x.executable().equals(AuditKernel.actorPath()));
                    assertEquals(relative ? "close.sh" : "", e.executable());
                    assertEquals(relative ? PathState.RELATIVE : PathState.UNKNOWN, e.executableState());
                    assertEquals(Files.getAttribute(close, "unix:ino"), e.file().inode());
                    a.send();
                }
                AuditKernel.assertNoBackendErrors(c);
            }
        }
    }

    @Test
    void openOfPathWithSpacesAndNonAsciiBytes() throws Exception {
        Queue<Event> q = new ConcurrentLinkedQueue<>();
        Path sub = Files.createDirectories(real.resolve("dir with space"));
        Path f = Files.writeString(sub.resolve("fïlé ü\u00e9.txt"), "x");
        try (Client c = EndpointSecurity.newClient(AuditKernel.notify(EventKind.FILE_OPEN).onEvent(q::add).build())) {
            AuditKernel.Outcome o = act("open", f.toString());
            assertEquals("OK", o.line());
            FileOpenEvent e = awaitEvent(q, FileOpenEvent.class, x -> x.process().pid() == o.pid()
                    && x.path().equals(f.toString()));
            assertEquals(PathState.EXACT, e.pathState());
            assertEquals(Files.getAttribute(f, "unix:ino"), e.file().inode());
            assertEquals(((Number) Files.getAttribute(f, "unix:dev")).longValue(), e.file().device());
            assertEquals(0x80000, e.openFlags() & 0x80003, "O_RDONLY|O_CLOEXEC");
            assertEquals(AuditKernel.actor().toString(), e.process().executable(), "exe of the SYSCALL record");
            assertEquals("actor", e.process().comm());
            assertProcessFields(e.process(), o.pid());
            // a relative open resolves against the process's working directory
            AuditKernel.Outcome rel = actIn(sub, "open", f.getFileName().toString());
            assertEquals("OK", rel.line());
            FileOpenEvent r = awaitEvent(q, FileOpenEvent.class, x -> x.process().pid() == rel.pid()
                    && x.path().equals(f.toString()));
            assertEquals(PathState.EXACT, r.pathState());
            // failed calls are not reported by default
            String missingPath = real.resolve("missing").toString();
            AuditKernel.Outcome missing = act("open", missingPath);
            assertEquals("ENOENT", missing.line());
            AuditKernel.Outcome marker = act("open", f.toString());
            awaitEvent(q, FileOpenEvent.class, x -> x.process().pid() == marker.pid() && x.path().equals(f.toString()));
            assertTrue(q.stream().noneMatch(x -> x instanceof FileOpenEvent fo && fo.path().equals(missingPath)),
                    "failed open reported");
            AuditKernel.assertNoBackendErrors(c);
        }
    }

    /** A name given through a symbolic link is reported with the link resolved, as other backends give it. */
    @Test
    void symbolicLinksInTheNameAreResolved() throws Exception {
        Queue<Event> q = new ConcurrentLinkedQueue<>();
        Path target = Files.createDirectories(real.resolve("target dir"));
        Path f = Files.writeString(target.resolve("f"), "x");
        Path link = Files.createSymbolicLink(real.resolve("link"), target.getFileName());
        try (Client c = EndpointSecurity.newClient(AuditKernel.notify(EventKind.FILE_OPEN).onEvent(q::add).build())) {
            AuditKernel.Outcome o = act("open", link.resolve("f").toString());
            assertEquals("OK", o.line());
            FileOpenEvent e = awaitEvent(q, FileOpenEvent.class, x -> x.process().pid() == o.pid()
                    && x.path().startsWith(real.toString()));
            assertEquals(f.toString(), e.path(), "the link resolved");
            assertEquals(PathState.EXACT, e.pathState());
            AuditKernel.assertNoBackendErrors(c);
        }
    }

    /** openat(dirfd, "name"): the directory's path joined when the process still has it, else the name (RELATIVE). */
    @Test
    void openRelativeToADirectoryDescriptor() throws Exception {
        Path sub = Files.createDirectories(real.resolve("at dir"));
        Path f = Files.writeString(sub.resolve("f"), "x");
        long ino = inode(f);
        Queue<Event> q = new ConcurrentLinkedQueue<>();
        try (Client c = EndpointSecurity.newClient(AuditKernel.notify(EventKind.FILE_OPEN).onEvent(q::add).build());
             AuditKernel.Interactive a = new AuditKernel.Interactive("openat", sub.toString(), "f", "keep")) {
            a.send();
            assertEquals("OK", a.line());
            FileOpenEvent e = awaitEvent(q, FileOpenEvent.class, x -> x.process().pid() == a.pid()
                    && x.file().inode() == ino);
            assertEquals(f.toString(), e.path(), "not the bare name");
            assertEquals(PathState.EXACT, e.pathState());
            a.send();
            AuditKernel.assertNoBackendErrors(c);
        }
        q.clear();
        try (Gate g = new Gate();
             Client c = EndpointSecurity.newClient(gated(g, q, EventKind.FILE_OPEN).build());
             AuditKernel.Interactive a = new AuditKernel.Interactive("openat", sub.toString(), "f", "close")) {
            g.hold(); // the reader stops before the openat; it goes on once the directory is closed
            a.send();
            assertEquals("OK", a.line());
            g.close();
            FileOpenEvent e = awaitEvent(q, FileOpenEvent.class, x -> x.process().pid() == a.pid()
                    && x.file().inode() == ino);
            assertEquals("f", e.path(), "the directory is gone: the name as the call gave it");
            assertEquals(PathState.RELATIVE, e.pathState());
            a.send();
            AuditKernel.assertNoBackendErrors(c);
        }
    }

    /** A file unlinked before the event is read: the path as the call named it, marked APPROXIMATE. */
    @Test
    void aFileUnlinkedBeforeTheEventIsReadIsApproximate() throws Exception {
        Path f = Files.writeString(real.resolve("victim"), "x");
        long ino = inode(f);
        Queue<Event> q = new ConcurrentLinkedQueue<>();
        try (Gate g = new Gate();
             Client c = EndpointSecurity.newClient(gated(g, q, EventKind.FILE_OPEN).build());
             AuditKernel.Interactive a = new AuditKernel.Interactive("openunlink", f.toString())) {
            g.hold();
            a.send();
            assertEquals("OK", a.line());
            g.close();
            FileOpenEvent e = awaitEvent(q, FileOpenEvent.class, x -> x.process().pid() == a.pid()
                    && x.file().inode() == ino);
            assertEquals(f.toString(), e.path());
            assertEquals(PathState.APPROXIMATE, e.pathState(), "cannot be checked against the file any more");
            a.send();
            AuditKernel.assertNoBackendErrors(c);
        }
    }

    private static long inode(Path p) throws Exception {
        return ((Number) Files.getAttribute(p, "unix:ino")).longValue();
    }

    private static AuditKernel.Outcome actIn(Path cwd, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(AuditKernel.actor().toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new AuditKernel.Outcome(p.pid(), new String(p.getInputStream().readAllBytes()).trim());
    }

    @Test
    void bindIpv4Ipv6AndUnix() throws Exception {
        Queue<Event> q = new ConcurrentLinkedQueue<>();
        try (Client c = EndpointSecurity.newClient(AuditKernel.notify(EventKind.SOCKET_BIND).onEvent(q::add).build())) {
            AuditKernel.Outcome v4 = act("bind4", "47311");
            AuditKernel.Outcome v6 = act("bind6", "47312");
            Path sock = real.resolve("s ock");
            AuditKernel.Outcome ux = act("bindunix", sock.toString());
            assertEquals("OK", v4.line());
            assertEquals("OK", v6.line());
            assertEquals("OK", ux.line());
            SocketBindEvent a = awaitEvent(q, SocketBindEvent.class, x -> x.process().pid() == v4.pid());
            assertEquals(2, a.family());
            assertEquals("127.0.0.1", a.address());
            assertEquals(47311, a.port());
            assertEquals(-1, a.socketType(), "audit does not report the socket type");
            SocketBindEvent b = awaitEvent(q, SocketBindEvent.class, x -> x.process().pid() == v6.pid());
            assertEquals(10, b.family());
            assertEquals("::", b.address(), "RFC 5952");
            assertEquals(47312, b.port());
            SocketBindEvent u = awaitEvent(q, SocketBindEvent.class, x -> x.process().pid() == ux.pid());
            assertEquals(1, u.family());
            assertEquals(sock.toString(), u.address());
            AuditKernel.assertNoBackendErrors(c);
        }
    }

    /**
     * Non-blocking connects (EINPROGRESS: the call "fails", and is reported), IPv4 and IPv6, to
     * listening sockets of this JVM; a refused one is reported too.
     */
    @Test
    void connectIpv4AndIpv6() throws Exception {
        Queue<Event> q = new ConcurrentLinkedQueue<>();
        try (ServerSocket v4 = new ServerSocket(0, 8, InetAddress.getByName("127.0.0.1"));
             ServerSocket v6 = listen6();
             Client c = EndpointSecurity.newClient(AuditKernel.notify(EventKind.SOCKET_CONNECT).onEvent(q::add)
                     .build())) {
            int port6 = v6 != null ? v6.getLocalPort() : 47331; // no IPv6 loopback: the connect fails, and is reported
            AuditKernel.Outcome a = act("connect4", "127.0.0.1", Integer.toString(v4.getLocalPort()));
            assertConnected(a.line());
            AuditKernel.Outcome b = act("connect6", "::1", Integer.toString(port6));
            if (v6 != null) {
                assertConnected(b.line());
            }
            SocketConnectEvent e = awaitEvent(q, SocketConnectEvent.class, x -> x.process().pid() == a.pid());
            assertEquals(EventKind.SOCKET_CONNECT, e.kind());
            assertEquals(2, e.family());
            assertEquals("127.0.0.1", e.address());
            assertEquals(v4.getLocalPort(), e.port());
            assertEquals(-1, e.socketType());
            assertProcessFields(e.process(), a.pid());
            assertEquals(AuditKernel.actor().toString(), e.process().executable());
            SocketConnectEvent e6 = awaitEvent(q, SocketConnectEvent.class, x -> x.process().pid() == b.pid());
            assertEquals(10, e6.family());
            assertEquals("::1", e6.address(), "RFC 5952, not 0:0:0:0:0:0:0:1");
            assertEquals(port6, e6.port());
            int closed;
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
                closed = s.getLocalPort();
            }
            AuditKernel.Outcome r = act("connect4", "127.0.0.1", Integer.toString(closed));
            assertTrue(r.line().equals("ECONNREFUSED") || r.line().equals("ENETUNREACH"), r.line());
            SocketConnectEvent re = awaitEvent(q, SocketConnectEvent.class, x -> x.process().pid() == r.pid());
            assertEquals(closed, re.port());
            AuditKernel.assertNoBackendErrors(c);
        }
    }

    /**
     * A connect to a listening socket succeeds, or fails with ENETUNREACH where the loopback
     * interface is down (as in the test guests); either way the call is reported.
     */
    private static void assertConnected(String outcome) {
        assertTrue(outcome.equals("OK") || outcome.equals("ENETUNREACH"), outcome);
    }

    private static ServerSocket listen6() {
        try {
            ServerSocket s = new ServerSocket();
            s.bind(new InetSocketAddress(InetAddress.getByName("::1"), 0));
            return s;
        } catch (java.io.IOException e) {
            return null;
        }
    }

    /** The start time comes from the process model (audit does not report it): /proc/PID/stat field 22. */
    @Test
    void processStartTimeIsTheProcesss() throws Exception {
        Queue<Event> q = new ConcurrentLinkedQueue<>();
        try (Client c = EndpointSecurity.newClient(AuditKernel.notify(EventKind.SOCKET_BIND).onEvent(q::add).build());
             AuditKernel.Interactive a = new AuditKernel.Interactive("wait", "bind4", "0")) {
            long ticks = AuditKernel.startTicks(a.pid());
            assertTrue(ticks > 0);
            a.send();
            assertEquals("OK", a.line());
            SocketBindEvent e = awaitEvent(q, SocketBindEvent.class, x -> x.process().pid() == a.pid());
            assertEquals(ticks, e.process().startTimeTicks());
            assertTrue(e.process().id().isPresent(), "identity known");
            assertProcessFields(e.process(), a.pid());
            AuditKernel.assertNoBackendErrors(c);
        }
    }

    @Test
    void uringCommandUringBindAndUringConnect() throws Exception {
        boolean sockets = AuditKernel.atLeast(6, 7);   // sockets accept uring commands
        boolean bindOp = AuditKernel.atLeast(6, 11);   // IORING_OP_BIND
        Queue<Event> q = new ConcurrentLinkedQueue<>();
        try (Client c = EndpointSecurity.newClient(AuditKernel.notify(EventKind.URING_CMD, EventKind.SOCKET_BIND,
                EventKind.SOCKET_CONNECT).onEvent(q::add).build());
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
            try (ServerSocket s = new ServerSocket(0, 8, InetAddress.getByName("127.0.0.1"));
                 AuditKernel.Interactive conn = new AuditKernel.Interactive("uringconnect",
                         Integer.toString(s.getLocalPort()))) {
                assertConnected(conn.go());
                SocketConnectEvent e = awaitEvent(q, SocketConnectEvent.class, x -> x.process().pid() == conn.pid());
                assertEquals("127.0.0.1", e.address());
                assertEquals(s.getLocalPort(), e.port());
                // an in-progress first attempt ends in EAGAIN and is retried: one connect, one event
                AuditKernel.Outcome m = act("bind4", "0");
                awaitEvent(q, SocketBindEvent.class, x -> x.process().pid() == m.pid());
                assertEquals(1, q.stream().filter(x -> x instanceof SocketConnectEvent
                        && x.process().pid() == conn.pid()).count(), "events: " + q);
            }
            AuditKernel.assertNoBackendErrors(c);
        }
    }
}
