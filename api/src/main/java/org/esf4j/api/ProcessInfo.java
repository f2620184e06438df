package org.esf4j.api;

/**
 * The process that caused an event. {@link #pid()} is always known at once; the other fields
 * may be resolved on first access (for example from {@code /proc} for fanotify, whose kernel
 * record carries only the pid). For an AUTH event the process waits in the kernel until the
 * verdict is sent, so details read before answering are exact; read them before answering if
 * you need them. {@link #startTimeTicks()} distinguishes a reused pid from the old process.
 *
 * @since 0.1
 */
public interface ProcessInfo {

    /** Value of a numeric field the source could not supply. */
    int UNKNOWN = -1;

    /**
     * Process id (thread-group id) as seen in the reader's pid namespace.
     *
     * @return the pid
     */
    int pid();

    /**
     * Thread id of the thread that acted, or {@link #pid()} when the source reports only the process.
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
     * Path of the process's executable, or the empty string when unknown.
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
     * Together with the pid it identifies a process uniquely.
     *
     * @return start time in ticks
     */
    long startTimeTicks();

    /**
     * A fully known process.
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

    /** Immutable implementation of {@link #of}. */
    record Known(int pid, int tid, int ppid, int uid, int euid, int gid, int egid,
                 String executable, String comm, long startTimeTicks) implements ProcessInfo {
    }
}
