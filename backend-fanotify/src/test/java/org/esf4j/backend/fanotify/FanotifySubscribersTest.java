package org.esf4j.backend.fanotify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.esf4j.api.Client;
import org.esf4j.api.ClientConfig;
import org.esf4j.api.EndpointSecurity;
import org.esf4j.api.EventKind;
import org.esf4j.api.FileOpenEvent;
import org.esf4j.api.Mode;
import org.esf4j.api.Scope;
import org.esf4j.api.Subscribers;
import org.esf4j.api.Verdict;
import org.esf4j.testsuite.Actor;
import org.esf4j.testsuite.Tmpfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two deciders on one mount. As two clients, they are two fanotify groups, which the kernel asks
 * one after another, each waiting for its own answer: a process waits for the sum of their
 * deadlines. As two {@link Subscribers} of one client, they share one group: deny wins, and a
 * process waits for the earliest deadline at most.
 */
class FanotifySubscribersTest {

    private static final Duration DEADLINE = Duration.ofMillis(500);
    @RegisterExtension
    final Tmpfs.PerTest tmpfs = Tmpfs.perTest(new FanotifyProvider());



    private ClientConfig.Builder base() {
        return ClientConfig.builder().subscribe(EventKind.FILE_OPEN, Mode.AUTH)
                .pinBackend(EventKind.FILE_OPEN, FanotifyProvider.NAME).scope(Scope.mount(tmpfs.dir()))
                .deadlineVerdict(true);
    }

    private static long openMillis(Path f) throws Exception {
        long t0 = System.nanoTime();
        assertEquals("OK", Actor.act("open", f.toString()));
        return (System.nanoTime() - t0) / 1_000_000;
    }

    @Test
    void twoClientsOnOneMountAddUpTheirDeadlinesTwoSubscribersDoNot() throws Exception {
        Path f = tmpfs.file("f", "x");
        long separate;
        try (Client a = EndpointSecurity.newClient(base().deadline(DEADLINE).onAuthorization(r -> null).build());
             Client b = EndpointSecurity.newClient(base().deadline(DEADLINE).onAuthorization(r -> null).build())) {
            separate = openMillis(f);
            assertEquals(1, a.stats().total().deadlineMisses());
            assertEquals(1, b.stats().total().deadlineMisses());
        }
        long shared;
        Subscribers s = Subscribers.builder().add("a", DEADLINE, r -> null).add("b", DEADLINE, r -> null).build();
        try (Client c = EndpointSecurity.newClient(base().subscribers(s).build())) {
            shared = openMillis(f);
            assertEquals(1, c.stats().total().deadlineMisses());
        }
        System.out.printf("one open, two silent deciders with %d ms deadlines: two clients %d ms, one client with"
                + " two subscribers %d ms%n", DEADLINE.toMillis(), separate, shared);
        assertTrue(separate >= 2 * DEADLINE.toMillis() - 20, "the kernel asks the groups in turn: " + separate + " ms");
        assertTrue(shared < 2 * DEADLINE.toMillis() - 100, "one group, one deadline: " + shared + " ms");
    }

    @Test
    void aDenyFromEitherSubscriberHoldsInTheKernel() throws Exception {
        Path secret = tmpfs.file("secret", "x");
        Path open = tmpfs.file("public", "y");
        List<String> seen = new CopyOnWriteArrayList<>();
        Subscribers s = Subscribers.builder()
                .add("av", Duration.ofSeconds(2), r -> {
                    seen.add("av " + ((FileOpenEvent) r.event()).path());
                    return Verdict.allow();
                })
                .add("dlp", Duration.ofSeconds(2), r -> {
                    String p = ((FileOpenEvent) r.event()).path();
                    seen.add("dlp " + p);
                    return p.equals(secret.toString()) ? Verdict.deny() : Verdict.allow();
                }).build();
        try (Client c = EndpointSecurity.newClient(base().subscribers(s).build())) {
            assertEquals("EPERM", Actor.act("open", secret.toString()));
            assertEquals("OK", Actor.act("open", open.toString()));
            assertEquals(0, c.stats().total().deadlineMisses(), c.stats().toString());
        }
        assertTrue(seen.containsAll(List.of("av " + secret, "dlp " + secret, "av " + open, "dlp " + open)),
                seen.toString());
    }
}
