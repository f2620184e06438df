package org.esf4j.spi.engine;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.TreeMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.esf4j.api.BackendStatus;
import org.esf4j.api.ClientConfig;
import org.esf4j.api.DecisionClass;
import org.esf4j.api.Engine;
import org.esf4j.api.Esf4jException;
import org.esf4j.api.EventKind;
import org.esf4j.api.Mode;
import org.esf4j.api.ProbeReport;
import org.esf4j.api.ReasonCode;
import org.esf4j.spi.BackendProvider;
import org.esf4j.spi.nativeio.Natives;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine behind {@code EndpointSecurity}: finds backends with {@link ServiceLoader}, probes
 * them, routes each subscribed event type to the best available backend and runs clients.
 * Registered as the {@link Engine} service of the spi module. Not API.
 *
 * <p>Routing: a backend pinned for the type (config, else the system property
 * {@value #BACKEND_PROP_NAME}) must be available and offer the type, or opening fails with the
 * reason. Otherwise, among the available backends offering the type, AUTH prefers the decision
 * class USERSPACE, then KERNEL_POLICY (a NOTIFY-only source cannot authorize), NOTIFY takes any;
 * ties go to the lower {@link BackendProvider#priority()}, then the name.
 */
public final class EsfEngine implements Engine {

    /** System property that pins one backend for every event type, e.g. {@code fanotify}. */
    public static final String BACKEND_PROP_NAME = "esf4j.backend";
    /** System property: how long one backend's probe may take before it is reported as failed. */
    public static final String PROBE_TIMEOUT_PROP_NAME = "esf4j.probe.timeout.ms";
    /** Default of {@value #PROBE_TIMEOUT_PROP_NAME}. */
    public static final long PROBE_TIMEOUT_DEFAULT_MS = 5_000;

    private static final Logger LOG = LoggerFactory.getLogger(EsfEngine.class);

    private final ClassLoader loader;

    /** For {@link ServiceLoader}: discovers backends with the spi's own class loader. */
    public EsfEngine() {
        this(EsfEngine.class.getClassLoader());
    }

    /**
     * An engine that discovers backends with the given loader.
     *
     * @param loader the class loader to search
     */
    public EsfEngine(ClassLoader loader) {
        this.loader = loader;
    }

    /** A provider that loaded, or the reason one did not. */
    record Found(BackendProvider provider, BackendStatus rejected) {
    }

    /** Loads every provider; one that fails to load costs only itself. */
    List<Found> discover() {
        List<Found> out = new ArrayList<>();
        Iterator<BackendProvider> it;
        try {
            it = ServiceLoader.load(BackendProvider.class, loader).iterator();
        } catch (ServiceConfigurationError | LinkageError e) {
            out.add(new Found(null, loadFailure(e)));
            return out;
        }
        Map<String, BackendProvider> byName = new LinkedHashMap<>();
        while (true) {
            BackendProvider p;
            try {
                if (!it.hasNext()) {
                    break;
                }
                p = it.next();
            } catch (ServiceConfigurationError | LinkageError e) {
                // e.g. UnsupportedClassVersionError of a provider built for a newer JDK
                out.add(new Found(null, loadFailure(e)));
                continue;
            }
            String name;
            int spi;
            try {
                name = p.name();
                spi = p.spiVersion();
            } catch (RuntimeException | LinkageError e) {
                out.add(new Found(null, loadFailure(e)));
                continue;
            }
            if (spi != BackendProvider.SPI_VERSION) {
                out.add(new Found(null, new BackendStatus(name, false, ReasonCode.PROVIDER_LOAD_FAILED,
                        p.getClass().getName() + " implements SPI version " + spi + ", this engine has version "
                                + BackendProvider.SPI_VERSION,
                        "use a backend jar built for the same esf4j version as esf4j-spi", "", Map.of())));
            } else if (byName.putIfAbsent(name, p) != null) {
                LOG.warn("esf4j: two backends are named {} ({} and {}); using the first", name,
                        byName.get(name).getClass().getName(), p.getClass().getName());
            }
        }
        List<BackendProvider> sorted = new ArrayList<>(byName.values());
        sorted.sort(Comparator.comparingInt(BackendProvider::priority).thenComparing(BackendProvider::name));
        List<Found> result = new ArrayList<>();
        sorted.forEach(p -> result.add(new Found(p, null)));
        result.addAll(out);
        return result;
    }

    private static BackendStatus loadFailure(Throwable e) {
        String msg = String.valueOf(e.getMessage());
        String name = "unknown";
        int i = msg.indexOf("Provider ");
        if (i >= 0) {
            String rest = msg.substring(i + 9);
            int sp = rest.indexOf(' ');
            name = sp > 0 ? rest.substring(0, sp) : rest;
        }
        String remedy = e instanceof UnsupportedClassVersionError || e.getCause() instanceof UnsupportedClassVersionError
                ? "run on a newer JDK, or use a backend jar built for this one (Java " + Runtime.version().feature() + ")"
                : "check that the backend jar matches this esf4j version and its dependencies are present";
        return new BackendStatus(name, false, ReasonCode.PROVIDER_LOAD_FAILED, "could not load the provider: " + e,
                remedy, "", Map.of());
    }

    /** Probes one provider on its own thread, with a time limit; never throws. */
    static BackendStatus probe(BackendProvider p) {
        long limit;
        try {
            limit = probeTimeoutMillis();
        } catch (IllegalArgumentException e) {
            return failed(p, e.getMessage());
        }
        FutureTask<BackendStatus> task = new FutureTask<>(p::probe);
        Thread t = new Thread(task, "esf4j-probe-" + p.name());
        t.setDaemon(true);
        t.start();
        try {
            BackendStatus s = task.get(limit, TimeUnit.MILLISECONDS);
            return s != null ? s : failed(p, "probe() returned null");
        } catch (TimeoutException e) {
            t.interrupt();
            return failed(p, "the probe did not finish within " + limit + " ms");
        } catch (ExecutionException e) {
            return failed(p, "the probe threw " + e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return failed(p, "interrupted while probing");
        }
    }

    /**
     * {@value #PROBE_TIMEOUT_PROP_NAME}, or the default when it is not set.
     *
     * @throws IllegalArgumentException when it is set to anything but a positive number of
     *         milliseconds (a probe that never gets time, or a typo, must not pass unnoticed)
     */
    static long probeTimeoutMillis() {
        String s = System.getProperty(PROBE_TIMEOUT_PROP_NAME);
        if (s == null || s.isBlank()) {
            return PROBE_TIMEOUT_DEFAULT_MS;
        }
        long v;
        try {
            v = Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            v = -1;
        }
        if (v <= 0) {
            throw new IllegalArgumentException("-D" + PROBE_TIMEOUT_PROP_NAME + "=" + s
                    + ": a positive number of milliseconds (default " + PROBE_TIMEOUT_DEFAULT_MS + ")");
        }
        return v;
    }

    private static BackendStatus failed(BackendProvider p, String why) {
        Map<EventKind, DecisionClass> offers;
        try {
            offers = p.offers();
        } catch (RuntimeException e) {
            offers = Map.of();
        }
        return BackendStatus.of(p.name(), false, ReasonCode.PROBE_FAILED, why, "report this as a bug of the "
                + p.name() + " backend", "", offers);
    }

    @Override
    public ProbeReport probe() {
        long t0 = System.nanoTime();
        List<Found> found = discover();
        List<FutureTask<BackendStatus>> tasks = new ArrayList<>();
        List<BackendStatus> statuses = new ArrayList<>();
        for (Found f : found) {
            FutureTask<BackendStatus> task = new FutureTask<>(() -> f.provider() != null ? probe(f.provider()) : f.rejected());
            tasks.add(task);
            Thread t = new Thread(task, "esf4j-probe");
            t.setDaemon(true);
            t.start();
        }
        for (FutureTask<BackendStatus> task : tasks) {
            try {
                statuses.add(task.get());
            } catch (ExecutionException | InterruptedException e) {
                statuses.add(new BackendStatus("unknown", false, ReasonCode.PROBE_FAILED, e.toString(), "", "", Map.of()));
            }
        }
        return new ProbeReport(System.getProperty("os.version", ""), Runtime.version().toString(), statuses,
                System.nanoTime() - t0);
    }

    @Override
    public org.esf4j.api.Client newClient(ClientConfig config) {
        java.util.Objects.requireNonNull(config, "config");
        probeTimeoutMillis(); // refuses a bad setting before anything runs
        List<Found> found = discover();
        java.util.Set<String> names = new java.util.TreeSet<>();
        for (Found f : found) {
            if (f.provider() != null) {
                names.add(f.provider().name());
            }
        }
        for (String key : config.backendOptions().keySet()) {
            String backend = key.substring(0, key.indexOf('.'));
            if (!names.contains(backend)) {
                throw new IllegalArgumentException("backend option '" + key + "' names no backend here (backends: "
                        + String.join(", ", names) + ")");
            }
        }
        List<Candidate> candidates = new ArrayList<>();
        for (Found f : found) {
            if (f.provider() != null) {
                candidates.add(new Candidate(f.provider(), probe(f.provider())));
            } else {
                candidates.add(new Candidate(null, f.rejected()));
            }
        }
        Map<EventKind, BackendProvider> routing = route(config, candidates, System.getProperty(BACKEND_PROP_NAME));
        return EsfClient.open(config, routing, Natives.get());
    }

    /** A backend with its probe result. */
    record Candidate(BackendProvider provider, BackendStatus status) {
    }

    /**
     * Chooses a backend per subscribed event type.
     *
     * @throws Esf4jException when a type cannot be served, with every backend's reason
     */
    static Map<EventKind, BackendProvider> route(ClientConfig config, List<Candidate> candidates, String globalPin) {
        Map<EventKind, BackendProvider> out = new TreeMap<>();
        for (Map.Entry<EventKind, Mode> sub : config.kinds().entrySet()) {
            EventKind t = sub.getKey();
            Mode mode = sub.getValue();
            String pin = config.backendPins().get(t);
            if (pin == null && globalPin != null && !globalPin.isBlank()) {
                pin = globalPin.trim();
            }
            if (pin != null) {
                out.put(t, pinned(pin, t, mode, candidates));
                continue;
            }
            Candidate best = null;
            for (Candidate c : candidates) {
                if (c.provider() == null || !c.status().available()) {
                    continue;
                }
                DecisionClass dc = c.status().offers().get(t);
                if (dc == null || (mode == Mode.AUTH && !dc.authorizes())) {
                    continue;
                }
                if (best == null || better(c, best, t, mode)) {
                    best = c;
                }
            }
            if (best == null) {
                throw new Esf4jException("no backend can serve " + t + " in " + mode + " mode: " + reasons(candidates, t));
            }
            out.put(t, best.provider());
        }
        return out;
    }

    private static boolean better(Candidate a, Candidate b, EventKind t, Mode mode) {
        if (mode == Mode.AUTH) {
            int ca = a.status().offers().get(t).strength();
            int cb = b.status().offers().get(t).strength();
            if (ca != cb) {
                return ca < cb;
            }
        }
        int pa = a.provider().priority();
        int pb = b.provider().priority();
        return pa != pb ? pa < pb : a.provider().name().compareTo(b.provider().name()) < 0;
    }

    private static BackendProvider pinned(String pin, EventKind t, Mode mode, List<Candidate> candidates) {
        for (Candidate c : candidates) {
            if (!pin.equals(c.status().name())) {
                continue;
            }
            BackendStatus s = c.status();
            if (c.provider() == null || !s.available()) {
                throw new Esf4jException("backend " + pin + " (pinned for " + t + ") is unavailable: " + s.reason() + ": "
                        + s.message() + (s.remedy().isEmpty() ? "" : "; remedy: " + s.remedy()));
            }
            DecisionClass dc = s.offers().get(t);
            if (dc == null || (mode == Mode.AUTH && !dc.authorizes())) {
                throw new Esf4jException("backend " + pin + " (pinned for " + t + ") cannot serve " + t + " in " + mode
                        + " mode; it offers " + s.offers());
            }
            return c.provider();
        }
        List<String> names = new ArrayList<>();
        candidates.forEach(c -> names.add(c.status().name()));
        throw new Esf4jException("backend " + pin + " (pinned for " + t + ") is not on the class path; found: " + names);
    }

    private static String reasons(List<Candidate> candidates, EventKind t) {
        if (candidates.isEmpty()) {
            return "no backend is on the class path (add e.g. esf4j-backend-fanotify)";
        }
        StringBuilder sb = new StringBuilder();
        for (Candidate c : candidates) {
            BackendStatus s = c.status();
            sb.append(sb.length() == 0 ? "" : "; ").append(s.name()).append(": ");
            if (!s.available()) {
                sb.append(s.reason()).append(" (").append(s.message()).append(')');
                if (!s.remedy().isEmpty()) {
                    sb.append(", remedy: ").append(s.remedy());
                }
            } else {
                sb.append("offers ").append(s.offers().isEmpty() ? "nothing" : s.offers().toString())
                  .append(", not ").append(t).append(" for this mode");
            }
        }
        return sb.toString();
    }
}
