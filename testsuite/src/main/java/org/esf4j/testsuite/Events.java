package org.esf4j.testsuite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.function.Predicate;
import org.esf4j.api.Client;
import org.esf4j.api.ClientStats;
import org.esf4j.api.Event;
import org.esf4j.api.MuteRule;

/** What kernel tests of every backend do with the events a client delivers. */
public final class Events {

    private Events() {
    }

    /**
     * Mute rules for this JVM's ancestors (the build tool), so that their events stay out of a
     * test's client.
     *
     * @return one process rule per ancestor below init
     */
    public static List<MuteRule> muteAncestors() {
        List<MuteRule> rules = new ArrayList<>();
        ProcessHandle p = ProcessHandle.current().parent().orElse(null);
        while (p != null && p.pid() > 1) {
            rules.add(MuteRule.process((int) p.pid()));
            p = p.parent().orElse(null);
        }
        return rules;
    }

    /**
     * Waits up to 20 s for an event of a type matching a predicate among those the handler queued.
     * Tests queue every event and match afterwards: a handler that filters on a pid the test learns
     * only when the actor has exited races with the delivery.
     *
     * @param q where the client's handler queues every event
     * @param type the event type
     * @param p what the event must satisfy
     * @param <T> the event type
     * @return the first matching event
     * @throws AssertionError when none came
     */
    public static <T extends Event> T await(Queue<Event> q, Class<T> type, Predicate<T> p)
            throws InterruptedException {
        Object[] hit = new Object[1];
        Kernel.await(() -> {
            for (Event e : q) {
                if (type.isInstance(e) && p.test(type.cast(e))) {
                    hit[0] = e;
                    return true;
                }
            }
            return false;
        }, 20);
        assertNotNull(hit[0], "no matching " + type.getSimpleName() + " among " + q.size() + " events: " + q);
        return type.cast(hit[0]);
    }

    /**
     * The client's backend reported no error (a malformed record is one).
     *
     * @param c the client
     * @param backend the backend's name
     */
    public static void assertNoBackendErrors(Client c, String backend) {
        ClientStats.BackendCounters b = c.stats().backends().get(backend);
        assertNotNull(b, "no " + backend + " backend in " + c.stats().backends().keySet());
        assertEquals(0, b.errors(), backend + " backend errors: " + b);
    }
}
