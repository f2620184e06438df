package org.esf4j.backend.fanotify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.esf4j.api.Client;
import org.esf4j.api.ClientConfig;
import org.esf4j.api.ClientStats;
import org.esf4j.api.EndpointSecurity;
import org.esf4j.api.EventKind;
import org.esf4j.api.FileOpenEvent;
import org.esf4j.api.Mode;
import org.esf4j.api.Scope;
import org.esf4j.api.Verdict;
import org.esf4j.testsuite.Actor;
import org.esf4j.testsuite.Tmpfs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A handler that runs on the reader thread ({@code handlerThread(READER)}) and blocks cannot wedge
 * the mount: at the deadline the engine answers its event and the backend gives the group to a
 * new reader thread, which answers every later event, the handler's own opens among them.
 * Without it, a handler that opens a file in scope by its path waits on its own group, which only
 * the blocked reader reads: every open on the mount then hangs until {@code close()}.
 */
class FanotifyReaderHandoverTest {

    private static final Duration DEADLINE = Duration.ofMillis(300);
    /** Far more than a deadline and a hand-over; far less than "hangs until close". */
    private static final long BOUND_MS = 5_000;
    @RegisterExtension
    final Tmpfs.PerTest tmpfs = Tmpfs.perTest(new FanotifyProvider());
    private final CountDownLatch release = new CountDownLatch(1);


    @AfterEach
    void tearDown() throws Exception {
        release.countDown();
    }

    private ClientConfig.Builder config() {
        return ClientConfig.builder().subscribe(EventKind.FILE_OPEN, Mode.AUTH)
                .pinBackend(EventKind.FILE_OPEN, FanotifyProvider.NAME).scope(Scope.mount(tmpfs.dir()))
                .handlerThread(ClientConfig.HandlerThread.READER).deadline(DEADLINE).deadlineVerdict(true);
    }

    /** Runs the actor, failing (not hanging) when it takes longer than {@link #BOUND_MS}. */
    private static String actWithin(String... args) throws Exception {
        long t0 = System.nanoTime();
        Process p = Actor.start(args);
        if (!p.waitFor(BOUND_MS, TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(List.of(args) + " was still waiting after " + BOUND_MS
                    + " ms: the mount is wedged");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(System.nanoTime() - t0 < TimeUnit.MILLISECONDS.toNanos(BOUND_MS));
        return out;
    }

    /**
     * The handler reads the file by its path (not through {@code file()}): each of its opens waits
     * on the group until the deadline hands the group to a new reader, which lets the library's
     * own open through; the handler then returns, late. Every open of the actor completes, each
     * handler read succeeds, and each event is counted as a hand-over.
     */
    @Test
    void aHandlerThatOpensTheFileByItsPathDelaysOnlyItsOwnEvent() throws Exception {
        Path file = tmpfs.file("hashed", "content");
        AtomicInteger reads = new AtomicInteger();
        ClientConfig.Builder b = config().onAuthorization(req -> {
            if (req.event() instanceof FileOpenEvent o && o.path().equals(file.toString())) {
                try {
                    if (Files.readString(Path.of(o.path())).equals("content")) {
                        reads.incrementAndGet();
                    }
                } catch (java.io.IOException e) {
                    throw new IllegalStateException(e);
                }
            }
            return Verdict.allow();
        });
        ClientStats.BackendCounters t;
        try (Client c = EndpointSecurity.newClient(b.build())) {
            for (int i = 0; i < 3; i++) {
                assertEquals("OK", actWithin("open", file.toString()), "open " + i);
            }
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (reads.get() < 3 && System.nanoTime() - end < 0) {
                Thread.sleep(10);
            }
            t = c.stats().total();
            long t0 = System.nanoTime();
            c.close();
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(2), "close() waited on a reader");
        }
        assertEquals(3, reads.get(), "every handler read of the file completed: " + t);
        assertEquals(3, t.readerHandovers(), t.toString());
        assertEquals(3, t.deadlineMisses(), t.toString());
        assertEquals(3, t.lateResponses(), "the handlers' verdicts came after the deadline: " + t);
    }

    /**
     * A handler that never returns for one file: its event gets the deadline verdict, and every
     * later event, on other files, is answered by the handler on the new reader, in time.
     */
    @Test
    void aWedgedHandlerLeavesTheOtherEventsToANewReader() throws Exception {
        Path wedge = tmpfs.file("wedge", "x");
        Path other = tmpfs.file("other", "y");
        CountDownLatch wedged = new CountDownLatch(1);
        ClientConfig.Builder b = config().deadlineVerdict(false).onAuthorization(req -> {
            if (req.event() instanceof FileOpenEvent o && o.path().equals(wedge.toString())) {
                wedged.countDown();
                release.await();
                return Verdict.allow();
            }
            return Verdict.allow();
        });
        try (Client c = EndpointSecurity.newClient(b.build())) {
            assertEquals("EPERM", actWithin("open", wedge.toString()), "the deadline verdict");
            assertTrue(wedged.await(1, TimeUnit.SECONDS));
            for (int i = 0; i < 5; i++) {
                // allowed: the handler's verdict, not the deadline's deny
                assertEquals("OK", actWithin("open", other.toString()), "open " + i);
            }
            ClientStats.BackendCounters t = c.stats().total();
            assertEquals(1, t.readerHandovers(), t.toString());
            assertEquals(1, t.deadlineMisses(), t.toString());
            assertEquals(5, t.handlerVerdicts(), t.toString());
            release.countDown();
        }
    }
}
