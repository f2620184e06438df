package org.esf4j.backend.fanotify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.esf4j.api.Client;
import org.esf4j.api.ClientConfig;
import org.esf4j.api.EndpointSecurity;
import org.esf4j.api.EventKind;
import org.esf4j.api.FileOpenEvent;
import org.esf4j.api.Mode;
import org.esf4j.api.Scope;
import org.esf4j.testsuite.Actor;
import org.esf4j.testsuite.Kernel;
import org.esf4j.testsuite.Tmpfs;
import org.junit.jupiter.api.Test;

/**
 * Every event the reader reads costs it a file descriptor (and a pidfd). When the process runs out
 * of descriptors while a burst is queued, the kernel cannot give the events descriptors: without
 * {@code FAN_REPORT_FD_ERROR} it destroys a notification and swallows the error in the middle of a
 * read. Each such event must be counted as a drop: every event of the burst is either delivered
 * or counted, none is lost silently. Required in CI ({@code ESF4J_REQUIRE=fanotify-fd-error}) on the
 * host, whose kernel has {@code FAN_REPORT_FD_ERROR}.
 */
class FanotifyDescriptorsTest {

    private static final int FILES = 3000;
    /** Descriptors the JVM may open beyond those it holds while the burst is read. */
    private static final int HEADROOM = 48;

    @Test
    void aReaderOutOfDescriptorsCountsEveryEventItCannotDeliver() throws Exception {
        Kernel.requireBackend(new FanotifyProvider());
        // before 6.13 the kernel itself drops such an event without a trace (the reader can only
        // size its reads to the descriptors it has at start; README says so)
        Kernel.require("fanotify-fd-error", FanotifyProbe.ensureAvailable().fdError(),
                "FAN_REPORT_FD_ERROR needs Linux 6.13");
        Kernel.require("prlimit", Files.isExecutable(Path.of("/usr/bin/prlimit")), "prlimit is not installed");
        try (Tmpfs tmpfs = new Tmpfs()) {
            Path dir = Files.createDirectories(tmpfs.dir.resolve("burst"));
            for (int i = 0; i < FILES; i++) {
                Files.createFile(dir.resolve("f" + i));
            }
            Path trigger = tmpfs.file("trigger", "t");
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch stalled = new CountDownLatch(1);
            Set<String> seen = ConcurrentHashMap.newKeySet();
            AtomicLong duplicates = new AtomicLong();
            AtomicLong dropped = new AtomicLong();
            ClientConfig config = ClientConfig.builder().subscribe(EventKind.FILE_OPEN, Mode.NOTIFY)
                    .scope(Scope.mount(tmpfs.dir)).handlerThread(ClientConfig.HandlerThread.READER)
                    .onEvent(e -> {
                        String p = ((FileOpenEvent) e).path();
                        if (p.equals(trigger.toString())) {
                            stalled.countDown();
                            awaitQuietly(release);
                        } else if (!seen.add(p)) {
                            duplicates.incrementAndGet();
                        }
                    })
                    .dropHandler(d -> {
                        if (d.layer().equals("event-fd") && d.count() > 0) {
                            dropped.addAndGet(d.count());
                        }
                    }).build();
            try (Client client = EndpointSecurity.newClient(config)) {
                assertEquals("OK", Actor.act("open", trigger.toString()));
                assertTrue(stalled.await(20, TimeUnit.SECONDS), "the trigger's event did not arrive");
                // the reader is stalled: the burst waits in the kernel's queue
                assertEquals("OK", Actor.act("openeach", dir.toString(), Integer.toString(FILES)));
                long self = ProcessHandle.current().pid();
                String[] open = new java.io.File("/proc/self/fd").list();
                String limit = Kernel.run(List.of("prlimit", "--pid", Long.toString(self), "--nofile",
                        "--noheadings", "--output", "SOFT,HARD")).trim();
                String[] sh = limit.split("\\s+");
                Kernel.run(List.of("prlimit", "--pid", Long.toString(self),
                        "--nofile=" + (open.length + HEADROOM) + ":" + sh[1]));
                try {
                    release.countDown();
                    Kernel.await(() -> seen.size() + dropped.get() >= FILES, 30);
                } finally {
                    Kernel.run(List.of("prlimit", "--pid", Long.toString(self), "--nofile=" + sh[0] + ":" + sh[1]));
                }
                Kernel.await(() -> seen.size() + dropped.get() >= FILES, 30);
                assertEquals(0, duplicates.get(), "events delivered twice");
                assertEquals(FILES, seen.size() + dropped.get(), seen.size() + " delivered and " + dropped.get()
                        + " counted as dropped of " + FILES + ": the rest were lost silently; " + client.stats());
                assertTrue(dropped.get() > 0, "the reader never ran out of descriptors, so this test proved "
                        + "nothing (" + seen.size() + " delivered)");
            }
        }
    }

    private static void awaitQuietly(CountDownLatch l) {
        try {
            l.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
