package org.esf4j.api;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Everything a {@link Client} needs, validated once by {@link Builder#build()}.
 *
 * {@snippet :
 * ClientConfig config = ClientConfig.builder()
 *         .subscribe(EventType.EXEC, Mode.AUTH)
 *         .scope(Scope.mount(Path.of("/srv")))
 *         .authorizationHandler(req -> req.event() instanceof ExecEvent e
 *                 && e.executable().startsWith("/tmp/") ? Verdict.deny() : Verdict.allow().cached())
 *         .deadline(Duration.ofMillis(200))
 *         .build();
 * }
 *
 * @since 0.1
 */
public final class ClientConfig {

    /** Default deadline of an AUTH event: 1 s. */
    public static final Duration DEADLINE_DEFAULT = Duration.ofSeconds(1);

    /** Default capacity of the dispatch queue between reader and handler threads. */
    public static final int DISPATCH_QUEUE_CAPACITY_DEFAULT = 65536;

    /** How a backend's reader thread waits for kernel events. */
    public enum ReaderMode {
        /** Sleep in {@code epoll_wait} until events arrive: no CPU when idle. */
        BLOCKING,
        /** Busy-poll a non-blocking fd: lowest latency, one CPU busy. */
        SPINNING
    }

    /** Which thread runs handlers. */
    public enum HandlerThread {
        /**
         * A dedicated dispatch thread per client (default): a handler may block or open files
         * without stalling the reader.
         */
        DISPATCH,
        /**
         * The backend's reader thread: lowest latency, but the handler must be fast, should not
         * block, and should not open files in the watched scope; to read the event's own file use
         * {@link Authorization#file()}, which makes no open. A handler still running at its
         * deadline gets its event answered by the deadline, and where processes wait for the
         * reader (fanotify) a new reader thread takes over the source so that the events behind
         * it, the handler's own opens among them, are not held up
         * ({@link ClientStats.BackendCounters#readerHandovers()}).
         */
        READER
    }

    private final Map<EventKind, Mode> subscriptions;
    private final AuthorizationHandler authorizationHandler;
    private final AuthorizationCallback authorizationCallback;
    private final EventHandler eventHandler;
    private final EventCallback eventCallback;
    private final DropHandler dropHandler;
    private final java.util.function.Consumer<HealthEvent> healthListener;
    private final int healthMisses;
    private final int healthStuckDeadlines;
    private final HealthAction healthAction;
    private final Duration deadline;
    private final Verdict deadlineVerdict;
    private final List<MuteRule> muteRules;
    private final Set<MuteRule.Kind> invertedMuting;
    private final List<Rule> rules;
    private final Map<EventKind, String> pins;
    private final List<Scope> scopes;
    private final ReaderMode readerMode;
    private final HandlerThread handlerThread;
    private final boolean notifyDecisions;
    private final DecisionListener decisionListener;
    private final DecisionCallback decisionCallback;
    private final boolean kernelCache;
    private final int dispatchQueueCapacity;
    private final Map<String, String> backendOptions;

    private ClientConfig(Builder b) {
        this.subscriptions = Collections.unmodifiableMap(new TreeMap<>(b.subscriptions));
        this.authorizationHandler = b.authorizationHandler;
        this.authorizationCallback = b.authorizationHandler != null ? adapt(b.authorizationHandler)
                : b.authorizationCallback;
        this.eventHandler = b.eventHandler;
        this.eventCallback = b.eventHandler != null ? adapt(b.eventHandler) : b.eventCallback;
        this.dropHandler = b.dropHandler;
        this.healthListener = b.healthListener;
        this.healthMisses = b.healthMisses;
        this.healthStuckDeadlines = b.healthStuckDeadlines;
        this.healthAction = b.healthAction;
        this.deadline = b.deadline;
        this.deadlineVerdict = b.deadlineVerdict;
        this.muteRules = List.copyOf(b.muteRules);
        this.invertedMuting = Collections.unmodifiableSet(b.invertedMuting.isEmpty()
                ? EnumSet.noneOf(MuteRule.Kind.class) : EnumSet.copyOf(b.invertedMuting));
        this.rules = List.copyOf(b.rules);
        this.pins = Collections.unmodifiableMap(new TreeMap<>(b.pins));
        this.scopes = List.copyOf(b.scopes);
        this.readerMode = b.readerMode;
        this.handlerThread = b.handlerThread;
        this.notifyDecisions = b.notifyDecisions;
        this.decisionListener = b.decisionListener;
        this.decisionCallback = b.decisionListener != null ? adapt(b.decisionListener) : b.decisionCallback;
        this.kernelCache = b.kernelCache;
        this.dispatchQueueCapacity = b.dispatchQueueCapacity;
        this.backendOptions = Collections.unmodifiableMap(new TreeMap<>(b.backendOptions));
    }

    // The handlers of the original kinds, as callbacks. build() makes sure they only ever see
    // SecurityEvents, and the engine hands every AUTH event of those kinds over as an
    // AuthorizationRequest.
    @SuppressWarnings("unchecked")
    private static AuthorizationCallback adapt(AuthorizationHandler h) {
        return req -> h.onAuthorization((AuthorizationRequest<? extends SecurityEvent>) req);
    }

    private static EventCallback adapt(EventHandler h) {
        return e -> h.onEvent((SecurityEvent) e);
    }

    private static DecisionCallback adapt(DecisionListener l) {
        return (e, v) -> l.onDecision((SecurityEvent) e, v);
    }

    /**
     * A new builder.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Subscribed original event types and their mode (the entries of {@link #kinds()} that are
     * {@link EventType}s).
     *
     * @return unmodifiable map
     */
    public Map<EventType, Mode> subscriptions() {
        Map<EventType, Mode> m = new EnumMap<>(EventType.class);
        subscriptions.forEach((k, mode) -> {
            EventType t = EventType.of(k);
            if (t != null) {
                m.put(t, mode);
            }
        });
        return Collections.unmodifiableMap(m);
    }

    /**
     * Subscribed kinds of event and their mode.
     *
     * @return unmodifiable map, by kind id
     */
    public Map<EventKind, Mode> kinds() {
        return subscriptions;
    }

    /**
     * The AUTH handler of the original kinds as given to {@link Builder#authorizationHandler}, or
     * {@code null}; {@link #authorizationCallback()} is what the engine calls.
     *
     * @return the handler or null
     */
    public AuthorizationHandler authorizationHandler() {
        return authorizationHandler;
    }

    /**
     * What decides AUTH events that no rule, muting or cached verdict decides: the callback given
     * to {@link Builder#onAuthorization}, or the {@link #authorizationHandler()}; {@code null} when
     * AUTH events are decided only by policy, muting and the cache (events no rule decides are
     * then allowed with reason {@link VerdictReason#KERNEL_POLICY}).
     *
     * @return the callback or null
     */
    public AuthorizationCallback authorizationCallback() {
        return authorizationCallback;
    }

    /**
     * The NOTIFY handler of the original kinds as given to {@link Builder#eventHandler}, or
     * {@code null}; {@link #eventCallback()} is what the engine calls.
     *
     * @return the handler or null
     */
    public EventHandler eventHandler() {
        return eventHandler;
    }

    /**
     * What receives events: the callback given to {@link Builder#onEvent}, or the
     * {@link #eventHandler()}; {@code null} when there is none.
     *
     * @return the callback or null
     */
    public EventCallback eventCallback() {
        return eventCallback;
    }

    /**
     * The drop handler, or {@code null} (drops are then only counted in {@link Client#stats()}).
     *
     * @return the handler or null
     */
    public DropHandler dropHandler() {
        return dropHandler;
    }

    /** @return the health listener, or null */
    public java.util.function.Consumer<HealthEvent> healthListener() {
        return healthListener;
    }

    /** @return deadline verdicts in a row that make the handler degraded */
    public int healthMisses() {
        return healthMisses;
    }

    /** @return how many deadlines one handler call may run before the handler is degraded */
    public int healthStuckDeadlines() {
        return healthStuckDeadlines;
    }

    /** @return what the client does while the handler is degraded */
    public HealthAction healthAction() {
        return healthAction;
    }

    /**
     * How long an AUTH event may wait for the handler.
     *
     * @return the deadline
     */
    public Duration deadline() {
        return deadline;
    }

    /**
     * The verdict sent when the deadline passes (fail-open allow by default). Never cached.
     *
     * @return the verdict, with reason {@link VerdictReason#DEADLINE}
     */
    public Verdict deadlineVerdict() {
        return deadlineVerdict;
    }

    /**
     * Muting rules.
     *
     * @return the rules
     */
    public List<MuteRule> muteRules() {
        return muteRules;
    }

    /**
     * Kinds of muting that are inverted.
     *
     * @return the inverted kinds
     */
    public Set<MuteRule.Kind> invertedMuting() {
        return invertedMuting;
    }

    /**
     * Declarative rules of the original kinds (the entries of {@link #rules()} that are
     * {@link PolicyRule}s).
     *
     * @return the rules
     */
    public List<PolicyRule> policy() {
        List<PolicyRule> out = new ArrayList<>();
        for (Rule r : rules) {
            if (r instanceof PolicyRule p) {
                out.add(p);
            }
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * Declarative rules of every kind, in the order given.
     *
     * @return the rules
     */
    public List<Rule> rules() {
        return rules;
    }

    /**
     * Backends pinned per original event type (the entries of {@link #backendPins()} that are
     * {@link EventType}s).
     *
     * @return event type to backend name
     */
    public Map<EventType, String> pinnedBackends() {
        Map<EventType, String> m = new EnumMap<>(EventType.class);
        pins.forEach((k, b) -> {
            EventType t = EventType.of(k);
            if (t != null) {
                m.put(t, b);
            }
        });
        return Collections.unmodifiableMap(m);
    }

    /**
     * Backends pinned per kind of event (from config; the system property {@code esf4j.backend}
     * pins all kinds).
     *
     * @return kind to backend name
     */
    public Map<EventKind, String> backendPins() {
        return pins;
    }

    /**
     * Scopes to watch; empty means the root file system's mount.
     *
     * @return the scopes
     */
    public List<Scope> scopes() {
        return scopes;
    }

    /**
     * Reader mode.
     *
     * @return the mode
     */
    public ReaderMode readerMode() {
        return readerMode;
    }

    /**
     * Which thread runs handlers.
     *
     * @return the thread choice
     */
    public HandlerThread handlerThread() {
        return handlerThread;
    }

    /**
     * Whether decided AUTH events are also passed to the {@link #eventHandler()}.
     *
     * @return true to notify decisions
     */
    public boolean notifyDecisions() {
        return notifyDecisions;
    }

    /**
     * The decision listener of the original kinds as given to {@link Builder#decisionListener}, or
     * {@code null}; {@link #decisionCallback()} is what the engine calls.
     *
     * @return the listener or null
     */
    public DecisionListener decisionListener() {
        return decisionListener;
    }

    /**
     * What sees every decided AUTH event: the callback given to {@link Builder#onDecision}, or the
     * {@link #decisionListener()}; {@code null} when there is none.
     *
     * @return the callback or null
     */
    public DecisionCallback decisionCallback() {
        return decisionCallback;
    }

    /**
     * Whether cached allow verdicts may be stored in the kernel (fanotify ignore marks) where the
     * backend supports it. Such entries apply to every process.
     *
     * @return true (default) to use kernel caching
     */
    public boolean kernelCache() {
        return kernelCache;
    }

    /**
     * Capacity of the dispatch queue; events beyond it are answered with the deadline verdict at
     * once and reported as drops.
     *
     * @return the capacity
     */
    public int dispatchQueueCapacity() {
        return dispatchQueueCapacity;
    }

    /**
     * Backend-specific options, keyed {@code <backend>.<option>} (for example
     * {@code bpf-lsm.pin-dir}); each backend documents its own and rejects unknown ones of its
     * prefix. Backends ignore the options of other backends.
     *
     * @return the options, sorted by key
     */
    public Map<String, String> backendOptions() {
        return backendOptions;
    }

    /** Builder of {@link ClientConfig}. Not thread-safe. */
    public static final class Builder {
        private final Map<EventKind, Mode> subscriptions = new TreeMap<>();
        private AuthorizationHandler authorizationHandler;
        private AuthorizationCallback authorizationCallback;
        private EventHandler eventHandler;
        private EventCallback eventCallback;
        private DropHandler dropHandler;
        private java.util.function.Consumer<HealthEvent> healthListener;
        private int healthMisses = 5;
        private int healthStuckDeadlines = 3;
        private HealthAction healthAction = HealthAction.KEEP_WAITING;
        private Duration deadline = DEADLINE_DEFAULT;
        private Subscribers subscribers;
        private Verdict deadlineVerdict = Verdict.of(true, VerdictReason.DEADLINE, false);
        private final List<MuteRule> muteRules = new ArrayList<>();
        private final Set<MuteRule.Kind> invertedMuting = EnumSet.noneOf(MuteRule.Kind.class);
        private final List<Rule> rules = new ArrayList<>();
        private final Map<EventKind, String> pins = new TreeMap<>();
        private final List<Scope> scopes = new ArrayList<>();
        private ReaderMode readerMode = ReaderMode.BLOCKING;
        private HandlerThread handlerThread = HandlerThread.DISPATCH;
        private boolean notifyDecisions;
        private DecisionListener decisionListener;
        private DecisionCallback decisionCallback;
        private boolean kernelCache = true;
        private int dispatchQueueCapacity = DISPATCH_QUEUE_CAPACITY_DEFAULT;
        private final Map<String, String> backendOptions = new java.util.HashMap<>();

        private Builder() {
        }

        /**
         * Subscribes to an event type.
         *
         * @param type the type
         * @param mode AUTH or NOTIFY
         * @return this
         */
        public Builder subscribe(EventType type, Mode mode) {
            return subscribe(Objects.requireNonNull(type, "type").kind(), mode);
        }

        /**
         * Subscribes to a kind of event. Kinds added after the four original ones (such as
         * {@link EventKind#SOCKET_CONNECT}) need {@link #onEvent} or {@link #onAuthorization}: the
         * handlers of the original kinds never see them.
         *
         * @param kind the kind
         * @param mode AUTH or NOTIFY
         * @return this
         */
        public Builder subscribe(EventKind kind, Mode mode) {
            subscriptions.put(Objects.requireNonNull(kind, "kind"), Objects.requireNonNull(mode, "mode"));
            return this;
        }

        /**
         * Sets the AUTH handler.
         *
         * @param handler the handler
         * @return this
         */
        public Builder authorizationHandler(AuthorizationHandler handler) {
            this.authorizationHandler = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /**
         * Sets the AUTH callback, which decides events of every kind (instead of an
         * {@link #authorizationHandler}).
         *
         * @param callback the callback
         * @return this
         */
        public Builder onAuthorization(AuthorizationCallback callback) {
            this.authorizationCallback = Objects.requireNonNull(callback, "callback");
            return this;
        }

        /**
         * Lets several subscribers decide every AUTH event of this client, through one kernel
         * group: deny wins, allow needs every subscriber, and the earliest of their deadlines is
         * the client's deadline (see {@link Subscribers}). Instead of
         * {@link #onAuthorization}/{@link #authorizationHandler}.
         *
         * @param subscribers the subscribers
         * @return this
         * @since 0.2
         */
        public Builder subscribers(Subscribers subscribers) {
            Objects.requireNonNull(subscribers, "subscribers");
            this.authorizationCallback = subscribers;
            this.subscribers = subscribers;
            this.deadline = subscribers.earliestDeadline();
            return this;
        }

        /**
         * Sets the NOTIFY handler.
         *
         * @param handler the handler
         * @return this
         */
        public Builder eventHandler(EventHandler handler) {
            this.eventHandler = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /**
         * Sets the event callback, which receives events of every kind (instead of an
         * {@link #eventHandler}).
         *
         * @param callback the callback
         * @return this
         */
        public Builder onEvent(EventCallback callback) {
            this.eventCallback = Objects.requireNonNull(callback, "callback");
            return this;
        }

        /**
         * Sets the drop handler.
         *
         * @param handler the handler
         * @return this
         */
        /**
         * Receives {@link HealthEvent}s: the handler degraded (deadline misses in a row, or a call
         * running for several deadlines) or recovered. Called on the engine's watchdog or a
         * handler's thread, never on the dispatch thread (which may be the one stuck): keep it
         * short and non-blocking.
         *
         * @param listener the listener
         * @return this
         */
        public Builder onHealth(java.util.function.Consumer<HealthEvent> listener) {
            this.healthListener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * When the handler counts as degraded, and what the client does then. Default: 5 deadline
         * misses in a row or a call running for 3 deadlines, {@link HealthAction#KEEP_WAITING}.
         *
         * @param consecutiveMisses deadline verdicts in a row, at least 1
         * @param stuckDeadlines deadlines one handler call may run, at least 1
         * @param action what to do while degraded
         * @return this
         */
        public Builder healthPolicy(int consecutiveMisses, int stuckDeadlines, HealthAction action) {
            if (consecutiveMisses < 1 || stuckDeadlines < 1) {
                throw new IllegalArgumentException("health policy: misses and stuck deadlines must be at least 1, got "
                        + consecutiveMisses + " and " + stuckDeadlines);
            }
            this.healthMisses = consecutiveMisses;
            this.healthStuckDeadlines = stuckDeadlines;
            this.healthAction = Objects.requireNonNull(action, "action");
            return this;
        }

        public Builder dropHandler(DropHandler handler) {
            this.dropHandler = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /**
         * Sets the deadline.
         *
         * @param d a duration of 1 ms to 1 h
         * @return this
         */
        public Builder deadline(Duration d) {
            Objects.requireNonNull(d, "deadline");
            if (d.compareTo(Duration.ofMillis(1)) < 0 || d.compareTo(Duration.ofHours(1)) > 0) {
                throw new IllegalArgumentException("deadline must be in [1 ms, 1 h], got " + d
                        + " (a shorter one is missed by the scheduler alone)");
            }
            this.deadline = d;
            return this;
        }

        /**
         * Sets the verdict sent on a missed deadline.
         *
         * @param allow true for fail-open (default), false for fail-closed
         * @return this
         */
        public Builder deadlineVerdict(boolean allow) {
            this.deadlineVerdict = Verdict.of(allow, VerdictReason.DEADLINE, false);
            return this;
        }

        /**
         * Adds a muting rule.
         *
         * @param rule the rule
         * @return this
         */
        public Builder mute(MuteRule rule) {
            muteRules.add(Objects.requireNonNull(rule, "rule"));
            return this;
        }

        /**
         * Inverts one kind of muting (Apple ES {@code es_invert_muting}; here a setting, not a toggle).
         *
         * @param kind the kind
         * @return this
         */
        public Builder invertMuting(MuteRule.Kind kind) {
            invertedMuting.add(Objects.requireNonNull(kind, "kind"));
            return this;
        }

        /**
         * Adds a policy rule.
         *
         * @param rule the rule
         * @return this
         */
        public Builder policy(PolicyRule rule) {
            return rule(rule);
        }

        /**
         * Adds a rule of any kind.
         *
         * @param rule the rule
         * @return this
         */
        public Builder rule(Rule rule) {
            rules.add(Objects.requireNonNull(rule, "rule"));
            return this;
        }

        /**
         * Pins the backend that serves an event type.
         *
         * @param type the type
         * @param backendName e.g. {@code "fanotify"}
         * @return this
         */
        public Builder pinBackend(EventType type, String backendName) {
            return pinBackend(Objects.requireNonNull(type, "type").kind(), backendName);
        }

        /**
         * Pins the backend that serves a kind of event.
         *
         * @param kind the kind
         * @param backendName e.g. {@code "bpf-lsm"}
         * @return this
         */
        public Builder pinBackend(EventKind kind, String backendName) {
            pins.put(Objects.requireNonNull(kind, "kind"), Objects.requireNonNull(backendName, "backendName"));
            return this;
        }

        /**
         * Adds a scope.
         *
         * @param scope the scope
         * @return this
         */
        public Builder scope(Scope scope) {
            scopes.add(Objects.requireNonNull(scope, "scope"));
            return this;
        }

        /**
         * Sets the reader mode.
         *
         * @param mode the mode
         * @return this
         */
        public Builder readerMode(ReaderMode mode) {
            this.readerMode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /**
         * Sets which thread runs handlers.
         *
         * @param thread the thread choice
         * @return this
         */
        public Builder handlerThread(HandlerThread thread) {
            this.handlerThread = Objects.requireNonNull(thread, "thread");
            return this;
        }

        /**
         * Also passes decided AUTH events to the event handler.
         *
         * @param on true to enable
         * @return this
         */
        public Builder notifyDecisions(boolean on) {
            this.notifyDecisions = on;
            return this;
        }

        /**
         * Sets a listener that sees every decided AUTH event with its verdict.
         *
         * @param listener the listener
         * @return this
         */
        public Builder decisionListener(DecisionListener listener) {
            this.decisionListener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Sets a callback that sees every decided AUTH event of every kind with its verdict
         * (instead of a {@link #decisionListener}).
         *
         * @param callback the callback
         * @return this
         */
        public Builder onDecision(DecisionCallback callback) {
            this.decisionCallback = Objects.requireNonNull(callback, "callback");
            return this;
        }

        /**
         * Enables or disables kernel-side caching of cached allow verdicts.
         *
         * @param on true (default) to enable
         * @return this
         */
        public Builder kernelCache(boolean on) {
            this.kernelCache = on;
            return this;
        }

        /**
         * Sets the dispatch queue capacity.
         *
         * @param capacity a power of two between 16 and 2^24
         * @return this
         */
        public Builder dispatchQueueCapacity(int capacity) {
            if (capacity < 16 || capacity > (1 << 24) || Integer.bitCount(capacity) != 1) {
                throw new IllegalArgumentException("dispatch queue capacity must be a power of two in [16, 2^24], got " + capacity);
            }
            this.dispatchQueueCapacity = capacity;
            return this;
        }

        /**
         * Sets a backend-specific option (see {@link ClientConfig#backendOptions()}).
         *
         * @param key {@code <backend>.<option>}
         * @param value the value
         * @return this
         */
        public Builder backendOption(String key, String value) {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
            if (key.indexOf('.') <= 0) {
                throw new IllegalArgumentException("backend option keys are <backend>.<option>, got '" + key + "'");
            }
            backendOptions.put(key, value);
            return this;
        }

        /**
         * Validates and builds.
         *
         * @return the config
         * @throws IllegalStateException when nothing is subscribed, a NOTIFY subscription has no
         *         event handler, a role has both a handler and a callback, a handler of the
         *         original kinds would receive a kind added since, or a rule's kind is not
         *         subscribed in AUTH mode
         */
        public ClientConfig build() {
            if (subscriptions.isEmpty()) {
                throw new IllegalStateException("subscribe to at least one event type");
            }
            exclusive(authorizationHandler, authorizationCallback, "authorizationHandler",
                    subscribers != null ? "subscribers" : "onAuthorization");
            if (subscribers != null && authorizationCallback != subscribers) {
                throw new IllegalStateException("set either subscribers or onAuthorization, not both");
            }
            if (subscribers != null && deadline.compareTo(subscribers.earliestDeadline()) > 0) {
                throw new IllegalStateException("deadline " + deadline + " is later than the earliest subscriber's ("
                        + subscribers.earliestDeadline() + "), which governs");
            }
            exclusive(eventHandler, eventCallback, "eventHandler", "onEvent");
            exclusive(decisionListener, decisionCallback, "decisionListener", "onDecision");
            if (subscriptions.containsValue(Mode.NOTIFY) && eventHandler == null && eventCallback == null) {
                throw new IllegalStateException("NOTIFY subscriptions need an eventHandler or onEvent callback");
            }
            subscriptions.forEach((k, mode) -> {
                if (k.isSecurityEvent()) {
                    return;
                }
                String why = null;
                if (mode == Mode.NOTIFY && eventHandler != null) {
                    why = "eventHandler";
                } else if (mode == Mode.AUTH && authorizationHandler != null) {
                    why = "authorizationHandler";
                } else if (mode == Mode.AUTH && decisionListener != null) {
                    why = "decisionListener";
                } else if (mode == Mode.AUTH && notifyDecisions && eventHandler != null) {
                    why = "eventHandler";
                }
                if (why != null) {
                    throw new IllegalStateException(k + " events are not SecurityEvents and never reach an " + why
                            + ": give " + (why.equals("authorizationHandler") ? "onAuthorization"
                                    : why.equals("decisionListener") ? "onDecision" : "onEvent")
                            + " a callback instead");
                }
            });
            for (Rule r : rules) {
                if (subscriptions.get(r.kind()) != Mode.AUTH) {
                    throw new IllegalStateException("policy rule " + r + " needs an AUTH subscription to " + r.kind());
                }
            }
            return new ClientConfig(this);
        }

        private static void exclusive(Object handler, Object callback, String h, String c) {
            if (handler != null && callback != null) {
                throw new IllegalStateException("give either " + h + " or " + c + ", not both");
            }
        }
    }
}
