package org.esf4j.backend.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.esf4j.api.Client;
import org.esf4j.api.EndpointSecurity;
import org.esf4j.api.Event;
import org.esf4j.api.EventKind;
import org.esf4j.api.SocketBindEvent;
import org.esf4j.testsuite.Actor;
import org.esf4j.testsuite.Events;
import org.esf4j.testsuite.Kernel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Audit's {@code enabled} is host state shared by every esf4j process: two JVMs started and
 * stopped in every order (one of them killed with SIGKILL) never switch audit off under a client
 * that still runs, and the last esf4j user turns it off only when esf4j turned it on.
 */
class AuditSharedStateTest {

    private AuditStatus before;

    @BeforeEach
    void state() throws Exception {
        Kernel.requireBackend(new AuditProvider());
        before = AuditControl.status();
        // switching audit on and off is what is tested: a registered daemon owns that setting
        Kernel.require("audit", before.pid() == 0, "an audit daemon (pid " + before.pid() + ") is registered");
        Kernel.require("audit", before.enabled() != AuditStatus.ENABLED_LOCKED, "audit is locked (enabled=2)");
    }

    @AfterEach
    void restore() throws Exception {
        if (before != null) {
            AuditControl.restoreEnabled(before.enabled());
        }
    }

    private static void setEnabled(int enabled) throws Exception {
        try (AuditNetlink ctl = AuditControl.control()) {
            ctl.set(AuditStatus.MASK_ENABLED, AuditStatus.of(enabled, 0, 0));
        }
    }

    private static int enabled() throws Exception {
        return AuditControl.status().enabled();
    }

    private static void stop(Process child) throws InterruptedException {
        child.destroy(); // SIGTERM: the child closes its client
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child JVM did not stop");
    }

    /** A client that records binds, and proof that it still gets them. */
    private static final class Watching implements AutoCloseable {
        final Queue<Event> events = new ConcurrentLinkedQueue<>();
        final Client client = EndpointSecurity.newClient(AuditControl.notify(EventKind.SOCKET_BIND)
                .onEvent(events::add).build());

        void stillReports() throws Exception {
            Actor.Outcome o = Actor.outcome("bind4", "0");
            assertEquals("OK", o.line());
            Events.await(events, SocketBindEvent.class, e -> e.process().pid() == o.pid());
        }

        @Override
        public void close() {
            client.close();
        }
    }

    @Test
    void theFirstJvmStoppingLeavesAuditOnForTheSecond() throws Exception {
        setEnabled(AuditStatus.ENABLED_OFF);
        Process other = AuditControl.childClient();
        try {
            assertEquals(AuditStatus.ENABLED_ON, enabled(), "the other JVM's client turned audit on");
            try (Watching w = new Watching()) {
                stop(other);
                assertEquals(AuditStatus.ENABLED_ON, enabled(), "a client still runs here");
                w.stillReports();
            }
            assertEquals(AuditStatus.ENABLED_OFF, enabled(), "the last esf4j user restored enabled=0");
        } finally {
            other.destroyForcibly();
        }
    }

    @Test
    void theSecondJvmStoppingFirstLeavesAuditOnForTheFirst() throws Exception {
        setEnabled(AuditStatus.ENABLED_OFF);
        Process other;
        try (Watching w = new Watching()) {
            assertEquals(AuditStatus.ENABLED_ON, enabled());
            other = AuditControl.childClient();
        }
        try {
            assertEquals(AuditStatus.ENABLED_ON, enabled(), "the other JVM's client still runs");
            stop(other);
            assertEquals(AuditStatus.ENABLED_OFF, enabled(), "the last esf4j user restored enabled=0");
        } finally {
            other.destroyForcibly();
        }
    }

    @Test
    void aJvmKilledAfterTurningAuditOnLeavesTheRestoreToTheNextEsf4jUser() throws Exception {
        setEnabled(AuditStatus.ENABLED_OFF);
        Process other = AuditControl.childClient();
        try {
            assertEquals(AuditStatus.ENABLED_ON, enabled());
            other.destroyForcibly(); // SIGKILL: nothing is cleaned up
            assertTrue(other.waitFor(60, TimeUnit.SECONDS));
            assertEquals(AuditStatus.ENABLED_ON, enabled(), "a killed JVM cannot restore anything");
            try (Watching w = new Watching()) {
                w.stillReports();
            }
            assertEquals(AuditStatus.ENABLED_OFF, enabled(), "esf4j had turned audit on: the next user restored it");
            String prefix = AuditRules.PREFIX + other.pid() + ":";
            assertFalse(AuditControl.ruleKeys().stream().anyMatch(k -> k.startsWith(prefix)),
                    "the killed JVM's rules were removed: " + AuditControl.ruleKeys());
        } finally {
            other.destroyForcibly();
        }
    }

    @Test
    void auditTurnedOnBySomeoneElseStaysOn() throws Exception {
        setEnabled(AuditStatus.ENABLED_ON);
        Process other = AuditControl.childClient();
        try {
            try (Watching w = new Watching()) {
                stop(other);
                w.stillReports();
            }
            assertEquals(AuditStatus.ENABLED_ON, enabled(), "esf4j did not turn it on, so it does not turn it off");
            assertFalse(AuditControl.ruleKeys().contains(AuditSwitch.ENABLED_KEY));
        } finally {
            other.destroyForcibly();
        }
    }
}
