package org.esf4j.backend.fanotify;

import java.util.List;
import org.esf4j.api.Accuracy;
import org.esf4j.api.Event;
import org.esf4j.api.EventHeader;
import org.esf4j.api.EventKind;
import org.esf4j.api.PathState;
import org.esf4j.api.ProcessInfo;
import org.esf4j.spi.RawEvent;
import org.esf4j.spi.process.ExecFiles;
import org.esf4j.spi.process.ProcFiles;
import org.esf4j.spi.process.ProcessModel;

/**
 * The reader thread's reusable event: resolves the target path from the event fd
 * ({@code /proc/self/fd/N}), the executable of the acting process ({@code /proc/PID/exe}), the file
 * identity ({@code fstat} of the event fd) and an exec's interpreter (read from the event fd), each
 * at most once and only when the engine asks.
 *
 * <h2>What is exact</h2>
 * A permission event's process waits in the kernel until it is answered: its path and process are
 * read while nothing can change them. A notification is read after the fact: its path is the file's
 * name when the event was read ({@link PathState#APPROXIMATE}: a rename in between is not seen),
 * and its process comes from the process model for the time between the last moment the queue was
 * empty and the read. A file unlinked by then has the kernel's {@code " (deleted)"} suffix, which
 * is removed ({@link PathState#DELETED} while the process waits; for a notification the last name,
 * approximate). fanotify reports no thread id, no exec arguments and no open flags.
 */
final class FanotifyRawEvent extends RawEvent {

    private final ProcFiles proc;
    private final ExecFiles exec;
    private int eventFd;
    private int pidfd;
    private boolean waiting;
    private long earliestNanos;
    private boolean interpreterRead;
    private String interpreter;
    private boolean script;

    FanotifyRawEvent(ProcFiles proc, ExecFiles exec) {
        this.proc = proc;
        this.exec = exec;
    }

    /**
     * Points at the event's descriptor.
     *
     * @param fd the event fd
     * @param waiting whether the process waits in the kernel for this event (a permission event
     *                of a process that is still alive)
     * @param earliest the earliest time the event can have happened ({@link System#nanoTime()})
     * @param pidfd the event's pidfd (valid until the event is handled), or a negative value
     */
    void eventFd(int fd, boolean waiting, long earliest, int pidfd) {
        this.eventFd = fd;
        this.pidfd = pidfd;
        this.waiting = waiting;
        this.earliestNanos = earliest;
        this.interpreterRead = false;
        this.interpreter = null;
    }

    /** A permission event's descriptor stays open until the answer: handlers may read through it. */
    @Override
    public int fileDescriptor() {
        return mode() == org.esf4j.api.Mode.AUTH ? eventFd : -1;
    }

    @Override
    protected int loadTargetPath(byte[] dst) {
        int n = proc.fdPath(eventFd, dst);
        if (n <= 0) {
            return n;
        }
        int stripped = withoutDeletedSuffix(dst, n);
        if (stripped >= 0 && proc.fstat(eventFd) == 0 && proc.statLinks() == 0) {
            // a notification's file may have been renamed before it was unlinked: its last name
            targetPathState(waiting ? PathState.DELETED : PathState.APPROXIMATE);
            return stripped;
        }
        if (!waiting) {
            targetPathState(PathState.APPROXIMATE);
        }
        return n;
    }


    @Override
    protected int loadExecutablePath(byte[] dst) {
        return proc.exePath(pid(), dst);
    }

    @Override
    protected void loadFileId() {
        if (proc.fstat(eventFd) == 0) {
            fileId(proc.statDevice(), proc.statInode(), proc.statChangeTimeNanos());
        }
    }

    /**
     * The interpreter the executed file names (allocates once per event).
     *
     * @return the {@code #!} path or {@code PT_INTERP}, "" for a static ELF file, null when unknown
     */
    String interpreter() {
        if (!interpreterRead) {
            interpreterRead = true;
            interpreter = exec.interpreter(eventFd);
            script = exec.script();
        }
        return interpreter;
    }

    @Override
    public Event toEvent(EventHeader h) {
        if (kind() == EventKind.EXEC) {
            String i = interpreter();
            return execEvent(h, List.of(), Accuracy.UNKNOWN, i == null ? "" : i);
        }
        return builtInEvent(h);
    }

    @Override
    public ProcessInfo process(ProcessModel model) {
        if (waiting) {
            return model.waiting(pid(), -1, proc, pidfd);
        }
        if (kind() != EventKind.EXEC) {
            return model.during(pid(), -1, earliestNanos, receivedNanos());
        }
        String i = interpreter();
        return model.callerOfExec(pid(), -1, earliestNanos, receivedNanos(), targetPathString(),
                i != null && script ? realPath(i) : "");
    }

    /** The program a script's {@code #!} line names, as {@code /proc/PID/exe} will show it. */
    private static String realPath(String path) {
        try {
            return java.nio.file.Path.of(path).toRealPath().toString();
        } catch (java.io.IOException | java.nio.file.InvalidPathException e) {
            return path;
        }
    }
}
