package org.esf4j.spi.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.esf4j.api.BackendStatus;
import org.esf4j.api.ClientConfig;
import org.esf4j.api.EventKind;
import org.esf4j.api.Mode;
import org.esf4j.api.ReasonCode;
import org.esf4j.api.Verdict;
import org.esf4j.spi.BackendProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Settings that cannot mean what the user wanted are refused with one clear message, never ignored. */
class StrictInputTest {

    @Test
    void aDeadlineUnderOneMillisecondIsRefused() {
        ClientConfig.Builder b = ClientConfig.builder();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.deadline(Duration.ofNanos(1)));
        assertTrue(e.getMessage().contains("1 ms"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> b.deadline(Duration.ofMillis(-5)));
        b.deadline(Duration.ofMillis(1)); // the shortest accepted
    }

    @Test
    void aBadProbeTimeoutIsRefusedByNewClientAndReportedByTheProbe(@TempDir Path dir) throws Exception {
        String old = System.getProperty(EsfEngine.PROBE_TIMEOUT_PROP_NAME);
        try (URLClassLoader cl = fakeOnly(dir)) {
            for (String bad : new String[] {"-5", "0", "soon"}) {
                System.setProperty(EsfEngine.PROBE_TIMEOUT_PROP_NAME, bad);
                EsfEngine engine = new EsfEngine(cl);
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> engine.newClient(config().build()));
                assertTrue(e.getMessage().contains(EsfEngine.PROBE_TIMEOUT_PROP_NAME + "=" + bad), e.getMessage());
                BackendStatus s = engine.probe().backends().get(0);
                assertEquals(ReasonCode.PROBE_FAILED, s.reason());
                assertTrue(s.message().contains(bad), s.message());
            }
        } finally {
            if (old == null) {
                System.clearProperty(EsfEngine.PROBE_TIMEOUT_PROP_NAME);
            } else {
                System.setProperty(EsfEngine.PROBE_TIMEOUT_PROP_NAME, old);
            }
        }
    }

    @Test
    void anOptionForABackendThatDoesNotExistIsRefused(@TempDir Path dir) throws Exception {
        try (URLClassLoader cl = fakeOnly(dir)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new EsfEngine(cl).newClient(config().backendOption("fanotfy.ring-bytes", "1").build()));
            assertTrue(e.getMessage().contains("fanotfy.ring-bytes") && e.getMessage().contains("fake"),
                    e.getMessage());
        }
    }

    @Test
    void aBadWatchdogPriorityIsRefusedByNewClient(@TempDir Path dir) throws Exception {
        try (URLClassLoader cl = fakeOnly(dir)) {
            for (String bad : new String[] {"-1", "100", "high"}) {
                System.setProperty(Watchdog.FIFO_PROP, bad);
                try {
                    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                            () -> new EsfEngine(cl).newClient(config().build()));
                    assertTrue(e.getMessage().contains(Watchdog.FIFO_PROP + "=" + bad), e.getMessage());
                } finally {
                    System.clearProperty(Watchdog.FIFO_PROP);
                }
            }
        }
    }

    private static ClientConfig.Builder config() {
        return ClientConfig.builder().subscribe(EventKind.EXEC, Mode.AUTH).onAuthorization(r -> Verdict.allow());
    }

    /** A class loader whose only backend is the fake. */
    private static URLClassLoader fakeOnly(Path dir) throws Exception {
        Path services = dir.resolve("META-INF/services/" + BackendProvider.class.getName());
        Files.createDirectories(services.getParent());
        Files.writeString(services, FakeBackend.Provider.class.getName() + "\n");
        return new URLClassLoader(new URL[] {dir.toUri().toURL()}, StrictInputTest.class.getClassLoader());
    }
}
