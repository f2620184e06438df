package org.esf4j.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;
import org.esf4j.api.ClientConfig;
import org.esf4j.api.ClientStats;
import org.esf4j.api.DropNotice;
import org.esf4j.api.Event;
import org.esf4j.api.EventKind;
import org.esf4j.api.Mode;
import org.esf4j.backend.audit.AuditProvider;
import org.esf4j.backend.bpflsm.BpfLsmProvider;
import org.esf4j.backend.fanotify.FanotifyProvider;
import org.esf4j.spi.BackendProvider;
import org.esf4j.testsuite.BackendConformanceTest;
import org.esf4j.testsuite.ExecConformance;
import org.esf4j.testsuite.FileOpenConformance;
import org.esf4j.testsuite.SocketBindConformance;
import org.esf4j.testsuite.SocketConnectConformance;

/**
 * {@code esf4j watch --json} against the conformance suite: the command line runs in a child JVM
 * while the workload runs, and its JSON lines, read back as events, must match the witness like a
 * client's events do. Its "Ctrl-C to stop" line is the moment delivery must have started (the
 * shared start/stop test makes operations right after it), and SIGTERM (Ctrl-C) must print what
 * happened before it.
 */
abstract class CliConformance extends BackendConformanceTest {

    @Override
    protected String binding() {
        return "ffm";
    }

    @Override
    protected Mode mode() {
        return Mode.NOTIFY;
    }

    @Override
    protected Watch watch(ClientConfig config, List<Event> events) throws Exception {
        StringJoiner kinds = new StringJoiner(",");
        for (EventKind k : config.kinds().keySet()) {
            kinds.add(k.name());
        }
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--enable-native-access=ALL-UNNAMED",
                // its own probe, uncached (under emulation a BPF LSM probe takes 10-20 s)
                "-Desf4j.probe.timeout.ms=" + System.getProperty("esf4j.probe.timeout.ms", "120000"),
                "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "watch", "--json", "--backend", provider().name(), "--events", kinds.toString(),
                "--path", "mount:" + config.scopes().get(0).path()));
        Process p = new ProcessBuilder(cmd).start();
        BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
        StringBuilder log = new StringBuilder();
        String line;
        while ((line = err.readLine()) != null && !line.contains("Ctrl-C to stop")) {
            log.append(line).append('\n');
        }
        assertTrue(line != null, "esf4j watch did not start: " + log);
        Thread errors = new Thread(() -> drain(err), "cli-stderr");
        errors.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        Thread reader = new Thread(() -> {
            try {
                for (String l; (l = out.readLine()) != null; ) {
                    Object o = JsonEvents.decode(l);
                    if (o instanceof Event e) {
                        events.add(e);
                    } else if (o instanceof DropNotice d) {
                        dropped(d);
                    }
                }
            } catch (Exception e) {
                dropped(new DropNotice("cli", "output", -1, -1, "unreadable output: " + e));
            }
        }, "cli-stdout");
        reader.start();
        return new Watch() {
            @Override
            public ClientStats stats() {
                return null;
            }

            @Override
            public void close() throws Exception {
                p.toHandle().destroy(); // SIGTERM, as Ctrl-C: the CLI closes its client and exits
                assertTrue(p.waitFor(60, TimeUnit.SECONDS), "esf4j watch did not stop");
                reader.join(10_000);
                errors.join(10_000);
            }
        };
    }

    private static void drain(BufferedReader r) {
        try {
            while (r.readLine() != null) {
                // log lines
            }
        } catch (java.io.IOException e) {
            // the process is gone
        }
    }

    /** fanotify through the command line: execs and opens in the watched tmpfs. */
    static final class FanotifyTest extends CliConformance implements ExecConformance, FileOpenConformance {
        @Override
        protected BackendProvider provider() {
            return new FanotifyProvider();
        }
    }

    /** audit through the command line: execs, opens, binds and connects. */
    static final class AuditTest extends CliConformance
            implements ExecConformance, FileOpenConformance, SocketBindConformance, SocketConnectConformance {
        @Override
        protected BackendProvider provider() {
            return new AuditProvider();
        }
    }

    /**
     * BPF LSM through the command line (in the guest kernels): execs, opens, binds and connects. Its
     * hooks see every exec and open on the machine; the suite keeps the workload's processes and, for
     * opens, the watched file system.
     */
    static final class BpfLsmTest extends CliConformance
            implements ExecConformance, FileOpenConformance, SocketBindConformance, SocketConnectConformance {
        @Override
        protected BackendProvider provider() {
            return new BpfLsmProvider();
        }
    }
}
