package org.esf4j.spi.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.esf4j.api.Authorization;
import org.esf4j.api.ClientConfig;
import org.esf4j.api.ClientStats;
import org.esf4j.api.EventKind;
import org.esf4j.api.FileOpenEvent;
import org.esf4j.api.Mode;
import org.esf4j.api.Subscribers;
import org.esf4j.api.Verdict;
import org.esf4j.spi.nativeio.Natives;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Several subscribers on one client: each sees every AUTH event, deny wins at once, allow needs
 * everyone, the earliest deadline governs, a throwing subscriber gives the deadline verdict unless
 * another denied, and the kernel gets exactly one answer.
 */
class SubscribersTest {

    private static final int PID = (int) ProcessHandle.current().pid();
    private final FakeBackend.Provider provider = new FakeBackend.Provider();
    private final CountDownLatch never = new CountDownLatch(1);
    private EsfClient client;

    @AfterEach
    void tearDown() {
        never.countDown();
        if (client != null) {
            client.close();
        }
    }

    private FakeBackend open(ClientConfig.Builder b) {
        ClientConfig config = b.subscribe(EventKind.FILE_OPEN, Mode.AUTH).build();
        Map<EventKind, org.esf4j.spi.BackendProvider> routing = new java.util.TreeMap<>();
        config.kinds().keySet().forEach(t -> routing.put(t, provider));
        client = EsfClient.open(config, routing, Natives.get());
        return provider.last;
    }

    private static String path(Authorization<?> r) {
        return ((FileOpenEvent) r.event()).path();
    }

    @Test
    void everySubscriberSeesEveryEventAndDenyWins() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        Subscribers s = Subscribers.builder()
                .add("av", Duration.ofSeconds(1), r -> {
                    seen.add("av " + path(r));
                    return Verdict.allow();
                })
                .add("dlp", Duration.ofSeconds(1), r -> {
                    seen.add("dlp " + path(r));
                    return path(r).endsWith("secret") ? Verdict.deny() : Verdict.allow();
                }).build();
        FakeBackend b = open(ClientConfig.builder().subscribers(s));
        b.deliver(EventKind.FILE_OPEN, Mode.AUTH, PID, 1, "/srv/secret", "/bin/cat", 101, 1);
        b.deliver(EventKind.FILE_OPEN, Mode.AUTH, PID, 2, "/srv/public", "/bin/cat", 102, 1);
        assertFalse(b.await(1, 5000), "one deny is enough");
        assertTrue(b.await(2, 5000), "allowed by both");
        assertEquals(1, b.answerCount(1));
        assertEquals(1, b.answerCount(2));
        EngineTest.waitFor(() -> seen.size() == 4);
        assertEquals(List.of("av /srv/secret", "dlp /srv/secret", "av /srv/public", "dlp /srv/public"), seen);
        ClientStats.BackendCounters c = client.stats().total();
        assertEquals(2, c.handlerVerdicts(), c.toString());
        assertEquals(0, c.deadlineMisses(), c.toString());
    }

    @Test
    void aDenyIsSentWithoutWaitingForASubscriberThatHasNotAnswered() throws Exception {
        Subscribers s = Subscribers.builder()
                .add("slow", Duration.ofSeconds(30), r -> null) // answers later, never
                .add("dlp", Duration.ofSeconds(30), r -> Verdict.deny()).build();
        FakeBackend b = open(ClientConfig.builder().subscribers(s));
        long t0 = System.nanoTime();
        b.deliverAsync(EventKind.FILE_OPEN, Mode.AUTH, PID, 3, "/srv/x");
        assertFalse(b.await(3, 5000));
        assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(5).toNanos());
        assertEquals(0, client.stats().total().deadlineMisses());
    }

    @Test
    void theEarliestDeadlineGovernsAndAnAllowWaitsForEveryone() throws Exception {
        AtomicReference<Authorization<?>> later = new AtomicReference<>();
        Subscribers s = Subscribers.builder()
                .add("quick", Duration.ofMillis(200), r -> Verdict.allow())
                .add("patient", Duration.ofSeconds(60), r -> {
                    later.set(r);
                    return null;
                }).build();
        assertEquals(Duration.ofMillis(200), s.earliestDeadline());
        FakeBackend b = open(ClientConfig.builder().subscribers(s).deadlineVerdict(false));
        long t0 = System.nanoTime();
        b.deliverAsync(EventKind.FILE_OPEN, Mode.AUTH, PID, 4, "/srv/y");
        assertFalse(b.await(4, 5000), "the deadline verdict at the earliest deadline, not an allow");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms >= 190 && ms < 3000, "answered after " + ms + " ms");
        assertEquals(1, client.stats().total().deadlineMisses());
        assertFalse(later.get().respond(Verdict.allow()), "a late answer is ignored");
        assertEquals(1, b.answerCount(4));
    }

    @Test
    void aThrowingSubscriberGivesTheDeadlineVerdictAtOnceUnlessAnotherDenied() throws Exception {
        Subscribers s = Subscribers.builder()
                .add("broken", Duration.ofSeconds(30), r -> {
                    throw new IllegalStateException("bug");
                })
                .add("dlp", Duration.ofSeconds(30), r -> path(r).endsWith("secret") ? Verdict.deny() : Verdict.allow())
                .build();
        FakeBackend b = open(ClientConfig.builder().subscribers(s).deadlineVerdict(true));
        b.deliver(EventKind.FILE_OPEN, Mode.AUTH, PID, 5, "/srv/secret", "/bin/cat", 105, 1);
        b.deliver(EventKind.FILE_OPEN, Mode.AUTH, PID, 6, "/srv/public", "/bin/cat", 106, 1);
        assertFalse(b.await(5, 5000), "the other subscriber's deny stands");
        assertTrue(b.await(6, 5000), "the deadline verdict (allow), at once");
        EngineTest.waitFor(() -> client.stats().total().handlerErrors() == 2);
        assertEquals(2, client.stats().total().handlerErrors(), "each failure counted");
    }

    @Test
    void badSubscriberSetsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> Subscribers.builder()
                .add("a", Duration.ofSeconds(1), r -> null).add("a", Duration.ofSeconds(1), r -> null));
        assertThrows(IllegalArgumentException.class, () -> Subscribers.builder()
                .add("a", Duration.ofNanos(5), r -> null));
        assertThrows(IllegalStateException.class, () -> Subscribers.builder().build());
        Subscribers s = Subscribers.builder().add("a", Duration.ofMillis(100), r -> null).build();
        assertThrows(IllegalStateException.class, () -> ClientConfig.builder().subscribe(EventKind.FILE_OPEN, Mode.AUTH)
                .subscribers(s).deadline(Duration.ofSeconds(1)).build(), "a deadline later than the earliest");
        assertThrows(IllegalStateException.class, () -> ClientConfig.builder().subscribe(EventKind.FILE_OPEN, Mode.AUTH)
                .subscribers(s).onAuthorization(r -> null).build());
    }
}
