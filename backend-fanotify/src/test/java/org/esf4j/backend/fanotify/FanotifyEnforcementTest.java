package org.esf4j.backend.fanotify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.esf4j.api.Client;
import org.esf4j.api.ClientConfig;
import org.esf4j.api.ClientStats;
import org.esf4j.api.EndpointSecurity;
import org.esf4j.api.EventType;
import org.esf4j.api.ExecEvent;
import org.esf4j.api.FileOpenEvent;
import org.esf4j.api.Mode;
import org.esf4j.api.PolicyRule;
import org.esf4j.api.Scope;
import org.esf4j.api.SecurityEvent;
import org.esf4j.api.Verdict;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.esf4j.testsuite.Actor;
import org.esf4j.testsuite.Tmpfs;

/**
 * Real-kernel tests: another process opens and executes files on a tmpfs this test mounts, and
 * sees EPERM exactly where the Java handler (or policy) denied.
 */
class FanotifyEnforcementTest {

    @RegisterExtension
    final Tmpfs.PerTest tmpfs = Tmpfs.perTest(new FanotifyProvider());



    private ClientConfig.Builder base(EventType type) {
        return ClientConfig.builder().subscribe(type, Mode.AUTH).scope(Scope.mount(tmpfs.dir()))
                .pinBackend(type, FanotifyProvider.NAME).deadline(Duration.ofSeconds(5));
    }

    @ParameterizedTest
    @EnumSource(ClientConfig.ReaderMode.class)
    void deniesAndAllowsOpenInAnotherProcess(ClientConfig.ReaderMode readerMode) throws Exception {
        Path allowed = tmpfs.file("allowed.txt", "fine");
        Path denied = tmpfs.file("denied file ä.txt", "secret");
        List<SecurityEvent> seen = new CopyOnWriteArrayList<>();
        ClientConfig config = base(EventType.FILE_OPEN).readerMode(readerMode)
                .authorizationHandler(req -> {
                    seen.add(req.event());
                    FileOpenEvent e = (FileOpenEvent) req.event();
                    return e.path().equals(denied.toString()) ? Verdict.deny() : Verdict.allow();
                }).build();
        try (Client client = EndpointSecurity.newClient(config)) {
            assertEquals("fanotify", client.routes().get(EventType.FILE_OPEN));
            assertEquals(org.esf4j.api.DecisionClass.USERSPACE, client.routeClasses().get(org.esf4j.api.EventKind.FILE_OPEN),
                    "the opener waits and a deny fails its open");
            assertEquals("OK", Actor.act("open", allowed.toString()));
            assertEquals("EPERM", Actor.act("open", denied.toString()));
            assertEquals("OK", Actor.act("open", allowed.toString()));
            ClientStats.BackendCounters c = client.stats().total();
            assertTrue(c.handlerVerdicts() >= 3, "handler verdicts: " + c);
            assertTrue(c.denied() >= 1, "denied: " + c);
        }
        FileOpenEvent first = (FileOpenEvent) seen.get(0);
        assertEquals(allowed.toString(), first.path());
        assertEquals(Files.getAttribute(allowed, "unix:ino"), first.file().inode());
        assertTrue(first.process().pid() > 0);
        assertTrue(first.process().executable().endsWith("actor"), first.process().executable());
        assertTrue(first.process().startTimeTicks() > 0);
        assertEquals("fanotify", first.header().source());
        // After close nothing is marked any more: the same open succeeds without a listener.
        assertEquals("OK", Actor.act("open", denied.toString()));
    }

    @Test
    void deniesAndAllowsExecInAnotherProcess() throws Exception {
        Path good = tmpfs.executableCopy("good-true", Path.of("/bin/true"));
        Path bad = tmpfs.executableCopy("bad-true", Path.of("/bin/true"));
        AtomicInteger calls = new AtomicInteger();
        ClientConfig config = base(EventType.EXEC).authorizationHandler(req -> {
            calls.incrementAndGet();
            ExecEvent e = (ExecEvent) req.event();
            return e.executable().equals(bad.toString()) ? Verdict.deny() : Verdict.allow();
        }).build();
        try (Client client = EndpointSecurity.newClient(config)) {
            assertEquals("exit=0", Actor.act("exec", good.toString()));
            assertEquals("EPERM", Actor.act("exec", bad.toString()));
            // Reading the denied executable is not an exec: only exec events are subscribed.
            assertEquals("OK", Actor.act("open", bad.toString()));
            assertTrue(calls.get() >= 2);
        }
    }

    @Test
    void notifyEventsCarryPathProcessAndSequence() throws Exception {
        Path file = tmpfs.file("watched.txt", "x");
        Path tool = tmpfs.executableCopy("watched-true", Path.of("/bin/true"));
        List<SecurityEvent> seen = new CopyOnWriteArrayList<>();
        ClientConfig config = ClientConfig.builder().subscribe(EventType.FILE_OPEN, Mode.NOTIFY)
                .subscribe(EventType.EXEC, Mode.NOTIFY).scope(Scope.mount(tmpfs.dir())).eventHandler(seen::add).build();
        try (Client client = EndpointSecurity.newClient(config)) {
            assertEquals("OK", Actor.act("open", file.toString()));
            assertEquals("exit=0", Actor.act("exec", tool.toString()));
            long until = System.nanoTime() + 10_000_000_000L;
            while (seen.stream().noneMatch(e -> e instanceof ExecEvent) && System.nanoTime() < until) {
                Thread.sleep(10);
            }
        }
        FileOpenEvent open = (FileOpenEvent) seen.stream().filter(e -> e instanceof FileOpenEvent o
                && o.path().equals(file.toString())).findFirst().orElseThrow(() -> new AssertionError(seen.toString()));
        assertEquals(Mode.NOTIFY, open.header().mode());
        assertTrue(open.process().pid() > 0);
        ExecEvent exec = (ExecEvent) seen.stream().filter(e -> e instanceof ExecEvent).findFirst().orElseThrow();
        assertEquals(tool.toString(), exec.executable());
        for (int i = 0; i < seen.size(); i++) {
            assertEquals(i, seen.get(i).sequence(), "gap-free sequence numbers");
        }
    }

    @Test
    void mutedTargetIsAllowedWithoutTheHandler() throws Exception {
        Path muted = tmpfs.file("muted.log", "x");
        Path other = tmpfs.file("other.log", "y");
        AtomicInteger calls = new AtomicInteger();
        ClientConfig config = base(EventType.FILE_OPEN).mute(org.esf4j.api.MuteRule.target(muted.toString()))
                .authorizationHandler(req -> {
                    calls.incrementAndGet();
                    return Verdict.deny();
                }).build();
        try (Client client = EndpointSecurity.newClient(config)) {
            assertEquals("OK", Actor.act("open", muted.toString()));
            assertEquals("EPERM", Actor.act("open", other.toString()));
            assertEquals(1, calls.get());
            assertEquals(1, client.stats().total().muted());
        }
    }

    @Test
    void policyRulesDecideWithoutAHandler() throws Exception {
        Path secret = tmpfs.file("secret", "x");
        Path other = tmpfs.file("other", "y");
        Path tool = tmpfs.executableCopy("tool", Path.of("/bin/true"));
        ClientConfig config = ClientConfig.builder()
                .subscribe(EventType.FILE_OPEN, Mode.AUTH).subscribe(EventType.EXEC, Mode.AUTH)
                .scope(Scope.mount(tmpfs.dir()))
                .policy(PolicyRule.denyOpen(secret.toString()))
                .policy(PolicyRule.denyExec(tool.toString()))
                .build();
        try (Client client = EndpointSecurity.newClient(config)) {
            assertEquals("EPERM", Actor.act("open", secret.toString()));
            assertEquals("OK", Actor.act("open", other.toString()));
            assertEquals("EPERM", Actor.act("exec", tool.toString()));
            assertTrue(client.stats().total().policyDecisions() >= 2, client.stats().toString());
        }
    }
}
