package org.esf4j.api;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What the probe found for one backend.
 *
 * @param name backend name, e.g. {@code fanotify}
 * @param available whether it can be used on this host now
 * @param reason {@link ReasonCode#AVAILABLE} or why not
 * @param message what the probe saw, e.g. the failing call and errno
 * @param remedy what to do about it (empty when available)
 * @param binding native binding used ({@code ffm} or {@code jna}), or empty
 * @param events the decision class offered per original event type (the entries of
 *               {@link #offers()} that are {@link EventType}s)
 * @param offers the decision class offered per kind of event (when available: what it offers
 *               here; when unavailable: what it would offer)
 * @since 0.1
 */
public record BackendStatus(String name, boolean available, ReasonCode reason, String message, String remedy,
                            String binding, Map<EventType, DecisionClass> events,
                            Map<EventKind, DecisionClass> offers) {

    /**
     * Validates and copies. {@code offers} is authoritative; when it is empty it is taken from
     * {@code events}, and {@code events} is always recomputed from it.
     *
     * @param name name
     * @param available available
     * @param reason reason
     * @param message message
     * @param remedy remedy
     * @param binding binding
     * @param events events
     * @param offers offers per kind
     */
    public BackendStatus {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(reason, "reason");
        message = message == null ? "" : message;
        remedy = remedy == null ? "" : remedy;
        binding = binding == null ? "" : binding;
        Map<EventKind, DecisionClass> k = new TreeMap<>(offers);
        if (k.isEmpty()) {
            events.forEach((t, c) -> k.put(t.kind(), c));
        }
        offers = Collections.unmodifiableMap(k);
        Map<EventType, DecisionClass> t = new EnumMap<>(EventType.class);
        k.forEach((kind, c) -> {
            EventType type = EventType.of(kind);
            if (type != null) {
                t.put(type, c);
            }
        });
        events = Map.copyOf(t);
    }

    /**
     * A status offering the original event types only (the constructor of the first release).
     *
     * @param name name
     * @param available available
     * @param reason reason
     * @param message message
     * @param remedy remedy
     * @param binding binding
     * @param events events
     */
    public BackendStatus(String name, boolean available, ReasonCode reason, String message, String remedy,
                         String binding, Map<EventType, DecisionClass> events) {
        this(name, available, reason, message, remedy, binding, events, Map.of());
    }

    /**
     * A status from offers per kind.
     *
     * @param name name
     * @param available available
     * @param reason reason
     * @param message message
     * @param remedy remedy
     * @param binding binding
     * @param offers offers per kind
     * @return the status
     */
    public static BackendStatus of(String name, boolean available, ReasonCode reason, String message, String remedy,
                                   String binding, Map<EventKind, DecisionClass> offers) {
        return new BackendStatus(name, available, reason, message, remedy, binding, Map.of(), offers);
    }
}
