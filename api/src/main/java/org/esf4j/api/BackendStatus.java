package org.esf4j.api;

import java.util.Map;
import java.util.Objects;

/**
 * What the probe found for one backend.
 *
 * @param name backend name, e.g. {@code fanotify}
 * @param available whether it can be used on this host now
 * @param reason {@link ReasonCode#AVAILABLE} or why not
 * @param message what the probe saw, e.g. the failing call and errno
 * @param remedy what to do about it (empty when available)
 * @param binding native binding used ({@code ffm} or {@code jna}), or empty
 * @param events the decision class offered per event type (when available: what it offers
 *               here; when unavailable: what it would offer)
 * @since 0.1
 */
public record BackendStatus(String name, boolean available, ReasonCode reason, String message, String remedy,
                            String binding, Map<EventType, DecisionClass> events) {

    /**
     * Validates and copies.
     *
     * @param name name
     * @param available available
     * @param reason reason
     * @param message message
     * @param remedy remedy
     * @param binding binding
     * @param events events
     */
    public BackendStatus {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(reason, "reason");
        message = message == null ? "" : message;
        remedy = remedy == null ? "" : remedy;
        binding = binding == null ? "" : binding;
        events = Map.copyOf(events);
    }
}
