package org.esf4j.backend.fanotify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.esf4j.api.Client;
import org.esf4j.api.ClientConfig;
import org.esf4j.api.EndpointSecurity;
import org.esf4j.api.EventKind;
import org.esf4j.api.FileOpenEvent;
import org.esf4j.api.Mode;
import org.esf4j.api.PathState;
import org.esf4j.api.Scope;
import org.esf4j.api.Verdict;
import org.esf4j.testsuite.Actor;
import org.esf4j.testsuite.Kernel;
import org.esf4j.testsuite.Tmpfs;
import org.junit.jupiter.api.Test;

/**
 * Paths of files that lost their name: the kernel prints them with a {@code " (deleted)"} suffix,
 * which must never reach an event. A notification read after its file was renamed and unlinked
 * gives the last name, marked approximate; a permission event of an unnamed file is exact and
 * marked deleted.
 */
class FanotifyPathsTest {

    @Test
    void aNotificationOfAFileRenamedAndUnlinkedBeforeTheReadIsApproximateWithoutTheSuffix() throws Exception {
        Kernel.requireBackend(new FanotifyProvider());
        try (Tmpfs tmpfs = new Tmpfs()) {
            Path trigger = tmpfs.file("trigger", "t");
            Path opened = tmpfs.file("opened", "o");
            Path renamed = tmpfs.dir.resolve("renamed");
            Path unlinked = tmpfs.file("unlinked", "u");
            CountDownLatch stalled = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            List<FileOpenEvent> events = new CopyOnWriteArrayList<>();
            ClientConfig config = ClientConfig.builder().subscribe(EventKind.FILE_OPEN, Mode.NOTIFY)
                    .scope(Scope.mount(tmpfs.dir)).handlerThread(ClientConfig.HandlerThread.READER)
                    .onEvent(e -> {
                        FileOpenEvent o = (FileOpenEvent) e;
                        if (o.path().equals(trigger.toString())) {
                            stalled.countDown();
                            try {
                                release.await(30, TimeUnit.SECONDS);
                            } catch (InterruptedException x) {
                                Thread.currentThread().interrupt();
                            }
                        } else {
                            events.add(o);
                        }
                    }).build();
            try (Client client = EndpointSecurity.newClient(config)) {
                assertEquals("OK", Actor.act("open", trigger.toString()));
                assertTrue(stalled.await(20, TimeUnit.SECONDS), "the trigger's event did not arrive");
                Actor.Outcome a = Actor.outcome("open", opened.toString());
                Actor.Outcome b = Actor.outcome("open", unlinked.toString());
                Files.move(opened, renamed);
                Files.delete(renamed);
                Files.delete(unlinked);
                release.countDown();
                assertTrue(Kernel.await(() -> events.size() >= 2, 20), "events: " + events);
                FileOpenEvent ea = events.stream().filter(e -> e.process().pid() == a.pid()).findFirst().orElseThrow();
                FileOpenEvent eb = events.stream().filter(e -> e.process().pid() == b.pid()).findFirst().orElseThrow();
                assertEquals(renamed.toString(), ea.path(), "the last name the file had");
                assertEquals(PathState.APPROXIMATE, ea.pathState());
                assertEquals(unlinked.toString(), eb.path());
                assertEquals(PathState.APPROXIMATE, eb.pathState());
                assertFalse(ea.path().contains("(deleted)") || eb.path().contains("(deleted)"), events.toString());
            }
        }
    }

    @Test
    void aPermissionEventOfAnUnnamedFileIsMarkedDeletedWithoutTheSuffix() throws Exception {
        Kernel.requireBackend(new FanotifyProvider());
        try (Tmpfs tmpfs = new Tmpfs()) {
            List<FileOpenEvent> events = new CopyOnWriteArrayList<>();
            ClientConfig config = ClientConfig.builder().subscribe(EventKind.FILE_OPEN, Mode.AUTH)
                    .scope(Scope.mount(tmpfs.dir)).onAuthorization(req -> {
                        events.add((FileOpenEvent) req.event());
                        return Verdict.allow();
                    }).build();
            try (Client client = EndpointSecurity.newClient(config)) {
                Actor.Outcome t = Actor.outcome("tmpfile", tmpfs.dir.toString());
                assertEquals("OK", t.line());
                assertTrue(Kernel.await(() -> events.stream().anyMatch(e -> e.process().pid() == t.pid()), 20));
                FileOpenEvent e = events.stream().filter(x -> x.process().pid() == t.pid()).findFirst().orElseThrow();
                assertEquals(PathState.DELETED, e.pathState(), e.toString());
                assertTrue(e.path().startsWith(tmpfs.dir + "/#") && !e.path().contains("(deleted)"), e.path());
            }
        }
    }
}
