/*
 * SPDX-License-Identifier: Apache-2.0
 */
package org.esf4j.backend.tsem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.esf4j.api.BackendStatus;
import org.esf4j.api.Client;
import org.esf4j.api.ClientConfig;
import org.esf4j.api.DecisionClass;
import org.esf4j.api.EndpointSecurity;
import org.esf4j.api.Esf4jException;
import org.esf4j.api.Event;
import org.esf4j.api.EventKind;
import org.esf4j.api.ExecEvent;
import org.esf4j.api.FileOpenEvent;
import org.esf4j.api.GenericEvent;
import org.esf4j.api.Mode;
import org.esf4j.api.ReasonCode;
import org.esf4j.api.SocketBindEvent;
import org.esf4j.api.Verdict;
import org.esf4j.spi.ProbeResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The backend against the emulator: real processes that really wait in the kernel until the
 * backend writes their release, in both command syntaxes.
 */
class TsemBackendTest {

    private static Client client(List<Event> events, java.util.function.Function<Event, Verdict> decide,
                                 Duration deadline, EventKind... kinds) {
        ClientConfig.Builder b = ClientConfig.builder();
        for (EventKind k : kinds) {
            b.subscribe(k, Mode.AUTH).pinBackend(k, TsemProvider.NAME);
        }
        b.onAuthorization(req -> {
            events.add(req.event());
            return decide.apply(req.event());
        }).deadline(deadline);
        return EndpointSecurity.newClient(b.build());
    }

    private static String run(Process p) throws Exception {
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the workload ended");
        return out;
    }

    /** The host has no TSEM: the probe says why, with the reason code. */
    @Test
    void probeOnTheHostTellsWhyTsemIsAbsent() {
        TsemProbe.forget();
        ProbeResult p = TsemProbe.probe(Path.of(TsemBackend.DEFAULT_ROOT)).status();
        assertFalse(p.available());
        assertTrue(p.reason() == ReasonCode.LSM_NOT_ACTIVE || p.reason() == ReasonCode.SECURITYFS_NOT_MOUNTED,
                p.toString());
        assertTrue(p.message().contains("tsem") || p.message().contains("securityfs"), p.message());
    }

    @ParameterizedTest
    @ValueSource(strings = {"tnum", "v4"})
    void probeAgainstTheEmulatorLearnsTheSyntax(String syntax) throws Exception {
        try (TsemEmulator emu = TsemEmulator.start(syntax)) {
            TsemProbe.Result r = TsemProbe.probe(emu.root);
            assertTrue(r.status().available(), r.status().toString());
            assertEquals(syntax.equals("tnum") ? TsemSyntax.TNUM : TsemSyntax.KEY, r.syntax());
            assertTrue(r.status().message().contains("taints"), r.status().message());
            BackendStatus s = new TsemProvider().probe();
            assertTrue(s.available(), s.toString());
            assertEquals(DecisionClass.TAINT, s.offers().get(EventKind.FILE_OPEN));
        }
    }

    /** A file the workload opens is reported while the workload waits, and the workload goes on once allowed. */
    @ParameterizedTest
    @ValueSource(strings = {"tnum", "v4"})
    void launchedWorkloadWaitsForTheAnswerInBothSyntaxes(String syntax) throws Exception {
        try (TsemEmulator emu = TsemEmulator.start(syntax)) {
            Path file = emu.tmpfs.file("data/hello", "hello\n");
            List<Event> events = new CopyOnWriteArrayList<>();
            try (Client c = client(events, e -> Verdict.allow(), Duration.ofSeconds(10), EventKind.FILE_OPEN,
                    EventKind.EXEC)) {
                assertEquals(Map.of(EventKind.EXEC, "tsem", EventKind.FILE_OPEN, "tsem"), c.routesByKind());
                assertEquals(Map.of(EventKind.EXEC, DecisionClass.TAINT, EventKind.FILE_OPEN, DecisionClass.TAINT),
                        c.routeClasses(), "a deny taints, it does not deny");
                TsemNamespaces ns = c.extension(TsemNamespaces.class).orElseThrow();
                TsemWorkload w = ns.launch(new ProcessBuilder("/bin/cat", file.toString()), TsemLaunch.external());
                assertTrue(w.namespaceId() > 0);
                assertEquals("hello\n", run(w.process()));
                assertEquals(0, w.process().exitValue());
                assertEquals(syntax.equals("tnum") ? TsemSyntax.TNUM : TsemSyntax.KEY, w.syntax());
                long pid = w.process().pid();
                assertTrue(events.stream().anyMatch(e -> e instanceof FileOpenEvent f && f.path().equals(file.toString())
                        && f.process().pid() == pid), "the open of the file, by the workload: " + events);
                String cat = Path.of("/bin/cat").toRealPath().toString(); // the kernel's path: links resolved
                String sh = Path.of("/bin/sh").toRealPath().toString();
                ExecEvent x = events.stream().filter(e -> e instanceof ExecEvent).map(ExecEvent.class::cast)
                        .findFirst().orElseThrow(() -> new AssertionError("no exec: " + events));
                assertEquals(cat, x.executable());
                assertEquals(pid, x.process().pid());
                assertEquals(List.of("/bin/cat", file.toString()), x.argv(), "read while the new program waits");
                assertTrue(x.process().executable().isEmpty() || x.process().executable().equals(sh),
                        "the caller is the launching shell before the exec, or unknown, never cat: " + x.process());
            }
        }
    }

    /**
     * A deny cannot stop the operation asked (TSEM's semantics): it taints the task, whose later
     * operations fail with EPERM in an enforcing namespace.
     */
    @Test
    void denyTaintsTheTaskAndItsNextOperationFailsWhenEnforcing() throws Exception {
        try (TsemEmulator emu = TsemEmulator.start("tnum")) {
            Path a = emu.tmpfs.file("data/a", "A\n");
            Path b = emu.tmpfs.file("data/b", "B\n");
            List<Event> events = new CopyOnWriteArrayList<>();
            try (Client c = client(events, e -> e instanceof FileOpenEvent f && f.path().equals(a.toString())
                    ? Verdict.deny() : Verdict.allow(), Duration.ofSeconds(10), EventKind.FILE_OPEN)) {
                TsemWorkload w = c.extension(TsemNamespaces.class).orElseThrow().launch(new ProcessBuilder("/bin/sh", "-c",
                        "read x < " + a + "; echo \"got $x\"; read y < " + b + " || echo refused; echo \"then $y\"")
                        .redirectErrorStream(true), TsemLaunch.external().withEnforce());
                String out = run(w.process());
                assertTrue(out.contains("got A"), "the denied open itself went through: " + out);
                assertTrue(out.contains("Operation not permitted") && out.contains("refused"),
                        "the next open failed with EPERM: " + out);
            }
        }
    }

    /** The same deny without enforce: logged, not refused. */
    @Test
    void denyWithoutEnforceOnlyLogs() throws Exception {
        try (TsemEmulator emu = TsemEmulator.start("tnum")) {
            Path a = emu.tmpfs.file("data/a", "A\n");
            Path b = emu.tmpfs.file("data/b", "B\n");
            List<Event> events = new CopyOnWriteArrayList<>();
            ClientConfig.Builder cb = ClientConfig.builder()
                    .subscribe(EventKind.FILE_OPEN, Mode.AUTH).pinBackend(EventKind.FILE_OPEN, TsemProvider.NAME)
                    .subscribe(TsemBackend.LOG_KIND, Mode.NOTIFY).pinBackend(TsemBackend.LOG_KIND, TsemProvider.NAME)
                    .onAuthorization(req -> req.event() instanceof FileOpenEvent f && f.path().equals(a.toString())
                            ? Verdict.deny() : Verdict.allow())
                    .onEvent(events::add);
            try (Client c = EndpointSecurity.newClient(cb.build())) {
                TsemWorkload w = c.extension(TsemNamespaces.class).orElseThrow().launch(new ProcessBuilder("/bin/sh", "-c",
                        "read x < " + a + "; read y < " + b + "; echo \"$x$y\"").redirectErrorStream(true),
                        TsemLaunch.external());
                assertEquals("AB\n", run(w.process()));
                assertTrue(org.esf4j.testsuite.Kernel.await(() -> events.stream().anyMatch(e -> e instanceof GenericEvent g
                        && "LOG".equals(g.fields().get("action")) && "file_open".equals(g.fields().get("event"))), 10),
                        "a log record of the tainted task's next open: " + events);
            }
        }
    }

    /** TSEM never times out; the client's deadline releases a task whose handler is stuck. */
    @Test
    void deadlineReleasesWhenTheHandlerIsStuck() throws Exception {
        try (TsemEmulator emu = TsemEmulator.start("tnum")) {
            Path file = emu.tmpfs.file("data/x", "x\n");
            CountDownLatch never = new CountDownLatch(1);
            List<Event> events = new CopyOnWriteArrayList<>();
            try (Client c = client(events, e -> {
                try {
                    never.await();
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
                return Verdict.deny();
            }, Duration.ofMillis(300), EventKind.FILE_OPEN)) {
                long t0 = System.nanoTime();
                TsemWorkload w = c.extension(TsemNamespaces.class).orElseThrow().launch(
                        new ProcessBuilder("/bin/cat", file.toString()), TsemLaunch.external());
                assertEquals("x\n", run(w.process()));
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                assertTrue(ms < 20_000, "took " + ms + " ms");
                assertTrue(c.stats().total().deadlineMisses() > 0, c.stats().toString());
            } finally {
                never.countDown();
            }
        }
    }

    @Test
    void bindIsReportedWithTheAddressInHostOrder() throws Exception {
        try (TsemEmulator emu = TsemEmulator.start("tnum")) {
            List<Event> events = new CopyOnWriteArrayList<>();
            try (Client c = client(events, e -> Verdict.allow(), Duration.ofSeconds(10), EventKind.SOCKET_BIND)) {
                Path actor = org.esf4j.testsuite.Actor.path();
                TsemWorkload w = c.extension(TsemNamespaces.class).orElseThrow().launch(
                        new ProcessBuilder(actor.toString(), "bind4", "0"), TsemLaunch.external());
                String out = run(w.process());
                assertTrue(out.startsWith("OK"), out);
                assertTrue(events.stream().anyMatch(e -> e instanceof SocketBindEvent s && s.family() == 2
                        && s.address().equals("127.0.0.1")), events.toString());
            }
        }
    }

    @Test
    void refusedNamespacesAndBadLaunchesSayWhy() throws Exception {
        try (TsemEmulator emu = TsemEmulator.start("tnum")) {
            try (Client c = client(new CopyOnWriteArrayList<>(), e -> Verdict.allow(), Duration.ofSeconds(5),
                    EventKind.FILE_OPEN)) {
                TsemNamespaces ns = c.extension(TsemNamespaces.class).orElseThrow();
                assertThrows(IllegalArgumentException.class, () -> TsemLaunch.external().withDigest("md4"));
                assertThrows(IllegalArgumentException.class, () -> ns.launch(new ProcessBuilder(List.of()),
                        TsemLaunch.external()));
            }
        }
        // the later syntax forced on a v3/v4 kernel: the kernel refuses the namespace and the message says what was tried
        try (TsemEmulator emu = TsemEmulator.start("v4")) {
            ClientConfig config = ClientConfig.builder().subscribe(EventKind.FILE_OPEN, Mode.AUTH)
                    .pinBackend(EventKind.FILE_OPEN, TsemProvider.NAME).onAuthorization(r -> Verdict.allow())
                    .backendOption("tsem.syntax", "tnum").build();
            try (Client c = EndpointSecurity.newClient(config)) {
                Esf4jException e = assertThrows(Esf4jException.class, () -> c.extension(TsemNamespaces.class)
                        .orElseThrow().launch(new ProcessBuilder("/bin/true"), TsemLaunch.external()));
                assertTrue(e.getMessage().contains("refused") && e.getMessage().contains("'external digest=sha256'"),
                        e.getMessage());
            }
        }
    }

    /** Learn a model from a workload run, save it, load it sealed, and run something else under it. */
    @Test
    void learnThenEnforceAModel(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        try (TsemEmulator emu = TsemEmulator.start("tnum")) {
            Path a = emu.tmpfs.file("data/a", "A\n");
            Path b = emu.tmpfs.file("data/b", "B\n");
            List<Event> events = new CopyOnWriteArrayList<>();
            try (Client c = client(events, e -> Verdict.allow(), Duration.ofSeconds(10), EventKind.FILE_OPEN)) {
                TsemNamespaces ns = c.extension(TsemNamespaces.class).orElseThrow();
                TsemModel learn = TsemModel.learning("sha256");
                TsemWorkload w = ns.launch(new ProcessBuilder("/bin/cat", a.toString()),
                        TsemLaunch.external().withModel(learn));
                assertEquals("A\n", run(w.process()));
                assertTrue(learn.points().size() > 3, learn.toString());
                Path model = tmp.resolve("cat.model");
                learn.save(model);

                TsemModel sealed = TsemModel.load(model);
                TsemWorkload same = ns.launch(new ProcessBuilder("/bin/cat", a.toString()),
                        TsemLaunch.external().withModel(sealed).withEnforce());
                assertEquals("A\n", run(same.process()));
                assertEquals(0, sealed.outside(), "the same workload stays inside its model: " + sealed.forensics());

                TsemModel sealed2 = TsemModel.load(model);
                TsemWorkload other = ns.launch(new ProcessBuilder("/bin/sh", "-c", "cat " + b + "; cat " + a)
                        .redirectErrorStream(true), TsemLaunch.external().withModel(sealed2).withEnforce());
                String out = run(other.process());
                assertNotEquals(0, sealed2.outside(), "a different workload leaves the model");
                assertTrue(out.contains("Operation not permitted"), "its tainted tasks are refused: " + out);
            }
        }
    }

    /**
     * SIGKILL of the orchestrating JVM: TSEM would leave the workload asleep in the kernel for
     * ever; the guardian kills it instead (its cgroup), within seconds.
     */
    @Test
    void workloadDoesNotSleepForEverWhenTheJvmIsKilled() throws Exception {
        org.esf4j.testsuite.Kernel.require("cgroup2", TsemGuardian.available(), "no writable cgroup v2 hierarchy");
        try (TsemEmulator emu = TsemEmulator.start("tnum")) {
            Path file = emu.tmpfs.file("data/x", "x\n");
            String launcher = ProcessHandle.current().info().command().orElseThrow();
            Process child = new ProcessBuilder(launcher, "--enable-native-access=ALL-UNNAMED",
                    "-D" + TsemBackend.ROOT_PROPERTY + "=" + emu.root, "-cp", System.getProperty("java.class.path"),
                    ChildOrchestrator.class.getName(), file.toString()).redirectErrorStream(true).start();
            java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8));
            String line;
            StringBuilder log = new StringBuilder();
            while ((line = out.readLine()) != null && !line.startsWith("LAUNCHED ")) {
                log.append(line).append('\n');
            }
            assertTrue(line != null, "the child JVM launched nothing: " + log);
            long pid = Long.parseLong(line.substring("LAUNCHED ".length()));
            ProcessHandle workload = ProcessHandle.of(pid).orElseThrow();
            Thread.sleep(500);
            assertTrue(workload.isAlive(), "the workload waits for its orchestrator");
            child.destroyForcibly();
            assertTrue(child.waitFor(10, TimeUnit.SECONDS));
            assertTrue(org.esf4j.testsuite.Kernel.await(() -> !workload.isAlive(), 15),
                    "the workload was left asleep after its orchestrator was killed");
        }
    }

    /**
     * TSEM's use case: a build unit-tested into a model, the model saved and loaded sealed, the
     * same build again inside it (no event outside), and a build of changed code outside it, whose
     * tasks are refused from then on.
     */
    @Test
    void learnABuildThenEnforceIt(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        org.esf4j.testsuite.Kernel.require("tsem-emulator", Files.isExecutable(Path.of("/usr/bin/make"))
                && Files.isExecutable(Path.of("/usr/bin/gcc")), "make and gcc are needed for the build");
        try (TsemEmulator emu = TsemEmulator.start("tnum")) {
            Path src = Files.createDirectories(emu.tmpfs.dir.resolve("build"));
            Files.writeString(src.resolve("hello.c"), "#include <stdio.h>\nint main(void) { puts(\"hello\"); return 0; }\n");
            // -pipe and separate compile and link steps: no temporary files with random names
            Files.writeString(src.resolve("Makefile"), "hello: hello.o\n\tgcc -o hello hello.o\n"
                    + "hello.o: hello.c\n\tgcc -pipe -O2 -c -o hello.o hello.c\n");
            List<Event> events = new CopyOnWriteArrayList<>();
            try (Client c = client(events, e -> Verdict.allow(), Duration.ofSeconds(30), EventKind.FILE_OPEN,
                    EventKind.EXEC)) {
                TsemNamespaces ns = c.extension(TsemNamespaces.class).orElseThrow();
                TsemModel learn = TsemModel.learning("sha256");
                assertEquals(0, build(ns, src, TsemLaunch.external().withModel(learn)), "the learning build");
                assertTrue(learn.points().size() > 50, learn.toString());
                // every exec of the build gave its task the identity computed from the program's open
                assertTrue(learn.taskIdMatches() >= 4, "execs checked: " + learn.taskIdMatches());
                assertEquals(0, learn.taskIdMismatches(), "execs whose task_id is not the computed one");
                Path model = tmp.resolve("build.model");
                learn.save(model);

                TsemModel same = TsemModel.load(model);
                assertEquals(0, build(ns, src, TsemLaunch.external().withModel(same).withEnforce()),
                        "the same build inside its model: " + same.forensicRecords());
                assertEquals(0, same.outside(), "the same build stays inside its model: " + same.forensicRecords());
                assertEquals(learn.state(), same.state(), "and has the model's state");

                Files.writeString(src.resolve("hello.c"), "#include <stdio.h>\nint main(void) { puts(\"bye\"); return 0; }\n");
                TsemModel changed = TsemModel.load(model);
                build(ns, src, TsemLaunch.external().withModel(changed).withEnforce());
                assertTrue(changed.outside() > 0, "changed code leaves the model");
                assertFalse(Files.exists(src.resolve("hello")) && run(new ProcessBuilder(src.resolve("hello").toString())
                        .start()).equals("bye\n"), "the build of changed code was refused before it produced a program");
            }
        }
    }

    private static int build(TsemNamespaces ns, Path dir, TsemLaunch launch) throws Exception {
        Files.deleteIfExists(dir.resolve("hello"));
        Files.deleteIfExists(dir.resolve("hello.o"));
        TsemWorkload w = ns.launch(new ProcessBuilder("make", "-s", "-C", dir.toString()).redirectErrorStream(true),
                launch);
        String out = run(w.process());
        int exit = w.process().exitValue();
        if (exit != 0) {
            System.err.println("build exited " + exit + ": " + out);
        }
        return exit;
    }
}
