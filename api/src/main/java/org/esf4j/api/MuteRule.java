package org.esf4j.api;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * A muting rule (Apple ES semantics): events matching it are not delivered to the client and,
 * for AUTH, are allowed at once with reason {@link VerdictReason#MUTED}. Muting of each
 * {@link Kind} can be inverted in the {@link ClientConfig}, which turns the rules of that kind
 * into a selection: only matching events are delivered.
 *
 * <p>Evaluation (as in ES): process rules, then executable-path rules, then target-path rules;
 * any kind may suppress.
 *
 * @param kind what the rule matches
 * @param pid the process id for {@link Kind#PROCESS}, else 0
 * @param path the path for the path kinds, else the empty string
 * @param prefix true for a prefix match, false for a literal match
 * @param events the original event types among {@link #kinds()} (empty when the rule names only
 *               kinds added since, or none)
 * @param kinds the kinds of event the rule applies to; empty means all
 * @since 0.1
 */
public record MuteRule(Kind kind, int pid, String path, boolean prefix, Set<EventType> events,
                       Set<EventKind> kinds) {

    /** What a rule matches. */
    public enum Kind {
        /** The acting process, by pid. */
        PROCESS,
        /** The path of the acting process's executable. */
        EXECUTABLE_PATH,
        /** The event's target path (the executed or opened file). */
        TARGET_PATH
    }

    /**
     * Validates and copies. {@code kinds} is authoritative; when it is empty it is taken from
     * {@code events}, and {@code events} is always recomputed from it.
     *
     * @param kind kind
     * @param pid pid
     * @param path path
     * @param prefix prefix match
     * @param events event types
     * @param kinds event kinds
     */
    public MuteRule {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(path, "path");
        if (kinds.isEmpty() && !events.isEmpty()) {
            Set<EventKind> k = new java.util.TreeSet<>();
            events.forEach(t -> k.add(t.kind()));
            kinds = k;
        }
        kinds = Collections.unmodifiableSet(new java.util.TreeSet<>(kinds));
        Set<EventType> types = EnumSet.noneOf(EventType.class);
        for (EventKind k : kinds) {
            EventType t = EventType.of(k);
            if (t != null) {
                types.add(t);
            }
        }
        events = types.isEmpty() ? Set.of() : Set.copyOf(types);
        if (kind == Kind.PROCESS && pid <= 0) {
            throw new IllegalArgumentException("process muting needs a pid > 0, got " + pid);
        }
        if (kind != Kind.PROCESS && path.isEmpty()) {
            throw new IllegalArgumentException(kind + " muting needs a non-empty path");
        }
    }

    /**
     * A rule for event types of the four original kinds (the constructor of the first release).
     *
     * @param kind kind
     * @param pid pid
     * @param path path
     * @param prefix prefix match
     * @param events event types; empty means all kinds
     */
    public MuteRule(Kind kind, int pid, String path, boolean prefix, Set<EventType> events) {
        this(kind, pid, path, prefix, events, Set.of());
    }

    /**
     * This rule, applying to the given kinds only.
     *
     * @param only the kinds; none for all
     * @return the rule
     */
    public MuteRule only(EventKind... only) {
        return new MuteRule(kind, pid, path, prefix, Set.of(), Set.of(only));
    }

    /**
     * Mutes a process.
     *
     * @param pid the pid
     * @param events event types, none for all
     * @return the rule
     */
    public static MuteRule process(int pid, EventType... events) {
        return new MuteRule(Kind.PROCESS, pid, "", false, Set.of(events));
    }

    /**
     * Mutes processes whose executable path equals {@code path}.
     *
     * @param path the executable path
     * @param events event types, none for all
     * @return the rule
     */
    public static MuteRule executable(String path, EventType... events) {
        return new MuteRule(Kind.EXECUTABLE_PATH, 0, path, false, Set.of(events));
    }

    /**
     * Mutes processes whose executable path starts with {@code prefix}.
     *
     * @param prefix the path prefix
     * @param events event types, none for all
     * @return the rule
     */
    public static MuteRule executablePrefix(String prefix, EventType... events) {
        return new MuteRule(Kind.EXECUTABLE_PATH, 0, prefix, true, Set.of(events));
    }

    /**
     * Mutes events whose target path equals {@code path}.
     *
     * @param path the target path
     * @param events event types, none for all
     * @return the rule
     */
    public static MuteRule target(String path, EventType... events) {
        return new MuteRule(Kind.TARGET_PATH, 0, path, false, Set.of(events));
    }

    /**
     * Mutes events whose target path starts with {@code prefix}.
     *
     * @param prefix the path prefix
     * @param events event types, none for all
     * @return the rule
     */
    public static MuteRule targetPrefix(String prefix, EventType... events) {
        return new MuteRule(Kind.TARGET_PATH, 0, prefix, true, Set.of(events));
    }

    /**
     * Whether the rule applies to an event type.
     *
     * @param type the type
     * @return true if it applies
     */
    public boolean appliesTo(EventType type) {
        return appliesTo(type.kind());
    }

    /**
     * Whether the rule applies to a kind of event.
     *
     * @param k the kind
     * @return true if it applies
     */
    public boolean appliesTo(EventKind k) {
        return kinds.isEmpty() || kinds.contains(k);
    }
}
