package org.esf4j.testsuite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.esf4j.api.Client;
import org.esf4j.api.ClientConfig;
import org.esf4j.api.ClientStats;
import org.esf4j.api.DropNotice;
import org.esf4j.api.EndpointSecurity;
import org.esf4j.api.Event;
import org.esf4j.api.EventKind;
import org.esf4j.api.Mode;
import org.esf4j.api.Scope;
import org.esf4j.api.Verdict;
import org.esf4j.spi.BackendProvider;
import org.esf4j.spi.Coverage;
import org.esf4j.spi.nativeio.Natives;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The behaviour every backend shares, proven once. A backend module subclasses this class once per
 * native binding (and per mode where they differ), implementing the per-kind contracts it offers
 * ({@link ExecConformance}, {@link FileOpenConformance}, {@link SocketBindConformance},
 * {@link SocketConnectConformance}); each subclass supplies only the backend, the binding and the
 * mode.
 *
 * <p>Its core is a differential test against an independent witness: before the tests, a client of
 * the backend watches a tmpfs of the test's own while the conformance {@link Workload} runs in it
 * under strace; afterwards the per-kind contracts compare the events with what strace saw, event by
 * event, using the backend's {@link Coverage} declaration to know which fields must match exactly,
 * which may be absent and which are marked. Besides, every backend must start delivering when
 * {@code newClient} returns and deliver what happened before {@code close()}.
 *
 * <p>Kernel requirements follow {@link Kernel}: the backend (by name), {@code strace}, and
 * {@code ffm} for the FFM subclasses.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class BackendConformanceTest implements ConformanceRun {

    private Tmpfs tmpfs;
    private volatile Client client;
    private Comparison.Run run;
    private String output;
    private ClientStats stats;
    private final List<DropNotice> drops = new CopyOnWriteArrayList<>();

    /** @return the backend's provider */
    protected abstract BackendProvider provider();

    /** @return the native binding this class tests: {@code "ffm"} or {@code "jna"} */
    protected abstract String binding();

    /** @return the mode every kind is subscribed in */
    protected abstract Mode mode();

    /**
     * Whether the backend reports only execs of files in the watched file system (fanotify's marks,
     * audit's {@code dir=}), rather than every exec (BPF LSM): its coverage declares
     * {@link Coverage.Quirk#SCOPED_EXECS}.
     */
    private boolean scopedExecs() {
        return provider().coverage().quirks().getOrDefault(EventKind.EXEC, java.util.Set.of())
                .contains(Coverage.Quirk.SCOPED_EXECS);
    }

    /** @return backend options for the client */
    protected Map<String, String> options() {
        return Map.of();
    }

    /** @return the kinds to subscribe: what the backend offers in {@link #mode()} */
    protected Set<EventKind> kinds() {
        Set<EventKind> out = new TreeSet<>();
        provider().offers().forEach((k, c) -> {
            if (mode() == Mode.NOTIFY || c.authorizes()) {
                out.add(k);
            }
        });
        out.remove(EventKind.URING_CMD); // the workload issues no uring commands (the backends' own tests do)
        return out;
    }

    /** Chooses the binding before anything touches the native layer, and checks the requirements. */
    @BeforeAll
    final void runWorkload() throws Exception {
        String b = binding();
        if (b.equals("ffm")) {
            Kernel.require("ffm", Runtime.version().feature() >= 22, "this is JDK " + Runtime.version().feature());
        }
        System.setProperty(Natives.BINDING_PROP_NAME, b);
        Kernel.requireBackend(provider());
        Kernel.require("strace", Files.isExecutable(Path.of("/usr/bin/strace")), "strace is not installed");
        assertEquals(b, Natives.binding(), "native binding");
        tmpfs = new Tmpfs();
        Path work = Files.createDirectories(tmpfs.dir.resolve("work"));
        List<Event> events = new CopyOnWriteArrayList<>();
        ClientConfig config = config(events);
        long realMinusBoot = Clocks.realMinusBootNanos();
        Workload.Run r;
        Coverage coverage = provider().coverage();
        try (Watch client = watch(config, events)) {
            r = Workload.run(work, Kernel.emulated() ? 3 : 40, !Kernel.emulated() || "6.12".equals(
                    System.getenv("ESF4J_GUEST")), "65534:65534", this::startWorkload, straceSeccompFilter());
            output = r.output();
            assertEquals(0, r.exitCode(), "the workload failed: " + r.output());
            Witness probe = Witness.of(StraceLog.parse(r.log()), root(r));
            awaitQuiet(events, probe.pids());
            stats = client.stats();
        }
        Witness witness = Witness.of(StraceLog.parse(r.log()), root(r));
        run = new Comparison.Run(provider().name(), mode(), coverage, witness, List.copyOf(events), tmpfs.dir,
                scopedExecs(), realMinusBoot, Clocks.cgroupId(r.tracerPid()), Comparison.interpreters(witness));
        Files.deleteIfExists(r.log());
    }

    /**
     * Starts the workload (strace and its children). By default a process of its own; a backend
     * that sees only what it starts (TSEM) starts it through its watch's client.
     *
     * @param pb the workload's command
     * @return its process
     */
    protected Process startWorkload(ProcessBuilder pb) throws java.io.IOException {
        return pb.start();
    }

    /**
     * Whether strace may filter with seccomp-bpf; false for a source that holds the workload's
     * calls with seccomp user notification, which takes precedence over strace's filter.
     *
     * @return true by default
     */
    protected boolean straceSeccompFilter() {
        return true;
    }

    /**
     * Makes one operation in another process ({@link Actor}); a backend that sees only what it
     * starts starts the actor through its watch's client.
     *
     * @param args the actor's arguments
     * @return its outcome
     */
    protected Actor.Outcome act(String... args) throws Exception {
        return Actor.outcome(args);
    }

    /**
     * The client of the default {@link #watch} that runs now (the last one started), for a
     * backend whose own abilities start the workload.
     *
     * @return the client, or null before the first watch or with a watch of another kind
     */
    protected final Client client() {
        return client;
    }

    /** What watches the workload: a client of the library, or a program that runs one. */
    public interface Watch extends AutoCloseable {
        /** @return the client's counters, or null when the watcher does not give them */
        ClientStats stats();

        /** Stops watching, after every event of what happened before was delivered. */
        @Override
        void close() throws Exception;
    }

    /**
     * Starts watching. By default a client of the library with {@code config}; a subclass may
     * watch through another face of the library (the command line prints the events it sees,
     * which the subclass turns back into events), with the same kinds, mode, scope and backend.
     *
     * @param config the client's configuration (its callbacks add to {@code events} and the drops)
     * @param events where the events go
     * @return the running watch; delivery must have started when this returns
     */
    protected Watch watch(ClientConfig config, List<Event> events) throws Exception {
        Client c = EndpointSecurity.newClient(config);
        client = c;
        return new Watch() {
            @Override
            public ClientStats stats() {
                return c.stats();
            }

            @Override
            public void close() {
                c.close();
            }
        };
    }

    /**
     * Records a drop notice (for a {@link #watch} that receives them some other way).
     *
     * @param d the notice
     */
    protected final void dropped(DropNotice d) {
        drops.add(d);
    }

    /** A client of the backend alone, every kind in {@link #mode()}, events (and requests) into {@code events}. */
    private ClientConfig config(List<Event> events) {
        ClientConfig.Builder cb = ClientConfig.builder().scope(Scope.mount(tmpfs.dir));
        for (EventKind k : kinds()) {
            cb.subscribe(k, mode()).pinBackend(k, provider().name());
        }
        if (mode() == Mode.AUTH) {
            cb.onAuthorization(req -> {
                events.add(req.event());
                return Verdict.allow();
            }).deadline(java.time.Duration.ofSeconds(Kernel.emulated() ? 60 : 10));
        } else {
            cb.onEvent(events::add);
        }
        cb.dropHandler(drops::add);
        options().forEach(cb::backendOption);
        Events.muteAncestors().forEach(cb::mute);
        return cb.build();
    }

    /** The tracer's child before its first exec: strace's own image. */
    private static Witness.Image root(Workload.Run r) throws IOException {
        String exe = Witness.canonical("/usr/bin/strace");
        return new Witness.Image(0, (int) r.tracerPid(), exe, "strace", 0, 0, 0, 0, "", null);
    }

    /** Waits until the workload's events stop arriving (1 s without one; at most 60 s). */
    private static void awaitQuiet(List<Event> events, Set<Integer> pids) throws InterruptedException {
        long quietNanos = TimeUnit.MILLISECONDS.toNanos(Kernel.emulated() ? 5_000 : 1_000);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(Kernel.emulated() ? 300 : 60);
        int last = -1;
        long since = System.nanoTime();
        while (System.nanoTime() < end) {
            int n = 0;
            for (Event e : events) {
                if (pids.contains(e.process().pid())) {
                    n++;
                }
            }
            if (n != last) {
                last = n;
                since = System.nanoTime();
            } else if (System.nanoTime() - since > quietNanos) {
                return;
            }
            Thread.sleep(50);
        }
    }

    @AfterAll
    final void unmount() throws Exception {
        if (tmpfs != null) {
            tmpfs.close();
        }
    }

    @Override
    public final Comparison comparison() {
        assertTrue(run != null, "the workload did not run");
        return new Comparison(run);
    }

    /** Every event the backend reports comes with nothing lost: no drop notice during the workload. */
    @Test
    final void nothingWasDroppedDuringTheWorkload() {
        assertTrue(run != null, "the workload did not run");
        assertEquals(List.of(), drops, "drop notices");
        if (stats != null) {
            assertEquals(0, stats.total().errors(), "backend errors: " + stats);
        }
    }

    /**
     * Delivery starts when {@code newClient} returns and ends only after {@code close()} has read
     * what was queued: an operation made right after the client was created and right before it
     * was closed is reported, for every kind, in every one of several rounds.
     */
    @Test
    final void deliveryStartsWhenNewClientReturnsAndCloseDeliversWhatHappenedBefore() throws Exception {
        assertTrue(run != null, "the workload did not run");
        Path dir = Files.createDirectories(tmpfs.dir.resolve("start-stop"));
        Path program = dir.resolve("true");
        if (!Files.exists(program)) {
            tmpfs.executableCopy("start-stop/true", Path.of("/bin/true").toRealPath());
        }
        Path file = tmpfs.file("start-stop/file", "x");
        try (java.net.ServerSocket listener = new java.net.ServerSocket(0, 50,
                java.net.InetAddress.getLoopbackAddress())) {
            List<String> missing = new ArrayList<>();
            // five rounds on a real machine; two under emulation, where a watch through the command
            // line takes a minute to start (its JVM and its probe)
            int rounds = Kernel.emulated() ? 2 : 5;
            for (int round = 0; round < rounds; round++) {
                List<Event> events = new CopyOnWriteArrayList<>();
                Map<EventKind, Long> pids = new java.util.TreeMap<>();
                try (Watch client = watch(config(events), events)) {
                    for (EventKind k : kinds()) {
                        Actor.Outcome o = trigger(k, program, file, listener.getLocalPort());
                        pids.put(k, o.pid());
                    }
                }
                pids.forEach((k, pid) -> {
                    if (events.stream().noneMatch(e -> e.kind() == k && e.process().pid() == pid)) {
                        missing.add(k + " of pid " + pid);
                    }
                });
                if (!missing.isEmpty()) {
                    break;
                }
            }
            assertEquals(List.of(), missing, "operations right after newClient and right before close() that "
                    + "were never reported");
        }
    }

    /** Makes one operation of a kind in another process. */
    private Actor.Outcome trigger(EventKind k, Path program, Path file, int port) throws Exception {
        if (k == EventKind.EXEC) {
            return act("exec", program.toString());
        } else if (k == EventKind.FILE_OPEN) {
            return act("open", file.toString());
        } else if (k == EventKind.SOCKET_BIND) {
            return act("bind4", "0");
        } else if (k == EventKind.SOCKET_CONNECT) {
            return act("connect4", "127.0.0.1", Integer.toString(port));
        }
        throw new AssertionError("no operation for " + k + " in the conformance suite yet");
    }

    /** The declaration is complete: every kind the backend offers says what it gives in every mode it serves. */
    @Test
    final void coverageDeclaresEveryOfferedKind() {
        Coverage c = provider().coverage();
        provider().offers().forEach((k, cls) -> {
            Mode m = cls.authorizes() ? Mode.AUTH : Mode.NOTIFY;
            assertTrue(!c.fields(k, m).isEmpty(), provider().name() + " declares nothing for " + k + " in " + m);
        });
    }

    /**
     * The workload's output, for a failing comparison's message.
     *
     * @return what it printed
     */
    protected final String workloadOutput() {
        return output;
    }
}
