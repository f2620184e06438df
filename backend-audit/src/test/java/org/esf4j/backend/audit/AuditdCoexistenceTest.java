package org.esf4j.backend.audit;

import static org.esf4j.testsuite.Kernel.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.esf4j.api.Client;
import org.esf4j.api.EndpointSecurity;
import org.esf4j.api.Esf4jException;
import org.esf4j.api.Event;
import org.esf4j.api.EventKind;
import org.esf4j.api.SocketBindEvent;
import org.esf4j.testsuite.Actor;
import org.esf4j.testsuite.Events;
import org.esf4j.testsuite.Kernel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * esf4j beside a real auditd (Debian's package, its binary named by {@code ESF4J_AUDITD}; CI
 * sets it and requires the test with {@code ESF4J_REQUIRE=auditd}): auditd keeps its unicast
 * registration and keeps logging every record, esf4j reads the multicast copy, and unicast mode
 * is refused while auditd runs. auditd gets a configuration of its own (log in a temporary
 * directory); audit's {@code enabled} is restored afterwards.
 */
class AuditdCoexistenceTest {

    @TempDir
    Path dir;
    private Process auditd;
    private AuditStatus before;

    @BeforeEach
    void startAuditd() throws Exception {
        Kernel.requireBackend(new AuditProvider());
        String bin = System.getenv().getOrDefault("ESF4J_AUDITD", "");
        String why = "ESF4J_AUDITD does not name an auditd binary: '" + bin + "'";
        if (Kernel.required("auditd")) {
            assertTrue(!bin.isEmpty() && Files.isExecutable(Path.of(bin)), why);
        } else {
            assumeTrue(!bin.isEmpty() && Files.isExecutable(Path.of(bin)), why);
        }
        before = AuditControl.status();
        String busy = "an audit daemon already runs (pid " + before.pid() + "): this test starts its own";
        if (Kernel.required("auditd")) {
            assertEquals(0, before.pid(), busy);
        } else {
            assumeTrue(before.pid() == 0, busy);
        }
        Path conf = dir.resolve("conf");
        Files.createDirectories(conf);
        Files.createDirectories(dir.resolve("plugins"));
        Path cfg = Files.writeString(conf.resolve("auditd.conf"), String.join("\n",
                "local_events = yes", "write_logs = yes", "log_file = " + dir.resolve("audit.log"),
                "log_group = root", "log_format = RAW", "flush = INCREMENTAL_ASYNC", "freq = 20", "max_log_file = 64",
                "num_logs = 2", "priority_boost = 0", "name_format = NONE", "max_log_file_action = ROTATE",
                "space_left = 2", "space_left_action = IGNORE", "admin_space_left = 1",
                "admin_space_left_action = IGNORE", "disk_full_action = IGNORE", "disk_error_action = IGNORE",
                "use_libwrap = no", "tcp_listen_queue = 5", "tcp_max_per_addr = 1", "tcp_client_max_idle = 0",
                "transport = TCP", "distribute_network = no", "q_depth = 2000", "overflow_action = IGNORE",
                "max_restarts = 10", "plugin_dir = " + dir.resolve("plugins"), "end_of_event_timeout = 2", ""));
        Files.setPosixFilePermissions(cfg, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r-----"));
        auditd = new ProcessBuilder(bin, "-n", "-c", conf.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("auditd.out").toFile()).start();
        assertTrue(await(() -> {
            try {
                return AuditControl.status().pid() == auditd.pid();
            } catch (Exception e) {
                return false;
            }
        }, 20), "auditd did not register: " + Files.readString(dir.resolve("auditd.out")));
    }

    @AfterEach
    void stopAuditd() throws Exception {
        if (auditd != null) {
            auditd.destroy(); // SIGTERM: auditd unregisters
            assertTrue(auditd.waitFor(30, TimeUnit.SECONDS), "auditd did not stop");
            assertEquals(0, AuditControl.status().pid());
        }
        if (before != null) {
            AuditControl.restoreEnabled(before.enabled()); // auditd enables audit at start, and leaves it so
        }
    }

    @Test
    void readsBesideAuditdWithoutDisturbingIt() throws Exception {
        // a fresh JVM's probe (this one's is memoized) names the daemon holding the unicast slot
        String probe = AuditProbeTest.childProbe(java.util.List.of());
        assertTrue(probe.startsWith("available") && probe.contains("audit daemon pid " + auditd.pid()), probe);
        Queue<Event> q = new ConcurrentLinkedQueue<>();
        String key;
        try (Client c = EndpointSecurity.newClient(AuditControl.notify(EventKind.SOCKET_BIND, EventKind.EXEC)
                .onEvent(q::add).build())) {
            key = AuditControl.ruleKeys().stream().filter(k -> k.startsWith(AuditRules.PREFIX) && k.endsWith(":bind"))
                    .findFirst().orElseThrow();
            Actor.Outcome o = Actor.outcome("bind4", "47331");
            SocketBindEvent got = Events.await(q, SocketBindEvent.class, b -> b.process().pid() == o.pid());
            assertEquals(47331, got.port());
            Events.assertNoBackendErrors(c, AuditProvider.NAME);
            assertEquals(auditd.pid(), AuditControl.status().pid(), "auditd keeps the unicast slot");
            Esf4jException e = assertThrows(Esf4jException.class, () -> EndpointSecurity.newClient(
                    AuditControl.notify(EventKind.SOCKET_BIND).backendOption(AuditProvider.OPTION_MODE, "unicast")
                            .build()).close());
            assertTrue(e.getMessage().contains("IN_USE") && e.getMessage().contains(Long.toString(auditd.pid())),
                    e.getMessage());
            // auditd logged the same event (the rules are global) with esf4j's key
            String pidField = " pid=" + o.pid() + " ";
            assertTrue(await(() -> log().lines().anyMatch(l -> l.contains("type=SYSCALL") && l.contains(pidField)
                    && l.contains("key=\"" + key + "\"")), 20), "auditd's log lacks the event");
        }
        assertTrue(auditd.isAlive(), "auditd still runs");
        assertEquals(auditd.pid(), AuditControl.status().pid(), "auditd still registered after esf4j closed");
        assertTrue(AuditControl.ruleKeys().stream().noneMatch(k -> k.startsWith(key.substring(0, key.length() - 4))));
        assertEquals(AuditStatus.ENABLED_ON, AuditControl.status().enabled(), "esf4j did not switch audit off under auditd");
        // auditd still gets events after esf4j left (a rule of its own, as auditctl would add)
        byte[] rule = new AuditRule(AuditRule.LIST_EXIT, AuditRule.ALWAYS).syscalls(Syscalls.forThisMachine()[0].bind())
                .field(AuditRule.F_ARCH, AuditRule.OP_EQUAL, Syscalls.forThisMachine()[0].arch())
                .field(AuditRule.F_FILTERKEY, AuditRule.OP_EQUAL, "auditd-test").toBytes();
        try (AuditNetlink ctl = AuditControl.control()) {
            ctl.addRule(rule);
            try {
                Actor.Outcome o = Actor.outcome("bind4", "47332");
                String pidField = " pid=" + o.pid() + " ";
                assertTrue(await(() -> log().lines().anyMatch(l -> l.contains(pidField)
                        && l.contains("key=\"auditd-test\"")), 20), "auditd stopped logging");
            } finally {
                ctl.deleteRule(rule);
            }
        }
    }

    private String log() {
        try {
            return Files.readString(dir.resolve("audit.log"), StandardCharsets.ISO_8859_1);
        } catch (java.io.IOException e) {
            return "";
        }
    }
}
