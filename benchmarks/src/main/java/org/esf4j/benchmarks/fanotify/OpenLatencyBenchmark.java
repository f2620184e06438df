package org.esf4j.benchmarks.fanotify;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Hook-to-decision of fanotify permission events, measured as the latency of {@code open()} +
 * {@code close()} of a 4 KiB file on a fresh tmpfs whose mount is marked for
 * {@code FAN_OPEN_PERM} by an always-allow responder in another process, minus the same call
 * with no responder ({@code none}) at the same placement.
 *
 * <ul>
 *   <li>{@code responder}: {@code none} (unmarked), {@code c-blocking}/{@code c-spinning} (the
 *       C baseline {@code fanotify_responder}), {@code java-blocking}/{@code java-spinning}
 *       ({@link JavaResponder}, variant {@code handler}), {@code java-cached} (variant
 *       {@code cached}, spinning: after the first open the kernel's ignore mark answers).
 *       Also accepted with {@code -p}: {@code java-policy}, {@code java-<variant>-<mode>}.</li>
 *   <li>{@code placement}: this JVM is pinned to the opener CPU (0); the responder runs under
 *       {@code taskset -c} on the same CPU ({@code same-cpu}) or on the other one
 *       ({@code cross-cpu}, CPU 1).</li>
 * </ul>
 *
 * <p>Every trial writes one line to {@code fanotify-responders.txt} in the output directory
 * (responder counters, reader allocation per event, status) and appends the responders' stderr
 * to {@code fanotify-responders.log}; {@code benchmarks/run fanotify} turns these and the JMH
 * JSON into the report. Settings (system property, else environment variable):
 * {@code esf4j.bench.out} / {@code ESF4J_BENCH_OUT} (default {@code benchmarks/target}),
 * {@code esf4j.bench.c.responder} / {@code ESF4J_BENCH_C_RESPONDER},
 * {@code esf4j.bench.opener.cpu} / {@code ESF4J_BENCH_OPENER_CPU} (0),
 * {@code esf4j.bench.cross.cpu} / {@code ESF4J_BENCH_CROSS_CPU} (1),
 * {@code esf4j.bench.warmup.ms} / {@code ESF4J_BENCH_WARMUP_MS} (3000, opens before JMH's own
 * warm-up, so that the Java responder is compiled before its allocation window starts),
 * {@code esf4j.bench.c.pidfd} / {@code ESF4J_BENCH_C_PIDFD} (true: the C group reports pidfds
 * like the Java backend's does), {@code esf4j.bench.responder.jvm.args} /
 * {@code ESF4J_BENCH_RESPONDER_JVM_ARGS}.
 *
 * <p>Needs root (mount, fanotify permission marks) and two CPUs for {@code cross-cpu}.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
@Threads(1)
@Fork(value = 2, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-XX:+UseParallelGC", "-Xms512m",
    "-Xmx512m", "-XX:+AlwaysPreTouch"})
@Warmup(iterations = 3, time = 2, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 3, timeUnit = TimeUnit.SECONDS)
public class OpenLatencyBenchmark {

    /** Side file with one line per trial, read by {@code org.esf4j.benchmarks.Report}. */
    public static final String SIDE_FILE = "fanotify-responders.txt";
    /** The responders' stderr, appended. */
    public static final String LOG_FILE = "fanotify-responders.log";

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);
    private static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(20);
    private static final String DEFAULT_RESPONDER_JVM_ARGS =
            "-XX:+UseParallelGC -Xms256m -Xmx256m -XX:+AlwaysPreTouch";
    private static final VarHandle OPENS;

    static {
        try {
            OPENS = MethodHandles.lookup().findVarHandle(OpenLatencyBenchmark.class, "opens", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @Param({"none", "c-blocking", "c-spinning", "java-blocking", "java-spinning", "java-cached"})
    public String responder;

    @Param({"same-cpu", "cross-cpu"})
    public String placement;

    /** Opens done in this trial (setup warm-up included); written opaquely, read by the watchdog. */
    private long opens;

    private MemorySegment path;
    private Arena arena;
    private Path dir;
    private boolean mounted;
    private ResponderProcess process;
    private Thread watchdog;
    private volatile boolean stalled;
    private volatile boolean trialDone;
    private volatile boolean recorded;
    private Thread cleanupHook;
    private Path outDir;
    private int openerCpu;
    private int responderCpu;
    private String command = "";

    @Benchmark
    public int open() throws Throwable {
        int fd = (int) Libc.OPEN.invokeExact(path, Libc.O_RDONLY);
        if (fd < 0) {
            throw openFailed();
        }
        int rc = (int) Libc.CLOSE.invokeExact(fd);
        OPENS.setOpaque(this, opens + 1);
        return fd;
    }

    private IllegalStateException openFailed() {
        int errno = Libc.openErrno(path, Libc.O_RDONLY);
        return new IllegalStateException("open(" + dir + "/file) returned -1, errno " + errno
                + " (responder " + responder + ", " + placement + ")");
    }

    @Setup(Level.Trial)
    public void setUp() throws Throwable {
        outDir = outDir();
        Files.createDirectories(outDir);
        openerCpu = Integer.parseInt(setting("esf4j.bench.opener.cpu", "ESF4J_BENCH_OPENER_CPU", "0"));
        int crossCpu = Integer.parseInt(setting("esf4j.bench.cross.cpu", "ESF4J_BENCH_CROSS_CPU", "1"));
        responderCpu = switch (placement) {
            case "same-cpu" -> openerCpu;
            case "cross-cpu" -> crossCpu;
            default -> throw new IllegalArgumentException("placement must be same-cpu or cross-cpu: " + placement);
        };
        try {
            // The whole fork (benchmark, JIT and GC threads) on the opener CPU.
            Libc.pinProcess(ProcessHandle.current().pid(), openerCpu);
            dir = Files.createTempDirectory("esf4j-bench-fanotify-");
            Libc.run(List.of("mount", "-t", "tmpfs", "-o", "size=8m,mode=0755", "esf4j-bench", dir.toString()));
            mounted = true;
            Path file = dir.resolve("file");
            Files.write(file, new byte[4096]);
            arena = Arena.ofShared();
            path = arena.allocateFrom(file.toString());
            cleanupHook = new Thread(this::emergencyCleanup, "esf4j-bench-cleanup");
            Runtime.getRuntime().addShutdownHook(cleanupHook);
            open(); // the file opens before any responder exists
            OPENS.setOpaque(this, 0L); // from here on, every open must reach the responder
            if (!responder.equals("none")) {
                startResponder();
            }
            warmUp();
            if (process != null) {
                process.send("MEASURE");
            }
            startWatchdog();
            // JMH skips the trial tear-down after a failed iteration: the START line without an
            // end line (and the shutdown hook's FAIL line) still tell the report.
            recordTrial("START", null, "");
        } catch (Throwable t) {
            recordTrial("FAIL", null, "setup: " + t);
            cleanUp();
            throw t;
        }
    }

    private void startResponder() throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("taskset", "-c", Integer.toString(responderCpu)));
        String[] parts = responder.split("-");
        if (parts[0].equals("c") && parts.length == 2) {
            Path bin = Path.of(setting("esf4j.bench.c.responder", "ESF4J_BENCH_C_RESPONDER",
                    outDir.resolve("fanotify_responder").toString()));
            if (!Files.isExecutable(bin)) {
                throw new IOException(bin + " is missing: build it with benchmarks/run (gcc -O2 -Wall -Wextra -pthread)");
            }
            cmd.addAll(List.of(bin.toString(), "--dir", dir.toString(), "--mode", mode(parts[1])));
            if (Boolean.parseBoolean(setting("esf4j.bench.c.pidfd", "ESF4J_BENCH_C_PIDFD", "true"))) {
                cmd.add("--pidfd");
            }
        } else if (parts[0].equals("java") && parts.length >= 2 && parts.length <= 3) {
            String variant;
            String mode;
            if (parts.length == 3) {
                variant = parts[1];
                mode = mode(parts[2]);
            } else if (parts[1].equals("blocking") || parts[1].equals("spinning")) {
                variant = "handler";
                mode = parts[1];
            } else {
                variant = parts[1];
                mode = "spinning";
            }
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.add("--enable-native-access=ALL-UNNAMED");
            String jvmArgs = setting("esf4j.bench.responder.jvm.args", "ESF4J_BENCH_RESPONDER_JVM_ARGS",
                    DEFAULT_RESPONDER_JVM_ARGS);
            cmd.addAll(Arrays.stream(jvmArgs.trim().split("\\s+")).filter(s -> !s.isEmpty()).toList());
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), JavaResponder.class.getName(),
                    "--dir", dir.toString(), "--mode", mode, "--variant", variant));
        } else {
            throw new IllegalArgumentException("unknown responder " + responder
                    + " (none, c-blocking, c-spinning, java-blocking, java-spinning, java-cached, java-policy,"
                    + " java-<handler|cached|policy>-<blocking|spinning>)");
        }
        command = String.join(" ", cmd);
        Path log = outDir.resolve(LOG_FILE);
        Files.writeString(log, "=== " + responder + " " + placement + " fork " + ProcessHandle.current().pid()
                + ": " + command + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        process = ResponderProcess.start(cmd, log);
        process.awaitReady(READY_TIMEOUT);
    }

    private static String mode(String m) {
        if (!m.equals("blocking") && !m.equals("spinning")) {
            throw new IllegalArgumentException("mode must be blocking or spinning: " + m);
        }
        return m;
    }

    /** Opens until the time budget or the count is reached, so the responder's code is compiled. */
    private void warmUp() throws Throwable {
        long budget = TimeUnit.MILLISECONDS.toNanos(Long.parseLong(
                setting("esf4j.bench.warmup.ms", "ESF4J_BENCH_WARMUP_MS", "3000")));
        int max = responder.startsWith("java") ? 50_000 : 5_000;
        long end = System.nanoTime() + budget;
        for (int i = 0; i < max && System.nanoTime() < end; i++) {
            open();
        }
    }

    private void startWatchdog() {
        watchdog = new Thread(() -> {
            long last = (long) OPENS.getOpaque(this);
            long lastChange = System.nanoTime();
            while (!trialDone) {
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    return;
                }
                long now = (long) OPENS.getOpaque(this);
                if (now != last) {
                    last = now;
                    lastChange = System.nanoTime();
                } else if (System.nanoTime() - lastChange > STALL_NANOS && process != null && process.isAlive()) {
                    // An unanswered event blocks open() for ever; killing the group allows it.
                    stalled = true;
                    process.kill();
                }
            }
        }, "esf4j-bench-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
    }

    @TearDown(Level.Iteration)
    public void checkResponder() {
        if (stalled) {
            throw new IllegalStateException("responder " + responder + " stopped answering (killed after "
                    + TimeUnit.NANOSECONDS.toSeconds(STALL_NANOS) + " s without progress)");
        }
        if (process != null && !process.isAlive()) {
            // With the group closed the kernel allows everything: the numbers would be "none".
            throw new IllegalStateException("responder " + responder + " died during the trial");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        trialDone = true;
        if (watchdog != null) {
            watchdog.interrupt();
            watchdog.join(2000);
        }
        ResponderProcess.Result result = null;
        String status = "OK";
        String note = "";
        try {
            if (process != null) {
                result = process.stop(STOP_TIMEOUT);
                long events = result.longValue("EVENTS");
                long n = (long) OPENS.getOpaque(this);
                boolean cached = responder.contains("cached");
                if (stalled) {
                    status = "FAIL";
                    note = "responder stopped answering and was killed";
                } else if (result.forced()) {
                    status = "FAIL";
                    note = "responder did not exit on stdin EOF";
                } else if (result.exitCode() != 0) {
                    status = "FAIL";
                    note = "responder exit status " + result.exitCode();
                } else if (events < 0) {
                    status = "FAIL";
                    note = "responder printed no EVENTS line";
                } else if (!cached && events < n) {
                    status = "FAIL";
                    note = "responder saw " + events + " events for " + n + " opens (mark missing?)";
                } else if (cached && events >= n / 2) {
                    note = "kernel cache ineffective: " + events + " events for " + n + " opens";
                }
            }
        } finally {
            recordTrial(status, result, note);
            cleanUp();
        }
        if (!status.equals("OK")) {
            throw new IllegalStateException("trial " + responder + "/" + placement + " failed: " + note);
        }
    }

    private void recordTrial(String status, ResponderProcess.Result r, String note) {
        if (!status.equals("START")) {
            recorded = true;
        }
        StringBuilder sb = new StringBuilder();
        sb.append("responder=").append(responder).append(" placement=").append(placement)
          .append(" status=").append(status)
          .append(" fork=").append(ProcessHandle.current().pid())
          .append(" opener_cpus=").append(safeAllowedCpus())
          .append(" responder_cpu=").append(responder.equals("none") ? "-" : Integer.toString(responderCpu))
          .append(" opens=").append((long) OPENS.getOpaque(this));
        if (r != null) {
            sb.append(" exit=").append(r.exitCode())
              .append(" events=").append(r.value("EVENTS"))
              .append(" self=").append(r.value("SELF"))
              .append(" measured_events=").append(r.value("MEASURED_EVENTS"))
              .append(" reader_alloc_per_event=").append(r.value("READER_ALLOC_BYTES_PER_EVENT"))
              .append(" kernel_cache_entries=").append(r.value("KERNEL_CACHE_ENTRIES"))
              .append(" deadline_misses=").append(r.value("DEADLINE_MISSES"))
              .append(" errors=").append(r.value("ERRORS"));
        }
        sb.append(" note=").append(note.replace('\n', ' ')).append('\n');
        try {
            Files.writeString(outDir.resolve(SIDE_FILE), sb, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            System.err.println("cannot write " + outDir.resolve(SIDE_FILE) + ": " + e);
        }
    }

    private static String safeAllowedCpus() {
        try {
            return Libc.allowedCpus();
        } catch (IOException e) {
            return "?";
        }
    }

    /** Stops the responder, unmounts and deletes the directory; safe to call twice. */
    private synchronized void cleanUp() {
        trialDone = true;
        if (process != null && process.isAlive()) {
            process.kill();
        }
        process = null;
        if (mounted) {
            try {
                Libc.run(List.of("umount", "-l", dir.toString()));
                mounted = false;
            } catch (Exception e) {
                System.err.println("umount " + dir + " failed: " + e);
            }
        }
        if (dir != null && !mounted) {
            try {
                Files.deleteIfExists(dir);
            } catch (IOException e) {
                System.err.println("cannot delete " + dir + ": " + e);
            }
            dir = null;
        }
        if (arena != null) {
            arena.close();
            arena = null;
        }
        if (cleanupHook != null && Thread.currentThread() != cleanupHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(cleanupHook);
            } catch (IllegalStateException e) {
                // shutting down already
            }
            cleanupHook = null;
        }
    }

    /** Shutdown hook: the fork exits without tear-down (JMH skips it after a failed iteration). */
    private void emergencyCleanup() {
        trialDone = true;
        ResponderProcess p = process;
        ResponderProcess.Result result = null;
        if (p != null) {
            try {
                result = p.stop(Duration.ofSeconds(5));
            } catch (InterruptedException | RuntimeException e) {
                p.kill();
            }
        }
        if (!recorded && outDir != null) {
            recordTrial("FAIL", result, (stalled ? "responder stopped answering and was killed; " : "")
                    + "trial aborted without tear-down (see fanotify-jmh.log)");
        }
        if (mounted) {
            try {
                Libc.run(List.of("umount", "-l", dir.toString()));
                Files.deleteIfExists(dir);
            } catch (Exception e) {
                // best effort at exit
            }
        }
    }

    static Path outDir() {
        String configured = setting("esf4j.bench.out", "ESF4J_BENCH_OUT", null);
        if (configured != null) {
            return Path.of(configured);
        }
        Path p = Path.of("benchmarks", "target");
        return Files.isDirectory(p) ? p : Path.of("target");
    }

    static String setting(String property, String env, String def) {
        String v = System.getProperty(property);
        if (v == null || v.isBlank()) {
            v = System.getenv(env);
        }
        return v == null || v.isBlank() ? def : v;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "OpenLatencyBenchmark[%s, %s, %s]", responder, placement, command);
    }
}
