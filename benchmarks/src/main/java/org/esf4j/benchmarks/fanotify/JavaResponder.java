package org.esf4j.benchmarks.fanotify;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.esf4j.api.AuthorizationHandler;
import org.esf4j.api.Client;
import org.esf4j.api.ClientConfig;
import org.esf4j.api.ClientStats;
import org.esf4j.api.EndpointSecurity;
import org.esf4j.api.EventType;
import org.esf4j.api.Mode;
import org.esf4j.api.Scope;
import org.esf4j.api.Verdict;

/**
 * The Java side of the fanotify latency benchmark: an esf4j client that allows every
 * {@code FILE_OPEN} AUTH event under a mount, written against the public API only.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC -cp benchmarks.jar \
 *      org.esf4j.benchmarks.fanotify.JavaResponder --dir DIR --mode blocking|spinning \
 *      [--variant handler|policy|cached] [--cpu N]
 * </pre>
 *
 * <ul>
 *   <li>{@code handler} (default): an authorization handler on the reader thread returns
 *       {@code Verdict.allow()} (a shared constant).</li>
 *   <li>{@code cached}: the handler returns {@code Verdict.allow().cached()}; the fanotify
 *       backend stores an evictable ignore mark, so later opens of the unchanged file never reach
 *       user space.</li>
 *   <li>{@code policy}: no handler; the engine allows undecided events itself.</li>
 * </ul>
 *
 * <p>Protocol (the same as the C responder's): prints {@code READY} once the client is open; a
 * line {@code MEASURE} on stdin starts the allocation window (the harness sends it after its
 * warm-up; without it the window starts at {@code READY}); stdin EOF or SIGTERM stops it, and it
 * prints {@code EVENTS n} (events the client received, its own included),
 * {@code READER_ALLOC_BYTES_PER_EVENT x} (bytes allocated by the reader thread
 * {@value #READER_THREAD_PREFIX}-* in the window, divided by the events received in it; {@code n/a}
 * when no event arrived) and a few more counters. Exit status 0 means no error was counted.
 *
 * <p>{@code --cpu N} pins every thread of this JVM to CPU N with {@code taskset -a}; the harness
 * instead starts the whole JVM under {@code taskset -c N}, as it does for the C responder.
 */
public final class JavaResponder {

    /** Name prefix of the fanotify backend's reader thread. */
    static final String READER_THREAD_PREFIX = "esf4j-fanotify-reader";

    private static final AuthorizationHandler ALLOW = request -> Verdict.allow();
    private static final AuthorizationHandler ALLOW_CACHED = request -> Verdict.allow().cached();

    private final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private final PrintStream out = System.out;
    private final AtomicBoolean finished = new AtomicBoolean();
    private Client client;
    private Thread reader;
    private long allocStart;
    private long receivedStart;
    private long receivedAtReady;
    private volatile int exitStatus;

    private JavaResponder() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = null;
        ClientConfig.ReaderMode mode = null;
        String variant = "handler";
        int cpu = -1;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (a) {
                case "--dir" -> dir = Path.of(require(v, a));
                case "--mode" -> mode = switch (require(v, a)) {
                    case "blocking" -> ClientConfig.ReaderMode.BLOCKING;
                    case "spinning" -> ClientConfig.ReaderMode.SPINNING;
                    default -> usage("unknown mode " + v);
                };
                case "--variant" -> {
                    variant = require(v, a);
                    if (!variant.equals("handler") && !variant.equals("policy") && !variant.equals("cached")) {
                        usage("unknown variant " + variant);
                    }
                }
                case "--cpu" -> cpu = Integer.parseInt(require(v, a));
                default -> usage("unknown argument " + a);
            }
            i++;
        }
        if (dir == null || mode == null) {
            usage("--dir and --mode are required");
        }
        if (!Files.isDirectory(dir)) {
            usage(dir + " is not a directory");
        }
        if (cpu >= 0) {
            Libc.pinProcess(ProcessHandle.current().pid(), cpu);
        }
        System.exit(new JavaResponder().run(dir, mode, variant));
    }

    private int run(Path dir, ClientConfig.ReaderMode mode, String variant) throws Exception {
        ClientConfig.Builder config = ClientConfig.builder()
                .subscribe(EventType.FILE_OPEN, Mode.AUTH)
                .scope(Scope.mount(dir))
                .readerMode(mode)
                .handlerThread(ClientConfig.HandlerThread.READER);
        switch (variant) {
            case "handler" -> config.authorizationHandler(ALLOW);
            case "cached" -> config.authorizationHandler(ALLOW_CACHED);
            default -> { } // policy: no handler
        }
        // Everything the measurement and the shutdown path use is loaded before any mark exists.
        threads.getThreadAllocatedBytes(Thread.currentThread().threadId());
        String.format(Locale.ROOT, "%.2f", 1.0);

        client = EndpointSecurity.newClient(config.build());
        reader = findReader();
        if (reader == null) {
            System.err.println("JavaResponder: no thread named " + READER_THREAD_PREFIX
                    + "-*; reader allocation is not measured");
        }
        Runtime.getRuntime().addShutdownHook(new Thread(this::finish, "esf4j-bench-shutdown"));
        startWindow();
        receivedAtReady = receivedStart;
        out.println("READY");
        out.flush();

        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        String line;
        while ((line = in.readLine()) != null) {
            if (line.trim().equals("MEASURE")) {
                startWindow();
            }
        }
        finish();
        return exitStatus;
    }

    private Thread findReader() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        do {
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                if (t.getName().startsWith(READER_THREAD_PREFIX)) {
                    return t;
                }
            }
            Thread.sleep(10);
        } while (System.nanoTime() < deadline);
        return null;
    }

    private synchronized void startWindow() {
        allocStart = reader == null ? -1 : threads.getThreadAllocatedBytes(reader.threadId());
        receivedStart = client.stats().total().received();
    }

    /** Prints the counters and closes the client; runs once (stdin EOF or shutdown hook). */
    private void finish() {
        if (!finished.compareAndSet(false, true)) {
            return;
        }
        long allocEnd;
        ClientStats.BackendCounters c;
        synchronized (this) {
            // Read before close: a terminated thread has no allocation counter any more.
            allocEnd = reader == null ? -1 : threads.getThreadAllocatedBytes(reader.threadId());
            c = client.stats().total();
        }
        client.close();
        long window = c.received() - receivedStart;
        String perEvent = allocStart < 0 || allocEnd < 0 || window <= 0 ? "n/a"
                : String.format(Locale.ROOT, "%.3f", (double) (allocEnd - allocStart) / window);
        out.println("EVENTS " + c.received());
        out.println("EVENTS_AFTER_READY " + (c.received() - receivedAtReady));
        out.println("MEASURED_EVENTS " + window);
        out.println("READER_ALLOC_BYTES " + (allocStart < 0 || allocEnd < 0 ? "n/a" : Long.toString(allocEnd - allocStart)));
        out.println("READER_ALLOC_BYTES_PER_EVENT " + perEvent);
        out.println("SELF " + c.self());
        out.println("DELIVERED " + c.delivered());
        out.println("KERNEL_CACHE_ENTRIES " + c.kernelCacheEntries());
        out.println("CACHE_HITS " + c.cacheHits());
        out.println("DEADLINE_MISSES " + c.deadlineMisses());
        out.println("HANDLER_ERRORS " + c.handlerErrors());
        out.println("DROPPED " + c.dropped());
        out.println("ERRORS " + c.errors());
        out.flush();
        exitStatus = c.errors() == 0 && c.handlerErrors() == 0 && c.dropped() == 0 ? 0 : 1;
    }

    private static String require(String value, String option) {
        if (value == null) {
            usage(option + " needs a value");
        }
        return value;
    }

    private static <T> T usage(String problem) {
        System.err.println("JavaResponder: " + problem);
        System.err.println("usage: JavaResponder --dir DIR --mode blocking|spinning "
                + "[--variant handler|policy|cached] [--cpu N]");
        System.exit(64);
        return null;
    }
}
