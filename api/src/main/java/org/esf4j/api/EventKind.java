package org.esf4j.api;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A kind of event: the open counterpart of {@link EventType}. New kinds are added in minor
 * releases (and sources such as TSEM add kinds of their own at run time), so this is a class
 * with constants, not an enum: a {@code switch} over kinds needs a {@code default}, and no
 * code breaks when a kind is added.
 *
 * <p>Every kind has a stable numeric {@link #id()} (written into BPF programs, record files and
 * metrics; never an ordinal) and a stable {@link #name()} (command lines, JSON). The kinds
 * esf4j defines have ids below {@value #EXTENSION_ID_BASE}; a source-specific kind made with
 * {@link #extension(String)} gets an id of {@value #EXTENSION_ID_BASE} or more that is stable
 * only within one JVM, so only its name may be stored.
 *
 * <p>Instances are interned: compare with {@code ==} or {@link #equals}.
 *
 * @since 0.1
 */
public final class EventKind implements Comparable<EventKind> {

    /** First id of the kinds made by {@link #extension(String)}. */
    public static final int EXTENSION_ID_BASE = 1024;

    private static final Map<String, EventKind> BY_NAME = new ConcurrentHashMap<>();
    private static final Map<Integer, EventKind> BY_ID = new ConcurrentHashMap<>();
    private static final List<EventKind> KNOWN = new ArrayList<>();
    private static int nextExtensionId = EXTENSION_ID_BASE;

    /** A program is executed ({@link ExecEvent}). */
    public static final EventKind EXEC = define(1, "exec", ExecEvent.class);
    /** A file is opened ({@link FileOpenEvent}). */
    public static final EventKind FILE_OPEN = define(2, "open", FileOpenEvent.class);
    /** A socket is bound to a local address ({@link SocketBindEvent}). */
    public static final EventKind SOCKET_BIND = define(3, "bind", SocketBindEvent.class);
    /** An io_uring passthrough command is issued ({@link UringCmdEvent}). */
    public static final EventKind URING_CMD = define(4, "uring", UringCmdEvent.class);
    /** A socket connects to a remote address ({@link SocketConnectEvent}). */
    public static final EventKind SOCKET_CONNECT = define(5, "connect", SocketConnectEvent.class);

    private final int id;
    private final String name;
    private final Class<? extends Event> eventClass;

    private EventKind(int id, String name, Class<? extends Event> eventClass) {
        this.id = id;
        this.name = name;
        this.eventClass = eventClass;
    }

    private static EventKind define(int id, String name, Class<? extends Event> eventClass) {
        EventKind k = new EventKind(id, name, eventClass);
        BY_NAME.put(name, k);
        BY_ID.put(id, k);
        KNOWN.add(k);
        return k;
    }

    /**
     * The kind of a source-specific event that has no record of its own (for example TSEM's
     * {@code task_kill}), delivered as a {@link GenericEvent}. The same name always gives the same
     * instance within a JVM.
     *
     * @param name a qualified name, {@code <source>.<kind>} in lower case, e.g. {@code tsem.task_kill}
     * @return the kind
     * @throws IllegalArgumentException when the name is not qualified or names a kind esf4j defines
     */
    public static EventKind extension(String name) {
        Objects.requireNonNull(name, "name");
        if (!name.matches("[a-z0-9-]+\\.[a-z0-9_.-]+")) {
            throw new IllegalArgumentException("an extension kind is named <source>.<kind> in lower case, got '"
                    + name + "'");
        }
        EventKind k = BY_NAME.get(name);
        if (k != null) {
            return k;
        }
        synchronized (EventKind.class) {
            return BY_NAME.computeIfAbsent(name, n -> {
                EventKind x = new EventKind(nextExtensionId++, n, GenericEvent.class);
                BY_ID.put(x.id, x);
                return x;
            });
        }
    }

    /**
     * The kinds esf4j defines, by id.
     *
     * @return an unmodifiable list
     */
    public static List<EventKind> known() {
        return Collections.unmodifiableList(KNOWN);
    }

    /**
     * Parses a name ({@code exec}, {@code connect}, an extension's qualified name) or the constant
     * name of a kind esf4j defines ({@code SOCKET_CONNECT}), case-insensitively for the latter.
     *
     * @param name the name
     * @return the kind
     * @throws IllegalArgumentException for an unknown name, listing the known ones
     */
    public static EventKind parse(String name) {
        Objects.requireNonNull(name, "name");
        EventKind k = BY_NAME.get(name.toLowerCase(Locale.ROOT));
        if (k != null) {
            return k;
        }
        for (EventKind x : KNOWN) {
            if (x.constantName().equalsIgnoreCase(name)) {
                return x;
            }
        }
        List<String> names = new ArrayList<>();
        KNOWN.forEach(x -> names.add(x.name));
        throw new IllegalArgumentException("unknown event kind '" + name + "': expected one of "
                + String.join(", ", names));
    }

    /**
     * The kind with this id.
     *
     * @param id an id
     * @return the kind, or {@code null} when no kind has it
     */
    public static EventKind byId(int id) {
        return BY_ID.get(id);
    }

    /**
     * The stable numeric id.
     *
     * @return the id
     */
    public int id() {
        return id;
    }

    /**
     * The stable short name ({@code exec}, {@code open}, {@code bind}, {@code uring},
     * {@code connect}, or an extension's qualified name).
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * The class of the events of this kind ({@link GenericEvent} for extension kinds).
     *
     * @return the event class
     */
    public Class<? extends Event> eventClass() {
        return eventClass;
    }

    /**
     * Whether the kind is one of the four original kinds, delivered as a {@link SecurityEvent}
     * and named by an {@link EventType}.
     *
     * @return true for exec, open, bind and uring
     */
    public boolean isSecurityEvent() {
        return SecurityEvent.class.isAssignableFrom(eventClass);
    }

    /**
     * Whether the kind was made by {@link #extension(String)}.
     *
     * @return true for a source-specific kind
     */
    public boolean isExtension() {
        return id >= EXTENSION_ID_BASE;
    }

    private String constantName() {
        if (this == FILE_OPEN) {
            return "FILE_OPEN";
        }
        if (this == SOCKET_BIND) {
            return "SOCKET_BIND";
        }
        if (this == URING_CMD) {
            return "URING_CMD";
        }
        if (this == SOCKET_CONNECT) {
            return "SOCKET_CONNECT";
        }
        return name.toUpperCase(Locale.ROOT);
    }

    @Override
    public int compareTo(EventKind o) {
        return Integer.compare(id, o.id);
    }

    @Override
    public String toString() {
        return constantName();
    }
}
