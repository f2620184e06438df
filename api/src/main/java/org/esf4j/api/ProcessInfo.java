package org.esf4j.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The process that caused an event, as esf4j's process model knows it. Every backend fills it
 * the same way: fields the source gives with the event, completed from the model (kept current
 * from the kernel's process connector and seeded from {@code /proc}), and never guessed: a value
 * that cannot be known for this event is {@link #UNKNOWN} (numbers), the empty string, an empty
 * list or an empty {@link Optional}.
 *
 * <p>For an AUTH event the process waits in the kernel until the verdict is sent, so what is read
 * while it waits is exact. For a notification read after the fact, fields that may have changed in
 * between (executable, {@code comm}, credentials, arguments) are given only when the model knows
 * they had not changed, and are unknown otherwise.
 *
 * @since 0.1
 */
public interface ProcessInfo {

    /** Value of a numeric field the source could not supply. */
    int UNKNOWN = -1;

    /** How far {@link #lineage()} walks up at most. */
    int LINEAGE_LIMIT = 64;

    /**
     * Process id (thread-group id) as seen in the initial pid namespace.
     *
     * @return the pid
     */
    int pid();

    /**
     * Thread id of the thread that acted, or {@link #UNKNOWN} when the source reports only the
     * process (never a guess: a source without thread ids does not answer {@link #pid()} here).
     *
     * @return the tid
     */
    int tid();

    /**
     * Parent process id, or {@link #UNKNOWN}.
     *
     * @return the ppid
     */
    int ppid();

    /**
     * Real user id, or {@link #UNKNOWN}.
     *
     * @return the uid
     */
    int uid();

    /**
     * Effective user id, or {@link #UNKNOWN}.
     *
     * @return the euid
     */
    int euid();

    /**
     * Real group id, or {@link #UNKNOWN}.
     *
     * @return the gid
     */
    int gid();

    /**
     * Effective group id, or {@link #UNKNOWN}.
     *
     * @return the egid
     */
    int egid();

    /**
     * Path of the process's executable (for a script, its interpreter, as {@code /proc/PID/exe}
     * shows it), or the empty string when unknown.
     *
     * @return the executable path
     */
    String executable();

    /**
     * The kernel's short command name ({@code comm}), or the empty string when unknown.
     *
     * @return comm
     */
    String comm();

    /**
     * Start time in clock ticks since boot ({@code /proc/PID/stat} field 22), or {@link #UNKNOWN}.
     * Together with the pid it identifies a process uniquely; see {@link #id()}.
     *
     * @return start time in ticks
     */
    long startTimeTicks();

    /**
     * The process's identity, which survives pid reuse.
     *
     * @return the id, or empty when the start time is unknown
     */
    default Optional<ProcessId> id() {
        return Optional.empty();
    }

    /**
     * The parent's identity.
     *
     * @return the parent's id, or empty when unknown
     */
    default Optional<ProcessId> parentId() {
        return Optional.empty();
    }

    /**
     * The parent as the process model knows it now (it may have exited since; the model keeps
     * exited processes for a while).
     *
     * @return the parent, or empty when unknown
     */
    default Optional<ProcessInfo> parent() {
        return Optional.empty();
    }

    /**
     * The ancestors, parent first, up to the first process the model does not know (or init), at
     * most {@link #LINEAGE_LIMIT}.
     *
     * @return the ancestors
     */
    default List<ProcessInfo> lineage() {
        List<ProcessInfo> out = new ArrayList<>();
        Optional<ProcessInfo> p = parent();
        while (p.isPresent() && out.size() < LINEAGE_LIMIT) {
            out.add(p.get());
            p = p.get().parent();
        }
        return out;
    }

    /**
     * The cgroup v2 id of the process ({@code bpf_get_current_cgroup_id()}, the inode number of
     * its cgroup directory), or {@link #UNKNOWN}.
     *
     * @return the cgroup id
     */
    default long cgroupId() {
        return UNKNOWN;
    }

    /**
     * The arguments the process's current program was started with, as
     * {@code /proc/PID/cmdline} showed them when the process model first saw that program (a
     * program may rewrite them: see {@link #argvAccuracy()}); empty when unknown.
     *
     * @return the arguments
     */
    default List<String> argv() {
        return List.of();
    }

    /**
     * How far {@link #argv()} can be trusted. Arguments read from {@code /proc/PID/cmdline} are
     * {@link Accuracy#APPROXIMATE}: that file shows the process's memory, which the program may
     * have rewritten before it was read ({@code setproctitle}, or {@code mkdir -p}, which puts a
     * NUL into its path argument while it creates each parent). Only arguments a source reported
     * at the exec itself are {@link Accuracy#EXACT}.
     *
     * @return {@link Accuracy#UNKNOWN} when {@link #argv()} is empty, else how exact it is
     * @since 0.2
     */
    default Accuracy argvAccuracy() {
        return argv().isEmpty() ? Accuracy.UNKNOWN : Accuracy.APPROXIMATE;
    }

    /**
     * A known process whose identity, parent and arguments are unknown.
     *
     * @param pid pid
     * @param tid tid
     * @param ppid parent pid
     * @param uid real uid
     * @param euid effective uid
     * @param gid real gid
     * @param egid effective gid
     * @param executable executable path
     * @param comm command name
     * @param startTimeTicks start time in ticks since boot
     * @return an immutable value
     */
    static ProcessInfo of(int pid, int tid, int ppid, int uid, int euid, int gid, int egid,
                          String executable, String comm, long startTimeTicks) {
        return new Known(pid, tid, ppid, uid, euid, gid, egid, executable, comm, startTimeTicks);
    }

    /**
     * Immutable implementation of {@link #of}.
     *
     * @param pid pid
     * @param tid tid
     * @param ppid parent pid
     * @param uid real uid
     * @param euid effective uid
     * @param gid real gid
     * @param egid effective gid
     * @param executable executable path
     * @param comm command name
     * @param startTimeTicks start time in ticks since boot
     */
    record Known(int pid, int tid, int ppid, int uid, int euid, int gid, int egid,
                 String executable, String comm, long startTimeTicks) implements ProcessInfo {
    }
}
