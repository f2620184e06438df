package org.esf4j.backend.fanotify;

import org.esf4j.api.ProcessInfo;
import org.esf4j.spi.RawEvent;

/**
 * The reader thread's reusable event: resolves the target path from the event fd
 * ({@code /proc/self/fd/N}), the executable of the acting process ({@code /proc/PID/exe}) and
 * the file identity ({@code fstat} of the event fd), each at most once and only when the engine
 * asks.
 */
final class FanotifyRawEvent extends RawEvent {

    private final ProcLinks proc;
    private int eventFd;

    FanotifyRawEvent(ProcLinks proc) {
        this.proc = proc;
    }

    private boolean processGone;

    void eventFd(int fd) {
        this.eventFd = fd;
    }

    /**
     * Records that the kernel reported {@code FAN_NOPIDFD}: the process exited before the event
     * was read, so its pid may already belong to another process.
     */
    void processGone(boolean gone) {
        this.processGone = gone;
    }

    @Override
    public ProcessInfo process() {
        if (processGone) {
            return ProcessInfo.of(pid(), pid(), ProcessInfo.UNKNOWN, ProcessInfo.UNKNOWN, ProcessInfo.UNKNOWN,
                    ProcessInfo.UNKNOWN, ProcessInfo.UNKNOWN, "", "", ProcessInfo.UNKNOWN);
        }
        return null;
    }

    @Override
    protected int loadTargetPath(byte[] dst) {
        return proc.fdPath(eventFd, dst);
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
}
