package org.esf4j.spi.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.esf4j.api.BackendStatus;
import org.esf4j.api.ClientConfig;
import org.esf4j.api.DecisionClass;
import org.esf4j.api.Esf4jException;
import org.esf4j.api.EventKind;
import org.esf4j.api.EventType;
import org.esf4j.api.Mode;
import org.esf4j.api.ProbeReport;
import org.esf4j.api.ReasonCode;
import org.esf4j.spi.BackendProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Routing of event types to backends, and discovery that survives broken providers. */
class RoutingAndDiscoveryTest {

    private static Map<EventKind, DecisionClass> offers(Object... kv) {
        Map<EventKind, DecisionClass> m = new java.util.TreeMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(((EventType) kv[i]).kind(), (DecisionClass) kv[i + 1]);
        }
        return m;
    }

    private static EsfEngine.Candidate candidate(String name, int prio, boolean available, Object... kv) {
        FakeBackend.Provider p = new FakeBackend.Provider(name, prio, available, offers(kv));
        return new EsfEngine.Candidate(p, p.probe());
    }

    private final List<EsfEngine.Candidate> all = List.of(
            candidate("audit", 30, true, EventType.EXEC, DecisionClass.NOTIFY, EventType.SOCKET_BIND, DecisionClass.NOTIFY),
            candidate("bpf-lsm", 10, true, EventType.EXEC, DecisionClass.KERNEL_POLICY, EventType.SOCKET_BIND,
                    DecisionClass.KERNEL_POLICY),
            candidate("fanotify", 20, true, EventType.EXEC, DecisionClass.USERSPACE, EventType.FILE_OPEN,
                    DecisionClass.USERSPACE),
            candidate("tsem", 5, false, EventType.EXEC, DecisionClass.USERSPACE));

    private static ClientConfig config(EventType t, Mode m) {
        return ClientConfig.builder().subscribe(t, m).eventHandler(e -> { }).build();
    }

    @Test
    void authPrefersUserspaceThenKernelPolicyNeverNotify() {
        assertEquals("fanotify", EsfEngine.route(config(EventType.EXEC, Mode.AUTH), all, null).get(EventKind.EXEC).name());
        assertEquals("bpf-lsm", EsfEngine.route(config(EventType.SOCKET_BIND, Mode.AUTH), all, null)
                .get(EventKind.SOCKET_BIND).name());
        Esf4jException e = assertThrows(Esf4jException.class, () -> EsfEngine.route(config(EventType.URING_CMD, Mode.AUTH),
                all, null));
        assertTrue(e.getMessage().contains("tsem: KERNEL_TOO_OLD"), e.getMessage());
    }

    @Test
    void notifyGoesByPriority() {
        assertEquals("bpf-lsm", EsfEngine.route(config(EventType.EXEC, Mode.NOTIFY), all, null).get(EventKind.EXEC).name());
    }

    @Test
    void pinningByConfigOrPropertyAndItsErrors() {
        ClientConfig pinned = ClientConfig.builder().subscribe(EventType.EXEC, Mode.NOTIFY).eventHandler(e -> { })
                .pinBackend(EventType.EXEC, "audit").build();
        assertEquals("audit", EsfEngine.route(pinned, all, "fanotify").get(EventKind.EXEC).name());
        assertEquals("fanotify", EsfEngine.route(config(EventType.EXEC, Mode.NOTIFY), all, "fanotify")
                .get(EventKind.EXEC).name());
        String missing = assertThrows(Esf4jException.class,
                () -> EsfEngine.route(config(EventType.EXEC, Mode.AUTH), all, "esf-kmod")).getMessage();
        assertTrue(missing.contains("not on the class path") && missing.contains("fanotify"), missing);
        String down = assertThrows(Esf4jException.class,
                () -> EsfEngine.route(config(EventType.EXEC, Mode.AUTH), all, "tsem")).getMessage();
        assertTrue(down.contains("unavailable") && down.contains("upgrade"), down);
        String cannot = assertThrows(Esf4jException.class,
                () -> EsfEngine.route(config(EventType.EXEC, Mode.AUTH), all, "audit")).getMessage();
        assertTrue(cannot.contains("cannot serve EXEC in AUTH"), cannot);
    }

    @Test
    void noBackendAtAll() {
        String m = assertThrows(Esf4jException.class,
                () -> EsfEngine.route(config(EventType.EXEC, Mode.AUTH), List.of(), null)).getMessage();
        assertTrue(m.contains("no backend is on the class path"), m);
    }

    /**
     * A class path with three providers: one whose class file is for a future JDK (the JDK 17
     * trap: UnsupportedClassVersionError, not a ServiceConfigurationError), one that throws in
     * its constructor, and one that is missing. Discovery reports each and never throws.
     */
    @Test
    void brokenProvidersAreReportedNotThrown(@TempDir Path dir) throws Exception {
        Path services = dir.resolve("META-INF/services/" + BackendProvider.class.getName());
        Files.createDirectories(services.getParent());
        String futureName = "org.esf4j.test.FutureProvider";
        Path futureClass = dir.resolve("org/esf4j/test/FutureProvider.class");
        Files.createDirectories(futureClass.getParent());
        Files.write(futureClass, futureClassFile());
        Files.writeString(services, futureName + "\n" + ThrowingProvider.class.getName() + "\n"
                + "org.esf4j.test.Missing\n" + FakeBackend.Provider.class.getName() + "\n");
        try (URLClassLoader cl = new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader())) {
            EsfEngine engine = new EsfEngine(cl);
            ProbeReport r = engine.probe();
            List<BackendStatus> failed = r.backends().stream().filter(b -> b.reason() == ReasonCode.PROVIDER_LOAD_FAILED).toList();
            assertEquals(3, failed.size(), r.backends().toString());
            assertTrue(failed.stream().anyMatch(b -> b.message().contains("UnsupportedClassVersionError")
                    || b.message().contains("class file version")), failed.toString());
            assertTrue(r.backends().stream().anyMatch(b -> b.name().equals("fake") && b.available()));
            assertFalse(r.toJson().isEmpty());
        }
    }

    @Test
    void aHangingOrThrowingProbeIsReportedAsProbeFailed() {
        String old = System.getProperty(EsfEngine.PROBE_TIMEOUT_PROP_NAME);
        System.setProperty(EsfEngine.PROBE_TIMEOUT_PROP_NAME, "300");
        try {
            FakeBackend.Provider hangs = new FakeBackend.Provider("hangs", 1, true, offers()) {
                @Override
                public BackendStatus probe() {
                    try {
                        Thread.sleep(60_000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return super.probe();
                }
            };
            long t0 = System.nanoTime();
            BackendStatus s = EsfEngine.probe(hangs);
            assertTrue(System.nanoTime() - t0 < 5_000_000_000L);
            assertEquals(ReasonCode.PROBE_FAILED, s.reason());
            assertTrue(s.message().contains("300 ms"), s.message());
            FakeBackend.Provider throwsUp = new FakeBackend.Provider("throws", 1, true, offers()) {
                @Override
                public BackendStatus probe() {
                    throw new IllegalStateException("boom");
                }
            };
            BackendStatus t = EsfEngine.probe(throwsUp);
            assertEquals(ReasonCode.PROBE_FAILED, t.reason());
            assertTrue(t.message().contains("boom"), t.message());
        } finally {
            if (old == null) {
                System.clearProperty(EsfEngine.PROBE_TIMEOUT_PROP_NAME);
            } else {
                System.setProperty(EsfEngine.PROBE_TIMEOUT_PROP_NAME, old);
            }
        }
    }

    /** A minimal class file with major version 99 (no JDK loads it). */
    private static byte[] futureClassFile() throws IOException {
        try (var in = RoutingAndDiscoveryTest.class.getResourceAsStream("RoutingAndDiscoveryTest$ThrowingProvider.class")) {
            byte[] b = in.readAllBytes();
            b[6] = 0;
            b[7] = 99;
            return b;
        }
    }

    /** A provider whose constructor throws. */
    public static final class ThrowingProvider extends FakeBackend.ProviderBase {
        /** Throws. */
        public ThrowingProvider() {
            throw new IllegalStateException("broken on purpose");
        }
    }
}
