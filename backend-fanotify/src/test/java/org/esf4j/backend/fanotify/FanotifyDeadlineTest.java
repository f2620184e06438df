package org.esf4j.backend.fanotify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.esf4j.api.AuthorizationHandler;
import org.esf4j.api.Client;
import org.esf4j.api.ClientConfig;
import org.esf4j.api.EndpointSecurity;
import org.esf4j.api.EventType;
import org.esf4j.api.Mode;
import org.esf4j.api.Scope;
import org.esf4j.api.Verdict;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.esf4j.testsuite.Actor;
import org.esf4j.testsuite.Tmpfs;

/**
 * The engine answers the kernel by the deadline whatever the handler does: sleeps, throws, or
 * returns a future that never completes. The other process proceeds with the deadline verdict.
 */
class FanotifyDeadlineTest {

    private static final Duration DEADLINE = Duration.ofMillis(300);
    @RegisterExtension
    final Tmpfs.PerTest tmpfs = Tmpfs.perTest(new FanotifyProvider());
    private final CountDownLatch never = new CountDownLatch(1);


    @AfterEach
    void tearDown() throws Exception {
        never.countDown();
    }

    private void assertDeadline(AuthorizationHandler handler, boolean allow) throws Exception {
        Path file = tmpfs.file("f", "x");
        ClientConfig config = ClientConfig.builder().subscribe(EventType.FILE_OPEN, Mode.AUTH)
                .scope(Scope.mount(tmpfs.dir())).deadline(DEADLINE).deadlineVerdict(allow)
                .authorizationHandler(handler).build();
        try (Client client = EndpointSecurity.newClient(config)) {
            long t0 = System.nanoTime();
            String outcome = Actor.act("open", file.toString());
            long tookMs = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(allow ? "OK" : "EPERM", outcome);
            assertTrue(tookMs >= DEADLINE.toMillis() - 50, "answered before the deadline: " + tookMs + " ms");
            assertTrue(tookMs < DEADLINE.toMillis() + 5_000, "answered far too late: " + tookMs + " ms");
            assertTrue(client.stats().total().deadlineMisses() >= 1, client.stats().toString());
        }
    }

    @Test
    void sleepingHandler() throws Exception {
        assertDeadline(req -> {
            never.await();
            return Verdict.deny();
        }, true);
    }

    @Test
    void sleepingHandlerFailClosed() throws Exception {
        assertDeadline(req -> {
            never.await();
            return Verdict.allow();
        }, false);
    }

    @Test
    void futureThatNeverCompletes() throws Exception {
        assertDeadline(AuthorizationHandler.async(e -> new CompletableFuture<>()), true);
    }

    @Test
    void throwingHandlerGetsDeadlineVerdictWithoutWaiting() throws Exception {
        Path file = tmpfs.file("g", "x");
        ClientConfig config = ClientConfig.builder().subscribe(EventType.FILE_OPEN, Mode.AUTH)
                .scope(Scope.mount(tmpfs.dir())).deadline(Duration.ofSeconds(20)).deadlineVerdict(false)
                .authorizationHandler(req -> {
                    throw new IllegalStateException("handler bug");
                }).build();
        try (Client client = EndpointSecurity.newClient(config)) {
            long t0 = System.nanoTime();
            assertEquals("EPERM", Actor.act("open", file.toString()));
            assertTrue(System.nanoTime() - t0 < 10_000_000_000L, "a throwing handler must not wait for the deadline");
            assertTrue(client.stats().total().handlerErrors() >= 1, client.stats().toString());
        }
    }

    /**
     * close() answers what waits in the kernel: a real process blocked in open() on a handler that
     * never answers (deadline far away) gets its open allowed as soon as the client closes.
     */
    @Test
    void closeReleasesAProcessWaitingInTheKernel() throws Exception {
        Path file = tmpfs.file("waiting", "x");
        java.util.concurrent.CountDownLatch inHandler = new java.util.concurrent.CountDownLatch(1);
        ClientConfig config = ClientConfig.builder().subscribe(EventType.FILE_OPEN, Mode.AUTH)
                .scope(Scope.mount(tmpfs.dir())).deadline(Duration.ofMinutes(10)).deadlineVerdict(false)
                .authorizationHandler(req -> {
                    inHandler.countDown();
                    never.await();
                    return Verdict.deny();
                }).build();
        Client client = EndpointSecurity.newClient(config);
        Process p;
        try {
            p = Actor.start("open", file.toString());
            assertTrue(inHandler.await(30, java.util.concurrent.TimeUnit.SECONDS), "the open never reached the handler");
            assertFalse(p.waitFor(500, java.util.concurrent.TimeUnit.MILLISECONDS), "the open waits for a verdict");
        } finally {
            client.close();
        }
        assertTrue(p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS), "close() did not release the waiting open");
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
        assertEquals("OK", out, "close() answers allow: the system is left as it was");
    }
}
