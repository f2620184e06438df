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

    /** A field of an event or of its process, with what it means and its value when absent. */
    public enum Field {
        /** {@code process().pid()}. */
        PID("process().pid()", "the process (thread group) id", "never absent"),
        /** {@code process().tid()}. */
        TID("process().tid()", "the thread that acted", "-1"),
        /** {@code process().ppid()}. */
        PPID("process().ppid()", "the parent's pid", "-1"),
        /** {@code process().uid()} and {@code gid()}. */
        UID_GID("process().uid(), gid()", "the real user and group", "-1"),
        /** {@code process().euid()} and {@code egid()}. */
        EUID_EGID("process().euid(), egid()", "the effective user and group", "-1"),
        /** {@code process().executable()}. */
        PROCESS_EXECUTABLE("process().executable()", "the program the process runs (an exec's: the caller's, before"
                + " the exec)", "\"\""),
        /** {@code process().comm()}. */
        COMM("process().comm()", "the command name", "\"\""),
        /** {@code process().startTimeTicks()} (and so {@code id()}). */
        START_TIME("process().startTimeTicks(), id()", "start time in clock ticks since boot; with the boot id"
                + " and pid, an identity that survives pid reuse", "-1, id() empty"),
        /** {@code process().parentId()}. */
        PARENT_ID("process().parentId()", "the parent's identity", "empty"),
        /** {@code process().cgroupId()}. */
        CGROUP("process().cgroupId()", "the cgroup v2 id (the inode of the cgroup's directory)", "-1"),
        /** {@code process().argv()}. */
        PROCESS_ARGV("process().argv(), argvAccuracy()", "the arguments of the program the process runs",
                "[] and UNKNOWN"),
        /** {@code header().kernelTimeNanos()}. */
        KERNEL_TIME("header().kernelTimeNanos()", "when the kernel saw the operation (CLOCK_MONOTONIC)", "0"),
        /** The target path: exec's {@code executable()}, open's {@code path()}, uring's {@code targetPath()}. */
        PATH("executable(), path(), targetPath()", "the file, absolute, symbolic links resolved, with its"
                + " PathState", "\"\" and UNKNOWN"),
        /** {@code ExecEvent.argv()}. */
        ARGV("ExecEvent.argv(), argvAccuracy()", "the arguments execve received", "[] and UNKNOWN"),
        /** {@code ExecEvent.interpreter()}. */
        INTERPRETER("ExecEvent.interpreter()", "the #! interpreter of a script, or the ELF file's PT_INTERP",
                "\"\""),
        /** The file's device and inode. */
        DEVICE_INODE("file().device(), inode()", "the file's identity", "0"),
        /** The file's change time. */
        CHANGE_TIME("file().changeTimeNanos()", "the file's ctime (a write changes it)", "0"),
        /** {@code FileOpenEvent.openFlags()}. */
        OPEN_FLAGS("FileOpenEvent.openFlags()", "the open flags", "-1"),
        /** Socket family, address and port. */
        ADDRESS("family(), address(), port()", "the address (RFC 5952 for IPv6) and port as the call gave them;"
                + " a bind to port 0 is 0 (the port the kernel then picks is not known at the hook)", "0, \"\", 0"),
        /** {@code socketType()}. */
        SOCKET_TYPE("socketType()", "SOCK_STREAM, SOCK_DGRAM, ...", "-1"),
        /** {@code UringCmdEvent.commandOp()}. */
        COMMAND_OP("UringCmdEvent.commandOp()", "the io_uring command's op", "-1");

        private final String accessor;
        private final String meaning;
        private final String absent;

        Field(String accessor, String meaning, String absent) {
            this.accessor = accessor;
            this.meaning = meaning;
            this.absent = absent;
        }

        /** @return the API accessors that give the field */
        public String accessor() {
            return accessor;
        }

        /** @return what the field means */
        public String meaning() {
            return meaning;
        }

        /** @return the value when the field is absent */
        public String absent() {
            return absent;
        }
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
        /**
         * With a scope, only execs of files in the scope are reported: the scope selects the
         * executed file (or the interpreter a script names), not the process.
         */
        SCOPED_EXECS("with a scope, only execs of files in the scope are reported (the scope selects the executed"
                + " file, not the process)"),
        /** Exec attempts are reported before the kernel knows whether the exec succeeds. */
        EXEC_ATTEMPTS("exec attempts are reported before the kernel knows whether the exec succeeds"),
        /** The opens the kernel makes for an exec (the program, its interpreters) are reported as opens. */
        EXEC_OPENS("the kernel's own opens for an exec (the program, its interpreters) are reported as opens"),
        /** Opens of directories are reported. */
        DIRECTORY_OPENS("opens of directories are reported"),
        /** {@code O_PATH} opens are reported. */
        PATH_ONLY_OPENS("O_PATH opens are reported"),
        /** Opens that fail (after the permission checks) are reported. */
        FAILED_OPENS("opens that fail after the permission checks are reported"),
        /** Binds that fail are reported. */
        FAILED_BINDS("binds that fail are reported"),
        /** Connects that fail (refused, unreachable, in progress) are reported. */
        FAILED_CONNECTS("connects that fail (refused, unreachable, in progress) are reported"),
        /**
         * Notifications only: an event identical to one still queued (same process, same file, same
         * kind) is merged into it by the kernel, so repeated operations of one process on one file
         * may be reported once.
         */
        MERGED_NOTIFICATIONS("notifications only: the kernel merges an event into an identical one still queued"
                + " (same process, same file), so repeated opens may be reported once");

        private final String text;

        Quirk(String text) {
            this.text = text;
        }

        /** @return what the quirk means, in a sentence */
        public String text() {
            return text;
        }
    }

    /** @return the kinds that have quirks, and theirs */
    public Map<EventKind, Set<Quirk>> quirks() {
        return Collections.unmodifiableMap(quirks);
    }

    private final Map<EventKind, Map<Mode, Map<Field, Support>>> fields;
    private final Map<EventKind, Set<Quirk>> quirks;

    private Coverage(Map<EventKind, Map<Mode, Map<Field, Support>>> fields, Map<EventKind, Set<Quirk>> quirks) {
        this.fields = fields;
        this.quirks = quirks;
    }

    /**
     * A field/support list extended with more pairs, for declarations that share a base.
     *
     * @param base field/support pairs
     * @param more more pairs
     * @return a new array: {@code base} then {@code more}
     */
    public static Object[] with(Object[] base, Object... more) {
        Object[] out = java.util.Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, out, base.length, more.length);
        return out;
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
