package org.esf4j.spi.engine;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.esf4j.api.Client;
import org.esf4j.api.ClientConfig;
import org.esf4j.api.ClientStats;
import org.esf4j.api.DropNotice;
import org.esf4j.api.Esf4jException;
import org.esf4j.api.EventKind;
import org.esf4j.api.EventType;
import org.esf4j.api.Mode;
import org.esf4j.api.Rule;
import org.esf4j.api.Verdict;
import org.esf4j.api.VerdictReason;
import org.esf4j.spi.Backend;
import org.esf4j.spi.BackendContext;
import org.esf4j.spi.BackendProvider;
import org.esf4j.spi.nativeio.NativeOps;
import org.esf4j.spi.process.ProcessModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running client: its backends, the shared decision state (policy, muting, cache, sequence
 * numbers, histograms), its two threads, dispatch and watchdog, and its use of the shared process
 * model.
 */
final class EsfClient implements Client {

    private static final Logger LOG = LoggerFactory.getLogger(EsfClient.class);
    private static final AtomicInteger SERIAL = new AtomicInteger();
    /** How long close() waits for the dispatch thread to work off queued notifications. */
    private static final long CLOSE_DRAIN_MILLIS = 2_000;

    final ClientConfig config;
    final MuteMatcher muting;
    volatile PolicyMatcher policy;
    final VerdictCache cache = new VerdictCache();
    final AtomicLong sequence = new AtomicLong();
    final LatencyHistogram receiveToDecision = new LatencyHistogram();
    final LatencyHistogram hookToDecision = new LatencyHistogram();
    final Dispatcher dispatcher;
    final Watchdog watchdog;
    final Health health;
    final ProcessModel processes;
    private final Runnable lossListener;
    private final Map<EventKind, String> routes;
    private Map<EventKind, org.esf4j.api.DecisionClass> classes = Map.of();
    private final List<BackendSink> sinks = new ArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final int serial;

    private EsfClient(ClientConfig config, Map<EventKind, String> routes, PolicyMatcher policy,
                      ProcessModel processes) {
        this.serial = SERIAL.incrementAndGet();
        this.config = config;
        this.routes = Collections.unmodifiableMap(new TreeMap<>(routes));
        this.muting = new MuteMatcher(config.muteRules(), config.invertedMuting());
        this.policy = policy;
        this.dispatcher = new Dispatcher(config, serial);
        this.watchdog = new Watchdog(config.deadlineVerdict(), config.deadline().toNanos(), serial);
        this.health = new Health(config, serial, this::close);
        this.processes = processes;
        this.lossListener = processes.onLoss(detail -> dispatcher.offerDrop(
                new DropNotice("process-model", "process-connector", -1, -1, detail)));
    }

    /**
     * Opens and starts one backend per provider in {@code routing}.
     *
     * @throws Esf4jException when a backend fails to open or start; everything opened is closed
     */
    static EsfClient open(ClientConfig config, Map<EventKind, BackendProvider> routing, NativeOps ops) {
        Watchdog.fifoPriority(); // a bad value is refused before anything starts
        Map<EventKind, String> routes = new TreeMap<>();
        Map<BackendProvider, Map<EventKind, Mode>> perBackend = new LinkedHashMap<>();
        Map<EventKind, org.esf4j.api.DecisionClass> classes = new TreeMap<>();
        routing.forEach((k, p) -> {
            routes.put(k, p.name());
            org.esf4j.api.DecisionClass dc = p.offers().get(k);
            if (dc != null) {
                classes.put(k, dc);
            }
            perBackend.computeIfAbsent(p, x -> new TreeMap<>()).put(k, config.kinds().get(k));
        });
        // the rules first: one that cannot apply (a path that does not exist) throws before anything starts
        PolicyMatcher policy = new PolicyMatcher(config.rules());
        EsfClient c = new EsfClient(config, routes, policy, ProcessModel.acquire(ops));
        c.classes = Collections.unmodifiableMap(classes);
        for (BackendProvider p : perBackend.keySet()) {
            c.sinks.add(new BackendSink(p.name(), c));
        }
        c.dispatcher.start();
        c.watchdog.start(c.sinks, c.health, c.dispatcher, ops);
        int i = 0;
        try {
            for (Map.Entry<BackendProvider, Map<EventKind, Mode>> e : perBackend.entrySet()) {
                BackendSink sink = c.sinks.get(i++);
                Backend b = e.getKey().open(new BackendContext(config, e.getValue(), sink, c.processes));
                if (b == null) {
                    throw new Esf4jException("backend " + e.getKey().name() + " returned no backend from open()");
                }
                sink.backend(b);
            }
            for (BackendSink sink : c.sinks) {
                sink.backend().start();
            }
        } catch (RuntimeException | Error e) {
            c.close();
            throw e instanceof Esf4jException x ? x
                    : new Esf4jException("esf4j client failed to start: " + e, e);
        }
        LOG.info("esf4j client {} started: {} (native binding {})", c.serial, routes, ops.binding());
        return c;
    }

    @Override
    public Map<EventType, String> routes() {
        Map<EventType, String> m = new EnumMap<>(EventType.class);
        routes.forEach((k, b) -> {
            EventType t = EventType.of(k);
            if (t != null) {
                m.put(t, b);
            }
        });
        return Collections.unmodifiableMap(m);
    }

    @Override
    public Map<EventKind, org.esf4j.api.DecisionClass> routeClasses() {
        return classes;
    }

    @Override
    public Map<EventKind, String> routesByKind() {
        return routes;
    }

    @Override
    public synchronized void updateRules(List<? extends Rule> rules) {
        if (closed.get()) {
            throw new IllegalStateException("the client is closed");
        }
        List<Rule> copy = List.copyOf(rules);
        for (Rule r : copy) {
            if (config.kinds().get(r.kind()) != Mode.AUTH) {
                throw new IllegalArgumentException("rule " + r + " needs an AUTH subscription to " + r.kind());
            }
        }
        PolicyMatcher next = new PolicyMatcher(copy);
        for (BackendSink s : sinks) {
            s.backend().updateRules(copy); // throws with the old rules still in force there
        }
        policy = next;
        LOG.info("esf4j client {}: rules replaced ({} rules)", serial, copy.size());
    }

    @Override
    public <T> java.util.Optional<T> extension(Class<T> type) {
        java.util.Objects.requireNonNull(type, "type");
        for (BackendSink s : sinks) {
            Backend b = s.backend();
            T x = b == null ? null : b.extension(type);
            if (x != null) {
                return java.util.Optional.of(x);
            }
        }
        return java.util.Optional.empty();
    }

    @Override
    public ClientStats stats() {
        Map<String, ClientStats.BackendCounters> m = new LinkedHashMap<>();
        for (BackendSink s : sinks) {
            m.put(s.name, s.counters.snapshot());
        }
        return new ClientStats(Collections.unmodifiableMap(m), receiveToDecision.summary(), hookToDecision.summary());
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        // 1. New AUTH events are allowed at once; 2. pending ones are answered (allow: the system
        // is left as it was); 3. backends remove their kernel state; 4. the threads stop.
        health.closing();
        for (BackendSink s : sinks) {
            s.closing();
        }
        Verdict release = Verdict.of(true, VerdictReason.DEADLINE, false);
        watchdog.answerAll(release);
        for (BackendSink s : sinks) {
            Backend b = s.backend();
            if (b != null) {
                try {
                    b.close();
                } catch (Throwable t) {
                    LOG.warn("esf4j: closing backend {} failed", s.name, t);
                }
            }
        }
        watchdog.answerAll(release);
        watchdog.stop();
        dispatcher.stop(CLOSE_DRAIN_MILLIS);
        lossListener.run();
        processes.release();
    }

    @Override
    public String toString() {
        return "esf4j client " + routes;
    }
}
