package org.esf4j.benchmarks.deadline;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.esf4j.api.Client;
import org.esf4j.api.ClientConfig;
import org.esf4j.api.ClientStats;
import org.esf4j.api.EndpointSecurity;
import org.esf4j.api.EventKind;
import org.esf4j.api.LatencySummary;
import org.esf4j.api.Mode;
import org.esf4j.api.Scope;

/**
 * How late the engine answers at the deadline: a client whose handler never answers watches a
 * fresh tmpfs; an opener in another process (the C program {@code lateness --open}) opens a file
 * there SAMPLES times, and each open waits for the deadline verdict. Printed: the engine's own
 * receive-to-decision percentiles minus the deadline (the overshoot), and the opener's open(2)
 * times, the independent witness (they also contain the kernel's wake-ups).
 *
 * <pre>
 * java -cp benchmarks.jar org.esf4j.benchmarks.deadline.DeadlineOvershoot OPENER DEADLINE_MS SAMPLES HANDLER_THREAD
 * </pre>
 * Needs root (mount, fanotify). {@code benchmarks/deadline/run} runs it idle and under load.
 */
public final class DeadlineOvershoot {

    private DeadlineOvershoot() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: DeadlineOvershoot OPENER DEADLINE_MS SAMPLES DISPATCH|READER");
            System.exit(64);
        }
        String opener = args[0];
        Duration deadline = Duration.ofMillis(Long.parseLong(args[1]));
        int samples = Integer.parseInt(args[2]);
        ClientConfig.HandlerThread thread = ClientConfig.HandlerThread.valueOf(args[3]);
        Path dir = Files.createTempDirectory("esf4j-deadline");
        run(List.of("mount", "-t", "tmpfs", "-o", "size=1m", "esf4j-deadline", dir.toString()));
        try {
            Path f = Files.writeString(dir.resolve("f"), "x");
            ClientConfig config = ClientConfig.builder().subscribe(EventKind.FILE_OPEN, Mode.AUTH)
                    .scope(Scope.mount(dir)).deadline(deadline).deadlineVerdict(true).handlerThread(thread)
                    .healthPolicy(Integer.MAX_VALUE, 1000, org.esf4j.api.HealthAction.KEEP_WAITING)
                    .onAuthorization(r -> null) // never answers: every event waits for the deadline
                    .build();
            String witness;
            ClientStats stats;
            try (Client c = EndpointSecurity.newClient(config)) {
                Process p = new ProcessBuilder(opener, "--open", f.toString(), Integer.toString(samples))
                        .redirectErrorStream(true).start();
                witness = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                if (p.waitFor() != 0) {
                    throw new IllegalStateException("the opener failed: " + witness);
                }
                stats = c.stats();
            }
            LatencySummary s = stats.receiveToDecision();
            long d = deadline.toNanos();
            System.out.printf("java-%s deadline=%dms n=%d overshoot p50=%.1f p99=%.1f p99.9=%.1f max=%.1f (us),"
                            + " deadline misses %d%n", thread.name().toLowerCase(), deadline.toMillis(), s.count(),
                    (s.p50Nanos() - d) / 1e3, (s.p99Nanos() - d) / 1e3, (s.p999Nanos() - d) / 1e3,
                    (s.maxNanos() - d) / 1e3, stats.total().deadlineMisses());
            System.out.println("  witness " + witness);
        } finally {
            run(List.of("umount", "-l", dir.toString()));
            Files.deleteIfExists(dir);
        }
    }

    private static void run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException(cmd + " failed");
        }
    }
}
