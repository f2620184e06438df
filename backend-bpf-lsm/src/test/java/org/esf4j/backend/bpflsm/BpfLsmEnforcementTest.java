package org.esf4j.backend.bpflsm;

import static org.esf4j.testsuite.Actor.act;
import static org.esf4j.testsuite.Kernel.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.esf4j.api.Client;
import org.esf4j.api.ClientConfig;
import org.esf4j.api.EndpointSecurity;
import org.esf4j.api.Event;
import org.esf4j.api.EventKind;
import org.esf4j.api.EventType;
import org.esf4j.api.ExecEvent;
import org.esf4j.api.FileOpenEvent;
import org.esf4j.api.Mode;
import org.esf4j.api.MuteRule;
import org.esf4j.api.PathState;
import org.esf4j.api.PolicyRule;
import org.esf4j.api.ProcessId;
import org.esf4j.api.ProcessInfo;
import org.esf4j.api.Rule;
import org.esf4j.api.SocketBindEvent;
import org.esf4j.api.SocketConnectEvent;
import org.esf4j.api.UringCmdEvent;
import org.esf4j.api.Verdict;
import org.esf4j.api.VerdictReason;
import org.esf4j.spi.nativeio.Fcntl;
import org.esf4j.testsuite.Actor;
import org.esf4j.testsuite.Events;
import org.esf4j.testsuite.Kernel;
import org.esf4j.testsuite.Witness;
import org.esf4j.testsuite.Tmpfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * BPF LSM against the real kernel (CI: inside the Debian 6.1 and 6.12 guests): rules decide in
 * the kernel, another process sees EPERM exactly where denied, and the decided events arrive
 * with the kernel's verdict.
 */
class BpfLsmEnforcementTest {

    /** A decided event as the decision callback saw it. */
    record Decision(Event event, Verdict verdict) {
    }

    @RegisterExtension
    final Tmpfs.PerTest tmpfs = Tmpfs.perTest(new BpfLsmProvider());
    private final List<Decision> decisions = new CopyOnWriteArrayList<>();



    private ClientConfig.Builder auth(EventType... types) {
        ClientConfig.Builder b = ClientConfig.builder().onDecision((e, v) -> decisions.add(new Decision(e, v)));
        for (EventType t : types) {
            b.subscribe(t, Mode.AUTH);
        }
        Events.muteAncestors().forEach(b::mute);
        return b;
    }

    private Decision decisionFor(java.util.function.Predicate<Event> p) throws InterruptedException {
        assertTrue(await(() -> decisions.stream().anyMatch(d -> p.test(d.event)), 30), "no decision matched in " + decisions);
        return decisions.stream().filter(d -> p.test(d.event)).findFirst().orElseThrow();
    }

    private static boolean execOf(Event e, Path p) {
        return e instanceof ExecEvent x && x.executable().equals(p.toString());
    }

    private static boolean openOf(Event e, Path p) {
        return e instanceof FileOpenEvent x && x.path().equals(p.toString());
    }

    @Test
    void execDeniedByRuleAndAllowedOtherwise() throws Exception {
        Path denied = tmpfs.executableCopy("denied-true", Path.of("/bin/true"));
        Path allowed = tmpfs.executableCopy("allowed-true", Path.of("/bin/true"));
        try (Client c = EndpointSecurity.newClient(auth(EventType.EXEC).policy(PolicyRule.denyExec(denied.toString())).build())) {
            assertEquals("bpf-lsm", c.routes().get(EventType.EXEC));
            assertEquals("EPERM", act("exec", denied.toString()));
            assertEquals("exit=0", act("exec", allowed.toString()));
            Decision d = decisionFor(e -> execOf(e, denied));
            assertFalse(d.verdict.isAllowed());
            assertEquals(VerdictReason.KERNEL_POLICY, d.verdict.reason());
            assertTrue(d.event.header().process().executable().endsWith("/actor"), d.toString());
            assertTrue(d.event.header().kernelTimeNanos() > 0);
            ExecEvent x = (ExecEvent) d.event;
            assertEquals(Files.getAttribute(denied, "unix:ino"), x.file().inode());
            assertTrue(decisionFor(e -> execOf(e, allowed)).verdict.isAllowed());
        }
    }

    @Test
    void openDeniedUnderADirectoryAndAllowedElsewhere() throws Exception {
        Path secret = tmpfs.file("secret/deep/a.txt", "secret");
        Path open = tmpfs.file("public.txt", "public");
        try (Client c = EndpointSecurity.newClient(auth(EventType.FILE_OPEN)
                .policy(PolicyRule.denyOpen(tmpfs.dir().resolve("secret").toString())).build())) {
            assertEquals("EPERM", act("open", secret.toString()));
            assertEquals("OK", act("open", open.toString()));
            Decision d = decisionFor(e -> openOf(e, secret));
            assertFalse(d.verdict.isAllowed());
            assertEquals(VerdictReason.KERNEL_POLICY, d.verdict.reason());
            assertTrue(decisionFor(e -> openOf(e, open)).verdict.isAllowed());
        }
    }

    /**
     * An open's flags are the call's, O_CLOEXEC included: the kernel keeps that one for the
     * descriptor and has taken it out of the file's flags before the hook runs.
     */
    @Test
    void openFlagsAreTheCallsWithCloseOnExec() throws Exception {
        Path file = tmpfs.file("flags/appended.txt", "x");
        Path dir = file.getParent();
        Path program = tmpfs.executableCopy("flags/true", Path.of("/bin/true"));
        try (Client c = EndpointSecurity.newClient(auth(EventType.FILE_OPEN).build())) {
            assertEquals("OK", act("write", file.toString())); // O_WRONLY | O_APPEND | O_CLOEXEC
            assertEquals("exit=0", act("execveat9", dir.toString(), program.getFileName().toString())); // O_RDONLY | O_DIRECTORY
            int accmode = 3;
            int append = 0x400;
            int written = ((FileOpenEvent) decisionFor(e -> openOf(e, file)).event).openFlags();
            assertEquals(Fcntl.O_WRONLY | append | Fcntl.O_CLOEXEC, written & (accmode | append | Fcntl.O_CLOEXEC),
                    Integer.toHexString(written));
            int listed = ((FileOpenEvent) decisionFor(e -> openOf(e, dir)).event).openFlags();
            assertEquals(Fcntl.O_DIRECTORY, listed & (accmode | Fcntl.O_DIRECTORY | Fcntl.O_CLOEXEC),
                    Integer.toHexString(listed));
        }
    }

    /**
     * A file's identity is the one stat(2) shows, or absent: on an overlay of two file systems
     * (without xino) stat shows a file under its layer's device while the hook sees the overlay's
     * own superblock.
     */
    @Test
    void fileIdentityIsTheOneStatShowsOrAbsent() throws Exception {
        Path plain = tmpfs.file("plain.txt", "x");
        tmpfs.file("lower/layered.txt", "x");
        Path other = Files.createDirectories(tmpfs.dir().resolve("other"));
        Path merged = Files.createDirectories(tmpfs.dir().resolve("merged"));
        Kernel.run(List.of("mount", "-t", "tmpfs", "esf4j-test-upper", other.toString()));
        try {
            Files.createDirectories(other.resolve("upper"));
            Files.createDirectories(other.resolve("work"));
            Kernel.run(List.of("mount", "-t", "overlay", "esf4j-test-overlay", "-o", "xino=off,lowerdir="
                    + tmpfs.dir().resolve("lower") + ",upperdir=" + other.resolve("upper") + ",workdir="
                    + other.resolve("work"), merged.toString()));
            try (Client c = EndpointSecurity.newClient(auth(EventType.FILE_OPEN).build())) {
                Path layered = merged.resolve("layered.txt");
                assertEquals("OK", act("open", layered.toString()));
                assertEquals("OK", act("open", plain.toString()));
                FileOpenEvent o = (FileOpenEvent) decisionFor(e -> openOf(e, layered)).event;
                assertTrue(!Files.getAttribute(layered, "unix:dev").equals(Files.getAttribute(merged, "unix:dev")),
                        "stat shows the layer's device, not the overlay's");
                assertEquals(org.esf4j.api.FileId.UNKNOWN, o.file());
                FileOpenEvent p = (FileOpenEvent) decisionFor(e -> openOf(e, plain)).event;
                assertEquals(Files.getAttribute(plain, "unix:dev"), p.file().device());
                assertEquals(Files.getAttribute(plain, "unix:ino"), p.file().inode());
            } finally {
                Kernel.run(List.of("umount", merged.toString()));
            }
        } finally {
            Kernel.run(List.of("umount", "-l", other.toString()));
        }
    }

    @Test
    void bindToADeniedPortFailsWithEperm() throws Exception {
        try (Client c = EndpointSecurity.newClient(auth(EventType.SOCKET_BIND)
                .policy(PolicyRule.denyBind(0, 40000, 40010)).build())) {
            assertEquals("EPERM", act("bind4", "40005"));
            assertEquals("EPERM", act("bind6", "40010"));
            assertEquals("OK", act("bind4", "40011"));
            assertEquals("OK", act("bindunix", tmpfs.dir().resolve("sock").toString()));
            Decision v4 = decisionFor(e -> e instanceof SocketBindEvent b && b.port() == 40005);
            SocketBindEvent b4 = (SocketBindEvent) v4.event;
            assertFalse(v4.verdict.isAllowed());
            assertEquals(2, b4.family());
            assertEquals("127.0.0.1", b4.address());
            assertEquals(1, b4.socketType()); // SOCK_STREAM
            SocketBindEvent b6 = (SocketBindEvent) decisionFor(e -> e instanceof SocketBindEvent b && b.port() == 40010).event;
            assertEquals(10, b6.family());
            assertEquals("::", b6.address());
            assertTrue(decisionFor(e -> e instanceof SocketBindEvent b && b.port() == 40011).verdict.isAllowed());
            Decision unix = decisionFor(e -> e instanceof SocketBindEvent b && b.family() == 1);
            assertTrue(unix.verdict.isAllowed());
            assertEquals(tmpfs.dir().resolve("sock").toString(), ((SocketBindEvent) unix.event).address());
        }
    }

    /**
     * Connect rules by network and port range per family, decided in the kernel before the
     * connect is attempted: a real process gets EPERM where denied; elsewhere the connect goes on
     * (to a listener, or refused by the network stack where nothing listens). The listeners are
     * actors.
     */
    @Test
    void connectDeniedByNetworkAndPortPerFamily() throws Exception {
        try (Actor.Interactive v4 = new Actor.Interactive("listen", "127.0.0.1", "40120");
             Actor.Interactive v6 = new Actor.Interactive("listen", "::1", "40120");
             Client c = EndpointSecurity.newClient(auth().subscribe(EventKind.SOCKET_CONNECT, Mode.AUTH)
                     .rule(Rule.denyConnect("127.0.0.0/24", 40100, 40110))
                     .rule(Rule.denyConnect("::1", 40100, 40110)).build())) {
            assertEquals("bpf-lsm", c.routesByKind().get(EventKind.SOCKET_CONNECT));
            assertEquals("EPERM", act("connect4", "127.0.0.9", "40105"));
            assertEquals("EPERM", act("connect6", "::1", "40110"));
            assertEquals("EPERM", act("connect6", "::ffff:127.0.0.1", "40100"), "an IPv4-mapped address: the IPv4 rule");
            assertEquals("ECONNREFUSED", act("connect4", "127.0.1.1", "40105"), "outside the network");
            assertEquals("ECONNREFUSED", act("connect6", "::1", "40111"), "outside the ports");
            assertEquals("OK", act("connect6", "::1", "40120"));
            Decision d4 = decisionFor(e -> e instanceof SocketConnectEvent x && x.port() == 40105
                    && x.address().equals("127.0.0.9"));
            assertFalse(d4.verdict.isAllowed());
            assertEquals(VerdictReason.KERNEL_POLICY, d4.verdict.reason());
            SocketConnectEvent e4 = (SocketConnectEvent) d4.event;
            assertEquals(2, e4.family());
            assertEquals(1, e4.socketType()); // SOCK_STREAM
            SocketConnectEvent e6 = (SocketConnectEvent) decisionFor(e -> e instanceof SocketConnectEvent x
                    && x.port() == 40110).event;
            assertEquals(10, e6.family());
            assertEquals("::1", e6.address());
            Decision mapped = decisionFor(e -> e instanceof SocketConnectEvent x && x.port() == 40100);
            assertFalse(mapped.verdict.isAllowed());
            assertEquals(10, ((SocketConnectEvent) mapped.event).family());
            assertEquals("::ffff:127.0.0.1", ((SocketConnectEvent) mapped.event).address());
            assertTrue(decisionFor(e -> e instanceof SocketConnectEvent x && x.address().equals("127.0.1.1"))
                    .verdict.isAllowed());
            assertTrue(decisionFor(e -> e instanceof SocketConnectEvent x && x.port() == 40111).verdict.isAllowed());
            assertTrue(decisionFor(e -> e instanceof SocketConnectEvent x && x.port() == 40120 && x.family() == 10)
                    .verdict.isAllowed());

            // the acting process as the kernel saw it at the hook, checked against /proc
            try (Actor.Interactive a = new Actor.Interactive("wait", "connect4", "127.0.0.1", "40120")) {
                ProcFacts facts = ProcFacts.of(a.pid());
                long before = System.nanoTime();
                assertEquals("OK", a.go());
                long after = System.nanoTime();
                Decision d = decisionFor(e -> e instanceof SocketConnectEvent x && x.process().pid() == a.pid());
                assertTrue(d.verdict.isAllowed());
                SocketConnectEvent x = (SocketConnectEvent) d.event;
                assertEquals("127.0.0.1", x.address());
                assertEquals(40120, x.port());
                long t = x.header().kernelTimeNanos();
                assertTrue(t >= before && t <= after, "kernel time " + t + " not within [" + before + ", " + after + "]");
                facts.check(x.process(), Actor.path().toString());
            }
        }
    }

    /** What /proc says of a live process, to compare an event's process with. */
    record ProcFacts(long pid, int ppid, long start, long parentStart, int[] uids, int[] gids, List<String> argv,
                     long cgroupId) {

        static ProcFacts of(long pid) throws Exception {
            String[] stat = statFields(pid);
            int ppid = Integer.parseInt(stat[1]);
            String status = Files.readString(Path.of("/proc/" + pid + "/status"));
            String cmdline = Files.readString(Path.of("/proc/" + pid + "/cmdline"), StandardCharsets.UTF_8);
            return new ProcFacts(pid, ppid, Long.parseLong(stat[19]), Long.parseLong(statFields(ppid)[19]),
                    ids(status, "Uid:"), ids(status, "Gid:"), List.of(cmdline.split("\0")), Kernel.cgroupId(pid));
        }

        /** The fields of /proc/PID/stat after the comm: [0] is the state (field 3). */
        private static String[] statFields(long pid) throws Exception {
            String s = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return s.substring(s.lastIndexOf(')') + 2).split(" ");
        }

        private static int[] ids(String status, String key) {
            String line = status.lines().filter(l -> l.startsWith(key)).findFirst().orElseThrow();
            String[] v = line.substring(key.length()).trim().split("\\s+");
            return new int[] {Integer.parseInt(v[0]), Integer.parseInt(v[1])};
        }

        void check(ProcessInfo p, String executable) throws Exception {
            assertEquals(pid, p.pid());
            assertEquals(pid, p.tid());
            assertEquals(ppid, p.ppid());
            assertEquals(ProcessHandle.current().pid(), ppid);
            assertEquals(uids[0], p.uid());
            assertEquals(uids[1], p.euid());
            assertEquals(gids[0], p.gid());
            assertEquals(gids[1], p.egid());
            assertEquals("actor", p.comm());
            assertEquals(executable, p.executable());
            assertEquals(start, p.startTimeTicks());
            String boot = Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).trim();
            assertEquals(new ProcessId(boot, (int) pid, start), p.id().orElseThrow());
            assertEquals(new ProcessId(boot, ppid, parentStart), p.parentId().orElseThrow());
            assertEquals(cgroupId, p.cgroupId());
            assertTrue(p.argv().isEmpty() || p.argv().equals(argv), p.argv() + " vs " + argv);
        }
    }

    /** bprm_check_security runs per binfmt pass; a script's exec is still one event, with its interpreter. */
    @Test
    void execOfAScriptIsOneEventWithItsInterpreter() throws Exception {
        Path script = tmpfs.file("script.sh", "#!  /bin/sh -e\nexit 0\n");
        script.toFile().setExecutable(true, false);
        Path elf = tmpfs.executableCopy("elf-true", Path.of("/bin/true"));
        Path sh = tmpfs.executableCopy("denied-sh", Path.of("/bin/sh"));
        Path usesDenied = tmpfs.file("uses-denied.sh", "#!" + sh + "\nexit 0\n");
        usesDenied.toFile().setExecutable(true, false);
        try (Client c = EndpointSecurity.newClient(auth(EventType.EXEC).policy(PolicyRule.denyExec(sh.toString()))
                .build())) {
            assertEquals("exit=0", act("exec", script.toString()));
            Decision d = decisionFor(e -> execOf(e, script));
            ExecEvent x = (ExecEvent) d.event;
            assertEquals("/bin/sh", x.interpreter());
            assertEquals(PathState.EXACT, x.executableState());
            assertEquals(List.of(), x.argv());
            assertEquals(org.esf4j.api.Accuracy.UNKNOWN, x.argvAccuracy());
            assertEquals("exit=0", act("exec", elf.toString()));
            ExecEvent y = (ExecEvent) decisionFor(e -> execOf(e, elf)).event;
            assertEquals(Witness.interpreter(elf), y.interpreter());
            Thread.sleep(1000); // room for an event of the interpreter's pass, were there one
            // the execs of that execve call: by the actor's process (before it, the same pid ran
            // the JVM's spawn helper, which exec'd the actor)
            int pid = x.process().pid();
            String actor = x.process().executable();
            assertEquals(Actor.path().toString(), actor);
            assertEquals(1, decisions.stream().filter(e -> e.event instanceof ExecEvent && e.event.process().pid() == pid
                    && e.event.process().executable().equals(actor)).count(), decisions.toString());

            // a denied interpreter: the script's pass is reported as usual, the interpreter's pass as the denial
            assertEquals("EPERM", act("exec", usesDenied.toString()));
            ExecEvent first = (ExecEvent) decisionFor(e -> execOf(e, usesDenied)).event;
            assertEquals(sh.toString(), first.interpreter());
            Decision denial = decisionFor(e -> execOf(e, sh));
            assertFalse(denial.verdict.isAllowed());
            assertEquals(VerdictReason.KERNEL_POLICY, denial.verdict.reason());
            assertEquals(first.process().pid(), denial.event.process().pid());
        }
    }

    /** bpf_d_path's " (deleted)" is removed and the path marked: an unlinked file opened again. */
    @Test
    void openOfAnUnlinkedFileIsMarkedDeleted() throws Exception {
        Path f = tmpfs.file("gone.txt", "x");
        long ino = (Long) Files.getAttribute(f, "unix:ino");
        try (Client c = EndpointSecurity.newClient(auth(EventType.FILE_OPEN).build())) {
            assertEquals("OK", act("reopendeleted", f.toString()));
            FileOpenEvent gone = (FileOpenEvent) decisionFor(e -> e instanceof FileOpenEvent o
                    && o.pathState() == PathState.DELETED && o.file().inode() == ino).event;
            assertEquals(f.toString(), gone.path());
            FileOpenEvent before = (FileOpenEvent) decisionFor(e -> openOf(e, f) && ((FileOpenEvent) e).pathState()
                    == PathState.EXACT).event;
            assertEquals(ino, before.file().inode());
            assertTrue(decisions.stream().noneMatch(d -> d.event instanceof FileOpenEvent o && o.path().contains(" (deleted)")),
                    decisions.toString());
        }
    }

    /**
     * Sockets accept io_uring commands (SOCKET_URING_OP_*) from 6.7 on. Before, io_uring refuses
     * the command with EOPNOTSUPP before the LSM hook runs, so the hook sees nothing.
     */
    @Test
    void uringCommandOnASocket() throws Exception {
        boolean socketsTakeCommands = Kernel.atLeast(6, 7);
        try (Client c = EndpointSecurity.newClient(auth(EventType.URING_CMD).build())) {
            try (Actor.Interactive a = new Actor.Interactive("uring")) {
                assertEquals(socketsTakeCommands ? "OK" : "EOPNOTSUPP", a.go());
                if (!socketsTakeCommands) {
                    Thread.sleep(1000);
                    assertTrue(decisions.stream().noneMatch(d -> d.event.header().process().pid() == a.pid()), decisions.toString());
                    return;
                }
                Decision d = decisionFor(e -> e instanceof UringCmdEvent u && u.header().process().pid() == a.pid());
                assertTrue(d.verdict.isAllowed());
                assertEquals(0, ((UringCmdEvent) d.event).commandOp());
            }
            try (Actor.Interactive a = new Actor.Interactive("uring")) {
                String[] ready = a.ready.split(" "); // READY pid fd
                c.updatePolicy(List.of(PolicyRule.denyUringCmd("/proc/" + ready[1] + "/fd/" + ready[2], 0)));
                assertEquals("EPERM", a.go());
                Decision d = decisionFor(e -> e instanceof UringCmdEvent u && u.header().process().pid() == a.pid());
                assertFalse(d.verdict.isAllowed());
                assertEquals(VerdictReason.KERNEL_POLICY, d.verdict.reason());
            }
        }
    }

    /**
     * A handler's cached verdict on a uring command is decided in the kernel next time. Sockets
     * take uring commands from 6.7 on; before, the command fails before the hook (see above).
     */
    @Test
    void cachedUringVerdictsAreDecidedInTheKernel() throws Exception {
        boolean socketsTakeCommands = Kernel.atLeast(6, 7);
        AtomicInteger calls = new AtomicInteger();
        AtomicLong actor = new AtomicLong(-1);
        ClientConfig.Builder b = auth(EventType.URING_CMD).authorizationHandler(r -> {
            if (r.event().header().process().pid() == actor.get()) {
                calls.incrementAndGet();
                return Verdict.deny().cached();
            }
            return Verdict.allow();
        });
        try (Actor.Interactive a = new Actor.Interactive("uring", "3");
             Client c = EndpointSecurity.newClient(b.build())) {
            actor.set(a.pid());
            if (!socketsTakeCommands) {
                assertEquals("EOPNOTSUPP", a.step());
                return;
            }
            // no rule: the kernel lets the first one through; the cached deny is for the next ones
            assertEquals("OK", a.step());
            assertTrue(await(() -> c.stats().backends().get("bpf-lsm").kernelCacheEntries() >= 1, 30), c.stats().toString());
            assertEquals("EPERM", a.step());
            assertEquals("EPERM", a.step());
            assertEquals(1, calls.get());
            assertTrue(await(() -> decisions.stream().anyMatch(d -> d.event instanceof UringCmdEvent u
                    && u.process().pid() == a.pid() && d.verdict.reason() == VerdictReason.CACHE
                    && !d.verdict.isAllowed()), 30), decisions.toString());
        }
    }

    @Test
    void mutedProcessesAndExecutablesRaiseNoEventsButStayUnderPolicy() throws Exception {
        Path secret = tmpfs.file("secret.txt", "s");
        Path open = tmpfs.file("open.txt", "o");
        try (Actor.Interactive byPid = new Actor.Interactive("burst", open.toString(), "1")) {
            ClientConfig.Builder b = auth(EventType.FILE_OPEN).policy(PolicyRule.denyOpen(secret.toString()))
                    .mute(MuteRule.process((int) byPid.pid()));
            try (Client c = EndpointSecurity.newClient(b.build())) {
                assertEquals("OK", byPid.go());
                assertEquals("EPERM", act("open", secret.toString())); // not muted: reported
                decisionFor(e -> openOf(e, secret));
            }
            long muted = decisions.stream().filter(d -> d.event.header().process().pid() == byPid.pid()).count();
            assertEquals(0, muted, decisions.toString());
        }
        decisions.clear();
        // the executable on the test's tmpfs: the kernel mutes by the inode the path names (on an
        // overlay the running image is the underlying file, which only the engine's path match sees)
        Path actor = tmpfs.executableCopy("muted-actor", Actor.path());
        ClientConfig.Builder b = auth(EventType.FILE_OPEN).policy(PolicyRule.denyOpen(secret.toString()))
                .mute(MuteRule.executable(actor.toString()));
        try (Client c = EndpointSecurity.newClient(b.build())) {
            assertEquals("OK", Actor.run(actor, "open", open.toString()).line());
            assertEquals("EPERM", Actor.run(actor, "open", secret.toString()).line()); // muting never lifts a rule
            Decision d = decisionFor(e -> openOf(e, secret)); // and a denial is still reported
            assertFalse(d.verdict.isAllowed());
            Thread.sleep(500);
            // muted in the kernel: not even a MUTED decision reaches the engine
            assertTrue(decisions.stream().noneMatch(x -> openOf(x.event, open)), decisions.toString());
        }
    }

    @Test
    void cachedVerdictsAreDecidedInTheKernelUntilTheFileChanges() throws Exception {
        Path target = tmpfs.file("cached.txt", "v1");
        AtomicInteger calls = new AtomicInteger();
        ClientConfig.Builder b = auth(EventType.FILE_OPEN).authorizationHandler(r -> {
            if (r.event() instanceof FileOpenEvent f && f.path().equals(target.toString())) {
                calls.incrementAndGet();
                return Verdict.deny().cached();
            }
            return Verdict.allow();
        });
        try (Client c = EndpointSecurity.newClient(b.build())) {
            // no rule yet: the kernel lets this one through; the cached deny is for the next ones
            assertEquals("OK", act("open", target.toString()));
            assertTrue(await(() -> c.stats().backends().get("bpf-lsm").kernelCacheEntries() >= 1, 30), c.stats().toString());
            assertEquals("EPERM", act("open", target.toString()));
            assertEquals("EPERM", act("open", target.toString()));
            assertEquals(1, calls.get());
            Decision d = decisions.stream().filter(x -> openOf(x.event, target) && x.verdict.reason() == VerdictReason.CACHE)
                    .findFirst().orElseThrow(() -> new AssertionError("no cache decision in " + decisions));
            assertFalse(d.verdict.isAllowed());
            Files.writeString(target, "v2"); // new change time: the entry no longer matches
            assertEquals("OK", act("open", target.toString()));
            assertTrue(await(() -> calls.get() == 2, 30), "handler calls: " + calls.get());
        }
    }

    @Test
    void rulesChangeAtRunTimeWithoutReloading() throws Exception {
        Path a = tmpfs.executableCopy("a-true", Path.of("/bin/true"));
        Path b = tmpfs.executableCopy("b-true", Path.of("/bin/true"));
        try (Client c = EndpointSecurity.newClient(auth(EventType.EXEC).policy(PolicyRule.denyExec(a.toString())).build())) {
            assertEquals("EPERM", act("exec", a.toString()));
            assertEquals("exit=0", act("exec", b.toString()));
            c.updatePolicy(List.of(PolicyRule.denyExec(b.toString())));
            assertEquals("exit=0", act("exec", a.toString()));
            assertEquals("EPERM", act("exec", b.toString()));
            // a rule binds to the file its path names: a path that does not exist is refused
            IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                    () -> c.updatePolicy(List.of(PolicyRule.denyExec(tmpfs.dir().resolve("missing").toString()))));
            assertTrue(bad.getMessage().contains("missing"), bad.getMessage());
            assertEquals("EPERM", act("exec", b.toString())); // the old rules stay in force
        }
        assertEquals("exit=0", act("exec", b.toString())); // close removed the programs
    }

    /**
     * Binds, because nothing else in the machine binds during the test: the drop counts are per
     * hook, and a burst of opens would share the file_open counter with every other process.
     */
    @Test
    void dropsAreCountedAndMatchTheEventsLost() throws Exception {
        int burst = 200;
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger seen = new AtomicInteger();
        AtomicLong dropped = new AtomicLong();
        AtomicLong actorPid = new AtomicLong(-1);
        ClientConfig.Builder b = ClientConfig.builder().subscribe(EventType.SOCKET_BIND, Mode.NOTIFY)
                .handlerThread(ClientConfig.HandlerThread.READER)
                .backendOption(BpfLsmProvider.OPTION_RING_BYTES, "4096") // room for 4 records
                .eventHandler(e -> {
                    if (e.header().process().pid() == actorPid.get() && seen.incrementAndGet() == 1) {
                        try {
                            release.await(60, TimeUnit.SECONDS); // the reader stops: the ring fills
                        } catch (InterruptedException x) {
                            Thread.currentThread().interrupt();
                        }
                    }
                })
                .dropHandler(n -> dropped.addAndGet(n.count()));
        Events.muteAncestors().forEach(b::mute);
        try (Actor.Interactive a = new Actor.Interactive("bindburst", Integer.toString(burst));
             Client c = EndpointSecurity.newClient(b.build())) {
            actorPid.set(a.pid());
            assertEquals("OK", a.go());
            release.countDown();
            assertTrue(await(() -> seen.get() + dropped.get() >= burst, 30),
                    "seen " + seen.get() + " + dropped " + dropped.get() + " < " + burst);
            Thread.sleep(300);
            assertTrue(dropped.get() > 0, "nothing was dropped: the ring buffer did not fill");
            assertEquals(burst, seen.get() + dropped.get(), "seen " + seen.get() + ", dropped " + dropped.get());
        }
    }

    @Test
    void enforcementIsRemovedOnCloseByDefaultAndKeptWhenPinned() throws Exception {
        Path a = tmpfs.executableCopy("pinned-true", Path.of("/bin/true"));
        try (Client c = EndpointSecurity.newClient(auth(EventType.EXEC).policy(PolicyRule.denyExec(a.toString())).build())) {
            assertEquals("EPERM", act("exec", a.toString()));
        }
        assertEquals("exit=0", act("exec", a.toString()));

        assertTrue(Files.isDirectory(Path.of("/sys/fs/bpf")), "no bpffs at /sys/fs/bpf");
        Path pins = Path.of("/sys/fs/bpf", "esf4j-test-" + ProcessHandle.current().pid());
        try {
            try (Client c = EndpointSecurity.newClient(auth(EventType.EXEC).policy(PolicyRule.denyExec(a.toString()))
                    .backendOption(BpfLsmProvider.OPTION_PIN_DIR, pins.toString()).build())) {
                assertEquals("EPERM", act("exec", a.toString()));
            }
            assertEquals("EPERM", act("exec", a.toString()), "the pinned program and rule outlive the client");
            assertTrue(Files.exists(pins.resolve("link_esf4j_exec")));
        } finally {
            BpfLsmProvider.unpin(pins);
        }
        assertFalse(Files.exists(pins));
        // the kernel frees unpinned sleepable programs after an RCU grace period, not at once
        long end = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
        String last;
        while (!(last = act("exec", a.toString())).equals("exit=0") && System.nanoTime() < end) {
            Thread.sleep(200);
        }
        assertEquals("exit=0", last, "the unpinned programs were detached");
        System.out.printf("unpinned programs detached within %d ms%n",
                java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - end) + 60_000);
    }

    /**
     * A client with the pin directory of an earlier one takes its enforcement over: the new
     * client's rules replace the pinned ones, its reader gets the events, and on close its rules
     * stay pinned in their turn.
     */
    @Test
    void aClientWithTheSamePinDirectoryTakesOver() throws Exception {
        Path a = tmpfs.executableCopy("takeover-a", Path.of("/bin/true"));
        Path b = tmpfs.executableCopy("takeover-b", Path.of("/bin/true"));
        Path pins = Path.of("/sys/fs/bpf", "esf4j-takeover-" + ProcessHandle.current().pid());
        try {
            try (Client c = EndpointSecurity.newClient(auth(EventType.EXEC).policy(PolicyRule.denyExec(a.toString()))
                    .backendOption(BpfLsmProvider.OPTION_PIN_DIR, pins.toString()).build())) {
                assertEquals("EPERM", act("exec", a.toString()));
            }
            assertEquals("EPERM", act("exec", a.toString()), "pinned");
            decisions.clear();
            try (Client c = EndpointSecurity.newClient(auth(EventType.EXEC).policy(PolicyRule.denyExec(b.toString()))
                    .backendOption(BpfLsmProvider.OPTION_PIN_DIR, pins.toString()).build())) {
                assertEquals("exit=0", act("exec", a.toString()), "the earlier client's rule is gone");
                assertEquals("EPERM", act("exec", b.toString()), "the new client's rule holds");
                Decision d = decisionFor(e -> execOf(e, b));
                assertFalse(d.verdict.isAllowed(), "the new client's reader gets the events");
                assertEquals(VerdictReason.KERNEL_POLICY, d.verdict.reason());
            }
            assertEquals("EPERM", act("exec", b.toString()), "the new client's rule stays pinned");
            assertEquals("exit=0", act("exec", a.toString()));
        } finally {
            BpfLsmProvider.unpin(pins);
        }
    }

    /**
     * The library's own process is muted in the kernel, and still held to the policy: its open of
     * a denied file fails, and its other opens reach no handler.
     */
    @Test
    void theLibrarysOwnProcessIsMutedButHeldToThePolicy() throws Exception {
        Path secret = tmpfs.file("own-secret", "s");
        Path free = tmpfs.file("own-free", "f");
        java.util.concurrent.atomic.AtomicInteger handled = new java.util.concurrent.atomic.AtomicInteger();
        try (Client c = EndpointSecurity.newClient(auth(EventType.FILE_OPEN).policy(PolicyRule.denyOpen(secret.toString()))
                .authorizationHandler(r -> {
                    if (r.event().process().pid() == ProcessHandle.current().pid()) {
                        handled.incrementAndGet();
                    }
                    return Verdict.allow();
                }).build())) {
            java.nio.file.FileSystemException e = org.junit.jupiter.api.Assertions.assertThrows(
                    java.nio.file.FileSystemException.class, () -> Files.readString(secret));
            assertTrue(String.valueOf(e.getReason()).contains("Operation not permitted"), e.toString());
            assertEquals("f", Files.readString(free));
            assertEquals("OK", act("open", free.toString())); // another process: decided, and seen
            decisionFor(x -> openOf(x, free) && x.header().process().pid() != ProcessHandle.current().pid());
            assertEquals(0, handled.get(), "no event of the library's own process reached the handler");
            assertTrue(decisions.stream().noneMatch(d -> openOf(d.event, free)
                    && d.event.header().process().pid() == ProcessHandle.current().pid()), decisions.toString());
        }
    }
}
