package org.esf4j.api;

import java.util.Map;
import java.util.Objects;

/**
 * An event of a kind that only one source has and that has no record of its own (for example
 * TSEM's {@code task_kill} or ESF's {@code ptrace}): its {@link EventKind#extension extension}
 * kind and the source's fields by name, as text. Such events are delivered, never dropped,
 * to clients that subscribe to their kind.
 *
 * @param header common header
 * @param kind the kind, e.g. {@code EventKind.extension("tsem.task_kill")}
 * @param fields the source's fields, by the source's names, in the source's order
 * @since 0.1
 */
public record GenericEvent(EventHeader header, EventKind kind, Map<String, String> fields) implements Event {

    /**
     * Validates and copies.
     *
     * @param header header
     * @param kind kind
     * @param fields fields
     */
    public GenericEvent {
        Objects.requireNonNull(header, "header");
        Objects.requireNonNull(kind, "kind");
        fields = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(fields));
    }
}
