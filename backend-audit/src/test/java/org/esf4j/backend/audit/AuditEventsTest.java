package org.esf4j.backend.audit;

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
import org.esf4j.testsuite.Actor;
import org.esf4j.testsuite.Events;
import org.esf4j.testsuite.Kernel;
import org.esf4j.testsuite.Tmpfs;
import org.esf4j.testsuite.Witness;
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
    private static Tmpfs tmpfs;
    /** The tmpfs with symbolic links resolved: the paths events give. */
    private static Path real;
    /** The actor's path: its own exec by the JDK's spawn helper is not the exec a test makes. */
    private static String actorPath;

    @BeforeAll
    static void tmpfs() throws Exception {
        tmpfs = new Tmpfs();
        real = tmpfs.dir.toRealPath();
        actorPath = Actor.path().toString();
    }

    @AfterAll
    static void unmount() throws Exception {
        if (tmpfs != null) {
            tmpfs.close();
        }
    }

    @BeforeAll
    static void state() throws Exception {
        Kernel.requireBackend(new AuditProvider());
        before = AuditControl.status();
        rulesBefore = liveRules();
    }

    @AfterAll
    static void stateIsRestored() throws Exception {
        if (before == null) {
            return;
        }
        AuditStatus after = AuditControl.status();
        try {
            assertEquals(before.enabled(), after.enabled(), "audit enabled restored");
            assertEquals(rulesBefore, liveRules(), "rules as before");
        } finally {
            AuditControl.restoreEnabled(before.enabled());
        }
    }

    /** Rule keys, without leftovers of dead esf4j processes (which any start removes). */
    private static List<String> liveRules() throws Exception {
        return AuditControl.ruleKeys().stream().filter(k -> !AuditRules.isLeftover(k)).toList();
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
            assertEquals("OK", Actor.outcome("open", marker.toString()).line());
        }

        @Override
        public void close() {
            open.countDown();
        }
    }

    private static ClientConfig.Builder gated(Gate g, Queue<Event> q, EventKind... kinds) {
        return AuditControl.notify(kinds).onEvent(g.queueInto(q)).handlerThread(ClientConfig.HandlerThread.READER);
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
        try (Client c = EndpointSecurity.newClient(AuditControl.notify(EventKind.EXEC).onEvent(q::add).build())) {
            List<String> cmd = new ArrayList<>(List.of("wait", "exec", t.toString()));
            cmd.addAll(args);
            ExecEvent e;
            long ticks;
            long pid;
            try (Actor.Interactive a = new Actor.Interactive(cmd.toArray(String[]::new))) {
                pid = a.pid();
                ticks = Kernel.startTicks(pid);
                Thread.sleep(100); // the actor's own exec lies before the window of the one it makes
                a.send();
                assertTrue(a.process.waitFor(60, TimeUnit.SECONDS));
                e = Events.await(q, ExecEvent.class, x -> x.process().pid() == a.pid()
                        && x.executable().equals(t.toString()));
            }
            List<String> want = new ArrayList<>(List.of(t.toString()));
            want.addAll(args);
            assertEquals(want, e.argv());
            assertEquals(Accuracy.EXACT, e.argvAccuracy(), "an ELF file's arguments are exact");
            assertEquals(t.toString(), e.executable());
            assertEquals(PathState.EXACT, e.executableState());
            assertEquals(Witness.interpreter(t), e.interpreter(), "PT_INTERP as the file names it");
            assertTrue(!e.interpreter().isEmpty(), "/bin/true is dynamically linked");
            assertEquals(Files.getAttribute(t, "unix:ino"), e.file().inode());
            assertEquals(((Number) Files.getAttribute(t, "unix:dev")).longValue(), e.file().device());
            // the process that called exec, as it was before: the actor
            assertProcessFields(e.process(), pid);
            assertEquals(Actor.path().toString(), e.process().executable(), "the caller, before the exec");
            assertEquals("actor", e.process().comm());
            assertEquals(ticks, e.process().startTimeTicks(), "start time from the process model");
            assertEquals("audit", e.header().source());
            assertEquals(0, e.header().kernelTimeNanos(), "audit has no monotonic time of the hook");
            Events.assertNoBackendErrors(c, AuditProvider.NAME);
        }
    }

    @Test
    void execOfAStaticElfFileHasNoInterpreterAndAScriptNamesItsOwn() throws Exception {
        Queue<Event> q = new ConcurrentLinkedQueue<>();
        Path st = Files.copy(Actor.staticPath(), real.resolve("static actor"));
        Path script = Files.writeString(real.resolve("a script"), "#!/bin/sh -e\nexit 0\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (Client c = EndpointSecurity.newClient(AuditControl.notify(EventKind.EXEC).onEvent(q::add).build())) {
            Actor.Outcome s = Actor.outcome("exec", st.toString(), "bind4", "0");
            assertEquals("OK", s.line());
            ExecEvent e = Events.await(q, ExecEvent.class, x -> x.process().pid() == s.pid()
                    && x.executable().equals(st.toString()));
            assertEquals(st.toString(), e.executable());
            assertEquals("", e.interpreter(), "a static ELF file has none");
            assertEquals(List.of(st.toString(), "bind4", "0"), e.argv());
            assertEquals(Accuracy.EXACT, e.argvAccuracy());

            Actor.Outcome o = Actor.outcome("exec", script.toString(), "one", "two words");
            assertEquals("exit=0", o.line());
            ExecEvent x = Events.await(q, ExecEvent.class, y -> y.process().pid() == o.pid() && !isSpawnHelper(y)
                    && !y.executable().equals(actorPath));
            assertEquals(script.toString(), x.executable(), "the script, not its interpreter");
            assertEquals(PathState.EXACT, x.executableState());
            assertEquals("/bin/sh", x.interpreter(), "the #! path as the script names it");
            // the kernel passed [/bin/sh, -e, script, one, two words]: argv[0] is lost
            assertEquals(List.of(script.toString(), "one", "two words"), x.argv());
            assertEquals(Accuracy.APPROXIMATE, x.argvAccuracy());
            assertEquals(Files.getAttribute(script, "unix:ino"), x.file().inode());
            Events.assertNoBackendErrors(c, AuditProvider.NAME);
        }
    }

    /**
     * An exec followed at once by another of the same process (the actor execs a copy of itself,
     * which execs true), both read after the second: each exec's caller is the program before that
     * exec, or unknown, never the program of the other exec. The reader is held until both are done,
     * so that the second lies in the window of the first.
     */
    @Test
    void execsInQuickSuccessionKeepTheirOwnCallers() throws Exception {
        Path copy = Files.copy(Actor.path(), real.resolve("actor copy"));
        Path t = Files.copy(Path.of("/bin/true"), real.resolve("true after"));
        Queue<Event> q = new ConcurrentLinkedQueue<>();
        try (Gate g = new Gate();
             Client c = EndpointSecurity.newClient(gated(g, q, EventKind.EXEC, EventKind.FILE_OPEN).build())) {
            g.hold();
            Actor.Outcome o = Actor.outcome("exec", copy.toString(), "exec", t.toString());
            assertEquals("exit=0", o.line());
            g.close();
            ExecEvent first = Events.await(q, ExecEvent.class, x -> x.process().pid() == o.pid()
                    && x.executable().equals(copy.toString()));
            ExecEvent second = Events.await(q, ExecEvent.class, x -> x.process().pid() == o.pid()
                    && x.executable().equals(t.toString()));
            assertTrue(List.of(actorPath, "").contains(first.process().executable()),
                    "the caller of the first exec is the actor or unknown, not " + first.process().executable());
            assertTrue(List.of("actor", "").contains(first.process().comm()), first.process().comm());
            // unknown when the process model read /proc after the second exec had replaced the copy
            boolean known = !second.process().executable().isEmpty();
            assertEquals(known ? copy.toString() : "", second.process().executable(), "the caller of the second exec");
            assertEquals(known ? List.of(copy.toString(), "exec", t.toString()) : List.of(), second.process().argv());
            Events.assertNoBackendErrors(c, AuditProvider.NAME);
        }
    }

    /** execveat(dirfd, name) and execveat(fd, "", AT_EMPTY_PATH) of ELF files: the kernel's own path. */
    @Test
    void execOfAnElfFileThroughADescriptorGivesItsPath() throws Exception {
        Queue<Event> q = new ConcurrentLinkedQueue<>();
        Path sub = Files.createDirectories(real.resolve("bin dir"));
        Path t = Files.copy(Path.of("/bin/true"), sub.resolve("t2"));
        try (Client c = EndpointSecurity.newClient(AuditControl.notify(EventKind.EXEC).onEvent(q::add).build())) {
            Actor.Outcome at = Actor.outcome("execveat9", sub.toString(), "t2", "x");
            assertEquals("exit=0", at.line());
            ExecEvent e = Events.await(q, ExecEvent.class, x -> x.process().pid() == at.pid() && !isSpawnHelper(x)
                    && !x.executable().equals(actorPath));
            assertEquals(t.toString(), e.executable(), "not the bare name");
            assertEquals(PathState.EXACT, e.executableState());
            assertEquals(List.of("t2", "x"), e.argv());
            assertEquals(Accuracy.EXACT, e.argvAccuracy());

            Actor.Outcome fd = Actor.outcome("fexecve9", t.toString(), "y");
            assertEquals("exit=0", fd.line());
            ExecEvent f = Events.await(q, ExecEvent.class, x -> x.process().pid() == fd.pid() && !isSpawnHelper(x)
                    && !x.executable().equals(actorPath));
            assertEquals(t.toString(), f.executable(), "not the empty name");
            assertEquals(PathState.EXACT, f.executableState());
            assertEquals(List.of(t.toString(), "y"), f.argv());
            Events.assertNoBackendErrors(c, AuditProvider.NAME);
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
        String actor = Actor.path().toString();
        Path keep = Files.writeString(sub.resolve("keep.sh"), "#!" + actor + " interp-keep\n");
        Path close = Files.writeString(sub.resolve("close.sh"), "#!" + actor + " interp-close\n");
        for (Path p : List.of(keep, close)) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Queue<Event> q = new ConcurrentLinkedQueue<>();
        try (Gate g = new Gate();
             Client c = EndpointSecurity.newClient(gated(g, q, EventKind.EXEC, EventKind.FILE_OPEN).build())) {
            try (Actor.Interactive a = new Actor.Interactive("wait", "fexecve9", keep.toString())) {
                a.send();
                assertEquals("STARTED", a.line());
                g.close();
                ExecEvent e = Events.await(q, ExecEvent.class, x -> x.process().pid() == a.pid() && !isSpawnHelper(x)
                        && !x.executable().equals(actorPath));
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
                String[] cmd = relative ? new String[] {"wait", "execveat9", sub.toString(), "close.sh"}
                        : new String[] {"wait", "fexecve9", close.toString()};
                try (Actor.Interactive a = new Actor.Interactive(cmd)) {
                    g.hold(); // the reader stops before the exec; it goes on once descriptor 9 is closed
                    a.send();
                    assertEquals("STARTED", a.line());
                    g.close();
                    ExecEvent e = Events.await(q, ExecEvent.class, x -> x.process().pid() == a.pid() && !isSpawnHelper(x)
                            && !x.executable().equals(actorPath));
                    assertEquals(relative ? "close.sh" : "", e.executable());
                    assertEquals(relative ? PathState.RELATIVE : PathState.UNKNOWN, e.executableState());
                    assertEquals(Files.getAttribute(close, "unix:ino"), e.file().inode());
                    a.send();
                }
                Events.assertNoBackendErrors(c, AuditProvider.NAME);
            }
        }
    }

    @Test
    void openOfPathWithSpacesAndNonAsciiBytes() throws Exception {
        Queue<Event> q = new ConcurrentLinkedQueue<>();
        Path sub = Files.createDirectories(real.resolve("dir with space"));
        Path f = Files.writeString(sub.resolve("fïlé ü\u00e9.txt"), "x");
        try (Client c = EndpointSecurity.newClient(AuditControl.notify(EventKind.FILE_OPEN).onEvent(q::add).build())) {
            Actor.Outcome o = Actor.outcome("open", f.toString());
            assertEquals("OK", o.line());
            FileOpenEvent e = Events.await(q, FileOpenEvent.class, x -> x.process().pid() == o.pid()
                    && x.path().equals(f.toString()));
            assertEquals(PathState.EXACT, e.pathState());
            assertEquals(Files.getAttribute(f, "unix:ino"), e.file().inode());
            assertEquals(((Number) Files.getAttribute(f, "unix:dev")).longValue(), e.file().device());
            assertEquals(0x80000, e.openFlags() & 0x80003, "O_RDONLY|O_CLOEXEC");
            assertEquals(Actor.path().toString(), e.process().executable(), "exe of the SYSCALL record");
            assertEquals("actor", e.process().comm());
            assertProcessFields(e.process(), o.pid());
            // a relative open resolves against the process's working directory
            Actor.Outcome rel = Actor.outcomeIn(sub, "open", f.getFileName().toString());
            assertEquals("OK", rel.line());
            FileOpenEvent r = Events.await(q, FileOpenEvent.class, x -> x.process().pid() == rel.pid()
                    && x.path().equals(f.toString()));
            assertEquals(PathState.EXACT, r.pathState());
            // failed calls are not reported by default
            String missingPath = real.resolve("missing").toString();
            Actor.Outcome missing = Actor.outcome("open", missingPath);
            assertEquals("ENOENT", missing.line());
            Actor.Outcome marker = Actor.outcome("open", f.toString());
            Events.await(q, FileOpenEvent.class, x -> x.process().pid() == marker.pid() && x.path().equals(f.toString()));
            assertTrue(q.stream().noneMatch(x -> x instanceof FileOpenEvent fo && fo.path().equals(missingPath)),
                    "failed open reported");
            Events.assertNoBackendErrors(c, AuditProvider.NAME);
        }
    }

    /** A name given through a symbolic link is reported with the link resolved, as other backends give it. */
    @Test
    void symbolicLinksInTheNameAreResolved() throws Exception {
        Queue<Event> q = new ConcurrentLinkedQueue<>();
        Path target = Files.createDirectories(real.resolve("target dir"));
        Path f = Files.writeString(target.resolve("f"), "x");
        Path link = Files.createSymbolicLink(real.resolve("link"), target.getFileName());
        try (Client c = EndpointSecurity.newClient(AuditControl.notify(EventKind.FILE_OPEN).onEvent(q::add).build())) {
            Actor.Outcome o = Actor.outcome("open", link.resolve("f").toString());
            assertEquals("OK", o.line());
            FileOpenEvent e = Events.await(q, FileOpenEvent.class, x -> x.process().pid() == o.pid()
                    && x.path().startsWith(real.toString()));
            assertEquals(f.toString(), e.path(), "the link resolved");
            assertEquals(PathState.EXACT, e.pathState());
            Events.assertNoBackendErrors(c, AuditProvider.NAME);
        }
    }

    /** openat(dirfd, "name"): the directory's path joined when the process still has it, else the name (RELATIVE). */
    @Test
    void openRelativeToADirectoryDescriptor() throws Exception {
        Path sub = Files.createDirectories(real.resolve("at dir"));
        Path f = Files.writeString(sub.resolve("f"), "x");
        long ino = inode(f);
        Queue<Event> q = new ConcurrentLinkedQueue<>();
        try (Client c = EndpointSecurity.newClient(AuditControl.notify(EventKind.FILE_OPEN).onEvent(q::add).build());
             Actor.Interactive a = new Actor.Interactive("openat", sub.toString(), "f", "keep")) {
            a.send();
            assertEquals("OK", a.line());
            FileOpenEvent e = Events.await(q, FileOpenEvent.class, x -> x.process().pid() == a.pid()
                    && x.file().inode() == ino);
            assertEquals(f.toString(), e.path(), "not the bare name");
            assertEquals(PathState.EXACT, e.pathState());
            a.send();
            Events.assertNoBackendErrors(c, AuditProvider.NAME);
        }
        q.clear();
        try (Gate g = new Gate();
             Client c = EndpointSecurity.newClient(gated(g, q, EventKind.FILE_OPEN).build());
             Actor.Interactive a = new Actor.Interactive("openat", sub.toString(), "f", "close")) {
            g.hold(); // the reader stops before the openat; it goes on once the directory is closed
            a.send();
            assertEquals("OK", a.line());
            g.close();
            FileOpenEvent e = Events.await(q, FileOpenEvent.class, x -> x.process().pid() == a.pid()
                    && x.file().inode() == ino);
            assertEquals("f", e.path(), "the directory is gone: the name as the call gave it");
            assertEquals(PathState.RELATIVE, e.pathState());
            a.send();
            Events.assertNoBackendErrors(c, AuditProvider.NAME);
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
             Actor.Interactive a = new Actor.Interactive("openunlink", f.toString())) {
            g.hold();
            a.send();
            assertEquals("OK", a.line());
            g.close();
            FileOpenEvent e = Events.await(q, FileOpenEvent.class, x -> x.process().pid() == a.pid()
                    && x.file().inode() == ino);
            assertEquals(f.toString(), e.path());
            assertEquals(PathState.APPROXIMATE, e.pathState(), "cannot be checked against the file any more");
            a.send();
            Events.assertNoBackendErrors(c, AuditProvider.NAME);
        }
    }

    private static long inode(Path p) throws Exception {
        return ((Number) Files.getAttribute(p, "unix:ino")).longValue();
    }

    @Test
    void bindIpv4Ipv6AndUnix() throws Exception {
        Queue<Event> q = new ConcurrentLinkedQueue<>();
        try (Client c = EndpointSecurity.newClient(AuditControl.notify(EventKind.SOCKET_BIND).onEvent(q::add).build())) {
            Actor.Outcome v4 = Actor.outcome("bind4", "47311");
            Actor.Outcome v6 = Actor.outcome("bind6", "47312");
            Path sock = real.resolve("s ock");
            Actor.Outcome ux = Actor.outcome("bindunix", sock.toString());
            assertEquals("OK", v4.line());
            assertEquals("OK", v6.line());
            assertEquals("OK", ux.line());
            SocketBindEvent a = Events.await(q, SocketBindEvent.class, x -> x.process().pid() == v4.pid());
            assertEquals(2, a.family());
            assertEquals("127.0.0.1", a.address());
            assertEquals(47311, a.port());
            assertEquals(-1, a.socketType(), "audit does not report the socket type");
            SocketBindEvent b = Events.await(q, SocketBindEvent.class, x -> x.process().pid() == v6.pid());
            assertEquals(10, b.family());
            assertEquals("::", b.address(), "RFC 5952");
            assertEquals(47312, b.port());
            SocketBindEvent u = Events.await(q, SocketBindEvent.class, x -> x.process().pid() == ux.pid());
            assertEquals(1, u.family());
            assertEquals(sock.toString(), u.address());
            Events.assertNoBackendErrors(c, AuditProvider.NAME);
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
             Client c = EndpointSecurity.newClient(AuditControl.notify(EventKind.SOCKET_CONNECT).onEvent(q::add)
                     .build())) {
            int port6 = v6 != null ? v6.getLocalPort() : 47331; // no IPv6 loopback: the connect fails, and is reported
            Actor.Outcome a = Actor.outcome("connect4nb", "127.0.0.1", Integer.toString(v4.getLocalPort()));
            assertConnected(a.line());
            Actor.Outcome b = Actor.outcome("connect6nb", "::1", Integer.toString(port6));
            if (v6 != null) {
                assertConnected(b.line());
            }
            SocketConnectEvent e = Events.await(q, SocketConnectEvent.class, x -> x.process().pid() == a.pid());
            assertEquals(EventKind.SOCKET_CONNECT, e.kind());
            assertEquals(2, e.family());
            assertEquals("127.0.0.1", e.address());
            assertEquals(v4.getLocalPort(), e.port());
            assertEquals(-1, e.socketType());
            assertProcessFields(e.process(), a.pid());
            assertEquals(Actor.path().toString(), e.process().executable());
            SocketConnectEvent e6 = Events.await(q, SocketConnectEvent.class, x -> x.process().pid() == b.pid());
            assertEquals(10, e6.family());
            assertEquals("::1", e6.address(), "RFC 5952, not 0:0:0:0:0:0:0:1");
            assertEquals(port6, e6.port());
            int closed;
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
                closed = s.getLocalPort();
            }
            Actor.Outcome r = Actor.outcome("connect4nb", "127.0.0.1", Integer.toString(closed));
            assertTrue(r.line().equals("ECONNREFUSED") || r.line().equals("ENETUNREACH"), r.line());
            SocketConnectEvent re = Events.await(q, SocketConnectEvent.class, x -> x.process().pid() == r.pid());
            assertEquals(closed, re.port());
            Events.assertNoBackendErrors(c, AuditProvider.NAME);
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

    /**
     * Several binds, or connects, submitted in one io_uring_enter run inline and share its serial,
     * while the kernel keeps one socket address per syscall (the last one copied in): each event
     * gives its own operation's address, or none, never another's.
     */
    @Test
    void batchedUringBindsAndConnectsNeverShowAnotherOperationsAddress() throws Exception {
        boolean bindOp = Kernel.atLeast(6, 11); // IORING_OP_BIND
        Queue<Event> q = new ConcurrentLinkedQueue<>();
        try (Client c = EndpointSecurity.newClient(AuditControl.notify(EventKind.SOCKET_BIND, EventKind.SOCKET_CONNECT)
                .onEvent(q::add).build());
             ServerSocket l1 = new ServerSocket(0, 8, InetAddress.getByName("127.0.0.1"));
             ServerSocket l2 = new ServerSocket(0, 8, InetAddress.getByName("127.0.0.1"))) {
            List<Integer> connectPorts = List.of(l1.getLocalPort(), l2.getLocalPort());
            Actor.Outcome conn = Actor.outcome("uringbatch", "connect", connectPorts.get(0).toString(),
                    connectPorts.get(1).toString());
            assertConnected(conn.line());
            List<Integer> bindPorts = List.of(47341, 47342);
            Actor.Outcome bind = bindOp ? Actor.outcome("uringbatch", "bind", "47341", "47342") : null;
            if (bind != null) {
                assertEquals("OK", bind.line());
            }
            Actor.Outcome m = Actor.outcome("bind4", "0"); // a marker: what came before it was read
            Events.await(q, SocketBindEvent.class, x -> x.process().pid() == m.pid());
            List<SocketConnectEvent> connects = q.stream().filter(x -> x instanceof SocketConnectEvent
                    && x.process().pid() == conn.pid()).map(SocketConnectEvent.class::cast).toList();
            assertEquals(2, connects.size(), "one event per connect: " + q);
            assertOwnAddressOrNone(connects.stream().map(x -> new int[] {x.family(), x.port()}).toList(),
                    connects.stream().map(SocketConnectEvent::address).toList(), connectPorts);
            if (bind != null) {
                List<SocketBindEvent> binds = q.stream().filter(x -> x instanceof SocketBindEvent
                        && x.process().pid() == bind.pid()).map(SocketBindEvent.class::cast).toList();
                assertEquals(2, binds.size(), "one event per bind: " + q);
                assertOwnAddressOrNone(binds.stream().map(x -> new int[] {x.family(), x.port()}).toList(),
                        binds.stream().map(SocketBindEvent::address).toList(), bindPorts);
            }
            Events.assertNoBackendErrors(c, AuditProvider.NAME);
        }
    }

    /** Each (family, port) and address is the operation's own (each port at most once) or absent. */
    private static void assertOwnAddressOrNone(List<int[]> familyPort, List<String> addresses, List<Integer> ports) {
        List<Integer> given = new ArrayList<>();
        for (int i = 0; i < familyPort.size(); i++) {
            int family = familyPort.get(i)[0];
            int port = familyPort.get(i)[1];
            String what = "event " + i + ": family " + family + " " + addresses.get(i) + " port " + port;
            if (family == 0) {
                assertEquals(0, port, what);
                assertEquals("", addresses.get(i), what);
                continue;
            }
            assertEquals(2, family, what);
            assertEquals("127.0.0.1", addresses.get(i), what);
            assertTrue(ports.contains(port) && !given.contains(port), what + ", ports " + ports + ", given " + given);
            given.add(port);
        }
    }

    /** The start time comes from the process model (audit does not report it): /proc/PID/stat field 22. */
    @Test
    void processStartTimeIsTheProcesss() throws Exception {
        Queue<Event> q = new ConcurrentLinkedQueue<>();
        try (Client c = EndpointSecurity.newClient(AuditControl.notify(EventKind.SOCKET_BIND).onEvent(q::add).build());
             Actor.Interactive a = new Actor.Interactive("wait", "bind4", "0")) {
            long ticks = Kernel.startTicks(a.pid());
            assertTrue(ticks > 0);
            a.send();
            assertEquals("OK", a.line());
            SocketBindEvent e = Events.await(q, SocketBindEvent.class, x -> x.process().pid() == a.pid());
            assertEquals(ticks, e.process().startTimeTicks());
            assertTrue(e.process().id().isPresent(), "identity known");
            assertProcessFields(e.process(), a.pid());
            Events.assertNoBackendErrors(c, AuditProvider.NAME);
        }
    }

    @Test
    void uringCommandUringBindAndUringConnect() throws Exception {
        boolean sockets = Kernel.atLeast(6, 7);   // sockets accept uring commands
        boolean bindOp = Kernel.atLeast(6, 11);   // IORING_OP_BIND
        Queue<Event> q = new ConcurrentLinkedQueue<>();
        try (Client c = EndpointSecurity.newClient(AuditControl.notify(EventKind.URING_CMD, EventKind.SOCKET_BIND,
                EventKind.SOCKET_CONNECT).onEvent(q::add).build());
             Actor.Interactive cmd = new Actor.Interactive("uring")) {
            String r = cmd.go();
            assertEquals(sockets ? "OK" : "EOPNOTSUPP", r);
            if (sockets) {
                UringCmdEvent e = Events.await(q, UringCmdEvent.class, x -> x.process().pid() == cmd.pid());
                assertEquals(AuditRawEvent.UNKNOWN_OP, e.commandOp(), "audit does not report the op");
                assertTrue(e.process().executable().endsWith("/actor"), e.process().executable());
            }
            try (Actor.Interactive bind = new Actor.Interactive("uringbind", "47313")) {
                String rb = bind.go();
                assertEquals(bindOp ? "OK" : "EINVAL", rb);
                if (bindOp) {
                    SocketBindEvent e = Events.await(q, SocketBindEvent.class, x -> x.process().pid() == bind.pid());
                    assertEquals(2, e.family());
                    assertEquals("127.0.0.1", e.address());
                    assertEquals(47313, e.port());
                }
            }
            try (ServerSocket s = new ServerSocket(0, 8, InetAddress.getByName("127.0.0.1"));
                 Actor.Interactive conn = new Actor.Interactive("uringconnect",
                         Integer.toString(s.getLocalPort()))) {
                assertConnected(conn.go());
                SocketConnectEvent e = Events.await(q, SocketConnectEvent.class, x -> x.process().pid() == conn.pid());
                assertEquals("127.0.0.1", e.address());
                assertEquals(s.getLocalPort(), e.port());
                // an in-progress first attempt ends in EAGAIN and is retried: one connect, one event
                Actor.Outcome m = Actor.outcome("bind4", "0");
                Events.await(q, SocketBindEvent.class, x -> x.process().pid() == m.pid());
                assertEquals(1, q.stream().filter(x -> x instanceof SocketConnectEvent
                        && x.process().pid() == conn.pid()).count(), "events: " + q);
            }
            Events.assertNoBackendErrors(c, AuditProvider.NAME);
        }
    }
}
