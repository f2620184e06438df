package org.esf4j.spi.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.esf4j.api.AuthorizationHandler;
import org.esf4j.api.AuthorizationRequest;
import org.esf4j.api.ClientConfig;
import org.esf4j.api.ClientStats;
import org.esf4j.api.DropNotice;
import org.esf4j.api.EventKind;
import org.esf4j.api.EventType;
import org.esf4j.api.FileOpenEvent;
import org.esf4j.api.Mode;
import org.esf4j.api.MuteRule;
import org.esf4j.api.PolicyRule;
import org.esf4j.api.SecurityEvent;
import org.esf4j.api.Verdict;
import org.esf4j.api.VerdictReason;
import org.esf4j.spi.nativeio.Natives;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The engine's decisions against a deterministic backend: exactly one answer per AUTH event, by
 * the deadline, whatever the handler does; policy, muting, cache, sequence numbers, drops.
 */
class EngineTest {

    private static final int PID = (int) ProcessHandle.current().pid();
    private final FakeBackend.Provider provider = new FakeBackend.Provider();
    private EsfClient client;
    /** Rules bind to files that exist: the tests' rule targets live here. */
    @org.junit.jupiter.api.io.TempDir
    java.nio.file.Path tmp;
    private final CountDownLatch never = new CountDownLatch(1);

    @AfterEach
    void tearDown() {
        never.countDown();
        if (client != null) {
            client.close();
        }
    }

    private static ClientConfig.Builder auth() {
        return ClientConfig.builder().subscribe(EventType.FILE_OPEN, Mode.AUTH).subscribe(EventType.EXEC, Mode.AUTH);
    }

    private FakeBackend open(ClientConfig config) {
        Map<EventKind, org.esf4j.spi.BackendProvider> routing = new java.util.TreeMap<>();
        config.kinds().keySet().forEach(t -> routing.put(t, provider));
        client = EsfClient.open(config, routing, Natives.get());
        return provider.last;
    }

    private static void open(FakeBackend b, long token, String path) {
        b.deliver(EventKind.FILE_OPEN, Mode.AUTH, PID, token, path, "/usr/bin/cat", 100 + token, 1);
    }

    @ParameterizedTest
    @EnumSource(ClientConfig.HandlerThread.class)
    void handlerVerdictsReachTheKernelOnceEach(ClientConfig.HandlerThread thread) throws Exception {
        List<SecurityEvent> seen = new CopyOnWriteArrayList<>();
        FakeBackend b = open(auth().handlerThread(thread).authorizationHandler(req -> {
            seen.add(req.event());
            return ((FileOpenEvent) req.event()).path().endsWith("bad") ? Verdict.deny() : Verdict.allow();
        }).build());
        open(b, 1, "/srv/good");
        open(b, 2, "/srv/bad");
        assertTrue(b.await(1, 5000));
        assertFalse(b.await(2, 5000));
        waitFor(() -> client.stats().total().handlerVerdicts() == 2);
        assertEquals(1, b.answerCount(1));
        assertEquals(1, b.answerCount(2));
        ClientStats.BackendCounters c = client.stats().total();
        assertEquals(2, c.handlerVerdicts());
        assertEquals(1, c.denied());
        assertEquals(2, c.delivered());
        FileOpenEvent e = (FileOpenEvent) seen.get(0);
        assertEquals("/srv/good", e.path());
        assertEquals(101, e.file().inode());
        assertEquals(PID, e.process().pid());
        assertEquals(ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L).intValue(), e.process().ppid());
        assertTrue(e.process().startTimeTicks() > 0);
        assertEquals(java.nio.file.Path.of("/proc/self/exe").toRealPath().toString(), e.process().executable());
        assertEquals(List.of(), e.process().lineage().stream().filter(p -> p.pid() <= 0).toList());
        assertEquals(e.process().ppid(), e.process().parent().orElseThrow().pid());
        assertEquals("fake", e.header().source());
        waitFor(() -> client.stats().receiveToDecision().count() == 2); // recorded after the answer
    }

    @ParameterizedTest
    @EnumSource(ClientConfig.HandlerThread.class)
    void blockedHandlerGetsTheDeadlineVerdictAndItsLateAnswerIsIgnored(ClientConfig.HandlerThread thread) throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        FakeBackend b = open(auth().handlerThread(thread).deadline(Duration.ofMillis(200)).deadlineVerdict(false)
                .authorizationHandler(req -> {
                    release.await();
                    return Verdict.allow();
                }).build());
        long t0 = System.nanoTime();
        b.deliverAsync(EventKind.FILE_OPEN, Mode.AUTH, PID, 7, "/x");
        assertFalse(b.await(7, 5000), "fail-closed deadline verdict");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms >= 190 && ms < 3000, "answered after " + ms + " ms");
        release.countDown();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (client.stats().total().lateResponses() == 0 && System.nanoTime() < until) {
            Thread.sleep(5);
        }
        assertEquals(1, client.stats().total().lateResponses());
        assertEquals(1, client.stats().total().deadlineMisses());
        assertEquals(1, b.answerCount(7));
    }

    @Test
    void throwingHandlerGetsTheDeadlineVerdictAtOnce() throws Exception {
        FakeBackend b = open(auth().deadline(Duration.ofSeconds(30)).deadlineVerdict(false)
                .authorizationHandler(req -> {
                    throw new IllegalStateException("bug");
                }).build());
        long t0 = System.nanoTime();
        open(b, 3, "/x");
        assertFalse(b.await(3, 5000));
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5));
        waitFor(() -> client.stats().total().deadlineMisses() == 1);
        assertEquals(1, client.stats().total().handlerErrors());
    }

    @Test
    void futureThatNeverCompletesGetsTheDeadlineVerdict() throws Exception {
        FakeBackend b = open(auth().deadline(Duration.ofMillis(100))
                .authorizationHandler(AuthorizationHandler.async(e -> new CompletableFuture<>())).build());
        open(b, 4, "/x");
        assertTrue(b.await(4, 5000));
        waitFor(() -> client.stats().total().deadlineMisses() == 1);
    }

    @ParameterizedTest
    @EnumSource(ClientConfig.HandlerThread.class)
    void asyncAnswerFromAnotherThreadCompletesTheFuture(ClientConfig.HandlerThread thread) throws Exception {
        AtomicReference<AuthorizationRequest<? extends SecurityEvent>> held = new AtomicReference<>();
        FakeBackend b = open(auth().handlerThread(thread).authorizationHandler(req -> {
            held.set(req);
            req.event();
            return null;
        }).build());
        open(b, 5, "/x");
        waitFor(() -> held.get() != null);
        assertFalse(b.answered(5));
        CompletableFuture<Verdict> f = held.get().verdict();
        assertFalse(f.isDone());
        assertTrue(CompletableFuture.supplyAsync(() -> held.get().respond(Verdict.deny())).get());
        assertFalse(b.await(5, 5000));
        assertEquals(Verdict.deny(), f.get(5, TimeUnit.SECONDS));
        assertFalse(held.get().respond(Verdict.allow()), "the first answer wins");
        assertEquals(1, client.stats().total().lateResponses());
        assertEquals(1, b.answerCount(5));
    }

    @Test
    void exactlyOnceUnderRacingAnswersAndDeadlines() throws Exception {
        int n = 2000;
        FakeBackend b = open(auth().deadline(Duration.ofMillis(1)).authorizationHandler(req -> {
            CompletableFuture.runAsync(() -> req.respond(Verdict.allow()));
            CompletableFuture.runAsync(() -> req.respond(Verdict.deny()));
            return null;
        }).build());
        for (int i = 1; i <= n; i++) {
            open(b, i, "/r");
        }
        for (int i = 1; i <= n; i++) {
            b.await(i, 5000);
        }
        Thread.sleep(200);
        for (int i = 1; i <= n; i++) {
            assertEquals(1, b.answerCount(i), "token " + i);
        }
        ClientStats.BackendCounters c = client.stats().total();
        assertEquals(n, c.handlerVerdicts() + c.deadlineMisses());
        assertEquals(n, b.respondCalls.get());
    }

    @Test
    void policyDeniesBeforeAnyHandlerWholeComponentsOnly() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        List<Verdict> decisions = new CopyOnWriteArrayList<>();
        String secret = java.nio.file.Files.createDirectories(tmp.resolve("srv/secret")).toString();
        FakeBackend b = open(auth().policy(PolicyRule.denyOpen(secret + "/"))
                .policy(PolicyRule.denyExecInode(8, 555))
                .decisionListener((e, v) -> decisions.add(v))
                .authorizationHandler(req -> {
                    calls.incrementAndGet();
                    return Verdict.allow();
                }).build());
        open(b, 1, secret);
        open(b, 2, secret + "/a/b");
        open(b, 3, secret + "ive");
        b.deliver(EventKind.EXEC, Mode.AUTH, PID, 4, "/bin/evil", "/bin/sh", 555, 1);
        b.deliver(EventKind.EXEC, Mode.AUTH, PID, 5, "/bin/ok", "/bin/sh", 556, 1);
        assertFalse(b.await(1, 1000));
        assertFalse(b.await(2, 1000));
        assertTrue(b.await(3, 1000));
        assertFalse(b.await(4, 1000));
        assertTrue(b.await(5, 1000));
        assertEquals(2, calls.get());
        assertEquals(3, client.stats().total().policyDecisions());
        waitFor(() -> decisions.size() == 5);
        assertEquals(3, decisions.stream().filter(v -> v.reason() == VerdictReason.KERNEL_POLICY).count());
    }

    @Test
    void aRuleOnAFileFollowsItsIdentityAndARuleOnAMissingPathIsRefused() throws Exception {
        java.nio.file.Path f = java.nio.file.Files.writeString(tmp.resolve("secret"), "s");
        long ino = (Long) java.nio.file.Files.getAttribute(f, "unix:ino");
        long dev = (Long) java.nio.file.Files.getAttribute(f, "unix:dev");
        FakeBackend b = open(auth().policy(PolicyRule.denyOpen(f.toString()))
                .authorizationHandler(req -> Verdict.allow()).build());
        b.deliver(EventKind.FILE_OPEN, Mode.AUTH, PID, 1, tmp.resolve("a hard link").toString(), "/usr/bin/cat", ino,
                1, dev);
        b.deliver(EventKind.FILE_OPEN, Mode.AUTH, PID, 2, tmp.resolve("another file").toString(), "/usr/bin/cat",
                ino + 1, 1, dev);
        assertFalse(b.await(1, 1000), "the same file under another name");
        assertTrue(b.await(2, 1000));
        client.close();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> open(auth().policy(PolicyRule.denyExec(tmp.resolve("missing").toString())).build()));
        assertTrue(e.getMessage().contains("no such file"), e.getMessage());
    }

    /**
     * An AUTH event that finds the dispatch queue full is answered with the deadline verdict at
     * once (not at its deadline) and counted as dropped; the queued ones still wait for the handler.
     */
    @Test
    void anAuthEventThatDoesNotFitTheDispatchQueueIsAnsweredAtOnce() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        FakeBackend b = open(auth().dispatchQueueCapacity(16).deadline(Duration.ofMinutes(1)).deadlineVerdict(false)
                .authorizationHandler(req -> {
                    entered.countDown();
                    never.await();
                    return Verdict.allow();
                }).build());
        open(b, 1, "/a");
        assertTrue(entered.await(5, TimeUnit.SECONDS));
        for (long t = 2; t <= 17; t++) { // fills the queue's 16 places
            open(b, t, "/q" + t);
        }
        open(b, 18, "/over");
        assertFalse(b.await(18, 5000), "the deadline verdict (deny), at once rather than after a minute");
        for (long t = 2; t <= 17; t++) {
            assertFalse(b.answered(t), "a queued event still waits for the handler: " + t);
        }
        assertEquals(1, client.stats().total().dropped(), client.stats().toString());
    }

    @Test
    void mutingByProcessExecutableAndTarget() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        FakeBackend b = open(auth().mute(MuteRule.process(4242)).mute(MuteRule.executablePrefix("/opt/backup/"))
                .mute(MuteRule.target("/var/log/syslog", EventType.FILE_OPEN))
                .authorizationHandler(req -> {
                    calls.incrementAndGet();
                    return Verdict.deny();
                }).build());
        b.deliver(EventKind.FILE_OPEN, Mode.AUTH, 4242, 1, "/etc/x", "/bin/cat", 1, 1);
        b.deliver(EventKind.FILE_OPEN, Mode.AUTH, PID, 2, "/etc/x", "/opt/backup/agent", 1, 1);
        b.deliver(EventKind.FILE_OPEN, Mode.AUTH, PID, 3, "/var/log/syslog", "/bin/cat", 1, 1);
        b.deliver(EventKind.EXEC, Mode.AUTH, PID, 4, "/var/log/syslog", "/bin/cat", 1, 1);
        b.deliver(EventKind.FILE_OPEN, Mode.AUTH, PID, 5, "/var/log/syslog2", "/bin/cat", 1, 1);
        for (int t = 1; t <= 3; t++) {
            assertTrue(b.await(t, 1000), "muted event " + t + " is allowed");
        }
        assertFalse(b.await(4, 1000), "target muting for FILE_OPEN does not apply to EXEC");
        assertFalse(b.await(5, 1000), "literal target muting is not a prefix");
        assertEquals(2, calls.get());
        assertEquals(3, client.stats().total().muted());
    }

    @Test
    void invertedTargetMutingSelectsOnlyMatchingEvents() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        FakeBackend b = open(auth().mute(MuteRule.targetPrefix("/srv/")).invertMuting(MuteRule.Kind.TARGET_PATH)
                .authorizationHandler(req -> {
                    seen.add(((FileOpenEvent) req.event()).path());
                    return Verdict.allow();
                }).build());
        open(b, 1, "/srv/a");
        open(b, 2, "/etc/passwd");
        open(b, 3, "/srv/b");
        for (int t = 1; t <= 3; t++) {
            assertTrue(b.await(t, 1000));
        }
        assertEquals(List.of("/srv/a", "/srv/b"), seen);
        assertEquals(1, client.stats().total().muted());
    }

    @Test
    void engineCacheAnswersUntilTheFileChanges() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        FakeBackend b = open(auth().authorizationHandler(req -> {
            calls.incrementAndGet();
            return Verdict.deny().cached();
        }).build());
        String[][] events = {{"1000", "/bin/cat", "open"}, {"1000", "/bin/cat", "open"},
            {"2000", "/bin/cat", "open"}, // written: new ctime
            {"2000", "/bin/less", "open"}, // another executable
            {"2000", "/bin/cat", "exec"}, // another event type
            {"2000", "/bin/cat", "open"}};
        for (int t = 1; t <= events.length; t++) {
            String[] e = events[t - 1];
            b.deliver(EventKind.parse(e[2]), Mode.AUTH, PID, t, "/f", e[1], 77, Long.parseLong(e[0]));
            assertFalse(b.await(t, 1000));
        }
        assertEquals(4, calls.get());
        assertEquals(2, client.stats().total().cacheHits());
    }

    @Test
    void kernelCacheIsUsedForCachedAllowsWhenTheBackendStoresThem() throws Exception {
        provider.kernelCache = true;
        FakeBackend b = open(auth().authorizationHandler(req -> Verdict.allow().cached()).build());
        open(b, 1, "/f");
        assertTrue(b.await(1, 1000));
        waitFor(() -> client.stats().total().kernelCacheEntries() == 1);
        assertTrue(client.cache.isEmpty(), "stored in the kernel, not twice");
    }

    @Test
    void deadlineVerdictsAreNeverCached() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        FakeBackend b = open(auth().deadline(Duration.ofMillis(50)).authorizationHandler(req -> {
            calls.incrementAndGet();
            return null;
        }).build());
        open(b, 1, "/f");
        b.await(1, 2000);
        open(b, 2, "/f");
        b.await(2, 2000);
        assertEquals(2, calls.get());
    }

    @Test
    void notifyEventsGetGapFreeSequenceNumbersAndOverflowIsReported() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        List<Long> sequences = new CopyOnWriteArrayList<>();
        List<DropNotice> drops = new CopyOnWriteArrayList<>();
        FakeBackend b = open(ClientConfig.builder().subscribe(EventType.SOCKET_BIND, Mode.NOTIFY)
                .dispatchQueueCapacity(16).dropHandler(drops::add).eventHandler(e -> {
                    try {
                        gate.await();
                    } catch (InterruptedException ex) {
                        Thread.currentThread().interrupt();
                    }
                    sequences.add(e.sequence());
                }).build());
        int n = 40;
        for (int i = 0; i < n; i++) {
            b.deliver(EventKind.SOCKET_BIND, Mode.NOTIFY, PID, i, "", "/bin/nc", 0, 0);
        }
        gate.countDown();
        waitFor(() -> !drops.isEmpty());
        long lost = drops.stream().mapToLong(DropNotice::count).sum();
        waitFor(() -> sequences.size() + lost == n);
        assertTrue(lost > 0);
        assertEquals(lost, client.stats().total().dropped());
        List<Long> expected = new ArrayList<>();
        for (long i = 0; i < sequences.size(); i++) {
            expected.add(i);
        }
        assertEquals(expected, sequences, "delivered in order, without holes before the reported gap");
        assertEquals(sequences.size(), drops.get(0).firstMissingSequence());
    }

    @Test
    void closeAnswersPendingEventsAndIsIdempotent() throws Exception {
        FakeBackend b = open(auth().deadline(Duration.ofHours(1)).deadlineVerdict(false).authorizationHandler(req -> {
            never.await();
            return Verdict.deny();
        }).build());
        open(b, 1, "/x");
        open(b, 2, "/y");
        client.close();
        client.close();
        assertTrue(b.await(1, 1000), "released with allow on close");
        assertTrue(b.await(2, 1000));
        assertTrue(b.closed);
    }

    /** The decision paths README calls allocation-free. */
    enum FastPath { POLICY, MUTE, CACHE, READER_HANDLER }

    /**
     * 200,000 events on one decision path, after two warm-up rounds, allocate less than 1 KiB in
     * total on the reader thread: one object every thousand events (16 bytes or more each) would
     * already exceed it. The bound is on the total, not on a per-event quotient that rounds down.
     */
    @ParameterizedTest
    @EnumSource(FastPath.class)
    void fastPathsAllocateNothing(FastPath path) throws Exception {
        java.nio.file.Path denied = java.nio.file.Files.createDirectories(tmp.resolve("denied"));
        ClientConfig.Builder c = auth().handlerThread(ClientConfig.HandlerThread.READER).kernelCache(false);
        String target = "/srv/f";
        switch (path) {
            case POLICY -> {
                c.policy(PolicyRule.denyOpen(denied.toString()));
                target = denied + "/f";
            }
            case MUTE -> c.mute(MuteRule.executable("/bin/cat"));
            default -> { }
        }
        c.authorizationHandler(req -> path == FastPath.CACHE ? Verdict.allow().cached() : Verdict.allow());
        FakeBackend b = open(c.build());
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory
                .getThreadMXBean();
        long[] total = new long[1];
        int n = 200_000;
        String t = target;
        b.onReader(() -> {
            FakeBackend.Raw raw = b.raw.set(t, "/bin/cat", 1, 1);
            long tid = Thread.currentThread().getId();
            for (int round = 0; round < 3; round++) { // two rounds warm up (the JIT allocates while it compiles)
                long before = mx.getThreadAllocatedBytes(tid);
                for (int i = 0; i < n; i++) {
                    raw.reset(EventKind.FILE_OPEN, Mode.AUTH, PID, PID, 0, System.nanoTime(), i & 0xffff, 0);
                    b.sink.onEvent(raw);
                }
                total[0] = mx.getThreadAllocatedBytes(tid) - before;
            }
        });
        assertTrue(total[0] < 1024, path + ": " + total[0] + " bytes allocated for " + n + " events");
        ClientStats.BackendCounters s = client.stats().total();
        long decided = switch (path) {
            case POLICY -> s.policyDecisions();
            case MUTE -> s.muted();
            case CACHE -> s.cacheHits();
            case READER_HANDLER -> s.handlerVerdicts();
        };
        assertTrue(decided >= 3L * n - 1, path + " decided " + decided + " of " + 3 * n + ": " + s);
    }

    @Test
    void requestUsedAfterItsReaderHandlerReturnedFailsLoudly() throws Exception {
        AtomicReference<AuthorizationRequest<? extends SecurityEvent>> held = new AtomicReference<>();
        FakeBackend b = open(auth().handlerThread(ClientConfig.HandlerThread.READER).authorizationHandler(req -> {
            held.set(req);
            return Verdict.allow();
        }).build());
        open(b, 1, "/x");
        assertThrows(IllegalStateException.class, () -> held.get().event());
    }

    @Test
    void decisionListenerSeesMaterializedEventsOnTheDispatchThread() throws Exception {
        List<String> threads = new CopyOnWriteArrayList<>();
        AtomicReference<SecurityEvent> last = new AtomicReference<>();
        FakeBackend b = open(auth().handlerThread(ClientConfig.HandlerThread.READER)
                .authorizationHandler(req -> Verdict.allow())
                .decisionListener((e, v) -> {
                    threads.add(Thread.currentThread().getName());
                    last.set(e);
                }).build());
        open(b, 9, "/seen");
        waitFor(() -> last.get() != null);
        assertTrue(threads.get(0).startsWith("esf4j-dispatch-"), threads.toString());
        assertEquals("/seen", ((FileOpenEvent) last.get()).path());
        assertSame(EventType.FILE_OPEN, last.get().type());
    }

    @Test
    void decisionsAreFlightRecorderEvents() throws Exception {
        java.nio.file.Path file = java.nio.file.Files.createTempFile("esf4j-decisions", ".jfr");
        try (jdk.jfr.Recording rec = new jdk.jfr.Recording()) {
            rec.enable("org.esf4j.Decision");
            rec.start();
            String deny = java.nio.file.Files.createDirectories(tmp.resolve("deny")).toString();
            FakeBackend b = open(auth().policy(PolicyRule.denyOpen(deny)).authorizationHandler(req -> Verdict.allow())
                    .build());
            open(b, 1, deny + "/x");
            open(b, 2, tmp.resolve("ok").toString());
            b.await(2, 5000);
            waitFor(() -> client.stats().receiveToDecision().count() == 2);
            rec.stop();
            rec.dump(file);
            List<jdk.jfr.consumer.RecordedEvent> events = jdk.jfr.consumer.RecordingFile.readAllEvents(file).stream()
                    .filter(e -> e.getEventType().getName().equals("org.esf4j.Decision")).toList();
            assertEquals(2, events.size(), events.toString());
            jdk.jfr.consumer.RecordedEvent policy = events.stream()
                    .filter(e -> e.getString("reason").equals("KERNEL_POLICY")).findFirst().orElseThrow();
            assertFalse(policy.getBoolean("allowed"));
            jdk.jfr.consumer.RecordedEvent handler = events.stream()
                    .filter(e -> e.getString("reason").equals("HANDLER")).findFirst().orElseThrow();
            assertTrue(handler.getBoolean("allowed"));
            assertEquals("open", handler.getString("eventType"));
            assertEquals("fake", handler.getString("backend"));
            assertEquals(PID, handler.getInt("pid"));
        } finally {
            java.nio.file.Files.deleteIfExists(file);
        }
    }

    /**
     * A KERNEL_POLICY source (BPF LSM) reports an operation no rule matched after the kernel let it
     * through. A handler's cached deny cannot hold it where the backend has no kernel cache (binds,
     * connects): the engine must not answer the next one from its own cache, which would report a
     * deny that never happened.
     */
    @Test
    void aCachedDenyOfAnOperationTheKernelAlreadyAllowedIsNeverReportedAsACacheHit() throws Exception {
        List<org.esf4j.api.Event> seen = new CopyOnWriteArrayList<>();
        List<Verdict> decisions = new CopyOnWriteArrayList<>();
        FakeBackend b = open(ClientConfig.builder().subscribe(EventKind.SOCKET_CONNECT, Mode.AUTH)
                .onAuthorization(req -> {
                    seen.add(req.event());
                    return Verdict.deny().cached();
                })
                .onDecision((e, v) -> decisions.add(v)).build());
        b.deliverDecided(EventKind.SOCKET_CONNECT, PID, 1, "", org.esf4j.spi.RawEvent.KernelDecision.ALLOWED);
        waitFor(() -> decisions.size() == 1);
        b.deliverDecided(EventKind.SOCKET_CONNECT, PID, 2, "", org.esf4j.spi.RawEvent.KernelDecision.ALLOWED);
        waitFor(() -> decisions.size() == 2);
        assertEquals(2, seen.size(), "both operations reach the handler");
        assertEquals(0, client.stats().total().cacheHits(), client.stats().toString());
        assertTrue(decisions.stream().noneMatch(v -> v.reason() == VerdictReason.CACHE), decisions.toString());
    }

    static void waitFor(java.util.function.BooleanSupplier c) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > until) {
                throw new AssertionError("condition not met within 10 s");
            }
            Thread.sleep(2);
        }
    }
}
