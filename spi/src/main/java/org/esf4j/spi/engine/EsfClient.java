package org.esf4j.spi.engine;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.esf4j.api.Client;
import org.esf4j.api.ClientConfig;
import org.esf4j.api.ClientStats;
import org.esf4j.api.Esf4jException;
import org.esf4j.api.EventType;
import org.esf4j.api.Mode;
import org.esf4j.api.PolicyRule;
import org.esf4j.api.Verdict;
import org.esf4j.api.VerdictReason;
import org.esf4j.spi.Backend;
import org.esf4j.spi.BackendContext;
import org.esf4j.spi.BackendProvider;
import org.esf4j.spi.nativeio.NativeOps;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running client: its backends, the shared decision state (policy, muting, cache, sequence
 * numbers, histograms) and its two threads, dispatch and watchdog.
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
    private final Map<EventType, String> routes;
    private final List<BackendSink> sinks = new ArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final int serial;

    private EsfClient(ClientConfig config, Map<EventType, String> routes) {
        this.serial = SERIAL.incrementAndGet();
        this.config = config;
        this.routes = Collections.unmodifiableMap(new EnumMap<>(routes));
        this.muting = new MuteMatcher(config.muteRules(), config.invertedMuting());
        this.policy = new PolicyMatcher(config.policy());
        this.dispatcher = new Dispatcher(config, serial);
        this.watchdog = new Watchdog(config.deadlineVerdict(), config.deadline().toNanos(), serial);
    }

    /**
     * Opens and starts one backend per provider in {@code routing}.
     *
     * @throws Esf4jException when a backend fails to open or start; everything opened is closed
     */
    static EsfClient open(ClientConfig config, Map<EventType, BackendProvider> routing, NativeOps ops) {
        Map<EventType, String> routes = new EnumMap<>(EventType.class);
        Map<BackendProvider, Map<EventType, Mode>> perBackend = new LinkedHashMap<>();
        routing.forEach((t, p) -> {
            routes.put(t, p.name());
            perBackend.computeIfAbsent(p, k -> new EnumMap<>(EventType.class)).put(t, config.subscriptions().get(t));
        });
        EsfClient c = new EsfClient(config, routes);
        for (BackendProvider p : perBackend.keySet()) {
            c.sinks.add(new BackendSink(p.name(), c, ops));
        }
        c.dispatcher.start();
        c.watchdog.start(c.sinks);
        int i = 0;
        try {
            for (Map.Entry<BackendProvider, Map<EventType, Mode>> e : perBackend.entrySet()) {
                BackendSink sink = c.sinks.get(i++);
                Backend b = e.getKey().open(new BackendContext(config, e.getValue(), sink));
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
        return routes;
    }

    @Override
    public synchronized void updatePolicy(List<PolicyRule> rules) {
        if (closed.get()) {
            throw new IllegalStateException("the client is closed");
        }
        List<PolicyRule> copy = List.copyOf(rules);
        PolicyMatcher next = new PolicyMatcher(copy);
        for (BackendSink s : sinks) {
            s.backend().updatePolicy(copy); // throws with the old rules still in force there
        }
        policy = next;
        LOG.info("esf4j client {}: policy replaced ({} rules)", serial, copy.size());
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
        for (BackendSink s : sinks) {
            s.release();
        }
    }

    @Override
    public String toString() {
        return "esf4j client " + routes;
    }
}
