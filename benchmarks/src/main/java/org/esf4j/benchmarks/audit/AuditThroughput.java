package org.esf4j.benchmarks.audit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.esf4j.api.Client;
import org.esf4j.api.ClientConfig;
import org.esf4j.api.ClientStats;
import org.esf4j.api.EndpointSecurity;
import org.esf4j.api.EventType;
import org.esf4j.api.Mode;
import org.esf4j.api.MuteRule;
import org.esf4j.api.SocketBindEvent;

/**
 * End-to-end throughput of the audit backend on a real kernel: how many SocketBind events per
 * second reach a client's handler, and whether any is lost, the Java side of
 * {@code benchmarks/audit/e2e}.
 *
 * <p>One esf4j client (NOTIFY SOCKET_BIND, pinned to the audit backend, multicast mode, default
 * options: 8 MiB receive buffer) stays open for the whole run. Per trial, the workload
 * ({@code bindload}, C) starts, waits for "go", performs N socket/bind/close iterations, paced to
 * the offered rate or as fast as it can ({@code max}), and exits. The handler counts the workload's
 * events (by pid, known before "go") and the time of the last one; drop notices are summed by layer.
 * A trial ends when all N arrived, or 5 s after the last one did.
 *
 * <p>Per trial: <em>load/s</em> = N / the workload's own elapsed time (the kernel throttles it when
 * its audit backlog is full, so at {@code max} this is the rate the kernel sustains);
 * <em>delivered/s</em> = events delivered / (last delivery - "go"); <em>lost</em> = N - delivered.
 * Output: one line per trial, then a markdown table with p50/min/max over the trials; the events
 * counted by drop notices (serial-gap, partial-event, kernel) should equal the events lost.
 *
 * <pre>
 * java -cp benchmarks.jar org.esf4j.benchmarks.audit.AuditThroughput --load PATH
 *      [--events N] [--rates max,5000,...] [--trials T]
 * </pre>
 */
public final class AuditThroughput {

    private record Trial(String rate, long events, long delivered, double loadPerSec, double deliveredPerSec,
                         Map<String, Long> drops) {
    }

    private final AtomicLong target = new AtomicLong(-1);
    private final LongAdder delivered = new LongAdder();
    private volatile long lastNanos;
    private final Map<String, LongAdder> drops = new ConcurrentHashMap<>();

    public static void main(String[] args) throws Exception {
        String load = null;
        int events = 100_000;
        int trials = 5;
        List<String> rates = List.of("max");
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length) {
                usage("missing value for " + a);
            }
            switch (a) {
                case "--load" -> load = args[++i];
                case "--events" -> events = Integer.parseInt(args[++i]);
                case "--trials" -> trials = Integer.parseInt(args[++i]);
                case "--rates" -> rates = Arrays.asList(args[++i].split(","));
                default -> usage("unknown argument " + a);
            }
        }
        if (load == null || events <= 0 || trials <= 0) {
            usage("--load is required; --events and --trials must be positive");
        }
        for (String r : rates) {
            if (!r.equals("max") && !r.matches("[1-9][0-9]*")) {
                usage("a rate is 'max' or a positive number of binds/s: " + r);
            }
        }
        new AuditThroughput().run(load, events, trials, rates);
    }

    private static void usage(String why) {
        System.err.println("AuditThroughput: " + why);
        System.err.println("usage: AuditThroughput --load BINDLOAD [--events N] [--rates max,5000,...] [--trials T]");
        System.exit(64);
    }

    private void run(String load, int events, int trials, List<String> rates) throws Exception {
        ClientConfig.Builder b = ClientConfig.builder()
                .subscribe(EventType.SOCKET_BIND, Mode.NOTIFY)
                .pinBackend(EventType.SOCKET_BIND, "audit")
                .eventHandler(e -> {
                    if (e.process().pid() == target.get() && e instanceof SocketBindEvent) {
                        delivered.increment();
                        lastNanos = System.nanoTime();
                    }
                })
                .dropHandler(n -> drops.computeIfAbsent(n.layer(), k -> new LongAdder())
                        .add(Math.max(n.count(), 0) + (n.count() < 0 ? 1 : 0)));
        // the launcher and its ancestors bind nothing of interest; muting them keeps the count clean
        ProcessHandle p = ProcessHandle.current().parent().orElse(null);
        while (p != null && p.pid() > 1) {
            b.mute(MuteRule.process((int) p.pid()));
            p = p.parent().orElse(null);
        }
        List<Trial> all = new ArrayList<>();
        try (Client c = EndpointSecurity.newClient(b.build())) {
            // warm-up, reported too: a cold JVM may not keep up at first (JIT), and what it loses shows
            Trial w = trial(load, Math.min(events, 20_000), "max");
            System.out.printf(Locale.ROOT, "warm-up rate=%s events=%d delivered=%d lost=%d drops=%s%n", w.rate,
                    w.events, w.delivered, w.events - w.delivered, w.drops);
            for (String rate : rates) {
                for (int t = 0; t < trials; t++) {
                    Trial r = trial(load, events, rate);
                    all.add(r);
                    System.out.printf(Locale.ROOT, "trial rate=%s events=%d delivered=%d lost=%d load_per_s=%.0f"
                            + " delivered_per_s=%.0f drops=%s%n", r.rate, r.events, r.delivered,
                            r.events - r.delivered, r.loadPerSec, r.deliveredPerSec, r.drops);
                }
            }
            ClientStats.BackendCounters bc = c.stats().backends().get("audit");
            System.out.println("client counters: " + bc);
        }
        report(all, rates);
    }

    private Trial trial(String load, int events, String rate) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(load, Integer.toString(events)));
        if (!rate.equals("max")) {
            cmd.add(rate);
        }
        Process proc = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        delivered.reset();
        drops.clear();
        target.set(proc.pid());
        long go = System.nanoTime();
        try (OutputStream o = proc.getOutputStream()) {
            o.write("go\n".getBytes(StandardCharsets.US_ASCII));
        }
        String done;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(proc.getInputStream(),
                StandardCharsets.US_ASCII))) {
            done = r.readLine();
        }
        if (!proc.waitFor(10, TimeUnit.MINUTES) || proc.exitValue() != 0 || done == null) {
            throw new IOException("bindload failed (exit " + (proc.isAlive() ? "none" : proc.exitValue()) + "): "
                    + done);
        }
        long elapsedNs = Long.parseLong(done.replaceAll(".*elapsed_ns=([0-9]+).*", "$1"));
        long seen = -1;
        long quietSince = System.nanoTime();
        while (delivered.sum() < events) {
            long now = delivered.sum();
            if (now != seen) {
                seen = now;
                quietSince = System.nanoTime();
            } else if (System.nanoTime() - quietSince > TimeUnit.SECONDS.toNanos(5)) {
                break;
            }
            Thread.sleep(5);
        }
        long got = delivered.sum();
        double perSec = got == 0 ? 0 : got * 1e9 / (lastNanos - go);
        // serial gaps are noticed when the loss window moves on, and incomplete events after the
        // reassembly timeout (2 s): wait for both, so a trial's drop notices land in the trial
        Thread.sleep(2_500);
        Map<String, Long> d = new java.util.TreeMap<>();
        drops.forEach((k, v) -> d.put(k, v.sum()));
        return new Trial(rate, events, got, events * 1e9 / elapsedNs, perSec, d);
    }

    private static void report(List<Trial> all, List<String> rates) {
        System.out.println();
        System.out.println("| offered | trials | events/trial | load/s p50 | delivered/s p50 | delivered/s min-max"
                + " | lost (all trials) | counted by drop notices | drop notices |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---|");
        for (String rate : rates) {
            List<Trial> ts = all.stream().filter(t -> t.rate.equals(rate)).toList();
            double[] load = ts.stream().mapToDouble(Trial::loadPerSec).sorted().toArray();
            double[] del = ts.stream().mapToDouble(Trial::deliveredPerSec).sorted().toArray();
            long lost = ts.stream().mapToLong(t -> t.events - t.delivered).sum();
            Map<String, Long> d = new java.util.TreeMap<>();
            ts.forEach(t -> t.drops.forEach((k, v) -> d.merge(k, v, Long::sum)));
            // a socket notice (ENOBUFS) says that records were dropped, not how many: the events are
            // counted by the serial-gap and partial-event notices that follow it
            long counted = d.entrySet().stream().filter(x -> !x.getKey().equals("socket"))
                    .mapToLong(Map.Entry::getValue).sum();
            System.out.printf(Locale.ROOT, "| %s | %d | %,d | %,.0f | %,.0f | %,.0f-%,.0f | %,d | %,d | %s |%n",
                    rate.equals("max") ? "max" : String.format(Locale.ROOT, "%,d/s", Long.parseLong(rate)),
                    ts.size(), ts.get(0).events, p50(load), p50(del), del[0], del[del.length - 1], lost, counted,
                    d.isEmpty() ? "none" : d.toString());
        }
    }

    private static double p50(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
