package org.esf4j.spi.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.esf4j.api.ClientConfig;
import org.esf4j.api.EventKind;
import org.esf4j.api.EventType;
import org.esf4j.api.HealthAction;
import org.esf4j.api.HealthEvent;
import org.esf4j.api.Mode;
import org.esf4j.api.Verdict;
import org.esf4j.spi.nativeio.Natives;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A handler that stops keeping up is noticed and escalated: a wedged call or deadline misses in a
 * row raise a {@link HealthEvent}, the configured action applies, and the first verdict the
 * handler gives in time again recovers.
 */
class HealthTest {

    private static final int PID = (int) ProcessHandle.current().pid();
    private final FakeBackend.Provider provider = new FakeBackend.Provider();
    private final CountDownLatch release = new CountDownLatch(1);
    private final List<HealthEvent> health = new CopyOnWriteArrayList<>();
    private EsfClient client;

    @AfterEach
    void tearDown() {
        release.countDown();
        if (client != null) {
            client.close();
        }
    }

    private FakeBackend open(ClientConfig config) {
        Map<EventKind, org.esf4j.spi.BackendProvider> routing = new java.util.TreeMap<>();
        config.kinds().keySet().forEach(t -> routing.put(t, provider));
        client = EsfClient.open(config, routing, Natives.get());
        return provider.last;
    }

    private static void open(FakeBackend b, long token) {
        b.deliver(EventKind.FILE_OPEN, Mode.AUTH, PID, token, "/tmp/f" + token, "/usr/bin/cat", 100 + token, 1);
    }

    private ClientConfig.Builder wedgedOnFirstCall(Duration deadline) {
        return ClientConfig.builder().subscribe(EventType.FILE_OPEN, Mode.AUTH).deadline(deadline).onHealth(health::add)
                .onAuthorization(req -> {
                    if (((org.esf4j.api.FileOpenEvent) req.event()).path().equals("/tmp/f1")) {
                        try {
                            release.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    return Verdict.allow();
                });
    }

    private void awaitHealth(int n) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (health.size() < n && System.nanoTime() < end) {
            Thread.sleep(10);
        }
        assertTrue(health.size() >= n, "health events: " + health);
    }

    @Test
    void aWedgedHandlerIsEscalatedAndLaterEventsNoLongerPayTheDeadline() throws Exception {
        FakeBackend b = open(wedgedOnFirstCall(Duration.ofSeconds(1)).healthPolicy(100, 2, HealthAction.ANSWER_AT_ONCE)
                .build());
        open(b, 1);
        awaitHealth(1);
        HealthEvent degraded = health.get(0);
        assertEquals(HealthEvent.Kind.DEGRADED, degraded.kind());
        assertTrue(degraded.stuckNanos() >= TimeUnit.SECONDS.toNanos(2), degraded.toString());
        assertEquals(HealthAction.ANSWER_AT_ONCE, degraded.action());
        long t0 = System.nanoTime();
        for (long t = 2; t <= 6; t++) {
            open(b, t);
        }
        for (long t = 2; t <= 6; t++) {
            assertTrue(b.await(t, 5000), "answered with the deadline verdict (allow)");
        }
        long took = System.nanoTime() - t0;
        assertTrue(took < TimeUnit.MILLISECONDS.toNanos(500), "answered at once, not after the 1 s deadline: "
                + took / 1_000_000 + " ms");
        release.countDown(); // the handler returns: the next event finds it idle and it answers in time
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long token = 7;
        while (health.size() < 2 && System.nanoTime() < end) {
            open(b, token);
            b.await(token++, 5000);
            Thread.sleep(20);
        }
        awaitHealth(2);
        assertEquals(HealthEvent.Kind.RECOVERED, health.get(1).kind());
    }

    @Test
    void deadlineMissesInARowAreEscalatedWhileEventsKeepWaiting() throws Exception {
        FakeBackend b = open(ClientConfig.builder().subscribe(EventType.FILE_OPEN, Mode.AUTH)
                .deadline(Duration.ofMillis(50)).onHealth(health::add).healthPolicy(3, 1000, HealthAction.KEEP_WAITING)
                .onAuthorization(req -> {
                    try {
                        Thread.sleep(120); // slower than the deadline, but not wedged
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return Verdict.allow();
                }).build());
        for (long t = 1; t <= 3; t++) {
            open(b, t);
            assertTrue(b.await(t, 5000));
        }
        awaitHealth(1);
        assertEquals(HealthEvent.Kind.DEGRADED, health.get(0).kind());
        assertEquals(3, health.get(0).consecutiveMisses());
        assertEquals(0, health.get(0).stuckNanos());
    }

    @Test
    void theCloseActionClosesTheClient() throws Exception {
        FakeBackend b = open(wedgedOnFirstCall(Duration.ofMillis(100)).healthPolicy(100, 2, HealthAction.CLOSE).build());
        open(b, 1);
        awaitHealth(1);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!b.closed && System.nanoTime() < end) {
            Thread.sleep(10);
        }
        assertTrue(b.closed, "the client closed its backend");
        assertTrue(b.await(1, 1000), "the wedged request was answered");
    }
}
