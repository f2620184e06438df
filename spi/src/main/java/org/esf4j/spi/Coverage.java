package org.esf4j.spi;

import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import org.esf4j.api.EventKind;
import org.esf4j.api.Mode;

/**
 * What a backend declares it can and cannot know, per kind of event and mode: for every field,
 * how it is given, and which operations it reports beyond or short of the system calls a process
 * made. The conformance suite checks each backend against its declaration (every field it gives
 * must match an independent witness exactly; every field it does not give must be absent), and
 * README's field table states the same.
 *
 * @since 0.1
 */
public final class Coverage {

    /** A field of an event or of its process. */
    public enum Field {
        /** {@code process().pid()}. */
        PID,
        /** {@code process().tid()}. */
        TID,
        /** {@code process().ppid()}. */
        PPID,
        /** {@code process().uid()} and {@code gid()}. */
        UID_GID,
        /** {@code process().euid()} and {@code egid()}. */
        EUID_EGID,
        /** {@code process().executable()}. */
        PROCESS_EXECUTABLE,
        /** {@code process().comm()}. */
        COMM,
        /** {@code process().startTimeTicks()} (and so {@code id()}). */
        START_TIME,
        /** {@code process().parentId()}. */
        PARENT_ID,
        /** {@code process().cgroupId()}. */
        CGROUP,
        /** {@code process().argv()}. */
        PROCESS_ARGV,
        /** {@code header().kernelTimeNanos()}. */
        KERNEL_TIME,
        /** The target path: exec's {@code executable()}, open's {@code path()}, uring's {@code targetPath()}. */
        PATH,
        /** {@code ExecEvent.argv()}. */
        ARGV,
        /** {@code ExecEvent.interpreter()}. */
        INTERPRETER,
        /** The file's device and inode. */
        DEVICE_INODE,
        /** The file's change time. */
        CHANGE_TIME,
        /** {@code FileOpenEvent.openFlags()}. */
        OPEN_FLAGS,
        /** Socket family, address and port. */
        ADDRESS,
        /** {@code socketType()}. */
        SOCKET_TYPE,
        /** {@code UringCmdEvent.commandOp()}. */
        COMMAND_OP
    }

    /** How a field is given. */
    public enum Support {
        /** Always given, exactly as the kernel saw it. */
        EXACT,
        /**
         * Given exactly when the source can tell it (the process model saw no change in the time
         * the event may have happened, a path that could be resolved); absent otherwise, never a
         * guess.
         */
        EXACT_OR_ABSENT,
        /**
         * Given, and marked ({@code PathState}, {@code Accuracy}) where it may differ from what the
         * kernel saw; where the field has an unknown marking (an {@code Accuracy}), it may also be
         * absent and marked unknown.
         */
        MARKED,
        /** Never given: always the documented absent value. */
        ABSENT
    }

    /** Operations a backend reports that no system call of the process matches one to one, or that it never reports. */
    public enum Quirk {
        /** Exec attempts are reported before the kernel knows whether the exec succeeds. */
        EXEC_ATTEMPTS,
        /** The opens the kernel makes for an exec (the program, its interpreters) are reported as opens. */
        EXEC_OPENS,
        /** Opens of directories are reported. */
        DIRECTORY_OPENS,
        /** {@code O_PATH} opens are reported. */
        PATH_ONLY_OPENS,
        /** Opens that fail (after the permission checks) are reported. */
        FAILED_OPENS,
        /** Binds that fail are reported. */
        FAILED_BINDS,
        /** Connects that fail (refused, unreachable, in progress) are reported. */
        FAILED_CONNECTS,
        /**
         * Notifications only: an event identical to one still queued (same process, same file, same
         * kind) is merged into it by the kernel, so repeated operations of one process on one file
         * may be reported once.
         */
        MERGED_NOTIFICATIONS
    }

    private final Map<EventKind, Map<Mode, Map<Field, Support>>> fields;
    private final Map<EventKind, Set<Quirk>> quirks;

    private Coverage(Map<EventKind, Map<Mode, Map<Field, Support>>> fields, Map<EventKind, Set<Quirk>> quirks) {
        this.fields = fields;
        this.quirks = quirks;
    }

    /**
     * A new builder.
     *
     * @return it
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * How a field of a kind is given in a mode.
     *
     * @param kind the kind
     * @param mode the mode
     * @param field the field
     * @return how; {@link Support#ABSENT} when the backend does not serve the kind in that mode
     */
    public Support support(EventKind kind, Mode mode, Field field) {
        Map<Mode, Map<Field, Support>> byMode = fields.get(kind);
        Map<Field, Support> f = byMode == null ? null : byMode.get(mode);
        Support s = f == null ? null : f.get(field);
        return s == null ? Support.ABSENT : s;
    }

    /**
     * Every field's support for a kind and mode.
     *
     * @param kind the kind
     * @param mode the mode
     * @return an unmodifiable map, empty when the kind is not served in that mode
     */
    public Map<Field, Support> fields(EventKind kind, Mode mode) {
        Map<Mode, Map<Field, Support>> byMode = fields.get(kind);
        Map<Field, Support> f = byMode == null ? null : byMode.get(mode);
        return f == null ? Map.of() : Collections.unmodifiableMap(f);
    }

    /**
     * Whether a backend has a quirk for a kind.
     *
     * @param kind the kind
     * @param quirk the quirk
     * @return true when declared
     */
    public boolean has(EventKind kind, Quirk quirk) {
        Set<Quirk> q = quirks.get(kind);
        return q != null && q.contains(quirk);
    }

    /** @return the kinds declared */
    public Set<EventKind> kinds() {
        return Collections.unmodifiableSet(fields.keySet());
    }

    /** Builds a {@link Coverage}. */
    public static final class Builder {
        private final Map<EventKind, Map<Mode, Map<Field, Support>>> fields = new TreeMap<>();
        private final Map<EventKind, Set<Quirk>> quirks = new TreeMap<>();

        private Builder() {
        }

        /**
         * Declares a kind in one or both modes: every field not named is {@link Support#ABSENT}.
         *
         * @param kind the kind
         * @param modes the modes it applies to
         * @param support field, support, field, support, ...
         * @return this
         */
        public Builder kind(EventKind kind, Set<Mode> modes, Object... support) {
            Objects.requireNonNull(kind, "kind");
            if (support.length % 2 != 0) {
                throw new IllegalArgumentException("field/support pairs expected");
            }
            for (Mode m : modes) {
                Map<Field, Support> f = fields.computeIfAbsent(kind, k -> new EnumMap<>(Mode.class))
                        .computeIfAbsent(m, x -> new EnumMap<>(Field.class));
                for (int i = 0; i < support.length; i += 2) {
                    f.put((Field) support[i], (Support) support[i + 1]);
                }
            }
            return this;
        }

        /**
         * Declares quirks of a kind.
         *
         * @param kind the kind
         * @param q the quirks
         * @return this
         */
        public Builder quirks(EventKind kind, Quirk... q) {
            Set<Quirk> s = quirks.computeIfAbsent(kind, k -> EnumSet.noneOf(Quirk.class));
            Collections.addAll(s, q);
            return this;
        }

        /** @return the coverage */
        public Coverage build() {
            return new Coverage(fields, quirks);
        }
    }
}
