package org.esf4j.benchmarks.process;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.esf4j.spi.nativeio.Natives;
import org.esf4j.spi.process.ProcessModel;

/**
 * What the process model sustains on a real kernel, and what it costs, the Java side of
 * {@code benchmarks/process/run}.
 *
 * <p><b>Rate.</b> Per trial, the C {@code spawner} forks and execs {@code /bin/true} in L loops for
 * S seconds, as fast as it can or at an offered rate; each spawn is a fork, an exec and an exit on
 * the proc connector. The model (the one every backend shares, {@link ProcessModel#acquire}) and
 * the C baseline {@code connector_count} (same connector, same 4 MiB buffer, only counts) listen
 * to the same spawns at the same time. Per trial: spawns/s offered; forks, execs and exits each
 * side saw; connector losses (ENOBUFS) of each; and the model thread's CPU time per connector
 * event (from {@link ThreadMXBean}: all the model does per event, /proc reads included). An exec
 * makes the model read the process's /proc files; the baseline reads nothing.
 *
 * <p><b>Memory.</b> {@code spawner hold N} starts N processes that sleep; the used heap after full
 * collections, before and after, divided by N, is the memory the model spends per live process
 * (entry, image, executable path, command name, arguments).
 *
 * <pre>
 * java -cp benchmarks.jar org.esf4j.benchmarks.process.ProcessModelLoad --spawner PATH --baseline PATH
 *      [--seconds S] [--loops L] [--rates max,2000,...] [--trials T] [--hold N]
 * </pre>
 */
public final class ProcessModelLoad {

    private ProcessModelLoad() {
    }

    public static void main(String[] args) throws Exception {
        String spawner = null;
        String baseline = null;
        double seconds = 5;
        int loops = 2;
        int trials = 3;
        int hold = 2000;
        List<String> rates = List.of("max");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--spawner" -> spawner = args[++i];
                case "--baseline" -> baseline = args[++i];
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--loops" -> loops = Integer.parseInt(args[++i]);
                case "--trials" -> trials = Integer.parseInt(args[++i]);
                case "--hold" -> hold = Integer.parseInt(args[++i]);
                case "--rates" -> rates = List.of(args[++i].split(","));
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (spawner == null || baseline == null) {
            throw new IllegalArgumentException("--spawner and --baseline are required");
        }
        ProcessModel model = ProcessModel.acquire(Natives.get());
        try {
            if (!model.unavailabilityCause().isEmpty()) {
                throw new IllegalStateException("the process model has no connector: " + model.unavailabilityCause());
            }
            System.out.printf("binding %s, java %s, %d CPUs, model: %s%n", Natives.binding(), Runtime.version(),
                    Runtime.getRuntime().availableProcessors(), model.describe());
            // first, while the model holds no exited processes of this run (they expire later and
            // would shrink the heap under the measurement)
            memory(model, spawner, hold);
            System.out.println();
            System.out.println("| offered | spawns/s | model forks/execs/exits | C forks/execs/exits | model losses"
                    + " | C losses | model CPU µs/event | C CPU µs/event |");
            System.out.println("|---|---|---|---|---|---|---|---|");
            for (String rate : rates) {
                for (int t = 0; t < trials; t++) {
                    trial(model, spawner, baseline, seconds, loops, rate);
                }
            }
        } finally {
            model.release();
        }
    }

    private static void trial(ProcessModel model, String spawner, String baseline, double seconds, int loops,
                              String rate) throws Exception {
        Process c = new ProcessBuilder(baseline).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader cOut = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.UTF_8));
        if (!"ready".equals(cOut.readLine())) {
            throw new IllegalStateException("connector_count did not start");
        }
        model.sync();
        ProcessModel.Counters before = model.counters();
        long cpuBefore = modelCpuNanos();
        List<String> cmd = new ArrayList<>(List.of(spawner, "run", Double.toString(seconds), Integer.toString(loops)));
        if (!rate.equals("max")) {
            cmd.add(rate);
        }
        Process s = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String line = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        s.waitFor();
        // spawned=N seconds=S
        long spawned = Long.parseLong(line.substring(line.indexOf('=') + 1, line.indexOf(' ')));
        double elapsed = Double.parseDouble(line.substring(line.lastIndexOf('=') + 1));
        Thread.sleep(500);
        model.sync();
        long cpu = modelCpuNanos() - cpuBefore;
        ProcessModel.Counters after = model.counters();
        c.toHandle().destroy(); // SIGTERM: it prints its counts (Process.destroy would close its output)
        String counts = cOut.readLine();
        c.waitFor(10, TimeUnit.SECONDS);
        long mf = after.forks() - before.forks();
        long me = after.execs() - before.execs();
        long mx = after.exits() - before.exits();
        long events = mf + me + mx;
        double cCpu = Double.parseDouble(field(counts, "cpu"));
        long cEvents = Long.parseLong(field(counts, "forks")) + Long.parseLong(field(counts, "execs"))
                + Long.parseLong(field(counts, "exits"));
        System.out.printf(Locale.ROOT, "| %s | %.0f | %d/%d/%d | %s/%s/%s | %d | %s | %.2f | %.2f |%n", rate,
                spawned / elapsed, mf, me, mx, field(counts, "forks"), field(counts, "execs"), field(counts, "exits"),
                after.losses() - before.losses(), field(counts, "losses"),
                events == 0 ? 0.0 : cpu / 1e3 / events, cEvents == 0 ? 0.0 : cCpu * 1e6 / cEvents);
    }

    private static String field(String counts, String name) {
        for (String kv : counts.split(" ")) {
            if (kv.startsWith(name + "=")) {
                return kv.substring(name.length() + 1);
            }
        }
        throw new IllegalStateException("no " + name + " in '" + counts + "'");
    }

    /** CPU time of the model's connector thread. */
    private static long modelCpuNanos() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        for (ThreadInfo ti : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (ti != null && ti.getThreadName().equals("esf4j-process-model")) {
                return mx.getThreadCpuTime(ti.getThreadId());
            }
        }
        throw new IllegalStateException("no esf4j-process-model thread");
    }

    private static void memory(ProcessModel model, String spawner, int n) throws Exception {
        long live0 = model.counters().live();
        long heap0 = usedHeapAfterGc();
        Process h = new ProcessBuilder(spawner, "hold", Integer.toString(n))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(h.getInputStream(), StandardCharsets.UTF_8));
        String ready = out.readLine();
        if (ready == null || !ready.startsWith("holding")) {
            throw new IllegalStateException("spawner hold failed: " + ready);
        }
        Thread.sleep(1000); // the children exec sleep: let the model see every exec
        model.sync();
        long live1 = model.counters().live();
        long heap1 = usedHeapAfterGc();
        h.getOutputStream().close();
        h.waitFor(30, TimeUnit.SECONDS);
        long added = live1 - live0;
        System.out.printf(Locale.ROOT, "memory: %d processes held, model grew by %d live entries, heap +%d bytes: "
                + "%.0f bytes per process%n", n, added, heap1 - heap0, added <= 0 ? 0.0 : (heap1 - heap0) / (double) added);
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        MemoryMXBean m = ManagementFactory.getMemoryMXBean();
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
            best = Math.min(best, m.getHeapMemoryUsage().getUsed());
        }
        return best;
    }
}
